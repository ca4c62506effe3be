"""The PostgreSQL database in an archive: ``pg_dump`` from an exported REPEATABLE READ snapshot (the row counts
taken in the same snapshot) and ``pg_restore --single-transaction``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from paritrana.core.backup.archive import _migrations
from paritrana.core.errors import N_, ConfigurationError


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
