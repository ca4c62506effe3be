"""Faults, produced for real: a SIGKILL in the middle of a billing run, an award ranking and an enrollment race;
the database server stopping and coming back under a running app; a full disk under an export.

Each test drives the real command (``paritrana ...`` in a subprocess) against its own database: on the SQLite leg a
data folder in ``tmp_path``, on the PostgreSQL leg (``scripts/with-postgres.sh``) a database created in that
cluster. The demo and a billing load are built once per leg into a template and cloned for every test (a file copy,
or ``CREATE DATABASE ... TEMPLATE``). "In the middle" is made deterministic where the database allows it: on
PostgreSQL the test holds a lock on a row or table the action writes late, checks in ``pg_stat_activity`` and
``pg_locks`` that the process has written and now waits, then kills it; on SQLite it stops the process (SIGSTOP)
once the write-ahead log has grown, or while it holds the write lock, and no reader sees a commit yet, or pauses it
at a chosen statement.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "paritrana.cli"]
LEG_URL = os.environ.get("PARITRANA_DATABASE_URL", "")
ON_POSTGRES = LEG_URL.startswith("postgres")
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
BILLING_MONTH = "2024-03"
#: Billing load: programs x enrolled workers each (enough that a SQLite run writes megabytes before it commits).
PROGRAMS, PER_PROGRAM = 30, 4000
PASSWORD = "correct-horse-battery-9"

postgres_leg = pytest.mark.skipif(not ON_POSTGRES, reason="needs the PostgreSQL leg (scripts/with-postgres.sh)")

SETUP = """
import json, os, sys
from datetime import date
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
django.setup()
from django.core.management import call_command
from django.db.models import Min
call_command("migrate", verbosity=0)
from paritrana.demo.load import load_demo
load_demo()
from paritrana.award.models import Category, JuryScore, Result
from paritrana.core.permissions import SYSTEM
from paritrana.registry.models import Worker
from paritrana.regions.models import Region
from paritrana.sponsorship.actions import do_advance_program, do_create_program, do_create_sponsor
from paritrana.sponsorship.models import Enrollment
from tests.factories import make_worker

# The award: ranked by the demo, reopened (not approved), and the leader's jury scores lowered, so a new ranking
# differs from the stored one.
Category.objects.update(approved_at=None, approved_by=None, published_at=None)
top = Result.objects.order_by("rank").first()
lowest = JuryScore.objects.aggregate(m=Min("score"))["m"]
JuryScore.objects.filter(participant=top.participant).update(score=lowest)
category = top.participant.category

desa = Region.objects.filter(level=4, code__startswith="36.03.").order_by("code").values_list("code", flat=True)[0]
sponsor = do_create_sponsor(actor=SYSTEM, name="Pemkab Uji Gangguan", kind="apbd_kabkota", region_code="36.03")

def program(name, pagu):
    p = do_create_program(actor=SYSTEM, sponsor=sponsor, name=name, fiscal_year=2024, pagu=pagu)
    for step in ("approved", "active"):
        p = do_advance_program(actor=SYSTEM, program=p, to=step)
    return p

programs, per = int(sys.argv[1]), int(sys.argv[2])
for n in range(programs):
    p = program(f"Beban {n}", 10**12)
    workers = Worker.objects.bulk_create(
        [Worker(nik=f"97{n:03d}{i:011d}", name=f"Beban {n}-{i}", birth_date=date(1990, 1, 1), sex="L",
                desa_code=desa, poverty_decile=2) for i in range(per)], batch_size=2000)
    Enrollment.objects.bulk_create(
        [Enrollment(program=p, worker=w, desa_code=desa, first_month=p.start, last_month=p.end, cost=0)
         for w in workers], batch_size=2000)
