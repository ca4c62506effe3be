"""Billing: a worker's month price and its quote by the rules in force (per funder and occupation), the cost
of a period, the monthly billing run that writes bills and their lines, and a paid bill's submission for
reconciliation (the bill status moves)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Max, Min

from paritrana.core import audit
from paritrana.core.bulk import analyze, drop_table, temp_table
from paritrana.core.dates import first_of_month, months_between
from paritrana.core.errors import N_, Conflict
from paritrana.core.permissions import require
from paritrana.registry.choices import Occupation
from paritrana.registry.models import Worker
from paritrana.rules.book import load_rules
from paritrana.rules.contributions import due_date, quote
from paritrana.sponsorship.choices import FUNDER, BillStatus, ProgramStatus
from paritrana.sponsorship.models import Bill, BillLine, Enrollment, Program


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
            **self.totals(),
        }

    def totals(self) -> dict[str, Any]:
        """The run in figures (a background job keeps these, not one entry per bill)."""
        return {
            "month": self.month.isoformat()[:7],
            "bill_count": len(self.bills),
            "already_billed_count": len(self.already_billed),
            "workers": sum(b.workers for b in self.bills),
            "amount": int(sum((b.amount for b in self.bills), Decimal(0))),
        }


def bill_number(program_id: int, month: date) -> str:
    return f"TAG-{program_id:05d}-{month:%Y%m}"


#: A large run writes its lines part by part, each part the enrollments of this many worker ids (a range of the
#: worker's key, read in order): its progress is heard after each part, and no part reads the registry again.
WORKERS_PER_PART = 1_000_000
BILLS, PRICES = "billing_bills", "billing_prices"
#: A run writing this many lines samples the bill tables for the planner as it ends (``core.bulk.analyze``).
ANALYZE_AFTER = 100_000


def do_run_billing(
    *,
    actor: Any,
    month: date,
    programs: Sequence[Program] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BillingResult:
    """Bill ``month`` for every active program covering it (or the given ones) inside the actor's scope, one line
    per enrolled worker, priced by the rules in force that month. Idempotent: a program already billed for the
    month is reported and left alone, never billed twice (a unique constraint backs this). All or nothing: one
    transaction. ``progress(done, total)`` hears of the parts of the registry done (a national run is a background
    job, ``sponsorship.jobs``)."""
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
    skipped: list[str] = []
    with transaction.atomic():
        todo = list(chosen.select_for_update(of=("self",)) if _pg() else chosen)
        # Every bill of the month (one per program at most): no list of thousands of program ids to bind.
        billed = set(Bill.objects.filter(month=month).values_list("program_id", flat=True))
        priced: dict[int, dict[str, MonthQuote]] = {}
        for program in todo:
            if not program.start <= month <= program.end:
                continue
            if program.pk in billed:
                skipped.append(bill_number(program.pk, month))
                continue
            # Every occupation priced (the rules, in Python, are cheap): the database then picks the line's price
            # by the worker's occupation, and every line of the run is written without a row passing through here.
            funder = program_funder(program)
            priced[program.pk] = {
                job: month_quote(program.package, program.declared_income, month, funder, job)
                for job in Occupation.values
            }
        bills = Bill.objects.bulk_create(
            Bill(
                program=program,
                number=bill_number(program.pk, month),
                month=month,
                due_date=due,
                workers=0,
                amount=0,
                rule_book=priced[program.pk][Occupation.OTHER].book,
            )
            for program in todo
            if program.pk in priced
        )
        totals = _write_lines(bills, priced, month, progress)
        empty = [b.pk for b in bills if b.pk not in totals]
        Bill.objects.filter(pk__in=empty).delete()  # nobody covered this month: no bill
        bills = [b for b in bills if b.pk in totals]
        for bill in bills:
            bill.workers, bill.amount = totals[bill.pk]
        Bill.objects.bulk_update(bills, ["workers", "amount"], batch_size=500)
        if sum(bill.workers for bill in bills) >= ANALYZE_AFTER:
            # The lines just written, sampled for the planner now: with the table's old size in mind it joined
            # every line to every enrollment for the overpayments of a monev page (409 ms, not 50 ms).
            analyze(BillLine._meta.db_table, Bill._meta.db_table)
        by_program = {p.pk: p for p in todo}
        for bill in bills:
            bill.program = by_program[bill.program_id]
            audit.record(
                actor=actor,
                action="bill.create",
                obj=bill,
                region_code=bill.program.sponsor.region_code,
                after=bill,
            )
    return BillingResult(month, bills, skipped)


def _write_lines(
    bills: list[Bill],
    priced: dict[int, dict[str, MonthQuote]],
    month: date,
    progress: Callable[[int, int], None] | None,
) -> dict[int, tuple[int, Decimal]]:
    """One line per enrollment of the bills' programs covering ``month`` whose worker was alive at its start, at
    the price of the worker's occupation (one outside the vocabulary pays that of "other"), written by the database
    itself in one statement per part of the registry. Answers each bill's line count and sum (bills without lines
    are absent).

    Why so, measured at national size (docs/performance.md): a statement per program read each program's
    enrollments scattered over the table and probed the worker's row per line (98.9 s for 10.2 million lines); one
    statement per range of workers for the whole run reads both tables of a range together (45.0 s). Each part's
    lines are sorted by their unique key: in the order the join produced them, a month took 53-83 s depending on
    how the enrollments' table had been filled; sorted, 52-54 s. (One sorted statement for the run took 46-80 s:
    its plan, and so its time, varied from month to month.) A dead worker is left out on the worker's row itself:
    "NOT IN (the dead)" hashed every dead worker of the country."""
    if not bills:
        return {}
    lines, enrollments, workers = BillLine._meta.db_table, Enrollment._meta.db_table, Worker._meta.db_table
    # Each bill with the price of "other"; apart, the occupations a program prices otherwise (usually none). A
    # left join on the occupation then never multiplies the lines, nor does the planner believe it might.
    other = {bill.pk: priced[bill.program_id][Occupation.OTHER] for bill in bills}
    temp_table(
        BILLS,
        "program_id bigint PRIMARY KEY, bill_id bigint NOT NULL, amount bigint NOT NULL, rule varchar(200) NOT NULL",
        pl.DataFrame(
            [(b.program_id, b.pk, int(other[b.pk].price), other[b.pk].rule) for b in bills],
            schema={"program_id": pl.Int64, "bill_id": pl.Int64, "amount": pl.Int64, "rule": pl.String},
            orient="row",
        ),
    )
    temp_table(
        PRICES,
        "program_id bigint NOT NULL, occupation varchar(32) NOT NULL, amount bigint NOT NULL, "
        "rule varchar(200) NOT NULL, PRIMARY KEY (program_id, occupation)",
        pl.DataFrame(
            [
                (b.program_id, job, int(q.price), q.rule)
                for b in bills
                for job, q in priced[b.program_id].items()
                if (q.price, q.rule) != (other[b.pk].price, other[b.pk].rule)
            ],
            schema={"program_id": pl.Int64, "occupation": pl.String, "amount": pl.Int64, "rule": pl.String},
            orient="row",
        ),
    )
    sql = (
        f"INSERT INTO {lines} (bill_id, enrollment_id, amount, rule) "  # noqa: S608 - names from models
        "SELECT b.bill_id, e.id, COALESCE(p.amount, b.amount), COALESCE(p.rule, b.rule) "
        f"FROM {enrollments} e JOIN {workers} w ON w.id = e.worker_id "
        f"JOIN {BILLS} b ON b.program_id = e.program_id "
        f"LEFT JOIN {PRICES} p ON p.program_id = e.program_id AND p.occupation = w.occupation "
        "WHERE e.first_month <= %s AND e.last_month >= %s AND (w.died_on IS NULL OR w.died_on >= %s)"
    )
    params: list[Any] = [month, month, month]
    parts = _worker_parts()
    totals: dict[int, tuple[int, Decimal]] = {}
    with connection.cursor() as cursor:
        for done, (low, high) in enumerate(parts):
            if progress:
                progress(done, len(parts))
            part_sql, part_params = sql, params
            if low is not None:
                # The range on both sides: each part reads its own slice of the enrollments and of the registry.
                part_sql += " AND e.worker_id >= %s AND e.worker_id < %s AND w.id >= %s AND w.id < %s"
                part_params = [*params, low, high, low, high]
            # In the order of the lines' unique (bill, enrollment) key, whatever the order the join produces: each
            # line then goes next to the one before it in that index, not wherever its bill's lines end.
            part_sql += " ORDER BY b.bill_id, e.id"
            if _pg():
                # Each bill's count and sum from the rows as they are written: reading the lines back took 11.7 of
                # a national run's 81 s with 24 months held (docs/performance.md). SQLite has no DML in a WITH.
                cursor.execute(
                    f"WITH written AS ({part_sql} RETURNING bill_id, amount) "  # noqa: S608 - names from models
                    "SELECT bill_id, COUNT(*), SUM(amount) FROM written GROUP BY bill_id",
                    part_params,
                )
                for pk, count, amount in cursor.fetchall():
                    lines_before, amount_before = totals.get(pk, (0, Decimal(0)))
                    totals[pk] = (lines_before + count, amount_before + Decimal(amount))
            else:
                cursor.execute(part_sql, part_params)
        if not _pg():
            # The run's bills were made together: one range of the unique index, whatever the lines of earlier months.
            ours = {bill.pk for bill in bills}
            cursor.execute(
                f"SELECT l.bill_id, COUNT(*), SUM(l.amount) FROM {lines} l "  # noqa: S608 - names from models
                "WHERE l.bill_id >= %s AND l.bill_id <= %s GROUP BY l.bill_id",
                [min(ours), max(ours)],
            )
            totals = {pk: (count, Decimal(amount)) for pk, count, amount in cursor.fetchall() if pk in ours}
    drop_table(PRICES)
    drop_table(BILLS)
    return totals


def _worker_parts() -> list[tuple[int | None, int | None]]:
    """The worker-id ranges a run's lines are written in: one part, unbounded, unless the registry spans more than
    ``WORKERS_PER_PART`` ids."""
    span = Worker.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = span["low"], span["high"]
    if low is None or high - low < WORKERS_PER_PART:
        return [(None, None)]
    return [(start, start + WORKERS_PER_PART) for start in range(low, high + 1, WORKERS_PER_PART)]


def _pg() -> bool:
    return connection.vendor == "postgresql"


def do_submit_bill(*, actor: Any, bill: Bill) -> Bill:
    """paid -> awaiting reconciliation: the sponsor hands its proof of payment to the BPJS branch."""
    return _move_bill(actor, bill, "payments.record", BillStatus.PAID, BillStatus.AWAITING_RECONCILIATION)


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
