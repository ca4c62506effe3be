"""Reads on follow-up: scoped lists of sessions, follow-ups, death claims and their heirs; the state of each
scheduled scholarship year (disbursed, late, missing, upcoming); the minutes of a session as data; and the
candidate award indicators per region and year (sessions held, follow-ups completed, heirs supported).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from paritrana.core.dates import today
from paritrana.core.digits import is_ascii_digits, refuse_non_ascii_digits
from paritrana.core.errors import N_, InvalidInput, NotFound, ParitranaError
from paritrana.core.permissions import can, region_q, require, scoped
from paritrana.followup.actions import DEATH_KINDS, child_schedule
from paritrana.followup.choices import OPEN_STATUSES, FindingStatus, YearState
from paritrana.followup.models import (
    Finding,
    FindingUpdate,
    Heir,
    ScholarshipChild,
    ScholarshipYear,
    Session,
    TrainingReferral,
)
from paritrana.followup.schedule import Schedule, ScheduledYear
from paritrana.sponsorship.models import Claim

__all__ = [
    "ChildYears",
    "award_indicators",
    "child_years",
    "claim_worker",
    "death_claims_for",
    "findings_for",
    "get_claim",
    "get_finding",
    "get_session",
    "indicator_sheet_rows",
    "minutes",
    "open_followups",
    "overdue_for",
    "sessions_for",
    "workers_matching",
]

logger = logging.getLogger(__name__)
SESSION_REGION = "session__region_code"
CLAIM_REGION = "claim__desa_code"


# Sessions and follow-ups ----------------------------------------------------------------------------------------


def sessions_for(user: Any, capability: str = "followup.view") -> QuerySet[Session]:
    return scoped(Session.objects.all(), user, capability)


def get_session(user: Any, pk: int, capability: str = "followup.view") -> Session:
    session = Session.objects.filter(pk=pk).first()
    if session is None:
        raise NotFound(N_("There is no session {id}."), id=pk)
    require(user, capability, session.region_code)
    return session


def findings_for(user: Any) -> QuerySet[Finding]:
    return scoped(Finding.objects.select_related("session", "owner_user"), user, "followup.view", SESSION_REGION)


def get_finding(user: Any, pk: int, capability: str = "followup.view") -> Finding:
    finding = Finding.objects.select_related("session").filter(pk=pk).first()
    if finding is None:
        raise NotFound(N_("There is no finding {id}."), id=pk)
    require(user, capability, finding.session.region_code)
    return finding


def history(finding: Finding) -> QuerySet[FindingUpdate]:
    return finding.updates.order_by("at", "pk")


def open_followups(user: Any, *, region: str = "", on: date | None = None) -> list[Finding]:
    """The follow-ups still open or in progress in the user's scope (optionally of one region), by region and due
    date; each carries ``overdue`` (its due date passed; ``Finding.days_overdue`` says by how much)."""
    on = on or today()
    findings = findings_for(user).filter(status__in=OPEN_STATUSES)
    if region:
        from paritrana.regions.queries import normalize_code

        code = normalize_code(region)
        require(user, "followup.view", code)
        findings = findings.filter(region_q("session__region_code", code))
    rows = list(findings.order_by("session__region_code", "due_date", "pk"))
    for f in rows:
        f.overdue = f.days_overdue(on) > 0  # type: ignore[attr-defined]
    return rows


def overdue_for(user: Any, *, on: date | None = None, limit: int = 10) -> list[Finding]:
    """Overdue follow-ups for the dashboard of the people concerned: those the user owns first, then the others
    of the user's region scope. Empty for roles that do not see follow-ups."""
    if not can(user, "followup.view"):
        return []
    on = on or today()
    overdue = findings_for(user).filter(Finding.overdue_q(on))
    mine = list(overdue.filter(owner_user=user).order_by("due_date")[:limit]) if user.pk else []
    rest = list(overdue.exclude(pk__in=[f.pk for f in mine]).order_by("due_date")[: max(limit - len(mine), 0)])
    for f in [*mine, *rest]:
        f.mine = f in mine  # type: ignore[attr-defined]
    return [*mine, *rest]


#: Follow-ups due within this many days count as "due soon" on the dashboard.
DUE_SOON_DAYS = 14


def followups_due(user: Any, *, on: date | None = None, capability: str = "followup.manage") -> dict[str, int]:
    """Open follow-ups in the user's scope for ``capability``, counted (one query): ``overdue`` (due date passed),
    ``soon`` (due within ``DUE_SOON_DAYS``) and ``mine`` (overdue or soon, owned by the user)."""
    from datetime import timedelta

    from django.db.models import Count

    from paritrana.core.permissions import scope_for

    scope = scope_for(user, capability)
    if scope.empty:
        return {"overdue": 0, "soon": 0, "mine": 0}
    on = on or today()
    due = Q(due_date__lte=on + timedelta(days=DUE_SOON_DAYS))
    return Finding.objects.filter(scope.q(SESSION_REGION), status__in=OPEN_STATUSES).aggregate(
        overdue=Count("pk", filter=Q(due_date__lt=on)),
        soon=Count("pk", filter=Q(due_date__gte=on) & due),
        mine=Count("pk", filter=due & Q(owner_user_id=user.pk)) if user.pk else Count("pk", filter=Q(pk__in=[])),
    )


