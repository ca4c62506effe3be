"""Follow-up behaviour: sessions with their budget snapshot and scope, findings that need an owner and a due date,
status changes kept in an append-only history, heirs of death claims only, at most two scholarship children,
disbursements priced by the schedule and refused twice, beyond the cap or after 23, and training referrals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paritrana.core.dates import today
from paritrana.core.errors import Conflict, InvalidInput, OutOfRange, OutOfScope, PermissionDenied
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.followup import actions, queries
from paritrana.followup.models import Attendee, Finding, FindingUpdate, Heir, ScholarshipYear, Session
from paritrana.sponsorship.actions import do_enroll
from tests.conftest import client_for
from tests.factories import make_program, make_user, make_worker
from tests.followup.factories import ATTENDEES, DESA, DESA_OUTSIDE, make_child, make_death_claim, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer() -> Any:
    return make_user("bpjs.cikupa", "bpjs_officer", "36.03")


# Sessions -------------------------------------------------------------------------------------------------------


def test_a_session_snapshots_the_budget_figures_of_its_programs(kab_operator: Any) -> None:
    program = make_program("36.03", fiscal_year=2025, pagu=10_000_000)
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA)])
    make_program("36.72", fiscal_year=2025)  # another region: not in the snapshot
    make_program("36.03", fiscal_year=2024)  # another year: not in the snapshot
    session = make_session(actor=kab_operator)
    assert list(session.programs.all()) == [program]
    snap = session.snapshot
    assert snap["programs"][0]["pagu"] == 10_000_000
    program.refresh_from_db()
    assert snap["programs"][0]["committed"] == int(program.committed) == 12 * 16_800
    assert snap["totals"] == {
        "programs": 1,
        "pagu": 10_000_000,
        "committed": 12 * 16_800,
        "paid": 0,
        "committed_pct": 2.02,
        "absorption_pct": 0.0,
    }
    assert Attendee.objects.filter(session=session).count() == 3
    assert AuditEvent.objects.filter(action="followup.session.create", region_code="36.03").exists()


def test_the_snapshot_does_not_change_when_the_budget_does(kab_operator: Any) -> None:
    program = make_program("36.03", fiscal_year=2025, pagu=10_000_000)
    session = make_session(actor=kab_operator, program_ids=[program.pk])
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA)])
    session.refresh_from_db()
    assert session.snapshot["totals"]["committed"] == 0


def test_a_session_for_a_region_outside_the_scope_is_refused_and_nothing_is_written(kab_operator: Any) -> None:
    with pytest.raises(OutOfScope):
        make_session("36.72", actor=kab_operator)
    assert Session.objects.count() == 0


def test_roles_that_do_not_manage_follow_ups_cannot_record_a_session() -> None:
    village = make_user("desa.op", "village_operator", "36.03.01.2003")
    with pytest.raises(PermissionDenied):
        make_session("36.03.01.2003", actor=village)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "rapat"}, "kind"),
        ({"place": " "}, "place"),
        ({"bpjs_office": ""}, "bpjs_office"),
        ({"region_code": "99.99"}, "region_code"),
        ({"fiscal_year": "tahun ini"}, "fiscal_year"),
        ({"held_on": today() + timedelta(days=30)}, "held_on"),
        ({"attendees": []}, "attendees"),
        ({"attendees": [{"name": "Budi", "institution": ""}]}, "attendees[0].institution"),
    ],
)
def test_a_bad_session_names_its_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_session(**changes)
    assert caught.value.details["field"] == field
    assert Session.objects.count() == 0


def test_a_program_of_another_year_or_region_is_refused() -> None:
    other_year = make_program("36.03", fiscal_year=2024)
    with pytest.raises(InvalidInput) as caught:
        make_session(program_ids=[other_year.pk])
    assert caught.value.details["field"] == "program_ids"
    other_region = make_program("36.72", fiscal_year=2025)
    with pytest.raises(InvalidInput) as caught:
        make_session(program_ids=[other_region.pk])
    assert caught.value.details["region"] == "36.03"


# Findings -------------------------------------------------------------------------------------------------------


def _finding(session: Session, **fields: Any) -> Finding:
    values: dict[str, Any] = {
        "text": "Belum ada pos anggaran iuran BPU dalam RAPBD 2026",
        "recommendation": "Usulkan pos belanja iuran dalam KUA-PPAS",
        "owner": "BPKAD",
        "due_date": date(2025, 11, 30),
    }
    values.update(fields)
    return actions.do_add_finding(actor=fields.pop("actor", SYSTEM), session=session, **values)


@pytest.mark.parametrize("missing", ["owner", "due_date", "text"])
def test_a_follow_up_without_owner_or_due_date_is_refused(missing: str) -> None:
    session = make_session()
    with pytest.raises(InvalidInput) as caught:
        _finding(session, **{missing: ""})
    assert caught.value.details["field"] == missing
    assert Finding.objects.count() == 0


def test_a_due_date_before_the_session_is_refused() -> None:
    session = make_session()
    with pytest.raises(InvalidInput) as caught:
        _finding(session, due_date=date(2025, 9, 1))
    assert caught.value.details["field"] == "due_date"


def test_status_changes_are_kept_in_an_append_only_history(officer: Any) -> None:
    session = make_session()
    finding = _finding(session)
    finding = actions.do_change_finding_status(actor=officer, finding=finding, status="in_progress", note="Dibahas")
    finding = actions.do_update_finding(actor=officer, finding=finding, due_date=date(2025, 12, 15), note="Mundur")
    finding = actions.do_change_finding_status(actor=officer, finding=finding, status="done")
    assert finding.completed_on == today()
    steps = list(queries.history(finding))
    assert [(u.previous_status, u.status) for u in steps] == [
        ("", "open"),
        ("open", "in_progress"),
        ("in_progress", "in_progress"),
        ("in_progress", "done"),
    ]
    assert steps[1].note == "Dibahas" and steps[1].actor_name == "bpjs.cikupa"
    assert steps[2].changes == {"due_date": "2025-12-15"}
    with pytest.raises(ValueError, match="never changed"):
        steps[0].save()
    with pytest.raises(ValueError, match="never deleted"):
        steps[0].delete()
    assert FindingUpdate.objects.count() == 4


def test_dropping_a_follow_up_needs_a_reason() -> None:
    finding = _finding(make_session())
    with pytest.raises(InvalidInput) as caught:
        actions.do_change_finding_status(actor=SYSTEM, finding=finding, status="dropped")
    assert caught.value.details["field"] == "drop_reason"
    dropped = actions.do_change_finding_status(
        actor=SYSTEM, finding=finding, status="dropped", drop_reason="Digabung dengan temuan lain"
    )
    assert dropped.drop_reason == "Digabung dengan temuan lain"
    with pytest.raises(Conflict):
        actions.do_change_finding_status(actor=SYSTEM, finding=dropped, status="dropped", drop_reason="x")
    with pytest.raises(InvalidInput) as caught:
        actions.do_change_finding_status(actor=SYSTEM, finding=dropped, status="closed")
    assert caught.value.details["field"] == "status"


def test_an_operator_outside_the_region_cannot_touch_its_follow_ups() -> None:
    finding = _finding(make_session())
    cilegon = make_user("op.cilegon", "regional_operator", "36.72")
    with pytest.raises(OutOfScope):
        actions.do_change_finding_status(actor=cilegon, finding=finding, status="done")


def test_overdue_follow_ups_reach_the_owner_first(kab_operator: Any, officer: Any) -> None:
    session = make_session()
    theirs = _finding(session, owner="Disnaker", owner_user=kab_operator, due_date=date(2025, 10, 1))
    other = _finding(session, owner="BPKAD", due_date=date(2025, 9, 20))
    _finding(session, owner="Bappeda", due_date=today() + timedelta(days=10))  # not yet due
    done = _finding(session, owner="Inspektorat", due_date=date(2025, 9, 20))
    actions.do_change_finding_status(actor=SYSTEM, finding=done, status="done")
    assert queries.overdue_for(kab_operator) == [theirs, other]
    assert queries.overdue_for(officer) == [other, theirs]
    assert queries.overdue_for(make_user("viewer", "viewer", "36.03")) == []
    assert queries.overdue_for(make_user("op.cilegon", "regional_operator", "36.72")) == []


def test_the_owner_account_must_see_the_region() -> None:
    with pytest.raises(InvalidInput) as caught:
        _finding(make_session(), owner_user=make_user("op.cilegon", "regional_operator", "36.72"))
    assert caught.value.details["field"] == "owner_user"


# Heirs and scholarships ------------------------------------------------------------------------------------------


def test_heirs_are_recorded_only_for_a_death_claim(officer: Any) -> None:
    accident = make_death_claim(kind="jkk")
    with pytest.raises(InvalidInput) as caught:
        actions.do_add_heir(actor=officer, claim=accident, name="Siti", relation="spouse", birth_date=date(1990, 1, 1))
    assert caught.value.details["field"] == "claim"
    assert Heir.objects.count() == 0
    heir = actions.do_add_heir(
        actor=officer,
        claim=make_death_claim(kind="jkm"),
        name="Siti",
        relation="spouse",
        birth_date=date(1990, 1, 1),
        nik="3603014101900001",
    )
    assert heir.masked_nik == "3603**********01"
    event = AuditEvent.objects.get(action="followup.heir.create")
    assert event.after["nik"] == "3603**********01" and event.region_code == DESA


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nik": "123"}, "nik"),
        ({"relation": "cousin"}, "relation"),
        ({"name": ""}, "name"),
        ({"birth_date": "x"}, "birth_date"),
    ],
)
def test_a_bad_heir_names_its_field(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"name": "Siti", "relation": "child", "birth_date": date(2015, 1, 1), **changes}
    with pytest.raises(InvalidInput) as caught:
        actions.do_add_heir(actor=SYSTEM, claim=make_death_claim(), **values)
    assert caught.value.details["field"] == field


def test_regional_operators_read_heirs_but_only_bpjs_records_them(kab_operator: Any) -> None:
    claim = make_death_claim()
    with pytest.raises(PermissionDenied):
        actions.do_add_heir(actor=kab_operator, claim=claim, name="Siti", relation="child", birth_date=date(2015, 1, 1))
    assert list(queries.death_claims_for(kab_operator)) == [claim]
    outside = make_death_claim(DESA_OUTSIDE)
    with pytest.raises(OutOfScope):
        queries.get_claim(kab_operator, outside.pk)


def test_at_most_two_children_per_claim_and_only_children() -> None:
    claim = make_death_claim()
    make_child(claim, date(2015, 1, 1), "Anak 1")
    make_child(claim, date(2017, 1, 1), "Anak 2")
    third = actions.do_add_heir(actor=SYSTEM, claim=claim, name="Anak 3", relation="child", birth_date=date(2019, 1, 1))
    with pytest.raises(Conflict) as caught:
        actions.do_flag_scholarship_child(actor=SYSTEM, heir=third)
    assert caught.value.details["n"] == 2
    spouse = actions.do_add_heir(actor=SYSTEM, claim=claim, name="Ibu", relation="spouse", birth_date=date(1990, 1, 1))
    with pytest.raises(InvalidInput) as caught:
        actions.do_flag_scholarship_child(actor=SYSTEM, heir=spouse)
    assert caught.value.details["field"] == "relation"


def test_a_jkm_child_needs_the_years_of_contributions() -> None:
    claim = make_death_claim(kind="jkm")
    heir = actions.do_add_heir(actor=SYSTEM, claim=claim, name="Anak", relation="child", birth_date=date(2015, 1, 1))
    with pytest.raises(InvalidInput) as caught:
        actions.do_flag_scholarship_child(actor=SYSTEM, heir=heir)
    assert caught.value.details["field"] == "contribution_years"
    assert actions.do_flag_scholarship_child(
        actor=SYSTEM, heir=heir, contribution_years="3.5"
    ).contribution_years == Decimal("3.5")


def test_a_disbursement_is_priced_by_the_schedule_and_refused_twice(officer: Any) -> None:
    child = make_child(make_death_claim(), date(2015, 1, 1))  # 10 in July 2025: SD year 5
    year = actions.do_record_disbursement(
        actor=officer, child=child, school_year="2025/2026", disbursed_on=date(2025, 10, 1), reference="BSW-001"
    )
    assert (year.level, year.amount, year.due) == ("sd", Decimal(1_500_000), date(2025, 12, 31))
    with pytest.raises(Conflict) as caught:
        actions.do_record_disbursement(
            actor=officer, child=child, school_year="2025/2026", disbursed_on=date(2025, 10, 2), reference="BSW-002"
        )
    assert caught.value.details["date"] == "2025-10-01" and caught.value.details["reference"] == "BSW-001"
    assert ScholarshipYear.objects.count() == 1


def test_a_disbursement_after_the_child_turned_23_is_refused() -> None:
    child = make_child(make_death_claim(), date(2004, 3, 1))
    with pytest.raises(OutOfRange) as caught:
        actions.do_record_disbursement(
            actor=SYSTEM, child=child, school_year="2027/2028", disbursed_on=date(2025, 10, 1), reference="X"
        )
    assert "turned 23 on 2027-03-01" in str(caught.value)
    assert ScholarshipYear.objects.count() == 0


def test_a_disbursement_beyond_the_cap_is_refused() -> None:
    child = make_child(make_death_claim(), date(2022, 3, 1), level="tk")
    with pytest.raises(OutOfRange) as caught:
        actions.do_record_disbursement(
            actor=SYSTEM, child=child, school_year="2044/2045", disbursed_on=date(2025, 10, 1), reference="X"
        )
    assert "cap of Rp87.000.000" in str(caught.value)


def test_a_disbursement_before_the_death_or_without_reference_is_refused() -> None:
    child = make_child(make_death_claim(), date(2015, 1, 1))
    for values, field in (
        ({"disbursed_on": date(2025, 1, 1), "reference": "X"}, "disbursed_on"),
        ({"disbursed_on": date(2025, 10, 1), "reference": " "}, "reference"),
        ({"disbursed_on": date(2025, 10, 1), "reference": "X", "school_year": "2025"}, "school_year"),
    ):
        with pytest.raises(InvalidInput) as caught:
            actions.do_record_disbursement(actor=SYSTEM, child=child, **{"school_year": "2025/2026", **values})
        assert caught.value.details["field"] == field


def test_missing_and_late_years_are_flagged() -> None:
    child = make_child(make_death_claim(event_date=date(2023, 8, 1)), date(2013, 1, 1))
    actions.do_record_disbursement(
        actor=SYSTEM, child=child, school_year="2024/2025", disbursed_on=date(2025, 2, 1), reference="LATE"
    )
    years = queries.child_years(child, on=date(2025, 9, 1))
    assert [(r.year.school_year, r.state) for r in years.rows[:3]] == [
        ("2023/2024", "missing"),
        ("2024/2025", "late"),
        ("2025/2026", "upcoming"),
    ]
    assert years.supported() is False
    assert [c.child for c in queries.flagged_children(SYSTEM)] == [child]


def test_a_marriage_recorded_after_a_disbursed_year_is_refused_when_it_would_orphan_it() -> None:
    child = make_child(make_death_claim(event_date=date(2023, 8, 1)), date(2005, 1, 1))
    actions.do_record_disbursement(
        actor=SYSTEM, child=child, school_year="2024/2025", disbursed_on=date(2024, 9, 1), reference="R1"
    )
    with pytest.raises(Conflict):
        actions.do_update_scholarship_child(actor=SYSTEM, child=child, married_on=date(2024, 1, 1))
    updated = actions.do_update_scholarship_child(actor=SYSTEM, child=child, married_on=date(2025, 3, 1))
    assert [y.school_year for y in actions.child_schedule(updated).years] == ["2023/2024", "2024/2025"]


def test_training_referrals_record_their_outcome(kab_operator: Any) -> None:
    claim = make_death_claim()
    spouse = actions.do_add_heir(actor=SYSTEM, claim=claim, name="Siti", relation="spouse", birth_date=date(1990, 1, 1))
    referral = actions.do_refer_to_training(
        actor=kab_operator,
        heir=spouse,
        course="BLK Tangerang: menjahit",
        provider="UPTD BLK",
        referred_on=date(2025, 9, 1),
    )
    assert referral.outcome == "pending"
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_referral_outcome(actor=kab_operator, referral=referral, outcome="hired")
    assert caught.value.details["field"] == "outcome"
    done = actions.do_record_referral_outcome(
        actor=kab_operator, referral=referral, outcome="employed", outcome_on=date(2025, 12, 1), note="Konveksi"
    )
    assert (done.outcome, done.outcome_on, done.note) == ("employed", date(2025, 12, 1), "Konveksi")
    with pytest.raises(InvalidInput) as caught:
        actions.do_refer_to_training(
            actor=kab_operator, heir=spouse, course="", provider="x", referred_on=date(2025, 9, 1)
        )
    assert caught.value.details["field"] == "course"


# Award link -----------------------------------------------------------------------------------------------------


def test_award_indicators_per_region_and_year() -> None:
    session = make_session()
    make_session(held_on=date(2025, 3, 1), kind="asistensi")
    make_session("36.72")
    done = _finding(session)
    actions.do_change_finding_status(actor=SYSTEM, finding=done, status="done")
    _finding(session)
    dropped = _finding(session)
    actions.do_change_finding_status(actor=SYSTEM, finding=dropped, status="dropped", drop_reason="Ganda")
    paid = make_child(make_death_claim(event_date=date(2024, 8, 1)), date(2015, 1, 1))
    actions.do_record_disbursement(
        actor=SYSTEM, child=paid, school_year="2024/2025", disbursed_on=date(2024, 10, 1), reference="A"
    )
    actions.do_record_disbursement(
        actor=SYSTEM, child=paid, school_year="2025/2026", disbursed_on=date(2025, 10, 1), reference="B"
    )
    make_child(make_death_claim(event_date=date(2024, 8, 1)), date(2016, 1, 1))  # nothing disbursed
    rows = {r["region_code"]: r for r in queries.award_indicators(SYSTEM, year=2025, on=date(2026, 1, 15))}
    assert rows["36.03"]["sessions_held"] == 2 and rows["36.72"]["sessions_held"] == 1
    assert rows["36.03"]["followups_completed_pct"] == 50.0  # one done of two not dropped
    assert (rows["36.03"]["children"], rows["36.03"]["children_supported"]) == (2, 1)
    assert rows["36.03"]["heirs_supported_pct"] == 50.0
    sheet = queries.indicator_sheet_rows(list(rows.values()), {"sessions_held": "C1.sesi"})
    assert {"region_code": "36.03", "criterion": "C1.sesi", "value": 2} in sheet
    assert all(r["criterion"] == "C1.sesi" for r in sheet)
    assert queries.award_indicators(make_user("v", "viewer", "36.03"), year=2025) == []


def test_attendees_are_listed_in_the_minutes() -> None:
    session = make_session()
    _finding(session)
    data = queries.minutes(session)
    assert [a["name"] for a in data["attendees"]] == [a["name"] for a in ATTENDEES]
    assert data["findings"][0]["history"][0]["status"] == "open"
    assert data["region_name"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from(["open", "in_progress", "done", "dropped"]),
    due=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    on=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
)
def test_overdue_is_one_rule_in_python_and_in_sql(status: str, due: date, on: date) -> None:
    """The dashboard, the session page, the list and the API filter all count "late" alike: open or in progress,
    due before the day."""
    with transaction.atomic():
        finding = _finding(make_session())
        Finding.objects.filter(pk=finding.pk).update(
            status=status, due_date=due, drop_reason="x" if status == "dropped" else ""
        )
        finding.refresh_from_db()
        late = finding.days_overdue(on)
        assert late == ((on - due).days if status in ("open", "in_progress") and due < on else 0)
        assert Finding.objects.filter(Finding.overdue_q(on), pk=finding.pk).exists() == (late > 0)
        transaction.set_rollback(True)


def test_a_status_moved_by_a_colleague_since_the_page_opened_is_not_overwritten(officer: Any) -> None:
    session = make_session()
    finding = _finding(session)
    client = client_for(officer)
    page = client.get(f"/followup/{session.pk}/").content.decode()
    assert 'name="shown_status" value="open"' in page
    actions.do_change_finding_status(actor=SYSTEM, finding=finding, status="done")  # a colleague, meanwhile
    url = f"/followup/findings/{finding.pk}/status/"
    stale = client.post(url, {"status": "dropped", "drop_reason": "Tidak relevan", "shown_status": "open"}, follow=True)
    assert "Status sudah diubah menjadi Selesai" in stale.content.decode()
    finding.refresh_from_db()
    assert finding.status == "done" and finding.drop_reason == ""
    # The same move sent twice from the same page is harmless: the second finds it done already, nothing changes.
    again = client.post(url, {"status": "done", "shown_status": "open"}, follow=True)
    assert "sudah" in again.content.decode() and Finding.objects.get(pk=finding.pk).status == "done"
    api = client.post(
        f"/api/v1/findings/{finding.pk}/status",
        {"status": "open", "shown_status": "in_progress"},
        content_type="application/json",
    )
    assert api.status_code == 409 and api.json()["details"]["field"] == "status"
