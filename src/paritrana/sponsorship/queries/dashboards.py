"""Dashboards (web/home): what each role must act on, as counts from aggregate queries.

Each reads a role's work through the capability that work needs (``scope_for``), so a national scope with
millions of rows costs a handful of COUNT/SUM queries; the lists that go with them stop at ``limit`` rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from paritrana.core.dates import first_of_month, today
from paritrana.registry.choices import WorkerStatus
from paritrana.sponsorship.choices import Coverage
from paritrana.sponsorship.models import Bill, Claim, Enrollment, Payment, Program
from paritrana.sponsorship.queries.coverage import coverage_status
from paritrana.sponsorship.queries.scoped import SPONSOR_FIELD

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
