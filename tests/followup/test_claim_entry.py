"""A claim as an officer enters it: the worker found by NIK or by a name search inside the officer's scope, the heirs
of a death as rows registered in the same transaction as the claim (on the heirs page and in the scholarship
schedule at once), a bad heir row that writes nothing at all, the claims list linking to the claim page, and one
Klaim menu. Through the action, the page (with and without HTMX), and the API."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paritrana.core.errors import InvalidInput
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.followup import actions, queries
from paritrana.followup.models import Heir, ScholarshipChild
from paritrana.registry.models import Worker
from paritrana.sponsorship.models import Claim
from paritrana.web.context import navigation
from tests.conftest import client_for
from tests.factories import make_user, make_worker
from tests.followup.factories import DESA, DESA_OUTSIDE, make_death_claim

pytestmark = pytest.mark.django_db

SPOUSE = {"name": "Siti Maryam", "relation": "spouse", "birth_date": "1990-05-01", "nik": "3603014105900001"}
CHILD = {"name": "Dewi", "relation": "child", "birth_date": "2015-01-01", "nik": "3603014101150001"}


@pytest.fixture
def officer() -> Any:
    return make_user("bpjs.cikupa", "bpjs_officer", "36.03")


def _form(worker_query: str = "", heirs: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """The claim form as a browser posts it: the claim, and the heir rows of the formset (prefix ``heirs``)."""
    data: dict[str, Any] = {
        "worker_query": worker_query,
        "kind": "jkk-death",
        "event_date": "2025-08-10",
        "amount_paid": "70000000",
        "paid_on": "",
        "contribution_years": "",
        **fields,
    }
    rows = heirs or []
    data.update({"heirs-TOTAL_FORMS": str(len(rows)), "heirs-INITIAL_FORMS": "0"})
    for i, row in enumerate(rows):
        data.update({f"heirs-{i}-{k}": v for k, v in row.items()})
    return data


def _nothing_written(audit_before: int) -> None:
    assert Claim.objects.count() == 0
    assert Heir.objects.count() == 0 and ScholarshipChild.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


# Finding the worker ---------------------------------------------------------------------------------------------


def test_a_claim_is_registered_by_nik_with_its_heirs_and_opens_on_its_page(officer: Any) -> None:
    worker = make_worker(DESA)
    client = client_for(officer)
    assert 'data-testid="claim-form"' in client.get("/followup/claims/new/").content.decode()
    heirs = [SPOUSE, {**CHILD, "school_level": "sd", "grade": "4"}]
    response = client.post("/followup/claims/new/", _form(worker.nik, heirs))
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/followup/claims/{claim.pk}/"
    assert claim.worker == worker and claim.kind == "jkk-death"
    worker.refresh_from_db()
    assert worker.status == "deceased"  # a death claim is news of the death, in the same transaction
    page = client.get(response["Location"]).content.decode()
    assert 'class="flash success" role="status">Klaim dicatat.' in page
    assert "Siti Maryam" in page and "Dewi" in page and "3603**********01" in page
    assert "3603014105900001" not in page  # heirs' NIKs are shown masked
    assert 'data-testid="schedule"' in page  # the child's scholarship schedule, from the row's school level
    child = ScholarshipChild.objects.get()
    assert (child.heir.name, child.level, child.grade) == ("Dewi", "sd", 4)
    assert queries.child_years(child).schedule.years[0].level == "sd"
    heirs_page = client.get("/followup/claims/").content.decode()
    assert f'href="/followup/claims/{claim.pk}/"' in heirs_page
    actions_written = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert actions_written.count("followup.heir.create") == 2 and "claim.record" in actions_written
    assert "followup.scholarship.flag" in actions_written


def test_the_name_search_lists_up_to_20_workers_in_scope_with_masked_niks(officer: Any) -> None:
    inside = make_worker(DESA, name="Siti Aminah", birth_date=date(1985, 6, 7))
    outside = make_worker(DESA_OUTSIDE, name="Siti Aminah Cilegon")
    for n in range(25):
        make_worker(DESA, name=f"Budi {n:02d}")
    client = client_for(officer)
    fragment = client.post(
        "/followup/claims/new/workers/", {"worker_query": "siti ami"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and 'name="worker"' in fragment
    assert inside.masked_nik in fragment and inside.nik not in fragment
    assert outside.name not in fragment  # reads go through the region scope
    assert "1985" in fragment and DESA in fragment
    many = client.post("/followup/claims/new/workers/", {"worker_query": "Budi"}, HTTP_HX_REQUEST="true")
    assert many.content.decode().count('name="worker"') == 20
    short = client.post("/followup/claims/new/workers/", {"worker_query": "Si"}, HTTP_HX_REQUEST="true")
    assert 'name="worker"' not in short.content.decode()
    by_nik = client.post("/followup/claims/new/workers/", {"worker_query": inside.nik}).content.decode()
    assert by_nik.count('name="worker"') == 1 and " checked" in by_nik


def test_a_name_typed_without_javascript_lists_the_workers_to_pick_then_records(officer: Any) -> None:
    worker = make_worker(DESA, name="Sulastri Wijaya")
    make_worker(DESA, name="Sulastri Handayani")
    client = client_for(officer)
    first = client.post("/followup/claims/new/", _form("Sulastri", [SPOUSE]))
    page = first.content.decode()
    assert first.status_code == 422 and 'data-testid="error"' in page
    assert page.count('name="worker"') == 2  # the matches, to pick one on the same page
    assert 'value="Siti Maryam"' in page  # the heir typed is kept
    assert Claim.objects.count() == 0
    second = client.post("/followup/claims/new/", _form("Sulastri", [SPOUSE], worker=str(worker.pk)))
    assert second.status_code == 302
    assert Claim.objects.get().worker == worker and Heir.objects.get().name == "Siti Maryam"


@pytest.mark.parametrize("how", ["nik", "picked id"])
def test_a_worker_outside_the_scope_is_refused_with_a_message_and_nothing_written(officer: Any, how: str) -> None:
    outside = make_worker(DESA_OUTSIDE)
    before = AuditEvent.objects.count()
    form = _form(outside.nik) if how == "nik" else _form("", worker=str(outside.pk))
    response = client_for(officer).post("/followup/claims/new/", form)
    page = response.content.decode()
    assert response.status_code == 422
    error = re.search(r'data-testid="error">([^<]*)<', page)
    assert error and outside.nik not in error.group(1)  # the message masks it (the field keeps what was typed)
    assert 'name="worker"' not in page  # nor is the worker offered to pick
    _nothing_written(before)


def test_a_nik_not_in_the_registry_or_too_short_gets_a_clear_message(officer: Any) -> None:
    client = client_for(officer)
    for typed in ("3603019999990001", "360301"):
        response = client.post("/followup/claims/new/", _form(typed))
        assert response.status_code == 422 and 'data-testid="error"' in response.content.decode()
    with pytest.raises(Exception) as caught:
        queries.claim_worker(officer, text="3603019999990001")
    assert caught.value.details["field"] == "worker" and caught.value.details["nik"] == "3603**********01"


# Heirs as rows --------------------------------------------------------------------------------------------------


def test_a_bad_heir_row_names_its_row_and_field_and_writes_nothing(officer: Any) -> None:
    worker = make_worker(DESA)
    before = AuditEvent.objects.count()
    bad = {**CHILD, "nik": "9903014101150001"}  # no province 99
    response = client_for(officer).post("/followup/claims/new/", _form(worker.nik, [SPOUSE, bad]))
    page = response.content.decode()
    assert response.status_code == 422
    error = re.search(r'data-testid="error">([^<]*)<', page)
    assert error and "2" in error.group(1)  # the row is named
    _nothing_written(before)
    worker.refresh_from_db()
    assert worker.status == "active"  # the death the claim would have recorded is rolled back as well
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_claim_with_heirs(
            actor=officer,
            worker=worker,
            kind="jkk-death",
            event_date=date(2025, 8, 10),
            amount_paid=70_000_000,
            heirs=[SPOUSE, bad],
        )
    assert caught.value.details["field"] == "heirs[1].nik" and caught.value.details["row"] == 2
    _nothing_written(before)


def test_a_refusal_found_while_writing_the_heirs_rolls_back_the_claim(officer: Any) -> None:
    """A JKM death gives the scholarship only after enough years of contributions: known once the claim is priced,
    after the claim row is written. The claim, its death and its audit entries go with it."""
    worker = make_worker(DESA)
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_claim_with_heirs(
            actor=officer,
            worker=worker,
            kind="jkm",
            event_date=date(2025, 8, 10),
            amount_paid=42_000_000,
            heirs=[{**CHILD, "school_level": "sd"}],
            contribution_years="1",
        )
    assert caught.value.details["field"] == "heirs[0].contribution_years"
    _nothing_written(before)
    assert Worker.objects.get(pk=worker.pk).status == "active"


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("360301410115001", "16 digits"),
        ("9903014101150001", "province"),
        ("3600004101150001", "00"),
        ("3603017301150001", "birth date"),
        ("3603014101150000", "0000"),
        ("٣٦٠٣014101150001", "0-9"),
    ],
)
def test_an_heirs_nik_gets_the_registrys_full_check(nik: str, problem: str) -> None:
    claim = make_death_claim()
    with pytest.raises(InvalidInput) as caught:
        actions.do_add_heir(actor=SYSTEM, claim=claim, name="Ani", relation="child", birth_date="2015-01-01", nik=nik)
    assert caught.value.details["field"] == "nik" and problem in caught.value.render_message()
    assert Heir.objects.count() == 0


def test_heirs_on_a_claim_that_is_not_a_death_are_refused(officer: Any) -> None:
    worker = make_worker(DESA)
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_claim_with_heirs(
            actor=officer, worker=worker, kind="jkk", event_date="2025-08-10", amount_paid=1, heirs=[SPOUSE]
        )
    assert caught.value.details["field"] == "heirs"
    assert Claim.objects.count() == 0


def test_a_school_level_for_an_heir_who_is_not_a_child_is_refused_on_its_row(officer: Any) -> None:
    worker = make_worker(DESA)
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_claim_with_heirs(
            actor=officer,
            worker=worker,
            kind="jkk-death",
            event_date="2025-08-10",
            amount_paid=1,
            heirs=[{**SPOUSE, "school_level": "sd"}],
        )
    assert caught.value.details["field"] == "heirs[0].school_level"


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(count=st.integers(min_value=1, max_value=5), data=st.data())
def test_any_bad_row_among_good_ones_writes_nothing_and_is_the_row_named(officer: Any, count: int, data: Any) -> None:
    worker = Worker.objects.filter(desa_code=DESA).first() or make_worker(DESA)
    bad_at = data.draw(st.integers(min_value=0, max_value=count - 1))
    bad_field = data.draw(st.sampled_from(["name", "relation", "birth_date", "nik"]))
    bad_value = {"name": "", "relation": "cousin", "birth_date": "2999-01-01", "nik": "123"}[bad_field]
    rows = [{**CHILD, "name": f"Anak {i}"} for i in range(count)]
    rows[bad_at] = {**rows[bad_at], bad_field: bad_value}
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_claim_with_heirs(
            actor=officer, worker=worker, kind="jkk-death", event_date="2025-08-10", amount_paid=1, heirs=rows
        )
    assert caught.value.details["field"] == f"heirs[{bad_at}].{bad_field}"
    assert caught.value.details["row"] == bad_at + 1
    _nothing_written(before)


def test_add_a_row_gives_one_more_heir_row_and_writes_nothing(officer: Any) -> None:
    worker = make_worker(DESA)
    data = {**_form(worker.nik, [SPOUSE]), "add_heir": "1"}
    response = client_for(officer).post("/followup/claims/new/", data)
    page = response.content.decode()
    assert response.status_code == 200 and page.count('data-testid="heir-row"') == 2
    assert 'value="Siti Maryam"' in page
    assert Claim.objects.count() == 0


# The API --------------------------------------------------------------------------------------------------------


def test_the_api_registers_a_claim_with_heirs_by_nik_and_a_bad_row_writes_nothing(officer: Any) -> None:
    worker = make_worker(DESA)
    client = client_for(officer)
    body = {
        "nik": worker.nik,
        "kind": "jkk-death",
        "event_date": "2025-08-10",
        "amount_paid": 70_000_000,
        "heirs": [SPOUSE, {**CHILD, "nik": "3603014101150000"}],
    }
    before = AuditEvent.objects.count()
    refused = client.post("/api/v1/claims/with-heirs", body, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["details"]["field"] == "heirs[1].nik"
    _nothing_written(before)
    body["heirs"][1] = {**CHILD, "school_level": "age"}
    created = client.post("/api/v1/claims/with-heirs", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    claim = created.json()
    assert [h["name"] for h in claim["heirs"]] == ["Siti Maryam", "Dewi"]
    assert claim["heirs"][0]["nik"] == "3603**********01"
    assert claim["heirs"][1]["scholarship_child_id"] is not None
    schedule = client.get(f"/api/v1/claims/{claim['id']}/scholarships").json()
    assert len(schedule) == 1
    outside = make_worker(DESA_OUTSIDE)
    missing = client.post(
        "/api/v1/claims/with-heirs", {**body, "nik": outside.nik, "heirs": []}, content_type="application/json"
    )
    assert missing.status_code == 404 and outside.nik not in missing.content.decode()


# The claims list and the menu -----------------------------------------------------------------------------------


def test_the_claims_list_links_each_claim_to_its_page(officer: Any) -> None:
    claim = make_death_claim()
    page = client_for(officer).get("/programs/claims/").content.decode()
    assert f'href="/followup/claims/{claim.pk}/"' in page
    assert 'href="/followup/claims/new/"' in page
    detail = client_for(officer).get(f"/followup/claims/{claim.pk}/").content.decode()
    assert 'data-testid="claim-facts"' in detail and 'data-testid="claim-flags"' in detail
    village = make_user("desa.op", "village_operator", DESA)
    listing = client_for(village).get("/programs/claims/").content.decode()
    assert 'data-testid="claims"' in listing
    assert f'href="/followup/claims/{claim.pk}/"' not in listing  # the claim page shows heirs: not theirs to see
    assert 'href="/followup/claims/new/"' not in listing


def test_a_claim_that_is_not_a_death_shows_its_facts_and_no_heir_form(officer: Any) -> None:
    claim = make_death_claim(kind="jkk")
    page = client_for(officer).get(f"/followup/claims/{claim.pk}/").content.decode()
    assert 'data-testid="claim-facts"' in page and 'data-testid="heir-form"' not in page


def test_the_menu_has_one_klaim_group_with_the_claims_and_the_heirs(officer: Any) -> None:
    request = RequestFactory().get("/programs/claims/")
    request.user = officer
    groups = navigation(request)["nav_groups"]
    claims = [g for g in groups if g["key"] == "claims"]
    assert len(claims) == 1
    assert [i["name"] for i in claims[0]["items"]] == ["sponsorship:claims", "followup:claims"]
    assert claims[0]["active"]
    others = {i["name"] for g in groups if g["key"] != "claims" for i in g["items"]}
    assert not others & {"sponsorship:claims", "followup:claims"}
    page = client_for(officer).get("/").content.decode()
    assert page.count('href="/programs/claims/"') >= 1 and page.count('href="/followup/claims/"') >= 1


# The command line -----------------------------------------------------------------------------------------------


def test_the_cli_records_a_claim_with_heirs_and_a_bad_row_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from paritrana.cli import main

    worker = make_worker(DESA)
    claim_args = ["heirs", "record", "--nik", worker.nik, "--kind", "jkk-death", "--event-date", "2025-08-10"]
    claim_args += ["--amount", "70000000", "--format", "json"]
    spouse = "Siti Maryam;spouse;1990-05-01;3603014105900001"
    before = AuditEvent.objects.count()
    assert main([*claim_args, "--heir", spouse, "--heir", "Dewi;child;2015-01-01;3603014101150000"]) == 2
    assert "heirs[1].nik" in capsys.readouterr().err
    _nothing_written(before)
    assert main([*claim_args, "--heir", spouse, "--heir", "Dewi;child;2015-01-01;;sd;4"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["heirs"] == 2 and out["scholarship_children"] == 1
    assert Claim.objects.get().pk == out["claim_id"]
