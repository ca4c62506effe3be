"""Reads on sponsorship: scoped lists, a worker's coverage month by month, and the budget monev figures.

Monev per program: pagu, committed, billed, paid, absorption (serapan = paid / pagu), a year-end forecast at the
pace of payment so far, workers covered against the target, villages below their minimum, and lapses. The sums
run in the database (a few aggregate queries per program), so a kabupaten with 200,000 enrollments stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from paritrana.core.dates import first_of_month, months_between, today
from paritrana.core.errors import N_, InvalidInput, NotFound
from paritrana.core.permissions import region_q, require, scoped
from paritrana.regions.models import Region
from paritrana.registry.choices import WorkerStatus
from paritrana.registry.models import Worker
from paritrana.sponsorship.choices import FUNDER, Coverage
from paritrana.sponsorship.models import Bill, Claim, Enrollment, Payment, Program, Sponsor
from paritrana.sponsorship.monev import MonthFigures, absorbed, cumulative_series, serapan

__all__ = [
    "MonevRow",
    "bills_for",
    "coverage_of_month",
    "coverage_status",
    "covered_expr",
    "eligible_workers",
    "get_program",
    "monev",
    "monev_years",
    "programs_for",
    "renewal_candidates",
    "sponsors_for",
    "worker_coverage",
]

SPONSOR_FIELD = "sponsor__region_code"


def sponsors_for(user: Any) -> QuerySet[Sponsor]:
    return scoped(Sponsor.objects.all(), user, "sponsorship.view")


def programs_for(user: Any, capability: str = "sponsorship.view") -> QuerySet[Program]:
    return scoped(Program.objects.select_related("sponsor"), user, capability, SPONSOR_FIELD)


def get_program(user: Any, pk: int, capability: str = "sponsorship.view") -> Program:
    program = Program.objects.select_related("sponsor").filter(pk=pk).first()
    if program is None:
        raise NotFound()
    require(user, capability, program.sponsor.region_code)
    return program


def get_sponsor(user: Any, pk: int, capability: str = "sponsorship.view") -> Sponsor:
    sponsor = Sponsor.objects.filter(pk=pk).first()
    if sponsor is None:
        raise NotFound()
    require(user, capability, sponsor.region_code)
    return sponsor


def get_enrollment(user: Any, pk: int) -> Enrollment:
    enrollment = Enrollment.objects.select_related("program__sponsor").filter(pk=pk).first()
    if enrollment is None:
        raise NotFound()
    require(user, "sponsorship.view", enrollment.program.sponsor.region_code)
    require(user, "registry.view", enrollment.desa_code)
    return enrollment


def village_needs(user: Any, region: str) -> list[Any]:
    """Per desa of ``region``: the registered active workers enrolled nowhere, by poverty decile (0: unknown),
    for the planner's allocation."""
    from collections import defaultdict

    from paritrana.registry.queries import workers_for
    from paritrana.sponsorship.planner import VillageNeed

    rows = (
        workers_for(user, region=region)
        .filter(status="active")
        .exclude(enrollments__status="active")
        .values("desa_code", "poverty_decile")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_desa: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        by_desa[row["desa_code"]][row["poverty_decile"] or 0] = row["n"]
    return [VillageNeed(code=code, eligible_by_decile=deciles) for code, deciles in sorted(by_desa.items())]


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


def renewal_candidates(program: Program) -> list[Worker]:
    """The workers of the program this one renews who are still active (not dead, merged, moved away or inactive)."""
    if program.renewed_from_id is None:
        return []
    previous = Worker.objects.filter(enrollments__program_id=program.renewed_from_id)
    return list(previous.filter(status=WorkerStatus.ACTIVE).order_by("pk"))


def enrollment_candidates(
    user: Any, program: Program, worker_ids: list[int], by_filter: bool, desa: str, carry_over: bool
) -> list[Any]:
    """The workers an enrollment request names: ids inside the user's registry scope, the program's eligible
    workers (optionally of one desa), or the workers of the program it renews."""
    from paritrana.regions.queries import normalize_code
    from paritrana.registry.queries import workers_for

    if carry_over:
        return renewal_candidates(program)
    if by_filter:
        return list(eligible_workers(program, desa=normalize_code(desa) if desa else ""))
    found = {w.pk: w for w in workers_for(user).filter(pk__in=worker_ids)}
    missing = [i for i in worker_ids if i not in found]
    if missing:
        raise NotFound(N_("No worker {ids} in your scope."), field="worker_ids", ids=", ".join(map(str, missing[:10])))
    return list(found.values())


def plan(
    user: Any,
    *,
    budget: Any,
    months: int,
    on: date,
    package: str = "jkk,jkm",
    income: Any = 1_000_000,
    region: str = "",
    minimum: int = 0,
    funder: str = "apbd",
) -> tuple[Any, Any]:
    """How many workers ``budget`` covers, and, for a region, its allocation across the desa by the planner's
    solver (the registered workers enrolled nowhere, within the user's scope). Returns (answer, allocation)."""
    from paritrana.core.money import to_rupiah
    from paritrana.regions.queries import normalize_code
    from paritrana.sponsorship import planner

    answer = planner.workers_for_budget(
        budget=to_rupiah(budget, field="budget"),
        months=months,
        on=on,
        package=tuple(p.strip() for p in package.split(",") if p.strip()),
        income=to_rupiah(income, field="income"),
        funder=funder,
    )
    if not region:
        return answer, None
    allocation = planner.allocate(
        budget=answer.budget,
        months=months,
        unit_cost=answer.monthly,
        villages=village_needs(user, normalize_code(region)),
        minimum_per_village=minimum,
    )
    return answer, allocation


def bills_for(user: Any) -> QuerySet[Bill]:
    return scoped(
        Bill.objects.select_related("program__sponsor"), user, "sponsorship.view", "program__" + SPONSOR_FIELD
    )


def get_bill(user: Any, pk: int) -> Bill:
    bill = Bill.objects.select_related("program__sponsor").filter(pk=pk).first()
    if bill is None:
        raise NotFound()
    require(user, "sponsorship.view", bill.program.sponsor.region_code)
    return bill


def payments_for(user: Any) -> QuerySet[Payment]:
    return scoped(Payment.objects.select_related("bill"), user, "payments.record")


def enrollments_for(user: Any, program: Program) -> QuerySet[Enrollment]:
    """Enrollments name workers: the registry's view right is needed, and its scope applies to the desa."""
    require(user, "sponsorship.view", program.sponsor.region_code)
    return scoped(program.enrollments.select_related("worker"), user, "registry.view", "desa_code")


def claims_for(user: Any) -> QuerySet[Claim]:
    return scoped(Claim.objects.select_related("worker", "program__sponsor"), user, "registry.view", "desa_code")


def workers_in_list(user: Any, source: Path | bytes, filename: str) -> list[Any]:
    """The registered workers whose NIKs a CSV/XLSX lists (its NIK column found as the import finds it). Every
    NIK must be registered and inside the user's scope, else nothing is returned and the first ones are named."""
    import polars as pl

    from paritrana.core.privacy import mask_nik
    from paritrana.core.sheets import read_table
    from paritrana.registry.ingest import guess_mapping
    from paritrana.registry.queries import workers_for

    table = read_table(source, filename=filename)
    column = guess_mapping(table.headers).get("nik")
    if column is None:
        raise InvalidInput(N_("The file {filename} has no NIK column."), field="nik", filename=filename)
    niks = table.frame.select(pl.col(column).str.replace_all(r"\D", "")).to_series().drop_nulls().unique().to_list()
    found = {w.nik: w for w in workers_for(user).filter(nik__in=niks)}
    missing = [n for n in niks if n not in found]
    if missing:
        raise NotFound(
            N_("{count} NIKs of the list are not in the registry or lie outside your scope, e.g. {niks}."),
            field="nik",
            count=len(missing),
            niks=", ".join(mask_nik(n) for n in sorted(missing)[:5]),
        )
    return list(found.values())


# Coverage -------------------------------------------------------------------------------------------------------


def coverage_status(bill: Bill | None, grace_days: int, on: date) -> str:
    """A billed month is covered when paid in full by the due date plus the program's grace days; lapsed when
    that day passed unpaid (or paid late); pending before it."""
    if bill is None:
        return Coverage.NOT_BILLED
    deadline = bill.due_date + timedelta(days=grace_days)
    if bill.paid_on is not None:
        return Coverage.ACTIVE if bill.paid_on <= deadline else Coverage.LAPSED
    return Coverage.PENDING if on <= deadline else Coverage.LAPSED


def covered_expr(on: date) -> Any:
    """``coverage_status`` over a frame of billed months (columns ``due_date``, ``grace_days``, ``paid_on``), as a
    Polars expression: true where the month is active or still pending on ``on`` (the fact store's ``active``).
    The same rule vectorised; a property test holds the two together."""
    import polars as pl

    deadline = pl.col("due_date") + pl.duration(days=pl.col("grace_days"))
    paid, unpaid = pl.col("paid_on").is_not_null(), pl.col("paid_on").is_null()
    return (paid & (pl.col("paid_on") <= deadline)) | (unpaid & (pl.lit(on) <= deadline))


def coverage_of_month(enrollment: Enrollment, month: date, on: date | None = None) -> str:
    if not enrollment.first_month <= month <= enrollment.last_month:
        return Coverage.NOT_BILLED
    bill = Bill.objects.filter(program_id=enrollment.program_id, month=month, lines__enrollment=enrollment).first()
    return coverage_status(bill, enrollment.program.grace_days, on or today())


def worker_coverage(worker: Any, on: date | None = None) -> list[dict[str, Any]]:
    """Month by month, each program that covered the worker and the state of that month."""
    on = on or today()
    out = []
    for enrollment in worker.enrollments.select_related("program__sponsor").order_by("first_month"):
        bills = {
            b.month: b for b in Bill.objects.filter(program_id=enrollment.program_id, lines__enrollment=enrollment)
        }
        for month in months_between(enrollment.first_month, enrollment.last_month):
            out.append(
                {
                    "month": month,
                    "program": enrollment.program,
                    "sponsor": enrollment.program.sponsor,
                    "bill": bills.get(month),
                    "status": (state := coverage_status(bills.get(month), enrollment.program.grace_days, on)),
                    "label": Coverage(state).label,
                }
            )
    return out


def worker_page(worker: Any) -> dict[str, Any]:
    """What the worker page shows of sponsorship (registered in ``SponsorshipConfig.ready``)."""
    return {"coverage": worker_coverage(worker)}


def lapse_alerts(user: Any, on: date | None = None, limit: int = 10) -> list[Bill]:
    """Bills in the user's scope past their due date plus grace and not paid in full: their workers have lapsed.
    Empty for roles that do not see sponsorship."""
    from paritrana.core.permissions import can

    if not can(user, "sponsorship.view"):
        return []
    on = on or today()
    overdue = bills_for(user).filter(paid_on__isnull=True, due_date__lt=on).order_by("-due_date")
    return [b for b in overdue[: limit * 4] if coverage_status(b, b.program.grace_days, on) == Coverage.LAPSED][:limit]


# Dashboards (web/home): what each role must act on, as counts from aggregate queries -----------------------------
#
# Each reads a role's work through the capability that work needs (``scope_for``), so a national scope with
# millions of rows costs a handful of COUNT/SUM queries; the lists that go with them stop at ``limit`` rows.

#: Programs ending within this many months (or already past their last month while still active) and not renewed.
ENDING_WITHIN_MONTHS = 2


@dataclass(frozen=True)
class Tally:
    """A count of things to act on, with the money and the workers they concern."""

    count: int = 0
    amount: Decimal = Decimal(0)
    workers: int = 0


@dataclass(frozen=True)
class DeathToConfirm:
    worker: Any
    source: str  # "claim" | "bpjs"
    on: date | None


@dataclass(frozen=True)
class OperatorTodo:
    arrears: Tally  # bills past their due date, not paid in full
    lapsed: Tally  # of those, past the grace days too: their workers were not covered
    ending: list[Program]  # active programs ending soon (or ended) and not renewed, soonest first
    ending_count: int
    death_claims: int  # death claims (JKM, JKK death) whose worker is still alive in the registry
    dead_there: int  # open BPJS differences "deceased at BPJS, active here"
    dead_there_run: int | None  # the latest reconcile holding one of them
    deaths: list[DeathToConfirm]

    @property
    def deaths_to_confirm(self) -> int:
        return self.death_claims + self.dead_there


def _outstanding() -> Any:
    from django.db.models import DecimalField, ExpressionWrapper, F

    return ExpressionWrapper(F("amount") - F("paid"), output_field=DecimalField(max_digits=18, decimal_places=0))


def _month_index() -> Any:
    """A program's last month as ``year * 12 + month - 1``, computed in the database."""
    from django.db.models import F, IntegerField
    from django.db.models.functions import Cast

    return Cast("fiscal_year", IntegerField()) * 12 + F("first_month") + F("months") - 2


def operator_todo(user: Any, *, on: date | None = None, limit: int = 10) -> OperatorTodo:
    """A Disnaker operator's work in its scope: arrears and lapses, programs to renew, deaths to confirm."""
    from django.db.models import Max

    from paritrana.core.permissions import scope_for
    from paritrana.registry.choices import WorkerStatus
    from paritrana.sponsorship.choices import ClaimKind, ProgramStatus
    from paritrana.sponsorship.models import DifferenceKind, ReconcileDifference, Resolution

    on = on or today()
    money = scope_for(user, "sponsorship.approve")
    people = scope_for(user, "registry.import")
    overdue = Bill.objects.filter(money.q("program__" + SPONSOR_FIELD), paid_on__isnull=True, due_date__lt=on)
    graces = set(
        Program.objects.filter(money.q(SPONSOR_FIELD), bills__paid_on__isnull=True, bills__due_date__lt=on)
        .order_by()
        .values_list("grace_days", flat=True)
        .distinct()
    )
    lapsed_q = Q(pk__in=[])
    for grace in graces:
        lapsed_q |= Q(program__grace_days=grace, due_date__lt=on - timedelta(days=grace))
    figures = overdue.aggregate(
        n=Count("pk"),
        owed=Sum(_outstanding()),
        people=Sum("workers"),
        lapsed_n=Count("pk", filter=lapsed_q),
        lapsed_owed=Sum(_outstanding(), filter=lapsed_q),
        lapsed_people=Sum("workers", filter=lapsed_q),
    )
    ending = (
        Program.objects.filter(money.q(SPONSOR_FIELD), status=ProgramStatus.ACTIVE, renewals__isnull=True)
        .annotate(last_index=_month_index())
        .filter(last_index__lte=on.year * 12 + on.month - 1 + ENDING_WITHIN_MONTHS)
        .select_related("sponsor")
        .order_by("last_index", "pk")
    )
    death_claims = (
        Claim.objects.filter(people.q("desa_code"), kind__in=(ClaimKind.JKM, ClaimKind.JKK_DEATH))
        .exclude(worker__status=WorkerStatus.DECEASED)
        .select_related("worker")
    )
    dead_there = ReconcileDifference.objects.filter(
        people.q("region_code"), kind=DifferenceKind.DEAD_THERE, resolution=Resolution.OPEN
    )
    there = dead_there.aggregate(n=Count("pk"), run=Max("run_id"))
    deaths = [DeathToConfirm(c.worker, "claim", c.event_date) for c in death_claims.order_by("event_date")[:limit]]
    if len(deaths) < limit:
        rows = dead_there.filter(worker__isnull=False).select_related("worker").order_by("-run_id", "row")
        deaths += [DeathToConfirm(d.worker, "bpjs", d.died_on) for d in rows[: limit - len(deaths)]]
    return OperatorTodo(
        arrears=Tally(figures["n"], figures["owed"] or Decimal(0), figures["people"] or 0),
        lapsed=Tally(figures["lapsed_n"], figures["lapsed_owed"] or Decimal(0), figures["lapsed_people"] or 0),
        ending=list(ending[:limit]),
        ending_count=ending.count(),
        death_claims=death_claims.count(),
        dead_there=there["n"],
        dead_there_run=there["run"],
        deaths=deaths,
    )


@dataclass(frozen=True)
class ProgramMonth:
    program: Program
    workers: int  # enrolled for the month inside the user's desa
    status: str  # Coverage of the month: its bill paid on time, pending, lapsed or not billed
    label: str


@dataclass(frozen=True)
class VillageCoverage:
    month: date
    covered: int  # distinct workers enrolled for the month
    programs: list[ProgramMonth]


def village_coverage(user: Any, *, on: date | None = None, limit: int = 10) -> VillageCoverage:
    """A village operator's programs this month: those enrolling workers of its desa and those it sponsors, each
    with the workers enrolled for the month and the state of the month's bill."""
    from paritrana.core.permissions import scope_for
    from paritrana.sponsorship.choices import OPEN_FOR_ENROLLMENT

    on = on or today()
    month = first_of_month(on)
    scope = scope_for(user, "registry.import")
    enrolled = Enrollment.objects.filter(scope.q("desa_code"), first_month__lte=month, last_month__gte=month)
    per_program = dict(
        enrolled.values("program_id").annotate(n=Count("pk")).order_by("-n").values_list("program_id", "n")[:limit]
    )
    programs = list(
        Program.objects.filter(
            Q(pk__in=list(per_program)) | (scope.q(SPONSOR_FIELD) & Q(status__in=OPEN_FOR_ENROLLMENT))
        )
        .select_related("sponsor")
        .order_by("-fiscal_year", "name", "pk")[:limit]
    )
    bills = {b.program_id: b for b in Bill.objects.filter(program__in=programs, month=month)}
    rows = []
    for program in programs:
        state = (
            coverage_status(bills.get(program.pk), program.grace_days, on)
            if program.start <= month <= program.end
            else Coverage.NOT_BILLED
        )
        rows.append(ProgramMonth(program, per_program.get(program.pk, 0), state, str(Coverage(state).label)))
    covered = enrolled.values("worker_id").distinct().count()
    return VillageCoverage(month, covered, rows)


@dataclass(frozen=True)
class BpjsTodo:
    partial: Tally  # bills partly paid: money received, some still owed
    awaiting: Tally  # bills paid in full, waiting for the branch to reconcile them
    unmatched: Tally  # payments whose bill number matched no bill
    differences: int  # open differences of the participation reconciles
    differences_run: int | None
    flagged_claims: int  # claims that do not agree with coverage or the rules


def bpjs_todo(user: Any) -> BpjsTodo:
    """A BPJS branch officer's work in its scope: payments and bills to reconcile, differences and flagged claims."""
    from django.db.models import F, Max

    from paritrana.core.permissions import scope_for
    from paritrana.sponsorship.choices import BillStatus
    from paritrana.sponsorship.models import ReconcileDifference, Resolution

    money = scope_for(user, "payments.reconcile")
    claims = scope_for(user, "claims.record")
    partial_q = Q(paid__gt=0, paid__lt=F("amount"))
    awaiting_q = Q(status=BillStatus.AWAITING_RECONCILIATION)
    bills = Bill.objects.filter(money.q("program__" + SPONSOR_FIELD)).aggregate(
        partial=Count("pk", filter=partial_q),
        partial_owed=Sum(_outstanding(), filter=partial_q),
        awaiting=Count("pk", filter=awaiting_q),
        awaiting_total=Sum("amount", filter=awaiting_q),
    )
    unmatched = Payment.objects.filter(money.q("region_code"), bill__isnull=True).aggregate(
        n=Count("pk"), total=Sum("amount")
    )
    differences = ReconcileDifference.objects.filter(claims.q("region_code"), resolution=Resolution.OPEN).aggregate(
        n=Count("pk"), run=Max("run_id")
    )
    flagged = Claim.objects.filter(claims.q("desa_code")).exclude(flags=[]).count()
    return BpjsTodo(
        partial=Tally(bills["partial"], bills["partial_owed"] or Decimal(0)),
        awaiting=Tally(bills["awaiting"], bills["awaiting_total"] or Decimal(0)),
        unmatched=Tally(unmatched["n"], unmatched["total"] or Decimal(0)),
        differences=differences["n"],
        differences_run=differences["run"],
        flagged_claims=flagged,
    )


# Monev ----------------------------------------------------------------------------------------------------------


@dataclass
class MonthRow:
    month: date
    workers: int
    billed: Decimal
    paid: Decimal
    status: str
    coverage: str


@dataclass
class MonevRow:
    program_id: int
    program: str
    sponsor: str
    sponsor_kind: str
    funder: str
    opd: str
    region_code: str
    fiscal_year: int
    status: str
    pagu: Decimal
    committed: Decimal
    billed: Decimal
    paid: Decimal
    forecast: Decimal
    workers: int
    target_workers: int
    lapsed_workers: int
    minimum_per_desa: int
    villages_below_minimum: list[dict[str, Any]] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    benefits_paid: Decimal = Decimal(0)
    #: The name of the sponsor's region (``region_code``), from the regions table; empty when it is not known.
    region_name: str = ""

    @property
    def region_label(self) -> str:
        """The region by name with its code beside it: "Kabupaten Tangerang (36.03)"."""
        return region_label(self.region_name, self.region_code)

    @property
    def absorption_pct(self) -> float:
        return serapan(self.paid, self.pagu)

    @property
    def committed_pct(self) -> float:
        return float(self.committed * 100 / self.pagu) if self.pagu else 0.0

    @property
    def forecast_pct(self) -> float:
        return float(self.forecast * 100 / self.pagu) if self.pagu else 0.0

    @property
    def target_pct(self) -> float:
        return self.workers * 100 / self.target_workers if self.target_workers else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("pagu", "committed", "billed", "paid", "forecast", "benefits_paid"):
            data[key] = int(data[key])
        data["months"] = [
            {**m, "month": m["month"].isoformat()[:7], "billed": int(m["billed"]), "paid": int(m["paid"])}
            for m in data["months"]
        ]
        data.update(
            absorption_pct=round(self.absorption_pct, 2),
            committed_pct=round(self.committed_pct, 2),
            forecast_pct=round(self.forecast_pct, 2),
            target_pct=round(self.target_pct, 2),
        )
        return data


def region_label(name: str, code: str) -> str:
    """A region as monev shows it: its name with the code beside it, or the code alone when the name is unknown."""
    return f"{name} ({code})" if name else code


def _villages_below(program: Program) -> list[dict[str, Any]]:
    """Desa and kelurahan of the program's area holding fewer enrolled workers than its minimum (zero included)."""
    if not program.min_workers_per_desa:
        return []
    counts = dict(
        program.enrollments.filter(status="active").values_list("desa_code").annotate(n=Count("id")).order_by()
    )
    area = program.area
    desas = Region.objects.filter(level=4).filter(Q(code=area) | Q(code__startswith=area + ".")).order_by("code")
    return [
        {
            "code": d.code,
            "name": d.name,
            "label": region_label(d.name, d.code),
            "workers": counts.get(d.code, 0),
            "minimum": program.min_workers_per_desa,
        }
        for d in desas.only("code", "name")
        if counts.get(d.code, 0) < program.min_workers_per_desa
    ]


def monev_row(program: Program, on: date | None = None) -> MonevRow:
    on = on or today()
    bills = list(program.bills.order_by("month"))
    by_month = {b.month: b for b in bills}
    billed = sum((b.amount for b in bills), Decimal(0))
    paid = sum((absorbed(b.amount, b.paid) for b in bills), Decimal(0))
    months = []
    lapsed = 0
    for month in months_between(program.start, program.end):
        bill = by_month.get(month)
        state = coverage_status(bill, program.grace_days, on)
        if state == Coverage.LAPSED and bill is not None:
            lapsed = bill.workers  # the latest lapsed month counts
        months.append(
            MonthRow(
                month=month,
                workers=bill.workers if bill else 0,
                billed=bill.amount if bill else Decimal(0),
                paid=absorbed(bill.amount, bill.paid) if bill else Decimal(0),
                status=bill.status if bill else "",
                coverage=state,
            )
        )
    # Year-end forecast at the pace so far: the average paid per month already due, over all the months.
    due = [m for m in months if m.coverage in (Coverage.ACTIVE, Coverage.LAPSED)]
    forecast = (
        (sum((m.paid for m in due), Decimal(0)) / len(due) * program.months).quantize(Decimal(1))
        if due
        else program.committed
    )
    current = min(max(first_of_month(on), program.start), program.end)
    workers = program.enrollments.filter(first_month__lte=current, last_month__gte=current).count()
    benefits = Claim.objects.filter(program=program).aggregate(s=Sum("amount_paid"))["s"] or Decimal(0)
    return MonevRow(
        program_id=program.pk,
        program=program.name,
        sponsor=program.sponsor.name,
        sponsor_kind=program.sponsor.kind,
        funder=FUNDER[program.sponsor.kind],
        opd=program.sponsor.opd,
        region_code=program.sponsor.region_code,
        fiscal_year=program.fiscal_year,
        status=program.status,
        pagu=program.pagu,
        committed=program.committed,
        billed=billed,
        paid=paid,
        forecast=forecast,
        workers=workers,
        target_workers=program.target_workers,
        lapsed_workers=lapsed,
        minimum_per_desa=program.min_workers_per_desa,
        villages_below_minimum=_villages_below(program),
        months=months,
        benefits_paid=benefits,
    )


@dataclass
class Monev:
    """Monev of the programs of one fiscal year: one row each, their totals, the year month by month (cumulative,
    ``monthly``) and, to compare, the same figures of up to three earlier years (``earlier``, newest first).
    Rows of two fiscal years are refused: their totals would count the same workers twice."""

    rows: list[MonevRow]
    on: date
    fiscal_year: int | None = None
    monthly: list[MonthFigures] = field(default_factory=list)
    earlier: dict[int, list[MonthFigures]] = field(default_factory=dict)
    #: The fiscal years that have programs in the user's scope (newest first), for the year selector.
    years: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        years = {r.fiscal_year for r in self.rows}
        if len(years) > 1 or (self.fiscal_year is not None and years - {self.fiscal_year}):
            raise ValueError(f"a monev covers one fiscal year, not {sorted(years)}")
        if self.fiscal_year is None and years:
            self.fiscal_year = years.pop()

    def total(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), Decimal(0))

    @property
    def totals(self) -> dict[str, Any]:
        pagu = self.total("pagu")
        paid = self.total("paid")
        return {
            "programs": len(self.rows),
            "pagu": int(pagu),
            "committed": int(self.total("committed")),
            "billed": int(self.total("billed")),
            "paid": int(paid),
            "forecast": int(self.total("forecast")),
            "absorption_pct": round(serapan(paid, pagu), 2),
            "workers": sum(r.workers for r in self.rows),
            "target_workers": sum(r.target_workers for r in self.rows),
            "lapsed_workers": sum(r.lapsed_workers for r in self.rows),
            "villages_below_minimum": sum(len(r.villages_below_minimum) for r in self.rows),
            "benefits_paid": int(self.total("benefits_paid")),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "fiscal_year": self.fiscal_year,
            "years": self.years,
            "totals": self.totals,
            "programs": [r.as_dict() for r in self.rows],
            "monthly": [m.as_dict() for m in self.monthly],
            "earlier_years": [
                # serapan only: the committed line is drawn for the chosen year (see ``_yearly_series``)
                {"fiscal_year": year, "monthly": [_without(m.as_dict(), "committed") for m in months]}
                for year, months in self.earlier.items()
            ],
        }


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


