"""The SQLite database in an archive: an online snapshot (one read transaction) and its restore by renaming a
complete file over the old one."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from paritrana.core.backup.archive import _fsync, _migrations, _quote
from paritrana.core.errors import N_, Conflict, InvalidInput


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