last = program("Pagu terakhir", 12 * 16_800)
pair = [make_worker(desa, nik=f"980000000000000{i}").pk for i in (1, 2)]
print("SETUP " + json.dumps({"category": category.pk, "edition": category.edition.year, "key": category.key,
                             "region": category.edition.region_code,
                             "last_program": last.pk, "last_workers": pair}))
"""

#: Pauses ``do_save_results`` at its last write (the category's ``ranked_at``), after the results were deleted and
#: written again inside the transaction, and tells the test by creating a file.
RANK_PAUSED = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
django.setup()
from django.db import connection
from paritrana.award.actions import do_save_results as do_rank
from paritrana.award.models import Category
from paritrana.core.permissions import SYSTEM

def pause(execute, sql, params, many, context):
    if sql.startswith('UPDATE "award_category"'):
        open(sys.argv[1], "w").close()
        time.sleep(3600)
    return execute(sql, params, many, context)

category = Category.objects.get(pk=int(sys.argv[2]))
with connection.execute_wrapper(pause):
    do_rank(actor=SYSTEM, category=category)
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PARITRANA_DATABASE_URL", "PARITRANA_DATA_DIR")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def _run(cmd: Sequence[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False)  # noqa: S603 - our own commands
    assert done.returncode == 0, f"{cmd[2:4]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def _pg_connect(url: str, **kwargs: Any) -> Any:
    import psycopg

    return psycopg.connect(url, connect_timeout=10, **kwargs)


def _with_db(url: str, name: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path="/" + name).geturl()


@dataclass
class Target:
    """One database the commands under test run against."""

    env: dict[str, str]
    sqlite: Path | None = None
    url: str = ""
    name: str = ""

    def connect(self, **kwargs: Any) -> Any:
        if self.sqlite is not None:
            return sqlite3.connect(self.sqlite, isolation_level=None, timeout=30)
        return _pg_connect(self.url, **{"autocommit": True, **kwargs})

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        conn = self.connect()
        try:
            if self.sqlite is not None:
                sql = sql.replace("%s", "?")
            return [tuple(r) for r in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return _run([*CLI, *args], self.env, timeout)

    def popen(self, cmd: Sequence[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own commands
            cmd, env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, dict[str, Any]]]:
    """Migrated, the demo loaded, the award reopened, a billing load and a program with one worker's pagu left."""
    folder = tmp_path_factory.mktemp("faults-template")
    if ON_POSTGRES:
        name = f"faults_tpl_{os.getpid()}"
        with _pg_connect(LEG_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        url = _with_db(LEG_URL, name)
        target = Target(_env(PARITRANA_DATABASE_URL=url, PARITRANA_DATA_DIR=str(folder)), url=url, name=name)
    else:
        target = Target(_env(PARITRANA_DATA_DIR=str(folder)), sqlite=folder / "paritrana.sqlite3")
    done = _run([sys.executable, "-c", SETUP, str(PROGRAMS), str(PER_PROGRAM)], target.env, timeout=1200)
    facts = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("SETUP "))[6:])
    yield target, facts
    if ON_POSTGRES:
        with _pg_connect(LEG_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {target.name}")


_CLONES = iter(range(1, 1000))


@pytest.fixture
def clone(template: tuple[Target, dict[str, Any]], tmp_path: Path) -> Iterator[Any]:
    """Makes a fresh copy of the template database for each call (a test may need a control copy beside it)."""
    source, _ = template
    made: list[str] = []

    def make() -> Target:
        n = next(_CLONES)
        folder = tmp_path / f"db{n}"
        if source.sqlite is not None:
            shutil.copytree(source.sqlite.parent, folder)
            return Target(_env(PARITRANA_DATA_DIR=str(folder)), sqlite=folder / "paritrana.sqlite3")
        folder.mkdir()
        name = f"{source.name}_c{n}"
        with _pg_connect(LEG_URL, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {source.name}")
        made.append(name)
        url = _with_db(LEG_URL, name)
        return Target(_env(PARITRANA_DATABASE_URL=url, PARITRANA_DATA_DIR=str(folder)), url=url, name=name)

    yield make
    if made:
        with _pg_connect(LEG_URL, autocommit=True) as admin:
            for name in made:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _wait_until_blocked(
    observer: Any, target: Target, statement: str, procs: Sequence[subprocess.Popen[str]], count: int = 1
) -> list[int]:
    """The backends of ``target`` waiting on a lock while running ``statement`` (a prefix); fails if a process ends
    first or nothing waits within two minutes."""
    deadline = time.monotonic() + 120
    while True:
        pids = [
            r[0]
            for r in observer.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND query LIKE %s",
                [target.name, statement + "%"],
            ).fetchall()
        ]
        if len(pids) >= count:
            return pids
        for proc in procs:
            assert proc.poll() is None, f"ended before it could be caught:\n{proc.communicate()}"
        assert time.monotonic() < deadline, f"nothing waited on {statement!r}"
        time.sleep(0.05)


def _written_tables(observer: Any, pid: int) -> set[str]:
    """Tables the backend ``pid`` has written to in its open transaction (it holds ROW EXCLUSIVE on them)."""
    return {
        r[0]
        for r in observer.execute(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND l.granted AND c.relkind = 'r'",
            [pid],
        ).fetchall()
    }


def _wait_gone(observer: Any, pids: Sequence[int]) -> None:
    deadline = time.monotonic() + 60
    while observer.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [list(pids)]).fetchone()[0]:
        assert time.monotonic() < deadline, "the killed client's backend lingers"
        time.sleep(0.05)


