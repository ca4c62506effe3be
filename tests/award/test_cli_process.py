"""Issue 20: the whole round on the command line, through the same actions as the web and the API; every refusal
exits 2 with the reason, and the state stays as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from paritrana.award.models import Category, Edition, PanelMember
from paritrana.cli import main
from tests.award.test_workflow import FRAMEWORK, PDF
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROUND = ["--edition", "2024", "--region", "36"]
CATEGORY = [*ROUND, "--category", "kabupaten-kota"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(["award", *argv, "--format", "json", "--user", "komite.banten"])
    out = capsys.readouterr()
    return code, json.loads(out.out) if code == 0 and out.out.strip() else out.err


def test_the_committee_runs_a_round_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from paritrana.award import actions

    make_user("komite.banten", "award_committee", "36")
    make_user("juri.satu", "jury", "36")
    framework = tmp_path / "kerangka.yaml"
    framework.write_text(yaml.safe_dump(FRAMEWORK, allow_unicode=True), encoding="utf-8")

    code, out = run(
        capsys,
        "edition",
        *ROUND,
        "--name",
        "Paritrana Award 2024 Banten",
        "--start",
        "2023-01-01",
        "--end",
        "2023-12-31",
        "--deadline",
        "2099-12-31",
    )
    assert code == 0 and out["stage"] == "draft"
    code, out = run(capsys, "category", str(framework), *CATEGORY, "--name", "Kabupaten/Kota", "--level", "kabupaten")
    assert code == 0 and out["category"] == "kabupaten-kota"
    code, out = run(capsys, "invite", *CATEGORY)
    assert code == 0 and out["invited"] == 8
    assert run(capsys, "edition", *ROUND, "--stage", "open")[1]["stage"] == "open"

    category = Category.objects.get()
    operator = make_user("op.3603", "regional_operator", "36.03")
    participant = category.participants.get(region_code="36.03")
    actions.do_save_answer(actor=operator, participant=participant, criterion="perda", value="ya")
    actions.do_upload_evidence(
        actor=operator, participant=participant, criterion="perda", document="Perda/Perbup", data=PDF, filename="p.pdf"
    )
    actions.do_submit(actor=operator, participant=participant)

    code, err = run(capsys, "verify", *CATEGORY, "--participant", "36.03")
    assert code == 2 and "--accept" in err  # neither accepted nor sent back: refused, nothing changed
    assert run(capsys, "edition", *ROUND, "--stage", "verification")[0] == 0
    code, out = run(capsys, "verify", *CATEGORY, "--participant", "36.03", "--accept")
    assert code == 0 and out["status"] == "verified"
    assert run(capsys, "edition", *ROUND, "--stage", "judging")[0] == 0
    code, out = run(capsys, "panel", *CATEGORY, "--judge", "juri.satu")
    assert code == 0 and PanelMember.objects.filter(category=category).count() == 1
    code, out = run(
        capsys, "conflict", *CATEGORY, "--participant", "36.03", "--judge", "juri.satu", "--reason", "kerabat"
    )
    assert code == 0 and out["judge"] == "juri.satu"
    assert run(capsys, "lock", *CATEGORY)[0] == 0
    assert run(capsys, "rank", *CATEGORY)[0] == 0
    assert run(capsys, "approve", *CATEGORY)[0] == 0
    code, err = run(capsys, "publish", *CATEGORY)
    assert code == 2 and ("Close the edition" in err or "Tutup edisi" in err)
    assert Category.objects.get().published_at is None
    assert run(capsys, "edition", *ROUND, "--stage", "closed")[0] == 0
    code, out = run(capsys, "publish", *CATEGORY)
    assert code == 0 and Category.objects.get().published_at is not None
    assert Edition.objects.get().status == "closed"


def test_a_step_without_what_it_needs_is_refused_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    make_user("komite.banten", "award_committee", "36")
    code, err = run(capsys, "edition", *ROUND, "--name", "X")
    assert code == 2 and "--start" in err and "--deadline" in err
    assert not Edition.objects.exists()
