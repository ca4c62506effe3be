"""The follow-up pages, API and command line drive the same actions: a refusal answers with its reason and field,
a success with its figures; the minutes print as an Indonesian PDF, the follow-ups and schedules as workbooks."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from paritrana.cli import main
from paritrana.core.permissions import SYSTEM
from paritrana.followup import actions, queries, reports
from paritrana.followup.models import Finding, ScholarshipYear, Session
from tests.conftest import client_for
from tests.factories import make_program, make_user
from tests.followup.factories import ATTENDEES, make_child, make_death_claim, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer() -> Any:
    return make_user("bpjs.cikupa", "bpjs_officer", "36.03")


def _session_with_findings() -> Session:
    make_program("36.03", fiscal_year=2025, pagu=1_500_000_000, name="Perlindungan Petani")
    session = make_session(summary="Serapan rendah di triwulan III.")
    actions.do_add_finding(
        actor=SYSTEM,
        session=session,
        text="Serapan baru 31% pada bulan September",
        recommendation="Percepat pembayaran tagihan",
        owner="Disnaker",
        due_date=date(2025, 10, 31),
    )
    dropped = actions.do_add_finding(
        actor=SYSTEM, session=session, text="Data ganda", owner="Dinsos", due_date=date(2025, 10, 1)
    )
    actions.do_change_finding_status(actor=SYSTEM, finding=dropped, status="dropped", drop_reason="Sudah diperbaiki")
    return session


# API ------------------------------------------------------------------------------------------------------------


def test_api_records_a_session_and_refuses_one_outside_the_scope(kab_operator: Any) -> None:
    client = client_for(kab_operator)
    body = {
        "kind": "asistensi",
        "held_on": "2025-09-15",
        "place": "Aula Disnaker",
        "bpjs_office": "KCP Cikupa",
        "region_code": "36.03",
        "fiscal_year": 2025,
        "attendees": ATTENDEES,
    }
    created = client.post("/api/v1/sessions", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["snapshot"]["totals"]["programs"] == 0
    assert [a["name"] for a in created.json()["attendees"]] == [a["name"] for a in ATTENDEES]
    refused = client.post("/api/v1/sessions", {**body, "region_code": "36.72"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "out_of_scope"
    assert Session.objects.count() == 1


def test_api_refuses_a_follow_up_without_owner_or_due_date(officer: Any) -> None:
    session = make_session()
    client = client_for(officer)
    for body, field in (
        ({"text": "Belum ada pos anggaran", "due_date": "2025-12-01"}, "owner"),
        ({"text": "Belum ada pos anggaran", "owner": "BPKAD"}, "due_date"),
    ):
        response = client.post(f"/api/v1/sessions/{session.pk}/findings", body, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["details"]["field"] == field
    assert Finding.objects.count() == 0
    ok = client.post(
        f"/api/v1/sessions/{session.pk}/findings",
        {"text": "Belum ada pos anggaran", "owner": "BPKAD", "due_date": "2025-12-01"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["overdue"] is True
    finding_id = ok.json()["id"]
    status = client.post(
        f"/api/v1/findings/{finding_id}/status", {"status": "dropped"}, content_type="application/json"
    )
    assert status.status_code == 422 and status.json()["details"]["field"] == "drop_reason"
    done = client.post(f"/api/v1/findings/{finding_id}/status", {"status": "done"}, content_type="application/json")
    assert done.json()["status"] == "done"
    detail = client.get(f"/api/v1/findings/{finding_id}").json()
    assert [h["status"] for h in detail["history"]] == ["open", "done"]


def test_api_minutes_in_three_formats(officer: Any) -> None:
    session = _session_with_findings()
    client = client_for(officer)
    data = client.get(f"/api/v1/sessions/{session.pk}/minutes").json()
    assert data["snapshot"]["totals"]["pagu"] == 1_500_000_000 and len(data["findings"]) == 2
    pdf = client.get(f"/api/v1/sessions/{session.pk}/minutes?format=pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    xlsx = client.get(f"/api/v1/sessions/{session.pk}/minutes?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(f"/api/v1/sessions/{session.pk}/minutes?format=doc").status_code == 400


def test_api_heirs_schedule_and_disbursement_twice(officer: Any) -> None:
    claim = make_death_claim()
    client = client_for(officer)
    heir = client.post(
        f"/api/v1/claims/{claim.pk}/heirs",
        {"name": "Dewi", "relation": "child", "birth_date": "2015-01-01", "nik": "3603014101150001"},
        content_type="application/json",
    )
    assert heir.status_code == 201 and heir.json()["nik"] == "3603**********01"
    child = client.post(
        f"/api/v1/claims/{claim.pk}/heirs/{heir.json()['id']}/scholarship", {}, content_type="application/json"
    )
    assert child.status_code == 201, child.content
    child_id = child.json()["id"]
    schedule = client.get(f"/api/v1/claims/{claim.pk}/scholarships").json()
    assert schedule[0]["schedule"]["cap"] == 87_000_000 and schedule[0]["years"][0]["school_year"] == "2025/2026"
    body = {"school_year": "2025/2026", "disbursed_on": "2025-10-01", "reference": "BSW-1"}
    first = client.post(f"/api/v1/scholarships/{child_id}/disbursements", body, content_type="application/json")
    assert first.status_code == 201 and first.json()["amount"] == 1_500_000
    again = client.post(f"/api/v1/scholarships/{child_id}/disbursements", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["details"]["field"] == "school_year"
    assert ScholarshipYear.objects.count() == 1
    late = client.post(
        f"/api/v1/scholarships/{child_id}/disbursements",
        {**body, "school_year": "2040/2041"},
        content_type="application/json",
    )
    assert late.status_code == 422 and late.json()["details"]["date"] == "2038-01-01"  # the 23rd birthday
    assert "2038-01-01" in late.json()["message"]
    xlsx = client.get(f"/api/v1/claims/{claim.pk}/scholarships?format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))["Jadwal"]
    assert sheet["A4"].value == "Anak" and sheet["B5"].value == "2025/2026" and sheet["F5"].value == 1_500_000


def test_api_refuses_heirs_on_a_claim_that_is_not_a_death(officer: Any) -> None:
    claim = make_death_claim(kind="jkk")
    response = client_for(officer).post(
        f"/api/v1/claims/{claim.pk}/heirs",
        {"name": "Dewi", "relation": "child", "birth_date": "2015-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["details"]["field"] == "claim"


def test_api_referral_and_outcome(kab_operator: Any) -> None:
    claim = make_death_claim()
    heir = actions.do_add_heir(actor=SYSTEM, claim=claim, name="Siti", relation="spouse", birth_date=date(1990, 1, 1))
    client = client_for(kab_operator)
    made = client.post(
        "/api/v1/referrals",
        {"heir_id": heir.pk, "course": "BLK Tangerang: tata boga", "provider": "UPTD BLK", "referred_on": "2025-09-01"},
        content_type="application/json",
    )
    assert made.status_code == 201
    changed = client.patch(
        f"/api/v1/referrals/{made.json()['id']}", {"outcome": "completed"}, content_type="application/json"
    )
    assert changed.json()["outcome"] == "completed"
    assert client.get("/api/v1/referrals?outcome=completed").json()["count"] == 1


def test_api_indicators(officer: Any) -> None:
    make_session()
    rows = client_for(officer).get("/api/v1/followup/indicators?year=2025").json()
    assert rows[0]["region_code"] == "36.03" and rows[0]["sessions_held"] == 1


# Documents ------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_the_minutes_pdf_opens_and_shows_the_heading(tmp_path: Path) -> None:
    session = _session_with_findings()
    path = tmp_path / "ba.pdf"
    path.write_bytes(reports.minutes_pdf(queries.minutes(session)))
    pdftotext = shutil.which("pdftotext") or "pdftotext"
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "BERITA ACARA MONITORING DAN EVALUASI" in text
    assert "Budi Santoso" in text and "Perlindungan Petani" in text
    assert "Serapan baru 31% pada bulan September" in text and "Sudah diperbaiki" in text
    assert "15 Sep 2025" in text  # dates one way per language (issue 21 §1)
    assert "Halaman 1 dari" in text


def test_the_minutes_pdf_renders_with_no_program_and_no_finding() -> None:
    session = make_session()
    html = reports.minutes_html(queries.minutes(session))
    assert "Tidak ada temuan" in html and "Tidak ada program" in html


def test_open_follow_ups_per_region_workbook(officer: Any) -> None:
    _session_with_findings()
    actions.do_add_finding(
        actor=SYSTEM,
        session=make_session("36.72"),
        text='=HYPERLINK("x")',
        owner="Disnaker Cilegon",
        due_date=date(2025, 10, 1),
    )
    body = client_for(make_user("admin.n", "system_admin")).get("/followup/followups/?format=xlsx").content
    book = load_workbook(io.BytesIO(body))
    summary = book["Per wilayah"]
    assert [summary.cell(row=r, column=1).value for r in (5, 6)] == ["36.03", "36.72"]
    assert summary["C5"].value == 1 and summary["D5"].value == 1  # one open (one dropped), overdue
    rows = book["Tindak lanjut"]
    assert rows["E6"].value == '\'=HYPERLINK("x")'  # typed text never runs as a formula
    scoped = load_workbook(io.BytesIO(client_for(officer).get("/followup/followups/?format=xlsx").content))
    assert scoped["Per wilayah"].max_row == 5


# Pages ----------------------------------------------------------------------------------------------------------


def test_session_pages_record_and_show_the_snapshot(kab_operator: Any) -> None:
    make_program("36.03", fiscal_year=2025, pagu=2_000_000, name="Program Nelayan")
    client = client_for(kab_operator)
    page = client.post(
        "/followup/",
        {
            "form": "session",
            "kind": "monev",
            "held_on": "2025-09-15",
            "place": "Aula",
            "bpjs_office": "KCP Cikupa",
            "region_code": "36.03",
            "fiscal_year": 2025,
            "attendees": "Budi; Disnaker; Kabid\nSri; BPKAD; Analis",
        },
    )
    session = Session.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/followup/{session.pk}/"
    assert session.attendees.count() == 2
    detail = client.get(f"/followup/{session.pk}/").content.decode()
    assert "Program Nelayan" in detail and "Rp2.000.000" in detail
    refused = client.post(
        f"/followup/{session.pk}/", {"form": "finding", "f-text": "Tanpa pemilik", "f-due_date": "2025-12-01"}
    )
    assert refused.status_code == 422 and 'data-testid="error"' in refused.content.decode()
    assert client.get(f"/followup/{session.pk}/minutes.pdf").content[:4] == b"%PDF"


def test_overdue_follow_ups_appear_on_the_dashboard_of_their_owner(kab_operator: Any) -> None:
    session = make_session()
    actions.do_add_finding(
        actor=SYSTEM,
        session=session,
        text="APBD 2026 belum memuat iuran BPU",
        owner="Disnaker",
        owner_user=kab_operator,
        due_date=date(2025, 10, 1),
    )
    home = client_for(kab_operator).get("/").content.decode()
    assert 'data-testid="overdue-followups"' in home and "APBD 2026 belum memuat iuran BPU" in home
    outside = client_for(make_user("op.cilegon", "regional_operator", "36.72")).get("/").content.decode()
    assert "APBD 2026" not in outside


def test_claim_page_flags_missing_years_and_records_a_disbursement(officer: Any) -> None:
    claim = make_death_claim(event_date=date(2023, 8, 1))
    child = make_child(claim, date(2013, 1, 1), "Dewi")
    client = client_for(officer)
    page = client.get(f"/followup/claims/{claim.pk}/").content.decode()
    assert 'data-testid="flagged-year"' in page and "2023/2024" in page
    posted = client.post(
        f"/followup/claims/{claim.pk}/",
        {
            "form": "pay",
            "d-child": child.pk,
            "d-school_year": "2023/2024",
            "d-disbursed_on": "2023-11-01",
            "d-reference": "R",
        },
    )
    assert posted.status_code == 302
    twice = client.post(
        f"/followup/claims/{claim.pk}/",
        {
            "form": "pay",
            "d-child": child.pk,
            "d-school_year": "2023/2024",
            "d-disbursed_on": "2023-11-02",
            "d-reference": "S",
        },
    )
    assert (
        twice.status_code == 422 and "already recorded" in twice.content.decode() or "sudah" in twice.content.decode()
    )
    assert "Dewi" in client.get("/").content.decode()  # a missed year on the officer's dashboard
    listing = client.get("/followup/claims/").content.decode()
    assert f"/followup/claims/{claim.pk}/" in listing


# Command line ---------------------------------------------------------------------------------------------------


def test_cli_sessions_list_show_and_minutes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    session = _session_with_findings()
    assert main(["sessions", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == session.pk and rows[0]["findings"] == 2 and rows[0]["open"] == 1
    assert main(["sessions", "show", "--session", str(session.pk), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["place"] == "Aula Disnaker, Tigaraksa"
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        out = tmp_path / f"ba.{fmt}"
        assert main(["sessions", "minutes", "--session", str(session.pk), "--format", fmt, "--output", str(out)]) == 0
        assert out.read_bytes()[: len(magic)] == magic
    assert main(["sessions", "minutes", "--session", str(session.pk), "--format", "table"]) == 2
    assert main(["sessions", "minutes", "--session", "999999", "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().err.splitlines()[-1])["code"] == "not_found"


def test_cli_sessions_followups_and_indicators(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _session_with_findings()
    assert main(["sessions", "followups", "--format", "json"]) == 0
    assert [r["owner"] for r in json.loads(capsys.readouterr().out)] == ["Disnaker"]
    out = tmp_path / "ind.csv"
    args = ["sessions", "indicators", "--year", "2025", "--criterion", "sessions_held=C1", "--format", "csv"]
    assert main([*args, "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["region_code,criterion,value", "36.03,C1,1"]


def test_cli_heirs_schedule_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    claim = make_death_claim()
    make_child(claim, date(2021, 3, 1))
    assert main(["heirs", "schedule", "--claim", str(claim.pk), "--format", "json"]) == 0
    children = json.loads(capsys.readouterr().out)
    assert children[0]["schedule"]["total"] == 87_000_000 and len(children[0]["years"]) == 19
    assert main(["heirs", "schedule", "--claim", str(claim.pk), "--user", "nobody", "--format", "json"]) == 2


def test_claim_page_adds_heirs_flags_a_child_and_refers_to_training(officer: Any) -> None:
    claim = make_death_claim()
    client = client_for(officer)
    added = client.post(
        f"/followup/claims/{claim.pk}/",
        {"form": "heir", "h-name": "Dewi", "h-relation": "child", "h-birth_date": "2015-01-01"},
    )
    assert added.status_code == 302
    heir = claim.heir_records.get()
    page = client.get(f"/followup/claims/{claim.pk}/").content.decode()
    assert 'data-testid="child-form"' in page
    flagged = client.post(
        f"/followup/claims/{claim.pk}/", {"form": "child", "c-heir": heir.pk, "c-level": "", "c-grade": "1"}
    )
    assert flagged.status_code == 302 and claim.scholarship_children.count() == 1
    ended = client.post(
        f"/followup/claims/{claim.pk}/",
        {"form": "end", "e-child": claim.scholarship_children.get().pk, "e-working_since": "2025-09-01"},
    )
    assert ended.status_code == 302
    assert claim.scholarship_children.get().working_since == date(2025, 9, 1)
    referred = client.post(
        f"/followup/claims/{claim.pk}/",
        {
            "form": "refer",
            "r-heir": heir.pk,
            "r-course": "BLK",
            "r-provider": "UPTD BLK",
            "r-referred_on": "2025-09-01",
        },
    )
    assert referred.status_code == 302
    referral = heir.referrals.get()
    outcome = client.post("/followup/referrals/", {"form": "outcome", "referral": referral.pk, "outcome": "employed"})
    assert outcome.status_code == 302
    referral.refresh_from_db()
    assert referral.outcome == "employed"
    assert "BLK" in client.get("/followup/referrals/").content.decode()


def test_a_regional_operator_reads_the_claim_page_but_cannot_record_heirs(kab_operator: Any) -> None:
    claim = make_death_claim()
    client = client_for(kab_operator)
    assert client.get(f"/followup/claims/{claim.pk}/").status_code == 200
    refused = client.post(
        f"/followup/claims/{claim.pk}/",
        {"form": "heir", "h-name": "Dewi", "h-relation": "child", "h-birth_date": "2015-01-01"},
    )
    assert refused.status_code == 403 and claim.heir_records.count() == 0


def test_the_history_on_the_session_page_speaks_in_labels_not_codes(officer: Any) -> None:
    session = make_session()
    finding = actions.do_add_finding(
        actor=SYSTEM, session=session, text="Serapan rendah", owner="Disnaker", due_date=date(2025, 10, 31)
    )
    finding = actions.do_change_finding_status(actor=officer, finding=finding, status="in_progress")
    actions.do_update_finding(actor=officer, finding=finding, due_date=date(2025, 12, 15))
    page = client_for(officer).get(f"/followup/{session.pk}/").content.decode()
    history = page[page.index("<details><summary>Riwayat") :]
    history = history[: history.index("</details>")]
    assert "in_progress" not in history and "due_date" not in history
    assert "Terbuka → Sedang berjalan" in history


def test_a_date_a_colleague_recorded_since_the_claim_page_opened_is_not_overwritten(officer: Any) -> None:
    import html
    import json
    import re

    from paritrana.followup import actions as followup_actions
    from tests.followup.factories import make_child

    claim = make_death_claim()
    child = make_child(claim, born=date(2010, 3, 1))
    client = client_for(officer)
    page = client.get(f"/followup/claims/{claim.pk}/").content.decode()
    found = re.search(r"name=\"e-shown\" value='([^']*)'", page)
    assert found is not None
    shown = html.unescape(found.group(1))
    assert json.loads(shown) == {"married_on": "", "working_since": ""}
    followup_actions.do_update_scholarship_child(actor=officer, child=child, married_on=date(2025, 6, 1))
    stale = {"form": "end", "e-child": child.pk, "e-married_on": "2025-08-17", "e-shown": shown}
    refused = client.post(f"/followup/claims/{claim.pk}/", stale)
    assert refused.status_code == 422 and "2025-06-01" in refused.content.decode()
    child.refresh_from_db()
    assert child.married_on == date(2025, 6, 1)
    # Sending the date already recorded is harmless; a fresh page may change it.
    assert client.post(f"/followup/claims/{claim.pk}/", {**stale, "e-married_on": "2025-06-01"}).status_code == 302
    fresh = json.dumps({"married_on": "2025-06-01", "working_since": ""})
    assert client.post(f"/followup/claims/{claim.pk}/", {**stale, "e-shown": fresh}).status_code == 302
    child.refresh_from_db()
    assert child.married_on == date(2025, 8, 17)
    api = client.patch(
        f"/api/v1/scholarships/{child.pk}",
        {"married_on": "2025-09-01", "expected": {"married_on": "2025-06-01"}},
        content_type="application/json",
    )
    assert api.status_code == 409 and api.json()["details"]["field"] == "married_on"
