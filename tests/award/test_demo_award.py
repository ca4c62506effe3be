"""The demo's award follows the rules a committee follows (issue 20: it used to publish while the edition was still
judging): every check list of the round holds without an override, every value the coverage data lacks is decided
with a reason, and the category is published only from a closed edition."""

from __future__ import annotations

import pytest

from paritrana.award.checks import category_checks
from paritrana.award.models import Category, MissingValueDecision
from paritrana.award.ranking import missing_values, results_current
from paritrana.core.audit import AuditEvent
from paritrana.demo.award import ANSWERS, load_award
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_round_is_published_without_overriding_any_check() -> None:
    make_user("juri.banten", "jury", "36")  # made by the demo's users
    done = load_award()
    category = Category.objects.select_related("edition").get()
    assert done["ranked"] == len(ANSWERS) and category.edition.status == "closed"
    assert category.panel_locked_at and category.approved_at and category.published_at
    steps = AuditEvent.objects.filter(action__in=["award.edition.status", "award.panel.lock", "award.publish"])
    assert steps.count() == 4 + 1 + 1  # open, verification, judging, closed; the lock; the publication
    assert not [e.action for e in steps if "overridden" in (e.after or {})]
    assert not AuditEvent.objects.filter(action__endswith=".refused").exists()
    assert all(m.resolved for m in missing_values(category))
    assert all(d.reason for d in MissingValueDecision.objects.all())
    assert results_current(category) and all(c.ok for c in category_checks(category, "publish"))
    assert load_award() == {"edition": 0}  # idempotent
