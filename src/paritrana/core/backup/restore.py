"""``do_restore``: check everything in the archive first, then put it back (see the package's docstring)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from paritrana.core.backup.archive import (
    ANALYTICS,
    DB_MEMBER,
    FILES,
    MIGRATE_FILLS,
    SECRET_KEY,
    BackupManifest,
    _check_compatible,
    _engine,
    _regular_files,
    _swap_folder,
    _unpack,
)
from paritrana.core.backup.factstore import _analytics_rows, _analytics_target, _restore_analytics
from paritrana.core.backup.postgres import _restore_postgres
from paritrana.core.backup.sqlite import _restore_sqlite
from paritrana.core.errors import N_, Conflict, InvalidInput


def do_restore(*, actor: Any = None, archive: Path, force: bool = False) -> BackupManifest:
    """Put back what ``archive`` holds; refuse a non-empty database (unless ``force``) and a damaged archive.

    Returns the archive's manifest, whose row counts the restored database was checked against."""
    from django.conf import settings
    from django.db import connections

    from paritrana.core import audit

    archive = Path(archive)
    if not archive.is_file():
        raise InvalidInput(N_("There is no file {path}."), field="archive", path=str(archive))
    data_dir = Path(settings.PARITRANA.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    with tempfile.TemporaryDirectory(prefix=".paritrana-restore-", dir=data_dir) as tmp:
        staging = Path(tmp)
        manifest = _unpack(archive, staging)
        _check_compatible(manifest, engine)
        dump = staging / DB_MEMBER[engine]
        if not dump.is_file():
            raise InvalidInput(
                N_("The archive holds no {file} (the database): it is incomplete, or not a Paritrana backup."),
                field="archive",
                file=DB_MEMBER[engine],
            )
        target_kind, target_location = _analytics_target(manifest)
        if not force:
            busy = _not_empty(Path(settings.MEDIA_ROOT), target_kind, Path(target_location))
            if busy:
                raise Conflict(
                    N_(
                        "The database is not empty ({tables} hold data). Restore into an empty database and data "
                        "folder, or give --force to replace what is there."
                    ),
                    tables=", ".join(busy[:5]) + (", ..." if len(busy) > 5 else ""),
                )
        connections.close_all()  # nothing of ours may hold the old database open while it is replaced
        if engine == "sqlite":
            found = _restore_sqlite(dump, Path(settings.DATABASES["default"]["NAME"]))
        else:
            found = _restore_postgres(dump)
        _swap_folder(staging / FILES, Path(settings.MEDIA_ROOT))
        if manifest.analytics.get("included") and manifest.analytics.get("kind") in ("duckdb", "parquet"):
            _restore_analytics(staging / ANALYTICS, target_kind, Path(target_location))
        if (staging / SECRET_KEY).is_file():
            secret = data_dir / SECRET_KEY
            secret.unlink(missing_ok=True)
            secret.touch(mode=0o600)
            secret.write_bytes((staging / SECRET_KEY).read_bytes())
    differ: dict[str, tuple[Any, Any]] = {
        t: (n, found.get(t)) for t, n in manifest.row_counts.items() if found.get(t) != n
    }
    if manifest.analytics.get("included") and target_kind in ("duckdb", "parquet"):
        facts = _analytics_rows(target_kind, Path(target_location))
        if facts != manifest.analytics.get("rows"):
            differ["facts_participants (analytics)"] = (manifest.analytics.get("rows"), facts)
    if differ:
        table, (expected, got) = next(iter(differ.items()))
        raise Conflict(
            N_("After the restore, table {table} holds {found} rows where the backup's manifest says {expected}."),
            table=table,
            found=got,
            expected=expected,
        )
    audit.record(
        actor=actor,
        action="backup.restore",
        object_type="core.backup",
        object_id=archive.name[:64],
        after={
            "archive": str(archive.absolute()),
            "created_at": manifest.created_at,
            "engine": engine,
            "rows": sum(manifest.row_counts.values()),
            "forced": force,
        },
    )
    return manifest


def _not_empty(media: Path, analytics_kind: str, analytics: Path) -> list[str]:
    """The tables holding rows beyond what ``migrate`` writes, ``files`` when MEDIA_ROOT holds any, ``analytics``
    when the fact store (a file store: a PostgreSQL one is a table counted above, or not ours) holds facts."""
    from django.db import connection

    busy = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in MIGRATE_FILLS:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 - catalogue name
            if cursor.fetchone():
                busy.append(table)
    if _regular_files(media):
        busy.append("files")
    if analytics_kind != "postgres" and _analytics_rows(analytics_kind, analytics):
        busy.append("analytics")
    return busy
