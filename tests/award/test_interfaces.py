"""The award through the API and the command line: the same workflow, the same refusals, the visibility rules."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client

from paritrana.award import actions
from paritrana.cli import main
from paritrana.core.audit import AuditEvent
from tests.award.test_workflow import PDF, REASON, _answer_and_submit, _participant, setup  # noqa: F401 - a fixture
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _judged(setup: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the fixture's value
    committee, edition, category = setup["committee"], setup["edition"], setup["category"]
    for code, yes in (("36.03", True), ("36.74", False)):
        _answer_and_submit(category, code, yes)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    for code in ("36.03", "36.74"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    judges = [make_user(f"j{i}", "jury", "36") for i in range(2)]
    for judge in judges:
        actions.do_add_panel_member(actor=committee, category=category, user=judge)
    actions.do_set_edition_status(actor=committee, edition=edition, status="judging", reason="uji: dua juri")
    return {**setup, "judges": judges}


def _scored(s: dict[str, Any]) -> None:
    """Both judges score both participants; the panel is locked (a panel of two: with a reason)."""
    for code, marks in (("36.03", (8, 7)), ("36.74", (5, 6))):
        for judge, mark in zip(s["judges"], marks, strict=True):
            actions.do_score(
                actor=judge, participant=_participant(s["category"], code), criterion="kepala_daerah", score=mark
            )
    actions.do_lock_panel(actor=s["committee"], category=s["category"], reason="uji: dua juri")


def test_scores_stay_hidden_from_other_judges_until_the_lock(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    category, (a, b) = s["category"], s["judges"]
    p = _participant(category, "36.03")
    response = client_for(a).put(
        f"/api/v1/award/participants/{p.pk}/scores",
        {"criterion": "kepala_daerah", "score": 8},
        content_type="application/json",
    )
    assert response.status_code == 200
    client_for(b).put(
        f"/api/v1/award/participants/{p.pk}/scores",
        {"criterion": "kepala_daerah", "score": 6},
        content_type="application/json",
    )
    seen_by_b = client_for(b).get(f"/api/v1/award/categories/{category.pk}/scores").json()
    assert [(x["judge"], x["score"]) for x in seen_by_b] == [("j1", 6.0)]
    off_scale = client_for(a).put(
        f"/api/v1/award/participants/{p.pk}/scores",
        {"criterion": "kepala_daerah", "score": 0},
        content_type="application/json",
    )
    # the message is in Bahasa Indonesia, the default language
    assert off_scale.status_code == 422 and "antara 1 dan 10" in off_scale.json()["message"]
    actions.do_lock_panel(actor=s["committee"], category=category, reason="uji: belum semua dinilai")
    assert len(client_for(b).get(f"/api/v1/award/categories/{category.pk}/scores").json()) == 2


def test_results_are_for_the_committee_until_published(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    category = s["category"]
    _scored(s)
    committee = client_for(s["committee"])
    preview = committee.get(f"/api/v1/award/categories/{category.pk}/ranking")
    assert [r["region_code"] for r in preview.json()] == ["36.03", "36.74"] and not category.participants.filter(
        result__isnull=False
    ).exists()  # a read: nothing saved
    assert committee.post(f"/api/v1/award/categories/{category.pk}/results").json()["ranked"] == 2
    results = committee.get(f"/api/v1/award/categories/{category.pk}/results").json()
    assert [r["region_code"] for r in results] == ["36.03", "36.74"] and results[0]["title"] == "Terbaik I"
    operator = client_for(make_user("op.x", "regional_operator", "36.03"))
    assert operator.get(f"/api/v1/award/categories/{category.pk}/results").status_code == 404
    assert Client().get("/api/v1/public/award/2024", {"region": "36"}).json() == []
    committee.post(f"/api/v1/award/categories/{category.pk}/approve")
    early = committee.post(f"/api/v1/award/categories/{category.pk}/publish", content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "conflict"
    actions.do_set_edition_status(actor=s["committee"], edition=category.edition, status="closed")
    checks = committee.get(f"/api/v1/award/categories/{category.pk}/checks", {"step": "publish"}).json()
    assert not checks["ready"] and [c["key"] for c in checks["checks"] if not c["ok"]] == ["turnout"]
    # 2 of 8 submitted: a reason is needed (an empty body is no reason)
    refused = committee.post(f"/api/v1/award/categories/{category.pk}/publish", content_type="application/json")
    assert refused.status_code == 409 and refused.json()["details"]["failing"] == ["turnout"]
    published = committee.post(
        f"/api/v1/award/categories/{category.pk}/publish", {"reason": REASON}, content_type="application/json"
    )
    assert published.status_code == 200
    public = Client().get("/api/v1/public/award/2024", {"region": "36"}).json()
    assert public[0]["results"][0]["name"] == "Kabupaten Tangerang" and "breakdown" not in public[0]["results"][0]
    again = committee.post(f"/api/v1/award/categories/{category.pk}/results")
    assert again.status_code == 409 and "dikunci" in again.json()["message"]
    sensitivity = committee.get(f"/api/v1/award/categories/{category.pk}/sensitivity", {"samples": 500}).json()
    assert {p["name"] for p in sensitivity["participants"]} == {"Kabupaten Tangerang", "Kota Tangerang Selatan"}


def test_evidence_is_served_only_to_those_allowed_and_audited(setup: dict[str, Any]) -> None:  # noqa: F811
    category = setup["category"]
    operator = make_user("op.tng", "regional_operator", "36.03")
    p = _participant(category, "36.03")
    upload = io.BytesIO(PDF)
    upload.name = "perda.pdf"
    response = client_for(operator).post(
        f"/api/v1/award/participants/{p.pk}/evidence",
        {"criterion": "perda", "document": "Perda/Perbup", "file": upload},
    )
    assert response.status_code == 200 and response.json()["content_type"] == "application/pdf"
    evidence_id = response.json()["id"]
    download = client_for(operator).get(f"/api/v1/award/evidence/{evidence_id}")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="award.evidence.download").count() == 1
    stranger = client_for(make_user("op.lebak2", "regional_operator", "36.02"))
    assert stranger.get(f"/api/v1/award/evidence/{evidence_id}").status_code == 403
    fake = io.BytesIO(b"MZ\x90\x00binary")
    fake.name = "laporan.pdf"
    refused = client_for(operator).post(
        f"/api/v1/award/participants/{p.pk}/evidence", {"criterion": "perda", "document": "Perda/Perbup", "file": fake}
    )
    assert refused.status_code == 422 and "program Windows" in refused.json()["message"]  # in Indonesian


def test_cli_ranks_and_prints_json(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    s = _judged(setup)
    _scored(s)
    args = ["award", "rank", "--edition", "2024", "--region", "36", "--category", "kabupaten-kota", "--format", "json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    # 36.03: perda yes 50 + jury mean 7.5 on 1..10 (72.2) x 0.5; 36.74: perda no, jury 5.5 (50) x 0.5
    assert [r["region_code"] for r in rows] == ["36.03", "36.74"] and rows[0]["total"] == pytest.approx(
        50 + (7.5 - 1) / 9 * 50
    )
    assert not s["category"].participants.filter(result__isnull=False).exists()  # printed, not saved
    assert main([*args[:1], "sensitivity", *args[2:], "--samples", "200"]) == 0
    assert len(json.loads(capsys.readouterr().out)["participants"]) == 2
    assert main(["award", "rank", "--edition", "1999", "--category", "x"]) == 2


def test_cli_imports_jury_scores_from_a_spreadsheet(setup: dict[str, Any], tmp_path: Any, capsys: Any) -> None:  # noqa: F811
    s = _judged(setup)
    sheet = tmp_path / "nilai.csv"
    sheet.write_text("judge;region_code;criterion;score\nj0;3603;kepala_daerah;9\nj1;36.74;kepala_daerah;12\n")
    base = [
        "award",
        "import",
        str(sheet),
        "--edition",
        "2024",
        "--region",
        "36",
        "--category",
        "kabupaten-kota",
        "--kind",
        "scores",
    ]
    assert main(base) == 2
    assert "Baris 3, score" in capsys.readouterr().err
    sheet.write_text("judge;region_code;criterion;score\nj0;3603;kepala_daerah;9\nj1;36.74;kepala_daerah;7\n")
    assert main(base) == 0
    from paritrana.award.models import JuryScore

    assert sorted(JuryScore.objects.values_list("score", flat=True)) == [7.0, 9.0]
    assert s["category"].pk
