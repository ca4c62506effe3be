"""The rules engine through the API, the command line and the Simulasi page: same fields, same answers."""

from __future__ import annotations

import json
from datetime import date

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


# --- issue 16: the law in force at every door -------------------------------------------------------------------

DISCOUNTED = {
    "segment": "bpu",
    "date": "2026-06-01",
    "programs": "jkk,jkm",
    "income": "1000000",
    "funder": "mandiri",
    "occupation": "ojol",  # the word an import accepts
}


@pytest.mark.django_db
def test_the_discounted_quote_is_the_same_on_the_api_the_command_line_and_the_page(  # type: ignore[no-untyped-def]
    kab_operator, capsys: pytest.CaptureFixture[str]
) -> None:
    api = client_for(kab_operator).post("/api/v1/quote", data=DISCOUNTED, content_type="application/json").json()
    args = ["quote", "--segment", "bpu", "--date", "2026-06-01", "--income", "1000000", "--funder", "mandiri"]
    assert main([*args, "--occupation", "ojol", "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert api == cli
    assert cli["per_worker_monthly"]["total"] == 8_400 and cli["occupation"] == "ojek_pengemudi"
    assert cli["discounts"][0]["rule"] == "discount.pp50_2025_transport"
    assert cli["due_date"] == "2026-06-15" and cli["book"]
    page = client_for(kab_operator).post(
        "/simulasi/",
        {
            **DISCOUNTED,
            "form": "quote",
            "programs": ["jkk", "jkm"],
            "occupation": "ojek_pengemudi",
            "workers": "1",
            "months": "1",
        },
        headers={"HX-Request": "true"},
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Rp8.400" in html and "PP 50/2025" in html
    apbd = (
        client_for(kab_operator)
        .post("/api/v1/quote", data={**DISCOUNTED, "funder": "apbd"}, content_type="application/json")
        .json()
    )
    assert apbd["per_worker_monthly"]["total"] == 16_800 and apbd["discounts"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "named"),
    [({"funder": "pemda"}, "funder", "apbdes"), ({"occupation": "astronot"}, "occupation", "petani_pekebun")],
)
def test_unknown_funder_or_occupation_is_refused_naming_the_accepted_values(  # type: ignore[no-untyped-def]
    kab_operator, change: dict, field: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    response = client_for(kab_operator).post(
        "/api/v1/quote", data={**DISCOUNTED, **change}, content_type="application/json"
    )
    body = response.json()
    assert response.status_code == 422 and body["details"]["field"] == field and named in body["message"]
    flag, value = next(iter(change.items()))
    assert main(["quote", "--segment", "bpu", "--income", "1000000", f"--{flag}", value]) == 2
    assert named in capsys.readouterr().err


@pytest.mark.django_db
def test_pu_mandatory_programs_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["quote", "--segment", "pu", "--wage", "12000000", "--risk-group", "1", "--employer-size", "kecil"]
    assert main([*args, "--date", "2026-06-01", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["programs"] == ["jkk", "jkm", "jht"] and out["employer_size"] == "kecil"


@pytest.mark.django_db
def test_rules_command_lists_checks_and_diffs(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(["rules", "list", "--key", "pu.jp.wage_cap", "--date", "2026-06-01", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    [cap] = listed["keys"]
    assert [e["value"] for e in cap["entries"] if e["current"]] == ["11086300"]
    assert main(["rules", "diff", "--from", "2025-12-01", "--to", "2026-06-01"]) == 0
    assert "pu.jp.wage_cap: 10547400 -> 11086300" in capsys.readouterr().out
    good = tmp_path / "rules.toml"
    good.write_text(
        '[[entry]]\nkey = "pu.jp.wage_cap"\nvalue = "11650000"\neffective_from = 2027-03-01\n'
        'regulation = "BPJS letter (example)"\narticle = "Pasal 29(4)"\nstatus = "confirmed"\n',
        encoding="utf-8",
    )
    assert main(["rules", "check", "--file", str(good), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 1
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace('"11650000"', '"-1"'), encoding="utf-8")
    assert main(["rules", "check", "--file", str(bad)]) == 2
    assert "negative" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_public_rule_book_page_and_api_need_no_login() -> None:
    client = Client()
    page = client.get("/aturan/?on=2026-06-01&start=2025-12-01&end=2026-06-01")
    html = page.content.decode()
    assert page.status_code == 200 and "PP 50/2025" in html and "11086300" in html
    assert 'data-testid="diff"' in html
    api = client.get("/api/v1/rules?on=2026-06-01").json()
    assert any(k["key"] == "discount.pp50_2025_other" for k in api["keys"])
    diff = client.get("/api/v1/rules/diff?from=2025-12-01&to=2026-06-01").json()
    assert {c["key"] for c in diff["changes"]} >= {"pu.jp.wage_cap", "discount.pp50_2025_other"}
    assert client.get("/api/v1/rules/diff?from=kemarin&to=2026-06-01").status_code == 400


@pytest.mark.django_db
def test_a_site_rule_file_is_loaded_once_with_an_audit_event_and_a_refused_one_is_said(  # type: ignore[no-untyped-def]
    tmp_path, settings
) -> None:
    from paritrana.calculator.apps import audit_rule_load
    from paritrana.core.models import AuditEvent
    from paritrana.rules import book, quote

    site = tmp_path / "rules.toml"
    book.configure(site, on_load=audit_rule_load)
    try:
        site.write_text(
            '[[entry]]\nkey = "pu.jp.wage_cap"\nvalue = "11650000"\neffective_from = 2027-03-01\n'
            'regulation = "BPJS letter (example)"\narticle = "Pasal 29(4)"\nstatus = "confirmed"\n',
            encoding="utf-8",
        )
        quote(segment="pu", on=date(2027, 3, 1), programs=["jp"], wage=1)
        quote(segment="pu", on=date(2027, 3, 1), programs=["jp"], wage=1)
        loads = AuditEvent.objects.filter(action="rules.site.load")
        assert loads.count() == 1 and loads.get().after["entries"] == 1
        site.write_text("[[entry]]\nkey = 1\n", encoding="utf-8")
        health = Client().get("/healthz").json()
        assert health["rules"]["site_file"] == "refused" and "refused" in health["rules"]["warnings"][0]
        assert AuditEvent.objects.filter(action="rules.site.refuse").count() == 1
        assert (
            quote(segment="pu", on=date(2027, 3, 1), programs=["jp"], wage=20_000_000).per_worker_monthly["jp"]
            == 332_589
        )  # the packaged 2026 cap, carried forward
    finally:
        book.configure(None)