def minutes(session: Session) -> dict[str, Any]:
    """The berita acara of a session as data: what the PDF prints and the JSON export gives."""
    from paritrana.regions.models import Region

    region = Region.objects.filter(code=session.region_code).first()
    findings = session.findings.select_related("owner_user").prefetch_related(
        Prefetch("updates", queryset=FindingUpdate.objects.order_by("at", "pk"))
    )
    return {
        "id": session.pk,
        "kind": session.kind,
        "kind_label": str(session.get_kind_display()),
        "held_on": session.held_on.isoformat(),
        "place": session.place,
        "bpjs_office": session.bpjs_office,
        "region_code": session.region_code,
        "region_name": region.name if region else "",
        "fiscal_year": session.fiscal_year,
        "summary": session.summary,
        "attendees": [
            {"name": a.name, "institution": a.institution, "position": a.position} for a in session.attendees.all()
        ],
        "snapshot": session.snapshot,
        "findings": [
            {
                "id": f.pk,
                "text": f.text,
                "recommendation": f.recommendation,
                "owner": f.owner,
                "owner_user": f.owner_user.get_username() if f.owner_user else None,
                "due_date": f.due_date.isoformat(),
                "status": f.status,
                "drop_reason": f.drop_reason,
                "completed_on": f.completed_on.isoformat() if f.completed_on else None,
                "history": [
                    {
                        "at": u.at.isoformat(),
                        "by": u.actor_name,
                        "previous_status": u.previous_status,
                        "status": u.status,
                        "note": u.note,
                        "changes": u.changes,
                    }
                    for u in f.updates.all()
                ],
            }
            for f in findings
        ],
    }


# Heirs and scholarships -----------------------------------------------------------------------------------------


def death_claims_for(user: Any) -> QuerySet[Claim]:
    """JKM and JKK death claims in the user's scope for heirs (by the claim's desa)."""
    return scoped(Claim.objects.filter(kind__in=DEATH_KINDS).select_related("worker"), user, "heirs.view", "desa_code")


def get_claim(user: Any, pk: int, capability: str = "heirs.view") -> Claim:
    claim = Claim.objects.select_related("worker").filter(pk=pk).first()
    if claim is None:
        raise NotFound(N_("There is no claim {id}."), id=pk)
    require(user, capability, claim.desa_code)
    return claim


def get_heir(user: Any, pk: int, capability: str = "heirs.view") -> Heir:
    heir = Heir.objects.select_related("claim").filter(pk=pk).first()
    if heir is None:
        raise NotFound(N_("There is no heir {id}."), id=pk)
    require(user, capability, heir.claim.desa_code)
    return heir


def get_child(user: Any, pk: int, capability: str = "heirs.view") -> ScholarshipChild:
    child = ScholarshipChild.objects.select_related("heir", "claim").filter(pk=pk).first()
    if child is None:
        raise NotFound(N_("There is no scholarship child {id}."), id=pk)
    require(user, capability, child.claim.desa_code)
    return child


def get_referral(user: Any, pk: int, capability: str = "heirs.view") -> TrainingReferral:
    referral = TrainingReferral.objects.select_related("heir__claim").filter(pk=pk).first()
    if referral is None:
        raise NotFound(N_("There is no referral {id}."), id=pk)
    require(user, capability, referral.heir.claim.desa_code)
    return referral


#: The most workers a name search on the claim form lists.
WORKER_MATCHES = 20


def _nik_digits(text: str) -> str:
    """``text`` without the spaces, dots and dashes people type inside a NIK, when that leaves digits only."""
    digits = re.sub(r"[\s.\-]", "", text)
    return digits if digits and digits.isdigit() else ""


def workers_matching(user: Any, text: str) -> list[Any]:
    """The workers a claim may be for, as the claim form searches them: one NIK (16 digits 0-9) or part of a name,
    through the registry's search (``registry.queries.workers_for``: the user's scope only), at most
    ``WORKER_MATCHES``, by name. Part of a NIK, or a name the registry will not search by (fewer than 3 letters in
    a row), finds nothing."""
    from paritrana.regions.models import Region
    from paritrana.registry.queries import is_name_search, workers_for

    text = " ".join(str(text or "").split())
    digits = _nik_digits(text)
    if digits:
        found = list(workers_for(user, q=digits)[:1]) if is_ascii_digits(digits, 16) else []
    elif not is_name_search(text):
        found = []
    else:
        found = list(workers_for(user, q=text[:200]).order_by("name", "pk")[:WORKER_MATCHES])
    names = dict(Region.objects.filter(code__in={w.desa_code for w in found}).values_list("code", "name"))
    for worker in found:
        worker.desa_name = names.get(worker.desa_code, "")  # type: ignore[attr-defined]  # shown beside the code
    return found