# --- 1. SIGKILL in the middle of a billing run --------------------------------------------------------------------

BILLING_TABLES = ("sponsorship_bill", "sponsorship_billline", "core_auditevent")


def _writing(database: Any) -> bool:
    """Whether another connection holds SQLite's write lock (an open write transaction)."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()  # rolls back the probe's own empty transaction
    return False


def _billing_state(t: Target) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a billing run writes."""
    return {table: t.rows(f"SELECT * FROM {table} ORDER BY id") for table in BILLING_TABLES}  # noqa: S608 - ours


def _billing_outcome(t: Target) -> list[tuple[Any, ...]]:
    """What a billing run produced, by natural keys (row ids differ between databases: sequences do not roll back)."""
    bills = t.rows(
        "SELECT b.number, b.month, b.workers, b.amount, b.status, count(l.id), sum(l.amount) "
        "FROM sponsorship_bill b LEFT JOIN sponsorship_billline l ON l.bill_id = b.id "
        "GROUP BY b.id, b.number, b.month, b.workers, b.amount, b.status ORDER BY b.number"
    )
    events = t.rows("SELECT count(*) FROM core_auditevent WHERE action = 'bill.create'")
    return [*bills, *events]


def test_sigkill_in_the_middle_of_a_billing_run_leaves_the_bills_as_before(clone: Any) -> None:
    target, control = clone(), clone()
    before = _billing_state(target)
    billing = [*CLI, "billing", "run", "--month", BILLING_MONTH, "--format", "json"]
    if ON_POSTGRES:
        # Hold the audit log: the run writes its first bill and that bill's lines, then waits to audit it.
        locker = target.connect(autocommit=False)
        locker.execute("LOCK TABLE core_auditevent IN ACCESS EXCLUSIVE MODE")
        with target.connect() as observer:
            proc = target.popen(billing)
            (pid,) = _wait_until_blocked(observer, target, 'INSERT INTO "core_auditevent"', [proc])
            assert {"sponsorship_bill", "sponsorship_billline"} <= _written_tables(observer, pid)
            _kill(proc)
            locker.rollback()
            _wait_gone(observer, [pid])
        locker.close()
    else:
        # The run's pages may all fit in its page cache until it commits, so it is caught by its write lock: while
        # its transaction is open the database refuses another writer. Let it write a moment more, stop it, check
        # that it still holds the lock (not committed) and that no reader sees a bill of it, then kill it.
        proc = target.popen(billing)
        deadline = time.monotonic() + 120
        while not _writing(target.sqlite):
            assert proc.poll() is None, f"the run ended before it could be killed:\n{proc.communicate()}"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(0.05)
        proc.send_signal(signal.SIGSTOP)
        assert _writing(target.sqlite), "the run committed before it could be stopped"
        assert target.rows("SELECT count(*) FROM sponsorship_bill") == [(len(before["sponsorship_bill"]),)]
        _kill(proc)
        assert target.rows("PRAGMA integrity_check") == [("ok",)]
    assert _billing_state(target) == before
    # Never between: run it to the end now, and it bills exactly what an undisturbed run bills.
    control.cli("billing", "run", "--month", BILLING_MONTH, "--format", "json")
    expected = _billing_outcome(control)
    assert len(expected) > PROGRAMS  # a bill per program of the load (and the demo's), and the audit count
    target.cli("billing", "run", "--month", BILLING_MONTH, "--format", "json")
    assert _billing_outcome(target) == expected


