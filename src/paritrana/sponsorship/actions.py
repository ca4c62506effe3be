"""Writes on sponsorship: sponsors, programs and their status flow, enrollment, billing runs, payments,
reconciliation and claims. Each action checks the actor's role and region scope, validates, writes in one
transaction and appends to the audit log. Views, API and command line call these and nothing else."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext
from lokal import format_rupiah

from paritrana.core import audit
from paritrana.core.dates import first_of_month, months_between, today
from paritrana.core.errors import (
    N_,
    Conflict,
    InvalidInput,
    MakerChecker,
    NotFound,
    OutOfRange,
    ParitranaError,
)
from paritrana.core.money import parse_amount, to_rupiah
from paritrana.core.permissions import require, require_owner
from paritrana.regions.queries import get_region, normalize_code
from paritrana.registry.choices import DeathSource, Occupation, WorkerStatus
from paritrana.registry.lifecycle import do_record_death
from paritrana.registry.models import Worker
from paritrana.rules.benefits import benefit
from paritrana.rules.book import load_rules
from paritrana.rules.contributions import due_date, quote
from paritrana.sponsorship.choices import (
    FUNDER,
    NEXT_STATUS,
    OPEN_FOR_ENROLLMENT,
    BillStatus,
    ClaimFlag,
    ClaimKind,
    EnrollmentStatus,
    Package,
    PaymentSource,
    ProgramStatus,
    SponsorKind,
)
from paritrana.sponsorship.models import Bill, BillLine, Claim, Enrollment, Payment, Program, Sponsor
from paritrana.sponsorship.queries import made_or_changed_by

__all__ = [
    "BillingResult",
    "EnrollResult",
    "PaymentImportResult",
    "Refusal",
    "do_advance_program",
    "do_create_program",
    "do_create_sponsor",
    "do_enroll",
    "do_import_payments",
    "do_reconcile_bill",
    "do_record_claim",
    "do_record_payment",
    "do_renew_program",
    "do_run_billing",
    "do_submit_bill",
    "do_update_program",
    "month_price",
]

logger = logging.getLogger(__name__)
CHUNK = 5000

#: The level of region each kind of sponsor belongs to (None: any level).
SPONSOR_LEVEL = {"apbd_provinsi": 1, "apbd_kabkota": 2, "apbdes": 4}


def month_price(
    package: str, income: Decimal, month: date, funder: str = "apbd", occupation: str | None = None
) -> Decimal:
    """One worker's premium for one month of the package, by the rules in force in that month, for the program's
    funder and the worker's occupation (they decide discounts such as PP 50/2025)."""
    return month_quote(package, income, month, funder, occupation).price


@dataclass(frozen=True)
class MonthQuote:
    price: Decimal
    rule: str  # the discounts that applied ("" = the normal iuran), as the bill line records it
    book: str  # the rule book that priced it


def month_quote(
    package: str, income: Decimal, month: date, funder: str = "apbd", occupation: str | None = None
) -> MonthQuote:
    return _month_quote(package, income, month, funder, occupation, load_rules().label)


@lru_cache(maxsize=4096)
def _month_quote(
    package: str, income: Decimal, month: date, funder: str, occupation: str | None, book: str
) -> MonthQuote:
    # ``book`` is part of the cache key: a new site rule file prices from then on, never from a stale cache.
    priced = quote(
        segment="bpu",
        on=month,
        programs=package.split(","),
        income=income,
        payer="sponsor",
        funder=funder,
        occupation=occupation,
    )
    return MonthQuote(priced.per_worker_total, priced.rule, priced.book)


def program_funder(program: Program) -> str:
    return FUNDER[program.sponsor.kind]


def period_cost(program: Program, first: date, last: date, occupation: str | None = None) -> Decimal:
    funder = program_funder(program)
    return sum(
        (
            month_price(program.package, program.declared_income, m, funder, occupation)
            for m in months_between(first, last)
        ),
        Decimal(0),
    )


# Sponsors and programs ------------------------------------------------------------------------------------------


def do_create_sponsor(*, actor: Any, name: str, kind: str, region_code: str, opd: str = "") -> Sponsor:
    if kind not in SponsorKind.values:
        raise InvalidInput(
            N_("Unknown sponsor kind {value}; use one of {valid}."),
            field="kind",
            value=kind,
            valid=", ".join(SponsorKind.values),
        )
    if not name.strip():
        raise InvalidInput(N_("Give the sponsor a name."), field="name")
    region = get_region(normalize_code(region_code))
    require(actor, "sponsorship.manage", region.code)
    level = SPONSOR_LEVEL.get(kind)
    if level is not None and region.level != level:
        raise InvalidInput(
            N_("A sponsor of kind {kind} belongs to a region of level {level}; {region} is level {actual}."),
            field="region_code",
            kind=kind,
            level=level,
            region=region.code,
            actual=region.level,
        )
    with transaction.atomic():
        sponsor = Sponsor.objects.create(name=name.strip(), kind=kind, region_code=region.code, opd=opd.strip())
        audit.record(actor=actor, action="sponsor.create", obj=sponsor, region_code=region.code, after=sponsor)
    return sponsor


PROGRAM_FIELDS = (
    "name",
    "fiscal_year",
    "pagu",
    "package",
    "declared_income",
    "first_month",
    "months",
    "target_workers",
    "region_code",
    "occupations",
    "max_poverty_decile",
    "min_age",
    "max_age",
    "min_workers_per_desa",
    "grace_days",
)
#: What may still change once a program is approved: the money and the targets, not who or what it covers.
CHANGEABLE_WHEN_OPEN = ("name", "pagu", "target_workers", "min_workers_per_desa", "grace_days")


