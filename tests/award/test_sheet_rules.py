"""Issue 20: a spreadsheet import obeys the rules of the state as the judge's own score does. After "Kunci panel"
no score, indicator value or answer comes in from a file; a score for a participant sent back, a judge with a
conflict or an edition not judging is refused naming the row; nothing of a refused file is written; the attempt is
audited; the command line refuses the same way (exit 2)."""

from __future__ import annotations

from typing import Any

import pytest

from paritrana.award import actions
from paritrana.award.models import JuryScore
from paritrana.award.sheets import do_import_sheet
from paritrana.cli import main
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.award.test_workflow import REASON, _answer_and_submit, _participant
from tests.award.test_workflow import setup as setup
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def judging(setup: dict[str, Any]) -> dict[str, Any]:
    committee, edition, category = setup["committee"], setup["edition"], setup["category"]
    for code in ("36.03", "36.74"):
        _answer_and_submit(category, code, True)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    actions.do_verify(actor=committee, participant=_participant(category, "36.03"), accept=True)
    actions.do_verify(actor=committee, participant=_participant(category, "36.74"), accept=False, notes="Perda kurang")
    judge = make_user("juri.satu", "jury", "36")
    actions.do_add_panel_member(actor=committee, category=category, user=judge)
    actions.do_set_edition_status(actor=committee, edition=edition, status="judging", reason="uji: satu juri")
    return {**setup, "judge": judge}


def _sheet(*rows: str) -> bytes:
    return ("judge;region_code;criterion;score\n" + "\n".join(rows) + "\n").encode()


def test_a_score_sheet_is_imported_while_judging(judging: dict[str, Any]) -> None:
    result = do_import_sheet(
        actor=judging["committee"],
        category=judging["category"],
        kind="scores",
        data=_sheet("juri.satu;36.03;kepala_daerah;8"),
        filename="nilai.csv",
    )
    assert result == {"rows": 1} and JuryScore.objects.get().score == 8


def test_after_the_panel_lock_no_sheet_changes_a_score(judging: dict[str, Any], tmp_path: Any) -> None:
    committee, category = judging["committee"], judging["category"]
    actions.do_score(
        actor=judging["judge"], participant=_participant(category, "36.03"), criterion="kepala_daerah", score=7
    )
    actions.do_lock_panel(actor=committee, category=category, reason="uji: satu juri")
    for kind, body in (
        ("scores", _sheet("juri.satu;36.03;kepala_daerah;10")),
        ("indicators", b"region_code;criterion;value\n36.03;kepala_daerah;1\n"),
        ("answers", b"region_code;criterion;value\n36.03;perda;tidak\n"),
    ):
        with pytest.raises(Conflict, match="locked"):
            do_import_sheet(actor=committee, category=category, kind=kind, data=body, filename="x.csv")
    assert JuryScore.objects.get().score == 7
    assert AuditEvent.objects.filter(action="award.import.refused").count() == 3
    path = tmp_path / "nilai.csv"
    path.write_bytes(_sheet("juri.satu;36.03;kepala_daerah;10"))
    args = ["--edition", "2024", "--region", "36", "--category", "kabupaten-kota", "--user", "komite.banten"]
    code = main(["award", "import", str(path), "--kind", "scores", *args])
    assert code == 2 and JuryScore.objects.get().score == 7


