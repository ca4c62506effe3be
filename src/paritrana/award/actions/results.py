"""Results: saving the ranking, and the committee's decisions on missing values."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from paritrana.award import scoring
from paritrana.award.actions._common import _fresh, _manage, _refusals_audited, _unlocked, _user_or_none
from paritrana.award.actions.jury import inputs_open
from paritrana.award.models import (
    Answer,
    Category,
    DecisionKind,
    IndicatorScore,
    MissingValueDecision,
    Participant,
    ParticipantStatus,
    Result,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, NotFound


@_refusals_audited("award.results")
def do_save_results(*, actor: Any, category: Category) -> list[Result]:
    """Save the ranking as the category's results (``ranking.compute_results``: refused while the panel is not
    locked, a participant of a by-zone category has no zone, or a missing value is unresolved), replacing the
    results saved before. Refused once the results are approved."""
    from paritrana.award.ranking import compute_results

    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    results = compute_results(category)
    before = Result.objects.filter(participant__category=category).count()
    Result.objects.filter(participant__category=category).delete()
    Result.objects.bulk_create(results)
    category.ranked_at = timezone.now()
    category.save(update_fields=["ranked_at"])
    audit.record(
        actor=actor,
        action="award.results.save",
        obj=category,
        before={"results": before},
        after={"ranked": len(results), "top": [r.participant.name for r in results[:3]]},
    )
    return results


RESOLUTIONS = ("value", "exempt", "zero")


@_refusals_audited("award.missing")
def do_resolve_missing(
    *,
    actor: Any,
    participant: Participant,
    criterion: str,
    resolution: str,
    reason: str = "",
    value: Any = None,
    target: Any = None,
) -> Any:
    """Resolve a value missing for a verified participant (see ``ranking.missing_values``): enter the ``value``
    (an indicator's value and target, or the committee's score 0-100 of a text answer; only while the inputs are
    open), or decide ``exempt`` (left out of the participant's total) or ``zero`` (scored 0), with a reason."""
    from paritrana.award.ranking import missing_values, score_matrix

    category = participant.category
    _manage(actor, category.edition)
    _fresh(category)
    participant.refresh_from_db(fields=["status"])
    _unlocked(category)
    if resolution not in RESOLUTIONS:
        raise InvalidInput(
            N_("Resolve a missing value with: {choices}; not '{value}'."),
            field="resolution",
            choices=", ".join(RESOLUTIONS),
            value=resolution,
        )
    leaves = {c.key: c for c in scoring.leaves(scoring.parse_framework(category.framework))}
    leaf = leaves.get(criterion)
    if leaf is None:
        raise NotFound(N_("No criterion '{criterion}' in {category}."), criterion=criterion, category=str(category))
    if participant.status != ParticipantStatus.VERIFIED:
        raise Conflict(
            N_("{participant} is not verified: only verified participants are ranked."), participant=participant.name
        )
    found = next(
        (m for m in missing_values(category) if m.participant.pk == participant.pk and m.criterion == criterion), None
    )
    if found is None:
        raise Conflict(
            N_("{participant} has a value on {criterion}: nothing is missing."),
            participant=participant.name,
            criterion=criterion,
        )
    before = None if found.decision is None else {"decision": found.decision.kind, "reason": found.decision.reason}
    if resolution == "value":
        written = _enter_value(category, participant, leaf, value, target)
        audit.record(
            actor=actor,
            action="award.missing.value",
            obj=participant,
            region_code=participant.region_code,
            before=before,
            after={"criterion": criterion, **written},
        )
        return written
    if not reason.strip():
        raise InvalidInput(N_("Say why the missing value is decided so."), field="reason")
    decision, _ = MissingValueDecision.objects.update_or_create(
        participant=participant,
        criterion=criterion,
        defaults={"kind": DecisionKind(resolution), "reason": reason.strip()[:300], "decided_by": _user_or_none(actor)},
    )
    score_matrix(category)  # refuses a participant exempted on every criterion (nothing left to score)
    audit.record(
        actor=actor,
        action="award.missing.decide",
        obj=participant,
        region_code=participant.region_code,
        before=before,
        after={"criterion": criterion, "decision": resolution, "reason": reason.strip(), "needs": found.needs},
    )
    return decision


def _number_or_refuse(value: Any, field: str) -> float:
    try:
        number = float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        raise InvalidInput(N_("'{value}' is not a number."), field=field, value=value) from None
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        raise InvalidInput(N_("'{value}' is not a number."), field=field, value=value)
    return number


def _enter_value(category: Category, participant: Participant, leaf: Any, value: Any, target: Any) -> dict[str, Any]:
    """The value that was missing, entered by the committee: an indicator's value (and target) or the score of a
    text answer. A judge's score comes from the judge (or the committee's import of a signed score sheet)."""
    inputs_open(category)
    if leaf.method == "indicator":
        if value in (None, ""):
            raise InvalidInput(N_("{field} is required."), field="value")
        number = _number_or_refuse(value, "value")
        goal = None if target in (None, "") else _number_or_refuse(target, "target")
        if leaf.scoring and leaf.scoring.type == "target" and (goal is None or goal <= 0):
            raise InvalidInput(
                N_("{criterion} is scored against a target: give a target above 0."), field="target", criterion=leaf.key
            )
        IndicatorScore.objects.update_or_create(
            participant=participant,
            criterion=leaf.key,
            defaults={"value": number, "target": goal, "source": "entered"},
        )
        return {"value": number, "target": goal}
    if leaf.method == "question" and leaf.answer == "text":
        score = _number_or_refuse(value, "value")
        if not 0 <= score <= 100:
            raise InvalidInput(N_("A score is between 0 and 100."), field="value", value=value)
        updated = Answer.objects.filter(participant=participant, criterion=leaf.key).update(score=score)
        if updated:
            return {"score": score}
    raise InvalidInput(
        N_(
            "{criterion} takes no value from the committee here (a judge's score or a region's answer): import it "
            "from a spreadsheet, or decide 'exempt' or 'zero' with a reason."
        ),
        field="resolution",
        criterion=leaf.key,
    )
