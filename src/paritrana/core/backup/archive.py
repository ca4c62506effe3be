"""The archive itself: its members and manifest, the tar written with checksums, unpacked and checked before a
restore, and the folder swap that puts a restored folder in place."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import uuid
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import IO, Any

from paritrana.core.errors import N_, ConfigurationError, Conflict, InvalidInput

FORMAT = 1


MANIFEST = "manifest.json"


DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


ANALYTICS = "analytics"


FILES = "files"


SECRET_KEY = "secret_key"  # noqa: S105 - the name of the file, not a key


#: Tables a bare ``paritrana migrate`` fills by itself: rows there do not make a database "not empty".
MIGRATE_FILLS = frozenset({"django_migrations", "django_content_type", "auth_permission"})


_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupManifest:
    """What an archive holds; written as ``manifest.json`` and checked member by member on restore."""

    paritrana_version: str
    created_at: str  # ISO 8601, UTC
    engine: str  # "sqlite" or "postgresql"
    migrations: dict[str, list[str]]  # applied migrations per app, in the order applied
    row_counts: dict[str, int]  # every table of the database snapshot
    files: list[dict[str, Any]]  # every member but the manifest: path, size, sha256
    analytics: dict[str, Any]  # kind, included, rows, note
    notes: list[str] = field(default_factory=list)
    format: int = FORMAT

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> BackupManifest:
        try:
            return cls(
                paritrana_version=str(data["paritrana_version"]),
                created_at=str(data["created_at"]),
                engine=str(data["engine"]),
                migrations={str(k): [str(n) for n in v] for k, v in data["migrations"].items()},
                row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
                files=[
                    {"path": str(f["path"]), "size": int(f["size"]), "sha256": str(f["sha256"])} for f in data["files"]
                ],
                analytics=dict(data["analytics"]),
                notes=[str(n) for n in data.get("notes", [])],
                format=int(data.get("format", FORMAT)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidInput(
                N_("The archive's manifest.json is not a Paritrana backup manifest ({error})."),
                field="archive",
                error=str(error),
            ) from None


def _write_mode(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "w:gz"
    if name.endswith(".tar"):
        return "w"
    raise InvalidInput(N_("Name the backup file .tar or .tar.gz (gzip'd); got {path}."), field="output", path=str(path))


def _gzip_level(mode: str) -> dict[str, int]:
    return {"compresslevel": 6} if mode.endswith("gz") else {}  # 9 is much slower for a few percent


def _engine() -> str:
    from django.db import connection

    if connection.vendor not in DB_MEMBER:
        raise ConfigurationError(
            N_("Backups know SQLite and PostgreSQL; the database is {vendor}."), vendor=connection.vendor
        )
    return connection.vendor


def _version() -> str:
    try:
        return package_version("paritrana")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout that was never installed
        return "unknown"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _migrations(rows: Any) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return applied


def _regular_files(root: Path) -> list[Path]:
    """Regular files under ``root``, sorted; hidden names (a Parquet write being staged, a partial archive) and
    symbolic links are left out."""
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                found.append(path)
    return found


class _Hashing:
    """Reads through to a file and hashes what it hands on, so the checksum is of the bytes in the archive."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str, mode: int = 0o644) -> dict[str, Any]:
    with path.open("rb") as raw:
        stat = os.fstat(raw.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), mode
        reader = _Hashing(raw)
        tar.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.sha256.hexdigest()}


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _unpack(archive: Path, staging: Path) -> BackupManifest:
    """Extract into ``staging`` and check every member against the manifest (name, size, sha256)."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise InvalidInput(
                        N_("The archive holds {file}, which is not a plain file; it is not a Paritrana backup."),
                        field="archive",
                        file=member.name,
                    )
                tar.extract(member, staging, filter="data")  # refuses absolute paths and '..'
    except (tarfile.TarError, EOFError, OSError) as error:
        raise InvalidInput(
            N_("{path} is not a readable backup archive ({error})."),
            field="archive",
            path=str(archive),
            error=str(error),
        ) from None
    manifest_path = staging / MANIFEST
    if not manifest_path.is_file():
        raise InvalidInput(
            N_("{path} has no manifest.json: it is not a Paritrana backup, or it is incomplete."),
            field="archive",
            path=str(archive),
        )
    try:
        manifest = BackupManifest.from_dict(json.loads(manifest_path.read_text(encoding="utf-8")))
    except ValueError as error:
        raise InvalidInput(
            N_("The archive's manifest.json is not a Paritrana backup manifest ({error})."),
            field="archive",
            error=str(error),
        ) from None
    listed = {f["path"]: f for f in manifest.files}
    present = {m.name for m in members if m.isfile() and m.name != MANIFEST}
    for name in sorted(present - listed.keys()):
        raise InvalidInput(
            N_("The archive holds {file}, which its manifest does not list: it was changed after the backup."),
            field="archive",
            file=name,
        )
    for name, entry in sorted(listed.items()):
        path = staging / name
        if name not in present:
            raise InvalidInput(
                N_("The archive lacks {file}, which its manifest lists: it is incomplete."), field="archive", file=name
            )
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise InvalidInput(
                N_("The archive is damaged or was changed: {file} does not match its checksum. Use another copy."),
                field="archive",
                file=name,
            )
    return manifest


def _check_compatible(manifest: BackupManifest, engine: str) -> None:
    from django.db.migrations.loader import MigrationLoader

    if manifest.format > FORMAT:
        raise Conflict(
            N_("This backup was made by Paritrana {version}, in a newer format; upgrade Paritrana to restore it."),
            version=manifest.paritrana_version,
        )
    if manifest.engine != engine:
        raise Conflict(
            N_(
                "This backup holds a {archive_engine} database, but Paritrana is configured for {engine}. Restore it "
                "with PARITRANA_DATABASE_URL set to a {archive_engine} database (to move between engines, restore, "
                "then copy the data with Django's dumpdata and loaddata)."
            ),
            archive_engine=manifest.engine,
            engine=engine,
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}" for app, names in manifest.migrations.items() for name in names if (app, name) not in known
    ]
    if unknown:
        raise Conflict(
            N_(
                "This backup was made by Paritrana {version}, whose database has migrations this version does not "
                "know ({migrations}); install that version or a newer one to restore it."
            ),
            version=manifest.paritrana_version,
            migrations=", ".join(unknown[:3]),
        )


def _swap_folder(new: Path, target: Path) -> None:
    """Put ``new`` (or an empty folder) at ``target`` by rename; the old one goes once the new one is in place."""
    if not new.exists():
        new.mkdir(parents=True)
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.rename(old)
    try:
        new.rename(target)
    except OSError:  # another filesystem: copy instead
        shutil.copytree(new, target)
    shutil.rmtree(old, ignore_errors=True)