def _int(value: Any, name: str, minimum: int, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(N_("{field} must be a whole number; got {value}."), field=name, value=value) from None
    if not minimum <= number <= maximum:
        raise OutOfRange(field=name, minimum=minimum, maximum=maximum, value=number)
    return number


def _clean_program(sponsor: Sponsor, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise program fields; every problem names its field."""
    out = dict(values)
    if "name" in out and not str(out["name"]).strip():
        raise InvalidInput(N_("Give the program a name."), field="name")
    if "fiscal_year" in out:
        out["fiscal_year"] = _int(out["fiscal_year"], "fiscal_year", 2015, 2100)
    if "pagu" in out:
        out["pagu"] = to_rupiah(out["pagu"], field="pagu")
        if out["pagu"] < 0:
            raise OutOfRange(field="pagu", minimum=0, maximum="-", value=int(out["pagu"]))
    if "declared_income" in out:
        out["declared_income"] = to_rupiah(out["declared_income"], field="declared_income")
    if "package" in out and out["package"] not in Package.values:
        raise InvalidInput(
            N_("Unknown package {value}; use one of {valid}."),
            field="package",
            value=out["package"],
            valid=", ".join(Package.values),
        )
    for name, low, high in (("first_month", 1, 12), ("months", 1, 12), ("target_workers", 0, 100_000_000)):
        if name in out:
            out[name] = _int(out[name], name, low, high)
    for name, low, high in (("max_poverty_decile", 1, 10), ("min_age", 0, 120), ("max_age", 0, 120)):
        if out.get(name) not in (None, ""):
            out[name] = _int(out[name], name, low, high)
        elif name in out:
            out[name] = None
    # Grace beyond a year would keep an unpaid bill "covered" into the next fiscal year (and overflows the column).
    for name, high in (("min_workers_per_desa", 100_000), ("grace_days", 365)):
        if name in out:
            out[name] = _int(out[name], name, 0, high)
    if "occupations" in out:
        wrong = [o for o in out["occupations"] or [] if o not in Occupation.values]
        if wrong:
            raise InvalidInput(N_("Unknown occupations: {value}."), field="occupations", value=", ".join(wrong))
        out["occupations"] = sorted(set(out["occupations"] or []))
    if out.get("region_code"):
        code = get_region(normalize_code(out["region_code"])).code
        if not (code == sponsor.region_code or code.startswith(sponsor.region_code + ".")):
            raise InvalidInput(
                N_("The eligible area {region} lies outside the sponsor's region {sponsor_region}."),
                field="region_code",
                region=code,
                sponsor_region=sponsor.region_code,
            )
        out["region_code"] = code
    return out


def _check_period(program: Program) -> None:
    if program.first_month + program.months - 1 > 12:
        raise InvalidInput(
            N_("The months covered must end within the fiscal year: from month {first}, at most {most} months."),
            field="months",
            first=program.first_month,
            most=13 - program.first_month,
        )
    if program.min_age is not None and program.max_age is not None and program.min_age > program.max_age:
        raise InvalidInput(N_("The minimum age is above the maximum age."), field="min_age")
    # income in the valid range, rules in force
    month_price(program.package, program.declared_income, program.start, program_funder(program))


def do_create_program(*, actor: Any, sponsor: Sponsor, **values: Any) -> Program:
    require_owner(actor, "sponsorship.manage", sponsor.region_code)
    unknown = set(values) - set(PROGRAM_FIELDS)
    if unknown:
        raise InvalidInput(
            N_("Unknown program fields: {value}."), field=sorted(unknown)[0], value=", ".join(sorted(unknown))
        )
    for name in ("name", "fiscal_year", "pagu"):
        if values.get(name) in (None, ""):
            raise InvalidInput(N_("{field} is required."), field=name)
    program = Program(sponsor=sponsor, created_by=_user(actor), **_clean_program(sponsor, values))
    _check_period(program)
    with transaction.atomic():
        program.save()
        audit.record(actor=actor, action="program.create", obj=program, region_code=sponsor.region_code, after=program)
    return program


def _said(value: Any) -> str:
    """A value as a message says it: an amount in Rupiah."""
    return format_rupiah(value) if isinstance(value, Decimal) else str(value)


@audit.refusals_audited("program.update")
def do_update_program(
    *, actor: Any, program: Program, expected: dict[str, Any] | None = None, **changes: Any
) -> Program:
    """Change the fields of a program its status allows. ``expected``: the values the caller's page showed for the
    fields it changes; when one has changed since (a colleague, another tab), nothing is saved."""
    require_owner(actor, "sponsorship.manage", program.sponsor.region_code)
    with transaction.atomic():
        # The status read under the lock, not the caller's copy: a page opened before the program was approved or
        # closed must not change what the new status forbids.
        locked = Program.objects.select_for_update().select_related("sponsor").get(pk=program.pk)
        for name, shown in _clean_program(locked.sponsor, expected or {}).items():
            if getattr(locked, name) != shown:
                raise Conflict(
                    N_(
                        "{field} was changed to {now} after you opened the page (it showed {shown}): nothing was "
                        "saved. Reload the page to see the change, then make yours again if it is still needed."
                    ),
                    field=name,
                    now=_said(getattr(locked, name)),
                    shown=_said(shown),
                )
        allowed: tuple[str, ...] = PROGRAM_FIELDS if locked.status == ProgramStatus.DRAFT else CHANGEABLE_WHEN_OPEN
        if locked.status == ProgramStatus.CLOSED:
            allowed = ()
        refused = sorted(set(changes) - set(allowed))
        if refused:
            raise Conflict(
                N_("{fields} cannot change while the program is {status}."),
                field=refused[0],
                fields=", ".join(refused),
                status=locked.status,
            )
        clean = _clean_program(locked.sponsor, changes)
        before = audit.snapshot(locked)
        for name, value in clean.items():
            setattr(locked, name, value)
        if locked.pagu < locked.committed:
            raise Conflict(
                N_("The pagu cannot go below what is already committed: {committed} (asked {pagu})."),
                field="pagu",
                committed=int(locked.committed),
                pagu=int(locked.pagu),
            )
        _check_period(locked)
        locked.save()
        audit.record(
            actor=actor,
            action="program.update",
            obj=locked,
            region_code=locked.sponsor.region_code,
            before=before,
            after=locked,
        )
    return locked


@audit.refusals_audited("program.advance")
def do_advance_program(*, actor: Any, program: Program, to: str) -> Program:
    """draft -> approved -> active -> closed, one step at a time; who did it and when is kept."""
    capability = "sponsorship.approve" if to == ProgramStatus.APPROVED else "sponsorship.manage"
    require_owner(actor, capability, program.sponsor.region_code)
    with transaction.atomic():
        locked = Program.objects.select_for_update().select_related("sponsor").get(pk=program.pk)
        if NEXT_STATUS.get(locked.status) != to:
            raise Conflict(
                N_("A program that is {status} cannot become {to}."), field="status", status=locked.status, to=to
            )
        if to == ProgramStatus.APPROVED and made_or_changed_by(actor, locked):
            raise MakerChecker(region=locked.sponsor.region_code)
        before = audit.snapshot(locked)
        now = timezone.now()
        locked.status = to
        if to == ProgramStatus.APPROVED:
            locked.approved_by, locked.approved_at = _user(actor), now
        elif to == ProgramStatus.ACTIVE:
            locked.activated_at = now
        else:
            locked.closed_at = now
        locked.save()
        audit.record(
            actor=actor,
            action=f"program.{to}",
            obj=locked,
            region_code=locked.sponsor.region_code,
            before=before,
            after=locked,
        )
    return locked


def do_renew_program(*, actor: Any, program: Program, pagu: Any, fiscal_year: int | None = None) -> Program:
    """A draft copy of ``program`` for the next fiscal year within its new pagu. Once approved, its workers who
    still qualify are carried over with ``do_enroll(workers=renewal_candidates(new))``."""
    values = {name: getattr(program, name) for name in PROGRAM_FIELDS}
    values.update(pagu=pagu, fiscal_year=fiscal_year or program.fiscal_year + 1)
    if Program.objects.filter(renewed_from=program, fiscal_year=values["fiscal_year"]).exists():
        raise Conflict(
            N_("This program was already renewed for {year}."), field="fiscal_year", year=values["fiscal_year"]
        )
    new = do_create_program(actor=actor, sponsor=program.sponsor, **values)
    new.renewed_from = program
    new.save(update_fields=["renewed_from"])
    return new


def renewal_candidates(program: Program) -> list[Worker]:
    """The workers of the program this one renews who are still active (not dead, merged, moved away or inactive)."""
    if program.renewed_from_id is None:
        return []
    previous = Worker.objects.filter(enrollments__program_id=program.renewed_from_id)
    return list(previous.filter(status=WorkerStatus.ACTIVE).order_by("pk"))


# Enrollment -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    worker_id: int | None
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message in the active language, its placeholders filled."""
        return ParitranaError(self.message, **self.details).render_message(gettext)


@dataclass
class EnrollResult:
    enrolled: int
    cost: Decimal
    refused: list[Refusal]
    remaining: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "enrolled": self.enrolled,
            "cost": int(self.cost),
            "remaining": int(self.remaining),
            "refused": [
                {"worker_id": r.worker_id, "code": r.code, "message": r.message, **r.details} for r in self.refused
            ],
        }


def _age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def eligibility_problem(program: Program, worker: Worker, on: date) -> Refusal | None:
    """Why ``worker`` may not join ``program`` on ``on``, or None."""

    def refuse(code: str, message: str, **details: Any) -> Refusal:
        return Refusal(worker.pk, code, message, details)

    area = program.area
    if worker.status != WorkerStatus.ACTIVE:
        return refuse("not_active", N_("The worker's status is {status}."), status=worker.status)
    if not (worker.desa_code == area or worker.desa_code.startswith(area + ".")):
        return refuse(
            "outside_area",
            N_("The worker lives in {desa}, outside the program's area {area}."),
            desa=worker.desa_code,
            area=area,
        )
    if program.occupations and worker.occupation not in program.occupations:
        return refuse("occupation", N_("The occupation {occupation} is not eligible."), occupation=worker.occupation)
    if program.max_poverty_decile is not None and (
        worker.poverty_decile is None or worker.poverty_decile > program.max_poverty_decile
    ):
        return refuse(
            "decile",
            N_("The program covers poverty deciles 1 to {maximum}; the worker's is {decile}."),
            maximum=program.max_poverty_decile,
            decile=worker.poverty_decile if worker.poverty_decile is not None else "-",
        )
    age = _age_on(worker.birth_date, on)
    if (program.min_age is not None and age < program.min_age) or (
        program.max_age is not None and age > program.max_age
    ):
        return refuse(
            "age",
            N_("The worker is {age}; the program covers ages {minimum} to {maximum}."),
            age=age,
            minimum=program.min_age if program.min_age is not None else 0,
            maximum=program.max_age if program.max_age is not None else "-",
        )
    return None


def _double_sponsorship(program: Program, worker_ids: list[int], first: date, last: date) -> dict[int, Enrollment]:
    """Other programs' enrollments of these workers overlapping ``first``..``last``: the costliest real error."""
    found: dict[int, Enrollment] = {}
    for start in range(0, len(worker_ids), CHUNK):
        overlapping = (
            Enrollment.objects.filter(worker_id__in=worker_ids[start : start + CHUNK], status=EnrollmentStatus.ACTIVE)
            .filter(first_month__lte=last, last_month__gte=first)
            .exclude(program=program)
            .select_related("program__sponsor")
        )
        for enrollment in overlapping:
            found.setdefault(enrollment.worker_id, enrollment)
    return found


def do_enroll(
    *,
    actor: Any,
    program: Program,
    workers: Iterable[Worker],
    first_month: date | None = None,
    last_month: date | None = None,
    mode: str = "all-or-nothing",
) -> EnrollResult:
    """Enroll ``workers`` in ``program`` from ``first_month`` (default: this month while the program runs, else
    its start) to ``last_month`` (default: its end). All-or-nothing refuses everything when one worker is refused;
    ``valid-only`` enrolls the eligible ones and lists the others. The pagu is never exceeded: the whole cost is
    committed by one conditional UPDATE, so of two operators spending the last rupiah at once exactly one wins."""
    if mode not in ("all-or-nothing", "valid-only"):
        raise InvalidInput(N_("Unknown mode {value}."), field="mode", value=mode)
    require_owner(actor, "sponsorship.manage", program.sponsor.region_code)
    program = Program.objects.select_related("sponsor").get(pk=program.pk)
    if program.status not in OPEN_FOR_ENROLLMENT:
        raise Conflict(
            N_("The program is {status}: workers can be enrolled only while it is approved or active."),
            field="program",
            status=program.status,
        )
    this_month = first_of_month(today())
    default_first = this_month if program.start <= this_month <= program.end else program.start
    first = first_of_month(first_month) if first_month else default_first
    last = first_of_month(last_month) if last_month else program.end
    if first < program.start or last > program.end or first > last:
        raise InvalidInput(
            N_("The period {first} to {last} must lie within the program's months {start} to {end}."),
            field="first_month",
            first=first.isoformat()[:7],
            last=last.isoformat()[:7],
            start=program.start.isoformat()[:7],
            end=program.end.isoformat()[:7],
        )
    chosen = list({w.pk: w for w in workers}.values())
    if not chosen:
        raise InvalidInput(N_("No worker to enroll."), field="workers")
    scope = require(actor, "registry.view")
    # The price of the period for each occupation among the workers (discounts may depend on it).
    unit_of = {job: period_cost(program, first, last, job) for job in {w.occupation for w in chosen}}
    unit = max(unit_of.values())
    with transaction.atomic():
        # Lock the workers (PostgreSQL) so that two programs cannot take the same worker at once.
        ids = [w.pk for w in chosen]
        status: dict[int, str] = {}
        for start in range(0, len(ids), CHUNK):
            status.update(
                Worker.objects.select_for_update().filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "status")
            )
        # The status as it is now, under the lock (the objects given may predate a death or a merge).
        for worker in chosen:
            worker.status = status.get(worker.pk, worker.status)
        refused: list[Refusal] = []
        already = (
            set(Enrollment.objects.filter(program=program, worker_id__in=ids).values_list("worker_id", flat=True))
            if len(ids) <= CHUNK
            else set(Enrollment.objects.filter(program=program).values_list("worker_id", flat=True))
        )
        others = _double_sponsorship(program, ids, first, last)
        accepted: list[Worker] = []
        for worker in chosen:
            problem: Refusal | None
            if not scope.contains(worker.desa_code):
                problem = Refusal(worker.pk, "out_of_scope", N_("The worker lies outside your region scope."))
            elif worker.pk in already:
                problem = Refusal(worker.pk, "already_enrolled", N_("The worker is already in this program."))
            elif worker.pk in others:
                other = others[worker.pk]
                problem = Refusal(
                    worker.pk,
                    "double_sponsorship",
                    N_("Already covered by {sponsor} ({program}) from {first} to {last}."),
                    {
                        "sponsor": other.program.sponsor.name,
                        "program": other.program.name,
                        "first": other.first_month.isoformat()[:7],
                        "last": other.last_month.isoformat()[:7],
                    },
                )
            else:
                problem = eligibility_problem(program, worker, first)
            if problem:
                refused.append(problem)
            else:
                accepted.append(worker)
        if refused and mode == "all-or-nothing":
            return EnrollResult(0, Decimal(0), refused, program.remaining)
        cost = sum((unit_of[w.occupation] for w in accepted), Decimal(0))
        if accepted:
            _commit(program, cost, unit)
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        program=program,
                        worker=w,
                        desa_code=w.desa_code,
                        first_month=first,
                        last_month=last,
                        cost=unit_of[w.occupation],
                        created_by=_user(actor),
                    )
                    for w in accepted
                ],
                batch_size=2000,
            )
            audit.record(
                actor=actor,
                action="program.enroll",
                obj=program,
                region_code=program.sponsor.region_code,
                after={
                    "workers": [w.pk for w in accepted],
                    "first_month": first,
                    "last_month": last,
                    "cost": cost,
                },
            )
        program.refresh_from_db(fields=["committed"])
    return EnrollResult(len(accepted), cost, refused, program.remaining)


