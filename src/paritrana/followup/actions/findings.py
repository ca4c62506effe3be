"""Findings of a session and their follow-up: owner, due date, status moves, each step kept in the history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from paritrana.core import audit
from paritrana.core.dates import today
from paritrana.core.errors import (
    N_,
    Conflict,
    InvalidInput,
    Words,
)
from paritrana.core.permissions import can, require
from paritrana.core.stale import refuse_if_changed
from paritrana.followup.actions._common import _choice, _date, _name, _text, _user
from paritrana.followup.choices import (
    FindingStatus,
)
from paritrana.followup.models import (
    Finding,
    FindingUpdate,
    Session,
)


def _owner_user(value: Any, region_code: str) -> Any:
    """The owner's account (optional): someone who may see the follow-up, so that it reaches their dashboard."""
    if value in (None, ""):
        return None
    from django.contrib.auth import get_user_model

    user = value
    if not hasattr(value, "pk"):
        user = get_user_model().objects.filter(username=str(value)).first()
        if user is None:
            raise InvalidInput(N_("There is no user {value}."), field="owner_user", value=str(value)[:150])
    if not can(user, "followup.view", region_code):
        raise InvalidInput(
            N_("{value} cannot see follow-ups of {region}: choose someone of that region."),
            field="owner_user",
            value=user.get_username(),
            region=region_code,
        )
    return user


def _finding_values(values: Mapping[str, Any], session: Session, *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not partial or "text" in values:
        out["text"] = _text(values.get("text"), "text", limit=5000)
    if not partial or "recommendation" in values:
        out["recommendation"] = _text(values.get("recommendation"), "recommendation", required=False, limit=5000)
    if not partial or "owner" in values:
        out["owner"] = _text(values.get("owner"), "owner")
    if not partial or "due_date" in values:
        due = _date(values.get("due_date"), "due_date")
        if due < session.held_on:
            raise InvalidInput(
                N_("The due date {value} is before the session ({date})."),
                field="due_date",
                value=due.isoformat(),
                date=session.held_on.isoformat(),
            )
        out["due_date"] = due
    if "owner_user" in values:
        out["owner_user"] = _owner_user(values.get("owner_user"), session.region_code)
    return out


def _history(finding: Finding, actor: Any, previous: str, note: str, changes: dict[str, Any] | None = None) -> None:
    FindingUpdate.objects.create(
        finding=finding,
        previous_status=previous,
        status=finding.status,
        note=note,
        changes=audit.snapshot(changes or {}) or {},
        actor=_user(actor),
        actor_name=_name(actor),
    )


def do_add_finding(
    *,
    actor: Any,
    session: Session,
    text: str,
    owner: str,
    due_date: Any,
    recommendation: str = "",
    owner_user: Any = None,
) -> Finding:
    """A finding of ``session`` with its recommendation, owner (an OPD or a person) and due date; all three of text,
    owner and due date are required."""
    require(actor, "followup.manage", session.region_code)
    values = _finding_values(
        {
            "text": text,
            "recommendation": recommendation,
            "owner": owner,
            "due_date": due_date,
            "owner_user": owner_user,
        },
        session,
        partial=False,
    )
    with transaction.atomic():
        finding = Finding.objects.create(session=session, created_by=_user(actor), **values)
        _history(finding, actor, "", "", {k: v for k, v in values.items() if k != "owner_user"})
        audit.record(
            actor=actor, action="followup.finding.create", obj=finding, region_code=session.region_code, after=finding
        )
    return finding


def do_update_finding(*, actor: Any, finding: Finding, note: str = "", **changes: Any) -> Finding:
    """Change a finding's text, recommendation, owner, owner's account or due date; the change joins its history."""
    allowed = {"text", "recommendation", "owner", "due_date", "owner_user"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput(N_("{field} cannot be changed here."), field=unknown[0])
    session = finding.session
    require(actor, "followup.manage", session.region_code)
    values = _finding_values(changes, session, partial=True)
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        before = audit.snapshot(locked)
        changed = {k: v for k, v in values.items() if getattr(locked, k) != v}
        if not changed:
            return locked
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.save()
        shown = {k: (v.get_username() if k == "owner_user" and v is not None else v) for k, v in changed.items()}
        _history(locked, actor, locked.status, _text(note, "note", required=False, limit=2000), shown)
        audit.record(
            actor=actor,
            action="followup.finding.update",
            obj=locked,
            region_code=session.region_code,
            before=before,
            after=locked,
        )
    return locked


def do_change_finding_status(
    *, actor: Any, finding: Finding, status: str, note: str = "", drop_reason: str = "", shown_status: str = ""
) -> Finding:
    """Move a follow-up to open, in progress, done or dropped (dropping needs its reason); each step is kept in
    the follow-up's history with the note, who and when. ``shown_status``: the status the caller's page showed; a
    colleague's move since is refused rather than overwritten (``core.stale``)."""
    require(actor, "followup.manage", finding.session.region_code)
    status = _choice(status, FindingStatus, "status")
    reason = _text(drop_reason, "drop_reason", required=status == FindingStatus.DROPPED, limit=2000)
    note = _text(note, "note", required=False, limit=2000)
    with transaction.atomic():
        locked = Finding.objects.select_for_update().select_related("session").get(pk=finding.pk)
        if shown_status:
            labels = dict(FindingStatus.choices)
            refuse_if_changed(
                "status",
                shown_status,
                locked.status,
                asked=status,
                label=Words(N_("The status")),
                say=lambda value: str(labels.get(value, value)),
            )
        if locked.status == status:
            raise Conflict(N_("The follow-up is already {status}."), field="status", status=status)
        before = audit.snapshot(locked)
        previous = locked.status
        locked.status = status
        locked.drop_reason = reason if status == FindingStatus.DROPPED else ""
        locked.completed_on = today() if status == FindingStatus.DONE else None
        locked.save()
        _history(locked, actor, previous, note, {"drop_reason": reason} if reason else None)
        audit.record(
            actor=actor,
            action=f"followup.finding.{status}",
            obj=locked,
            region_code=locked.session.region_code,
            before=before,
            after=locked,
        )
    return locked
