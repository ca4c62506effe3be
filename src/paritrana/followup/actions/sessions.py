"""Asistensi and monev sessions: the attendees and the budget snapshot of the session's programs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction

from paritrana.core import audit
from paritrana.core.dates import today
from paritrana.core.errors import (
    N_,
    InvalidInput,
    OutOfRange,
)
from paritrana.core.permissions import in_scope, require
from paritrana.followup.actions._common import _choice, _date, _not_future, _region, _text, _user
from paritrana.followup.choices import (
    SessionKind,
)
from paritrana.followup.models import (
    Attendee,
    Session,
)
from paritrana.sponsorship.models import Program


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
