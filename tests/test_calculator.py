"""The rules engine through the API, the command line and the Simulasi page: same fields, same answers."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from paritrana.cli import main
from tests.conftest import client_for

QUOTE = {
    "segment": "bpu",
    "date": "2024-01-01",
    "programs": ["jkk", "jkm"],
    "months": 12,
    "workers": 116000,
    "income": 1000000,
}


@pytest.mark.django_db
def test_quote_through_the_api_equals_the_command_line(kab_operator, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    api = client_for(kab_operator).post("/api/v1/quote", data=QUOTE, content_type="application/json").json()
    assert (
        main(
            [
                "quote",
                "--segment",
                "bpu",
                "--income",
                "1000000",
                "--programs",
                "jkk,jkm",
                "--months",
                "12",
                "--workers",
                "116000",
                "--date",
                "2024-01-01",
                "--format",
                "json",
            ]
        )
        == 0
    )
    cli = json.loads(capsys.readouterr().out)
    assert api == cli
    assert cli["per_worker_monthly"] == {"jkk": 10000, "jkm": 6800, "total": 16800}
    assert cli["total"] == 23_385_600_000
    assert set(cli) >= {"per_worker_monthly", "total", "payers", "citations"}


@pytest.mark.django_db
def test_pu_quote_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "quote",
                "--segment",
                "pu",
                "--wage",
                "5000000",
                "--risk-group",
                "2",
                "--programs",
                "jkk,jkm,jht,jp",
                "--date",
                "2024-06-01",
                "--format",
                "json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["payers"] == {"employer": 27_000 + 15_000 + 185_000 + 100_000, "worker": 100_000 + 50_000}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"income": 999_999}, 422, "income"),
        ({"income": 1_000_000.5}, 422, "income"),
        ({"income": "1.5"}, 422, "income"),
        ({"segment": "abc"}, 422, "segment"),
        ({"programs": "jkk,jp"}, 422, "programs"),
        ({"date": "2015-01-01"}, 422, None),
        ({"date": "kemarin"}, 422, "date"),
    ],
)
def test_bad_quotes_get_the_error_body(kab_operator, change: dict, status: int, field: str | None) -> None:  # type: ignore[no-untyped-def, type-arg]
    response = client_for(kab_operator).post("/api/v1/quote", data={**QUOTE, **change}, content_type="application/json")
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    if field:
        assert field in str(body["details"].get("field")) + body["message"]


@pytest.mark.django_db
def test_benefit_through_the_api_and_the_command_line(kab_operator, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    api = (
        client_for(kab_operator)
        .post(
            "/api/v1/benefits/jkk-death", data={"date": "2024-01-01", "wage": 5000000}, content_type="application/json"
        )
        .json()
    )
    assert main(["benefit", "jkk-death", "--wage", "5000000", "--date", "2024-01-01", "--format", "json"]) == 0
    assert api == json.loads(capsys.readouterr().out)
    assert api["total"] == 240_000_000 + 10_000_000 + 12_000_000
    assert (
        main(
            [
                "benefit",
                "beasiswa",
                "--children",
                "sd,smp",
                "--contribution-years",
                "4",
                "--date",
                "2024-01-01",
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["total"] == 84_000_000 + 75_000_000


@pytest.mark.django_db
def test_command_line_errors_name_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quote", "--segment", "bpu", "--income", "500000", "--format", "json"]) == 2
    err = json.loads(capsys.readouterr().err)
    assert err["code"] == "out_of_range" and err["details"]["field"] == "income"
    assert main(["quote", "--segment", "bpu", "--income", "500000", "--clamp", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["clamped"] is True


@pytest.mark.django_db
def test_simulasi_page_answers_with_htmx(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    assert "Simulasi" in client.get("/simulasi/").content.decode()
    form = {
        "form": "quote",
        "segment": "bpu",
        "date": "2024-01-01",
        "programs": ["jkk", "jkm"],
        "income": "1.000.000",
        "workers": "116000",
        "months": "12",
    }
    partial = client.post("/simulasi/", form, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html
    assert "Rp23.385.600.000" in html and "Rp16.800" in html
    bad = client.post("/simulasi/", {**form, "income": "500000"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "1000000" in bad.content.decode()


def test_quote_needs_a_login() -> None:
    assert Client().post("/api/v1/quote", data=QUOTE, content_type="application/json").status_code == 401
