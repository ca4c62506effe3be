"""Importing into the registry: upsert by NIK, all-or-nothing, scope, audit, the pages, API and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from paritrana.cli import main
from paritrana.core.errors import PermissionDenied
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.registry.actions import do_import_workers, do_reveal_nik
from paritrana.registry.models import ImportJob, Worker
from tests.conftest import client_for
from tests.factories import make_user

DESA = "3603012003"
HEADER = "NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan\n"
GOOD = (
    HEADER + f"3603014507900001;Siti Aminah;05/07/1990;P;{DESA};Petani\n"
    f"3603010507900002;Budi;05/07/1990;L;{DESA};Nelayan\n"
)
BAD_ROW = "3603010507900000;Eko;;L;3603012003;\n"


def run(text: str, actor=SYSTEM, **kwargs):  # type: ignore[no-untyped-def]
    return do_import_workers(source=text.encode(), filename="daftar.csv", actor=actor, **kwargs)


@pytest.mark.django_db
def test_import_creates_then_reimport_changes_nothing_then_an_edit_updates_and_audits() -> None:
    first = run(GOOD).summary
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    again = run(GOOD).summary
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    edited = run(GOOD.replace("Nelayan", "Pedagang")).summary
    assert (edited["created"], edited["updated"], edited["unchanged"]) == (0, 1, 1)
    assert Worker.objects.get(nik="3603010507900002").occupation == "pedagang"
    change = AuditEvent.objects.get(action="worker.update")
    assert change.before == {"nik": "3603**********02", "occupation": "nelayan"}
    assert change.after == {"nik": "3603**********02", "occupation": "pedagang"}
    assert AuditEvent.objects.filter(action="workers.import").count() == 3


@pytest.mark.django_db
def test_all_or_nothing_writes_nothing_when_a_row_is_bad() -> None:
    result = run(GOOD + BAD_ROW)
    assert result.summary["status"] == "rejected" and not result.written
    assert Worker.objects.count() == 0 and not AuditEvent.objects.filter(action="workers.import").exists()
    assert result.issues.filter(result.issues["row"] == 4)["code"].to_list() == ["nik_sequence"]


@pytest.mark.django_db
def test_valid_only_imports_the_good_rows_and_reports_the_rest() -> None:
    result = run(GOOD + BAD_ROW, mode="valid-only")
    assert result.summary["created"] == 2 and result.summary["rejected"] == 1
    assert "nomor urut nik" in result.report("csv").decode("utf-8-sig").lower()


@pytest.mark.django_db
def test_dry_run_counts_without_writing() -> None:
    result = run(GOOD, dry_run=True)
    assert result.summary["created"] == 2 and result.summary["status"] == "dry-run"
    assert Worker.objects.count() == 0


@pytest.mark.django_db
def test_rows_outside_the_operators_scope_are_refused() -> None:
    village = make_user("ops.cangkudu", "village_operator", "36.03.01.2003")
    other_desa = GOOD + "3603014507900003;Rina;05/07/1990;P;3603012005;\n"
    result = run(other_desa, actor=village, mode="valid-only")
    assert result.summary["created"] == 2
    assert "desa_out_of_scope" in result.issues["code"].to_list()
    with pytest.raises(PermissionDenied):
        run(GOOD, actor=make_user("juri", "jury", "36"))


@pytest.mark.django_db
def test_possible_duplicates_are_flagged_for_review_not_merged() -> None:
    run(HEADER + f"3603010507900002;Budi;05/07/1990;L;{DESA};\n3603010507900004;Budi;05/07/1990;L;{DESA};\n")
    assert Worker.objects.count() == 2
    assert Worker.objects.filter(needs_review=True).count() == 2


@pytest.mark.django_db
def test_revealing_a_full_nik_is_audited_and_limited_by_role() -> None:
    run(GOOD)
    worker = Worker.objects.get(nik="3603014507900001")
    operator = make_user("op", "regional_operator", "36.03")
    assert do_reveal_nik(worker=worker, actor=operator) == "3603014507900001"
    assert AuditEvent.objects.filter(action="worker.view_nik", actor_name="op").exists()
    with pytest.raises(PermissionDenied):
        do_reveal_nik(worker=worker, actor=make_user("desa", "village_operator", "36.03.01.2003"))


@pytest.mark.django_db
def test_lists_show_masked_niks_only(kab_operator) -> None:  # type: ignore[no-untyped-def]
    run(GOOD)
    client = client_for(kab_operator)
    page = client.get("/workers/").content.decode()
    assert "3603**********01" in page and "3603014507900001" not in page
    api = client.get("/api/v1/workers").json()
    assert {w["nik"] for w in api["items"]} == {"3603**********01", "3603**********02"}
    worker = Worker.objects.get(nik="3603014507900001")
    detail = client.get(f"/workers/{worker.pk}/").content.decode()
    assert "3603014507900001" not in detail
    revealed = client.post(f"/workers/{worker.pk}/").content.decode()
    assert "3603014507900001" in revealed


@pytest.mark.django_db
def test_search_and_filters(kab_operator) -> None:  # type: ignore[no-untyped-def]
    run(GOOD)
    client = client_for(kab_operator)
    assert client.get("/api/v1/workers?q=siti").json()["count"] == 1
    # a NIK is searched in a body, never in the address (access logs, histories); the address is refused
    search = client.post("/api/v1/workers/search", {"q": "3603010507900002"}, content_type="application/json")
    assert search.json()["count"] == 1
    assert search.json()["items"][0]["nik"] == "3603**********02"
    refused = client.get("/api/v1/workers?q=3603010507900002")
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert client.get("/api/v1/workers?q=3603 0105 0790 0002").status_code == 422  # typed with spaces, still a NIK
    assert client.get("/api/v1/workers?occupation=nelayan").json()["count"] == 1
    assert client.get("/api/v1/workers?region=3603012003").json()["count"] == 2
    assert client.get("/api/v1/workers?region=36.72").json()["count"] == 0
    cilegon = client_for(make_user("op.cilegon", "regional_operator", "36.72"))
    assert cilegon.get("/api/v1/workers").json()["count"] == 0


@pytest.mark.django_db
def test_upload_page_runs_the_import_in_the_background_and_offers_the_report(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    upload = SimpleUploadedFile("daftar.csv", (GOOD + BAD_ROW).encode(), content_type="text/csv")
    response = client.post("/workers/import/", {"file": upload, "mode": "valid-only"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workers/import/{job.pk}/"
    assert job.status == "done" and job.summary["created"] == 2 and job.summary["rejected"] == 1
    status = client.get(f"/workers/import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="done"' in status and "hx-trigger" not in status
    report = client.get(f"/workers/import/{job.pk}/report.xlsx")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
    other = client_for(make_user("op2", "regional_operator", "36.03"))
    assert other.get(f"/workers/import/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_import_through_the_api(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    upload = SimpleUploadedFile("daftar.csv", GOOD.encode(), content_type="text/csv")
    response = client.post("/api/v1/imports", {"file": upload, "dry_run": "true"})
    assert response.status_code == 202, response.content
    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert job["status"] == "done" and job["summary"]["created"] == 2 and job["dry_run"] is True
    assert Worker.objects.count() == 0


@pytest.mark.django_db
def test_command_line_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "daftar.csv"
    path.write_text(GOOD + BAD_ROW, encoding="utf-8")
    report = tmp_path / "errors.xlsx"
    assert main(["workers", "import", str(path), "--format", "json", "--report", str(report)]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary == {
        "rows": 3,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
        "flagged": 0,
        "status": "rejected",
        "warnings": 0,
        "blank_rows": 0,
        "file": [],  # nothing noticed of the whole file
    }
    assert report.stat().st_size > 0
    assert main(["workers", "import", str(path), "--mode", "valid-only", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["created"] == 2
    path.write_text(GOOD, encoding="utf-8")
    assert main(["workers", "import", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 2


@pytest.mark.django_db
def test_operator_confirms_the_columns_before_the_import_runs(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    text = GOOD.replace("NIK;Nama", "Nomor Identitas;Nama")  # a header no synonym knows
    upload = SimpleUploadedFile("daftar.csv", text.encode(), content_type="text/csv")
    client.post("/workers/import/", {"file": upload, "mode": "all-or-nothing", "check_columns": "on"})
    job = ImportJob.objects.get()
    assert job.status == "mapping" and not Worker.objects.exists()
    page = client.get(f"/workers/import/{job.pk}/").content.decode()
    assert "Nomor Identitas" in page and "3603014507900001" not in page  # a preview, NIKs masked
    guessed = {
        "name": "Nama",
        "birth_date": "Tgl Lahir",
        "sex": "JK",
        "desa_code": "Kode Desa",
        "occupation": "Pekerjaan",
    }
    refused = client.post(f"/workers/import/{job.pk}/", guessed)
    assert refused.status_code == 422 and "NIK" in refused.content.decode()
    assert ImportJob.objects.get().status == "mapping"
    client.post(f"/workers/import/{job.pk}/", {**guessed, "nik": "Nomor Identitas"})
    job.refresh_from_db()
    assert job.status == "done" and job.summary["created"] == 2 and job.mapping["nik"] == "Nomor Identitas"
    assert client.post(f"/workers/import/{job.pk}/", {}).status_code == 409  # started imports are not re-mapped


@pytest.mark.django_db
def test_small_edit_against_a_larger_registry_updates_only_that_worker() -> None:
    """A list much smaller than the registry is matched by its NIKs in chunks, not by reading the registry."""
    rows = "".join(f"36030105079{i:05d};Pekerja {i};05/07/1990;L;{DESA};Petani;;3\n" for i in range(1, 13))
    head = "NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan;No HP;Desil\n"
    assert run(head + rows).summary["created"] == 12
    edit = run(head + f"3603010507900002;Pekerja 2;05/07/1990;L;{DESA};Petani;;4\n").summary
    assert (edit["created"], edit["updated"], edit["unchanged"]) == (0, 1, 0)
    assert Worker.objects.get(nik="3603010507900002").poverty_decile == 4
    event = AuditEvent.objects.filter(action="worker.update").get()
    assert event.before["poverty_decile"] == 3 and event.after["poverty_decile"] == 4
    same = run(head + f"3603010507900002;Pekerja 2;05/07/1990;L;{DESA};Petani;;4\n").summary
    assert (same["updated"], same["unchanged"]) == (0, 1)


@pytest.mark.django_db
def test_the_worker_search_form_posts_so_a_nik_stays_out_of_the_address(kab_operator) -> None:  # type: ignore[no-untyped-def]
    run(GOOD)
    client = client_for(kab_operator)
    page = client.get("/workers/").content.decode()
    assert 'method="post" hx-post="/workers/"' in page
    found = client.post("/workers/", {"q": "3603010507900002"}, headers={"HX-Request": "true"}).content.decode()
    assert "3603**********02" in found and "3603010507900002" not in found
    assert client.get("/workers/?q=3603010507900002").status_code == 422
    assert "Siti" in client.get("/workers/?q=siti").content.decode()  # a name may still be linked to


@pytest.mark.django_db
def test_queuing_an_import_and_confirming_its_columns_are_audited_through_the_page_and_the_api() -> None:
    """Before: the page and the API wrote the job themselves, with no audit record; both now call do_queue_import
    (and the column check do_confirm_columns), which keep the file, check its first rows and record who did it."""
    operator = make_user("op.queue", "regional_operator", "36.03")
    client = client_for(operator)
    page = client.post(
        "/workers/import/",
        {"file": SimpleUploadedFile("daftar.csv", GOOD.encode()), "mode": "all-or-nothing", "check_columns": "on"},
    )
    held = ImportJob.objects.get()
    assert page.status_code == 302 and held.status == "mapping"
    queued = AuditEvent.objects.get(action="workers.import.queued")
    assert (queued.actor_id, queued.object_id, queued.after["status"]) == (operator.pk, str(held.pk), "mapping")
    mapping = {"nik": "NIK", "name": "Nama", "desa_code": "Kode Desa"}
    confirmed = client.post(f"/workers/import/{held.pk}/", mapping)
    held.refresh_from_db()
    assert confirmed.status_code == 302 and held.status in ("queued", "running", "done")
    assert AuditEvent.objects.filter(action="workers.import.columns", object_id=str(held.pk)).exists()
    again = client.post(f"/workers/import/{held.pk}/", mapping)
    assert again.status_code == 409  # queued once only
    api = client.post("/api/v1/imports", {"file": SimpleUploadedFile("lagi.csv", GOOD.encode())})
    assert api.status_code == 202
    assert AuditEvent.objects.filter(action="workers.import.queued", object_id=str(api.json()["id"])).exists()