# --- 2. SIGKILL in the middle of an award ranking ---------------------------------------------------------------


def _award_state(t: Target, category: int) -> dict[str, Any]:
    return {
        "results": t.rows(
            "SELECT r.* FROM award_result r JOIN award_participant p ON p.id = r.participant_id "
            "WHERE p.category_id = %s ORDER BY r.id",
            [category],
        ),
        "category": t.rows("SELECT * FROM award_category WHERE id = %s", [category]),
        "events": t.rows("SELECT count(*) FROM core_auditevent"),
    }


def _ranking(t: Target, category: int) -> list[tuple[Any, ...]]:
    return t.rows(
        "SELECT p.name, round(r.total * 1000), r.rank, r.zone_rank, r.shared, r.title FROM award_result r "
        "JOIN award_participant p ON p.id = r.participant_id WHERE p.category_id = %s ORDER BY p.name",
        [category],
    )


def _rank_args(facts: dict[str, Any]) -> list[str]:
    return [
        "award",
        "rank",
        "--edition",
        str(facts["edition"]),
        "--region",
        facts["region"],
        "--category",
        facts["key"],
        "--save",
    ]


def test_sigkill_in_the_middle_of_an_award_ranking_leaves_the_results_as_before(
    clone: Any, template: tuple[Target, dict[str, Any]], tmp_path: Path
) -> None:
    _, facts = template
    category = facts["category"]
    target, control = clone(), clone()
    before = _award_state(target, category)
    assert before["results"], "the demo ranked the category"
    if ON_POSTGRES:
        # The real command; the test holds the audit log, which the save writes last (after the results and the
        # category's ranked_at; the category row itself is locked first, so holding it would stop the save early).
        locker = target.connect(autocommit=False)
        locker.execute("LOCK TABLE core_auditevent IN ACCESS EXCLUSIVE MODE")
        rank = [*CLI, *_rank_args(facts)]
        with target.connect() as observer:
            proc = target.popen(rank)
            (pid,) = _wait_until_blocked(observer, target, 'INSERT INTO "core_auditevent"', [proc])
            assert "award_result" in _written_tables(observer, pid)  # the old results deleted, the new written
            _kill(proc)
            locker.rollback()
            _wait_gone(observer, [pid])
        locker.close()
    else:
        # SQLite has no row lock to wait on: the action is paused at the same statement instead.
        marker = tmp_path / "paused"
        proc = target.popen([sys.executable, "-c", RANK_PAUSED, str(marker), str(category)])
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert proc.poll() is None, f"the ranking ended before its last write:\n{proc.communicate()}"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        _kill(proc)
        assert target.rows("PRAGMA integrity_check") == [("ok",)]
    assert _award_state(target, category) == before
    control.cli(*_rank_args(facts))
    expected = _ranking(control, category)
    assert expected != _ranking(target, category), "the new ranking must differ for the test to mean anything"
    target.cli(*_rank_args(facts))
    assert _ranking(target, category) == expected