#: Earlier fiscal years whose serapan the monev compares month by month with the chosen one.
EARLIER_YEARS = 3


def monev_years(user: Any) -> list[int]:
    """The fiscal years that have programs inside the user's scope, newest first."""
    return sorted(set(programs_for(user).values_list("fiscal_year", flat=True).order_by()), reverse=True)


def default_fiscal_year(user: Any, program: int | None = None, on: date | None = None) -> int:
    """The year a monev shows when none is chosen: the chosen program's, else the current fiscal year (the
    calendar year of today in WIB)."""
    if program:
        year = programs_for(user).filter(pk=program).values_list("fiscal_year", flat=True).first()
        if year:
            return int(year)
    return (on or today()).year


def monev(
    user: Any,
    *,
    fiscal_year: int | None = None,
    sponsor: int | None = None,
    program: int | None = None,
    opd: str = "",
    region: str = "",
    on: date | None = None,
) -> Monev:
    """Monev of one fiscal year of the programs inside the user's scope, filtered by sponsor, program, OPD or region.
    With no year: :func:`default_fiscal_year`. Two fiscal years are never added up. The earlier years compared are
    filtered alike (a chosen program is compared with its sponsor's programs of those years)."""
    on = on or today()
    year = fiscal_year or default_fiscal_year(user, program, on)
    programs = list(_monev_programs(user, year, program, region, sponsor, opd).order_by("sponsor__region_code", "name"))
    rows = [monev_row(p, on) for p in programs]
    names = dict(Region.objects.filter(code__in={r.region_code for r in rows}).values_list("code", "name"))
    for row in rows:
        row.region_name = names.get(row.region_code, "")
    chosen = _yearly_series(_monev_programs(user, year, program, region, sponsor, opd), [year])
    earlier: dict[int, list[MonthFigures]] = {}
    if programs or not program:
        compare_sponsor = programs[0].sponsor_id if program else sponsor
        wanted = list(range(year - 1, year - 1 - EARLIER_YEARS, -1))
        earlier = _yearly_series(
            _monev_programs(user, None, None, region, compare_sponsor, opd), wanted, with_commitments=False
        )
    return Monev(rows, on, fiscal_year=year, monthly=chosen.get(year, []), earlier=earlier, years=monev_years(user))


