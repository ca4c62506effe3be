"""Back up and restore everything Paritrana keeps as one archive (``paritrana backup`` / ``paritrana restore``).

The archive is a tar (gzip'd when its name ends in ``.tar.gz`` or ``.tgz``)::

    database.sqlite3 | database.pgdump   the operational database (SQLite file, or pg_dump --format=custom)
    analytics/...                        the fact store when it is a DuckDB file or a Parquet folder
    files/...                            MEDIA_ROOT: award evidence, uploaded import files
    secret_key                           DATA_DIR/secret_key, when there is one (sessions, signed tokens)
    manifest.json                        last: version, engine, migrations, row counts, size and sha256 of each member

Consistent while the app runs, each part for its own reason:

* SQLite: Python's online backup (``Connection.backup``) in one step is one read transaction; in WAL mode the
  writers go on and the copy is the database as it was when that transaction began.
* PostgreSQL: a REPEATABLE READ transaction exports its snapshot, the row counts are taken in it and
  ``pg_dump --snapshot`` dumps from it, so the dump and the manifest describe the same instant (MVCC).
* DuckDB: a read-only connection holds the file's shared lock, which no writer can take while it is held, so the
  file is copied byte for byte under it (a ``facts refresh`` meanwhile waits for the lock). A byte copy gives back
  exactly the file that was there; ``COPY FROM DATABASE`` would rewrite it and needs a writable attachment.
* Parquet: each origin is swapped in as a whole folder by rename; a file already opened keeps its bytes.
* Files are written once and never changed in place. They are copied after the database snapshot, so every
  file a row of the snapshot names is already there (a file uploaded during the backup may come along unnamed).

Restore checks everything before it writes anything: the manifest, every checksum, the engine, the migrations,
an empty target (unless ``force``). It then puts back the database (SQLite: a temporary file renamed over the old
one; PostgreSQL: ``pg_restore --single-transaction``), the files, the fact store and the secret key, and compares
the row counts with the manifest. Stop the app (web and worker) while restoring.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import IO, Any

from paritrana.core.config import FACTS_TABLE, fact_store_kind, get_settings
from paritrana.core.errors import N_, ConfigurationError, Conflict, InvalidInput

__all__ = ["BackupManifest", "do_backup", "do_restore"]

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ANALYTICS = "analytics"
FILES = "files"
SECRET_KEY = "secret_key"  # noqa: S105 - the name of the file, not a key
#: Tables a bare ``paritrana migrate`` fills by itself: rows there do not make a database "not empty".
MIGRATE_FILLS = frozenset({"django_migrations", "django_content_type", "auth_permission"})
#: How long a backup waits for a writer of the DuckDB file to finish (a refresh takes seconds, a big load minutes).
DUCKDB_WAIT_SECONDS = 300.0
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


# --- backup ---------------------------------------------------------------------------------------------------


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


def _sqlite_snapshot(source_path: Path, dest: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    if not source_path.is_file():
        raise Conflict(N_("There is no database at {path} yet; run 'paritrana migrate' first."), path=str(source_path))
    with closing(sqlite3.connect(source_path, timeout=60)) as source, closing(sqlite3.connect(dest)) as copy:
        source.backup(copy)  # pages=-1: all pages in one step, i.e. one read transaction, one instant
        # One self-contained file in the archive; the app switches it back to WAL when it connects.
        copy.execute("PRAGMA journal_mode=DELETE")
    with closing(sqlite3.connect(dest)) as copy:
        return _sqlite_counts(copy), _migrations(copy.execute("SELECT app, name FROM django_migrations ORDER BY id"))


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    counts = {}
    for name in names:
        if not name.startswith("sqlite_"):
            query = f"SELECT count(*) FROM {_quote(name)}"  # noqa: S608 - a name from the catalogue, quoted
            counts[name] = conn.execute(query).fetchone()[0]
    return counts


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _migrations(rows: Any) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return applied


def _pg_settings() -> tuple[dict[str, str], dict[str, str]]:
    """psycopg keyword arguments and the PG* environment for pg_dump/pg_restore, from Django's database settings
    (the password goes through the environment, never the command line, which other users can read)."""
    from django.db import connection

    s = connection.settings_dict
    kwargs = {
        k: str(v)
        for k, v in {
            "host": s.get("HOST"),
            "port": s.get("PORT"),
            "user": s.get("USER"),
            "password": s.get("PASSWORD"),
        }.items()
        if v
    }
    kwargs["dbname"] = str(s["NAME"])
    if s.get("OPTIONS", {}).get("sslmode"):
        kwargs["sslmode"] = str(s["OPTIONS"]["sslmode"])
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE"}
    env = {**os.environ, **{names.get(k, "PGSSLMODE"): v for k, v in kwargs.items()}}
    return kwargs, env


def _pg_tool(name: str) -> str:
    """The newest installed client (it can dump and restore every server up to its own version), else PATH."""
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*/bin") if p.parent.name.isdigit() and (p / name).exists()),
        key=lambda p: int(p.parent.name),
    )
    found = str(versions[-1] / name) if versions else shutil.which(name)
    if not found:
        raise ConfigurationError(
            N_("{tool} was not found: install the PostgreSQL client tools (apt install postgresql-client)."), tool=name
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools
    if result.returncode != 0:
        raise ConfigurationError(
            N_("{tool} failed: {error}"),
            tool=Path(command[0]).name,
            error=(result.stderr or result.stdout).strip()[-2000:],
        )


def _pg_counts(conn: Any) -> dict[str, int]:
    from psycopg import sql

    rows = conn.execute(
        "SELECT schemaname, tablename, schemaname = current_schema() FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    ).fetchall()
    counts = {}
    for schema, table, current in rows:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        counts[table if current else f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
    return counts


def _postgres_snapshot(dest: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    import psycopg

    kwargs, env = _pg_settings()
    pg_dump = _pg_tool("pg_dump")
    with psycopg.connect(**kwargs) as conn:  # type: ignore[arg-type] # keyword arguments typed loosely
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index] # one row, always
        counts = _pg_counts(conn)
        migrations = _migrations(conn.execute("SELECT app, name FROM django_migrations ORDER BY id"))
        # The exporting transaction stays open until pg_dump has taken the same snapshot and finished.
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={dest}"], env)
        conn.rollback()
    return counts, migrations


def _backup_analytics(tar: tarfile.TarFile, entries: list[dict[str, Any]], notes: list[str]) -> dict[str, Any]:
    location = get_settings().fact_store
    kind = fact_store_kind(location)
    if kind == "postgres":
        included = _same_database(location)
        note = (
            N_("The fact store is a table of the database: it is in the database dump.")
            if included
            else N_(
                "The fact store is a separate PostgreSQL database and is NOT in this backup: back it up with "
                "pg_dump, or rebuild it after a restore with 'paritrana facts refresh' (and 'facts load')."
            )
        )
        notes.append(note)
        return {"kind": kind, "included": included, "rows": None, "note": note}
    path = Path(location)
    if kind == "duckdb":
        if not path.is_file():
            return {"kind": kind, "included": False, "rows": 0, "note": "no fact store yet"}
        with _duckdb_shared_lock(path) as con:
            rows = _duckdb_rows(con)
            entries.append(_add(tar, path, f"{ANALYTICS}/analytics.duckdb"))
            wal = path.with_name(path.name + ".wal")
            if wal.is_file():  # left by a writer that stopped before its checkpoint: part of the state
                entries.append(_add(tar, wal, f"{ANALYTICS}/analytics.duckdb.wal"))
        return {"kind": kind, "included": True, "rows": rows, "note": ""}
    rows = 0
    for file in _regular_files(path):
        entries.append(_add(tar, file, f"{ANALYTICS}/{file.relative_to(path).as_posix()}"))
        rows += _parquet_rows(file)
    return {"kind": kind, "included": True, "rows": rows, "note": ""}


def _same_database(url: str) -> bool:
    import dj_database_url
    from django.db import connection

    other = dj_database_url.parse(url)
    mine = connection.settings_dict
    return all(str(other.get(k) or "") == str(mine.get(k) or "") for k in ("NAME", "HOST", "PORT"))


@contextmanager
def _duckdb_shared_lock(path: Path) -> Iterator[Any]:
    """A read-only connection: DuckDB lets many processes read or one write, so while it is open no process can
    change the file. Wait for a writer (a refresh, a load) to finish rather than fail at once."""
    import duckdb

    deadline = time.monotonic() + DUCKDB_WAIT_SECONDS
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise Conflict(
                    N_("The fact store {path} stayed busy (being refreshed or loaded); try the backup again."),
                    path=str(path),
                ) from None
            time.sleep(0.5)
    try:
        yield con
    finally:
        con.close()


def _duckdb_rows(con: Any) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [FACTS_TABLE]
    ).fetchone()
    return int(con.execute(f"SELECT count(*) FROM {FACTS_TABLE}").fetchone()[0]) if exists[0] else 0  # noqa: S608


def _parquet_rows(path: Path) -> int:
    if path.suffix != ".parquet":
        return 0
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


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


# --- restore --------------------------------------------------------------------------------------------------


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


def _analytics_target(manifest: BackupManifest) -> tuple[str, str]:
    location = get_settings().fact_store
    kind = fact_store_kind(location)
    wanted = manifest.analytics.get("kind")
    if manifest.analytics.get("included") and wanted in ("duckdb", "parquet") and kind != wanted:
        raise Conflict(
            N_(
                "The backup's fact store is a {wanted} store but this installation's is a {kind} store "
                "(PARITRANA_ANALYTICS_STORE); point it at a {wanted} location to restore."
            ),
            wanted=wanted,
            kind=kind,
        )
    return kind, location


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


def _analytics_rows(kind: str, location: Path) -> int:
    """Facts in a DuckDB file or Parquet folder (0 when there is no store yet)."""
    if kind == "parquet":
        return sum(_parquet_rows(f) for f in _regular_files(location))
    if not location.is_file():
        return 0
    with _duckdb_shared_lock(location) as con:
        return _duckdb_rows(con)


def _restore_sqlite(dump: Path, db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(dump)) as conn:
        if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise InvalidInput(N_("The database in the archive is damaged."), field="archive")
    db.parent.mkdir(parents=True, exist_ok=True)
    temporary = db.with_name(f".{db.name}.{uuid.uuid4().hex[:8]}.restore")
    try:
        shutil.copyfile(dump, temporary)
        _fsync(temporary)
        # A write-ahead log left beside the old file would be replayed into the new one: remove it first.
        for suffix in ("-wal", "-shm", "-journal"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, db)
    finally:
        temporary.unlink(missing_ok=True)
    with closing(sqlite3.connect(db)) as conn:
        return _sqlite_counts(conn)


def _restore_postgres(dump: Path) -> dict[str, int]:
    import psycopg

    kwargs, env = _pg_settings()
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",  # the roles of the server backed up need not exist here
            "--single-transaction",
            "--no-password",
            f"--dbname={kwargs['dbname']}",
            str(dump),
        ],
        env,
    )
    with psycopg.connect(**kwargs) as conn:  # type: ignore[arg-type] # keyword arguments typed loosely
        return _pg_counts(conn)


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


def _restore_analytics(staged: Path, kind: str, location: Path) -> None:
    if kind == "parquet":
        _swap_folder(staged, location)
        return
    location.parent.mkdir(parents=True, exist_ok=True)
    wal = location.with_name(location.name + ".wal")
    wal.unlink(missing_ok=True)  # a stale log would be replayed into the restored file
    for name, dest in (("analytics.duckdb", location), ("analytics.duckdb.wal", wal)):
        source = staged / name
        if source.is_file():
            temporary = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.restore")
            shutil.copyfile(source, temporary)
            os.replace(temporary, dest)
    with suppress(OSError):
        _fsync(location)
