"""Issue 20, proof: a SIGKILL between the check and the write of the panel lock and of the approval leaves the state
as it was before, never half-way; the same step run again afterwards leaves it as after.

A driver process runs the real action (``do_lock_panel``, ``do_approve``) against its own database (a SQLite file
on the SQLite leg, a database of the cluster on the PostgreSQL leg) and is stopped deterministically by a statement
hook: either just before its write (the category's ``UPDATE``, after every check passed) or just after it, inside
the transaction, at the audit record. The test then kills it with SIGKILL, checks that the category, its results
and the audit log are as before, and runs the step through the command line to see it complete once.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_faults import CLI, LEG_URL, ON_POSTGRES, Target, _env, _kill, _pg_connect, _run, _with_db

pytestmark = pytest.mark.slow

SETUP = """
import json, os, sys
from datetime import date, timedelta
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from paritrana.award import actions
from tests.factories import load_test_regions, make_user
from tests.award.test_workflow import FRAMEWORK, PDF

load_test_regions()
committee = make_user("komite.banten", "award_committee", "36")
edition = actions.do_create_edition(actor=committee, year=2024, name="Paritrana Award 2024 Banten", region_code="36",
    assessment_start=date(2023, 1, 1), assessment_end=date(2023, 12, 31),
    submission_deadline=timezone.now() + timedelta(days=7))
category = actions.do_save_category(actor=committee, edition=edition, key="kabupaten-kota",
    name="Pemerintah Kabupaten/Kota", participant_level="kabupaten", framework=FRAMEWORK)
actions.do_invite(actor=committee, category=category)
actions.do_set_edition_status(actor=committee, edition=edition, status="open")
codes = ("36.03", "36.74", "36.72")
for code in codes:
    operator = make_user(f"op.{code}", "regional_operator", code)
    p = category.participants.get(region_code=code)
    actions.do_save_answer(actor=operator, participant=p, criterion="perda", value="ya")
    actions.do_upload_evidence(actor=operator, participant=p, criterion="perda", document="Perda/Perbup", data=PDF,
                               filename="perda.pdf")
    actions.do_submit(actor=operator, participant=p)
actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason="uji gangguan")
for code in codes:
    actions.do_verify(actor=committee, participant=category.participants.get(region_code=code), accept=True)
judges = [make_user(f"juri{i}", "jury", "36") for i in range(3)]
for judge in judges:
    actions.do_add_panel_member(actor=committee, category=category, user=judge)
actions.do_set_edition_status(actor=committee, edition=edition, status="judging")
for code, mark in zip(codes, (9, 7, 5)):
    for judge in judges:
        actions.do_score(actor=judge, participant=category.participants.get(region_code=code),
                         criterion="kepala_daerah", score=mark)
print("SETUP " + json.dumps({"category": category.pk}))
"""

#: Runs one step and stops inside it at the first statement starting with argv[4], telling the test by a file.
DRIVER = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from paritrana.award import actions
from paritrana.award.models import Category

marker, category_id, step, statement = sys.argv[1:5]

def pause(execute, sql, params, many, context):
    if sql.startswith(statement):
        open(marker, "w").close()
        time.sleep(3600)
    return execute(sql, params, many, context)

category = Category.objects.get(pk=int(category_id))
actor = get_user_model().objects.get(username="komite.banten")
with connection.execute_wrapper(pause):
    if step == "lock":
        actions.do_lock_panel(actor=actor, category=category)
    else:
        actions.do_approve(actor=actor, category=category)
"""

