"""A worker's coverage month by month: one rule (``coverage_status`` in Python, ``covered_expr`` in SQL)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from paritrana.core.dates import months_between, today
from paritrana.sponsorship.choices import Coverage
from paritrana.sponsorship.models import Bill, Enrollment
from paritrana.sponsorship.queries.scoped import bills_for


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
