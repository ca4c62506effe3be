"""The jury's scoring deadline (issue 21 §6: the jury sees its panels and their deadlines): set at creation or
later by the committee, on every door; after it a score is refused with the date, until the committee extends it;
the jury's dashboard says until when it scores."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from paritrana.accounts.actions import do_create_token
from paritrana.award import actions
from paritrana.award.models import Edition, JuryScore
from paritrana.cli import main
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.award.test_workflow import REASON, _answer_and_submit, _participant, setup  # noqa: F401
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _judging(setup: dict[str, Any]) -> tuple[Any, Any]:  # noqa: F811
    committee, edition, category = setup["committee"], setup["edition"], setup["category"]
    _answer_and_submit(category, "36.03", True)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    actions.do_verify(actor=committee, participant=_participant(category, "36.03"), accept=True)
    judge = make_user("juri.tenggat", "jury", "36")
    actions.do_add_panel_member(actor=committee, category=category, user=judge)
    actions.do_set_edition_status(actor=committee, edition=edition, status="judging", reason=REASON)
    return judge, _participant(category, "36.03")


def test_a_score_after_the_deadline_is_refused_until_the_committee_extends_it(setup: dict[str, Any]) -> None:  # noqa: F811
    committee, edition = setup["committee"], setup["edition"]
    judge, participant = _judging(setup)
    past = timezone.now() - timedelta(minutes=1)
    Edition.objects.filter(pk=edition.pk).update(submission_deadline=past - timedelta(days=1), scoring_deadline=past)
    with pytest.raises(Conflict, match="Scoring closed") as refused:
        actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=8)
    assert refused.value.details["field"] == "score"
    assert not JuryScore.objects.exists()
    assert AuditEvent.objects.filter(action="award.score.refused").exists()
    actions.do_set_scoring_deadline(actor=committee, edition=edition, deadline=timezone.now() + timedelta(days=3))
    actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=8)
    assert JuryScore.objects.get().score == 8
    event = AuditEvent.objects.get(action="award.edition.scoring_deadline")
    assert event.before["scoring_deadline"] is not None


def test_the_deadline_comes_after_the_self_assessment_and_only_the_committee_sets_it(setup: dict[str, Any]) -> None:  # noqa: F811
    committee, edition = setup["committee"], setup["edition"]
    with pytest.raises(InvalidInput) as early:
        actions.do_set_scoring_deadline(actor=committee, edition=edition, deadline=edition.submission_deadline)
    assert early.value.details["field"] == "scoring_deadline"
    with pytest.raises(PermissionDenied):
        actions.do_set_scoring_deadline(
            actor=make_user("juri.lain", "jury", "36"), edition=edition, deadline=timezone.now() + timedelta(days=30)
        )
    assert Edition.objects.get(pk=edition.pk).scoring_deadline is None
    Edition.objects.filter(pk=edition.pk).update(status="closed")
    with pytest.raises(Conflict, match="closed"):
        actions.do_set_scoring_deadline(actor=committee, edition=edition, deadline=timezone.now() + timedelta(days=30))


def test_the_jury_dashboard_says_until_when_it_scores_and_when_it_closed(setup: dict[str, Any]) -> None:  # noqa: F811
    edition = setup["edition"]
    judge, _participant_ = _judging(setup)
    page = client_for(judge).get("/").content.decode()
    assert 'data-testid="jury-panel"' in page and "jury-deadline" not in page and "jury-closed" not in page
    soon = timezone.now() + timedelta(days=2)
    Edition.objects.filter(pk=edition.pk).update(scoring_deadline=soon)
    assert 'data-testid="jury-deadline"' in client_for(judge).get("/").content.decode()
    Edition.objects.filter(pk=edition.pk).update(
        submission_deadline=timezone.now() - timedelta(days=2), scoring_deadline=timezone.now() - timedelta(hours=1)
    )
    assert 'data-testid="jury-closed"' in client_for(judge).get("/").content.decode()


def test_the_committee_sets_the_deadline_on_the_edition_page_the_api_and_the_command_line(
    setup: dict[str, Any],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    committee, edition = setup["committee"], setup["edition"]
    later = timezone.localtime(edition.submission_deadline + timedelta(days=10)).replace(second=0, microsecond=0)
    page = client_for(committee).post(
        f"/award/editions/{edition.pk}/",
        {"form": "scoring_deadline", "scoring_deadline": later.strftime("%Y-%m-%dT%H:%M")},
    )
    assert page.status_code == 302
    assert Edition.objects.get(pk=edition.pk).scoring_deadline == later
    refused = client_for(committee).post(
        f"/award/editions/{edition.pk}/", {"form": "scoring_deadline", "scoring_deadline": "2000-01-01T00:00"}
    )
    assert refused.status_code == 422 and "pilih tenggat penilaian juri yang lebih lambat" in refused.content.decode()
    assert Edition.objects.get(pk=edition.pk).scoring_deadline == later

    _row, key = do_create_token(user=committee, label="t", actor=None)
    headers = {"Authorization": f"Bearer {key}"}
    url = f"/api/v1/award/editions/{edition.pk}/scoring-deadline"
    answer = Client().put(url, {"scoring_deadline": None}, "application/json", headers=headers)
    assert answer.status_code == 200 and answer.json()["scoring_deadline"] is None
    too_early = Client().put(url, {"scoring_deadline": "2000-01-01T00:00:00Z"}, "application/json", headers=headers)
    assert too_early.status_code == 422 and too_early.json()["details"]["field"] == "scoring_deadline"

    day = (edition.submission_deadline + timedelta(days=20)).date().isoformat()
    code = main(["award", "edition", "--edition", "2024", "--region", "36", "--scoring-deadline", day,
                 "--format", "json", "--user", "komite.banten"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["scoring_deadline"].startswith(day)
    assert timezone.localtime(Edition.objects.get(pk=edition.pk).scoring_deadline).date().isoformat() == day