ARGS = ["--edition", "2024", "--region", "36", "--category", "kabupaten-kota", "--user", "komite.banten"]
#: Where the driver stops: before the category's row is written (every check passed), or after it, at the audit.
POINTS = {
    "before the write": 'UPDATE "award_category"',
    "after the write, before the commit": 'INSERT INTO "core_auditevent"',
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, dict[str, Any]]]:
    """Migrated, with a Banten round in the jury stage: three verified participants, every judge's score given."""
    folder = tmp_path_factory.mktemp("award-kill-template")
    if ON_POSTGRES:
        name = f"award_kill_tpl_{os.getpid()}"
        with _pg_connect(LEG_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
        url = _with_db(LEG_URL, name)
        target = Target(_env(PARITRANA_DATABASE_URL=url, PARITRANA_DATA_DIR=str(folder)), url=url, name=name)
    else:
        target = Target(_env(PARITRANA_DATA_DIR=str(folder)), sqlite=folder / "paritrana.sqlite3")
    done = _run([sys.executable, "-c", SETUP], target.env, timeout=1200)
    facts = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("SETUP "))[6:])
    yield target, facts
    if ON_POSTGRES:
        with _pg_connect(LEG_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {target.name} WITH (FORCE)")


@pytest.fixture
def target(template: tuple[Target, dict[str, Any]], tmp_path: Path) -> Iterator[Target]:
    """A fresh copy of the template database."""
    source, _ = template
    if source.sqlite is not None:
        folder = tmp_path / "db"
        shutil.copytree(source.sqlite.parent, folder)
        yield Target(_env(PARITRANA_DATA_DIR=str(folder)), sqlite=folder / "paritrana.sqlite3")
        return
    name = f"{source.name}_{tmp_path.name[-20:].replace('-', '_').lower()}"
    with _pg_connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {source.name}")
    url = _with_db(LEG_URL, name)
    (tmp_path / "data").mkdir()
    yield Target(_env(PARITRANA_DATABASE_URL=url, PARITRANA_DATA_DIR=str(tmp_path / "data")), url=url, name=name)
    with _pg_connect(LEG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _state(t: Target, category: int) -> dict[str, Any]:
    return {
        "category": t.rows(
            "SELECT panel_locked_at IS NOT NULL, ranked_at IS NOT NULL, approved_at IS NOT NULL, approved_by_id "
            "FROM award_category WHERE id = %s",
            [category],
        ),
        "results": t.rows(
            "SELECT r.participant_id, r.rank, r.title FROM award_result r JOIN award_participant p "
            "ON p.id = r.participant_id WHERE p.category_id = %s ORDER BY r.participant_id",
            [category],
        ),
        "scores": t.rows("SELECT member_id, participant_id, criterion, score FROM award_juryscore ORDER BY id"),
        "events": t.rows("SELECT action, count(*) FROM core_auditevent GROUP BY action ORDER BY action"),
    }


def _kill_at(t: Target, category: int, step: str, statement: str, tmp_path: Path) -> None:
    marker = tmp_path / f"paused-{step}"
    proc = t.popen([sys.executable, "-c", DRIVER, str(marker), str(category), step, statement])
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert proc.poll() is None, f"the {step} ended before the chosen statement:\n{proc.communicate()}"
        assert time.monotonic() < deadline, f"the {step} never reached {statement}"
        time.sleep(0.05)
    _kill(proc)
    if t.sqlite is not None:
        assert t.rows("PRAGMA integrity_check") == [("ok",)]
    else:
        deadline = time.monotonic() + 60  # the server rolls back the killed client's transaction
        while t.rows(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ) != [(0,)]:
            assert time.monotonic() < deadline, "the killed client's backend lingers"
            time.sleep(0.05)


def _count(events: list[tuple[Any, ...]], action: str) -> int:
    return dict(events).get(action, 0)


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_in_the_panel_lock_leaves_it_unlocked_and_the_lock_then_holds(
    point: str, target: Target, template: tuple[Target, dict[str, Any]], tmp_path: Path
) -> None:
    category = template[1]["category"]
    before = _state(target, category)
    assert before["category"] == [(False, False, False, None)]
    _kill_at(target, category, "lock", POINTS[point], tmp_path)
    assert _state(target, category) == before
    target.cli("award", "lock", *ARGS)
    after = _state(target, category)
    assert after["category"] == [(True, False, False, None)] and after["scores"] == before["scores"]
    assert _count(after["events"], "award.panel.lock") == 1
    # the lock holds on every path from now on: a score sheet through the command line is refused
    sheet = tmp_path / "nilai.csv"
    sheet.write_text("judge;region_code;criterion;score\njuri0;36.03;kepala_daerah;1\n", encoding="utf-8")
    refused = target.popen([*CLI, "award", "import", str(sheet), *ARGS, "--kind", "scores"])
    assert refused.wait(timeout=300) == 2
    assert _state(target, category)["scores"] == before["scores"]


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_in_the_approval_leaves_it_unapproved_and_the_approval_then_holds(
    point: str, target: Target, template: tuple[Target, dict[str, Any]], tmp_path: Path
) -> None:
    category = template[1]["category"]
    target.cli("award", "lock", *ARGS)
    target.cli("award", "rank", *ARGS, "--save")
    before = _state(target, category)
    assert before["category"] == [(True, True, False, None)] and len(before["results"]) == 3
    _kill_at(target, category, "approve", POINTS[point], tmp_path)
    assert _state(target, category) == before
    target.cli("award", "approve", *ARGS)
    after = _state(target, category)
    assert after["category"][0][:3] == (True, True, True) and after["category"][0][3] is not None
    assert after["results"] == before["results"] and _count(after["events"], "award.approve") == 1
