"""Issue 20, the award as a process with states: each stage of an edition and each step of a category (lock,
approval, publication) has a check list; a failing check needs a reason, which is audited; a missing value is
shown and must be resolved (a value, an exemption or zero, with a reason) before any ranking; the ranking is a read
and "save results" the one write; zones are the committee's."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from paritrana.award import actions, scoring
from paritrana.award.checks import category_checks, edition_checks
from paritrana.award.models import Category, Edition, IndicatorScore, MissingValueDecision, Result
from paritrana.award.ranking import compute_results, missing_values
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.award.test_workflow import FRAMEWORK, PDF, REASON, _participant
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

#: Perda (a question), coverage against a target (an indicator) and the interview (a rubric).
FRAMEWORK_WITH_INDICATOR = {
    "key": "uji-indikator",
    "name": {"id": "Kerangka uji dengan indikator"},
    "criteria": [
        {**FRAMEWORK["criteria"][0], "weight": 40},
        {
            "key": "cakupan",
            "name": {"id": "Cakupan"},
            "weight": 30,
            "children": [
                {
                    "key": "coverage_workforce",
                    "name": {"id": "Cakupan penduduk bekerja"},
                    "weight": 100,
                    "method": "indicator",
                    "indicator": "coverage_workforce",
                    "scoring": {"type": "target"},
                }
            ],
        },
        {**FRAMEWORK["criteria"][1], "weight": 30},
    ],
}
CODES = ("36.03", "36.74", "36.72")


def _round(framework: dict[str, Any], *, deadline_in: timedelta = timedelta(days=7)) -> dict[str, Any]:
    committee = make_user("komite.banten", "award_committee", "36")
    edition = actions.do_create_edition(
        actor=committee,
        year=2024,
        name="Paritrana Award 2024 Banten",
        region_code="36",
        assessment_start=date(2023, 1, 1),
        assessment_end=date(2023, 12, 31),
        submission_deadline=timezone.now() + deadline_in,
    )
    return {"committee": committee, "edition": edition}


def _open(framework: dict[str, Any]) -> dict[str, Any]:
    s = _round(framework)
    category = actions.do_save_category(
        actor=s["committee"],
        edition=s["edition"],
        key="kabupaten-kota",
        name="Pemerintah Kabupaten/Kota",
        participant_level="kabupaten",
        framework=framework,
    )
    actions.do_invite(actor=s["committee"], category=category)
    actions.do_set_edition_status(actor=s["committee"], edition=s["edition"], status="open")
    return {**s, "category": category}


def _submit(category: Category, code: str) -> None:
    operator = make_user(f"op.{code}", "regional_operator", code)
    p = _participant(category, code)
    actions.do_save_answer(actor=operator, participant=p, criterion="perda", value="ya")
    actions.do_upload_evidence(
        actor=operator, participant=p, criterion="perda", document="Perda/Perbup", data=PDF, filename="perda.pdf"
    )
    actions.do_submit(actor=operator, participant=p)


@pytest.fixture
def judging(db: Any) -> dict[str, Any]:
    """Three kabupaten/kota submitted and verified, a panel of three, the jury stage, every score given."""
    s = _open(FRAMEWORK_WITH_INDICATOR)
    committee, edition, category = s["committee"], s["edition"], s["category"]
    for code in CODES:
        _submit(category, code)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    for code in CODES:
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    judges = [make_user(f"juri{i}", "jury", "36") for i in range(3)]
    for judge in judges:
        actions.do_add_panel_member(actor=committee, category=category, user=judge)
    actions.do_set_edition_status(actor=committee, edition=edition, status="judging")
    for code, mark in zip(CODES, (9, 7, 5), strict=True):
        for judge in judges:
            actions.do_score(
                actor=judge, participant=_participant(category, code), criterion="kepala_daerah", score=mark
            )
    return {**s, "judges": judges}


def _values(category: Category, **by_code: tuple[float | None, float | None]) -> None:
    for code, (value, target) in by_code.items():
        IndicatorScore.objects.update_or_create(
            participant=_participant(category, code),
            criterion="coverage_workforce",
            defaults={"value": value, "target": target, "source": "imported"},
        )


# --- the check lists of the edition's stages --------------------------------------------------------------------


def test_an_edition_without_a_category_cannot_open_even_with_a_reason() -> None:
    s = _round(FRAMEWORK)
    with pytest.raises(Conflict, match="cannot go on") as caught:
        actions.do_set_edition_status(actor=s["committee"], edition=s["edition"], status="open", reason="tetap buka")
    assert caught.value.details["failing"] == ["categories"]
    assert Edition.objects.get().status == "draft"
    refusal = AuditEvent.objects.get(action="award.edition.refused")
    assert refusal.after["details"]["failing"] == ["categories"]


def test_the_self_assessment_closes_early_only_when_every_region_submitted(db: Any) -> None:
    s = _open(FRAMEWORK)
    category, edition = s["category"], s["edition"]
    codes = sorted(category.participants.values_list("region_code", flat=True))
    for code in codes[:3]:
        _submit(category, code)
    assert {c.key: c.ok for c in edition_checks(edition, "verification")} == {"deadline": False, "submissions": False}
    Edition.objects.filter(pk=edition.pk).update(submission_deadline=timezone.now() - timedelta(minutes=1))
    edition.refresh_from_db()
    assert {c.key: c.ok for c in edition_checks(edition, "verification")} == {"deadline": True, "submissions": False}
    Edition.objects.filter(pk=edition.pk).update(submission_deadline=timezone.now() + timedelta(days=1))
    edition.refresh_from_db()
    for code in codes[3:]:
        _submit(category, code)
    assert all(c.ok for c in edition_checks(edition, "verification"))  # all 8 in, before the deadline
    actions.do_set_edition_status(actor=s["committee"], edition=edition, status="verification")
    assert "overridden" not in AuditEvent.objects.filter(action="award.edition.status").latest("pk").after


def test_moving_on_with_a_reason_is_audited_with_the_checks_it_overrode() -> None:
    s = _open(FRAMEWORK)
    committee, edition, category = s["committee"], s["edition"], s["category"]
    _submit(category, "36.03")
    with pytest.raises(Conflict, match="reason"):
        actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason="   ")
    assert Edition.objects.get().status == "open"
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason="rapat 3 Maret")
    event = AuditEvent.objects.filter(action="award.edition.status").latest("pk")
    assert event.before == {"status": "open"}
    assert event.after["status"] == "verification" and event.after["reason"] == "rapat 3 Maret"
    assert event.after["overridden"] == ["deadline", "submissions"]
    assert any("1 of" not in c and "deadline" in c.lower() for c in event.after["conditions"])


def test_going_back_a_stage_needs_a_reason(judging: dict[str, Any]) -> None:
    committee, edition = judging["committee"], judging["edition"]
    with pytest.raises(Conflict, match="reason"):
        actions.do_set_edition_status(actor=committee, edition=edition, status="verification")
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason="verifikasi ulang")
    assert Edition.objects.get().status == "verification"
    assert AuditEvent.objects.filter(action="award.edition.status").latest("pk").after["overridden"] == ["back"]


def test_judging_waits_for_verification_and_a_panel(db: Any) -> None:
    s = _open(FRAMEWORK)
    committee, edition, category = s["committee"], s["edition"], s["category"]
    for code in CODES:
        _submit(category, code)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    actions.do_verify(actor=committee, participant=_participant(category, "36.03"), accept=True)
    failing = {c.key for c in edition_checks(edition, "judging") if not c.ok}
    assert failing == {"verified", "panel"}  # 2 submissions wait; no judge yet
    for code in ("36.74", "36.72"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    for i in range(3):
        actions.do_add_panel_member(actor=committee, category=category, user=make_user(f"j{i}", "jury", "36"))
    assert all(c.ok for c in edition_checks(edition, "judging"))


def test_closing_waits_for_every_category_to_be_approved(judging: dict[str, Any]) -> None:
    committee, edition = judging["committee"], judging["edition"]
    assert {c.key for c in edition_checks(edition, "closed") if not c.ok} == {"locked", "approved"}
    with pytest.raises(Conflict):
        actions.do_set_edition_status(actor=committee, edition=edition, status="closed")
    assert Edition.objects.get().status == "judging"


def test_the_check_list_is_served_by_the_api_and_a_refusal_carries_it(judging: dict[str, Any]) -> None:
    api = client_for(judging["committee"])
    edition = judging["edition"]
    listed = api.get(f"/api/v1/award/editions/{edition.pk}/checks", {"to": "closed"}).json()
    assert listed["step"] == "closed" and not listed["ready"]
    assert [(c["key"], c["ok"], c["overridable"]) for c in listed["checks"]] == [
        ("locked", False, True),
        ("approved", False, True),
    ]
    refused = api.post(
        f"/api/v1/award/editions/{edition.pk}/status", {"status": "closed"}, content_type="application/json"
    )
    assert refused.status_code == 409 and refused.json()["details"]["failing"] == ["locked", "approved"]
    assert [c["key"] for c in refused.json()["details"]["checks"]] == ["locked", "approved"]
    operator = client_for(make_user("op.x", "regional_operator", "36.03"))
    assert operator.get(f"/api/v1/award/editions/{edition.pk}/checks", {"to": "closed"}).status_code == 403


# --- the panel lock -----------------------------------------------------------------------------------------------


def test_the_lock_check_list_counts_missing_scores_and_values(judging: dict[str, Any]) -> None:
    category, committee = judging["category"], judging["committee"]
    actions.do_declare_conflict(actor=judging["judges"][0], participant=_participant(category, "36.03"), reason="ipar")
    checks = {c.key: c for c in category_checks(category, "lock")}
    assert checks["scored"].ok  # a judge with a conflict owes no score
    assert not checks["values"].ok and checks["values"].params["count"] == 3  # no coverage value for anyone
    _values(category, **{"36.03": (30.0, 40.0), "36.74": (20.0, 40.0), "36.72": (10.0, None)})
    checks = {c.key: c for c in category_checks(category, "lock")}
    assert checks["values"].params["items"] == "Kota Cilegon: coverage_workforce (target)"
    with pytest.raises(Conflict, match="coverage_workforce"):
        actions.do_lock_panel(actor=committee, category=category)
    assert Category.objects.get().panel_locked_at is None
    actions.do_lock_panel(actor=committee, category=category, reason="target Cilegon menyusul")
    assert AuditEvent.objects.filter(action="award.panel.lock").get().after["overridden"] == ["values"]
    with pytest.raises(Conflict, match="cannot go on") as twice:  # locking twice: refused, not redone
        actions.do_lock_panel(actor=committee, category=category, reason="lagi")
    assert twice.value.details["failing"] == ["unlocked"]


# --- missing values ----------------------------------------------------------------------------------------------


def test_a_missing_indicator_value_is_no_longer_scored_zero_silently(judging: dict[str, Any]) -> None:
    """Before issue 20 the score matrix passed NaN to ``scoring.score_leaf``, which scores it 0, and the ranking
    went on: now every ranking, shown or saved, refuses naming the values."""
    category, committee = judging["category"], judging["committee"]
    _values(category, **{"36.03": (30.0, 40.0), "36.74": (None, 40.0)})
    actions.do_lock_panel(actor=committee, category=category, reason="uji")
    with pytest.raises(Conflict) as caught:
        compute_results(category)
    message = caught.value.render_message()
    assert "Kota Tangerang Selatan: coverage_workforce (value)" in message
    assert "Kota Cilegon: coverage_workforce (value)" in message
    with pytest.raises(Conflict, match="missing values"):
        actions.do_save_results(actor=committee, category=category)
    assert not Result.objects.exists() and Category.objects.get().ranked_at is None
    assert AuditEvent.objects.filter(action="award.results.refused").count() == 1


def test_missing_values_are_resolved_by_a_value_an_exemption_or_zero(judging: dict[str, Any]) -> None:
    category, committee = judging["category"], judging["committee"]
    tangsel, cilegon = _participant(category, "36.74"), _participant(category, "36.72")
    _values(category, **{"36.03": (30.0, 40.0)})
    with pytest.raises(InvalidInput, match="target"):  # scored against a target: a value alone is not enough
        actions.do_resolve_missing(
            actor=committee, participant=tangsel, criterion="coverage_workforce", resolution="value", value=20
        )
    actions.do_resolve_missing(
        actor=committee, participant=tangsel, criterion="coverage_workforce", resolution="value", value=20, target=40
    )
    assert IndicatorScore.objects.get(participant=tangsel).source == "entered"
    with pytest.raises(InvalidInput, match="Say why"):
        actions.do_resolve_missing(
            actor=committee, participant=cilegon, criterion="coverage_workforce", resolution="exempt"
        )
    actions.do_resolve_missing(
        actor=committee,
        participant=cilegon,
        criterion="coverage_workforce",
        resolution="exempt",
        reason="BPS belum merilis data angkatan kerja Cilegon",
    )
    with pytest.raises(Conflict, match="nothing is missing"):
        actions.do_resolve_missing(
            actor=committee, participant=tangsel, criterion="coverage_workforce", resolution="zero", reason="x"
        )
    assert [(m.participant.region_code, m.resolved) for m in missing_values(category)] == [("36.72", True)]
    actions.do_lock_panel(actor=committee, category=category)
    results = {r.participant.region_code: r for r in compute_results(category)}
    # Cilegon (exempt): perda 100 x 40 and the jury (5 on 1..10 = 44.4) x 30, over the 70 left: the same as
    # renormalising its weights without the coverage criterion.
    assert results["36.72"].total == pytest.approx((100 * 40 + (5 - 1) / 9 * 100 * 30) / 70)
    assert results["36.74"].total == pytest.approx(40 + 50 * 0.3 + (7 - 1) / 9 * 100 * 0.3)
    assert [leaf["decision"] for leaf in results["36.72"].breakdown["leaves"]] == [None, "exempt", None]
    # after the lock no value comes in, but the committee can still decide
    with pytest.raises(Conflict, match="locked"):
        actions.do_resolve_missing(
            actor=committee, participant=cilegon, criterion="coverage_workforce", resolution="value", value=1, target=2
        )
    actions.do_resolve_missing(
        actor=committee, participant=cilegon, criterion="coverage_workforce", resolution="zero", reason="rapat pleno"
    )
    decision = MissingValueDecision.objects.get()
    assert (decision.kind, decision.decided_by) == ("zero", committee)
    event = AuditEvent.objects.filter(action="award.missing.decide").latest("pk")
    assert event.before == {"decision": "exempt", "reason": "BPS belum merilis data angkatan kerja Cilegon"}
    assert event.after["decision"] == "zero"
    assert {r.participant.region_code: r for r in compute_results(category)}["36.72"].total == pytest.approx(
        40 + (5 - 1) / 9 * 100 * 0.3
    )


def test_a_participant_exempt_on_every_criterion_is_refused(db: Any) -> None:
    only_jury = {
        "key": "juri-saja",
        "name": {"id": "Juri saja"},
        "criteria": [{**FRAMEWORK["criteria"][1], "weight": 100}],
    }
    s = _open(only_jury)
    committee, category = s["committee"], s["category"]
    operator = make_user("op.3603", "regional_operator", "36.03")
    actions.do_submit(actor=operator, participant=_participant(category, "36.03"))
    actions.do_set_edition_status(actor=committee, edition=s["edition"], status="verification", reason=REASON)
    actions.do_verify(actor=committee, participant=_participant(category, "36.03"), accept=True)
    with pytest.raises(InvalidInput, match="exempt on every criterion"):
        actions.do_resolve_missing(
            actor=committee,
            participant=_participant(category, "36.03"),
            criterion="kepala_daerah",
            resolution="exempt",
            reason="tidak ada",
        )
    assert not MissingValueDecision.objects.exists()


def test_missing_values_through_the_api(judging: dict[str, Any]) -> None:
    category = judging["category"]
    api = client_for(judging["committee"])
    listed = api.get(f"/api/v1/award/categories/{category.pk}/missing", {"unresolved": "true"}).json()
    assert [(m["region_code"], m["criterion"], m["needs"]) for m in listed] == [
        ("36.03", "coverage_workforce", "value"),
        ("36.72", "coverage_workforce", "value"),
        ("36.74", "coverage_workforce", "value"),
    ]
    p = _participant(category, "36.03")
    done = api.post(
        f"/api/v1/award/participants/{p.pk}/missing",
        {"criterion": "coverage_workforce", "resolution": "zero", "reason": "tidak melapor"},
        content_type="application/json",
    )
    assert done.status_code == 200
    bad = api.post(
        f"/api/v1/award/participants/{p.pk}/missing",
        {"criterion": "coverage_workforce", "resolution": "maybe"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "resolution"
    judge = client_for(judging["judges"][0])
    assert judge.get(f"/api/v1/award/categories/{category.pk}/missing").status_code == 403


# --- the ranking is a read; saving is the write -------------------------------------------------------------------


def _ready(judging: dict[str, Any]) -> Category:
    category = judging["category"]
    _values(category, **{"36.03": (30.0, 40.0), "36.74": (20.0, 40.0), "36.72": (10.0, 40.0)})
    actions.do_lock_panel(actor=judging["committee"], category=category)
    return category


def test_showing_the_ranking_writes_nothing(judging: dict[str, Any]) -> None:
    category = _ready(judging)
    events = AuditEvent.objects.count()
    api = client_for(judging["committee"])
    shown = api.get(f"/api/v1/award/categories/{category.pk}/ranking").json()
    assert [r["region_code"] for r in shown] == ["36.03", "36.74", "36.72"] and shown[0]["title"] == "Terbaik I"
    assert not Result.objects.exists() and Category.objects.get().ranked_at is None
    assert AuditEvent.objects.count() == events
    saved = api.post(f"/api/v1/award/categories/{category.pk}/results")
    assert saved.json() == {"done": "save", "ranked": 3} and Result.objects.count() == 3
    assert AuditEvent.objects.get(action="award.results.save").after["top"][0] == "Kabupaten Tangerang"


def test_saving_again_replaces_and_approval_needs_current_results(judging: dict[str, Any]) -> None:
    category, committee = _ready(judging), judging["committee"]
    actions.do_save_results(actor=committee, category=category)
    # a decision after saving: the saved results are stale, so approval is refused until they are saved again
    IndicatorScore.objects.filter(participant__region_code="36.03").update(value=None)
    actions.do_resolve_missing(
        actor=committee,
        participant=_participant(category, "36.03"),
        criterion="coverage_workforce",
        resolution="zero",
        reason="data ditarik kembali",
    )
    with pytest.raises(Conflict, match="cannot go on") as stale:
        actions.do_approve(actor=committee, category=category)
    assert stale.value.details["failing"] == ["current"]
    assert Category.objects.get().approved_at is None
    actions.do_save_results(actor=committee, category=category)
    assert Result.objects.count() == 3
    actions.do_approve(actor=committee, category=category)
    with pytest.raises(Conflict, match="approved and locked"):
        actions.do_save_results(actor=committee, category=category)
    with pytest.raises(Conflict, match="approved and locked"):
        actions.do_resolve_missing(
            actor=committee,
            participant=_participant(category, "36.03"),
            criterion="coverage_workforce",
            resolution="exempt",
            reason="x",
        )


# --- publication --------------------------------------------------------------------------------------------------


def test_a_title_won_alone_needs_a_reason_to_be_published(judging: dict[str, Any]) -> None:
    category, committee = _ready(judging), judging["committee"]
    for code in ("36.74", "36.72"):  # sent back: one verified participant is left
        Category.objects.filter(pk=category.pk).update(panel_locked_at=None)
        category.participants.filter(region_code=code).update(status="returned")
    Category.objects.filter(pk=category.pk).update(panel_locked_at=timezone.now())
    actions.do_save_results(actor=committee, category=category)
    actions.do_approve(actor=committee, category=category)
    actions.do_set_edition_status(actor=committee, edition=category.edition, status="closed")
    failing = {c.key for c in category_checks(category, "publish") if not c.ok}
    assert failing == {"contest", "turnout"}  # one ranked; 3 of 8 invited submitted
    with pytest.raises(Conflict, match="Give a reason") as alone:
        actions.do_publish(actor=committee, category=category)
    assert alone.value.details["failing"] == ["contest", "turnout"]
    assert Category.objects.get().published_at is None
    actions.do_publish(actor=committee, category=category, reason="keputusan rapat pleno 10 Mei")
    event = AuditEvent.objects.get(action="award.publish")
    assert (
        event.after["overridden"] == ["contest", "turnout"] and event.after["reason"] == "keputusan rapat pleno 10 Mei"
    )
    assert actions.do_publish(actor=committee, category=category).published_at  # again: nothing changes
    assert AuditEvent.objects.filter(action="award.publish").count() == 1


# --- zones --------------------------------------------------------------------------------------------------------


def test_zones_are_managed_by_the_national_committee_through_the_api(judging: dict[str, Any]) -> None:
    category = judging["category"]
    national = client_for(make_user("komite.nasional", "award_committee"))
    saved = national.put(
        "/api/v1/award/zones",
        {"name": "Zona Jawa-Bali", "region_codes": ["31", "32", "36"]},
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["slug"] == "zona-jawa-bali"
    assert saved.json()["regions"][-1] == "Banten"
    assert set(category.participants.values_list("zone", flat=True)) == {"Zona Jawa-Bali"}
    provincial = client_for(judging["committee"])
    assert provincial.get("/api/v1/award/zones").json()[0]["region_codes"] == ["31", "32", "36"]
    refused = provincial.put(
        "/api/v1/award/zones", {"name": "Zona Banten", "region_codes": ["36"]}, content_type="application/json"
    )
    assert refused.status_code == 403
    kabupaten = national.put(
        "/api/v1/award/zones", {"name": "Zona X", "region_codes": ["36.03"]}, content_type="application/json"
    )
    assert kabupaten.status_code == 422  # a zone is made of provinces
    assert national.delete("/api/v1/award/zones/zona-jawa-bali").json()["participants_moved"] == 8
    assert national.delete("/api/v1/award/zones/zona-jawa-bali").status_code == 404
    assert set(category.participants.values_list("zone", flat=True)) == {""}
    assert AuditEvent.objects.filter(action="award.zone.refused").count() == 3


def test_zones_of_an_approved_category_stay_as_they_were_judged(judging: dict[str, Any]) -> None:
    category, committee = _ready(judging), judging["committee"]
    actions.do_save_results(actor=committee, category=category)
    actions.do_approve(actor=committee, category=category)
    with pytest.raises(PermissionDenied):
        actions.do_save_zone(actor=committee, name="Zona Jawa-Bali", region_codes=["36"])
    national = make_user("komite.nasional", "award_committee")
    actions.do_save_zone(actor=national, name="Zona Jawa-Bali", region_codes=["36"])
    assert set(category.participants.values_list("zone", flat=True)) == {""}  # approved: unchanged
    with pytest.raises(NotFound):
        actions.do_delete_zone(actor=national, slug="tidak-ada")


# --- the pure part --------------------------------------------------------------------------------------------


@given(
    arrays(np.float64, (4, 5), elements=st.floats(0, 100)),
    arrays(np.float64, 5, elements=st.floats(0.01, 1)),
    arrays(np.bool_, (4, 5)),
)
def test_an_exemption_equals_renormalising_the_participants_other_weights(
    scores: np.ndarray, raw_weights: np.ndarray, exempt: np.ndarray
) -> None:
    exempt[:, 0] = False  # every participant keeps a criterion
    weights = raw_weights / raw_weights.sum()
    filled = scoring.fill_exempt(scores, weights, exempt)
    for i in range(scores.shape[0]):
        kept = ~exempt[i]
        expected = float(scores[i, kept] @ weights[kept] / weights[kept].sum())
        assert scoring.totals(filled, weights)[i] == pytest.approx(expected, abs=1e-9)
        assert np.array_equal(filled[i, kept], scores[i, kept])  # the other scores are untouched
