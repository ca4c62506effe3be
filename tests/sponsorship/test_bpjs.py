"""Exchange with the BPJS branch (issue 19 §3): the bill page with partial payments, the collective-registration
export of a bill or a program, and the reconcile of the branch's participation list with its follow-ups, through
the action, the web, the API and the command line."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.cli import main
from paritrana.core.errors import Conflict, InvalidInput, OutOfScope, PermissionDenied
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.registry.models import Worker
from paritrana.sponsorship import bpjs
from paritrana.sponsorship.actions import do_enroll, do_record_payment, do_run_billing
from paritrana.sponsorship.models import Bill, Enrollment, ReconcileDifference, ReconcileRun
from tests.conftest import client_for
from tests.factories import make_program, make_user, make_worker

pytestmark = pytest.mark.django_db
DESA = "36.03.01.2003"
DESA_OUTSIDE = "36.72.01.1001"
ON = date(2024, 6, 15)  # the day the branch's list reflects: inside the 2024 programs of the factory


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """The kept participation lists go to a temporary folder, never into the project's var/."""
    settings.MEDIA_ROOT = str(tmp_path / "files")
    return tmp_path / "files"


def _billed(workers: int = 2, **program: Any) -> tuple[Any, list[Worker], Bill]:
    program_ = make_program(**program)
    people = [make_worker(DESA, kpj=f"KPJ{n:08d}") for n in range(workers)]
    do_enroll(actor=SYSTEM, program=program_, workers=people)
    (bill,) = do_run_billing(actor=SYSTEM, month=date(2024, 3, 1), programs=[program_]).bills
    return program_, people, bill


def _pay(bill: Bill, amount: int, reference: str, on: date = date(2024, 3, 10)) -> None:
    do_record_payment(actor=SYSTEM, bill_number=bill.number, reference=reference, paid_on=on, amount=amount)


def _csv(*rows: str, header: str = "NIK;No KPJ;Status Kepesertaan;Iuran Terakhir;Tanggal Meninggal") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


# The bill page and partial payments -----------------------------------------------------------------------------


