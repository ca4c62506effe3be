"""Background jobs (issue 22): a long action queued by a page or the API runs, with its user, the same action the other
doors call; its page shows its progress and outcome; a refusal or a bug fails it with a reason a person can read; a
job whose worker stopped runs once more, then fails. (The tests' task backend runs a task as it is queued.)"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from paritrana.core import jobs
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.jobs import JOB_LEASE, JobKind, do_queue_job, recover_all
from paritrana.core.models import AuditEvent, Job
from paritrana.core.permissions import SYSTEM
from paritrana.sponsorship import jobs as sponsorship_jobs
from paritrana.sponsorship.actions import do_enroll, do_run_billing
from paritrana.sponsorship.models import Bill, ReconcileRun
from tests.conftest import client_for
from tests.factories import make_program, make_user, make_worker
from tests.sponsorship.test_bpjs import ON, _list, _scenario

DESA = "36.03.01.2003"
MARCH = date(2024, 3, 1)
#: An exception's text may quote a cell: a name, a NIK.
PERSONAL = "cell 'Siti Aminah 3603014507900001' broke the check"

pytestmark = pytest.mark.django_db


def _programs(sizes: tuple[int, ...] = (3, 2)) -> list[Any]:
    """Active programs of Kabupaten Tangerang, with ``sizes`` workers enrolled for 2024."""
    programs = []
    for size in sizes:
        program = make_program("36.03")
        do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA) for _ in range(size)])
        programs.append(program)
    return programs


def _kind(monkeypatch: pytest.MonkeyPatch, run: Any) -> str:
    """A job kind of the test's own, that anyone with ``registry.view`` may queue."""
    monkeypatch.setitem(jobs.KINDS, "test_kind", JobKind("test_kind", N_("Test"), "registry.view", run))
    return "test_kind"


# --- the billing run -------------------------------------------------------------------------------------------------


def test_a_billing_run_as_a_job_bills_as_the_run_itself(kab_operator: Any) -> None:
    _programs()
    job = sponsorship_jobs.do_queue_billing(actor=kab_operator, month=MARCH)
    job.refresh_from_db()
    bills = Bill.objects.filter(month=MARCH)
    assert job.status == "done" and job.kind == "billing_run" and job.params == {"month": "2024-03-01"}
    assert job.result == {
        "month": "2024-03",
        "bill_count": 2,
        "already_billed_count": 0,
        "workers": 5,
        "amount": sum(int(b.amount) for b in bills),
    }
    assert sorted(b.workers for b in bills) == [2, 3] and job.region_code == "36.03"
    assert (job.progress, job.total, job.attempts) == (1, 1, 1) and job.finished_at is not None
    queued = AuditEvent.objects.get(action="job.queue")
    assert queued.actor_name == kab_operator.username and queued.after == {"kind": "billing_run", "month": "2024-03-01"}
    assert AuditEvent.objects.filter(action="bill.create", actor_name=kab_operator.username).count() == 2
    # The same month again: nothing billed twice, the job says so.
    again = sponsorship_jobs.do_queue_billing(actor=kab_operator, month=MARCH)
    again.refresh_from_db()
    assert (again.result["bill_count"], again.result["already_billed_count"]) == (0, 2)