def _yearly_series(
    programs: QuerySet[Program], years: list[int], *, with_commitments: bool = True
) -> dict[int, list[MonthFigures]]:
    """Per fiscal year of ``years`` that has programs among ``programs``: its cumulative month-by-month figures
    (``monev.cumulative_series``), newest year first. Three aggregate queries; the one over the enrollments (for
    the committed line) reads every enrollment of those years, so the earlier years compared, which show serapan
    only, go without it (``with_commitments=False``: their committed stays 0)."""
    from django.db.models.functions import Least

    programs = programs.filter(fiscal_year__in=years)
    year_of = dict(programs.order_by().values_list("pk", "fiscal_year"))
    pagu: dict[int, Decimal] = {}
    for pk, value in programs.order_by().values_list("pk", "pagu"):
        pagu[year_of[pk]] = pagu.get(year_of[pk], Decimal(0)) + (value or Decimal(0))
    # Grouped by program (the enrollments' and bills' own column, indexed), not by the program's year: no join per
    # row; the few programs are mapped to their year here.
    commitments: dict[int, list[tuple[date, date, Decimal]]] = {y: [] for y in pagu}
    groups = (
        Enrollment.objects.filter(program_id__in=list(year_of))
        .values("program_id", "first_month", "last_month")
        .annotate(cost_sum=Sum("cost"))
        .order_by()
    )
    for g in groups if with_commitments else []:
        commitments[year_of[g["program_id"]]].append((g["first_month"], g["last_month"], g["cost_sum"] or Decimal(0)))
    bills: dict[int, list[tuple[date, Decimal, Decimal]]] = {y: [] for y in pagu}
    months = (
        Bill.objects.filter(program_id__in=list(year_of))
        .values("program_id", "month")
        .annotate(billed_sum=Sum("amount"), paid_sum=Sum(Least("paid", "amount")))
        .order_by()
    )
    for m in months:
        bills[year_of[m["program_id"]]].append((m["month"], m["billed_sum"] or Decimal(0), m["paid_sum"] or Decimal(0)))
    return {
        y: cumulative_series(fiscal_year=y, pagu=pagu[y], commitments=commitments[y], bills=bills[y])
        for y in sorted(pagu, reverse=True)
    }


