"""Editions: creation, the scoring deadline, the stage flow (with its check lists), approval and publication."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from paritrana.award.actions._common import _fresh, _manage, _overridden, _refusals_audited, _unlocked
from paritrana.award.checks import Check, category_checks, edition_checks, enforce, stage_step
from paritrana.award.models import (
    Category,
    Edition,
    EditionStatus,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput


@_refusals_audited("award.edition")
def do_create_edition(
    *,
    actor: Any,
    year: int,
    name: str,
    assessment_start: date,
    assessment_end: date,
    submission_deadline: datetime,
    region_code: str = "",
    scoring_deadline: datetime | None = None,
) -> Edition:
    edition = Edition(
        year=year,
        name=name.strip(),
        region_code=region_code,
        assessment_start=assessment_start,
        assessment_end=assessment_end,
        submission_deadline=submission_deadline,
        scoring_deadline=scoring_deadline,
    )
    _manage(actor, edition)
    _check_scoring_deadline(edition, scoring_deadline)
    if region_code and "." in region_code:  # a kabupaten's committee could otherwise open a "round" of its own
        raise InvalidInput(
            N_("A round is the national one (blank) or a province's (e.g. 36), not '{value}'."),
            field="region_code",
            value=region_code,
        )
    if not edition.name:
        raise InvalidInput(N_("{field} is required."), field="name")
    if assessment_end < assessment_start:
        raise InvalidInput(N_("The assessment period ends before it starts."), field="assessment_end")
    if Edition.objects.filter(year=year, region_code=region_code).exists():
        raise Conflict(N_("There is already an edition {year} for this round."), year=year)
    edition.save()
    audit.record(actor=actor, action="award.edition.create", obj=edition, region_code=region_code, after=edition)
    return edition


def _check_scoring_deadline(edition: Edition, deadline: datetime | None) -> None:
    if deadline is not None and deadline <= edition.submission_deadline:
        raise InvalidInput(
            N_("The jury scores after the self-assessment closes ({deadline}): choose a later scoring deadline."),
            field="scoring_deadline",
            deadline=date_format(timezone.localtime(edition.submission_deadline), "DATETIME_FORMAT"),
        )


@_refusals_audited("award.edition")
def do_set_scoring_deadline(*, actor: Any, edition: Edition, deadline: datetime | None) -> Edition:
    """Set, extend or clear (None: until each panel is locked) the day the jury's scoring closes. A closed round
    keeps its record."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _manage(actor, edition)
    if edition.status == EditionStatus.CLOSED:
        raise Conflict(N_("The edition is closed: its scoring deadline stays as it was."), field="scoring_deadline")
    _check_scoring_deadline(edition, deadline)
    before = {"scoring_deadline": edition.scoring_deadline}
    edition.scoring_deadline = deadline
    edition.save(update_fields=["scoring_deadline"])
    audit.record(
        actor=actor,
        action="award.edition.scoring_deadline",
        obj=edition,
        region_code=edition.region_code,
        before=before,
        after={"scoring_deadline": deadline},
    )
    return edition


def back_check() -> Check:
    """Going back a stage reopens the earlier one (answers, verification): it always needs a reason."""
    return Check("back", N_("The edition moves forward (going back reopens the earlier stage)."), False)


@_refusals_audited("award.edition")
def do_set_edition_status(*, actor: Any, edition: Edition, status: str, reason: str = "") -> Edition:
    """Move the edition one stage on (draft -> open -> verification -> judging -> closed) when the check list of
    that transition holds (``checks.edition_checks``), or with a reason that overrides the failing checks; or one
    stage back, with a reason."""
    _manage(actor, edition)
    list(Edition.objects.select_for_update().filter(pk=edition.pk).values_list("pk", flat=True))
    edition.refresh_from_db()
    if status not in EditionStatus.values:
        raise InvalidInput(N_("Unknown stage '{value}'."), field="status", value=status)
    step = stage_step(edition.status, status)
    if abs(step) != 1:
        raise Conflict(
            N_("An edition moves one stage at a time: from '{status}' to '{wanted}' is not allowed."),
            status=edition.status,
            wanted=status,
        )
    # Approved results lock the edition's earlier stages; moving on to closing it (publication) stays open.
    if step < 0 and any(c.approved_at for c in edition.categories.all()):
        raise Conflict(N_("The results of this edition are approved and locked: nothing can change."))
    checks = edition_checks(edition, status) if step > 0 else [back_check()]
    what = gettext("Moving the edition to '{stage}'").format(stage=EditionStatus(status).label)
    overridden = enforce(checks, reason, what=what)
    before = edition.status
    edition.status = status
    edition.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="award.edition.status",
        obj=edition,
        before={"status": before},
        after={"status": status, **_overridden(checks, overridden, reason)},
    )
    return edition


@_refusals_audited("award.approve")
def do_approve(*, actor: Any, category: Category) -> Category:
    """Approve and lock the saved results: refused unless they are saved and still what the ranking gives."""
    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    if category.ranked_at is None:
        raise Conflict(N_("Save the results of {category} before approving them."), category=str(category))
    enforce(category_checks(category, "approve"), "", what=gettext("Approving {category}").format(category=category))
    category.approved_at = timezone.now()
    category.approved_by = actor if getattr(actor, "pk", None) else None
    category.save(update_fields=["approved_at", "approved_by"])
    audit.record(actor=actor, action="award.approve", obj=category)
    return category


@_refusals_audited("award.publish")
def do_publish(*, actor: Any, category: Category, reason: str = "") -> Category:
    """Publish approved results of a closed edition. A title won alone (a single participant, or alone in its zone)
    or most invited regions never submitting needs a reason, which is audited. Publishing again changes nothing."""
    _manage(actor, category.edition)
    _fresh(category)
    if category.published_at is not None:
        return category
    if category.approved_at is None:
        raise Conflict(N_("Approve {category} before publishing it."), category=str(category))
    if category.edition.status != EditionStatus.CLOSED:
        raise Conflict(
            N_("Close the edition (stage '{status}') before publishing its results."),
            status=category.edition.get_status_display(),
        )
    checks = category_checks(category, "publish")
    overridden = enforce(checks, reason, what=gettext("Publishing {category}").format(category=category))
    category.published_at = timezone.now()
    category.save(update_fields=["published_at"])
    audit.record(actor=actor, action="award.publish", obj=category, after=_overridden(checks, overridden, reason))
    return category