def test_a_score_for_a_participant_sent_back_is_refused_naming_the_row(judging: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        do_import_sheet(
            actor=judging["committee"],
            category=judging["category"],
            kind="scores",
            data=_sheet("juri.satu;36.03;kepala_daerah;8", "juri.satu;36.74;kepala_daerah;9"),
            filename="nilai.csv",
        )
    assert caught.value.details["row"] == 3 and "not verified" in caught.value.render_message()
    assert not JuryScore.objects.exists()  # all or nothing


def test_a_score_sheet_outside_the_judging_stage_is_refused(judging: dict[str, Any]) -> None:
    actions.do_set_edition_status(
        actor=judging["committee"], edition=judging["edition"], status="closed", reason=REASON
    )
    with pytest.raises(InvalidInput, match="stage"):
        do_import_sheet(
            actor=judging["committee"],
            category=judging["category"],
            kind="scores",
            data=_sheet("juri.satu;36.03;kepala_daerah;8"),
            filename="nilai.csv",
        )
    assert not JuryScore.objects.exists()


def test_a_region_answering_no_submits_without_the_document(setup: dict[str, Any]) -> None:
    category = setup["category"]
    operator = make_user("op.3672", "regional_operator", "36.72")
    participant = _participant(category, "36.72")
    actions.do_save_answer(actor=operator, participant=participant, criterion="perda", value="tidak")
    assert actions.do_submit(actor=operator, participant=participant).status == "submitted"
    yes = _participant(category, "36.71")
    operator_yes = make_user("op.3671", "regional_operator", "36.71")
    actions.do_save_answer(actor=operator_yes, participant=yes, criterion="perda", value="ya")
    with pytest.raises(InvalidInput, match="Perda/Perbup"):
        actions.do_submit(actor=operator_yes, participant=yes)


def test_the_committee_records_a_conflict_from_a_signed_form_and_it_can_be_withdrawn(
    judging: dict[str, Any],
) -> None:
    from paritrana.award.models import ConflictOfInterest
    from paritrana.award.sheets import export_rows
    from tests.conftest import client_for

    committee, category, judge = judging["committee"], judging["category"], judging["judge"]
    participant = _participant(category, "36.03")
    actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=9)
    api = client_for(committee)
    made = api.post(
        f"/api/v1/award/participants/{participant.pk}/conflict",
        {"reason": "formulir bertanda tangan: kerabat", "judge": "juri.satu"},
        content_type="application/json",
    )
    assert made.status_code == 200
    conflict = ConflictOfInterest.objects.get(pk=made.json()["conflict_id"])
    assert conflict.recorded_by == committee and not JuryScore.objects.exists()  # the score no longer counts
    columns, rows = export_rows(category, "scores")
    assert columns[-1] == "conflict" and rows == [
        {
            "judge": "juri.satu",
            "region_code": "36.03",
            "name": participant.name,
            "criterion": "",
            "score": None,
            "comment": "",
            "conflict": "formulir bertanda tangan: kerabat",
        }
    ]
    with pytest.raises(PermissionDenied):  # the judge cannot score while the conflict stands
        actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=9)
    with pytest.raises(InvalidInput, match="why"):
        actions.do_withdraw_conflict(actor=judge, conflict=conflict, reason=" ")
    withdrawn = client_for(judge).post(
        f"/api/v1/award/conflicts/{conflict.pk}/withdraw", {"reason": "salah orang"}, content_type="application/json"
    )
    assert withdrawn.status_code == 200
    conflict.refresh_from_db()
    assert conflict.withdrawn_by == judge and conflict.withdraw_reason == "salah orang"
    actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=9)
    assert JuryScore.objects.get().score == 9
    stranger = client_for(make_user("op.lain", "regional_operator", "36.03"))
    assert (
        stranger.post(
            f"/api/v1/award/conflicts/{conflict.pk}/withdraw", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_a_by_zone_category_refuses_to_rank_participants_without_a_zone(judging: dict[str, Any]) -> None:
    from paritrana.award.models import Category

    category, committee = judging["category"], judging["committee"]
    Category.objects.filter(pk=category.pk).update(by_zone=True)
    category.refresh_from_db()
    actions.do_score(
        actor=judging["judge"], participant=_participant(category, "36.03"), criterion="kepala_daerah", score=8
    )
    actions.do_lock_panel(actor=committee, category=category, reason="uji: satu juri")
    with pytest.raises(Conflict, match="no zone"):
        actions.do_save_results(actor=committee, category=category)
    # the national committee sets the zones; the participants of the unapproved category move into theirs
    national = make_user("komite.nasional", "award_committee")
    actions.do_save_zone(actor=national, name="Zona Jawa-Bali", region_codes=["31", "32", "33", "34", "35", "36", "51"])
    assert set(category.participants.values_list("zone", flat=True)) == {"Zona Jawa-Bali"}
    assert len(actions.do_save_results(actor=committee, category=category)) == 1