def _commit(program: Program, cost: Decimal, unit: Decimal) -> None:
    """Add ``cost`` to the committed amount only if it still fits under the pagu and the program is still open for
    enrollment (it may have been closed since it was read), in one statement."""
    changed = Program.objects.filter(
        pk=program.pk, committed__lte=F("pagu") - cost, status__in=OPEN_FOR_ENROLLMENT
    ).update(committed=F("committed") + cost)
    if changed:
        return
    program.refresh_from_db(fields=["committed", "pagu", "status"])
    if program.status not in OPEN_FOR_ENROLLMENT:
        raise Conflict(
            N_("The program is {status}: workers can be enrolled only while it is approved or active."),
            field="program",
            status=program.status,
        )
    remaining = program.pagu - program.committed
    raise Conflict(
        N_(
            "This would commit {cost} but only {remaining} of the pagu remains, enough for {workers} workers "
            "for this period."
        ),
        field="pagu",
        cost=int(cost),
        remaining=int(remaining),
        workers=int(remaining // unit) if unit else 0,
        pagu=int(program.pagu),
    )


def do_end_enrollment(*, actor: Any, enrollment: Enrollment, last_month: date) -> Enrollment:
    """End an enrollment after ``last_month`` (the worker moved, died, found a job); the months not yet billed
    go back to the pagu."""
    require_owner(actor, "sponsorship.manage", enrollment.program.sponsor.region_code)
    last = first_of_month(last_month)
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().select_related("program").get(pk=enrollment.pk)
        billed = Bill.objects.filter(program=locked.program, month__gt=last, lines__enrollment=locked).exists()
        if last < locked.first_month or last >= locked.last_month or billed:
            raise Conflict(
                N_(
                    "The enrollment runs {first} to {last}; it can end only before its last month and after the "
                    "months already billed."
                ),
                field="last_month",
                first=locked.first_month.isoformat()[:7],
                last=locked.last_month.isoformat()[:7],
            )
        before = audit.snapshot(locked)
        occupation = Worker.objects.filter(pk=locked.worker_id).values_list("occupation", flat=True).first()
        new_cost = period_cost(locked.program, locked.first_month, last, occupation)
        Program.objects.filter(pk=locked.program_id).update(committed=F("committed") - (locked.cost - new_cost))
        locked.last_month, locked.cost, locked.status = last, new_cost, EnrollmentStatus.ENDED
        locked.save()
        audit.record(
            actor=actor, action="enrollment.end", obj=locked, region_code=locked.desa_code, before=before, after=locked
        )
    return locked


# Billing --------------------------------------------------------------------------------------------------------


@dataclass
class BillingResult:
    month: date
    bills: list[Bill]
    already_billed: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month.isoformat()[:7],
            "bills": [
                {
                    "number": b.number,
                    "program": b.program_id,
                    "workers": b.workers,
                    "amount": int(b.amount),
                    "due_date": b.due_date.isoformat(),
                }
                for b in self.bills
            ],
            "already_billed": self.already_billed,
            "workers": sum(b.workers for b in self.bills),
            "amount": int(sum((b.amount for b in self.bills), Decimal(0))),
        }