def test_the_billing_run_tells_its_progress_part_by_part_and_bills_as_in_one_part(
    kab_operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry spanning more than ``WORKERS_PER_PART`` worker ids is billed one id range at a time: progress after
    each, and the very lines of a run in one part."""
    from paritrana.sponsorship.actions import billing
    from paritrana.sponsorship.models import BillLine

    _programs((3, 1, 4))
    heard: list[tuple[int, int]] = []
    do_run_billing(actor=kab_operator, month=MARCH)
    monkeypatch.setattr(billing, "WORKERS_PER_PART", 2)
    april = date(2024, 4, 1)
    do_run_billing(actor=kab_operator, month=april, progress=lambda done, total: heard.append((done, total)))
    assert heard == [(0, 4), (1, 4), (2, 4), (3, 4)]  # 8 workers, ids in 4 ranges of 2

    def lines(month: date) -> list[tuple[Any, ...]]:
        lines = BillLine.objects.filter(bill__month=month)
        return sorted(lines.values_list("bill__program_id", "enrollment_id", "amount", "rule"))

    assert len(lines(april)) == 8 and lines(april) == lines(MARCH)
    assert sorted(Bill.objects.filter(month=april).values_list("workers", "amount")) == sorted(
        Bill.objects.filter(month=MARCH).values_list("workers", "amount")
    )
    # Each bill's totals, summed part by part as the lines are written, are those of the lines it holds.
    for bill in Bill.objects.filter(month__in=[MARCH, april]):
        held = BillLine.objects.filter(bill=bill).aggregate(n=Count("id"), total=Sum("amount"))
        assert (bill.workers, bill.amount) == (held["n"], held["total"]) and bill.workers > 0


def test_the_billing_run_writes_each_parts_lines_in_key_order(
    kab_operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each part's lines go in the order of their unique (bill, enrollment) key whatever the order of the
    enrollments (measured: a national month took 53-83 s in the order of the enrollments' table, 52-54 s sorted)."""
    from paritrana.sponsorship.actions import billing
    from paritrana.sponsorship.models import BillLine

    first, second = make_program("36.03"), make_program("36.03")
    for n in range(8):  # enrolled one by one, turn about: the enrollments' ids alternate between the programs
        do_enroll(actor=SYSTEM, program=(second, first)[n % 2], workers=[make_worker(DESA)])
    do_run_billing(actor=kab_operator, month=MARCH)
    written = list(BillLine.objects.filter(bill__month=MARCH).order_by("pk").values_list("bill_id", "enrollment_id"))
    assert len(written) == 8 and written == sorted(written)
    monkeypatch.setattr(billing, "WORKERS_PER_PART", 4)  # two parts: sorted within each
    april = date(2024, 4, 1)
    do_run_billing(actor=kab_operator, month=april)
    written = list(BillLine.objects.filter(bill__month=april).order_by("pk").values_list("bill_id", "enrollment_id"))
    parts = [written[:4], written[4:]]
    assert all(part == sorted(part) for part in parts) and written != sorted(written)


def test_the_billing_page_runs_a_small_run_at_once_and_queues_a_large_one(
    kab_operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _programs()
    client = client_for(kab_operator)
    small = client.post("/programs/billing/", {"month": "2024-03", "confirmed": "1"})
    assert small.status_code == 200 and not Job.objects.exists() and Bill.objects.filter(month=MARCH).count() == 2
    # Over the line count the run goes to the background: the confirmation says so, and the page is the job's.
    monkeypatch.setattr(sponsorship_jobs, "BACKGROUND_LINES", 4)
    confirm = client.post("/programs/billing/", {"month": "2024-04"})
    assert "latar belakang" in confirm.content.decode()
    assert not Bill.objects.filter(month=date(2024, 4, 1)).exists()  # the confirmation tried nothing
    response = client.post("/programs/billing/", {"month": "2024-04", "confirmed": "1"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and "Penagihan" in page and "Tagihan dibuat" in page
    assert 'href="/programs/billing/"' in page
    assert Bill.objects.filter(month=date(2024, 4, 1)).count() == 2
    # A month of 5 lines under a line count of 10: at once again.
    monkeypatch.setattr(sponsorship_jobs, "BACKGROUND_LINES", 10)
    assert client.post("/programs/billing/", {"month": "2024-05", "confirmed": "1"}).status_code == 200
    assert Job.objects.count() == 1


def test_the_api_queues_a_billing_run_and_follows_it(kab_operator: Any) -> None:
    program, _ = _programs()
    client = client_for(kab_operator)
    body = {"month": "2024-03-01", "program_ids": [program.pk], "background": True}
    response = client.post("/api/v1/billing/runs", body, content_type="application/json")
    assert response.status_code == 202
    job = response.json()
    assert (job["kind"], job["params"]) == ("billing_run", {"month": "2024-03-01", "programs": [program.pk]})
    followed = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert followed["status"] == "done" and followed["result"]["bill_count"] == 1
    assert [j["id"] for j in client.get("/api/v1/jobs").json()] == [job["id"]]
    # Another operator, of Kota Cilegon, does not see it.
    other = client_for(make_user("op.cilegon", "regional_operator", "36.72"))
    assert other.get(f"/api/v1/jobs/{job['id']}").status_code == 404
    assert other.get(f"/jobs/{job['id']}/").status_code == 404


def test_a_program_outside_the_scope_is_refused_before_anything_is_queued(kab_operator: Any) -> None:
    outside = make_program("36.72")
    client = client_for(kab_operator)
    body = {"month": "2024-03-01", "program_ids": [outside.pk], "background": True}
    response = client.post("/api/v1/billing/runs", body, content_type="application/json")
    assert response.status_code in (403, 404) and not Job.objects.exists()


# --- failures ---------------------------------------------------------------------------------------------------------


def test_a_job_refused_by_its_action_fails_with_the_reason(kab_operator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(actor: Any, params: dict[str, Any], progress: Any) -> dict[str, Any]:
        raise InvalidInput(N_("Give the date as YYYY-MM-DD."), field="on")

    job = do_queue_job(actor=kab_operator, kind=_kind(monkeypatch, refuse), params={})
    job.refresh_from_db()
    assert (job.status, job.error_code, job.error_details) == ("failed", "invalid_input", {"field": "on"})
    assert job.error == "Give the date as YYYY-MM-DD." and job.finished_at is not None
    page = client_for(kab_operator).get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-status="failed"' in page and 'data-code="invalid_input"' in page
    assert "Isi tanggal dengan format TTTT-BB-HH." in page


def test_a_bug_fails_the_job_and_keeps_personal_data_out_of_it(
    kab_operator: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(actor: Any, params: dict[str, Any], progress: Any) -> dict[str, Any]:
        raise RuntimeError(PERSONAL)

    with caplog.at_level(logging.ERROR, logger="paritrana.core.jobs"):
        job = do_queue_job(actor=kab_operator, kind=_kind(monkeypatch, broken), params={})
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "unexpected_error")
    assert job.error_details == {"kind": "RuntimeError", "job": job.pk}
    assert "3603014507900001" not in job.error and "Siti" not in job.error
    assert "RuntimeError" in caplog.text and "3603014507900001" not in caplog.text


def _running(user: Any, *, silent_for: timedelta | None, attempts: int = 1) -> Job:
    beat = timezone.now() - silent_for if silent_for is not None else None
    return Job.objects.create(
        kind="billing_run",
        params={"month": "2024-03-01"},
        created_by=user,
        status="running",
        heartbeat_at=beat,
        attempts=attempts,
    )


def test_a_job_whose_worker_stopped_runs_once_more_then_fails(kab_operator: Any) -> None:
    _programs()
    job = _running(kab_operator, silent_for=Job.STALE_AFTER + timedelta(seconds=1))
    assert job.is_stale
    assert recover_all()["core.job"] == {job.pk: "queued"}
    job.refresh_from_db()  # queued again, and (the tests' backend) run again to the end
    assert (job.status, job.attempts, job.result["bill_count"]) == ("done", 2, 2)
    assert [n["code"] for n in job.notes] == ["worker_restarted"]
    assert "dijalankan lagi" in client_for(kab_operator).get(f"/jobs/{job.pk}/").content.decode()
    event = AuditEvent.objects.get(action="job.recovered")
    assert (event.object_type, event.object_id, event.after) == ("core.job", str(job.pk), {"status": "queued"})

    second = _running(kab_operator, silent_for=timedelta(hours=1), attempts=JOB_LEASE.max_attempts)
    assert recover_all()["core.job"] == {second.pk: "failed"}
    second.refresh_from_db()
    assert (second.status, second.error_code, second.error_details) == ("failed", "worker_stopped", {"attempts": 2})
    fresh = _running(kab_operator, silent_for=timedelta(seconds=5))
    assert recover_all()["core.job"] == {} and Job.objects.get(pk=fresh.pk).status == "running"


def test_a_job_already_taken_is_not_run_twice(kab_operator: Any) -> None:
    _programs()
    job = _running(kab_operator, silent_for=timedelta(seconds=1))
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1) and not Bill.objects.exists()


# --- the reconcile and the facts refresh ---------------------------------------------------------------------------


def test_a_large_participation_list_is_reconciled_in_the_background(
    kab_operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = _scenario()
    monkeypatch.setattr(sponsorship_jobs, "BACKGROUND_BYTES", 10)
    client = client_for(kab_operator)
    upload = SimpleUploadedFile("kepesertaan.csv", _list(s))
    response = client.post("/programs/bpjs/", {"file": upload, "on": ON.isoformat()})
    job = Job.objects.get(kind="bpjs_reconcile")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    run = ReconcileRun.objects.get()
    assert job.status == "done" and job.result["run"] == run.pk and job.result["differences"] == 4
    assert run.created_by == kab_operator and Path(run.stored_path).read_bytes() == _list(s)
    assert not list((Path(settings.MEDIA_ROOT) / "bpjs" / "queued").iterdir())  # the queued copy is gone
    page = client.get(response["Location"]).content.decode()
    assert f'href="/programs/bpjs/{run.pk}/"' in page


def test_a_participation_list_in_the_wrong_layout_fails_its_job_with_the_reason(kab_operator: Any) -> None:
    response = client_for(kab_operator).post(
        "/api/v1/bpjs/reconcile",
        {"file": _upload("salah.csv", b"Nama;Alamat\nSiti;Jl. Mawar\n"), "background": "true"},
    )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "failed" and job.error_code == "invalid_input" and not ReconcileRun.objects.exists()


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_facts_refresh_runs_as_a_job_from_the_scorecard(admin_user: Any, kab_operator: Any) -> None:
    (program,) = _programs((2,))
    do_run_billing(actor=SYSTEM, month=MARCH)
    client = client_for(admin_user)
    assert "refresh-facts" in client.get("/indicators/").content.decode()
    response = client.post("/indicators/refresh/")
    job = Job.objects.get(kind="facts_refresh")
    assert response.status_code == 302 and job.status == "done" and job.result["rows"] == 2
    assert response["Location"] == f"/jobs/{job.pk}/"
    # Only a national indicator manager may: the operator of a kabupaten neither sees the button nor may post.
    operator = client_for(kab_operator)
    assert "refresh-facts" not in operator.get("/indicators/").content.decode()
    assert operator.post("/indicators/refresh/").status_code == 403 and Job.objects.count() == 1


def test_the_jobs_page_lists_the_users_own_jobs(kab_operator: Any, admin_user: Any) -> None:
    _programs((1,))
    mine = sponsorship_jobs.do_queue_billing(actor=kab_operator, month=MARCH)
    theirs = sponsorship_jobs.do_queue_billing(actor=admin_user, month=date(2024, 4, 1))
    page = client_for(kab_operator).get("/jobs/").content.decode()
    assert page.count(f'href="/jobs/{mine.pk}/"') == 2 and f'href="/jobs/{theirs.pk}/"' not in page
    assert "Penagihan" in page and "Selesai" in page
