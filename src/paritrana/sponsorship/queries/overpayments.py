"""Overpayment: bill lines for months after a worker's death."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from paritrana.core.permissions import require
from paritrana.sponsorship.queries.budget import _monev_programs


def _overpaid_lines(
    user: Any, fiscal_year: int | None, program: int | None, region: str, sponsor: int | None = None, opd: str = ""
) -> QuerySet[Any]:
    """Bill lines of the programs in the user's scope for a month that began after the worker died."""
    from django.db.models import F

    from paritrana.sponsorship.models import BillLine

    programs = _monev_programs(user, fiscal_year, program, region, sponsor, opd)
    # The marked lines (a small partial index per bill) rather than every line of every dead worker in scope: at a
    # province's 11,000 dead enrollments that was 2.4 s (docs/performance.md, "overpayments"). The dates are checked
    # again, so a mark left behind can never list a line.
    return BillLine.objects.filter(
        after_death=True, bill__program__in=programs, bill__month__gt=F("enrollment__worker__died_on")
    )


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
        .order_by(
            "bill__program__sponsor__name", "bill__program__name", "enrollment__worker__name", "bill__month", "pk"
        )
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