def bill_number(program_id: int, month: date) -> str:
    return f"TAG-{program_id:05d}-{month:%Y%m}"


def do_run_billing(*, actor: Any, month: date, programs: Sequence[Program] | None = None) -> BillingResult:
    """Bill ``month`` for every active program covering it (or the given ones) inside the actor's scope, one line
    per enrolled worker, priced by the rules in force that month. Idempotent: a program already billed for the
    month is reported and left alone, never billed twice (a unique constraint backs this)."""
    scope = require(actor, "sponsorship.manage")
    month = first_of_month(month)
    chosen = (
        Program.objects.filter(status=ProgramStatus.ACTIVE)
        .filter(scope.q("sponsor__region_code"))
        .select_related("sponsor")
    )
    if programs is not None:
        for p in programs:
            require(actor, "sponsorship.manage", p.sponsor.region_code)
        chosen = chosen.filter(pk__in=[p.pk for p in programs])
    due = due_date(month, segment="bpu")  # sponsored programs cover BPU workers
    bills: list[Bill] = []
    skipped: list[str] = []
    with transaction.atomic():
        for program in chosen.select_for_update(of=("self",)) if _pg() else chosen:
            if not program.start <= month <= program.end:
                continue
            if Bill.objects.filter(program=program, month=month).exists():
                skipped.append(bill_number(program.pk, month))
                continue
            # A worker who died before this month is never billed for it (registry.lifecycle ends the enrollment
            # too; this holds even for an enrollment written around it).
            covering = Enrollment.objects.filter(
                program=program, first_month__lte=month, last_month__gte=month
            ).exclude(worker__died_on__lt=month)
            by_job = dict(covering.values_list("worker__occupation").annotate(n=Count("id")).order_by())
            workers = sum(by_job.values())
            if workers == 0:
                continue
            funder = program_funder(program)
            priced = {job: month_quote(program.package, program.declared_income, month, funder, job) for job in by_job}
            bill = Bill.objects.create(
                program=program,
                number=bill_number(program.pk, month),
                month=month,
                due_date=due,
                workers=workers,
                amount=sum((priced[job].price * n for job, n in by_job.items()), Decimal(0)),
                rule_book=next(iter(priced.values())).book,
            )
            _write_lines(bill, program, month, priced)
            bills.append(bill)
            audit.record(
                actor=actor, action="bill.create", obj=bill, region_code=program.sponsor.region_code, after=bill
            )
    return BillingResult(month, bills, skipped)