def _monev_programs(
    user: Any, fiscal_year: int | None, program: int | None, region: str, sponsor: int | None, opd: str
) -> QuerySet[Program]:
    """The programs a monev covers: inside the user's scope, filtered by year, program, region, sponsor or OPD."""
    programs = programs_for(user)
    if fiscal_year:
        programs = programs.filter(fiscal_year=fiscal_year)
    if sponsor:
        programs = programs.filter(sponsor_id=sponsor)
    if program:
        programs = programs.filter(pk=program)
    if opd:
        programs = programs.filter(sponsor__opd=opd)
    if region:
        programs = programs.filter(region_q("sponsor__region_code", region))
    return programs


# Overpayment: bill lines for months after a worker's death -------------------------------------------------------


def _overpaid_lines(
    user: Any, fiscal_year: int | None, program: int | None, region: str, sponsor: int | None = None, opd: str = ""
) -> QuerySet[Any]:
    """Bill lines of the programs in the user's scope for a month that began after the worker died."""
    from django.db.models import F

    from paritrana.sponsorship.models import BillLine

    programs = _monev_programs(user, fiscal_year, program, region, sponsor, opd)
    # The dead are few: their enrollments first (the died_on index), then their lines (the enrollment index).
    of_the_dead = Enrollment.objects.filter(worker__died_on__isnull=False, program__in=programs).values("pk")
    return BillLine.objects.filter(enrollment__in=of_the_dead, bill__month__gt=F("enrollment__worker__died_on"))


