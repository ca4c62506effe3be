"""``do_backup``: everything Paritrana keeps, as one archive (see the package's docstring)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from paritrana.core.backup.archive import (
    DB_MEMBER,
    FILES,
    MANIFEST,
    SECRET_KEY,
    BackupManifest,
    _add,
    _engine,
    _fsync,
    _gzip_level,
    _regular_files,
    _version,
    _write_mode,
)
from paritrana.core.backup.factstore import _backup_analytics
from paritrana.core.backup.postgres import _postgres_snapshot
from paritrana.core.backup.sqlite import _sqlite_snapshot
from paritrana.core.errors import N_, InvalidInput


def do_backup(*, actor: Any = None, output: Path) -> BackupManifest:
    """Write the database, the files, the fact store and the secret key to the archive ``output``.

    The archive is written under a temporary name beside ``output`` and renamed at the end, so a failed backup
    never leaves a truncated archive under the requested name (an older archive of that name stays as it was)."""
    from django.conf import settings

    from paritrana.core import audit

    output = Path(output).absolute()
    mode = _write_mode(output)
    if not output.parent.is_dir():
        raise InvalidInput(N_("There is no folder {path}."), field="output", path=str(output.parent))
    engine = _engine()
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.partial")
    entries: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        partial.touch(mode=0o600)  # personal data: readable by the owner only, like the database
        with (
            tempfile.TemporaryDirectory(prefix=".paritrana-backup-", dir=output.parent) as staging,
            tarfile.open(partial, mode, format=tarfile.PAX_FORMAT, **_gzip_level(mode)) as tar,  # type: ignore[call-overload] # mode is a str, not a literal
        ):
            dump = Path(staging) / DB_MEMBER[engine]
            if engine == "sqlite":
                counts, migrations = _sqlite_snapshot(Path(settings.DATABASES["default"]["NAME"]), dump)
            else:
                counts, migrations = _postgres_snapshot(dump)
            entries.append(_add(tar, dump, DB_MEMBER[engine]))
            dump.unlink()
            analytics = _backup_analytics(tar, entries, notes)
            media = Path(settings.MEDIA_ROOT)
            for path in _regular_files(media):
                entries.append(_add(tar, path, f"{FILES}/{path.relative_to(media).as_posix()}"))
            secret = settings.PARITRANA.data_dir / SECRET_KEY
            if secret.is_file():
                entries.append(_add(tar, secret, SECRET_KEY, mode=0o600))
            manifest = BackupManifest(
                paritrana_version=_version(),
                created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                engine=engine,
                migrations=migrations,
                row_counts=counts,
                files=entries,
                analytics=analytics,
                notes=notes,
            )
            body = json.dumps(manifest.as_dict(), ensure_ascii=False, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(body))
        _fsync(partial)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    audit.record(
        actor=actor,
        action="backup.create",
        object_type="core.backup",
        object_id=output.name[:64],
        after={"archive": str(output), "bytes": output.stat().st_size, "engine": engine, "rows": sum(counts.values())},
    )
    return manifest
