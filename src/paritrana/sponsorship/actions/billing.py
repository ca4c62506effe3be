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

from django.db import connection, transaction
from django.db.models import Count, Sum

from paritrana.core import audit
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


def do_run_billing(
    *,
    actor: Any,
    month: date,
    programs: Sequence[Program] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BillingResult:
    """Bill ``month`` for every active program covering it (or the given ones) inside the actor's scope, one line
    per enrolled worker, priced by the rules in force that month. Idempotent: a program already billed for the
    month is reported and left alone, never billed twice (a unique constraint backs this). ``progress(done, total)``
    hears of the programs done (a national run is a background job, ``sponsorship.jobs``)."""
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
        todo = list(chosen.select_for_update(of=("self",)) if _pg() else chosen)
        for done, program in enumerate(todo):
            if progress:
                progress(done, len(todo))
            if not program.start <= month <= program.end:
                continue
            if Bill.objects.filter(program=program, month=month).exists():
                skipped.append(bill_number(program.pk, month))
                continue
            # Every occupation priced first (the rules, in Python, are cheap), so that the lines are written in one
            # pass over the enrollments and the bill's totals read back from them: no second pass to count.
            funder = program_funder(program)
            priced = {
                job: month_quote(program.package, program.declared_income, month, funder, job)
                for job in Occupation.values
            }
            bill = Bill.objects.create(
                program=program,
                number=bill_number(program.pk, month),
                month=month,
                due_date=due,
                workers=0,
                amount=0,
                rule_book=priced[Occupation.OTHER].book,
            )
            totals = _write_lines(bill, program, month, priced)
            if not totals["workers"]:
                bill.delete()  # nobody covered this month: no bill
                continue
            bill.workers, bill.amount = totals["workers"], totals["amount"]
            bill.save(update_fields=["workers", "amount"])
            bills.append(bill)
            audit.record(
                actor=actor, action="bill.create", obj=bill, region_code=program.sponsor.region_code, after=bill
            )
    return BillingResult(month, bills, skipped)


def _write_lines(bill: Bill, program: Program, month: date, priced: dict[str, MonthQuote]) -> dict[str, Any]:
    """One line per enrolled worker covered in ``month`` and alive at its start, written by the database itself: no
    row travels through Python. When the price differs by occupation (a discount for one sector), a CASE on the
    worker's occupation picks it per line (an occupation outside the vocabulary pays the price of "other"). Answers
    the lines' count and sum (``workers``, ``amount``)."""
    lines, enrollments, workers = BillLine._meta.db_table, Enrollment._meta.db_table, Worker._meta.db_table
    distinct = {(q.price, q.rule) for q in priced.values()}
    # A worker dead before the month is left out, read on the worker's row joined by its primary key (a probe per
    # line). Not "NOT IN (the dead)" nor "NOT EXISTS": PostgreSQL then hashes every dead worker of the country for
    # each program (220,000 in an 11-million registry: 250 ms a program, minutes over 2,000 programs).
    alive = "(w.died_on IS NULL OR w.died_on >= %s)"
    where = f"e.program_id = %s AND e.first_month <= %s AND e.last_month >= %s AND {alive}"
    joined = f"{enrollments} e JOIN {workers} w ON w.id = e.worker_id"
    if len(distinct) == 1:
        price, rule = distinct.pop()
        sql = (
            f"INSERT INTO {lines} (bill_id, enrollment_id, amount, rule) "  # noqa: S608 - names from models
            f"SELECT %s, e.id, %s, %s FROM {joined} WHERE {where}"
        )
        params: list[Any] = [bill.pk, int(price), rule, program.pk, month, month, month]
    else:
        amount_case = " ".join("WHEN %s THEN %s" for _ in priced)
        rule_case = " ".join("WHEN %s THEN %s" for _ in priced)
        sql = (
            f"INSERT INTO {lines} (bill_id, enrollment_id, amount, rule) "  # noqa: S608 - names from models
            f"SELECT %s, e.id, CASE w.occupation {amount_case} ELSE %s END, "
            f"CASE w.occupation {rule_case} ELSE %s END FROM {joined} WHERE {where}"
        )
        other = priced[Occupation.OTHER]
        params = [bill.pk]
        params += [x for job, q in priced.items() for x in (job, int(q.price))] + [int(other.price)]
        params += [x for job, q in priced.items() for x in (job, q.rule)] + [other.rule]
        params += [program.pk, month, month, month]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    totals = BillLine.objects.filter(bill=bill).aggregate(workers=Count("id"), amount=Sum("amount"))
    return {"workers": totals["workers"], "amount": totals["amount"] or Decimal(0)}


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
