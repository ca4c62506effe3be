"""Writes on follow-up: asistensi and monev sessions (with their budget snapshot), findings and their status with
history, the heirs of a death claim, the children's scholarship disbursements and training referrals.

Each action checks the actor's capability and region scope, validates (every refusal names its field), writes in one
transaction and appends to the audit log. Views, API and command line call these and nothing else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from paritrana.core import audit
from paritrana.core.dates import today
from paritrana.core.digits import is_ascii_digits, refuse_non_ascii_digits
from paritrana.core.errors import (
    N_,
    BadRequest,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    OutOfRange,
    ParitranaError,
    PermissionDenied,
)
from paritrana.core.permissions import can, in_scope, require
from paritrana.followup import schedule
from paritrana.followup.choices import FindingStatus, ReferralOutcome, Relation, SchoolLevel, SessionKind
from paritrana.followup.models import (
    Attendee,
    Finding,
    FindingUpdate,
    Heir,
    ScholarshipChild,
    ScholarshipYear,
    Session,
    TrainingReferral,
)
from paritrana.registry.models import Worker
from paritrana.sponsorship.models import Claim, Program

__all__ = [
    "DEATH_KINDS",
    "child_schedule",
    "do_add_finding",
    "do_add_heir",
    "do_change_finding_status",
    "do_create_session",
    "do_flag_scholarship_child",
    "do_record_claim_with_heirs",
    "do_record_disbursement",
    "do_record_referral_outcome",
    "do_refer_to_training",
    "do_update_finding",
    "do_update_scholarship_child",
]

logger = logging.getLogger(__name__)

#: The claims whose heirs are followed up: a JKM death, or a death from a work accident (JKK).
DEATH_KINDS = ("jkm", "jkk-death")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _name(actor: Any) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else "system"


def _text(value: Any, field: str, *, required: bool = True, limit: int = 200) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(N_("{field} is required."), field=field)
    if len(text) > limit:
        raise OutOfRange(
            N_("{field} is at most {maximum} characters; got {value}."), field=field, maximum=limit, value=len(text)
        )
    return text


def _date(value: Any, field: str) -> date:
    """A required date (ISO ``YYYY-MM-DD``)."""
    day = _optional_date(value, field)
    if day is None:
        raise InvalidInput(N_("{field} is required."), field=field)
    return day


def _optional_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            N_("{field} must be a date (YYYY-MM-DD); got {value}."), field=field, value=str(value)[:20]
        ) from None


def _not_future(day: date, field: str) -> None:
    if day > today():
        raise InvalidInput(N_("{field} {value} is in the future."), field=field, value=day.isoformat())


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field=field,
            value=str(value)[:40],
            valid=", ".join(choices.values),
        )
    return str(value)


# Sessions -------------------------------------------------------------------------------------------------------


def _region(code: Any) -> Any:
    from paritrana.regions.queries import get_region, normalize_code

    try:
        return get_region(normalize_code(str(code or "")))
    except (BadRequest, NotFound):
        raise InvalidInput(
            N_("{value} is not a known region code."), field="region_code", value=str(code)[:20]
        ) from None


def _attendees(rows: Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    out = []
    for i, row in enumerate(rows or []):
        institution = row.get("institution") or row.get("opd") or ""
        out.append(
            {
                "name": _text(row.get("name"), f"attendees[{i}].name"),
                "institution": _text(institution, f"attendees[{i}].institution"),
                "position": _text(row.get("position"), f"attendees[{i}].position", required=False),
            }
        )
    if not out:
        raise InvalidInput(
            N_("List the people present (attendees): name, OPD or institution, position."), field="attendees"
        )
    return out


def _session_programs(
    actor: Any, region_code: str, fiscal_year: int, program_ids: Iterable[int] | None
) -> list[Program]:
    """The programs a session concerns: those named (visible to the actor, of the fiscal year, of the session's
    region), or every program of the region and year the actor can see."""
    from paritrana.sponsorship.queries import get_program, programs_for

    if program_ids is None:
        return [
            p
            for p in programs_for(actor).filter(fiscal_year=fiscal_year).order_by("sponsor__region_code", "name")
            if in_scope(p.sponsor.region_code, region_code)
        ]
    programs = []
    for pk in dict.fromkeys(program_ids):
        program = get_program(actor, int(pk))
        if program.fiscal_year != fiscal_year:
            raise InvalidInput(
                N_("Program {id} is of fiscal year {year}, not {fiscal_year}."),
                field="program_ids",
                id=program.pk,
                year=program.fiscal_year,
                fiscal_year=fiscal_year,
            )
        sponsor_region = program.sponsor.region_code
        if not (in_scope(sponsor_region, region_code) or in_scope(region_code, sponsor_region)):
            raise InvalidInput(
                N_("Program {id} belongs to {program_region}, outside the session's region {region}."),
                field="program_ids",
                id=program.pk,
                program_region=sponsor_region,
                region=region_code,
            )
        programs.append(program)
    return programs


def budget_snapshot(programs: Iterable[Program], on: date) -> dict[str, Any]:
    """Pagu, committed, paid and serapan per program and in total, from the sponsorship monev (not typed again)."""
    from paritrana.sponsorship.monev import serapan
    from paritrana.sponsorship.queries import monev_row

    rows: list[dict[str, Any]] = []
    for program in programs:
        row = monev_row(program, on)
        rows.append(
            {
                "program_id": program.pk,
                "program": row.program,
                "sponsor": row.sponsor,
                "opd": row.opd,
                "region_code": row.region_code,
                "fiscal_year": row.fiscal_year,
                "pagu": int(row.pagu),
                "committed": int(row.committed),
                "paid": int(row.paid),
                "committed_pct": round(row.committed_pct, 2),
                "absorption_pct": round(row.absorption_pct, 2),
            }
        )
    pagu = sum(r["pagu"] for r in rows)
    paid = sum(r["paid"] for r in rows)
    committed = sum(r["committed"] for r in rows)
    totals = {
        "programs": len(rows),
        "pagu": pagu,
        "committed": committed,
        "paid": paid,
        "committed_pct": round(committed * 100 / pagu, 2) if pagu else 0.0,
        "absorption_pct": round(serapan(paid, pagu), 2),
    }
    return {"on": on.isoformat(), "programs": rows, "totals": totals}


def do_create_session(
    *,
    actor: Any,
    kind: str,
    held_on: Any,
    place: str,
    bpjs_office: str,
    region_code: str,
    fiscal_year: Any,
    attendees: Iterable[Mapping[str, Any]] | None,
    program_ids: Iterable[int] | None = None,
    summary: str = "",
) -> Session:
    """Record a session held, with the people present and a snapshot of the budget figures of the programs it
    concerns (``program_ids``; none given: every program of the region and fiscal year the actor can see)."""
    region = _region(region_code)
    require(actor, "followup.manage", region.code)
    kind = _choice(kind, SessionKind, "kind")
    day = _date(held_on, "held_on")
    _not_future(day, "held_on")
    try:
        year = int(fiscal_year)
    except (TypeError, ValueError):
        raise InvalidInput(
            N_("{field} must be a whole number; got {value}."), field="fiscal_year", value=str(fiscal_year)[:20]
        ) from None
    if not 2015 <= year <= 2100:
        raise OutOfRange(field="fiscal_year", minimum=2015, maximum=2100, value=year)
    values = {
        "place": _text(place, "place"),
        "bpjs_office": _text(bpjs_office, "bpjs_office"),
        "summary": _text(summary, "summary", required=False, limit=5000),
    }
    people = _attendees(attendees)
    programs = _session_programs(actor, region.code, year, program_ids)
    with transaction.atomic():
        session = Session.objects.create(
            kind=kind,
            held_on=day,
            region_code=region.code,
            fiscal_year=year,
            snapshot=budget_snapshot(programs, today()),
            created_by=_user(actor),
            **values,
        )
        session.programs.set(programs)
        Attendee.objects.bulk_create(Attendee(session=session, **p) for p in people)
        audit.record(
            actor=actor,
            action="followup.session.create",
            obj=session,
            region_code=region.code,
            after={**(audit.snapshot(session) or {}), "attendees": len(people)},
        )
    return session


# Findings and follow-ups ----------------------------------------------------------------------------------------


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
    *, actor: Any, finding: Finding, status: str, note: str = "", drop_reason: str = ""
) -> Finding:
    """Move a follow-up to open, in progress, done or dropped (dropping needs its reason); each step is kept in
    the follow-up's history with the note, who and when."""
    require(actor, "followup.manage", finding.session.region_code)
    status = _choice(status, FindingStatus, "status")
    reason = _text(drop_reason, "drop_reason", required=status == FindingStatus.DROPPED, limit=2000)
    note = _text(note, "note", required=False, limit=2000)
    with transaction.atomic():
        locked = Finding.objects.select_for_update().select_related("session").get(pk=finding.pk)
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


