"""Every import job ends: done, rejected or failed with a reason a person can read (in Indonesian on the page), never
"running" for good. An exception inside the job fails it; a report that cannot be made leaves a done job with a
note; a job whose worker stopped (no heartbeat for ``ImportJob.STALE_AFTER``) runs once more or fails; a real
``paritrana worker --batch`` killed with SIGKILL in the middle of a job leaves it to the next worker, which
finishes it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from paritrana.core.models import AuditEvent
from paritrana.registry import actions, ingest, tasks
from paritrana.registry.models import ImportJob, Worker
from paritrana.registry.tasks import recover_stale_jobs, run_import_job
from tests.conftest import client_for, committed_db, needs_shared_database
from tests.registry.test_kill import _big_csv

DESA = "3603012003"
HEADER = "NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan\n"
GOOD = (
    HEADER + f"3603014507900001;Siti Aminah;05/07/1990;P;{DESA};Petani\n"
    f"3603010507900002;Budi;05/07/1990;L;{DESA};Nelayan\n"
)
BAD_ROW = f"3603010507900000;Eko;;L;{DESA};\n"
ROOT = Path(__file__).resolve().parents[2]
#: An exception's text may quote a cell: a name, a NIK.
PERSONAL = "cell 'Siti Aminah 3603014507900001' broke the check"
LEG_URL = os.environ.get("PARITRANA_DATABASE_URL", "")
ON_POSTGRES = LEG_URL.startswith("postgres")


def _job(user: Any, tmp_path: Path, content: bytes, name: str = "daftar.csv", **fields: Any) -> ImportJob:
    """A queued job for ``content``, as the upload page leaves it."""
    stored = tmp_path / f"upload{ImportJob.objects.count()}{Path(name).suffix}"
    stored.write_bytes(content)
    values = {"mode": "valid-only", **fields}
    return ImportJob.objects.create(created_by=user, filename=name, stored_path=str(stored), **values)


def _run(job: ImportJob) -> ImportJob:
    run_import_job(job.pk)
    job.refresh_from_db()
    return job


def _page(user: Any, job: ImportJob) -> str:
    return client_for(user).get(f"/workers/import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()


# --- an exception inside the job ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unexpected_exception_fails_the_job_with_a_reason_and_no_personal_data(
    kab_operator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(PERSONAL)  # the frame's source line holds the name, not the text

    monkeypatch.setattr(ingest, "validate", broken)
    with caplog.at_level(logging.ERROR, logger="paritrana.registry.tasks"):
        job = _run(_job(kab_operator, tmp_path, GOOD.encode()))
    assert job.status == "failed" and job.finished_at is not None
    assert (job.error_code, job.error_details) == ("unexpected_error", {"kind": "RuntimeError", "job": job.pk})
    assert "RuntimeError" in job.error and "Siti" not in job.error  # the API's English text
    assert not Worker.objects.exists()
    # The page: in Indonesian, the reason without a traceback; no longer polling.
    page = _page(kab_operator, job)
    assert 'data-status="failed"' in page and "hx-trigger" not in page
    assert "kesalahan tak terduga (RuntimeError)" in page and "Traceback" not in page
    with translation.override("en"):
        assert job.error_text.startswith("The import stopped on an unexpected error (RuntimeError)")
    # The log has the frames, not the exception's text (it may quote a name or a NIK).
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "broken" in logged
    assert "Siti" not in logged and "3603014507900001" not in logged


@pytest.mark.django_db
def test_a_column_named_like_the_imports_own_fails_the_job_with_a_clear_reason(
    kab_operator: Any, tmp_path: Path
) -> None:
    text = GOOD.replace("Pekerjaan\n", "Pekerjaan;__row\n", 1).replace("Petani\n", "Petani;x\n")
    job = _run(_job(kab_operator, tmp_path, text.encode()))
    assert (job.status, job.error_code, job.error_details["filename"]) == ("failed", "invalid_input", "daftar.csv")
    assert "__row" in job.error_text and "__row" in _page(kab_operator, job)
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_an_error_of_the_tree_is_stored_as_a_code_and_a_message_id(kab_operator: Any, tmp_path: Path) -> None:
    job = _run(_job(kab_operator, tmp_path, b"NIK;Nama;Kode Desa\n", name="kosong.csv"))
    assert (job.status, job.error_code) == ("failed", "invalid_input")
    assert job.error_message == "{filename} has a header but no rows." and job.error_details["filename"] == "kosong.csv"
    assert job.error_text == "kosong.csv hanya berisi judul kolom, tanpa baris data."
    assert job.error == "kosong.csv has a header but no rows."


@pytest.mark.django_db
def test_a_job_that_is_not_queued_is_not_run_again(kab_operator: Any, tmp_path: Path) -> None:
    job = _run(_job(kab_operator, tmp_path, GOOD.encode()))
    assert (job.status, job.attempts, job.summary["created"]) == ("done", 1, 2)
    assert _run(job).attempts == 1  # a second task for the same job (re-queued, then finished by the first run)


# --- the report ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_esc_character_in_a_warned_row_still_gives_an_xlsx_report(kab_operator: Any, tmp_path: Path) -> None:
    text = (
        "NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan;Catatan\x1b\n"
        f"3603014507900001;Siti Aminah;05/07/1990;P;{DESA};Astronot;warna \x1b[31mmerah\x07\n"
        f"3603010507900002;Budi;05/07/1990;L;{DESA};Nelayan;-\n"
    )
    job = _run(_job(kab_operator, tmp_path, text.encode(), mode="all-or-nothing"))
    assert job.status == "done" and job.summary["created"] == 2 and job.summary["warnings"] == 1
    assert not job.notes and job.report_path
    sheet = load_workbook(job.report_path).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][-3] == "Catatan\ufffd" and rows[1][0] == 2  # the warned row only
    assert rows[1][-3] == "warna \ufffd[31mmerah\ufffd"
    report = client_for(kab_operator).get(f"/workers/import/{job.pk}/report.xlsx")
    assert report.status_code == 200


@pytest.mark.django_db
def test_the_report_uploaded_again_is_imported_and_gives_its_own_report(kab_operator: Any, tmp_path: Path) -> None:
    """The report has ``baris``, ``alasan`` and ``reason``; uploaded again (corrected or not), those columns of the
    file are renamed in the new report instead of colliding with the ones it adds."""
    first = _run(_job(kab_operator, tmp_path, (GOOD + BAD_ROW).encode()))
    assert (first.status, first.summary["created"], first.summary["rejected"]) == ("done", 2, 1)
    again = _run(_job(kab_operator, tmp_path, Path(first.report_path).read_bytes(), name="laporan.xlsx"))
    assert (again.status, again.summary["rejected"], again.notes) == ("done", 1, [])
    header = next(load_workbook(again.report_path).active.iter_rows(values_only=True))
    assert header[0] == "baris" and header[1] == "baris (berkas)"
    assert header[-4:] == ("alasan (berkas)", "reason (berkas)", "alasan", "reason")


@pytest.mark.django_db
def test_a_report_that_cannot_be_made_leaves_the_committed_job_done_with_a_note(
    kab_operator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_report(self: Any, fmt: str = "xlsx") -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(actions.ImportResult, "report", no_report)
    job = _run(_job(kab_operator, tmp_path, (GOOD + BAD_ROW).encode()))
    assert (job.status, job.summary["created"], job.report_path, job.error) == ("done", 2, "", "")
    assert [n["code"] for n in job.notes] == ["report_failed"] and job.notes[0]["details"] == {"kind": "OSError"}
    assert Worker.objects.count() == 2
    page = _page(kab_operator, job)
    assert "laporan baris bermasalah tidak dapat dibuat (OSError)" in page and "report.xlsx" not in page


# --- the lease: a job whose worker stopped --------------------------------------------------------------------------


def _running(user: Any, tmp_path: Path, *, silent_for: timedelta | None, attempts: int = 1) -> ImportJob:
    """A job a worker took and then stopped giving signs for ``silent_for`` (None: it never gave one)."""
    job = _job(user, tmp_path, GOOD.encode())
    beat = timezone.now() - silent_for if silent_for is not None else None
    ImportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=beat, attempts=attempts)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_job_with_a_stale_heartbeat_runs_again_and_finishes(kab_operator: Any, tmp_path: Path) -> None:
    job = _running(kab_operator, tmp_path, silent_for=ImportJob.STALE_AFTER + timedelta(seconds=1))
    assert job.is_stale and "tampaknya berhenti" in _page(kab_operator, job)
    # Re-queued, and (the tests' task backend runs a task at once) run again to the end.
    assert recover_stale_jobs() == {job.pk: "queued"}
    job.refresh_from_db()
    assert (job.status, job.attempts, job.summary["created"]) == ("done", 2, 2)
    assert [n["code"] for n in job.notes] == ["worker_restarted"]
    assert "dijalankan lagi" in _page(kab_operator, job)
    event = AuditEvent.objects.get(action="workers.import_recovered")
    assert (event.object_id, event.before["attempts"], event.after) == (str(job.pk), 1, {"status": "queued"})


@pytest.mark.django_db
def test_a_job_whose_second_run_stopped_too_fails_with_worker_stopped(kab_operator: Any, tmp_path: Path) -> None:
    job = _running(kab_operator, tmp_path, silent_for=timedelta(hours=2), attempts=tasks.MAX_ATTEMPTS)
    assert recover_stale_jobs() == {job.pk: "failed"}
    job.refresh_from_db()
    assert (job.status, job.error_code, job.error_details) == ("failed", "worker_stopped", {"attempts": 2})
    assert job.finished_at is not None and "worker latar belakang berhenti" in job.error_text.lower()
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_a_running_job_without_any_heartbeat_is_failed_not_run_again(kab_operator: Any, tmp_path: Path) -> None:
    """Left "running" before the lease existed: when its worker died is unknown, so its old file is not applied."""
    job = _running(kab_operator, tmp_path, silent_for=None)
    assert recover_stale_jobs() == {job.pk: "failed"}
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "worker_stopped")


@pytest.mark.django_db
def test_a_job_with_a_recent_heartbeat_is_left_alone(kab_operator: Any, tmp_path: Path) -> None:
    job = _running(kab_operator, tmp_path, silent_for=ImportJob.STALE_AFTER - timedelta(seconds=30))
    assert not job.is_stale and recover_stale_jobs() == {}
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)


@needs_shared_database
@committed_db("registry")
def test_a_running_job_beats_while_it_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.factories import make_user

    user = make_user("op.beat", "regional_operator", "36.03")
    job = _job(user, tmp_path, GOOD.encode())
    beats: list[Any] = []
    real = ingest.validate

    def slow(*args: Any, **kwargs: Any) -> Any:
        started = ImportJob.objects.get(pk=job.pk).heartbeat_at
        time.sleep(1.0)
        beats.append((started, ImportJob.objects.get(pk=job.pk).heartbeat_at))
        return real(*args, **kwargs)

    monkeypatch.setattr(ImportJob, "HEARTBEAT_EVERY", timedelta(seconds=0.2))
    monkeypatch.setattr(ingest, "validate", slow)
    job = _run(job)
    assert job.status == "done"
    started, later = beats[0]
    assert started is not None and later > started


# --- a real worker killed in the middle of a job ---------------------------------------------------------------------

SETUP = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from paritrana.registry.models import ImportJob
from paritrana.registry.tasks import import_workers_task
from tests.factories import make_user
user = make_user("op.kill", "system_admin")
job = ImportJob.objects.create(created_by=user, filename="besar.csv", stored_path=sys.argv[1])
import_workers_task.enqueue(job.pk)
print("JOB", job.pk)
"""