def overpayments(
    user: Any,
    *,
    fiscal_year: int | None = None,
    program: int | None = None,
    region: str = "",
    sponsor: int | None = None,
    opd: str = "",
    **_: Any,
) -> list[dict[str, Any]]:
    """Per sponsor and program: the bill lines issued for months after the worker's death (recorded later than the
    bills were made), how many workers, the amount, and of it what the sponsor already paid (to recover from BPJS)
    and what is still unpaid (to take off the bill). Aggregates only: no worker is named."""
    from django.db.models import F

    rows = (
        _overpaid_lines(user, fiscal_year, program, region, sponsor, opd)
        .values(
            "bill__program_id",
            "bill__program__name",
            "bill__program__fiscal_year",
            "bill__program__sponsor__name",
            "bill__program__sponsor__region_code",
        )
        .annotate(
            n_lines=Count("id"),
            n_workers=Count("enrollment__worker_id", distinct=True),
            total=Sum("amount"),
            total_paid=Sum("amount", filter=Q(bill__paid__gte=F("bill__amount"))),
        )
        .order_by("bill__program__sponsor__region_code", "bill__program__sponsor__name", "bill__program__name")
    )
    return [
        {
            "program_id": r["bill__program_id"],
            "program": r["bill__program__name"],
            "fiscal_year": r["bill__program__fiscal_year"],
            "sponsor": r["bill__program__sponsor__name"],
            "region_code": r["bill__program__sponsor__region_code"],
            "lines": r["n_lines"],
            "workers": r["n_workers"],
            "amount": int(r["total"] or 0),
            "paid": int(r["total_paid"] or 0),
            "unpaid": int((r["total"] or 0) - (r["total_paid"] or 0)),
        }
        for r in rows
    ]


