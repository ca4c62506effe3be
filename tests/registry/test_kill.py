"""A real SIGKILL in the middle of an all-or-nothing import leaves the registry as it was before: its rows, and on
PostgreSQL the indexes and the unique NIK constraint a large load drops and builds again in its transaction."""

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

import pytest

from paritrana.demo.people import make_nik

pytestmark = pytest.mark.slow
LEG_URL = os.environ.get("PARITRANA_DATABASE_URL", "")
ON_POSTGRES = LEG_URL.startswith("postgres")


def _big_csv(path: Path, rows: int) -> None:
    from datetime import date, timedelta

    start = date(1970, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write("NIK;Nama;Tgl Lahir;JK;Kode Desa\n")
        for i in range(rows):
            birth = start + timedelta(days=i % 9000)
            nik = make_nik(kecamatan_code="36.03.01", birth_date=birth, sex="L", sequence=1000 + i // 9000)
            out.write(f"{nik};Pekerja {i};{birth:%d/%m/%Y};L;3603012003\n")


def test_sigkill_during_the_write_leaves_the_registry_unchanged(tmp_path: Path) -> None:
    if ON_POSTGRES:
        pytest.skip("this leg kills a SQLite writer; the PostgreSQL leg runs the test below")
    env = {**os.environ, "PARITRANA_DATA_DIR": str(tmp_path)}
    cli = [sys.executable, "-m", "paritrana.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603 - our own command
    first = tmp_path / "first.csv"
    first.write_text("NIK;Nama;Tgl Lahir;JK;Kode Desa\n3603014507900001;Siti;05/07/1990;P;3603012003\n")
    subprocess.run([*cli, "workers", "import", str(first)], env=env, check=True, capture_output=True)  # noqa: S603
    big = tmp_path / "big.csv"
    _big_csv(big, 300_000)
    db = tmp_path / "paritrana.sqlite3"
    wal = tmp_path / "paritrana.sqlite3-wal"
    before = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [*cli, "workers", "import", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    # The write has begun when the write-ahead log grows well past what a read or the first import left.
    while (wal.stat().st_size if wal.exists() else 0) < before + 2_000_000:
        assert proc.poll() is None, "the import ended before it could be killed; make the file bigger"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM registry_worker").fetchone() == (1,)
        assert conn.execute("SELECT nik FROM registry_worker").fetchone() == ("3603014507900001",)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


FIRST = "NIK;Nama;Tgl Lahir;JK;Kode Desa\n3603014507900001;Siti;05/07/1990;P;3603012003\n"


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A database of its own in the leg's cluster: the commands under test run in other processes."""
    if not ON_POSTGRES:
        pytest.skip("the PostgreSQL leg of make test runs this one")
    import psycopg

    name = f"kill_import_{os.getpid()}"
    with psycopg.connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    yield urllib.parse.urlsplit(LEG_URL)._replace(path="/" + name).geturl()
    with psycopg.connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_sigkill_during_a_bulk_load_on_postgresql_leaves_rows_indexes_and_constraint(
    tmp_path: Path, pg_database: str
) -> None:
    import psycopg

    env = {**os.environ, "PARITRANA_DATA_DIR": str(tmp_path), "PARITRANA_DATABASE_URL": pg_database}
    cli = [sys.executable, "-m", "paritrana.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603 - our own command
    first = tmp_path / "first.csv"
    first.write_text(FIRST)
    subprocess.run([*cli, "workers", "import", str(first)], env=env, check=True, capture_output=True)  # noqa: S603
    big = tmp_path / "big.csv"
    _big_csv(big, 300_000)
    indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_worker' ORDER BY indexname"
    with psycopg.connect(pg_database, autocommit=True) as observer:
        before = observer.execute(indexes).fetchall()
        proc = subprocess.Popen(  # noqa: S603 - our own command
            [*cli, "workers", "import", str(big)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # In the load: the indexes are dropped (ACCESS EXCLUSIVE, held to the end) and COPY writes (ROW EXCLUSIVE).
        held = (
            "SELECT count(DISTINCT l.mode) FROM pg_locks l WHERE l.granted AND l.relation = 'registry_worker'::regclass"
            " AND l.mode IN ('AccessExclusiveLock', 'RowExclusiveLock') AND l.pid <> pg_backend_pid()"
        )
        deadline = time.monotonic() + 120
        while observer.execute(held).fetchone()[0] < 2:
            assert proc.poll() is None, "the import ended before it could be killed; make the file bigger"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.3)  # well into the COPY
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # The backend sees its client gone and rolls back; until then the table stays locked and this waits.
        assert observer.execute("SELECT nik FROM registry_worker").fetchall() == [("3603014507900001",)]
        assert observer.execute(indexes).fetchall() == before
        with pytest.raises(psycopg.errors.UniqueViolation):
            observer.execute(
                "INSERT INTO registry_worker SELECT nextval(pg_get_serial_sequence('registry_worker', 'id')), nik, "
                "name, birth_date, sex, desa_code, phone, occupation, segment, kpj, poverty_decile, status, "
                "needs_review, created_at, updated_at FROM registry_worker"
            )