def claim_worker(user: Any, *, worker_id: int | None = None, text: str = "") -> Any:
    """The worker a claim is entered for: the one picked from a name search (``worker_id``) or the one whose NIK is
    typed (``text``), inside the user's registry scope. A NIK not found and a worker outside the scope give the same
    answer (not found in your scope); a name asks to pick one of the workers it matches."""
    from paritrana.core.privacy import mask_nik
    from paritrana.registry.queries import workers_for

    if worker_id is not None:
        worker = workers_for(user).filter(pk=worker_id).first()
        if worker is None:
            raise NotFound(N_("There is no worker {id} in your scope."), field="worker", id=worker_id)
        return worker
    text = " ".join(str(text or "").split())
    if not text:
        raise InvalidInput(N_("Type the worker's NIK or part of the name, then pick the worker."), field="worker")
    refuse_non_ascii_digits(text, field="worker")
    digits = _nik_digits(text)
    if digits:
        if not is_ascii_digits(digits, 16):
            raise InvalidInput(N_("A NIK has 16 digits."), field="worker")
        worker = workers_for(user, q=digits).first()
        if worker is None:
            raise NotFound(N_("No worker with NIK {nik} in your scope."), field="worker", nik=mask_nik(digits))
        return worker
    raise InvalidInput(
        N_("Pick the worker among those whose name matches {value}, or type the NIK."), field="worker", value=text[:40]
    )


def heirs_of(claim: Claim) -> QuerySet[Heir]:
    return claim.heir_records.select_related("scholarship").prefetch_related("referrals").order_by("birth_date", "pk")


def children_for(user: Any) -> QuerySet[ScholarshipChild]:
    return scoped(ScholarshipChild.objects.select_related("heir", "claim"), user, "heirs.view", CLAIM_REGION)


def referrals_for(user: Any) -> QuerySet[TrainingReferral]:
    return scoped(TrainingReferral.objects.select_related("heir__claim"), user, "heirs.view", "heir__" + CLAIM_REGION)


@dataclass
class YearRow:
    year: ScheduledYear
    record: ScholarshipYear | None
    state: str

    @property
    def flagged(self) -> bool:
        return self.state in (YearState.MISSING, YearState.LATE)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.year.as_dict(),
            "state": self.state,
            "disbursed_on": self.record.disbursed_on.isoformat() if self.record else None,
            "reference": self.record.reference if self.record else None,
        }


@dataclass
class ChildYears:
    """A child's schedule beside what was disbursed: one row per scheduled school year with its state."""

    child: ScholarshipChild
    schedule: Schedule
    rows: list[YearRow]
    on: date

    @property
    def missing(self) -> list[YearRow]:
        return [r for r in self.rows if r.state == YearState.MISSING]

    @property
    def late(self) -> list[YearRow]:
        return [r for r in self.rows if r.state == YearState.LATE]

    @property
    def disbursed_total(self) -> int:
        return sum(int(r.record.amount) for r in self.rows if r.record)

    def supported(self, by: date | None = None) -> bool | None:
        """Every year due by ``by`` (default: the report date) disbursed; None when no year is due yet."""
        by = by or self.on
        due = [r for r in self.rows if r.year.due <= by]
        if not due:
            return None
        return all(r.record is not None for r in due)

    def as_dict(self) -> dict[str, Any]:
        heir = self.child.heir
        return {
            "child_id": self.child.pk,
            "claim_id": self.child.claim_id,
            "heir_id": heir.pk,
            "name": heir.name,
            "birth_date": heir.birth_date.isoformat(),
            "nik": heir.masked_nik,
            "level": self.child.level,
            "grade": self.child.grade,
            "married_on": self.child.married_on.isoformat() if self.child.married_on else None,
            "working_since": self.child.working_since.isoformat() if self.child.working_since else None,
            "on": self.on.isoformat(),
            "schedule": self.schedule.as_dict(),
            "years": [r.as_dict() for r in self.rows],
            "disbursed_total": self.disbursed_total,
            "missing": [r.year.school_year for r in self.missing],
            "late": [r.year.school_year for r in self.late],
        }


