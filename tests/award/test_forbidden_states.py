"""Issue 20, "every write path enforces the same rules": every state-changing action of the award is tried in each
state that forbids it, through each door that reaches it (the action itself, the API, the command line, the
spreadsheet import). Each attempt must be refused with a message naming the condition, leave every award table
(and the award zones) exactly as they were, and append a refusal to the audit log (``core.audit.refusals_audited``).

``test_the_table_names_every_state_changing_action`` fails when an action is added to ``award.actions`` (or the
import) without its rows here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import override_settings
from django.utils import timezone, translation

from paritrana.award import actions
from paritrana.award.models import Category, Edition
from paritrana.award.sheets import do_import_sheet
from paritrana.cli import main
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import ParitranaError
from paritrana.regions.models import RegionGroup
from tests.award.test_workflow import FRAMEWORK, PDF, REASON, _participant, setup  # noqa: F401 - a fixture
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROUND = ["--edition", "2024", "--region", "36"]
CAT = [*ROUND, "--category", "kabupaten-kota"]


def _submit(category: Category, code: str) -> None:
    operator = make_user(f"op.{code}", "regional_operator", code)
    p = _participant(category, code)
    actions.do_save_answer(actor=operator, participant=p, criterion="perda", value="ya")
    actions.do_upload_evidence(
        actor=operator, participant=p, criterion="perda", document="Perda/Perbup", data=PDF, filename="perda.pdf"
    )
    actions.do_submit(actor=operator, participant=p)


# --- the states ---------------------------------------------------------------------------------------------------


def _open_after_deadline(s: dict[str, Any]) -> dict[str, Any]:
    """Self-assessment open, its deadline passed: 36.01 never answered."""
    Edition.objects.filter(pk=s["edition"].pk).update(submission_deadline=timezone.now() - timedelta(hours=1))
    s["edition"].refresh_from_db()
    return s


def _verification(s: dict[str, Any]) -> dict[str, Any]:
    """Verification: 36.03, 36.74 and 36.72 verified, 36.02 returned, a panel of three; nothing locked."""
    committee, edition, category = s["committee"], s["edition"], s["category"]
    for code in ("36.03", "36.74", "36.72", "36.02"):
        _submit(category, code)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    for code in ("36.03", "36.74", "36.72"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    actions.do_verify(actor=committee, participant=_participant(category, "36.02"), accept=False, notes="Perda lama")
    s["judges"] = [make_user(f"juri{i}", "jury", "36") for i in range(3)]
    for judge in s["judges"]:
        actions.do_add_panel_member(actor=committee, category=category, user=judge)
    return s


def _judging(s: dict[str, Any]) -> dict[str, Any]:
    """The jury stage: juri2 has a conflict with 36.72; every other score is given."""
    s = _verification(s)
    committee, category = s["committee"], s["category"]
    actions.do_set_edition_status(actor=committee, edition=s["edition"], status="judging")
    s["conflict"] = actions.do_declare_conflict(
        actor=s["judges"][2], participant=_participant(category, "36.72"), reason="kerabat"
    )
    for code, mark in (("36.03", 9), ("36.74", 7), ("36.72", 6)):
        for judge in s["judges"][: 2 if code == "36.72" else 3]:
            actions.do_score(
                actor=judge, participant=_participant(category, code), criterion="kepala_daerah", score=mark
            )
    return s


def _locked(s: dict[str, Any]) -> dict[str, Any]:
    s = _judging(s)
    actions.do_lock_panel(actor=s["committee"], category=s["category"])
    return s


def _approved(s: dict[str, Any]) -> dict[str, Any]:
    """Locked, saved and approved; the edition still judging (so not publishable yet)."""
    s = _locked(s)
    actions.do_save_results(actor=s["committee"], category=s["category"])
    actions.do_approve(actor=s["committee"], category=s["category"])
    return s


STATES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "open, deadline passed": _open_after_deadline,
    "verification": _verification,
    "judging": _judging,
    "panel locked": _locked,
    "approved": _approved,
}


# --- the doors ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    action: str  # the name in award.actions (or do_import_sheet)
    state: str
    condition: str  # what the refusal must name (English message id, or a part of it)
    audit: str  # the refusal's audit action
    call: Callable[[dict[str, Any]], Any]  # the action door
    api: Callable[[dict[str, Any]], tuple[Any, str, str, Any]] | None = None  # (user, method, path, body)
    cli: Callable[[dict[str, Any]], list[str]] | None = None  # argv after "award"; the committee acts
    sheet: tuple[str, str] | None = None  # (kind, CSV text) for the import door
    doors: tuple[str, ...] = field(default=())


def _p(s: dict[str, Any], code: str = "36.03") -> Any:
    return _participant(s["category"], code)


def _c(s: dict[str, Any]) -> int:
    return s["category"].pk


CASES = [
    # editions
    Case(
        "do_create_edition",
        "judging",
        "There is already an edition",
        "award.edition.refused",
        lambda s: actions.do_create_edition(
            actor=s["committee"],
            year=2024,
            name="Lagi",
            region_code="36",
            assessment_start=s["edition"].assessment_start,
            assessment_end=s["edition"].assessment_end,
            submission_deadline=s["edition"].submission_deadline,
        ),
        api=lambda s: (
            s["committee"],
            "post",
            "/api/v1/award/editions",
            {
                "year": 2024,
                "name": "Lagi",
                "region_code": "36",
                "assessment_start": "2023-01-01",
                "assessment_end": "2023-12-31",
                "submission_deadline": "2024-03-31T23:59:00+07:00",
            },
        ),
        cli=lambda s: [
            "edition",
            *ROUND,
            "--name",
            "Lagi",
            "--start",
            "2023-01-01",
            "--end",
            "2023-12-31",
            "--deadline",
            "2024-03-31",
        ],
    ),
    Case(
        "do_set_edition_status",
        "approved",
        "approved and locked",
        "award.edition.refused",
        lambda s: actions.do_set_edition_status(
            actor=s["committee"], edition=s["edition"], status="verification", reason="buka lagi"
        ),
        api=lambda s: (
            s["committee"],
            "post",
            f"/api/v1/award/editions/{s['edition'].pk}/status",
            {"status": "verification", "reason": "buka lagi"},
        ),
        cli=lambda s: ["edition", *ROUND, "--stage", "verification", "--reason", "buka lagi"],
    ),
    Case(
        "do_set_edition_status",
        "panel locked",
        "Every category's results are approved",
        "award.edition.refused",
        lambda s: actions.do_set_edition_status(actor=s["committee"], edition=s["edition"], status="closed"),
        api=lambda s: (
            s["committee"],
            "post",
            f"/api/v1/award/editions/{s['edition'].pk}/status",
            {"status": "closed"},
        ),
        cli=lambda s: ["edition", *ROUND, "--stage", "closed"],
    ),
    Case(
        "do_set_scoring_deadline",
        "verification",
        "choose a later scoring deadline",
        "award.edition.refused",
        lambda s: actions.do_set_scoring_deadline(
            actor=s["committee"], edition=s["edition"], deadline=s["edition"].submission_deadline
        ),
        api=lambda s: (
            s["committee"],
            "put",
            f"/api/v1/award/editions/{s['edition'].pk}/scoring-deadline",
            {"scoring_deadline": "2000-01-01T00:00:00+07:00"},
        ),
        cli=lambda s: ["edition", *ROUND, "--scoring-deadline", "2000-01-01"],
    ),
    # categories
    Case(
        "do_save_category",
        "panel locked",
        "the criteria cannot change",
        "award.category.refused",
        lambda s: actions.do_save_category(
            actor=s["committee"],
            edition=s["edition"],
            key="kabupaten-kota",
            name="Baru",
            participant_level="kabupaten",
            framework=FRAMEWORK,
        ),
        api=lambda s: (
            s["committee"],
            "put",
            f"/api/v1/award/editions/{s['edition'].pk}/categories",
            {"key": "kabupaten-kota", "name": "Baru", "participant_level": "kabupaten", "framework": FRAMEWORK},
        ),
        cli=lambda s: ["category", s["framework_file"], *CAT, "--name", "Baru", "--level", "kabupaten"],
    ),
    Case(
        "do_save_category",
        "approved",
        "approved and locked",
        "award.category.refused",
        lambda s: actions.do_save_category(
            actor=s["committee"],
            edition=s["edition"],
            key="kabupaten-kota",
            name="Baru",
            participant_level="kabupaten",
            framework=FRAMEWORK,
        ),
        api=lambda s: (
            s["committee"],
            "put",
            f"/api/v1/award/editions/{s['edition'].pk}/categories",
            {"key": "kabupaten-kota", "name": "Baru", "participant_level": "kabupaten", "framework": FRAMEWORK},
        ),
        cli=lambda s: ["category", s["framework_file"], *CAT, "--name", "Baru", "--level", "kabupaten"],
    ),
    Case(
        "do_invite",
        "approved",
        "approved and locked",
        "award.invite.refused",
        lambda s: actions.do_invite(actor=s["committee"], category=s["category"]),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/invite", {}),
        cli=lambda s: ["invite", *CAT],
    ),
    # the self-assessment
    Case(
        "do_save_answer",
        "open, deadline passed",
        "The self-assessment closed on",
        "award.answer.refused",
        lambda s: actions.do_save_answer(actor=s["op"], participant=_p(s, "36.01"), criterion="perda", value="ya"),
        api=lambda s: (
            s["op"],
            "put",
            f"/api/v1/award/participants/{_p(s, '36.01').pk}/answers",
            {"criterion": "perda", "value": True},
        ),
    ),
    Case(
        "do_save_answer",
        "panel locked",
        "is locked",
        "award.answer.refused",
        lambda s: actions.do_save_answer(actor=s["op"], participant=_p(s, "36.02"), criterion="perda", value="ya"),
        api=lambda s: (
            s["op"],
            "put",
            f"/api/v1/award/participants/{_p(s, '36.02').pk}/answers",
            {"criterion": "perda", "value": True},
        ),
        sheet=("answers", "region_code;criterion;value\n36.03;perda;tidak\n"),
    ),
    Case(
        "do_upload_evidence",
        "open, deadline passed",
        "The self-assessment closed on",
        "award.evidence.refused",
        lambda s: actions.do_upload_evidence(
            actor=s["op"],
            participant=_p(s, "36.01"),
            criterion="perda",
            document="Perda/Perbup",
            data=PDF,
            filename="perda.pdf",
        ),
        api=lambda s: (
            s["op"],
            "evidence",
            f"/api/v1/award/participants/{_p(s, '36.01').pk}/evidence",
            {"criterion": "perda", "document": "Perda/Perbup"},
        ),
    ),
    Case(
        "do_submit",
        "open, deadline passed",
        "The self-assessment closed on",
        "award.submit.refused",
        lambda s: actions.do_submit(actor=s["op"], participant=_p(s, "36.01")),
        api=lambda s: (s["op"], "post", f"/api/v1/award/participants/{_p(s, '36.01').pk}/submit", {}),
    ),
    # verification and indicator values
    Case(
        "do_verify",
        "panel locked",
        "is locked",
        "award.verify.refused",
        lambda s: actions.do_verify(actor=s["committee"], participant=_p(s, "36.02"), accept=True),
        api=lambda s: (
            s["committee"],
            "post",
            f"/api/v1/award/participants/{_p(s, '36.02').pk}/verify",
            {"accept": True},
        ),
        cli=lambda s: ["verify", *CAT, "--participant", "36.02", "--accept"],
    ),
    Case(
        "do_compute_indicator_values",
        "panel locked",
        "is locked",
        "award.indicators.refused",
        lambda s: actions.do_compute_indicator_values(actor=s["committee"], category=s["category"]),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/indicators", {}),
        sheet=("indicators", "region_code;criterion;value\n36.03;kepala_daerah;1\n"),
    ),
    # the jury
    Case(
        "do_add_panel_member",
        "panel locked",
        "is locked",
        "award.panel.refused",
        lambda s: actions.do_add_panel_member(actor=s["committee"], category=s["category"], user=s["spare_judge"]),
        api=lambda s: (
            s["committee"],
            "post",
            f"/api/v1/award/categories/{_c(s)}/panel",
            {"username": "juri.cadangan"},
        ),
        cli=lambda s: ["panel", *CAT, "--judge", "juri.cadangan"],
    ),
    Case(
        "do_declare_conflict",
        "panel locked",
        "is locked",
        "award.conflict.refused",
        lambda s: actions.do_declare_conflict(actor=s["judges"][0], participant=_p(s), reason="sepupu"),
        api=lambda s: (s["judges"][0], "post", f"/api/v1/award/participants/{_p(s).pk}/conflict", {"reason": "sepupu"}),
        cli=lambda s: ["conflict", *CAT, "--participant", "36.03", "--judge", "juri0", "--reason", "sepupu"],
    ),
    Case(
        "do_withdraw_conflict",
        "panel locked",
        "is locked",
        "award.conflict.refused",
        lambda s: actions.do_withdraw_conflict(actor=s["judges"][2], conflict=s["conflict"], reason="salah"),
        api=lambda s: (
            s["judges"][2],
            "post",
            f"/api/v1/award/conflicts/{s['conflict'].pk}/withdraw",
            {"reason": "salah"},
        ),
    ),
    Case(
        "do_score",
        "verification",
        "stage",
        "award.score.refused",
        lambda s: actions.do_score(actor=s["judges"][0], participant=_p(s), criterion="kepala_daerah", score=8),
        api=lambda s: (
            s["judges"][0],
            "put",
            f"/api/v1/award/participants/{_p(s).pk}/scores",
            {"criterion": "kepala_daerah", "score": 8},
        ),
        sheet=("scores", "judge;region_code;criterion;score\njuri0;36.03;kepala_daerah;8\n"),
    ),
    Case(
        "do_score",
        "judging",
        "is not verified",
        "award.score.refused",
        lambda s: actions.do_score(
            actor=s["judges"][0], participant=_p(s, "36.02"), criterion="kepala_daerah", score=8
        ),
        api=lambda s: (
            s["judges"][0],
            "put",
            f"/api/v1/award/participants/{_p(s, '36.02').pk}/scores",
            {"criterion": "kepala_daerah", "score": 8},
        ),
        sheet=("scores", "judge;region_code;criterion;score\njuri0;36.02;kepala_daerah;8\n"),
    ),
    Case(
        "do_score",
        "panel locked",
        "is locked",
        "award.score.refused",
        lambda s: actions.do_score(actor=s["judges"][0], participant=_p(s), criterion="kepala_daerah", score=1),
        api=lambda s: (
            s["judges"][0],
            "put",
            f"/api/v1/award/participants/{_p(s).pk}/scores",
            {"criterion": "kepala_daerah", "score": 1},
        ),
        sheet=("scores", "judge;region_code;criterion;score\njuri0;36.03;kepala_daerah;1\n"),
    ),
    Case(
        "do_lock_panel",
        "panel locked",
        "The panel is not locked yet",
        "award.panel.refused",
        lambda s: actions.do_lock_panel(actor=s["committee"], category=s["category"], reason="lagi"),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/lock", {"reason": "lagi"}),
        cli=lambda s: ["lock", *CAT, "--reason", "lagi"],
    ),
    Case(
        "do_lock_panel",
        "approved",
        "approved and locked",
        "award.panel.refused",
        lambda s: actions.do_lock_panel(actor=s["committee"], category=s["category"], reason="lagi"),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/lock", {"reason": "lagi"}),
        cli=lambda s: ["lock", *CAT, "--reason", "lagi"],
    ),
    # missing values, results, approval, publication
    Case(
        "do_resolve_missing",
        "approved",
        "approved and locked",
        "award.missing.refused",
        lambda s: actions.do_resolve_missing(
            actor=s["committee"], participant=_p(s), criterion="kepala_daerah", resolution="zero", reason="x"
        ),
        api=lambda s: (
            s["committee"],
            "post",
            f"/api/v1/award/participants/{_p(s).pk}/missing",
            {"criterion": "kepala_daerah", "resolution": "zero", "reason": "x"},
        ),
        cli=lambda s: [
            "resolve",
            *CAT,
            "--participant",
            "36.03",
            "--criterion",
            "kepala_daerah",
            "--zero",
            "--reason",
            "x",
        ],
    ),
    Case(
        "do_save_results",
        "verification",
        "Lock the panel's scores before ranking",
        "award.results.refused",
        lambda s: actions.do_save_results(actor=s["committee"], category=s["category"]),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/results", {}),
        cli=lambda s: ["rank", *CAT, "--save"],
    ),
    Case(
        "do_save_results",
        "approved",
        "approved and locked",
        "award.results.refused",
        lambda s: actions.do_save_results(actor=s["committee"], category=s["category"]),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/results", {}),
        cli=lambda s: ["rank", *CAT, "--save"],
    ),
    Case(
        "do_approve",
        "panel locked",
        "Save the results",
        "award.approve.refused",
        lambda s: actions.do_approve(actor=s["committee"], category=s["category"]),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/approve", {}),
        cli=lambda s: ["approve", *CAT],
    ),
    Case(
        "do_approve",
        "approved",
        "approved and locked",
        "award.approve.refused",
        lambda s: actions.do_approve(actor=s["committee"], category=s["category"]),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/approve", {}),
        cli=lambda s: ["approve", *CAT],
    ),
    Case(
        "do_publish",
        "panel locked",
        "Approve",
        "award.publish.refused",
        lambda s: actions.do_publish(actor=s["committee"], category=s["category"], reason="x"),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/publish", {"reason": "x"}),
        cli=lambda s: ["publish", *CAT, "--reason", "x"],
    ),
    Case(
        "do_publish",
        "approved",
        "Close the edition",
        "award.publish.refused",
        lambda s: actions.do_publish(actor=s["committee"], category=s["category"], reason="x"),
        api=lambda s: (s["committee"], "post", f"/api/v1/award/categories/{_c(s)}/publish", {"reason": "x"}),
        cli=lambda s: ["publish", *CAT, "--reason", "x"],
    ),
    # zones: the national committee's; a province's committee is refused in every state
    Case(
        "do_save_zone",
        "judging",
        "only its committee (national scope)",
        "award.zone.refused",
        lambda s: actions.do_save_zone(actor=s["committee"], name="Zona Banten", region_codes=["36"]),
        api=lambda s: (s["committee"], "put", "/api/v1/award/zones", {"name": "Zona Banten", "region_codes": ["36"]}),
        cli=lambda s: ["zone", "--name", "Zona Banten", "--provinces", "36"],
    ),
    Case(
        "do_delete_zone",
        "judging",
        "only its committee (national scope)",
        "award.zone.refused",
        lambda s: actions.do_delete_zone(actor=s["committee"], slug="zona-jawa-bali"),
        api=lambda s: (s["committee"], "delete", "/api/v1/award/zones/zona-jawa-bali", None),
        cli=lambda s: ["zone", "--slug", "zona-jawa-bali", "--delete"],
    ),
    # the spreadsheet import itself
    Case(
        "do_import_sheet",
        "approved",
        "approved and locked",
        "award.import.refused",
        lambda s: do_import_sheet(
            actor=s["committee"],
            category=s["category"],
            kind="scores",
            data=b"judge;region_code;criterion;score\n",
            filename="n.csv",
        ),
        sheet=("scores", "judge;region_code;criterion;score\njuri0;36.03;kepala_daerah;2\n"),
    ),
]


def _snapshot() -> dict[str, Any]:
    """Every row of every award table, and the award zones with their provinces."""
    rows: dict[str, Any] = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in apps.get_app_config("award").get_models()
    }
    rows["zones"] = [
        (g.slug, g.name, sorted(g.regions.values_list("code", flat=True)))
        for g in RegionGroup.objects.filter(kind="award_zone").order_by("slug")
    ]
    return rows


def _refusals(name: str) -> int:
    return AuditEvent.objects.filter(action=name).count()


def _api(s: dict[str, Any], door: tuple[Any, str, str, Any]) -> tuple[int, str]:
    user, method, path, body = door
    client = client_for(user)
    if method == "evidence":
        import io

        upload = io.BytesIO(PDF)
        upload.name = "perda.pdf"
        response = client.post(path, {**body, "file": upload})
    elif body is None:
        response = getattr(client, method)(path)
    else:
        response = getattr(client, method)(path, body, content_type="application/json")
    return response.status_code, response.json().get("message", "") if response.status_code >= 400 else ""


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["award", *argv, "--user", "komite.banten"])
    return code, capsys.readouterr().err


def _import(
    s: dict[str, Any], kind: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> list[tuple[str, int, str]]:
    """The spreadsheet through its three doors: the import action, the API endpoint and ``paritrana award import``."""
    out = []
    try:
        do_import_sheet(actor=s["committee"], category=s["category"], kind=kind, data=text.encode(), filename="n.csv")
        out.append(("import action", 0, ""))
    except ParitranaError as error:
        out.append(("import action", 2, error.render_message()))
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(s["committee"]).post(
        f"/api/v1/award/categories/{_c(s)}/import", {"kind": kind, "file": SimpleUploadedFile("n.csv", text.encode())}
    )
    out.append(("import API", response.status_code, response.json().get("message", "")))
    path = tmp_path / "n.csv"
    path.write_text(text, encoding="utf-8")
    out.append(("import CLI", *_cli(["import", str(path), *CAT, "--kind", kind], capsys)))
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{c.action}-{c.state}" for c in CASES])
def test_each_forbidden_state_is_refused_through_every_door(
    case: Case,
    setup: dict[str, Any],  # noqa: F811 - the shared fixture
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import yaml

    framework_file = tmp_path / "kerangka.yaml"
    framework_file.write_text(yaml.safe_dump(FRAMEWORK, allow_unicode=True), encoding="utf-8")
    s = STATES[case.state](
        {**setup, "framework_file": str(framework_file), "spare_judge": make_user("juri.cadangan", "jury", "36")}
    )
    s["op"] = make_user("op.pemda", "regional_operator", "36")  # answers for every kabupaten/kota of Banten
    national = make_user("komite.nasional", "award_committee")
    actions.do_save_zone(actor=national, name="Zona Jawa-Bali", region_codes=["31", "32", "36"])
    for key in ("edition", "category"):
        s[key].refresh_from_db()
    before = _snapshot()
    attempts: list[tuple[str, int, str]] = []
    with override_settings(LANGUAGE_CODE="en"), translation.override("en"):
        refusals, sheet_refusals = _refusals(case.audit), _refusals("award.import.refused")
        with pytest.raises(ParitranaError) as caught:
            case.call(s)
        attempts.append(("action", 2, caught.value.render_message()))
        assert case.condition in caught.value.message or case.condition in caught.value.render_message()
        if case.api:
            attempts.append(("API", *_api(s, case.api(s))))
        if case.cli:
            attempts.append(("CLI", *_cli(case.cli(s), capsys)))
        if case.sheet:
            attempts += _import(s, *case.sheet, tmp_path, capsys)
        for door, status, message in attempts:
            assert status in (2, 403, 409, 422), (door, status, message)
            assert case.condition in message, (door, message)
    # every attempt left one refusal in the audit log: the spreadsheet's doors under award.import.refused
    sheets = sum(1 for door, *_ in attempts if door.startswith("import"))
    if case.audit == "award.import.refused":
        assert _refusals(case.audit) == refusals + len(attempts)
    else:
        assert _refusals(case.audit) == refusals + len(attempts) - sheets, [a[0] for a in attempts]
        assert _refusals("award.import.refused") == sheet_refusals + sheets
    assert _snapshot() == before, "a refused attempt changed the state"


ROLE_CASES = [
    (
        "do_set_edition_status",
        "award.edition.refused",
        lambda s, who: actions.do_set_edition_status(actor=who, edition=s["edition"], status="closed", reason="x"),
    ),
    (
        "do_set_scoring_deadline",
        "award.edition.refused",
        lambda s, who: actions.do_set_scoring_deadline(actor=who, edition=s["edition"], deadline=None),
    ),
    ("do_invite", "award.invite.refused", lambda s, who: actions.do_invite(actor=who, category=s["category"])),
    (
        "do_verify",
        "award.verify.refused",
        lambda s, who: actions.do_verify(actor=who, participant=_p(s, "36.02"), accept=True),
    ),
    (
        "do_add_panel_member",
        "award.panel.refused",
        lambda s, who: actions.do_add_panel_member(actor=who, category=s["category"], user=s["judges"][0]),
    ),
    (
        "do_lock_panel",
        "award.panel.refused",
        lambda s, who: actions.do_lock_panel(actor=who, category=s["category"], reason="x"),
    ),
    (
        "do_resolve_missing",
        "award.missing.refused",
        lambda s, who: actions.do_resolve_missing(
            actor=who, participant=_p(s), criterion="kepala_daerah", resolution="zero", reason="x"
        ),
    ),
    (
        "do_save_results",
        "award.results.refused",
        lambda s, who: actions.do_save_results(actor=who, category=s["category"]),
    ),
    ("do_approve", "award.approve.refused", lambda s, who: actions.do_approve(actor=who, category=s["category"])),
    (
        "do_publish",
        "award.publish.refused",
        lambda s, who: actions.do_publish(actor=who, category=s["category"], reason="x"),
    ),
    (
        "do_import_sheet",
        "award.import.refused",
        lambda s, who: do_import_sheet(
            actor=who,
            category=s["category"],
            kind="scores",
            data=b"judge;region_code;criterion;score\n",
            filename="n.csv",
        ),
    ),
    (
        "do_score",
        "award.score.refused",
        lambda s, who: actions.do_score(actor=who, participant=_p(s), criterion="kepala_daerah", score=5),
    ),
]


@pytest.mark.parametrize("role", ["regional_operator", "bpjs_officer", "jury", "viewer"])
def test_a_role_that_may_not_is_refused_by_every_committee_action(
    role: str,
    setup: dict[str, Any],  # noqa: F811 - the shared fixture
) -> None:
    s = _judging(setup)
    who = make_user(f"peran.{role}", role, "36")
    before = _snapshot()
    for name, audit_action, call in ROLE_CASES:
        if role == "jury" and name == "do_score":
            continue  # a judge off the panel: covered in test_workflow
        refusals = _refusals(audit_action)
        with pytest.raises(ParitranaError) as caught:
            call(s, who)
        assert caught.value.status == 403, (name, caught.value)
        assert _refusals(audit_action) == refusals + 1, name
    assert _snapshot() == before


def test_the_table_names_every_state_changing_action() -> None:
    enumerated = {c.action for c in CASES}
    assert enumerated == {*actions.__all__, "do_import_sheet"}, sorted({*actions.__all__} ^ enumerated)


@pytest.mark.parametrize(("language", "month"), [("id", "Okt"), ("en", "Oct")])
def test_the_closed_deadline_is_written_in_the_readers_language_and_wib(
    setup: dict[str, Any],  # noqa: F811
    language: str,
    month: str,
) -> None:
    """Before: "31-10-2026 23:59" in both languages; now as the pages write dates ("15 Okt 2025 14.30")."""
    deadline = timezone.make_aware(timezone.datetime(2025, 10, 15, 14, 30), timezone.get_fixed_timezone(420))
    Edition.objects.filter(pk=setup["edition"].pk).update(submission_deadline=deadline)
    operator = make_user("op.late", "regional_operator", "36.01")
    with translation.override(language), pytest.raises(ParitranaError) as refused:
        actions.do_save_answer(actor=operator, participant=_p(setup, "36.01"), criterion="perda", value="ya")
    assert f"15 {month} 2025 14" in refused.value.render_message(str)