# Heirs and scholarships -----------------------------------------------------------------------------------------


def _death_claim(claim: Claim) -> None:
    if claim.kind not in DEATH_KINDS:
        raise InvalidInput(
            N_("Claim {id} is a {kind} claim, not a death (JKM or JKK death): it has no heirs to follow up."),
            field="claim",
            id=claim.pk,
            kind=claim.kind,
        )


def _heir_audit(heir: Heir) -> dict[str, Any]:
    """The heir as the audit log keeps it: the NIK masked."""
    return {**(audit.snapshot(heir) or {}), "nik": heir.masked_nik}


#: What lokal-id's NIK parser finds wrong in a NIK's structure, as a message a person can act on.
_NIK_PROBLEMS = {
    "province": N_("The province code in the NIK does not exist."),
    "wilayah": N_("The kabupaten and kecamatan codes in a NIK cannot be 00."),
    "birth_date": N_("The birth date inside the NIK is not a real date."),
    "serial": N_("The NIK's last 4 digits cannot be 0000."),
}


def _heir_nik(value: Any) -> str:
    """An heir's NIK (optional): 16 digits 0-9 whose structure holds (province, kabupaten and kecamatan codes, the
    birth date inside, the serial), as the registry checks a worker's. Separators people type are taken out."""
    from lokal import parse_nik

    text = re.sub(r"[\s.\-]", "", str(value or ""))
    if not text:
        return ""
    refuse_non_ascii_digits(text, field="nik")
    if not is_ascii_digits(text, 16):
        raise InvalidInput(N_("A NIK has 16 digits."), field="nik")
    info = parse_nik(text, reference_date=today())
    if info.errors:
        raise InvalidInput(_NIK_PROBLEMS.get(info.errors[0].code, N_("A NIK has 16 digits.")), field="nik")
    return text


