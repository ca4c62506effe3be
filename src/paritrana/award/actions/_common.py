"""What the award's actions share: who may manage an edition, the checks that it is current and not locked, the
audit of refusals, and the versions a page carries of an answer or a score."""

from __future__ import annotations

from typing import Any

from paritrana.award import scoring
from paritrana.award.checks import Check
from paritrana.award.models import (
    Answer,
    Category,
    Edition,
    EditionStatus,
    JuryScore,
    PanelMember,
    Participant,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, NotFound, OutOfScope, PermissionDenied
from paritrana.core.permissions import require
from paritrana.core.stale import version

_refusals_audited = audit.refusals_audited  # one implementation, in core.audit


def _manage(actor: Any, edition: Edition) -> None:
    require(actor, "award.manage", edition.region_code or None)
    if edition.region_code == "":
        from paritrana.core.permissions import require_national

        require_national(actor, "award.manage")


def _manage_national(actor: Any) -> None:
    """The award zones group provinces for the national round: its committee (national scope) manages them."""
    if not require(actor, "award.manage").national:
        raise PermissionDenied(
            N_(
                "The award zones group provinces for the national round: only its committee (national scope) "
                "manages them."
            )
        )


def _fresh(category: Category) -> Category:
    """Lock the category's row until the transaction ends and read its state (and its edition's) afresh."""
    list(Category.objects.select_for_update().filter(pk=category.pk).values_list("pk", flat=True))
    category.refresh_from_db()
    category.edition.refresh_from_db()
    return category


def _overridden(checks: list[Check], keys: list[str], reason: str) -> dict[str, Any]:
    """What the audit keeps of a transition's check list: the checks overridden, with the reason."""
    if not keys:
        return {}
    return {
        "overridden": keys,
        "reason": reason.strip(),
        "conditions": [c.text(lambda m: m) for c in checks if c.key in keys],
    }


def _unlocked(category: Category) -> None:
    if category.approved_at is not None:
        raise Conflict(
            N_("The results of {category} are approved and locked: nothing can change."), category=str(category)
        )


def _status(edition: Edition, *wanted: str) -> None:
    if edition.status not in wanted:
        raise Conflict(
            N_("The edition is in the '{status}' stage; this needs: {wanted}."),
            status=edition.get_status_display(),
            wanted=", ".join(str(EditionStatus(w).label) for w in wanted),
        )


def _leaf(category: Category, key: str, method: str) -> Any:
    leaves = {c.key: c for c in scoring.leaves(scoring.parse_framework(category.framework))}
    criterion = leaves.get(key)
    if criterion is None or criterion.method != method:
        raise NotFound(
            N_("No {method} criterion '{criterion}' in {category}."),
            method=method,
            criterion=key,
            category=str(category),
        )
    return criterion


def version_of(row: Answer | JuryScore | None) -> str:
    """What a page shows of an answer's or a score's version, to send back as ``seen`` (``core.stale.version``)."""
    return version(row.updated_at if row else None)


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def check_scope(actor: Any, participant: Participant) -> None:
    """A participant's own pages: its operators, the committee, its panel."""
    if require(actor, "award.view").contains(participant.region_code):
        return
    if PanelMember.objects.filter(category=participant.category, user=actor).exists():
        return
    raise OutOfScope(region=participant.region_code)
