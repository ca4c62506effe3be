"""A worker's death, move, correction, merge and status through every door: the worker page, the death-list page,
the API and the ``paritrana workers`` command, each a thin adapter over the same action. A refusal is clear (422
with the field, a message on the page, exit 2 on the command line) and writes nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from paritrana.cli import main
from paritrana.core.permissions import SYSTEM
from paritrana.regions.models import Region
from paritrana.registry.lifecycle import do_record_death
from paritrana.registry.models import ImportJob, Worker, WorkerEvent
from paritrana.sponsorship.actions import do_enroll, do_run_billing
from paritrana.sponsorship.models import Enrollment
from tests.conftest import client_for
from tests.factories import make_program, make_user, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def desas() -> list[str]:
    return list(
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[:3]
    )


@pytest.fixture
def operator() -> Any:
    return make_user("op.tangerang", "regional_operator", "36.03")


def _status(worker: Worker) -> tuple[str, Any, str]:
    worker.refresh_from_db()
    return worker.status, worker.died_on, worker.desa_code


# The worker page ------------------------------------------------------------------------------------------------


def test_the_worker_page_records_a_death_and_shows_it_in_the_history(desas: list[str], operator: Any) -> None:
    program = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    worker = make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=program, workers=[worker], first_month=date(2024, 1, 1))
    client = client_for(operator)
    page = client.get(f"/workers/{worker.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="change-death"' in body and 'data-testid="change-nik"' in body
    response = client.post(
        f"/workers/{worker.pk}/change/",
        {
            "form": "death",
            "death-died_on": "2024-06-10",
            "death-source": "Desa",
            "death-reason": "sakit",
            "confirmed": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert _status(worker)[:2] == ("deceased", date(2024, 6, 10))
    body = response.content.decode()
    assert 'data-kind="death"' in body and 'data-testid="died-on"' in body
    assert Enrollment.objects.get(worker=worker).last_month == date(2024, 6, 1)
    program_page = client.get(f"/programs/{program.pk}/").content.decode()
    assert 'data-testid="worker-changes"' in program_page and 'data-change="death"' in program_page


def test_a_refused_change_on_the_page_says_why_and_writes_nothing(desas: list[str], operator: Any) -> None:
    worker = make_worker(desas[0], birth_date=date(1990, 1, 1))
    client = client_for(operator)
    response = client.post(f"/workers/{worker.pk}/change/", {"form": "death", "death-died_on": "1980-01-01"})
    assert response.status_code == 422
    assert 'data-testid="change-error"' in response.content.decode()
    assert _status(worker)[0] == "active" and not WorkerEvent.objects.exists()
    moved = client.post(
        f"/workers/{worker.pk}/change/", {"form": "move", "move-desa_code": "3603019999", "move-moved_on": "2024-01-01"}
    )
    assert moved.status_code == 422 and _status(worker)[2] == desas[0]


def test_a_change_from_a_page_opened_before_another_change_is_refused_and_overwrites_nothing(
    desas: list[str], operator: Any
) -> None:
    """Two tabs (or two colleagues) on the same worker: the second to save gets a clear message, nothing is
    overwritten silently; the page opened again carries the new state and saves."""
    import re

    worker = make_worker(desas[0], name="Siti Aminah")
    client = client_for(operator)
    seen = re.search(r'name="correct-seen" value="([^"]+)"', client.get(f"/workers/{worker.pk}/").content.decode())
    assert seen is not None
    first = {"form": "correct", "correct-name": "Siti Aminah Binti Ahmad", "correct-reason": "KTP"}
    assert client.post(f"/workers/{worker.pk}/change/", {**first, "correct-seen": seen.group(1)}).status_code == 302
    stale = {
        "form": "correct",
        "correct-name": "Siti A.",
        "correct-reason": "ketik ulang",
        "correct-seen": seen.group(1),
    }
    refused = client.post(f"/workers/{worker.pk}/change/", stale)
    assert (
        refused.status_code == 422
        and "setelah Anda membuka halaman ini: tidak ada yang disimpan" in refused.content.decode()
    )
    worker.refresh_from_db()
    assert worker.name == "Siti Aminah Binti Ahmad" and WorkerEvent.objects.filter(worker=worker).count() == 1
    fresh = re.search(r'name="correct-seen" value="([^"]+)"', client.get(f"/workers/{worker.pk}/").content.decode())
    assert fresh is not None and fresh.group(1) != seen.group(1)
    again = client.post(f"/workers/{worker.pk}/change/", {**stale, "correct-seen": fresh.group(1)})
    assert again.status_code == 302
    worker.refresh_from_db()
    assert worker.name == "Siti A."
    status = {"form": "status", "status-status": "inactive", "status-on": "2024-01-01", "confirmed": "1"}
    late = client.post(f"/workers/{worker.pk}/change/", {**status, "status-seen": seen.group(1)})
    assert late.status_code == 422 and _status(worker)[0] == "active"


def test_a_village_operator_sees_no_nik_correction(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    village = make_user("desa.op", "village_operator", "36.03")
    body = client_for(village).get(f"/workers/{worker.pk}/").content.decode()
    assert 'data-testid="change-death"' in body and 'data-testid="change-nik"' not in body
    refused = client_for(village).post(
        f"/workers/{worker.pk}/change/", {"form": "nik", "nik-nik": "3603015507900001", "nik-reason": "x"}
    )
    assert refused.status_code == 403 and Worker.objects.get(pk=worker.pk).nik == worker.nik


def test_the_page_merges_a_duplicate_and_lists_the_candidates(desas: list[str], operator: Any) -> None:
    keep = make_worker(desas[0], name="Siti Aminah", birth_date=date(1990, 5, 5))
    other = make_worker(desas[0], name="Siti Aminah", birth_date=date(1990, 5, 5))
    client = client_for(operator)
    assert 'data-testid="candidates"' in client.get(f"/workers/{keep.pk}/").content.decode()
    response = client.post(
        f"/workers/{keep.pk}/change/",
        {
            "form": "merge",
            "merge-other": str(other.pk),
            "merge-keep": "this",
            "merge-reason": "satu orang",
            "confirmed": "1",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/workers/{keep.pk}/"
    assert Worker.objects.get(pk=other.pk).merged_into_id == keep.pk
    merged_page = client.get(f"/workers/{other.pk}/").content.decode()
    assert 'data-testid="merged-into"' in merged_page and 'data-testid="change-merge"' not in merged_page


def test_the_list_filters_by_status_and_shows_its_date(desas: list[str], operator: Any) -> None:
    dead = make_worker(desas[0], name="Almarhum")
    make_worker(desas[0], name="Masih Hidup")
    do_record_death(actor=SYSTEM, worker=dead, died_on=date(2025, 6, 10))
    body = client_for(operator).get("/workers/?status=deceased&status_from=2025-06-01").content.decode()
    assert "Almarhum" in body and "Masih Hidup" not in body and "10 Jun 2025" in body


def test_the_death_list_page_runs_the_list_and_shows_its_summary_and_report(desas: list[str], operator: Any) -> None:
    a = make_worker(desas[0])
    upload = SimpleUploadedFile(
        "mati.csv",
        f"NIK;Tanggal Meninggal;Sumber\n{a.nik};10/06/2025;Desa\n3603019999990001;10/06/2025;Desa\n".encode(),
    )
    client = client_for(operator)
    response = client.post("/workers/deaths/", {"file": upload, "mode": "valid-only", "confirmed": "1"})
    job = ImportJob.objects.get(kind="deaths")
    assert response.status_code == 302 and response["Location"] == f"/workers/import/{job.pk}/"
    assert (job.status, job.summary["recorded"], job.summary["unknown"]) == ("done", 1, 1)
    page = client.get(f"/workers/import/{job.pk}/").content.decode()
    assert 'data-kind="deaths"' in page and 'data-testid="recorded"' in page
    assert client.get(f"/workers/import/{job.pk}/report.xlsx").status_code == 200
    assert _status(a)[0] == "deceased"


def test_monev_lists_the_overpayment_and_exports_its_lines(desas: list[str], operator: Any) -> None:
    program = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    worker = make_worker(desas[0], name="Almarhum")
    do_enroll(actor=SYSTEM, program=program, workers=[worker], first_month=date(2024, 1, 1))
    for month in (1, 2, 3):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 1, 20))
    client = client_for(operator)
    page = client.get("/programs/monev/?fiscal_year=2024").content.decode()
    assert 'data-testid="overpayments"' in page and "Rp33.600" in page
    csv = client.get("/programs/monev/overpayments.csv?fiscal_year=2024")
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and text.count("Almarhum") == 2 and worker.nik not in text
    assert client.get("/programs/monev/overpayments.xlsx").status_code == 200
    viewer = make_user("pemantau", "viewer", "36.03")
    assert client_for(viewer).get("/programs/monev/overpayments.csv").status_code == 403  # names workers


# The API --------------------------------------------------------------------------------------------------------


def test_the_api_records_a_death_and_answers_its_effects(desas: list[str], operator: Any) -> None:
    program = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    worker = make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=program, workers=[worker], first_month=date(2024, 1, 1))
    client = client_for(operator)
    response = client.post(
        f"/api/v1/workers/{worker.pk}/death",
        {"died_on": "2024-06-10", "source": "bpjs"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["worker"]["status"] == "deceased" and body["worker"]["died_on"] == "2024-06-10"
    assert body["worker"]["nik"].count("*") == 10 and body["effects"]["enrollments_ended"] == 1
    history = client.get(f"/api/v1/workers/{worker.pk}/history").json()
    assert [e["kind"] for e in history] == ["death"]
    listed = client.get("/api/v1/workers?status=deceased").json()["items"]
    assert [w["id"] for w in listed] == [worker.pk]


def test_the_api_refuses_a_move_to_an_unknown_desa_and_a_future_death(desas: list[str], operator: Any) -> None:
    worker = make_worker(desas[0])
    client = client_for(operator)
    moved = client.post(
        f"/api/v1/workers/{worker.pk}/move",
        {"desa_code": "36.03.01.9999", "moved_on": "2024-01-01"},
        content_type="application/json",
    )
    assert moved.status_code == 422 and moved.json()["details"]["field"] == "desa_code"
    future = client.post(
        f"/api/v1/workers/{worker.pk}/death", {"died_on": "2999-01-01"}, content_type="application/json"
    )
    assert future.status_code == 422 and future.json()["details"]["field"] == "died_on"
    assert _status(worker) == ("active", None, desas[0])


def test_the_api_merges_and_reports_an_overlap(desas: list[str], operator: Any) -> None:
    kab = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    village = make_program(desas[0], kind="apbdes", fiscal_year=2024, pagu=10_000_000)
    keep, other = make_worker(desas[0]), make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=kab, workers=[keep], first_month=date(2024, 1, 1))
    do_enroll(actor=SYSTEM, program=village, workers=[other], first_month=date(2024, 6, 1))
    response = client_for(operator).post(
        f"/api/v1/workers/{keep.pk}/merge", {"other_id": other.pk, "reason": "sama"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["merged"]["status"] == "merged" and body["merged"]["merged_into"] == keep.pk
    assert body["effects"]["overlaps"][0]["first"] == "2024-06" and body["effects"]["enrollments_moved"] == 1


def test_the_api_corrects_and_its_nik_correction_is_for_full_nik_roles(desas: list[str], operator: Any) -> None:
    worker = make_worker(desas[0])
    client = client_for(operator)
    fixed = client.post(
        f"/api/v1/workers/{worker.pk}/correct", {"name": "Nama Benar", "reason": "KTP"}, content_type="application/json"
    )
    assert fixed.status_code == 200 and fixed.json()["worker"]["name"] == "Nama Benar"
    village = client_for(make_user("desa.op", "village_operator", "36.03"))
    refused = village.post(
        f"/api/v1/workers/{worker.pk}/nik", {"nik": "3603015507900001", "reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    done = client.post(
        f"/api/v1/workers/{worker.pk}/nik", {"nik": "3603015507900001", "reason": "x"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["worker"]["nik"] == "3603**********01"


def test_the_api_takes_a_death_list_as_a_dry_run(desas: list[str], operator: Any) -> None:
    a = make_worker(desas[0])
    upload = SimpleUploadedFile("mati.csv", f"NIK;Tgl Meninggal\n{a.nik};2025-06-10\n".encode())
    response = client_for(operator).post("/api/v1/workers/deaths", {"file": upload, "dry_run": "true"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["recorded"]) == ("dry-run", 1)
    assert _status(a)[0] == "active"


# The command line -----------------------------------------------------------------------------------------------


def test_the_command_line_records_a_death_and_a_death_list(
    desas: list[str], tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = make_worker(desas[0]), make_worker(desas[0])
    assert main(["workers", "death", "--nik", a.nik, "--date", "2025-06-10", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["died_on"], out["nik"]) == ("deceased", "2025-06-10", a.masked_nik)
    listed = tmp_path / "mati.csv"
    listed.write_text(f"NIK;Tanggal Meninggal;Sumber\n{b.nik};01/07/2025;Dukcapil\n", encoding="utf-8")
    assert main(["workers", "deaths", str(listed), "--dry-run", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "dry-run" and _status(b)[0] == "active"
    assert main(["workers", "deaths", str(listed), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["recorded"] == 1 and _status(b)[1] == date(2025, 7, 1)


def test_the_command_line_moves_corrects_merges_and_refuses_clearly(
    desas: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = make_worker(desas[0]), make_worker(desas[0])
    assert main(["workers", "move", "--id", str(a.pk), "--desa", desas[1], "--date", "2025-01-01"]) == 0
    assert _status(a)[2] == desas[1]
    assert main(["workers", "correct", "--nik", a.nik, "--name", "Benar", "--reason", "KTP", "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["workers", "merge", "--keep", a.nik, "--other", b.nik, "--reason", "sama", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["merged"] == b.pk
    assert main(["workers", "death", "--nik", a.nik, "--date", "31-12-2024", "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().err)["details"]["field"] == "date"
    assert main(["workers", "move", "--nik", a.nik, "--desa", "3603019999", "--date", "2025-02-01"]) == 2
    assert main(["workers", "status", "--nik", "3603019999990001", "--status", "inactive", "--date", "2025-02-01"]) == 2
    assert "3603019999990001" not in capsys.readouterr().err  # the NIK is masked in the refusal
    assert _status(a)[:2] == ("active", None)
