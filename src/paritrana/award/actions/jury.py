"""The jury: panel members, conflicts of interest, scores, and locking the panel."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from paritrana.award.actions._common import (
    _fresh,
    _leaf,
    _manage,
    _overridden,
    _refusals_audited,
    _status,
    _unlocked,
    _user_or_none,
)
from paritrana.award.checks import category_checks, enforce
from paritrana.award.models import (
    Category,
    ConflictOfInterest,
    EditionStatus,
    JuryScore,
    PanelMember,
    Participant,
    ParticipantStatus,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, PermissionDenied
from paritrana.core.permissions import require
from paritrana.core.stale import refuse_if_not_seen


@_refusals_audited("award.panel")
def do_add_panel_member(*, actor: Any, category: Category, user: Any) -> PanelMember:
    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if not user.roles.filter(role="jury").exists():
        raise InvalidInput(N_("{user} does not hold the jury role."), field="user", user=user.get_username())
    member, _ = PanelMember.objects.get_or_create(category=category, user=user)
    audit.record(actor=actor, action="award.panel.add", obj=category, after={"user": user.get_username()})
    return member


def _member(actor: Any, category: Category) -> PanelMember:
    require(actor, "award.judge")
    member = PanelMember.objects.filter(category=category, user=actor).first()
    if member is None:
        raise PermissionDenied(N_("You are not on the panel of {category}."), category=str(category))
    return member


@_refusals_audited("award.conflict")
def do_declare_conflict(*, actor: Any, participant: Participant, reason: str, judge: Any = None) -> ConflictOfInterest:
    """A judge declares a conflict with a participant; or the committee records one for ``judge`` (a signed form).
    Scores the judge gave the participant no longer count (they are removed, and the audit keeps how many)."""
    category = participant.category
    if judge is None:
        member = _member(actor, category)
    else:
        _manage(actor, category.edition)
        found = PanelMember.objects.filter(category=category, user=judge).first()
        if found is None:
            raise InvalidInput(
                N_("{judge} is not on the panel of {category}."),
                field="judge",
                judge=str(judge),
                category=str(category),
            )
        member = found
    _fresh(category)
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if not reason.strip():
        raise InvalidInput(N_("Say what the conflict of interest is."), field="reason")
    conflict, created = ConflictOfInterest.objects.get_or_create(
        member=member,
        participant=participant,
        defaults={"reason": reason.strip(), "recorded_by": _user_or_none(actor)},
    )
    if not created:  # declared again after a withdrawal: in force again, with the new reason
        conflict.reason, conflict.recorded_by = reason.strip(), _user_or_none(actor)
        conflict.withdrawn_at, conflict.withdrawn_by, conflict.withdraw_reason = None, None, ""
        conflict.save()
    removed, _ = JuryScore.objects.filter(member=member, participant=participant).delete()
    audit.record(
        actor=actor,
        action="award.conflict",
        obj=participant,
        after={
            "judge": member.user.get_username(),
            "reason": reason,
            "scores_removed": removed,
            "recorded_by": "committee" if judge is not None else "judge",
        },
    )
    return conflict


@_refusals_audited("award.conflict")
def do_withdraw_conflict(*, actor: Any, conflict: ConflictOfInterest, reason: str) -> ConflictOfInterest:
    """The judge or the committee withdraws a conflict (declared by mistake), with a reason; kept for the record."""
    category = conflict.participant.category
    if conflict.member.user_id != getattr(actor, "pk", None):
        _manage(actor, category.edition)
    _fresh(category)
    conflict.refresh_from_db()
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if conflict.withdrawn_at is not None:
        raise Conflict(N_("This conflict was already withdrawn."))
    if not reason.strip():
        raise InvalidInput(N_("Say why the conflict is withdrawn."), field="reason")
    conflict.withdrawn_at, conflict.withdrawn_by, conflict.withdraw_reason = (
        timezone.now(),
        _user_or_none(actor),
        reason.strip(),
    )
    conflict.save()
    audit.record(
        actor=actor,
        action="award.conflict.withdraw",
        obj=conflict.participant,
        after={"judge": conflict.member.user.get_username(), "reason": reason.strip()},
    )
    return conflict


def scorable(category: Category, member: PanelMember, participant: Participant) -> None:
    """The rules of a jury score, whoever enters it (the judge on the page or the API, the committee from a signed
    score sheet): the edition is judging, the panel is not locked, the participant is verified, no conflict."""
    _unlocked(category)
    _status(category.edition, EditionStatus.JUDGING)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if participant.status != ParticipantStatus.VERIFIED:
        raise Conflict(N_("{participant} is not verified."), participant=participant.name)
    if ConflictOfInterest.objects.active().filter(member=member, participant=participant).exists():
        raise PermissionDenied(
            N_("{judge} declared a conflict of interest with {participant}: no score from them."),
            judge=member.user.get_username(),
            participant=participant.name,
        )


def inputs_open(category: Category) -> None:
    """Indicator values and answers feed the ranking: they change only until the panel locks the category."""
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))


@_refusals_audited("award.score")
def do_score(
    *, actor: Any, participant: Participant, criterion: str, score: Any, comment: str = "", seen: str | None = None
) -> JuryScore:
    """A judge's score on one rubric. ``seen``: the score's version as the page showed it (``version_of``): one
    changed since (the judge's other tab, the committee's import of the judge's sheet) refuses this one."""
    category = participant.category
    member = _member(actor, category)
    _fresh(category)
    participant.refresh_from_db(fields=["status"])
    scorable(category, member, participant)
    closes = category.edition.scoring_deadline
    if closes is not None and timezone.now() > closes:
        raise Conflict(
            N_("Scoring closed on {deadline}: ask the committee to extend the scoring deadline."),
            field="score",
            deadline=date_format(timezone.localtime(closes), "DATETIME_FORMAT"),
        )
    leaf = _leaf(category, criterion, "jury")
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise InvalidInput(N_("'{value}' is not a number."), field="score", value=score) from None
    if not leaf.scale_min <= value <= leaf.scale_max:
        raise InvalidInput(
            N_("A score on {criterion} is between {minimum} and {maximum}, not {value}."),
            field="score",
            criterion=criterion,
            minimum=f"{leaf.scale_min:g}",
            maximum=f"{leaf.scale_max:g}",
            value=f"{value:g}",
        )
    current = JuryScore.objects.filter(member=member, participant=participant, criterion=criterion).first()
    refuse_if_not_seen(
        seen,
        current.updated_at if current else None,
        N_(
            "Your score on {criterion} was changed at {when}, after you opened the page (it is now: {value}): "
            "this one was not saved. Check it, then save again if yours is still right."
        ),
        unchanged=current is not None and (current.score, current.comment) == (value, comment),
        field=criterion,
        criterion=criterion,
        value=f"{current.score:g}" if current else "-",
    )
    jury, _ = JuryScore.objects.update_or_create(
        member=member, participant=participant, criterion=criterion, defaults={"score": value, "comment": comment}
    )
    audit.record(
        actor=actor,
        action="award.score",
        obj=participant,
        after={"criterion": criterion, "score": value, "comment": comment},
    )
    return jury


@_refusals_audited("award.panel")
def do_lock_panel(*, actor: Any, category: Category, reason: str = "") -> Category:
    """Lock the panel's scores, and with them every input of the ranking (answers, indicator values, verification),
    when the check list holds (``checks.category_checks(category, "lock")``) or with a reason."""
    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    checks = category_checks(category, "lock")
    overridden = enforce(checks, reason, what=gettext("Locking the panel of {category}").format(category=category))
    category.panel_locked_at = timezone.now()
    category.save(update_fields=["panel_locked_at"])
    audit.record(actor=actor, action="award.panel.lock", obj=category, after=_overridden(checks, overridden, reason))
    return category