def _write_lines(bill: Bill, program: Program, month: date, priced: dict[str, MonthQuote]) -> None:
    """One line per enrolled worker, written by the database itself: no row travels through Python. When the price
    differs by occupation (a discount for one sector), a CASE on the worker's occupation picks it per line."""
    lines, enrollments, workers = BillLine._meta.db_table, Enrollment._meta.db_table, Worker._meta.db_table
    distinct = {(q.price, q.rule) for q in priced.values()}
    # A worker dead before the month is left out (the few dead: a small anti-join on the died_on index).
    dead = f"SELECT id FROM {workers} WHERE died_on < %s"  # noqa: S608 - names from models
    where = f"e.program_id = %s AND e.first_month <= %s AND e.last_month >= %s AND e.worker_id NOT IN ({dead})"
    if len(distinct) == 1:
        price, rule = distinct.pop()
        sql = (
            f"INSERT INTO {lines} (bill_id, enrollment_id, amount, rule) "  # noqa: S608 - names from models
            f"SELECT %s, e.id, %s, %s FROM {enrollments} e WHERE {where}"
        )
        params: list[Any] = [bill.pk, int(price), rule, program.pk, month, month, month]
    else:
        amount_case = " ".join("WHEN %s THEN %s" for _ in priced)
        rule_case = " ".join("WHEN %s THEN %s" for _ in priced)
        sql = (
            f"INSERT INTO {lines} (bill_id, enrollment_id, amount, rule) "  # noqa: S608 - names from models
            f"SELECT %s, e.id, CASE w.occupation {amount_case} END, CASE w.occupation {rule_case} END "
            f"FROM {enrollments} e JOIN {workers} w ON w.id = e.worker_id WHERE {where}"
        )
        params = [bill.pk]
        params += [x for job, q in priced.items() for x in (job, int(q.price))]
        params += [x for job, q in priced.items() for x in (job, q.rule)]
        params += [program.pk, month, month, month]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _pg() -> bool:
    return connection.vendor == "postgresql"


