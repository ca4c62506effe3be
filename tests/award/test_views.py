"""The award pages by role: the operator's self-assessment (answers, evidence, submission), the committee's
buttons (stage, verification, panel, lock, rank, approve, publish, spreadsheets), the judge's rubric form and
conflicts, a participant's breakdown, evidence downloads and the public results."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from paritrana.award import actions
from paritrana.award.models import Category, Edition, Evidence, JuryScore, Participant, ParticipantStatus
from paritrana.core.audit import AuditEvent
from paritrana.regions.models import RegionGroup
from tests.award.test_workflow import PDF, REASON, _answer_and_submit, _participant, setup  # noqa: F401 - a fixture
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _client(user: Any = None, language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _file(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def _judged(s: dict[str, Any]) -> dict[str, Any]:
    """Three kabupaten/kota submitted and verified, in the jury stage, with two judges on the panel."""
    committee, edition, category = s["committee"], s["edition"], s["category"]
    for code, yes in (("36.03", True), ("36.74", True), ("36.72", False)):
        _answer_and_submit(category, code, yes)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    for code in ("36.03", "36.74", "36.72"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    judges = [make_user(f"j{i}", "jury", "36") for i in range(2)]
    for judge in judges:
        actions.do_add_panel_member(actor=committee, category=category, user=judge)
    actions.do_set_edition_status(actor=committee, edition=edition, status="judging", reason="uji: dua juri")
    return {**s, "judges": judges}


def ranked(s: dict[str, Any], *, publish: bool = False) -> dict[str, Any]:
    """``_judged``, scored by both judges, locked, ranked (and approved and published when asked)."""
    s = _judged(s)
    committee, category = s["committee"], s["category"]
    for code, marks in (("36.03", (9, 8)), ("36.74", (6, 7)), ("36.72", (10, 10))):
        for judge, mark in zip(s["judges"], marks, strict=True):
            actions.do_score(
                actor=judge, participant=_participant(category, code), criterion="kepala_daerah", score=mark
            )
    actions.do_lock_panel(actor=committee, category=category, reason="uji: dua juri")
    actions.do_save_results(actor=committee, category=category)
    if publish:
        _publish(s)
    category.refresh_from_db()
    return s


def _publish(s: dict[str, Any]) -> None:
    committee, category = s["committee"], s["category"]
    actions.do_approve(actor=committee, category=category)
    actions.do_set_edition_status(actor=committee, edition=category.edition, status="closed")
    actions.do_publish(actor=committee, category=category, reason=REASON)


# --- the operator's self-assessment ------------------------------------------------------------------------------


def test_the_operator_answers_uploads_and_submits_through_the_page(setup: dict[str, Any]) -> None:  # noqa: F811
    operator = make_user("op.tangerang", "regional_operator", "36.03")
    p = _participant(setup["category"], "36.03")
    client = _client(operator)
    mine = client.get("/award/mine/")
    assert mine.status_code == 200 and f"/award/participants/{p.pk}/assessment/" in mine.content.decode()
    page = client.get(f"/award/participants/{p.pk}/assessment/")
    text = page.content.decode()
    assert page.status_code == 200 and 'name="q-perda"' in text and 'data-testid="deadline"' in text
    # what is missing, by the question's name (in English here: the framework names it in both languages)
    assert "Regional regulation: not answered" in text and "Regional regulation: Perda/Perbup not uploaded" in text
    assert client.post(page.request["PATH_INFO"], {"form": "answers", "q-perda": "ya"}).status_code == 302
    uploaded = client.post(
        page.request["PATH_INFO"],
        {"form": "evidence", "criterion": "perda", "document": "Perda/Perbup", "file": _file(PDF, "perda-2023.pdf")},
    )
    assert uploaded.status_code == 302
    text = client.get(page.request["PATH_INFO"]).content.decode()
    assert "perda-2023.pdf" in text and 'data-testid="complete"' in text and 'data-testid="missing"' not in text
    assert client.post(page.request["PATH_INFO"], {"form": "submit"}).status_code == 302
    p.refresh_from_db()
    assert p.status == ParticipantStatus.SUBMITTED and p.answers.get().value is True
    after = client.get(page.request["PATH_INFO"]).content.decode()
    assert 'id="answers-form"' not in after and 'data-testid="closed"' in after  # nothing can change now


def test_an_executable_renamed_pdf_is_refused_with_the_message(setup: dict[str, Any]) -> None:  # noqa: F811
    operator = make_user("op.tangerang", "regional_operator", "36.03")
    p = _participant(setup["category"], "36.03")
    response = _client(operator).post(
        f"/award/participants/{p.pk}/assessment/",
        {
            "form": "evidence",
            "criterion": "perda",
            "document": "Perda/Perbup",
            "file": _file(b"MZ\x90\x00" + b"\0" * 64, "perda.pdf"),
        },
    )
    assert response.status_code == 422
    message = "perda.pdf is not a PDF, an image (PNG, JPEG) or an office document: it looks like a Windows program."
    assert message in response.content.decode()
    assert not Evidence.objects.exists()
    assert AuditEvent.objects.filter(action="award.evidence.refused").exists()
    indonesian = _client(operator, "id").post(
        f"/award/participants/{p.pk}/assessment/",
        {"form": "evidence", "criterion": "perda", "document": "Perda/Perbup", "file": _file(b"MZ\0\0", "perda.pdf")},
    )
    assert indonesian.status_code == 422 and "perda.pdf bukan PDF" in indonesian.content.decode()
    assert "program Windows" in indonesian.content.decode()  # the kind of file in the reader's language too


def test_a_wrong_answer_is_shown_beside_its_question(setup: dict[str, Any]) -> None:  # noqa: F811
    operator = make_user("op.tangerang", "regional_operator", "36.03")
    p = _participant(setup["category"], "36.03")
    response = _client(operator).post(
        f"/award/participants/{p.pk}/assessment/", {"form": "answers", "q-perda": "maybe"}
    )
    assert response.status_code == 422 and "Answer yes or no." in response.content.decode()
    assert not p.answers.exists()


def test_an_operator_cannot_open_another_regions_assessment(setup: dict[str, Any]) -> None:  # noqa: F811
    operator = make_user("op.lebak", "regional_operator", "36.02")
    p = _participant(setup["category"], "36.03")
    assert _client(operator).get(f"/award/participants/{p.pk}/assessment/").status_code == 403
    response = _client(operator).post(f"/award/participants/{p.pk}/assessment/", {"form": "answers", "q-perda": "ya"})
    assert response.status_code == 403 and not p.answers.exists()


def test_returned_notes_are_shown_to_the_operator(setup: dict[str, Any]) -> None:  # noqa: F811
    committee, category = setup["committee"], setup["category"]
    p = _answer_and_submit(category, "36.03", True)
    refused = _client(committee).post(
        f"/award/participants/{p.pk}/", {"form": "verify", "decision": "return", "notes": ""}
    )
    assert refused.status_code == 422 and "Say what must be corrected." in refused.content.decode()
    returned = _client(committee).post(
        f"/award/participants/{p.pk}/",
        {"form": "verify", "decision": "return", "notes": "Unggah Perda yang sudah diundangkan."},
    )
    assert returned.status_code == 302
    operator = make_user("op.tng2", "regional_operator", "36.03")
    page = _client(operator).get(f"/award/participants/{p.pk}/assessment/")
    text = page.content.decode()
    assert 'data-testid="returned-notes"' in text and "Unggah Perda yang sudah diundangkan." in text
    assert 'id="answers-form"' in text  # returned: the operator can correct it


# --- the committee -----------------------------------------------------------------------------------------------


def test_the_committee_runs_the_round_with_the_buttons(setup: dict[str, Any]) -> None:  # noqa: F811
    committee, edition, category = setup["committee"], setup["edition"], setup["category"]
    client = _client(committee)
    for code, yes in (("36.03", True), ("36.74", True), ("36.72", False)):
        _answer_and_submit(category, code, yes)
    page = client.get(f"/award/editions/{edition.pk}/")
    text = page.content.decode()
    # the check list of the next stage: the deadline is ahead and 3 of 8 submitted, so a reason is asked for
    assert page.status_code == 200 and 'data-testid="next-stage"' in text and 'data-check="deadline"' in text
    assert 'data-check="submissions" data-ok="0"' in text and 'name="reason"' in text
    refused = client.post(page.request["PATH_INFO"], {"form": "status", "status": "verification"})
    assert refused.status_code == 422 and "Give a reason to go on anyway" in refused.content.decode()
    assert Edition.objects.get(pk=edition.pk).status == "open"
    moved = client.post(page.request["PATH_INFO"], {"form": "status", "status": "verification", "reason": REASON})
    assert moved.status_code == 302
    event = AuditEvent.objects.filter(action="award.edition.status").latest("pk")
    assert event.after["overridden"] == ["deadline", "submissions"] and event.after["reason"] == REASON
    for code in ("36.03", "36.74", "36.72"):
        p = _participant(category, code)
        form = client.get(f"/award/participants/{p.pk}/").content.decode()
        assert 'data-testid="verify-form"' in form
        done = client.post(f"/award/participants/{p.pk}/", {"form": "verify", "decision": "accept", "confirmed": "1"})
        assert done.status_code == 302
    assert set(category.participants.filter(status="verified").values_list("region_code", flat=True)) == {
        "36.03",
        "36.74",
        "36.72",
    }
    url = f"/award/categories/{category.pk}/"
    judges = [make_user(f"juri{i}", "jury", "36") for i in range(3)]
    for judge in judges:
        assert client.post(url, {"form": "panel", "username": judge.username}).status_code == 302
    unknown = client.post(url, {"form": "panel", "username": "nobody"})
    assert unknown.status_code == 422 and "There is no active user nobody." in unknown.content.decode()
    assert client.post(f"/award/editions/{edition.pk}/", {"form": "status", "status": "judging"}).status_code == 302
    category = Category.objects.get(pk=category.pk)  # the edition moved on through the page
    too_early = client.post(url, {"form": "save"})
    assert too_early.status_code == 422 and "Lock the panel" in too_early.content.decode()
    preview = client.get(f"/award/categories/{category.pk}/ranking/")
    assert preview.status_code == 200 and "Lock the panel" in preview.content.decode()
    lock_list = client.get(url).content.decode()
    assert 'data-testid="checks-lock"' in lock_list and 'data-check="scored" data-ok="0"' in lock_list
    for code, marks in (("36.03", (9, 8, 7)), ("36.74", (6, 7, 6)), ("36.72", (10, 10, 9))):
        for judge, mark in zip(judges, marks, strict=True):
            actions.do_score(
                actor=judge, participant=_participant(category, code), criterion="kepala_daerah", score=mark
            )
    assert client.post(url, {"form": "lock", "confirmed": "1"}).status_code == 302  # every check holds: no reason
    shown = client.get(f"/award/categories/{category.pk}/ranking/").content.decode()
    assert 'data-testid="ranking"' in shown and 'data-testid="not-saved"' in shown and "Terbaik I" in shown
    assert not Category.objects.get(pk=category.pk).ranked_at  # a read: nothing saved
    assert client.post(url, {"form": "save"}).status_code == 302
    text = client.get(url).content.decode()
    assert 'data-testid="results"' in text and "Terbaik I" in text and 'data-testid="approve"' in text
    assert "Not published: only the committee sees these results." in text
    assert client.post(url, {"form": "approve", "confirmed": "1"}).status_code == 302
    text = client.get(url).content.decode()
    assert 'data-testid="publish"' in text and 'data-check="turnout" data-ok="0"' in text
    early = client.post(url, {"form": "publish", "reason": REASON})  # the edition is still judging: not yet
    assert early.status_code == 422 and "Close the edition" in early.content.decode()  # this client reads English
    closing = {"form": "status", "status": "closed", "confirmed": "1"}
    assert client.post(f"/award/editions/{edition.pk}/", closing).status_code == 302
    no_reason = client.post(url, {"form": "publish"})
    assert no_reason.status_code == 422 and "Most invited regions submitted (3 of 8)" in no_reason.content.decode()
    assert client.post(url, {"form": "publish", "reason": REASON, "confirmed": "1"}).status_code == 302
    category.refresh_from_db()
    assert category.approved_at and category.published_at
    again = client.post(url, {"form": "save"})
    assert again.status_code == 422 and "approved and locked" in again.content.decode()


def test_a_missing_value_is_shown_and_resolved_on_the_category_page(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    committee, category = s["committee"], s["category"]
    for code in ("36.03", "36.74"):  # 36.72 is scored by nobody
        for judge in s["judges"]:
            actions.do_score(actor=judge, participant=_participant(category, code), criterion="kepala_daerah", score=7)
    actions.do_lock_panel(actor=committee, category=category, reason="uji: dua juri")
    client = _client(committee)
    url = f"/award/categories/{category.pk}/"
    text = client.get(url).content.decode()
    assert (
        'data-testid="missing"' in text
        and 'data-region="36.72" data-criterion="kepala_daerah" data-resolved="0"' in text
    )
    refused = client.post(url, {"form": "save"})
    assert refused.status_code == 422 and "Kota Cilegon: kepala_daerah (jury)" in refused.content.decode()
    cilegon = _participant(category, "36.72")
    no_reason = client.post(
        url, {"form": "resolve", "participant": cilegon.pk, "criterion": "kepala_daerah", "resolution": "zero"}
    )
    assert no_reason.status_code == 422 and "Say why" in no_reason.content.decode()
    decided = client.post(
        url,
        {
            "form": "resolve",
            "participant": cilegon.pk,
            "criterion": "kepala_daerah",
            "resolution": "zero",
            "reason": "bupati tidak hadir wawancara",
        },
    )
    assert decided.status_code == 302
    assert 'data-resolved="1"' in client.get(url).content.decode()
    assert client.post(url, {"form": "save"}).status_code == 302
    assert AuditEvent.objects.filter(action="award.missing.decide").count() == 1
    assert AuditEvent.objects.filter(action="award.missing.refused").count() == 1


def test_the_national_committee_manages_zones_on_the_zones_page(setup: dict[str, Any]) -> None:  # noqa: F811
    national = _client(make_user("komite.nasional", "award_committee"))
    empty = national.get("/award/zones/").content.decode()
    assert 'data-testid="no-zones"' in empty and 'data-testid="zone-form"' in empty
    saved = national.post("/award/zones/", {"form": "zone", "name": "Zona Jawa-Bali", "provinces": "31, 32, 36"})
    assert saved.status_code == 302
    assert set(setup["category"].participants.values_list("zone", flat=True)) == {"Zona Jawa-Bali"}
    clash = national.post("/award/zones/", {"form": "zone", "name": "Zona Barat", "provinces": "36, 11"})
    assert clash.status_code == 422 and "36 (Zona Jawa-Bali)" in clash.content.decode()
    provincial = _client(setup["committee"])
    page = provincial.get("/award/zones/").content.decode()
    assert "Zona Jawa-Bali" in page and 'data-testid="zone-form"' not in page  # it reads, it does not edit
    assert provincial.post("/award/zones/", {"form": "delete", "slug": "zona-jawa-bali"}).status_code == 403
    confirmed = {"form": "delete", "slug": "zona-jawa-bali", "confirmed": "1"}
    assert national.post("/award/zones/", confirmed).status_code == 302
    assert set(setup["category"].participants.values_list("zone", flat=True)) == {""}


def test_committee_forms_are_refused_to_other_roles(setup: dict[str, Any]) -> None:  # noqa: F811
    category = setup["category"]
    operator = make_user("op.tangerang", "regional_operator", "36.03")
    client = _client(operator)
    page = client.get(f"/award/categories/{category.pk}/")
    assert page.status_code == 200 and 'data-testid="committee-actions"' not in page.content.decode()
    for step in ("invite", "save", "publish", "panel", "framework", "import", "resolve"):
        assert client.post(f"/award/categories/{category.pk}/", {"form": step}).status_code == 403, step
    other = make_user("komite.jabar", "award_committee", "32")
    assert _client(other).get(f"/award/categories/{category.pk}/").status_code == 404


def test_the_committee_creates_an_edition_and_a_category_from_yaml(setup: dict[str, Any]) -> None:  # noqa: F811
    national = make_user("komite.nasional", "award_committee")
    client = _client(national)
    created = client.post(
        "/award/",
        {
            "year": 2025,
            "name": "Paritrana Award 2025",
            "region_code": "",
            "assessment_start": "2024-01-01",
            "assessment_end": "2024-12-31",
            "submission_deadline": "2025-03-31T23:59",
        },
    )
    assert created.status_code == 302
    edition_url = created["Location"]
    yaml_text = (
        "key: mini\nname: {id: Mini}\ncriteria:\n"
        "- key: a\n  name: {id: A}\n  weight: 60\n  method: question\n  answer: yes_no\n"
        "- key: b\n  name: {id: B}\n  weight: 30\n  method: jury\n  scale_min: 1\n  scale_max: 5\n"
    )
    data = {
        "form": "category",
        "key": "provinsi",
        "name": "Pemerintah Provinsi",
        "participant_level": "province",
        "titles": "Terbaik I, Terbaik II",
    }
    refused = client.post(edition_url, {**data, "framework_text": yaml_text})
    assert refused.status_code == 422 and "sum to 90" in refused.content.decode()
    saved = client.post(
        edition_url, {**data, "framework_file": _file(yaml_text.replace("30", "40").encode(), "k.yaml")}
    )
    assert saved.status_code == 302
    category = Category.objects.get(key="provinsi")
    assert category.titles == ["Terbaik I", "Terbaik II"]
    page = client.get(saved["Location"]).content.decode()
    assert 'data-key="a"' in page and "60%" in page
    assert client.get(f"/award/categories/{category.pk}/framework.yaml").content.startswith(b"key: mini")
    replaced = client.post(
        f"/award/categories/{category.pk}/",
        {"form": "framework", "framework_file": _file(yaml_text.replace("60", "70").encode(), "baru.yaml")},
    )
    assert replaced.status_code == 302
    category.refresh_from_db()
    assert [c["weight"] for c in category.framework["criteria"]] == [70, 30]
    empty = client.post(f"/award/categories/{category.pk}/", {"form": "framework"})
    assert empty.status_code == 422 and "Give the criteria as a YAML or JSON file" in empty.content.decode()


def test_spreadsheets_out_and_in_through_the_category_page(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    category, committee = s["category"], s["committee"]
    client = _client(committee)
    sheet = b"judge;region_code;criterion;score\nj0;3603;kepala_daerah;9\nj1;36.74;kepala_daerah;12\n"
    url = f"/award/categories/{category.pk}/"
    refused = client.post(url, {"form": "import", "kind": "scores", "file": _file(sheet, "nilai.csv")})
    assert refused.status_code == 422 and "Row 3, score" in refused.content.decode()
    good = sheet.replace(b";12\n", b";7\n")
    assert client.post(url, {"form": "import", "kind": "scores", "file": _file(good, "nilai.csv")}).status_code == 302
    assert JuryScore.objects.count() == 2
    csv = client.get(f"/award/categories/{category.pk}/export.csv", {"kind": "scores"})
    assert (
        csv.status_code == 200
        and csv.content.decode().splitlines()[0] == "judge,region_code,name,criterion,score,comment,conflict"
    )
    operator = make_user("op.tangerang", "regional_operator", "36.03")
    assert _client(operator).get(f"/award/categories/{category.pk}/export.csv", {"kind": "scores"}).status_code == 403


# --- the jury ----------------------------------------------------------------------------------------------------


def test_a_judge_scores_on_the_page_and_sees_only_his_own_scores(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    a, b = s["judges"]
    p = _participant(s["category"], "36.03")
    panels = _client(a).get("/award/panels/").content.decode()
    assert f"/award/participants/{p.pk}/score/" in panels
    page = _client(a).get(f"/award/participants/{p.pk}/score/").content.decode()
    assert 'data-testid="score-form"' in page and "scale 1 to 10" in page
    off = _client(a).post(f"/award/participants/{p.pk}/score/", {"form": "score", "s-kepala_daerah": "11"})
    assert off.status_code == 422 and "between 1 and 10, not 11" in off.content.decode()
    assert (
        _client(a).post(f"/award/participants/{p.pk}/score/", {"form": "score", "s-kepala_daerah": "8"}).status_code
        == 302
    )
    _client(b).post(f"/award/participants/{p.pk}/score/", {"form": "score", "s-kepala_daerah": "6,5"})
    seen_by_b = _client(b).get(f"/award/participants/{p.pk}/score/").content.decode()
    assert 'value="6.5"' in seen_by_b and "stay hidden until the panel locks" in seen_by_b
    assert JuryScore.objects.get(member__user=b).score == 6.5


def test_a_judge_with_a_conflict_has_no_form_and_a_post_is_refused(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    judge = s["judges"][0]
    p = _participant(s["category"], "36.03")
    client = _client(judge)
    client.post(f"/award/participants/{p.pk}/score/", {"form": "score", "s-kepala_daerah": "9"})
    declared = client.post(f"/award/participants/{p.pk}/score/", {"form": "conflict", "reason": "kerabat bupati"})
    assert declared.status_code == 302
    page = client.get(f"/award/participants/{p.pk}/score/").content.decode()
    assert 'data-testid="conflict"' in page and "kerabat bupati" in page
    assert 'data-testid="score-form"' not in page and 'name="s-kepala_daerah"' not in page
    refused = client.post(f"/award/participants/{p.pk}/score/", {"form": "score", "s-kepala_daerah": "9"})
    assert refused.status_code == 403 and "declared a conflict of interest" in refused.content.decode()
    assert not JuryScore.objects.filter(member__user=judge).exists()  # the earlier score no longer counts
    assert AuditEvent.objects.filter(action="award.score.refused").exists()
    assert "conflict of interest declared" in client.get("/award/panels/").content.decode()


def test_a_judge_off_the_panel_has_no_scoring_page(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    outsider = make_user("juri.lain", "jury", "36")
    p = _participant(s["category"], "36.03")
    assert _client(outsider).get(f"/award/participants/{p.pk}/score/").status_code == 403


# --- a participant's breakdown and the evidence ------------------------------------------------------------------


def test_the_breakdown_names_judges_only_for_the_committee(setup: dict[str, Any]) -> None:  # noqa: F811
    s = ranked(setup)
    p = _participant(s["category"], "36.74")
    committee_page = _client(s["committee"]).get(f"/award/participants/{p.pk}/").content.decode()
    assert 'data-testid="leaves"' in committee_page and "j0: 6" in committee_page
    assert 'data-testid="lift"' in committee_page and 'data-testid="stability"' in committee_page
    operator = make_user("op.tangsel", "regional_operator", "36.74")
    before = _client(operator).get(f"/award/participants/{p.pk}/").content.decode()
    assert 'data-testid="result"' not in before  # not published: the operator does not see the result yet
    _publish(s)
    after = _client(operator).get(f"/award/participants/{p.pk}/").content.decode()
    # No judge's username ("j0: 6"); a random token elsewhere in the page may well contain the letters "j0".
    assert 'data-testid="result"' in after and "Judge 1: 6" in after and "j0:" not in after
    assert 'data-testid="lift"' in after


def test_evidence_is_downloaded_through_the_audited_query(setup: dict[str, Any]) -> None:  # noqa: F811
    p = _answer_and_submit(setup["category"], "36.03", True)
    evidence = p.evidence.get()
    committee = _client(setup["committee"])
    page = committee.get(f"/award/participants/{p.pk}/").content.decode()
    assert f"/award/evidence/{evidence.pk}/" in page
    download = committee.get(f"/award/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert 'filename="perda.pdf"' in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="award.evidence.download").count() == 1
    stranger = make_user("op.cilegon", "regional_operator", "36.72")
    assert _client(stranger).get(f"/award/evidence/{evidence.pk}/").status_code == 403
    assert Client().get(f"/award/evidence/{evidence.pk}/").status_code == 302  # to the login page


# --- the public ----------------------------------------------------------------------------------------------------


def test_the_public_page_shows_only_published_results(setup: dict[str, Any]) -> None:  # noqa: F811
    s = ranked(setup)
    p = _participant(s["category"], "36.03")
    anonymous = _client()
    before = anonymous.get("/penghargaan/")
    assert before.status_code == 200 and 'data-testid="nothing-published"' in before.content.decode()
    assert "Kabupaten Tangerang" not in before.content.decode()
    assert anonymous.get(f"/penghargaan/peserta/{p.pk}/").status_code == 404
    assert anonymous.get(f"/penghargaan/kategori/{s['category'].pk}/hasil.xlsx").status_code == 404
    _publish(s)
    text = anonymous.get("/penghargaan/").content.decode()
    assert "Kabupaten Tangerang" in text and "Terbaik I" in text and "Paritrana Award 2024 Banten" in text
    public = anonymous.get(f"/penghargaan/peserta/{p.pk}/").content.decode()
    assert 'data-testid="aspects"' in public and 'data-testid="leaves"' not in public
    assert "j0:" not in public and "j1:" not in public  # no judge is named (by the "name: score" label)
    partial = anonymous.get("/penghargaan/", {"zone": "Zona Sumatera"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()


def test_the_category_page_loads_the_topsis_and_vikor_cross_check(setup: dict[str, Any]) -> None:  # noqa: F811
    s = ranked(setup)
    url = f"/award/categories/{s['category'].pk}/crosscheck/"
    response = _client(s["committee"]).get(url, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200 and 'data-testid="crosscheck-table"' in text and "TOPSIS" in text
    assert Participant.objects.filter(category=s["category"], name="Kota Cilegon").exists()
    operator = make_user("op.tangerang", "regional_operator", "36.03")
    assert _client(operator).get(url).status_code == 404  # not published


def test_a_round_is_national_or_a_provinces(setup: dict[str, Any]) -> None:  # noqa: F811
    kabupaten_committee = make_user("komite.tangerang", "award_committee", "36.03")
    response = _client(kabupaten_committee).post(
        "/award/",
        {
            "year": 2025,
            "name": "Penghargaan Kabupaten Tangerang",
            "region_code": "36.03",
            "assessment_start": "2024-01-01",
            "assessment_end": "2024-12-31",
            "submission_deadline": "2025-03-31T23:59",
        },
    )
    assert response.status_code == 422 and "A round is the national one (blank)" in response.content.decode()
    assert not Edition.objects.filter(region_code="36.03").exists()
    assert AuditEvent.objects.filter(action="award.edition.refused").exists()


def test_a_zone_replaced_from_a_stale_zones_page_is_refused(setup: dict[str, Any]) -> None:  # noqa: F811
    import json
    import re

    national = _client(make_user("komite.nasional", "award_committee"))
    assert national.post("/award/zones/", {"form": "zone", "name": "Zona Barat", "provinces": "36"}).status_code == 302
    page = national.get("/award/zones/").content.decode()
    found = re.search(r'name="shown" value="([^"]*)"', page)
    assert found is not None
    shown = json.loads(found.group(1).replace("&quot;", '"'))
    assert shown == {"zona-barat": {"name": "Zona Barat", "region_codes": ["36"]}}
    # A colleague adds a province to Zona Barat and makes Zona Timur while this page is open.
    colleague = _client(make_user("komite.dua", "award_committee"))
    assert colleague.post("/award/zones/", {"form": "zone", "name": "Zona Barat", "provinces": "36, 31"}).status_code
    assert colleague.post("/award/zones/", {"form": "zone", "name": "Zona Timur", "provinces": "32"}).status_code
    stale = {"form": "zone", "shown": json.dumps(shown)}
    replaced = national.post("/award/zones/", {**stale, "name": "Zona Barat", "provinces": "36, 33"})
    assert replaced.status_code == 422 and "31, 36" in replaced.content.decode()
    made = national.post("/award/zones/", {**stale, "name": "Zona Timur", "provinces": "34"})
    assert made.status_code == 422 and "There is already one named Zona Timur (award zone: 32)" in made.content.decode()
    zones = {z.name: sorted(z.regions.values_list("code", flat=True)) for z in RegionGroup.objects.all()}
    assert zones == {"Zona Barat": ["31", "36"], "Zona Timur": ["32"]}  # the colleague's zones stand
    assert national.post("/award/zones/", {**stale, "name": "Zona Utara", "provinces": "35"}).status_code == 302