OVERPAYMENT_COLUMNS = [
    "sponsor",
    "program",
    "fiscal_year",
    "bill",
    "month",
    "bill_paid",
    "amount",
    "nik",
    "name",
    "desa_code",
    "died_on",
]


def overpayment_lines(
    user: Any,
    *,
    fiscal_year: int | None = None,
    program: int | None = None,
    region: str = "",
    sponsor: int | None = None,
    opd: str = "",
    **_: Any,
) -> list[dict[str, Any]]:
    """The lines themselves, to recover them one by one: they name workers (NIK masked), so the registry's view
    right is needed and its scope cuts them to the user's desa."""
    from django.db.models import F

    scope = require(user, "registry.view")
    lines = (
        _overpaid_lines(user, fiscal_year, program, region, sponsor, opd)
        .filter(scope.q("enrollment__desa_code"))
        .select_related("bill__program__sponsor", "enrollment__worker")
        .annotate(fully_paid=Q(bill__paid__gte=F("bill__amount")))
        .order_by("bill__program__sponsor__name", "bill__program__name", "enrollment__worker__name", "bill__month")
    )
    return [
        {
            "sponsor": line.bill.program.sponsor.name,
            "program": line.bill.program.name,
            "fiscal_year": line.bill.program.fiscal_year,
            "bill": line.bill.number,
            "month": line.bill.month.isoformat()[:7],
            "bill_paid": bool(line.fully_paid),
            "amount": int(line.amount),
            "nik": line.enrollment.worker.masked_nik,
            "name": line.enrollment.worker.name,
            "desa_code": line.enrollment.worker.desa_code,
            "died_on": line.enrollment.worker.died_on.isoformat() if line.enrollment.worker.died_on else "",
        }
        for line in lines
    ]


