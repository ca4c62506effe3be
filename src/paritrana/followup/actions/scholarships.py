"""The children's scholarship (beasiswa): flagging a child, its schedule, changes and disbursements."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from paritrana.core import audit
from paritrana.core.errors import (
    N_,
    Conflict,
    InvalidInput,
    OutOfRange,
)
from paritrana.core.permissions import require
from paritrana.core.stale import refuse_if_changed
from paritrana.followup import schedule
from paritrana.followup.actions._common import (
    _choice,
    _date,
    _death_claim,
    _not_future,
    _optional_date,
    _said,
    _text,
    _user,
)
from paritrana.followup.choices import (
    Relation,
    SchoolLevel,
)
from paritrana.followup.models import (
    Heir,
    ScholarshipChild,
    ScholarshipYear,
)
from paritrana.sponsorship.models import Claim


def _cause(claim: Claim) -> str:
    return "jkk" if claim.kind == "jkk-death" else "jkm"


def _facts(child: ScholarshipChild) -> schedule.Child:
    return schedule.Child(
        birth_date=child.heir.birth_date,
        level=child.level,
        grade=child.grade,
        married_on=child.married_on,
        working_since=child.working_since,
    )


def child_schedule(child: ScholarshipChild) -> schedule.Schedule:
    """The child's scholarship schedule, priced by the rules in force on the death."""
    return schedule.scholarship_schedule(
        _facts(child),
        claim_date=child.claim.event_date,
        cause=_cause(child.claim),
        contribution_years=child.contribution_years,
    )