# --- 5. two operators enrolling the last rupiah at once (PostgreSQL) ---------------------------------------------


@postgres_leg
@pytest.mark.postgres_only
def test_two_processes_enrolling_the_last_rupiah_at_once_exactly_one_wins(
    clone: Any, template: tuple[Target, dict[str, Any]]
) -> None:
    """Two ``paritrana enroll`` processes, each for a different worker, when the pagu is left for one. The test
    holds the program row so that both have read the same remaining pagu and wait at the same UPDATE; released
    together, exactly one commits and the other is refused. (tests/sponsorship: the same with two threads.)"""
    _, facts = template
    target = clone()
    program = facts["last_program"]
    locker = target.connect(autocommit=False)
    locker.execute("SELECT id FROM sponsorship_program WHERE id = %s FOR UPDATE", [program])
    with target.connect() as observer:
        procs = [
            target.popen([*CLI, "enroll", "--program", str(program), "--workers", str(w), "--format", "json"])
            for w in facts["last_workers"]
        ]
        pids = _wait_until_blocked(observer, target, 'UPDATE "sponsorship_program"', procs, count=2)
        assert len(pids) == 2
        locker.rollback()
        outcomes = [p.communicate(timeout=120) for p in procs]
    locker.close()
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outcomes
    refusal = next(err for (_, err), p in zip(outcomes, procs, strict=True) if p.returncode == 2)
    assert "pagu" in refusal.lower() or "budget" in refusal.lower(), refusal
    assert target.rows("SELECT count(*) FROM sponsorship_enrollment WHERE program_id = %s", [program]) == [(1,)]
    ((committed, pagu),) = target.rows("SELECT committed, pagu FROM sponsorship_program WHERE id = %s", [program])
    assert committed == pagu == 12 * 16_800


# --- 4. a full disk under an export -----------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 KiB tmpfs (a real ENOSPC from the kernel once it is full)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(  # noqa: S603 - fixed arguments
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)],  # noqa: S607 - mount(8) from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)  # noqa: S603, S607 - fixed arguments


