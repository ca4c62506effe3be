"""Referrals of heirs to training and their outcome."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from paritrana.core import audit
from paritrana.core.dates import today
from paritrana.core.errors import (
    N_,
    InvalidInput,
)
from paritrana.core.permissions import require
from paritrana.followup.actions._common import _choice, _date, _not_future, _optional_date, _text, _user
from paritrana.followup.choices import (
    ReferralOutcome,
)
from paritrana.followup.models import (
    Heir,
    TrainingReferral,
)


def do_refer_to_training(
    *, actor: Any, heir: Heir, course: str, provider: str, referred_on: Any, note: str = ""
) -> TrainingReferral:
    """Refer an heir to training (e.g. a Balai Latihan Kerja course); the outcome starts as pending."""
    claim = heir.claim
    require(actor, "heirs.refer", claim.desa_code)
    day = _date(referred_on, "referred_on")
    _not_future(day, "referred_on")
    with transaction.atomic():
        referral = TrainingReferral.objects.create(
            heir=heir,
            course=_text(course, "course"),
            provider=_text(provider, "provider"),
            referred_on=day,
            note=_text(note, "note", required=False, limit=2000),
            created_by=_user(actor),
        )
        audit.record(
            actor=actor, action="followup.referral.create", obj=referral, region_code=claim.desa_code, after=referral
        )
    return referral


def do_record_referral_outcome(
    *, actor: Any, referral: TrainingReferral, outcome: str, outcome_on: Any = None, note: str = ""
) -> TrainingReferral:
    """Record what came of a referral: pending, completed, dropped out or employed."""
    claim = referral.heir.claim
    require(actor, "heirs.refer", claim.desa_code)
    outcome = _choice(outcome, ReferralOutcome, "outcome")
    day = _optional_date(outcome_on, "outcome_on") or today()
    _not_future(day, "outcome_on")
    if day < referral.referred_on:
        raise InvalidInput(
            N_("{field} {value} is before the referral on {date}."),
            field="outcome_on",
            value=day.isoformat(),
            date=referral.referred_on.isoformat(),
        )
    with transaction.atomic():
        locked = TrainingReferral.objects.select_for_update().get(pk=referral.pk)
        before = audit.snapshot(locked)
        locked.outcome = outcome
        locked.outcome_on = None if outcome == ReferralOutcome.PENDING else day
        if note.strip():
            locked.note = _text(note, "note", required=False, limit=2000)
        locked.save()
        audit.record(
            actor=actor,
            action="followup.referral.outcome",
            obj=locked,
            region_code=claim.desa_code,
            before=before,
            after=locked,
        )
    return locked
