"""Pure calculations of the budget monev: serapan, and the cumulative figures of a fiscal year month by month.

No ORM, no I/O: ``sponsorship.queries`` gathers the pagu, the enrollments' costs and the bills of a fiscal year
and hands them here. This module is the one home of two rules that monev, its exports and the follow-up sessions
share:

- **serapan** (absorption) = paid / pagu, as a percentage (:func:`serapan`);
- a bill's **paid** counts up to its amount (:func:`absorbed`): an overpayment is money to return, not budget
  absorbed. So paid never exceeds billed, month by month and in total.

The monthly series (:func:`cumulative_series`) runs from January of the fiscal year to December, or further when a
program of that year covers months of the next (a program may start in June for twelve months). Per month:

- ``pagu``: the pagu of the year's programs (a ceiling: the same every month);
- ``committed``: the enrollments' cost spread evenly over the months each covers (whole rupiah, the remainder in
  its last month), summed up to that month: in the last month it is the whole commitment;
- ``billed`` and ``paid``: the bills of the coverage months up to that month (paid as :func:`absorbed`);
- serapan of the month: cumulative paid / pagu.

Money is ``Decimal`` in whole rupiah; only the percentage is a float (a figure to show, never to add).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from paritrana.core.dates import add_months  # plain datetime arithmetic, no Django

__all__ = ["MonthFigures", "absorbed", "cumulative_series", "month_index", "serapan", "spread"]

ZERO = Decimal(0)


def serapan(paid: Decimal | int, pagu: Decimal | int) -> float:
    """Serapan in percent: paid / pagu x 100; 0 when there is no pagu."""
    return float(Decimal(paid) * 100 / Decimal(pagu)) if pagu else 0.0


def absorbed(amount: Decimal, paid: Decimal) -> Decimal:
    """What a bill's payments absorb of the budget: the paid amount, up to the bill's amount."""
    return min(paid, amount)


def month_index(fiscal_year: int, month: date) -> int:
    """The month's place in the fiscal year: 1 for January, 12 for December, 13 for the January after."""
    return (month.year - fiscal_year) * 12 + month.month


def spread(cost: Decimal, first: date, last: date) -> dict[date, Decimal]:
    """``cost`` over the months from ``first`` to ``last`` (first days of months, both included): the same whole
    rupiah each month, the remainder in the last, so that the months add up to ``cost`` exactly."""
    count = max((last.year - first.year) * 12 + last.month - first.month + 1, 1)
    each = (cost / count).quantize(Decimal(1), rounding=ROUND_DOWN)
    out = {add_months(first, i): each for i in range(count - 1)}
    out[add_months(first, count - 1)] = cost - each * (count - 1)
    return out


@dataclass(frozen=True)
class MonthFigures:
    """The cumulative figures of a fiscal year up to the end of one month."""

    index: int
    month: date
    pagu: Decimal
    committed: Decimal
    billed: Decimal
    paid: Decimal

    @property
    def serapan_pct(self) -> float:
        return serapan(self.paid, self.pagu)

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month.isoformat()[:7],
            "index": self.index,
            "pagu": int(self.pagu),
            "committed": int(self.committed),
            "billed": int(self.billed),
            "paid": int(self.paid),
            "serapan_pct": round(self.serapan_pct, 2),
        }


def cumulative_series(
    *,
    fiscal_year: int,
    pagu: Decimal,
    commitments: Iterable[tuple[date, date, Decimal]],
    bills: Iterable[tuple[date, Decimal, Decimal]],
) -> list[MonthFigures]:
    """The year month by month, cumulative (see the module docstring).

    ``commitments``: (first month, last month, cost) of enrollments, or of groups of enrollments sharing their
    months. ``bills``: (month, amount, paid) of each bill. Months are first days of months."""
    committed: dict[date, Decimal] = {}
    for first, last, cost in commitments:
        for month, amount in spread(Decimal(cost), first, last).items():
            committed[month] = committed.get(month, ZERO) + amount
    billed: dict[date, Decimal] = {}
    paid: dict[date, Decimal] = {}
    for month, amount, paid_amount in bills:
        billed[month] = billed.get(month, ZERO) + amount
        paid[month] = paid.get(month, ZERO) + absorbed(amount, paid_amount)
    january = date(fiscal_year, 1, 1)
    seen = [*committed, *billed]
    start = min([january, *seen])
    end = max([date(fiscal_year, 12, 1), *seen])
    out: list[MonthFigures] = []
    totals = [ZERO, ZERO, ZERO]
    month = start
    while month <= end:
        totals = [
            totals[0] + committed.get(month, ZERO),
            totals[1] + billed.get(month, ZERO),
            totals[2] + paid.get(month, ZERO),
        ]
        out.append(MonthFigures(month_index(fiscal_year, month), month, Decimal(pagu), *totals))
        month = add_months(month, 1)
    return out