# Payments -------------------------------------------------------------------------------------------------------


def _settle(bill: Bill) -> None:
    """Recompute what was paid on ``bill`` and the day it was paid in full, from all its payments."""
    total = Decimal(0)
    paid_on = None
    for payment in bill.payments.order_by("paid_on", "pk"):
        total += payment.amount
        if paid_on is None and total >= bill.amount:
            paid_on = payment.paid_on
    bill.paid, bill.paid_on = total, paid_on
    if bill.status in (BillStatus.PENDING, BillStatus.PAID):
        bill.status = BillStatus.PAID if paid_on else BillStatus.PENDING
    bill.save(update_fields=["paid", "paid_on", "status"])


def _payment_region(bill: Bill | None, actor: Any) -> str:
    if bill is not None:
        return bill.program.sponsor.region_code
    scope = require(actor, "payments.record")
    return "" if scope.national else sorted(scope.codes)[0]


def do_record_payment(
    *, actor: Any, bill_number: str, reference: str, paid_on: date, amount: Any, source: str = PaymentSource.MANUAL
) -> Payment:
    """Record money received. An unknown bill number is kept unmatched (shown for matching), never dropped."""
    amount = to_rupiah(amount, field="amount")
    if amount <= 0:
        raise OutOfRange(field="amount", minimum=1, maximum="-", value=int(amount))
    if source not in PaymentSource.values:
        raise InvalidInput(field="source", value=source)
    if not reference.strip():
        raise InvalidInput(N_("Give the receipt or transfer reference."), field="reference")
    if paid_on > today():
        raise InvalidInput(N_("The payment date {value} is in the future."), field="paid_on", value=paid_on.isoformat())
    bill = Bill.objects.select_related("program__sponsor").filter(number=bill_number.strip()).first()
    region = _payment_region(bill, actor)
    require(actor, "payments.record", region or None)
    with transaction.atomic():
        if Payment.objects.filter(source=source, reference=reference.strip()).exists():
            raise Conflict(N_("The payment {reference} was already recorded."), field="reference", reference=reference)
        payment = Payment.objects.create(
            bill=bill,
            bill_number=bill_number.strip(),
            reference=reference.strip(),
            paid_on=paid_on,
            amount=amount,
            source=source,
            region_code=region,
            created_by=_user(actor),
        )
        if bill is not None:
            locked = Bill.objects.select_for_update().get(pk=bill.pk)
            _settle(locked)
        audit.record(actor=actor, action="payment.record", obj=payment, region_code=region, after=payment)
    return payment


@dataclass
class PaymentImportResult:
    rows: int
    matched: int
    unknown: list[dict[str, Any]]
    partial: list[str]
    overpaid: list[str]
    duplicates: list[dict[str, Any]]
    errors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "unknown": self.unknown,
            "partial": self.partial,
            "overpaid": self.overpaid,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


PAYMENT_COLUMNS = {
    "bill_number": ("nomor tagihan", "no tagihan", "bill number", "bill", "tagihan", "nomor_tagihan", "bill_number"),
    "reference": ("referensi", "reference", "no referensi", "nomor bukti", "no bukti", "receipt", "kwitansi"),
    "paid_on": ("tanggal bayar", "tanggal", "paid on", "date", "tgl bayar", "paid_on"),
    "amount": ("jumlah", "amount", "nominal", "jumlah bayar"),
}


def _read_columns(
    source: Path | bytes, filename: str, spec: dict[str, tuple[str, ...]], optional: tuple[str, ...] = ()
) -> pl.DataFrame:
    """A CSV/XLSX as a frame of text columns named by ``spec``'s keys (found by their usual header names), plus
    ``row``, the row number a person sees in the spreadsheet. A missing required column names what was expected."""
    from paritrana.registry import ingest

    table = ingest.read_table(source, filename=filename)
    headers = {h.strip().lower(): h for h in table.headers}
    columns = [pl.col("__row").alias("row")]
    for target, names in spec.items():
        hit = next((headers[n] for n in names if n in headers), None)
        if hit is None and target not in optional:
            raise InvalidInput(
                N_("The file has no column for {column}; expected one of: {names}."),
                field=target,
                column=target,
                names=", ".join(names[:4]),
            )
        value = pl.col(hit).fill_null("").str.strip_chars() if hit else pl.lit("")
        columns.append(value.alias(target))
    return table.frame.select(columns)


