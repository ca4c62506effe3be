"""A real SIGKILL in the middle of an all-or-nothing import leaves the registry as it was before."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paritrana.demo.people import make_nik

pytestmark = pytest.mark.slow


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
    if os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("this leg kills a SQLite writer; PostgreSQL rolls back the same way (one transaction)")
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
