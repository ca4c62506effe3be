"""A real SIGKILL in the middle of a death list and of a merge leaves everything as before: the workers, their
history, the enrollments, the programs' committed amounts and the audit log.

Each test runs the action in a process of its own against a database of its own (SQLite: a data folder in
``tmp_path``; PostgreSQL: a database created in the leg's cluster), pauses it at its last write (the audit record,
written after the workers, the history, the enrollments and the pagu) with a statement wrapper that tells the test
by creating a file, and kills it there with SIGKILL. Then it reads every table the action writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LEG_URL = os.environ.get("PARITRANA_DATABASE_URL", "")
ON_POSTGRES = LEG_URL.startswith("postgres")
WORKERS = 3000

SETUP = """
import os, sys
from datetime import date
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from paritrana.core.permissions import SYSTEM
from paritrana.registry.models import Worker
from paritrana.sponsorship.actions import do_enroll, do_run_billing
from tests.factories import load_test_regions, make_program

load_test_regions()
count = int(sys.argv[1])
desa = "36.03.01.2003"
Worker.objects.bulk_create(
    [Worker(nik=f"3603015507{i:06d}", name=f"Pekerja {i}", birth_date=date(1990, 1, 1), sex="P", desa_code=desa,
            poverty_decile=2) for i in range(count + 2)], batch_size=2000)
program = make_program("36.03", fiscal_year=2024, pagu=10**12)
do_enroll(actor=SYSTEM, program=program, workers=list(Worker.objects.all()), first_month=date(2024, 1, 1))
for month in (1, 2, 3):
    do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
with open(sys.argv[2], "w") as out:
    out.write("NIK;Tanggal Meninggal;Sumber\\n")
    for i in range(count):
        out.write(f"3603015507{i:06d};{date(2024, 1 + i % 6, 1 + i % 28).isoformat()};Dukcapil\\n")
"""

#: Runs the action of argv[1] (deaths FILE, or merge), pausing at its audit record: the last thing it writes.
PAUSED = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
django.setup()
from pathlib import Path
from django.db import connection
from paritrana.core.permissions import SYSTEM
from paritrana.registry.lifecycle import do_import_deaths, do_merge_workers
from paritrana.registry.models import Worker

def pause(execute, sql, params, many, context):
    if sql.startswith('INSERT INTO "core_auditevent"') and params and any(
        str(p) in ("workers.deaths", "worker.merge") for p in params
    ):
        open(sys.argv[3], "w").close()
        time.sleep(3600)
    return execute(sql, params, many, context)

with connection.execute_wrapper(pause):
    if sys.argv[1] == "deaths":
        do_import_deaths(actor=SYSTEM, source=Path(sys.argv[2]), filename="mati.csv")
    else:
        keep, other = Worker.objects.order_by("-pk")[:2]
        do_merge_workers(actor=SYSTEM, keep=keep, other=other, reason="sama")
"""

TABLES = (
    "registry_worker",
    "registry_workerevent",
    "sponsorship_enrollment",
    "sponsorship_program",
    "sponsorship_billline",
    "sponsorship_claim",
    "core_auditevent",
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PARITRANA_DATABASE_URL", "PARITRANA_DATA_DIR")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


@pytest.fixture
def target(tmp_path: Path) -> Iterator[tuple[dict[str, str], Any]]:
    """(the environment of the processes, a function reading every row of a table) for a database of its own."""
    if not ON_POSTGRES:
        db = tmp_path / "paritrana.sqlite3"

        def rows_sqlite(table: str) -> list[tuple[Any, ...]]:
            with sqlite3.connect(db) as conn:
                return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # noqa: S608 - our tables

        yield _env(PARITRANA_DATA_DIR=str(tmp_path)), rows_sqlite
        return
    import psycopg

    name = f"kill_lifecycle_{os.getpid()}"
    with psycopg.connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = urllib.parse.urlsplit(LEG_URL)._replace(path="/" + name).geturl()

    def rows_pg(table: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # noqa: S608 - our tables

    yield _env(PARITRANA_DATA_DIR=str(tmp_path), PARITRANA_DATABASE_URL=url), rows_pg
    with psycopg.connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _killed_at_its_last_write(env: dict[str, str], action: str, listed: Path, signal_file: Path) -> None:
    proc = subprocess.Popen(  # noqa: S603 - our own code
        [sys.executable, "-c", PAUSED, action, str(listed), str(signal_file)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not signal_file.exists():
        assert proc.poll() is None, f"the action ended before it could be killed:\n{proc.communicate()}"
        assert time.monotonic() < deadline, "the action never reached its last write"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _settled(rows: Any, before: dict[str, Any]) -> dict[str, Any]:
    """The tables once the killed backend let go (PostgreSQL rolls back when it sees its client gone)."""
    deadline = time.monotonic() + 60
    while True:
        now = {table: rows(table) for table in TABLES}
        if now == before or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


@pytest.mark.parametrize("action", ["deaths", "merge"])
def test_sigkill_in_the_middle_of_a_death_list_or_a_merge_leaves_everything_as_before(
    target: tuple[dict[str, str], Any], tmp_path: Path, action: str
) -> None:
    env, rows = target
    listed = tmp_path / "mati.csv"
    setup = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", SETUP, str(WORKERS), str(listed)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr[-4000:]
    before = {table: rows(table) for table in TABLES}
    assert len(before["sponsorship_billline"]) == 3 * (WORKERS + 2)
    _killed_at_its_last_write(env, action, listed, tmp_path / "paused")
    after = _settled(rows, before)
    assert after == before
    if not ON_POSTGRES:
        with sqlite3.connect(tmp_path / "paritrana.sqlite3") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # Never half-way: run to its end now, it does all of it.
    done = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", PAUSED.replace("time.sleep(3600)", "pass"), action, str(listed), str(tmp_path / "x")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    workers = {row[0]: row for row in rows("registry_worker")}
    if action == "deaths":
        assert len(rows("registry_workerevent")) == WORKERS
        statuses = [row for row in workers.values() if "deceased" in row]
        assert len(statuses) == WORKERS
    else:
        assert sum("merged" in row for row in workers.values()) == 1