def year_state(year: ScheduledYear, record: ScholarshipYear | None, on: date) -> str:
    """Disbursed (by its due date), late (after it), missing (due date passed, nothing recorded) or upcoming."""
    if record is not None:
        return YearState.LATE if record.disbursed_on > year.due else YearState.DISBURSED
    return YearState.MISSING if year.due < on else YearState.UPCOMING


def child_years(child: ScholarshipChild, on: date | None = None) -> ChildYears:
    on = on or today()
    plan = child_schedule(child)
    records = {y.school_year: y for y in child.years.all()}
    rows = [YearRow(y, records.get(y.school_year), year_state(y, records.get(y.school_year), on)) for y in plan.years]
    return ChildYears(child, plan, rows, on)


def _years_or_none(child: ScholarshipChild, on: date) -> ChildYears | None:
    """The child's years, or None when the schedule cannot be built (its page shows why); lists skip it."""
    try:
        return child_years(child, on)
    except ParitranaError as error:
        logger.warning("scholarship child %s: no schedule (%s)", child.pk, error.code)
        return None


def flagged_children(user: Any, *, on: date | None = None, limit: int | None = None) -> list[ChildYears]:
    """Children in the user's scope with a missing or late scholarship year. Empty for roles without heirs.view."""
    if not can(user, "heirs.view"):
        return []
    on = on or today()
    out = []
    for child in children_for(user).prefetch_related("years").order_by("claim__desa_code", "pk"):
        years = _years_or_none(child, on)
        if years is None:
            continue
        if years.missing or years.late:
            out.append(years)
            if limit is not None and len(out) >= limit:
                break
    return out


# Award link -----------------------------------------------------------------------------------------------------


def _at_level(code: str, level: int) -> str | None:
    parts = code.split(".")
    return ".".join(parts[:level]) if len(parts) >= level else None


def award_indicators(user: Any, *, year: int, level: int = 2, on: date | None = None) -> list[dict[str, Any]]:
    """Candidate award indicators per region (codes cut to ``level``: 1 province, 2 kabupaten/kota) for ``year``:

    - ``sessions_held``: asistensi and monev sessions held in the year in the region (a province's own sessions
      count only at level 1);
    - ``followups_completed_pct``: of the follow-ups of those sessions that were not dropped, the share done;
    - ``heirs_supported_pct``: of the scholarship children of the region's death claims with a year due by the end
      of ``year`` (or ``on``, if earlier), the share whose every due year was disbursed.

    Rows hold the counts beside the shares, so a committee can check them. See docs/followup.md for importing them
    into an award category (award spreadsheet import, kind ``indicators``).
    """
    on = on or today()
    cutoff = min(date(year, 12, 31), on)
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "sessions_held": 0,
            "followups": 0,
            "followups_done": 0,
            "followups_dropped": 0,
            "children": 0,
            "children_supported": 0,
        }
    )
    if can(user, "followup.view"):
        for session in sessions_for(user).filter(held_on__year=year).prefetch_related("findings"):
            code = _at_level(session.region_code, level)
            if code is None:
                continue
            row = rows[code]
            row["sessions_held"] += 1
            for finding in session.findings.all():
                row["followups"] += 1
                row["followups_done"] += finding.status == FindingStatus.DONE
                row["followups_dropped"] += finding.status == FindingStatus.DROPPED
    if can(user, "heirs.view"):
        children = children_for(user).filter(claim__event_date__lte=cutoff).prefetch_related("years")
        for child in children:
            code = _at_level(child.claim.desa_code, level)
            if code is None:
                continue
            years = _years_or_none(child, on)
            if years is None:
                continue
            due = [r for r in years.rows if r.year.due <= cutoff]
            if not due:
                continue
            rows[code]["children"] += 1
            rows[code]["children_supported"] += all(r.record is not None and r.record.disbursed_on <= on for r in due)
    out = []
    for code in sorted(rows):
        r = rows[code]
        counted = r["followups"] - r["followups_dropped"]
        out.append(
            {
                "region_code": code,
                "year": year,
                **r,
                "followups_completed_pct": round(r["followups_done"] * 100 / counted, 2) if counted else None,
                "heirs_supported_pct": round(r["children_supported"] * 100 / r["children"], 2)
                if r["children"]
                else None,
            }
        )
    return out


#: The indicators ``award_indicators`` gives, as the award's spreadsheet import reads them.
INDICATORS = ("sessions_held", "followups_completed_pct", "heirs_supported_pct")


def indicator_sheet_rows(rows: list[dict[str, Any]], criteria: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The award import's long format (``region_code, criterion, value``): one row per region and indicator that
    has a value. ``criteria`` renames an indicator to the criterion key of the award framework."""
    criteria = criteria or {}
    return [
        {"region_code": row["region_code"], "criterion": criteria.get(name, name), "value": row[name]}
        for row in rows
        for name in INDICATORS
        if row.get(name) is not None and (not criteria or name in criteria)
    ]
