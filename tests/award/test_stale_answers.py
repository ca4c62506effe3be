"""Two operators of one region fill in the same self-assessment (issue 21: a page opened before a colleague's save
does not silently put the old value back). Each answer carries the version the page showed; a different value saved
since refuses this one with a message naming the answer, its new value and when, on the page and in the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from paritrana.accounts.actions import do_create_token
from paritrana.award import actions
from paritrana.award.models import Answer
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import Conflict
from tests.award.test_workflow import setup  # noqa: F401 - the fixture
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

KAB = "36.03"


def _two_operators(setup: dict[str, Any]) -> tuple[Any, Any, Any]:  # noqa: F811
    participant = setup["category"].participants.get(region_code=KAB)
    return make_user("op.satu", "regional_operator", KAB), make_user("op.dua", "regional_operator", KAB), participant


def test_an_answer_changed_since_the_page_was_opened_is_refused_and_kept(setup: dict[str, Any]) -> None:  # noqa: F811
    first, second, participant = _two_operators(setup)
    opened = actions.version_of(None)  # both pages opened before anything was answered
    actions.do_save_answer(actor=first, participant=participant, criterion="perda", value="ya", seen=opened)
    with pytest.raises(Conflict) as refused:
        actions.do_save_answer(actor=second, participant=participant, criterion="perda", value="tidak", seen=opened)
    assert refused.value.details["field"] == "perda"
    assert "perda" in str(refused.value) and "(it is now: ya)" in str(refused.value)  # the page speaks Indonesian
    assert Answer.objects.get(participant=participant, criterion="perda").value is True
    assert AuditEvent.objects.filter(action="award.answer.refused").exists()


def test_posting_the_value_already_saved_or_a_fresh_version_is_no_conflict(setup: dict[str, Any]) -> None:  # noqa: F811
    first, second, participant = _two_operators(setup)
    opened = actions.version_of(None)
    saved = actions.do_save_answer(actor=first, participant=participant, criterion="perda", value="ya", seen=opened)
    # the second page posts every answered question: the same value is not a conflict
    actions.do_save_answer(actor=second, participant=participant, criterion="perda", value="ya", seen=opened)
    # a page opened after the save changes it
    fresh = actions.version_of(Answer.objects.get(pk=saved.pk))
    actions.do_save_answer(actor=second, participant=participant, criterion="perda", value="tidak", seen=fresh)
    assert Answer.objects.get(pk=saved.pk).value is False
    # no version sent (the CLI, an API client that does not send one): the last write wins, as before
    actions.do_save_answer(actor=first, participant=participant, criterion="perda", value="ya")
    assert Answer.objects.get(pk=saved.pk).value is True


def test_the_page_refuses_the_stale_answer_names_it_and_saves_the_others(setup: dict[str, Any]) -> None:  # noqa: F811
    first, second, participant = _two_operators(setup)
    url = f"/award/participants/{participant.pk}/assessment/"
    page = client_for(second).get(url).content.decode()
    assert 'name="v-perda" value=""' in page  # the version the page showed: not answered yet
    actions.do_save_answer(actor=first, participant=participant, criterion="perda", value="ya", seen="")
    answer = client_for(second).post(url, {"form": "answers", "q-perda": "tidak", "v-perda": ""})
    html = answer.content.decode()
    assert answer.status_code == 422 and "setelah Anda membuka halaman ini" in html  # the page speaks Indonesian
    assert Answer.objects.get(participant=participant, criterion="perda").value is True
    # the page shown again carries the new version: saving again is a deliberate overwrite
    version = actions.version_of(Answer.objects.get(participant=participant, criterion="perda"))
    assert f'name="v-perda" value="{version}"' in html
    again = client_for(second).post(url, {"form": "answers", "q-perda": "tidak", "v-perda": version})
    assert again.status_code == 302
    assert Answer.objects.get(participant=participant, criterion="perda").value is False


def test_the_api_takes_the_version_it_answered_and_refuses_a_stale_one(setup: dict[str, Any]) -> None:  # noqa: F811
    first, second, participant = _two_operators(setup)
    _row, key = do_create_token(user=second, label="t", actor=None)
    headers = {"Authorization": f"Bearer {key}"}
    url = f"/api/v1/award/participants/{participant.pk}/answers"
    body = Client().put(url, {"criterion": "perda", "value": "ya", "seen": ""}, "application/json", headers=headers)
    assert body.status_code == 200 and body.json()["seen"]
    actions.do_save_answer(
        actor=first, participant=participant, criterion="perda", value="tidak", seen=body.json()["seen"]
    )
    stale = Client().put(
        url, {"criterion": "perda", "value": "ya", "seen": body.json()["seen"]}, "application/json", headers=headers
    )
    assert stale.status_code == 409 and stale.json()["details"]["field"] == "perda"
    assert Answer.objects.get(participant=participant, criterion="perda").value is False


def test_a_jury_score_changed_since_the_page_was_opened_is_refused_on_every_door(setup: dict[str, Any]) -> None:  # noqa: F811
    """The judge's other tab, or the committee's import of the judge's sheet, saved a score after this page was
    opened: this one is refused, naming the rubric and the score now; the same score again is no conflict."""
    from paritrana.award.models import JuryScore
    from tests.award.test_scoring_deadline import _judging

    judge, participant = _judging(setup)
    opened = actions.version_of(None)
    actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=8, seen=opened)
    with pytest.raises(Conflict) as refused:
        actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=6, seen=opened)
    assert refused.value.details["field"] == "kepala_daerah" and "(it is now: 8)" in str(refused.value)
    actions.do_score(actor=judge, participant=participant, criterion="kepala_daerah", score=8, seen=opened)
    assert JuryScore.objects.get().score == 8

    url = f"/award/participants/{participant.pk}/score/"
    version = actions.version_of(JuryScore.objects.get())
    assert f'name="v-kepala_daerah" value="{version}"' in client_for(judge).get(url).content.decode()
    stale = client_for(judge).post(url, {"form": "score", "s-kepala_daerah": "5", "v-kepala_daerah": ""})
    assert stale.status_code == 422 and JuryScore.objects.get().score == 8
    fresh = client_for(judge).post(url, {"form": "score", "s-kepala_daerah": "5", "v-kepala_daerah": version})
    assert fresh.status_code == 302 and JuryScore.objects.get().score == 5

    _row, key = do_create_token(user=judge, label="t", actor=None)
    api = f"/api/v1/award/participants/{participant.pk}/scores"
    headers = {"Authorization": f"Bearer {key}"}
    body = {"criterion": "kepala_daerah", "score": 7, "seen": version}  # the version before the page's save
    assert Client().put(api, body, "application/json", headers=headers).status_code == 409
    body["seen"] = actions.version_of(JuryScore.objects.get())
    answer = Client().put(api, body, "application/json", headers=headers)
    assert answer.status_code == 200 and answer.json()["seen"] and JuryScore.objects.get().score == 7
