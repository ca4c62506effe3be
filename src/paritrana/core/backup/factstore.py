"""The fact store in an archive: a DuckDB file copied under its shared lock, or a Parquet folder; and its restore."""

from __future__ import annotations

import os
import shutil
import tarfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from paritrana.core.backup.archive import ANALYTICS, BackupManifest, _add, _fsync, _regular_files, _swap_folder
from paritrana.core.config import FACTS_TABLE, fact_store_kind, get_settings
from paritrana.core.errors import N_, Conflict

#: How long a backup waits for a writer of the DuckDB file to finish (a refresh takes seconds, a big load minutes).
DUCKDB_WAIT_SECONDS = 300.0


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


def _analytics_rows(kind: str, location: Path) -> int:
    """Facts in a DuckDB file or Parquet folder (0 when there is no store yet)."""
    if kind == "parquet":
        return sum(_parquet_rows(f) for f in _regular_files(location))
    if not location.is_file():
        return 0
    with _duckdb_shared_lock(location) as con:
        return _duckdb_rows(con)


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