def do_import_payments(
    *, actor: Any, source: Path | bytes, filename: str, kind: str = PaymentSource.BPJS_RECEIPT
) -> PaymentImportResult:
    """Import a payment file (CSV/XLSX: bill number, reference, date, amount). Rows with errors refuse the whole
    file (nothing half-written); unknown bill numbers are kept unmatched; partial and over-payments are listed."""
    from paritrana.registry import ingest

    require(actor, "payments.record")
    frame = _read_columns(source, filename, PAYMENT_COLUMNS).with_columns(date=ingest.date_expr(pl.col("paid_on")))
    errors: list[dict[str, Any]] = []
    parsed: list[dict[str, Any]] = []
    for item in frame.iter_rows(named=True):
        try:
            if item["date"] is None:
                raise InvalidInput(N_("{value} is not a date."), field="paid_on", value=item["paid_on"] or "-")
            amount = parse_amount(item["amount"], field="amount", row=item["row"])
            if not item["reference"]:
                raise InvalidInput(N_("Give the receipt or transfer reference."), field="reference")
            if not item["bill_number"]:
                raise InvalidInput(N_("Give the bill number."), field="bill_number")
        except InvalidInput as error:
            errors.append(
                {"row": item["row"], "field": error.details.get("field"), "message": error.render_message(gettext)}
            )
            continue
        parsed.append({**item, "paid_on": item["date"], "amount": amount})
    if errors:
        return PaymentImportResult(len(parsed) + len(errors), 0, [], [], [], [], errors)
    matched = 0
    unknown: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    touched: set[str] = set()
    with transaction.atomic():
        for item in parsed:
            try:
                payment = do_record_payment(
                    actor=actor,
                    bill_number=item["bill_number"],
                    reference=item["reference"],
                    paid_on=item["paid_on"],
                    amount=item["amount"],
                    source=kind,
                )
            except Conflict:
                duplicates.append({"row": item["row"], "reference": item["reference"]})
                continue
            except ParitranaError as error:  # out of scope, a date in the future...: name the row, write nothing
                errors.append(
                    {"row": item["row"], "field": error.details.get("field"), "message": error.render_message(gettext)}
                )
                continue
            if payment.bill_id is None:
                unknown.append({"row": item["row"], "bill_number": item["bill_number"], "amount": int(item["amount"])})
            else:
                matched += 1
                touched.add(payment.bill_number)
        if errors:
            transaction.set_rollback(True)
            return PaymentImportResult(len(parsed), 0, [], [], [], [], errors)
    bills = Bill.objects.filter(number__in=touched)
    partial = sorted(b.number for b in bills if b.paid < b.amount)
    overpaid = sorted(b.number for b in bills if b.paid > b.amount)
    return PaymentImportResult(len(parsed), matched, unknown, partial, overpaid, duplicates, [])


def do_submit_bill(*, actor: Any, bill: Bill) -> Bill:
    """paid -> awaiting reconciliation: the sponsor hands its proof of payment to the BPJS branch."""
    return _move_bill(actor, bill, "payments.record", BillStatus.PAID, BillStatus.AWAITING_RECONCILIATION)


def do_reconcile_bill(*, actor: Any, bill: Bill) -> Bill:
    """awaiting reconciliation -> reconciled: the BPJS officer confirms the money arrived."""
    return _move_bill(actor, bill, "payments.reconcile", BillStatus.AWAITING_RECONCILIATION, BillStatus.RECONCILED)


def _move_bill(actor: Any, bill: Bill, capability: str, source: str, target: str) -> Bill:
    require(actor, capability, bill.program.sponsor.region_code)
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk)
        if locked.status != source:
            raise Conflict(
                N_("A bill that is {status} cannot become {to}."), field="status", status=locked.status, to=target
            )
        before = audit.snapshot(locked)
        locked.status = target
        locked.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action=f"bill.{target}",
            obj=locked,
            region_code=bill.program.sponsor.region_code,
            before=before,
            after=locked,
        )
    return locked


# Claims ---------------------------------------------------------------------------------------------------------


def expected_benefit(kind: str, event_date: date, program: Program | None) -> Decimal | None:
    """What the rules pay for this claim, when the rules alone decide it (JKM; JKK death on the declared
    income). Beasiswa, JHT and other JKK claims depend on facts not held here: no expectation."""
    if kind == ClaimKind.JKM:
        return benefit("jkm", on=event_date).total
    if kind == ClaimKind.JKK_DEATH and program is not None:
        return benefit("jkk-death", on=event_date, wage=program.declared_income).total
    return None


def covering_enrollment(worker: Worker, month: date) -> Enrollment | None:
    return (
        Enrollment.objects.filter(worker=worker, first_month__lte=month, last_month__gte=month)
        .select_related("program__sponsor")
        .order_by("-first_month")
        .first()
    )


