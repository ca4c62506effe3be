"""The award from invitation to publication, with every refusal the issue names: each refused with a clear
message, and each attempt recorded in the audit log. A stage whose check list does not hold moves on only with a
reason (``REASON`` here), which is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from paritrana.award import actions
from paritrana.award.models import Category, Edition, EditionStatus, Participant, Result
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: The reason a test gives when it moves on although a check fails (most tests invite 8 and submit a few).
REASON = "uji: sebagian peserta saja"

FRAMEWORK = {
    "key": "uji",
    "name": {"id": "Kerangka uji", "en": "Test framework"},
    "criteria": [
        {
            "key": "kebijakan",
            "name": {"id": "Kebijakan", "en": "Policy"},
            "weight": 50,
            "children": [
                {
                    "key": "perda",
                    "name": {"id": "Perda", "en": "Regional regulation"},
                    "weight": 100,
                    "method": "question",
                    "answer": "yes_no",
                    "evidence": ["Perda/Perbup"],
                }
            ],
        },
        {
            "key": "wawancara",
            "name": {"id": "Wawancara", "en": "Interview"},
            "weight": 50,
            "children": [
                {
                    "key": "kepala_daerah",
                    "name": {"id": "Kepala daerah", "en": "Regional head"},
                    "weight": 100,
                    "method": "jury",
                    "scale_min": 1,
                    "scale_max": 10,
                }
            ],
        },
    ],
}


@pytest.fixture
def setup(db: Any) -> dict[str, Any]:
    committee = make_user("komite.banten", "award_committee", "36")
    edition = actions.do_create_edition(
        actor=committee,
        year=2024,
        name="Paritrana Award 2024 Banten",
        region_code="36",
        assessment_start=date(2023, 1, 1),
        assessment_end=date(2023, 12, 31),
        submission_deadline=timezone.now() + timedelta(days=7),
    )
    category = actions.do_save_category(
        actor=committee,
        edition=edition,
        key="kabupaten-kota",
        name="Pemerintah Kabupaten/Kota",
        participant_level="kabupaten",
        framework=FRAMEWORK,
    )
    actions.do_invite(actor=committee, category=category)
    actions.do_set_edition_status(actor=committee, edition=edition, status="open")
    return {"committee": committee, "edition": edition, "category": category}


def _participant(category: Category, code: str) -> Participant:
    return category.participants.get(region_code=code)


def _answer_and_submit(category: Category, code: str, yes: bool) -> Participant:
    operator = make_user(f"op.{code}", "regional_operator", code)
    p = _participant(category, code)
    actions.do_save_answer(actor=operator, participant=p, criterion="perda", value="ya" if yes else "tidak")
    actions.do_upload_evidence(
        actor=operator, participant=p, criterion="perda", document="Perda/Perbup", data=PDF, filename="perda.pdf"
    )
    return actions.do_submit(actor=operator, participant=p)


def test_invitation_takes_every_kabupaten_kota_of_the_province(setup: dict[str, Any]) -> None:
    codes = set(setup["category"].participants.values_list("region_code", flat=True))
    assert codes == {"36.01", "36.02", "36.03", "36.04", "36.71", "36.72", "36.73", "36.74"}
    assert actions.do_invite(actor=setup["committee"], category=setup["category"])["invited"] == 0


def test_weights_that_do_not_sum_to_100_are_refused_and_the_attempt_audited(setup: dict[str, Any]) -> None:
    bad = {**FRAMEWORK, "criteria": [{**FRAMEWORK["criteria"][0], "weight": 40}, FRAMEWORK["criteria"][1]]}
    with pytest.raises(InvalidInput, match="100"):
        actions.do_save_category(
            actor=setup["committee"],
            edition=setup["edition"],
            key="x",
            name="X",
            participant_level="kabupaten",
            framework=bad,
        )
    assert AuditEvent.objects.filter(action="award.category.refused").exists()


def test_the_whole_round(setup: dict[str, Any]) -> None:
    committee, edition, category = setup["committee"], setup["edition"], setup["category"]
    for code, yes in (("36.03", True), ("36.74", True), ("36.72", False)):
        _answer_and_submit(category, code, yes)
    with pytest.raises(Conflict, match="reason") as caught:  # 3 of 8 submitted, deadline ahead
        actions.do_set_edition_status(actor=committee, edition=edition, status="verification")
    assert caught.value.details["failing"] == ["deadline", "submissions"]
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    for code in ("36.03", "36.74", "36.72"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    judges = [make_user(f"juri{i}", "jury", "36") for i in range(3)]
    for judge in judges:
        actions.do_add_panel_member(actor=committee, category=category, user=judge)
    actions.do_set_edition_status(actor=committee, edition=edition, status="judging")  # every check holds
    actions.do_declare_conflict(actor=judges[2], participant=_participant(category, "36.03"), reason="kerabat")
    with pytest.raises(PermissionDenied, match="conflict"):
        actions.do_score(
            actor=judges[2], participant=_participant(category, "36.03"), criterion="kepala_daerah", score=9
        )
    with pytest.raises(InvalidInput, match="between 1 and 10"):
        actions.do_score(
            actor=judges[0], participant=_participant(category, "36.03"), criterion="kepala_daerah", score=11
        )
    scores = {"36.03": (9, 8, None), "36.74": (6, 7, 10), "36.72": (10, 10, 10)}
    for code, per_judge in scores.items():
        for judge, score in zip(judges, per_judge, strict=True):
            if score is not None:
                actions.do_score(
                    actor=judge, participant=_participant(category, code), criterion="kepala_daerah", score=score
                )
    with pytest.raises(Conflict, match="Lock"):
        actions.do_save_results(actor=committee, category=category)
    actions.do_lock_panel(actor=committee, category=category)  # juri2's missing score on 36.03 is a conflict
    results = actions.do_save_results(actor=committee, category=category)
    # 36.03: perda yes (100 x 0.5) + jury mean 8.5 on 1..10 = 83.33 (x 0.5) = 91.67; the conflicted judge is left out.
    # 36.74: 50 + (7.67 - 1) / 9 x 100 x 0.5 = 87.04; 36.72: no perda, 0 + 50 = 50.
    assert [r.participant.region_code for r in results] == ["36.03", "36.74", "36.72"]
    assert results[0].total == pytest.approx(50 + (8.5 - 1) / 9 * 100 / 2)
    assert [r.title for r in results] == ["Terbaik I", "Terbaik II", "Terbaik III"]
    assert results[0].breakdown["leaves"][1]["judges"] == {"juri0": 9.0, "juri1": 8.0}
    lift = results[1].breakdown["lift"]
    assert lift and lift[0]["key"] == "kepala_daerah"
    actions.do_approve(actor=committee, category=category)
    with pytest.raises(Conflict, match="locked"):
        actions.do_save_results(actor=committee, category=category)
    with pytest.raises(Conflict, match="locked"):
        actions.do_score(
            actor=judges[0], participant=_participant(category, "36.72"), criterion="kepala_daerah", score=1
        )
    assert AuditEvent.objects.filter(action__endswith=".refused").count() >= 4
    with pytest.raises(Conflict, match="Close the edition"):
        actions.do_publish(actor=committee, category=category)
    with pytest.raises(Conflict, match="approved"):  # approved results: no stage goes back
        actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    actions.do_set_edition_status(actor=committee, edition=edition, status="closed")
    with pytest.raises(Conflict) as refused:  # 3 of the 8 invited submitted
        actions.do_publish(actor=committee, category=category)
    assert refused.value.details["failing"] == ["turnout"]
    actions.do_publish(actor=committee, category=category, reason="5 daerah tidak mengirim; hasil tetap diumumkan")
    assert Category.objects.get(pk=category.pk).published_at is not None
    assert Result.objects.count() == 3


def test_a_submission_needs_its_documents_and_the_deadline(setup: dict[str, Any]) -> None:
    category = setup["category"]
    operator = make_user("op.serang", "regional_operator", "36.04")
    p = _participant(category, "36.04")
    actions.do_save_answer(actor=operator, participant=p, criterion="perda", value=True)
    with pytest.raises(InvalidInput, match="Perda/Perbup"):
        actions.do_submit(actor=operator, participant=p)
    with pytest.raises(InvalidInput, match="Windows program"):
        actions.do_upload_evidence(
            actor=operator,
            participant=p,
            criterion="perda",
            document="Perda/Perbup",
            data=b"MZ\x90\x00" + b"\0" * 64,
            filename="perda.pdf",
        )
    Edition.objects.filter(pk=category.edition_id).update(submission_deadline=timezone.now() - timedelta(hours=1))
    p.refresh_from_db()
    with pytest.raises(Conflict, match="closed"):
        actions.do_save_answer(actor=operator, participant=p, criterion="perda", value=False)
    refused = AuditEvent.objects.filter(action__endswith=".refused").values_list("action", flat=True)
    assert {"award.submit.refused", "award.evidence.refused", "award.answer.refused"} <= set(refused)


def test_operators_answer_only_for_their_own_region(setup: dict[str, Any]) -> None:
    operator = make_user("op.lebak", "regional_operator", "36.02")
    with pytest.raises(PermissionDenied):
        actions.do_save_answer(
            actor=operator, participant=_participant(setup["category"], "36.03"), criterion="perda", value=True
        )


def test_a_judge_off_the_panel_cannot_score(setup: dict[str, Any]) -> None:
    judge = make_user("juri.lain", "jury", "36")
    Edition.objects.filter(pk=setup["edition"].pk).update(status=EditionStatus.JUDGING)
    with pytest.raises(PermissionDenied, match="panel"):
        actions.do_score(
            actor=judge, participant=_participant(setup["category"], "36.03"), criterion="kepala_daerah", score=5
        )
    assert isinstance(datetime.now(tz=timezone.get_current_timezone()), datetime)


def test_the_national_round_invites_the_winners_of_the_provincial_rounds(setup: dict[str, Any]) -> None:
    committee, category = setup["committee"], setup["category"]
    for code in ("36.03", "36.74", "36.72", "36.01"):
        _answer_and_submit(category, code, yes=code != "36.01")
    actions.do_set_edition_status(actor=committee, edition=setup["edition"], status="verification", reason=REASON)
    for code in ("36.03", "36.74", "36.72", "36.01"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    actions.do_lock_panel(actor=committee, category=category, reason="uji: tanpa wawancara")
    for p in category.participants.filter(status="verified"):  # nobody judged: the committee decides
        actions.do_resolve_missing(
            actor=committee, participant=p, criterion="kepala_daerah", resolution="exempt", reason="tanpa wawancara"
        )
    actions.do_save_results(actor=committee, category=category)
    actions.do_approve(actor=committee, category=category)
    national_committee = make_user("komite.nasional", "award_committee")
    national = actions.do_create_edition(
        actor=national_committee,
        year=2024,
        name="Paritrana Award 2024",
        assessment_start=date(2023, 1, 1),
        assessment_end=date(2023, 12, 31),
        submission_deadline=timezone.now() + timedelta(days=30),
    )
    round_two = actions.do_save_category(
        actor=national_committee,
        edition=national,
        key="kabupaten-kota",
        name="Pemerintah Kabupaten/Kota",
        participant_level="kabupaten",
        framework=FRAMEWORK,
    )
    assert (
        actions.do_invite(actor=national_committee, category=round_two, winners_of=2024)["invited"] == 0
    )  # unpublished
    for stage in ("judging", "closed"):
        actions.do_set_edition_status(actor=committee, edition=category.edition, status=stage, reason=REASON)
    actions.do_publish(actor=committee, category=category, reason=REASON)
    assert actions.do_invite(actor=national_committee, category=round_two, winners_of=2024)["invited"] == 3
    codes = set(round_two.participants.values_list("region_code", flat=True))
    assert codes == {
        r.participant.region_code for r in Result.objects.filter(participant__category=category).exclude(title="")
    }
    assert "36.01" not in codes
    with pytest.raises(Conflict, match="national round"):
        actions.do_invite(actor=committee, category=category, winners_of=2024)
