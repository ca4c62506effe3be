"""The JKK benefit kinds added in issue 16 (STMB, transport, home care) through the API and the command line."""

from __future__ import annotations

import json

import pytest

from paritrana.cli import main
from tests.conftest import client_for

CASES = [
    ("jkk-stmb", {"wage": 5000000, "months_unable": 20}, ["--wage", "5000000", "--months-unable", "20"], 80_000_000),
    (
        "jkk-transport",
        {"land_cost": 7000000, "sea_cost": "1.000.000", "air_cost": 12000000},
        ["--land-cost", "7000000", "--sea-cost", "1.000.000", "--air-cost", "12000000"],
        16_000_000,
    ),
    (
        "jkk-home-care",
        {"home_care_cost": 25000000, "home_care_months": 12},
        ["--home-care-cost", "25000000", "--home-care-months", "12"],
        20_000_000,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "body", "flags", "total"), CASES)
def test_new_jkk_kinds_give_the_same_answer_through_api_and_command_line(  # type: ignore[no-untyped-def]
    kab_operator, capsys: pytest.CaptureFixture[str], kind: str, body: dict, flags: list[str], total: int
) -> None:
    response = client_for(kab_operator).post(
        f"/api/v1/benefits/{kind}", data={"date": "2024-01-01", **body}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    api = response.json()
    assert main(["benefit", kind, *flags, "--date", "2024-01-01", "--format", "json"]) == 0
    assert api == json.loads(capsys.readouterr().out)
    assert api["total"] == total


@pytest.mark.django_db
def test_a_home_care_beyond_a_year_is_refused_by_the_api_naming_the_field(kab_operator) -> None:  # type: ignore[no-untyped-def]
    response = client_for(kab_operator).post(
        "/api/v1/benefits/jkk-home-care",
        data={"date": "2024-01-01", "home_care_cost": 1000000, "home_care_months": 13},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "home_care_months"