class _Db:
    """The database of the processes under test, read and written with the driver (no Django in this process)."""

    def __init__(self, env: dict[str, str], sqlite: Path | None, url: str) -> None:
        self.env, self.sqlite, self.url = env, sqlite, url

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite is not None:
            with sqlite3.connect(self.sqlite, timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def job(self, pk: int) -> tuple[Any, ...]:
        return self.rows(
            "SELECT status, attempts, heartbeat_at, error_code, notes FROM registry_importjob WHERE id = %s", [pk]
        )[0]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[_Db]:
    """A database of its own: a SQLite file on the SQLite leg, a database in the leg's cluster on PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in ("PARITRANA_DATABASE_URL", "PARITRANA_DATA_DIR")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["PARITRANA_DATA_DIR"] = str(tmp_path)
    if not ON_POSTGRES:
        yield _Db(env, tmp_path / "paritrana.sqlite3", "")
        return
    import psycopg

    name = f"jobs_finish_{os.getpid()}"
    with psycopg.connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = urllib.parse.urlsplit(LEG_URL)._replace(path="/" + name).geturl()
    env["PARITRANA_DATABASE_URL"] = url
    yield _Db(env, None, url)
    with psycopg.connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _worker(db: _Db, **kwargs: Any) -> Any:
    cmd = [sys.executable, "-m", "paritrana.cli", "worker", "--batch"]
    return subprocess.Popen(cmd, env=db.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # noqa: S603


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_job_leaves_it_to_the_next_worker(tmp_path: Path, database: _Db) -> None:
    rows = 200_000
    big = tmp_path / "besar.csv"
    _big_csv(big, rows)
    setup = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", SETUP, str(big)], env=database.env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    pk = int(next(line for line in setup.stdout.splitlines() if line.startswith("JOB "))[4:])

    first = _worker(database)
    deadline = time.monotonic() + 120
    while database.job(pk)[0] != "running":
        assert first.poll() is None, first.communicate()[1][-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)  # reading and checking 200,000 rows: well inside the job
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    status, attempts, heartbeat, _code, _notes = database.job(pk)
    assert (status, attempts) == ("running", 1) and heartbeat is not None, "the job ended before the kill"
    assert database.rows("SELECT count(*) FROM registry_worker") == [(0,)]

    # A worker started at once finds the heartbeat fresh and leaves the job to the one that might still run it...
    nothing = _worker(database)
    assert nothing.wait(timeout=120) == 0
    assert database.job(pk)[:2] == ("running", 1)
    # ...and after STALE_AFTER without a sign (the clock moved on: the heartbeat is set back), runs it again.
    long_ago = "2000-01-01 00:00:00" + ("+00:00" if ON_POSTGRES else "")  # as Django writes it on SQLite: UTC
    database.rows("UPDATE registry_importjob SET heartbeat_at = %s WHERE id = %s", [long_ago, pk])
    second = _worker(database)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err[-3000:]
    status, attempts, _beat, code, notes = database.job(pk)
    assert (status, attempts, code) == ("done", 2, "")
    assert [n["code"] for n in (json.loads(notes) if isinstance(notes, str) else notes)] == ["worker_restarted"]
    assert database.rows("SELECT count(*), count(DISTINCT nik) FROM registry_worker") == [(rows, rows)]