def made_or_changed_by(user: Any, program: Program) -> bool:
    """Did this user create the program or change it (the audit log says)? Maker-checker: such a user does not
    approve it. The console (no user) is exempt: it is the server's administrator, audited as "system"."""
    from paritrana.core.models import AuditEvent

    user_id = getattr(user, "pk", None)
    if user_id is None:
        return False
    return (
        program.created_by_id == user_id
        or AuditEvent.objects.filter(
            object_type=Program._meta.label_lower,
            object_id=str(program.pk),
            action__in=("program.create", "program.update"),
            actor_id=user_id,
        ).exists()
    )


# The bill page and the exchange with the BPJS branch -------------------------------------------------------------


@dataclass(frozen=True)
class BillState:
    """What a bill page shows of the money: a partial payment leaves the bill open (``pending``) with its
    shortfall; the status flow itself (``actions._settle``) is unchanged."""

    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    overpaid: Decimal
    partially_paid: bool


def bill_state(bill: Bill) -> BillState:
    return BillState(
        amount=bill.amount,
        paid=bill.paid,
        outstanding=bill.outstanding,
        overpaid=bill.overpaid,
        partially_paid=Decimal(0) < bill.paid < bill.amount,
    )


def bill_lines(user: Any, bill: Bill) -> QuerySet[Any]:
    """The lines of a bill the user may see: they name workers, so the registry's view right and scope apply."""
    from paritrana.sponsorship.models import BillLine

    require(user, "sponsorship.view", bill.program.sponsor.region_code)
    return scoped(
        BillLine.objects.filter(bill=bill).select_related("enrollment__worker"),
        user,
        "registry.view",
        "enrollment__desa_code",
    ).order_by("enrollment__desa_code", "enrollment__worker__name", "pk")