def _child_values(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "level" in values:
        level = str(values.get("level") or "").lower().strip()
        out["level"] = _choice(level, SchoolLevel, "level") if level else ""
    if "grade" in values:
        try:
            out["grade"] = int(values.get("grade") or 1)
        except (TypeError, ValueError):
            raise InvalidInput(
                N_("{field} must be a whole number; got {value}."), field="grade", value=str(values["grade"])[:10]
            ) from None
    if "contribution_years" in values:
        raw = values.get("contribution_years")
        if raw in (None, ""):
            out["contribution_years"] = None
        else:
            try:
                years = Decimal(str(raw))
            except InvalidOperation:
                raise InvalidInput(field="contribution_years", value=str(raw)[:10]) from None
            if not years.is_finite() or not 0 <= years <= 60:
                raise OutOfRange(field="contribution_years", minimum=0, maximum=60, value=str(raw)[:10])
            out["contribution_years"] = years.quantize(Decimal("0.1"))
    for name in ("married_on", "working_since"):
        if name in values:
            out[name] = _optional_date(values.get(name), name)
            if out[name] is not None:
                _not_future(out[name], name)
    return out


def do_flag_scholarship_child(
    *,
    actor: Any,
    heir: Heir,
    level: str = "",
    grade: Any = 1,
    contribution_years: Any = None,
    married_on: Any = None,
    working_since: Any = None,
) -> ScholarshipChild:
    """Mark a child heir as entitled to the beasiswa: at most two children per claim (one before PP 82/2019), and
    only while the schedule gives the child at least one year (under 23, a JKM death with enough contributions)."""
    claim = heir.claim
    require(actor, "heirs.manage", claim.desa_code)
    _death_claim(claim)
    if heir.relation != Relation.CHILD:
        raise InvalidInput(
            N_("Only a child of the worker receives the scholarship; {name} is recorded as {relation}."),
            field="relation",
            name=heir.name,
            relation=heir.relation,
        )
    values = _child_values(
        {
            "level": level,
            "grade": grade,
            "contribution_years": contribution_years,
            "married_on": married_on,
            "working_since": working_since,
        }
    )
    with transaction.atomic():
        Claim.objects.select_for_update().filter(pk=claim.pk).first()  # two operators flagging at once: one waits
        if ScholarshipChild.objects.filter(heir=heir).exists():
            raise Conflict(N_("{name} already receives the scholarship."), field="heir", name=heir.name)
        most = schedule.max_children(claim.event_date)
        if ScholarshipChild.objects.filter(claim=claim).count() >= most:
            raise Conflict(
                N_("The scholarship covers at most {n} children of one worker; claim {id} already has them."),
                field="heir",
                n=most,
                id=claim.pk,
            )
        child = ScholarshipChild(heir=heir, claim=claim, created_by=_user(actor), **values)
        plan = child_schedule(child)  # refuses a child the rules do not entitle
        if not plan.years:
            raise InvalidInput(
                N_("The schedule gives {name} no scholarship year (ends: {reason})."),
                field="heir",
                name=heir.name,
                reason=plan.end_reason,
            )
        child.save()
        audit.record(
            actor=actor,
            action="followup.scholarship.flag",
            obj=child,
            region_code=claim.desa_code,
            after={**(audit.snapshot(child) or {}), "cap": int(plan.cap), "years": len(plan.years)},
        )
    return child


def do_update_scholarship_child(
    *, actor: Any, child: ScholarshipChild, expected: Mapping[str, Any] | None = None, **changes: Any
) -> ScholarshipChild:
    """Change the level, the year within it, the years of contributions, or record a marriage or a start of work.
    A change that would leave a disbursed year outside the schedule is refused. ``expected``: the values the
    caller's page showed for the fields it changes; a colleague's change since is refused (``core.stale``)."""
    allowed = {"level", "grade", "contribution_years", "married_on", "working_since"}
    unknown = sorted(set(changes) - allowed) or sorted(set(expected or {}) - allowed)
    if unknown:
        raise InvalidInput(N_("{field} cannot be changed here."), field=unknown[0])
    claim = child.claim
    require(actor, "heirs.manage", claim.desa_code)
    values = _child_values(changes)
    shown = _child_values(dict(expected or {}))
    with transaction.atomic():
        locked = ScholarshipChild.objects.select_for_update().select_related("heir", "claim").get(pk=child.pk)
        for name, value in shown.items():
            refuse_if_changed(name, value, getattr(locked, name), asked=values.get(name, value), say=_said)
        before = audit.snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        plan = child_schedule(locked)
        scheduled = {y.school_year for y in plan.years}
        outside = sorted(set(locked.years.values_list("school_year", flat=True)) - scheduled)
        if outside:
            raise Conflict(
                N_("School year {value} was disbursed but would fall outside the schedule; correct it first."),
                field=sorted(values)[0] if values else "level",
                value=outside[0],
            )
        locked.save()
        audit.record(
            actor=actor,
            action="followup.scholarship.update",
            obj=locked,
            region_code=claim.desa_code,
            before=before,
            after=locked,
        )
    return locked


def do_record_disbursement(
    *, actor: Any, child: ScholarshipChild, school_year: str, disbursed_on: Any, reference: str
) -> ScholarshipYear:
    """Record that a school year's scholarship was paid. The level, amount and due date come from the schedule; a
    year beyond the cap, after the child turned 23 (or married, or started work), or recorded already is refused."""
    claim = child.claim
    require(actor, "heirs.manage", claim.desa_code)
    plan = child_schedule(child)
    entry = plan.entry(school_year)
    paid = _date(disbursed_on, "disbursed_on")
    _not_future(paid, "disbursed_on")
    if paid < claim.event_date:
        raise InvalidInput(
            N_("{field} {value} is before the death on {date}."),
            field="disbursed_on",
            value=paid.isoformat(),
            date=claim.event_date.isoformat(),
        )
    ref = _text(reference, "reference", limit=64)
    with transaction.atomic():
        ScholarshipChild.objects.select_for_update().filter(pk=child.pk).first()
        existing = ScholarshipYear.objects.filter(child=child, school_year=entry.school_year).first()
        if existing is not None:
            raise Conflict(
                N_("The scholarship of school year {value} was already recorded as disbursed on {date} ({reference})."),
                field="school_year",
                value=entry.school_year,
                date=existing.disbursed_on.isoformat(),
                reference=existing.reference,
            )
        so_far = ScholarshipYear.objects.filter(child=child).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        if so_far + entry.amount > plan.cap:
            raise OutOfRange(
                N_("Rp{amount} more would pass the cap of Rp{cap} per child (Rp{paid} paid so far)."),
                field="school_year",
                amount=int(entry.amount),
                cap=int(plan.cap),
                paid=int(so_far),
                minimum=0,
                maximum=int(plan.cap),
                value=int(so_far + entry.amount),
            )
        try:
            with transaction.atomic():
                year = ScholarshipYear.objects.create(
                    child=child,
                    school_year=entry.school_year,
                    level=entry.level,
                    amount=entry.amount,
                    due=entry.due,
                    disbursed_on=paid,
                    reference=ref,
                    created_by=_user(actor),
                )
        except IntegrityError:  # the unique constraint, should another request have won the race
            raise Conflict(
                N_("The scholarship of school year {value} was already recorded."),
                field="school_year",
                value=entry.school_year,
            ) from None
        audit.record(
            actor=actor, action="followup.scholarship.disburse", obj=year, region_code=claim.desa_code, after=year
        )
    return year