def do_record_claim(
    *,
    actor: Any,
    worker: Worker,
    kind: str,
    event_date: date,
    amount_paid: Any,
    paid_on: date | None = None,
    heirs: str = "",
) -> Claim:
    """Register a benefit paid; flag it when the worker was not covered (paid on time) in the event's month, or
    when the amount differs from the rules."""
    from paritrana.sponsorship.queries import coverage_of_month

    require(actor, "claims.record", worker.desa_code)
    if kind not in ClaimKind.values:
        raise InvalidInput(
            N_("Unknown claim kind {value}; use one of {valid}."),
            field="kind",
            value=kind,
            valid=", ".join(ClaimKind.values),
        )
    amount = to_rupiah(amount_paid, field="amount_paid")
    if amount < 0:
        raise OutOfRange(field="amount_paid", minimum=0, maximum="-", value=int(amount))
    if event_date > today():
        raise InvalidInput(
            N_("The event date {value} is in the future."), field="event_date", value=event_date.isoformat()
        )
    enrollment = covering_enrollment(worker, first_of_month(event_date))
    program = enrollment.program if enrollment else None
    flags: list[str] = []
    if enrollment is None or coverage_of_month(enrollment, first_of_month(event_date)) != "active":
        flags.append(ClaimFlag.NOT_COVERED)
    expected = expected_benefit(kind, event_date, program)
    if expected is not None and expected != amount:
        flags.append(ClaimFlag.AMOUNT_DIFFERS)
    with transaction.atomic():
        claim = Claim.objects.create(
            worker=worker,
            program=program,
            kind=kind,
            event_date=event_date,
            paid_on=paid_on,
            amount_paid=amount,
            expected=expected,
            heirs=heirs.strip(),
            flags=flags,
            desa_code=worker.desa_code,
            created_by=_user(actor),
        )
        audit.record(actor=actor, action="claim.record", obj=claim, region_code=worker.desa_code, after=claim)
        status = Worker.objects.filter(pk=worker.pk).values_list("status", flat=True).first()
        if kind in DEATH_CLAIMS and status not in (WorkerStatus.DECEASED, WorkerStatus.MERGED):
            # A death claim is news of a death: recorded in the same transaction (billing, enrollments and
            # candidates follow, see registry.lifecycle). A death recorded before is left as it is.
            do_record_death(
                actor=actor, worker=worker, died_on=event_date, source=DeathSource.CLAIM, evidence=f"{kind} #{claim.pk}"
            )
    return claim


#: Claims whose event is the worker's death.
DEATH_CLAIMS = (ClaimKind.JKM, ClaimKind.JKK_DEATH)


CLAIM_COLUMNS = {
    "nik": ("nik", "no ktp", "nomor ktp"),
    "kind": ("jenis", "jenis klaim", "kind", "program", "manfaat"),
    "event_date": ("tanggal kejadian", "tgl kejadian", "tanggal meninggal", "event date", "tanggal"),
    "amount_paid": ("jumlah", "jumlah dibayar", "nominal", "amount", "amount paid"),
    "paid_on": ("tanggal bayar", "tgl bayar", "paid on"),
    "heirs": ("ahli waris", "heirs", "penerima"),
}


@dataclass
class ClaimImportResult:
    rows: int
    recorded: int
    flagged: list[dict[str, Any]]
    errors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "recorded": self.recorded, "flagged": self.flagged, "errors": self.errors}


def do_import_claims(*, actor: Any, source: Path | bytes, filename: str) -> ClaimImportResult:
    """Import claims paid (NIK, kind, event date, amount; optionally payment date and heirs), each checked as
    ``do_record_claim`` checks one. Any row in error refuses the whole file: nothing is written."""
    from paritrana.registry import ingest
    from paritrana.registry.queries import workers_for

    require(actor, "claims.record")
    frame = _read_columns(source, filename, CLAIM_COLUMNS, optional=("paid_on", "heirs")).with_columns(
        event=ingest.date_expr(pl.col("event_date")),
        paid=ingest.date_expr(pl.col("paid_on")),
        nik_digits=pl.col("nik").str.replace_all(r"\D", ""),
    )
    workers = {w.nik: w for w in workers_for(actor).filter(nik__in=frame["nik_digits"].unique().to_list())}
    errors: list[dict[str, Any]] = []
    recorded = 0
    flagged: list[dict[str, Any]] = []
    with transaction.atomic():
        for item in frame.iter_rows(named=True):
            try:
                worker = workers.get(item["nik_digits"])
                if worker is None:
                    raise NotFound(
                        N_("NIK {nik} is not in the registry or lies outside your scope."),
                        field="nik",
                        nik=ingest.mask_nik(item["nik_digits"]),
                    )
                if item["event"] is None:
                    raise InvalidInput(
                        N_("{value} is not a date."), field="event_date", value=item["event_date"] or "-"
                    )
                if item["paid_on"] and item["paid"] is None:
                    raise InvalidInput(N_("{value} is not a date."), field="paid_on", value=item["paid_on"])
                claim = do_record_claim(
                    actor=actor,
                    worker=worker,
                    kind=item["kind"].lower(),
                    event_date=item["event"],
                    amount_paid=parse_amount(item["amount_paid"], field="amount_paid", row=item["row"]),
                    paid_on=item["paid"],
                    heirs=item["heirs"],
                )
            except ParitranaError as error:
                errors.append(
                    {"row": item["row"], "field": error.details.get("field"), "message": error.render_message(gettext)}
                )
                continue
            recorded += 1
            if claim.flags:
                flagged.append({"row": item["row"], "flags": claim.flags})
        if errors:
            transaction.set_rollback(True)
            return ClaimImportResult(frame.height, 0, [], errors)
    return ClaimImportResult(frame.height, recorded, flagged, [])


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def eligible_workers(program: Program, *, desa: str = "", occupation: str = "", limit: int | None = None) -> Any:
    """The active workers of the program's area its eligibility admits, poorest first, not yet in it. Age and
    double sponsorship are checked by ``do_enroll``, which names each refusal."""
    area = program.area
    qs = Worker.objects.filter(status=WorkerStatus.ACTIVE).filter(
        Q(desa_code=area) | Q(desa_code__startswith=area + ".")
    )
    if desa:
        qs = qs.filter(Q(desa_code=desa) | Q(desa_code__startswith=desa + "."))
    if occupation:
        qs = qs.filter(occupation=occupation)
    elif program.occupations:
        qs = qs.filter(occupation__in=program.occupations)
    if program.max_poverty_decile is not None:
        qs = qs.filter(poverty_decile__lte=program.max_poverty_decile)
    qs = qs.exclude(enrollments__program=program).order_by("poverty_decile", "pk")
    return qs[:limit] if limit else qs