def bill_payments(user: Any, bill: Bill) -> QuerySet[Payment]:
    require(user, "sponsorship.view", bill.program.sponsor.region_code)
    return bill.payments.order_by("paid_on", "pk")


def reconcile_runs_for(user: Any) -> QuerySet[Any]:
    """Runs of the BPJS participation list uploaded inside the user's registry scope (a national run: national)."""
    from paritrana.sponsorship.models import ReconcileRun

    return scoped(ReconcileRun.objects.select_related("created_by"), user, "registry.view")


def get_reconcile_run(user: Any, pk: int) -> Any:
    from paritrana.sponsorship.models import ReconcileRun

    run = ReconcileRun.objects.select_related("created_by").filter(pk=pk).first()
    if run is None:
        raise NotFound(N_("There is no reconcile {id}."), id=pk)
    require(user, "registry.view", run.region_code)
    return run


def differences_for(user: Any, run: Any, *, kind: str = "", open_only: bool = False) -> QuerySet[Any]:
    """A run's differences inside the user's registry scope, by row."""
    from paritrana.sponsorship.models import ReconcileDifference

    qs = scoped(
        ReconcileDifference.objects.filter(run=run).select_related("worker", "enrollment__program", "resolved_by"),
        user,
        "registry.view",
    )
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(resolution="open")
    return qs.order_by("row", "kind", "pk")


def get_difference(user: Any, pk: int) -> Any:
    from paritrana.sponsorship.models import ReconcileDifference

    difference = ReconcileDifference.objects.select_related("run").filter(pk=pk).first()
    if difference is None:
        raise NotFound(N_("There is no difference {id}."), id=pk)
    require(user, "registry.view", difference.region_code)
    return difference


def metric_figures() -> Iterator[Any]:
    """Enrollments by status for Prometheus (registered in ``SponsorshipConfig.ready``)."""
    from paritrana.core.observability import count_by

    yield count_by(
        "paritrana_enrollments",
        "Enrollments by status",
        Enrollment.objects.values("status").annotate(n=Count("id")),
        "status",
    )
