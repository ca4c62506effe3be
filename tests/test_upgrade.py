"""Upgrading: a database written by the previous release (its demo data) migrates to this version, keeps every row,
and this version's commands work on it. The fixtures are made by ``scripts/make-upgrade-fixture.sh TAG``."""

from __future__ import annotations

import json
import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "data" / "upgrade"
PREVIOUS = "0.1.0"
CLI = [sys.executable, "-m", "paritrana.cli"]
#: Tables whose rows must all survive, with the demo's own figures as a floor (a fixture that lost its data fails).
KEPT = {
    "registry_worker": 2000,
    "sponsorship_enrollment": 1000,
    "sponsorship_billline": 10000,
    "award_result": 1,
    "followup_finding": 1,
    "core_auditevent": 100,
    "auth_user": 9,
}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=True)  # noqa: S603


def _pg_url() -> str:
    return os.environ.get("PARITRANA_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", "postgres"])
def previous_release(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[dict[str, str], object]]:
    """An environment whose database is the previous release's demo, and a function counting a table's rows."""
    env = {**os.environ, "PARITRANA_DATA_DIR": str(tmp_path)}
    if request.param == "sqlite":
        env.pop("PARITRANA_DATABASE_URL", None)
        db = tmp_path / "paritrana.sqlite3"
        with lzma.open(FIXTURES / f"paritrana-{PREVIOUS}.sqlite3.xz") as src, db.open("wb") as out:
            shutil.copyfileobj(src, out)

        def count(table: str) -> int:
            with sqlite3.connect(db) as conn:
                return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608 - our names

        yield env, count
        return
    if not _pg_url().startswith("postgres"):
        pytest.skip("the PostgreSQL upgrade runs in the PostgreSQL leg of make test")
    import psycopg

    name = f"upgrade_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_pg_url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _pg_url().rsplit("/", 1)[0] + f"/{name}"
    with lzma.open(FIXTURES / f"paritrana-{PREVIOUS}.pg.sql.xz") as src:
        psql = shutil.which("psql") or str(sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1])
        load = [psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
        subprocess.run(load, input=src.read(), check=True, capture_output=True)  # noqa: S603 - PostgreSQL's client
    env["PARITRANA_DATABASE_URL"] = url

    def count_pg(table: str) -> int:
        with psycopg.connect(url) as conn:
            return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608 - our names

    yield env, count_pg
    with psycopg.connect(_pg_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_the_previous_release_database_migrates_and_keeps_every_row(previous_release) -> None:  # type: ignore[no-untyped-def]
    env, count = previous_release
    before = {table: count(table) for table in KEPT}
    assert all(before[t] >= floor for t, floor in KEPT.items()), before
    _run(env, "migrate")
    check = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--check"],
        env={**env, "DJANGO_SETTINGS_MODULE": "paritrana.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr  # nothing left unapplied
    after = {table: count(table) for table in KEPT}
    assert after["core_auditevent"] >= before["core_auditevent"]  # a migration may record itself; none is lost
    assert {t: n for t, n in after.items() if t != "core_auditevent"} == {
        t: n for t, n in before.items() if t != "core_auditevent"
    }
    # this version's commands read what the old one wrote
    users = json.loads(_run(env, "users", "list", "--format", "json").stdout)
    assert {"admin", "disnaker.kabtangerang", "juri.banten"} <= {u["username"] for u in users}
    events = json.loads(_run(env, "audit", "--format", "json", "--limit", "5").stdout)
    assert len(events) == 5
    # the demo's five programs: four last year, this year the renewal of the APBD one (monev shows one year)
    monev = json.loads(_run(env, "monev", "--format", "json").stdout)
    last = json.loads(_run(env, "monev", "--year", str(monev["fiscal_year"] - 1), "--format", "json").stdout)
    assert (monev["totals"]["programs"], last["totals"]["programs"]) == (1, 4)
    assert monev["totals"]["pagu"] + last["totals"]["pagu"] == 862_848_000
