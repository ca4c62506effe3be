"""Dates as the people using Paritrana see them: today is today in Indonesia's western time zone (WIB)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def today() -> date:
    """Today's date in Asia/Jakarta (a server in UTC would otherwise be a day behind until 07:00 WIB)."""
    return datetime.now(JAKARTA).date()


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month`` (before it when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every first-of-month from ``first`` to ``last``, both included."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, i) for i in range(max(count, 0))]
