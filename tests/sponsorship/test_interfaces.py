"""The sponsorship pages, API and command line drive the same actions: a refusal shows its reason, a success
shows its figures."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from paritrana.cli import main
from paritrana.core.permissions import SYSTEM
from paritrana.sponsorship.actions import do_enroll
from paritrana.sponsorship.models import Bill, Enrollment
from tests.conftest import client_for
from tests.factories import make_program, make_worker

pytestmark = pytest.mark.django_db
DESA = "36.03.01.2003"


def test_enrolling_beyond_pagu_through_the_api_answers_409_with_what_remains(kab_operator: Any) -> None:
    program = make_program(pagu=12 * 16_800)
    workers = [make_worker(DESA), make_worker(DESA)]
    response = client_for(kab_operator).post(
        f"/api/v1/programs/{program.pk}/enrollments",
        {"worker_ids": [w.pk for w in workers]},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and body["details"]["remaining"] == 201_600 and body["details"]["workers"] == 1
    assert Enrollment.objects.count() == 0


def test_program_page_enrolls_by_eligibility_and_names_the_refused(kab_operator: Any) -> None:
    program = make_program(occupations=["nelayan"])
    make_worker(DESA, occupation="nelayan")
    page = client_for(kab_operator).post(
        f"/programs/{program.pk}/", {"form": "enroll", "e-how": "filter", "e-mode": "valid-only"}
    )
    assert page.status_code == 200
    assert Enrollment.objects.filter(program=program).count() == 1
    assert 'data-testid="enroll-result"' in page.content.decode()


def test_monev_page_and_downloads(kab_operator: Any) -> None:
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA)])
    client = client_for(kab_operator)
    assert program.name in client.get("/programs/monev/?fiscal_year=2024").content.decode()
    xlsx = client.get("/programs/monev/?fiscal_year=2024&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get("/programs/monev/?fiscal_year=2024&format=pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"


def test_cli_billing_run_is_idempotent_and_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA) for _ in range(3)])
    assert main(["billing", "run", "--month", "2024-05", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["workers"] == 3 and first["amount"] == 3 * 16_800
    assert main(["billing", "run", "--month", "2024-05", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["already_billed"] == [f"TAG-{program.pk:05d}-202405"]
    assert Bill.objects.get().month == date(2024, 5, 1)


def test_cli_plan_answers_the_articles_budget(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--budget", "23385600000", "--months", "12", "--date", "2024-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["workers"] == 116_000


def test_planner_page_allocates_across_desa(kab_operator: Any) -> None:
    for _ in range(3):
        make_worker(DESA, poverty_decile=1)
    page = client_for(kab_operator).get(
        "/programs/plan/",
        {"budget": "604800", "months": 12, "package": "jkk,jkm", "on": "2024-01-01", "region": "36.03", "minimum": 2},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="allocation"' in text and DESA in text


def test_dashboard_alerts_lapsed_bills_and_monev_shows_benefits_against_premiums(kab_operator: Any) -> None:
    from paritrana.sponsorship.actions import do_record_claim, do_record_payment, do_run_billing

    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA) for _ in range(2)])
    march, april = (do_run_billing(actor=SYSTEM, month=date(2024, m, 1)).bills[0] for m in (3, 4))
    do_record_payment(actor=SYSTEM, bill_number=march.number, reference="R", paid_on=date(2024, 4, 1), amount=33_600)
    worker = Enrollment.objects.first().worker  # type: ignore[union-attr]
    do_record_claim(actor=SYSTEM, worker=worker, kind="jkm", event_date=date(2024, 3, 9), amount_paid=42_000_000)
    client = client_for(kab_operator)
    home = client.get("/").content.decode()
    assert 'data-testid="lapses"' in home and april.number in home and march.number not in home
    monev = client.get("/api/v1/monev?fiscal_year=2024").json()
    assert monev["totals"]["paid"] == 33_600 and monev["totals"]["benefits_paid"] == 42_000_000
    cilegon = client_for(make_user_in("36.72"))
    assert 'data-testid="lapses"' not in cilegon.get("/").content.decode()  # another region's bills stay there


def make_user_in(region: str) -> Any:
    from tests.factories import make_user

    return make_user(f"op.{region}", "regional_operator", region)


def test_worker_page_and_api_show_coverage_month_by_month(kab_operator: Any) -> None:
    from paritrana.sponsorship.actions import do_record_payment, do_run_billing

    program = make_program()
    worker = make_worker(DESA)
    do_enroll(
        actor=SYSTEM, program=program, workers=[worker], first_month=date(2024, 3, 1), last_month=date(2024, 5, 1)
    )
    march = do_run_billing(actor=SYSTEM, month=date(2024, 3, 1)).bills[0]
    do_run_billing(actor=SYSTEM, month=date(2024, 4, 1))
    do_record_payment(actor=SYSTEM, bill_number=march.number, reference="R", paid_on=date(2024, 3, 10), amount=16_800)
    client = client_for(kab_operator)
    months = client.get(f"/api/v1/workers/{worker.pk}/coverage").json()
    assert [(m["month"], m["status"]) for m in months] == [
        ("2024-03-01", "active"),
        ("2024-04-01", "lapsed"),
        ("2024-05-01", "not_billed"),
    ]
    page = client.get(f"/workers/{worker.pk}/").content.decode()
    assert 'data-status="lapsed"' in page and program.name in page


def test_ending_an_enrollment_through_the_api_and_the_page_returns_months_to_the_pagu(kab_operator: Any) -> None:
    program = make_program()
    first, second = make_worker(DESA), make_worker(DESA)
    do_enroll(actor=SYSTEM, program=program, workers=[first, second])
    one, two = Enrollment.objects.order_by("pk")
    client = client_for(kab_operator)
    response = client.post(
        f"/api/v1/enrollments/{one.pk}/end", {"last_month": "2024-06-15"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["cost"] == 6 * 16_800
    page = client.post(
        f"/programs/{program.pk}/", {"form": "end", "enrollment": two.pk, "last_month": "2024-03", "confirmed": "1"}
    )
    assert page.status_code == 302
    program.refresh_from_db()
    assert program.committed == 9 * 16_800
    again = client.post(f"/programs/{program.pk}/", {"form": "end", "enrollment": two.pk, "last_month": "2024-09"})
    assert again.status_code == 422  # it already ends in March


def test_plan_api_allocates_across_the_desa_of_a_region(kab_operator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(4):
        make_worker(DESA, poverty_decile=1)
    body = {"budget": 3 * 201_600, "date": "2024-01-01", "region": "36.03", "minimum": 2}
    plan = client_for(kab_operator).post("/api/v1/plan", body, content_type="application/json").json()
    assert plan["workers"] == 3 and plan["allocation"]["workers"] == 3
    assert (
        main(
            [
                "plan",
                "--budget",
                "403200",
                "--date",
                "2024-01",
                "--region",
                "36.03",
                "--minimum",
                "3",
                "--format",
                "json",
            ]
        )
        == 0
    )
    allocation = json.loads(capsys.readouterr().out)["allocation"]
    assert allocation["workers"] == 0  # two affordable, below the minimum of three: no desa is funded
