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
from paritrana.core.audit import AuditEvent
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
    # the check list of the next stage: 1 of 8 submitted, the deadline ahead
    code, out = run(capsys, "checks", *ROUND, "--stage", "verification")
    assert code == 0 and not out["ready"]
    assert {c["key"]: c["ok"] for c in out["checks"]} == {"deadline": False, "submissions": False}
    code, err = run(capsys, "edition", *ROUND, "--stage", "verification")
    assert code == 2 and ("reason" in err or "alasan" in err) and Edition.objects.get().status == "open"
    code, out = run(capsys, "edition", *ROUND, "--stage", "verification", "--reason", "tenggat dimajukan panitia")
    assert code == 0 and out["overridden"] == ["deadline", "submissions"]
    code, out = run(capsys, "verify", *CATEGORY, "--participant", "36.03", "--accept")
    assert code == 0 and out["status"] == "verified"
    code, out = run(capsys, "panel", *CATEGORY, "--judge", "juri.satu")
    assert code == 0 and PanelMember.objects.filter(category=category).count() == 1
    assert run(capsys, "edition", *ROUND, "--stage", "judging", "--reason", "panel provinsi satu juri")[0] == 0
    code, out = run(
        capsys, "conflict", *CATEGORY, "--participant", "36.03", "--judge", "juri.satu", "--reason", "kerabat"
    )
    assert code == 0 and out["judge"] == "juri.satu"
    assert run(capsys, "lock", *CATEGORY)[0] == 2  # a panel of one judge: the check list says so
    assert run(capsys, "lock", *CATEGORY, "--reason", "panel provinsi satu juri")[0] == 0
    # nobody could score 36.03 (the only judge has a conflict): a missing value the committee must decide
    code, err = run(capsys, "rank", *CATEGORY)
    assert code == 2 and "kepala_daerah" in err
    code, out = run(capsys, "missing", *CATEGORY, "--unresolved")
    assert code == 0 and [(m["region_code"], m["criterion"], m["needs"]) for m in out] == [
        ("36.03", "kepala_daerah", "jury")
    ]
    code, out = run(
        capsys,
        "resolve",
        *CATEGORY,
        "--participant",
        "36.03",
        "--criterion",
        "kepala_daerah",
        "--exempt",
        "--reason",
        "satu-satunya juri berkonflik",
    )
    assert code == 0 and out["resolution"] == "exempt"
    code, out = run(capsys, "rank", *CATEGORY)  # a read: shown, not saved
    assert code == 0 and [r["region_code"] for r in out] == ["36.03"] and Category.objects.get().ranked_at is None
    code, out = run(capsys, "rank", *CATEGORY, "--save")
    assert code == 0 and out[0]["title"] == "Terbaik I" and Category.objects.get().ranked_at is not None
    assert run(capsys, "approve", *CATEGORY)[0] == 0
    code, err = run(capsys, "publish", *CATEGORY)
    assert code == 2 and ("Close the edition" in err or "Tutup edisi" in err)
    assert Category.objects.get().published_at is None
    assert run(capsys, "edition", *ROUND, "--stage", "closed")[0] == 0
    code, out = run(capsys, "checks", *CATEGORY, "--step", "publish")
    assert {c["key"] for c in out["checks"] if not c["ok"]} == {"contest", "turnout"}
    code, err = run(capsys, "publish", *CATEGORY)  # a "Terbaik I" for a single participant needs a reason
    assert code == 2 and Category.objects.get().published_at is None
    code, out = run(capsys, "publish", *CATEGORY, "--reason", "satu peserta; diumumkan sesuai keputusan rapat")
    assert (
        code == 0
        and Category.objects.get().published_at is not None
        and out["overridden"]
        == [
            "contest",
            "turnout",
        ]
    )
    assert Edition.objects.get().status == "closed"


def test_the_committee_manages_the_award_zones_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    make_user("komite.banten", "award_committee", "36")  # a province's committee: zones are national
    code, err = run(capsys, "zone", "--name", "Zona Jawa-Bali", "--provinces", "31,36")
    assert code == 2
    make_user("komite.nasional", "award_committee")
    national = ["--format", "json", "--user", "komite.nasional"]
    assert main(["award", "zone", "--name", "Zona Jawa-Bali", "--provinces", "31,32,36", *national]) == 0
    assert json.loads(capsys.readouterr().out)["provinces"] == ["31", "32", "36"]
    assert main(["award", "zone", "--name", "Zona Lain", "--provinces", "36,11", *national]) == 2
    assert "36" in capsys.readouterr().err  # a province belongs to one zone only
    assert main(["award", "zones", *national]) == 0
    zones = json.loads(capsys.readouterr().out)
    assert [(z["slug"], z["region_codes"]) for z in zones] == [("zona-jawa-bali", "31, 32, 36")]
    assert main(["award", "zone", "--slug", "zona-jawa-bali", "--delete", *national]) == 0
    capsys.readouterr()
    assert main(["award", "zones", *national]) == 0 and json.loads(capsys.readouterr().out) == []
    assert AuditEvent.objects.filter(action="award.zone.refused").count() == 2


def test_a_step_without_what_it_needs_is_refused_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    make_user("komite.banten", "award_committee", "36")
    code, err = run(capsys, "edition", *ROUND, "--name", "X")
    assert code == 2 and "--start" in err and "--deadline" in err
    assert not Edition.objects.exists()