def test_partial_payment_shows_the_shortfall_and_the_bill_stays_open(kab_operator: Any) -> None:
    _, _, bill = _billed(2)
    _pay(bill, 16_800, "R-1")
    bill.refresh_from_db()
    assert bill.status == "pending" and bill.paid_on is None
    page = client_for(kab_operator).get(f"/programs/bills/{bill.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="partially-paid"' in text and 'data-testid="shortfall">Rp16.800<' in text
    body = client_for(kab_operator).get(f"/api/v1/bills/{bill.pk}").json()
    assert body["partially_paid"] is True and body["outstanding"] == 16_800 and body["status"] == "pending"
    assert [p["reference"] for p in body["payments"]] == ["R-1"]
    assert 'data-testid="partially-paid"' in client_for(kab_operator).get("/programs/billing/").content.decode()

    _pay(bill, 16_800, "R-2")
    body = client_for(kab_operator).get(f"/api/v1/bills/{bill.pk}").json()
    assert body["partially_paid"] is False and body["outstanding"] == 0 and body["status"] == "paid"
    page = client_for(kab_operator).get(f"/programs/bills/{bill.pk}/").content.decode()
    assert 'data-testid="partially-paid"' not in page


def test_bill_page_lists_lines_with_masked_niks_and_the_rule_that_priced_them(kab_operator: Any) -> None:
    program = make_program(kind="csr", fiscal_year=2026)
    driver = make_worker(DESA, occupation="ojek_pengemudi")
    farmer = make_worker(DESA)
    do_enroll(actor=SYSTEM, program=program, workers=[driver, farmer], first_month=date(2026, 1, 1))
    (bill,) = do_run_billing(actor=SYSTEM, month=date(2026, 2, 1), programs=[program]).bills
    text = client_for(kab_operator).get(f"/programs/bills/{bill.pk}/").content.decode()
    assert driver.masked_nik in text and driver.nik not in text and farmer.nik not in text
    assert "discount.pp50_2025" in text  # the driver's line names the discount
    lines = client_for(kab_operator).get(f"/api/v1/bills/{bill.pk}/lines").json()
    assert lines["count"] == 2
    assert {line["nik"] for line in lines["items"]} == {driver.masked_nik, farmer.masked_nik}
    assert sorted(line["amount"] for line in lines["items"]) == [8_400, 16_800]


def test_posting_to_the_bill_page_still_moves_the_bill_a_step(kab_operator: Any) -> None:
    _, _, bill = _billed(1)
    _pay(bill, 16_800, "R-1")
    response = client_for(kab_operator).post(
        f"/programs/bills/{bill.pk}/",
        {"to": "awaiting_reconciliation", "next": f"/programs/bills/{bill.pk}/", "confirmed": "1"},
    )
    assert response.status_code == 302 and response["Location"] == f"/programs/bills/{bill.pk}/"
    bill.refresh_from_db()
    assert bill.status == "awaiting_reconciliation"


# Export in the collective-registration layout -------------------------------------------------------------------


def _sheet(body: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_bill_export_is_in_the_collective_registration_layout_with_niks_as_text(kab_operator: Any) -> None:
    _, people, bill = _billed(2)
    response = client_for(kab_operator).get(f"/programs/bills/{bill.pk}/export.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'iuran-{bill.number}.xlsx"')
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == list(bpjs.LAYOUT)
    by_nik = {r[0]: r for r in rows[1:]}
    assert set(by_nik) == {w.nik for w in people}  # a regional operator may see full NIKs
    first = by_nik[people[0].nik]
    assert first[1:] == [people[0].name, first[2], "KPJ00000000", "JKK, JKM", "2024-03", 16_800]
    assert first[2].date() == people[0].birth_date
    assert sheet["A2"].number_format == "@" and sheet["D2"].number_format == "@"  # Excel keeps every digit
    event = AuditEvent.objects.get(action="bpjs.export")
    assert event.after["rows"] == 2 and event.after["full_niks"] == 2 and event.object_id == str(bill.pk)
    assert all(w.nik not in json.dumps(event.after) for w in people)


def test_a_role_that_may_not_see_full_niks_gets_them_masked(db: Any) -> None:
    village = make_user("desa.op", "village_operator", "36.03")
    _, people, bill = _billed(1)
    rows = _sheet(client_for(village).get(f"/programs/bills/{bill.pk}/export.xlsx").content)
    assert rows[1][0] == people[0].masked_nik
    assert AuditEvent.objects.get(action="bpjs.export").after["full_niks"] == 0


def test_export_text_never_runs_as_a_formula(kab_operator: Any) -> None:
    program = make_program()
    worker = make_worker(DESA, name='=HYPERLINK("http://x")', kpj="+62123")
    do_enroll(actor=SYSTEM, program=program, workers=[worker])
    (bill,) = do_run_billing(actor=SYSTEM, month=date(2024, 3, 1), programs=[program]).bills
    rows = _sheet(client_for(kab_operator).get(f"/programs/bills/{bill.pk}/export.xlsx").content)
    assert rows[1][1].startswith("'=") and rows[1][3] == "'+62123"
    csv = client_for(kab_operator).get(f"/programs/bills/{bill.pk}/export.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and ",'+62123," in csv


def test_program_export_lists_its_enrolled_workers_with_their_period_and_cost(kab_operator: Any) -> None:
    program = make_program()
    worker = make_worker(DESA, kpj="12345678901")
    do_enroll(actor=SYSTEM, program=program, workers=[worker], first_month=date(2024, 4, 1))
    response = client_for(kab_operator).get(f"/api/v1/programs/{program.pk}/export?format=csv")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(bpjs.LAYOUT)
    assert lines[1] == f'{worker.nik},{worker.name},1990-01-01,12345678901,"JKK, JKM",2024-04 s.d. 2024-12,151200'


def test_a_program_without_enrolled_workers_exports_the_header_alone(kab_operator: Any) -> None:
    program = make_program()
    for fmt in ("xlsx", "csv"):
        export = bpjs.do_export_program(actor=kab_operator, program=program, fmt=fmt)
        assert export.rows == 0 and export.full_niks == 0
    body = bpjs.do_export_program(actor=kab_operator, program=program).body
    assert _sheet(body) == [list(bpjs.LAYOUT)]


def test_the_export_reads_back_through_the_registry_reader_with_every_nik_digit(kab_operator: Any) -> None:
    from paritrana.registry import ingest

    _, people, bill = _billed(2)
    export = bpjs.do_export_bill(actor=kab_operator, bill=bill, fmt="xlsx")
    table = ingest.read_table(export.body, filename="x.xlsx")
    assert sorted(table.frame["NIK"].to_list()) == sorted(w.nik for w in people)


def test_export_in_an_unknown_format_is_refused(kab_operator: Any) -> None:
    _, _, bill = _billed(1)
    response = client_for(kab_operator).get(f"/api/v1/bills/{bill.pk}/export?format=pdf")
    assert response.status_code == 422 and response.json()["details"]["field"] == "format"
    assert not AuditEvent.objects.filter(action="bpjs.export").exists()


def test_cli_exports_a_bill_and_a_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program, people, bill = _billed(2)
    out = tmp_path / "tagihan.xlsx"
    assert main(["bpjs", "export", "--bill", str(bill.pk), "--out", str(out), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"file": str(out), "format": "xlsx", "rows": 2, "full_niks": 2}
    assert len(_sheet(out.read_bytes())) == 3
    csv = tmp_path / "peserta.csv"
    assert main(["bpjs", "export", "--program", str(program.pk), "--out", str(csv)]) == 0
    assert people[0].nik in csv.read_text(encoding="utf-8-sig")
    assert main(["bpjs", "export", "--bill", str(bill.pk)]) == 2  # no --out: refused, nothing written


# Reconcile the participation list --------------------------------------------------------------------------------


def _scenario() -> dict[str, Any]:
    """One worker of each case, in Kabupaten Tangerang, plus one in Kota Cilegon."""
    program, (inactive, dead, behind, fine), bill = _billed(4)
    _pay(bill, int(bill.amount), "R-MAR")  # March is paid in full here
    by_kpj = make_worker(DESA, kpj="KPJ-ONLY-1")
    outside = make_worker(DESA_OUTSIDE)
    return {
        "program": program,
        "inactive": inactive,
        "dead": dead,
        "behind": behind,
        "fine": fine,
        "by_kpj": by_kpj,
        "outside": outside,
        "bill": bill,
    }


def _list(s: dict[str, Any]) -> bytes:
    return _csv(
        f"{s['inactive'].nik};;nonaktif;2024-03;",
        f"{s['dead'].nik};;Meninggal Dunia;03/2024;10-05-2024",
        f"{s['behind'].nik};;AKTIF;2024-01;",
        f"{s['fine'].nik};{s['fine'].kpj};aktif;2024-06;",
        ";KPJ-ONLY-1;aktif;;",
        "3603019999990001;;aktif;2024-05;",
        f"{s['outside'].nik};;nonaktif;;",
    )


def test_reconcile_lists_each_kind_of_difference_within_the_region(kab_operator: Any) -> None:
    s = _scenario()
    result = bpjs.do_reconcile_participation(actor=kab_operator, source=_list(s), filename="kepesertaan.csv", on=ON)
    summary = result.as_dict()
    assert summary | {"run": 0} == {
        "filename": "kepesertaan.csv",
        "on": "2024-06-15",
        "rows": 7,
        "matched": 5,
        "outside_scope": 1,
        "not_registered": 1,
        "inactive_there": 1,
        "dead_there": 1,
        "paid_behind": 1,
        "differences": 4,
        "dry_run": False,
        "run": 0,
    }
    run = ReconcileRun.objects.get()
    assert summary["run"] == run.pk and run.region_code == "36.03" and run.created_by == kab_operator
    assert Path(run.stored_path).read_bytes() == _list(s)
    found = {(d.kind, d.row): d for d in run.differences.all()}
    assert set(found) == {("inactive_there", 2), ("dead_there", 3), ("paid_behind", 4), ("not_registered", 7)}
    assert found["inactive_there", 2].enrollment == Enrollment.objects.get(worker=s["inactive"])
    assert found["dead_there", 3].died_on == date(2024, 5, 10) and found["dead_there", 3].worker == s["dead"]
    behind, missing = found["paid_behind", 4], found["not_registered", 7]
    assert behind.paid_until == date(2024, 1, 1) and behind.paid_here == date(2024, 3, 1)
    assert missing.nik == "3603019999990001" and missing.region_code == "36.03.01" and missing.worker is None
    event = AuditEvent.objects.get(action="bpjs.reconcile")
    assert event.after["differences"] == 4 and event.region_code == "36.03"


def test_an_xlsx_list_with_date_cells_and_text_niks_reconciles_like_the_csv(kab_operator: Any) -> None:
    from openpyxl import Workbook

    s = _scenario()
    book = Workbook()
    sheet = book.active
    sheet.append(["No", "NIK", "KPJ", "STATUS PESERTA", "BLTH Terakhir", "Tgl Meninggal"])
    sheet.append([1, s["inactive"].nik, "", "NON AKTIF", "2024-03", None])
    sheet.append([2, s["dead"].nik, "", "Meninggal", date(2024, 3, 31), date(2024, 5, 10)])  # date cells
    sheet.append([3, s["behind"].nik, "", "Aktif", "Januari 2024", None])
    out = io.BytesIO()
    book.save(out)
    result = bpjs.do_reconcile_participation(actor=kab_operator, source=out.getvalue(), filename="k.xlsx", on=ON)
    assert (result.summary["inactive_there"], result.summary["dead_there"], result.summary["paid_behind"]) == (1, 1, 1)
    assert ReconcileDifference.objects.get(kind="dead_there").died_on == date(2024, 5, 10)


def test_a_person_listed_twice_under_two_kpj_counts_once_active_wins(kab_operator: Any) -> None:
    _, (worker,), _ = _billed(1)
    listed = _csv(f"{worker.nik};OLD-KPJ;nonaktif;2023-12;", f"{worker.nik};{worker.kpj};aktif;2024-05;")
    result = bpjs.do_reconcile_participation(actor=kab_operator, source=listed, filename="k.csv", on=ON)
    assert result.summary["matched"] == 1 and result.summary["differences"] == 0


def test_a_dry_run_counts_and_writes_nothing(kab_operator: Any) -> None:
    s = _scenario()
    result = bpjs.do_reconcile_participation(actor=kab_operator, source=_list(s), filename="k.csv", on=ON, dry_run=True)
    assert result.summary["differences"] == 4 and result.summary["run"] is None
    assert not ReconcileRun.objects.exists() and not ReconcileDifference.objects.exists()
    assert not AuditEvent.objects.filter(action="bpjs.reconcile").exists()


BAD_LAYOUTS = [
    ("no identity column", _csv("aktif", header="Nama;Status"), "nik", "no NIK and no KPJ column"),
    ("no status column", _csv("3603014507900001", header="NIK"), "status", "no status column"),
    ("unknown status word", _csv("3603014507900001;;aktif;;", "3603014507900002;;pensiun;;"), "status", "Row 3"),
    ("a NIK of 15 digits", _csv("360301450790000;;aktif;;"), "nik", "Row 2"),
    ("neither NIK nor KPJ", _csv(";;aktif;;"), "nik", "Row 2"),
    ("an unreadable month", _csv("3603014507900001;;aktif;bulan lalu;"), "paid_until", "Row 2"),
    ("a death in the future", _csv("3603014507900001;;meninggal;;01-01-2999"), "died_on", "Row 2"),
    ("active yet dead", _csv("3603014507900001;;aktif;;01-01-2024"), "status", "Row 2"),
]


@pytest.mark.parametrize(("case", "body", "field", "says"), BAD_LAYOUTS, ids=[c[0] for c in BAD_LAYOUTS])
def test_a_file_in_the_wrong_layout_is_refused_naming_the_column_or_row(
    kab_operator: Any, media: Path, case: str, body: bytes, field: str, says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        bpjs.do_reconcile_participation(actor=kab_operator, source=body, filename="salah.csv", on=ON)
    assert refused.value.details["field"] == field
    from django.utils.translation import override

    with override("en"):
        assert says in refused.value.render_message()
    assert not ReconcileRun.objects.exists() and not ReconcileDifference.objects.exists()
    assert not (media / "bpjs").exists() or not any((media / "bpjs").iterdir())


def test_many_bad_rows_are_counted_and_the_first_ones_named(kab_operator: Any) -> None:
    rows = [f"36030145079{n:05d};;pensiun;;" for n in range(25)]
    with pytest.raises(InvalidInput) as refused:
        bpjs.do_reconcile_participation(actor=kab_operator, source=_csv(*rows), filename="k.csv", on=ON)
    assert refused.value.details["count"] == 25 and refused.value.details["rows"].startswith("2, 3, 4")
    assert refused.value.details["rows"].endswith(", ...")


def test_a_failure_while_writing_leaves_no_run_and_no_file(
    kab_operator: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _scenario()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(bpjs, "insert_frame", broken)
    with pytest.raises(RuntimeError):
        bpjs.do_reconcile_participation(actor=kab_operator, source=_list(s), filename="k.csv", on=ON)
    assert not ReconcileRun.objects.exists()
    assert not any((media / "bpjs").iterdir())


@given(
    month=st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    form=st.sampled_from(["%Y-%m", "%m/%Y", "%Y%m", "%m%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m"]),
)
def test_a_paid_until_month_reads_the_same_in_every_form_people_write(month: date, form: str) -> None:
    import polars as pl

    frame = pl.DataFrame({"raw": [month.strftime(form)]})
    read = frame.select(bpjs._month_expr(pl.col("raw"))).item()
    assert read == month.replace(day=1)


# Follow-ups -----------------------------------------------------------------------------------------------------


def _run(actor: Any) -> tuple[dict[str, Any], dict[str, ReconcileDifference]]:
    s = _scenario()
    bpjs.do_reconcile_participation(actor=actor, source=_list(s), filename="kepesertaan.csv", on=ON)
    return s, {d.kind: d for d in ReconcileDifference.objects.all()}


def test_recording_the_death_of_a_worker_dead_at_bpjs(kab_operator: Any) -> None:
    s, found = _run(kab_operator)
    done = bpjs.do_follow_up(actor=kab_operator, difference=found["dead_there"], action="record_death")
    worker = Worker.objects.get(pk=s["dead"].pk)
    assert worker.status == "deceased" and worker.died_on == date(2024, 5, 10)
    assert done.resolution == "death_recorded" and done.resolved_by == kab_operator
    assert AuditEvent.objects.filter(action="worker.death", object_id=str(worker.pk)).exists()
    assert AuditEvent.objects.filter(action="bpjs.difference.death_recorded").exists()
    with pytest.raises(Conflict):
        bpjs.do_follow_up(actor=kab_operator, difference=done, action="review", note="lagi")


def test_a_death_without_a_date_asks_for_it_and_changes_nothing(kab_operator: Any) -> None:
    _, (worker,), _ = _billed(1)
    bpjs.do_reconcile_participation(
        actor=kab_operator, source=_csv(f"{worker.nik};;meninggal;;"), filename="k.csv", on=ON
    )
    difference = ReconcileDifference.objects.get(kind="dead_there")
    with pytest.raises(InvalidInput) as refused:
        bpjs.do_follow_up(actor=kab_operator, difference=difference, action="record_death")
    assert refused.value.details["field"] == "died_on"
    assert Worker.objects.get(pk=worker.pk).status == "active"
    difference.refresh_from_db()
    assert difference.resolution == "open"
    assert AuditEvent.objects.filter(action="bpjs.difference.refused").exists()
    bpjs.do_follow_up(actor=kab_operator, difference=difference, action="record_death", died_on=date(2024, 4, 2))
    assert Worker.objects.get(pk=worker.pk).died_on == date(2024, 4, 2)


def test_ending_the_enrollment_of_a_worker_inactive_at_bpjs_after_the_last_billed_month(kab_operator: Any) -> None:
    s, found = _run(kab_operator)
    bpjs.do_follow_up(actor=kab_operator, difference=found["inactive_there"], action="end_enrollment", note="NA")
    enrollment = Enrollment.objects.get(worker=s["inactive"])
    assert enrollment.status == "ended" and enrollment.last_month == date(2024, 3, 1)
    assert AuditEvent.objects.filter(action="enrollment.end", object_id=str(enrollment.pk)).exists()


def test_a_bpjs_officer_may_not_end_a_pemda_enrollment_and_nothing_changes(db: Any) -> None:
    officer = make_user("bpjs.officer", "bpjs_officer", "36.03")
    s, found = _run(officer)
    with pytest.raises(PermissionDenied):
        bpjs.do_follow_up(actor=officer, difference=found["inactive_there"], action="end_enrollment")
    assert Enrollment.objects.get(worker=s["inactive"]).status == "active"
    assert ReconcileDifference.objects.get(pk=found["inactive_there"].pk).resolution == "open"


def test_a_review_needs_a_note_and_a_follow_up_must_fit_the_kind(kab_operator: Any) -> None:
    _, found = _run(kab_operator)
    with pytest.raises(InvalidInput):
        bpjs.do_follow_up(actor=kab_operator, difference=found["paid_behind"], action="review", note="  ")
    with pytest.raises(Conflict):
        bpjs.do_follow_up(actor=kab_operator, difference=found["paid_behind"], action="record_death")
    done = bpjs.do_follow_up(
        actor=kab_operator, difference=found["paid_behind"], action="review", note="Kuitansi Maret dikirim ke KCP"
    )
    assert done.resolution == "reviewed" and done.note == "Kuitansi Maret dikirim ke KCP"


def test_differences_outside_the_region_are_neither_listed_nor_followed_up(db: Any) -> None:
    national = make_user("admin.bpjs", "system_admin")
    cilegon = make_user("op.cilegon", "regional_operator", "36.72")
    s, found = _run(national)
    assert ReconcileRun.objects.get().region_code == ""
    client = client_for(cilegon)
    assert client.get(f"/programs/bpjs/{found['dead_there'].run_id}/").status_code == 403
    assert client.get("/api/v1/bpjs/reconcile").json()["count"] == 0
    with pytest.raises(OutOfScope):
        bpjs.do_follow_up(actor=cilegon, difference=found["dead_there"], action="review", note="x")
    # The national run holds Cilegon's row too: its regional operator's own run sees only that one.
    bpjs.do_reconcile_participation(actor=cilegon, source=_list(s), filename="k.csv", on=ON)
    run = ReconcileRun.objects.get(region_code="36.72")
    assert run.summary["outside_scope"] == 6 and run.summary["inactive_there"] == 0


# Through every door ----------------------------------------------------------------------------------------------


def test_web_upload_shows_the_differences_and_follows_one_up(kab_operator: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = _scenario()
    client = client_for(kab_operator)
    upload = SimpleUploadedFile("kepesertaan.csv", _list(s))
    response = client.post("/programs/bpjs/", {"file": upload, "on": "2024-06-15"})
    run = ReconcileRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/programs/bpjs/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-dead_there">1<' in page and s["dead"].nik not in page
    assert "3603**********01" in page  # the unregistered NIK, masked
    dead = run.differences.get(kind="dead_there")
    done = client.post(
        f"/programs/bpjs/{run.pk}/",
        {"difference": dead.pk, "action": "record_death", "died_on": "2024-05-10", "confirmed": "1"},
    )
    assert done.status_code == 302
    assert Worker.objects.get(pk=s["dead"].pk).status == "deceased"
    bad = client.post("/programs/bpjs/", {"file": SimpleUploadedFile("x.csv", b"Nama;Status\nA;aktif\n")})
    assert bad.status_code == 422 and "NIK" in bad.content.decode()
    assert ReconcileRun.objects.count() == 1


def test_api_reconciles_lists_differences_and_resolves_one(kab_operator: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = _scenario()
    client = client_for(kab_operator)
    bad = client.post("/api/v1/bpjs/reconcile", {"file": SimpleUploadedFile("x.csv", _csv(";;aktif;;"))})
    assert bad.status_code == 422 and bad.json()["details"]["row"] == 2
    ok = client.post(
        "/api/v1/bpjs/reconcile", {"file": SimpleUploadedFile("k.csv", _list(s)), "on": "2024-06-15"}
    ).json()
    assert ok["differences"] == 4 and ok["dead_there"] == 1
    listed = client.get(f"/api/v1/bpjs/reconcile/{ok['run']}/differences?kind=inactive_there").json()
    assert listed["count"] == 1 and listed["items"][0]["nik"] == s["inactive"].masked_nik
    resolved = client.post(
        f"/api/v1/bpjs/differences/{listed['items'][0]['id']}/resolve",
        {"action": "end_enrollment"},
        content_type="application/json",
    )
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "enrollment_ended"
    again = client.post(
        f"/api/v1/bpjs/differences/{listed['items'][0]['id']}/resolve",
        {"action": "review", "note": "x"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert client.get(f"/api/v1/bpjs/reconcile/{ok['run']}").json()["summary"]["differences"] == 4


def test_cli_reconcile_prints_a_json_summary_and_refuses_a_wrong_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _scenario()
    listed = tmp_path / "kepesertaan.csv"
    listed.write_bytes(_list(s))
    assert main(["bpjs", "reconcile", str(listed), "--on", "2024-06-15", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["differences"] == 4 and summary["outside_scope"] == 0 and summary["run"]
    assert main(["bpjs", "differences", "--run", str(summary["run"]), "--kind", "paid_behind", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["nik"] == s["behind"].masked_nik
    review = ["--do", "review", "--note", "cek", "--format", "json"]
    assert main(["bpjs", "resolve", "--difference", str(row["id"]), *review]) == 0
    assert json.loads(capsys.readouterr().out)["resolution"] == "reviewed"
    wrong = tmp_path / "salah.csv"
    wrong.write_bytes(_csv("3603014507900001;;pensiun;;"))
    assert main(["bpjs", "reconcile", str(wrong), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().err)["details"]["field"] == "status"
    assert ReconcileRun.objects.count() == 1
