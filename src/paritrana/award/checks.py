"""The check lists of the award's transitions: what must hold before an edition moves on a stage (deadline,
submissions, verification, panel, lock, approval) and before the committee locks a panel or publishes a category.

A check list is a read: the pages, the API and the command line show it before the step, and the action runs it
again inside its transaction (``enforce``). A failing check is overridden only with a reason, which the action
audits with the checks it overrode; a check marked ``overridable=False`` cannot be overridden at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from paritrana.award import scoring
from paritrana.award.models import (
    Category,
    ConflictOfInterest,
    Edition,
    EditionStatus,
    JuryScore,
    ParticipantStatus,
)
from paritrana.core.errors import N_, Conflict

__all__ = [
    "MIN_PANEL",
    "Check",
    "category_checks",
    "edition_checks",
    "enforce",
]

#: Judges a category with rubrics needs before judging starts and before its panel locks: with fewer, one judge's
#: view decides a rubric. (A committee may go on with fewer, giving its reason.)
MIN_PANEL = 3

FLOW = [
    EditionStatus.DRAFT,
    EditionStatus.OPEN,
    EditionStatus.VERIFICATION,
    EditionStatus.JUDGING,
    EditionStatus.CLOSED,
]
CATEGORY_STEPS = ("lock", "approve", "publish")


def stage_step(current: str, wanted: str) -> int:
    """How many stages ``wanted`` lies after ``current`` in the edition's flow (1: the next, -1: the one before);
    the one reading of the flow for the checks, the action, the check lists and the edition page."""
    return FLOW.index(EditionStatus(wanted)) - FLOW.index(EditionStatus(current))


def next_and_previous(current: str) -> tuple[EditionStatus | None, EditionStatus | None]:
    """The stages an edition at ``current`` may move to: on and back (none at either end)."""
    here = FLOW.index(EditionStatus(current))
    return (FLOW[here + 1] if here + 1 < len(FLOW) else None, FLOW[here - 1] if here > 0 else None)


@dataclass(frozen=True)
class Check:
    """One condition of a transition: ``message`` is an English message id with ``{placeholders}`` from ``params``,
    translated when shown."""

    key: str
    message: str
    ok: bool
    params: Mapping[str, Any] = field(default_factory=dict)
    overridable: bool = True

    def text(self, translate: Callable[[str], str] = gettext) -> str:
        return translate(self.message).format(**self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "ok": self.ok, "condition": self.text(), "overridable": self.overridable}


def _has_jury(category: Category) -> bool:
    return any(c.method == "jury" for c in scoring.leaves(scoring.parse_framework(category.framework)))


def _rubrics(category: Category) -> list[str]:
    return [c.key for c in scoring.leaves(scoring.parse_framework(category.framework)) if c.method == "jury"]


def _per_category(categories: Sequence[Category], bad: Callable[[Category], str | None]) -> str:
    return "; ".join(f"{c.key}: {why}" for c in categories if (why := bad(c)) is not None)


def _turnout(category: Category) -> tuple[int, int]:
    """(regions that submitted at least once, regions invited)."""
    participants = category.participants.all()
    return participants.filter(submitted_at__isnull=False).count(), participants.count()


def edition_checks(edition: Edition, to: str) -> list[Check]:
    """What must hold for ``edition`` to move to the stage ``to``. Moving one stage back has no conditions (approved
    results forbid it; the action says so); an unknown or far stage gives an empty list (the action refuses it)."""
    if to not in EditionStatus.values or edition.status not in EditionStatus.values:
        return []
    if stage_step(edition.status, to) != 1:
        return []
    categories = list(edition.categories.all())
    deadline = timezone.localtime(edition.submission_deadline).strftime("%d-%m-%Y %H:%M")
    now = timezone.now()
    if to == EditionStatus.OPEN:
        empty = [c.key for c in categories if not c.participants.exists()]
        return [
            Check("categories", N_("The edition has a category with its criteria."), bool(categories), {}, False),
            Check(
                "invited",
                N_("Every category has invited its participants (none invited: {categories})."),
                not empty,
                {"categories": ", ".join(empty) or "-"},
                False,
            ),
            Check(
                "deadline_ahead",
                N_("The self-assessment deadline ({deadline}) is still ahead."),
                edition.submission_deadline > now,
                {"deadline": deadline},
            ),
        ]
    if to == EditionStatus.VERIFICATION:
        waiting = sum(
            c.participants.filter(status__in=[ParticipantStatus.INVITED, ParticipantStatus.RETURNED]).count()
            for c in categories
        )

        def low_turnout(c: Category) -> str | None:
            submitted, invited = _turnout(c)
            return f"{submitted}/{invited}" if invited and submitted * 2 < invited else None

        few = _per_category(categories, low_turnout)
        return [
            Check(
                "deadline",
                N_(
                    "The self-assessment deadline ({deadline}) has passed, or every invited region has submitted "
                    "({waiting} have not)."
                ),
                edition.submission_deadline <= now or waiting == 0,
                {"deadline": deadline, "waiting": waiting},
            ),
            Check(
                "submissions",
                N_("At least half of the invited regions submitted, in every category (not so: {detail})."),
                not few,
                {"detail": few or "-"},
            ),
        ]
    if to == EditionStatus.JUDGING:
        pending = sum(c.participants.filter(status=ParticipantStatus.SUBMITTED).count() for c in categories)
        none_verified = [
            c.key for c in categories if not c.participants.filter(status=ParticipantStatus.VERIFIED).exists()
        ]

        def small_panel(c: Category) -> str | None:
            size = c.panel.count()
            return f"{size}" if _has_jury(c) and size < MIN_PANEL else None

        panels = _per_category(categories, small_panel)
        return [
            Check(
                "verified",
                N_("Every submission is verified or returned ({pending} still waiting)."),
                pending == 0,
                {"pending": pending},
            ),
            Check(
                "verified_any",
                N_("Every category has a verified participant (none in: {categories})."),
                not none_verified,
                {"categories": ", ".join(none_verified) or "-"},
            ),
            Check(
                "panel",
                N_("Every category with rubrics has a panel of at least {minimum} judges (not so: {detail})."),
                not panels,
                {"minimum": MIN_PANEL, "detail": panels or "-"},
            ),
        ]
    # closing: the jury's work is locked and every category's results are approved (so they can be published)
    unlocked = [c.key for c in categories if _has_jury(c) and not c.panel_locked_at]
    unapproved = [c.key for c in categories if not c.approved_at]
    return [
        Check(
            "locked",
            N_("Every category with rubrics has its panel locked (not yet: {categories})."),
            not unlocked,
            {"categories": ", ".join(unlocked) or "-"},
        ),
        Check(
            "approved",
            N_("Every category's results are approved (not yet: {categories})."),
            not unapproved,
            {"categories": ", ".join(unapproved) or "-"},
        ),
    ]


def _scores_missing(category: Category) -> int:
    """Scores still to come before the lock: every judge without a conflict, on every rubric, for every verified
    participant."""
    rubrics = _rubrics(category)
    if not rubrics:
        return 0
    verified = list(category.participants.filter(status=ParticipantStatus.VERIFIED).values_list("pk", flat=True))
    members = list(category.panel.values_list("pk", flat=True))
    conflicts = set(
        ConflictOfInterest.objects.active().filter(member__category=category).values_list("member_id", "participant_id")
    )
    given = set(
        JuryScore.objects.filter(member__category=category, participant_id__in=verified).values_list(
            "member_id", "participant_id", "criterion"
        )
    )
    return sum(
        1 for m in members for p in verified if (m, p) not in conflicts for r in rubrics if (m, p, r) not in given
    )


def category_checks(category: Category, step: str) -> list[Check]:
    """What must hold before the committee locks the panel (``lock``), approves the results (``approve``) or
    publishes them (``publish``)."""
    from paritrana.award.ranking import missing_values

    edition = category.edition
    if step == "lock":
        jury = _has_jury(category)
        wanted = [EditionStatus.JUDGING] if jury else [EditionStatus.VERIFICATION, EditionStatus.JUDGING]
        unresolved = [m for m in missing_values(category) if not m.resolved and m.method != "jury"]
        size = category.panel.count()
        to_come = _scores_missing(category)
        return [
            Check("unlocked", N_("The panel is not locked yet."), category.panel_locked_at is None, {}, False),
            Check(
                "stage",
                N_("The edition is in the stage: {wanted} (now: {stage})."),
                edition.status in wanted,
                {"wanted": ", ".join(str(w.label) for w in wanted), "stage": edition.get_status_display()},
            ),
            Check(
                "panel",
                N_("The panel has at least {minimum} judges (it has {size})."),
                not jury or size >= MIN_PANEL,
                {"minimum": MIN_PANEL, "size": size},
            ),
            Check(
                "scored",
                N_(
                    "Every judge without a conflict scored every verified participant on every rubric ({count} "
                    "scores missing)."
                ),
                to_come == 0,
                {"count": to_come},
            ),
            Check(
                "values",
                N_("No indicator value or answer is missing unresolved ({count}: {items})."),
                not unresolved,
                {"count": len(unresolved), "items": "; ".join(m.label() for m in unresolved[:5]) or "-"},
            ),
        ]
    if step == "approve":
        from paritrana.award.ranking import results_current

        saved = category.ranked_at is not None
        return [
            Check("saved", N_("The results are saved."), saved, {}, False),
            Check(
                "current",
                N_("The saved results are what the ranking gives now (save them again after any change)."),
                saved and results_current(category),
                {},
                False,
            ),
        ]
    if step == "publish":
        ranked = list(category.participants.filter(result__isnull=False).values_list("zone", flat=True))
        alone = sorted({z or "-" for z in ranked if ranked.count(z) == 1}) if category.by_zone else []
        submitted, invited = _turnout(category)
        return [
            Check("approved", N_("The results are approved."), category.approved_at is not None, {}, False),
            Check(
                "closed",
                N_("The edition is closed (now: {stage})."),
                edition.status == EditionStatus.CLOSED,
                {"stage": edition.get_status_display()},
                False,
            ),
            Check(
                "contest",
                N_("Every title is won among more than one participant ({count} ranked; alone in a zone: {zones})."),
                len(ranked) > 1 and not alone,
                {"count": len(ranked), "zones": ", ".join(alone) or "-"},
            ),
            Check(
                "turnout",
                N_("Most invited regions submitted ({submitted} of {invited})."),
                invited > 0 and submitted * 2 > invited,
                {"submitted": submitted, "invited": invited},
            ),
        ]
    return []


def enforce(checks: Sequence[Check], reason: str, *, what: str) -> list[str]:
    """Refuse when a check fails that cannot be overridden, or when one fails and no reason is given; the keys of
    the checks overridden (with ``reason``) otherwise."""
    failing = [c for c in checks if not c.ok]
    hard = [c for c in failing if not c.overridable]
    listing = [c.as_dict() for c in checks]
    if hard:
        raise Conflict(
            N_("{what} cannot go on: {conditions}"),
            what=what,
            conditions=" ".join(c.text() for c in hard),
            failing=[c.key for c in hard],
            checks=listing,
        )
    if failing and not reason.strip():
        raise Conflict(
            N_("{what}: these conditions do not hold: {conditions} Give a reason to go on anyway."),
            what=what,
            conditions=" ".join(c.text() for c in failing),
            failing=[c.key for c in failing],
            checks=listing,
        )
    return [c.key for c in failing]
