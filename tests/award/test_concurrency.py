"""Issue 20, proof: two committee members lock the panel and import a score sheet at the same moment. Each action
holds the category's row for its whole transaction and reads the state afresh once it has it, so they are served
one after the other: the lock first and the import is refused (nothing of it written), or the import first and the
lock then locks the imported scores. Never a score changed after the lock.

Both are made to wait on the same row (the test holds it), in a chosen order, and released together; PostgreSQL
grants the row to the waiters in order. Threads share the test database only on the PostgreSQL leg.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from paritrana.award import actions
from paritrana.award.models import Category, JuryScore
from paritrana.award.sheets import do_import_sheet
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import Conflict, InvalidInput, ParitranaError
from tests.award.test_forbidden_states import _judging
from tests.award.test_workflow import FRAMEWORK
from tests.conftest import committed_db, needs_shared_database
from tests.factories import make_user

SHEET = b"judge;region_code;criterion;score\njuri0;36.03;kepala_daerah;2\n"


def _round() -> dict[str, Any]:
    from datetime import date, timedelta

    from django.utils import timezone

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
    return _judging({"committee": committee, "edition": edition, "category": category})


def _waiting() -> int:
    """Backends waiting on the category's row (the statistics are read afresh: PostgreSQL keeps one snapshot of
    them per transaction, and the test reads them inside the transaction that holds the row)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query LIKE %s",
            ['SELECT%"award_category"%FOR UPDATE%'],
        )
        return int(cursor.fetchone()[0])


@needs_shared_database
@pytest.mark.postgres_only
@committed_db("award")
@pytest.mark.parametrize("first", ["lock", "import"])
def test_two_committee_members_locking_and_importing_at_once_are_served_one_after_the_other(first: str) -> None:
    s = _round()
    category_id = s["category"].pk
    member_a = make_user("komite.a", "award_committee", "36")
    member_b = make_user("komite.b", "award_committee", "36")
    before = JuryScore.objects.get(member__user__username="juri0", participant__region_code="36.03").score
    outcomes: dict[str, Any] = {}

    def run(name: str) -> None:
        try:
            category = Category.objects.get(pk=category_id)
            if name == "lock":
                outcomes[name] = actions.do_lock_panel(actor=member_a, category=category)
            else:
                outcomes[name] = do_import_sheet(
                    actor=member_b, category=category, kind="scores", data=SHEET, filename="nilai.csv"
                )
        except ParitranaError as error:
            outcomes[name] = error
        finally:
            connection.close()

    order = [first, "import" if first == "lock" else "lock"]
    threads = {name: threading.Thread(target=run, args=(name,)) for name in order}
    with transaction.atomic():
        Category.objects.select_for_update().get(pk=category_id)  # both will wait on this row, in order
        for n, name in enumerate(order, start=1):
            threads[name].start()
            deadline = time.monotonic() + 60
            while _waiting() < n:
                assert threads[name].is_alive(), outcomes
                assert time.monotonic() < deadline, f"{name} never waited on the category"
                time.sleep(0.02)
    for thread in threads.values():
        thread.join(timeout=120)
    category = Category.objects.get(pk=category_id)
    assert category.panel_locked_at is not None  # the lock always succeeds: every check held
    score = JuryScore.objects.get(member__user__username="juri0", participant__region_code="36.03").score
    locked_at = AuditEvent.objects.get(action="award.panel.lock").pk
    if first == "lock":
        refusal = outcomes["import"]
        assert isinstance(refusal, Conflict) and "locked" in refusal.message, refusal
        assert score == before and not AuditEvent.objects.filter(action="award.import.scores").exists()
        assert AuditEvent.objects.get(action="award.import.refused").pk > locked_at
    else:
        assert outcomes["import"] == {"rows": 1} and not isinstance(outcomes["lock"], InvalidInput)
        assert score == 2
        assert AuditEvent.objects.get(action="award.import.scores").pk < locked_at  # imported, then locked