def test_an_export_onto_a_full_disk_fails_clearly_and_leaves_no_truncated_file(clone: Any, tiny_disk: Path) -> None:
    target = clone()
    old = tiny_disk / "audit.xlsx"
    old.write_bytes(b"the previous export")
    done = subprocess.run(  # noqa: S603 - our own command
        [*CLI, "audit", "--format", "xlsx", "-o", str(old)],
        env=target.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert str(old) in done.stderr and ("disk is full" in done.stderr or "penuh" in done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert old.read_bytes() == b"the previous export"  # the old file stays whole
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["audit.xlsx"]  # no partial file left behind
    fresh = tiny_disk / "new.xlsx"
    old.unlink()
    done = subprocess.run(  # noqa: S603 - our own command
        [*CLI, "audit", "--format", "xlsx", "-o", str(fresh)],
        env=target.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2 and str(fresh) in done.stderr, done.stderr
    assert list(tiny_disk.iterdir()) == []
    # The same export on a disk with room is whole (and larger than the tiny disk).
    roomy = target.sqlite.parent if target.sqlite else Path(target.env["PARITRANA_DATA_DIR"])
    target.cli("audit", "--format", "xlsx", "-o", str(roomy / "audit.xlsx"))
    assert (roomy / "audit.xlsx").stat().st_size > 16 * 1024
    assert (roomy / "audit.xlsx").read_bytes()[:2] == b"PK"


def test_the_temporary_file_beside_the_export_is_removed_when_the_write_fails(tmp_path: Path) -> None:
    from paritrana.core.errors import ParitranaError
    from paritrana.core.files import write_output

    with pytest.raises(ParitranaError) as caught:
        write_output(tmp_path / "missing-folder" / "x.csv", b"a;b\n")
    assert caught.value.details["path"].endswith("x.csv")
    write_output(tmp_path / "x.csv", b"a;b\n")
    write_output(tmp_path / "x.csv", b"c;d\n")
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"] and (tmp_path / "x.csv").read_bytes() == b"c;d\n"


# --- 3. the database server stopping and coming back under a running app ---------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster of the test's own, on loopback."""

    bin: Path
    folder: Path
    port: int

    def ctl(self, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(  # noqa: S603 - PostgreSQL's own tools
            [*as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, [*args, done.stdout, done.stderr])

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self.ctl("-l", str(self.folder / "server.log"), "-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "-w", "stop")

    def url(self, db: str) -> str:
        return f"postgres://paritrana@127.0.0.1:{self.port}/{db}"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not PG_BIN:
        pytest.skip("PostgreSQL is not installed (scripts/system-deps.sh)")
    # Straight under /tmp, as scripts/with-postgres.sh does: pytest keeps its own temporary root private (0700),
    # where the postgres system user cannot reach.
    folder = Path(tempfile.mkdtemp(prefix="paritrana-pg-faults."))
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres system user
        shutil.chown(folder, "postgres")
    c = Cluster(PG_BIN[-1], folder, _free_port())
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(  # noqa: S603 - PostgreSQL's own tools
        [*as_postgres, str(c.bin / "initdb"), "-D", str(folder / "data"), "-U", "paritrana", "-A", "trust"]
        + ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    c.start()
    try:
        with _pg_connect(c.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE app")
        yield c
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            c.ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _get(opener: Any, url: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    """Status, body and headers; a hang beyond 20 seconds fails the test."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http on loopback
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), dict(error.headers)


def test_the_app_answers_503_while_the_database_is_down_and_recovers_without_a_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    env = _env(PARITRANA_DATABASE_URL=cluster.url("app"), PARITRANA_DATA_DIR=str(tmp_path / "data"))
    _run([*CLI, "migrate"], env)
    _run([*CLI, "users", "create", "admin.faults", "--role", "system_admin", "--national", "--password", PASSWORD], env)
    token = json.loads(_run([*CLI, "users", "token", "admin.faults", "--format", "json"], env).stdout)["token"]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 - our own command
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "server.log").open("w"),
    )
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if _get(opener, base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        status, page, _ = _get(opener, base + "/login/")
        assert status == 200
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert csrf
        form = urllib.parse.urlencode(
            {"username": "admin.faults", "password": PASSWORD, "csrfmiddlewaretoken": csrf.group(1)}
        ).encode()
        with opener.open(urllib.request.Request(base + "/login/", data=form), timeout=20) as signed_in:  # noqa: S310
            assert signed_in.status == 200 and "/login/" not in signed_in.url

        def healthy() -> None:
            for _ in range(6):  # enough to reach both workers
                assert _get(opener, base + "/api/v1/me", **api)[0] == 200
                assert _get(opener, base + "/")[0] == 200

        healthy()
        cluster.stop()
        for _ in range(4):
            status, body, headers = _get(opener, base + "/api/v1/me", **api)
            assert status == 503, body
            assert json.loads(body)["code"] == "database_unavailable" and headers.get("Retry-After")
            status, body, _ = _get(opener, base + "/")
            assert status == 503 and 'data-code="database_unavailable"' in body, body
            assert "Traceback" not in body
            # As a load balancer asks (no session cookie), and as a signed-in person's browser does.
            assert _get(urllib.request.build_opener(), base + "/healthz")[0] == 503
            assert _get(opener, base + "/healthz")[0] == 503
        cluster.start()
        healthy()  # the same processes, the same session: nothing restarted
        # A restart nobody noticed: the kept connections are stale; the health check replaces them at first use.
        cluster.stop()
        cluster.start()
        healthy()
        assert server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