def _heir_values(*, name: Any, relation: Any, birth_date: Any, nik: Any = "") -> dict[str, Any]:
    """An heir's fields checked (each refusal names its field), before anything is written."""
    relation = _choice(relation, Relation, "relation")
    born = _date(birth_date, "birth_date")
    _not_future(born, "birth_date")
    return {"name": _text(name, "name"), "relation": relation, "birth_date": born, "nik": _heir_nik(nik)}


def do_add_heir(*, actor: Any, claim: Claim, name: str, relation: str, birth_date: Any, nik: str = "") -> Heir:
    """An heir of a JKM or JKK death claim. A claim that is not a death is refused."""
    require(actor, "heirs.manage", claim.desa_code)
    _death_claim(claim)
    values = _heir_values(name=name, relation=relation, birth_date=birth_date, nik=nik)
    with transaction.atomic():
        heir = Heir.objects.create(claim=claim, created_by=_user(actor), **values)
        audit.record(
            actor=actor, action="followup.heir.create", obj=heir, region_code=claim.desa_code, after=_heir_audit(heir)
        )
    return heir


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


def do_update_scholarship_child(*, actor: Any, child: ScholarshipChild, **changes: Any) -> ScholarshipChild:
    """Change the level, the year within it, the years of contributions, or record a marriage or a start of work.
    A change that would leave a disbursed year outside the schedule is refused."""
    allowed = {"level", "grade", "contribution_years", "married_on", "working_since"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput(N_("{field} cannot be changed here."), field=unknown[0])
    claim = child.claim
    require(actor, "heirs.manage", claim.desa_code)
    values = _child_values(changes)
    with transaction.atomic():
        locked = ScholarshipChild.objects.select_for_update().select_related("heir", "claim").get(pk=child.pk)
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


# A claim entered with its heirs ----------------------------------------------------------------------------------

#: The most heirs one claim entry takes (a family, not a list: a longer one is a file to import).
MAX_HEIRS = 20
#: ``school_level`` of an heir row for a child who receives the scholarship at the level of their age (not yet in
#: school, or the level not known); blank: the heir does not (yet) receive it.
BY_AGE = "age"


class _Problem:
    """An heir row's refusal inside the message that names the row, translated when the message is rendered."""

    def __init__(self, error: ParitranaError) -> None:
        self.error = error

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return self.error.render_message(gettext)


@contextmanager
def _heir_row(index: int) -> Iterator[None]:
    """A refusal raised for heir row ``index`` (0-based) names the row (1-based) and its field (``heirs[0].nik``)."""
    try:
        yield
    except (PermissionDenied, NotAuthenticated):
        raise
    except ParitranaError as error:
        field = str(error.details.get("field") or "")
        raise type(error)(
            N_("Heir {row}: {problem}"), row=index + 1, field=f"heirs[{index}].{field}", problem=_Problem(error)
        ) from error


def _heir_row_values(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An heir row's heir fields, and its scholarship (level and year within it) when a school level is given."""
    fields = ("name", "relation", "birth_date", "nik", "school_level", "grade")
    unknown = sorted(set(row) - set(fields))
    if unknown:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."), field="field", value=unknown[0], valid=", ".join(fields)
        )
    values = _heir_values(
        name=row.get("name"), relation=row.get("relation"), birth_date=row.get("birth_date"), nik=row.get("nik")
    )
    level = str(row.get("school_level") or "").strip().lower()
    if not level:
        return values, None
    if values["relation"] != Relation.CHILD:
        raise InvalidInput(
            N_("Only a child of the worker receives the scholarship; leave the school level empty for {name}."),
            field="school_level",
            name=values["name"],
        )
    scholarship = _child_values({"level": "" if level == BY_AGE else level, "grade": row.get("grade") or 1})
    if not 1 <= scholarship["grade"] <= 6:
        raise OutOfRange(field="grade", minimum=1, maximum=6, value=scholarship["grade"])
    return values, scholarship


def do_record_claim_with_heirs(
    *,
    actor: Any,
    worker: Worker,
    kind: str,
    event_date: Any,
    amount_paid: Any,
    paid_on: Any = None,
    heirs: Iterable[Mapping[str, Any]] = (),
    contribution_years: Any = None,
    note: str = "",
) -> Claim:
    """Register a claim (``sponsorship.actions.do_record_claim``: checked against coverage and the rules; a death
    claim records the death) and, for a JKM or JKK death, its heirs as rows (name, relation, birth date, NIK
    optional, and a school level for a child who receives the scholarship), in one transaction: the heirs are those
    of the heirs page and the children's scholarship schedule. ``contribution_years``: the worker's years of
    contributions, which a JKM death's scholarship needs. ``note``: free text kept on the claim (what the old
    ``heirs`` field held). A refusal in any heir row names the row and its field, and nothing is written: no claim,
    no heir, no audit entry."""
    from paritrana.sponsorship.actions import do_record_claim

    rows = list(heirs or ())
    if rows and kind not in DEATH_KINDS:
        raise InvalidInput(
            N_("Heirs are recorded on a death claim (JKM or JKK death) only; this is a {kind} claim."),
            field="heirs",
            kind=kind,
        )
    if len(rows) > MAX_HEIRS:
        raise OutOfRange(field="heirs", minimum=0, maximum=MAX_HEIRS, value=len(rows))
    if rows:
        require(actor, "heirs.manage", worker.desa_code)
    checked = []
    for index, row in enumerate(rows):
        with _heir_row(index):
            checked.append(_heir_row_values(row))
    event = _date(event_date, "event_date")
    paid = _optional_date(paid_on, "paid_on")
    with transaction.atomic():
        claim = do_record_claim(
            actor=actor,
            worker=worker,
            kind=kind,
            event_date=event,
            amount_paid=amount_paid,
            paid_on=paid,
            heirs=_text(note, "note", required=False, limit=2000),
        )
        for index, (values, scholarship) in enumerate(checked):
            with _heir_row(index):
                heir = do_add_heir(actor=actor, claim=claim, **values)
                if scholarship is not None:
                    do_flag_scholarship_child(
                        actor=actor, heir=heir, contribution_years=contribution_years, **scholarship
                    )
    logger.info("claim %s recorded with %s heirs", claim.pk, len(checked))
    return claim


# Training referrals ---------------------------------------------------------------------------------------------


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
