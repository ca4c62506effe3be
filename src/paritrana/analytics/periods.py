"""Periods of the indicators: a month (``2024-12``), a quarter (``2024Q4``) or a year (``2024``). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from paritrana.core.dates import add_months, months_between
from paritrana.core.errors import N_, InvalidInput

__all__ = ["PERIOD_TYPES", "Period"]

PERIOD_TYPES = ("month", "quarter", "year")
_PATTERNS = {
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})[Qq]([1-4])$"),
    "year": re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    """A run of whole months, ``first`` to ``last`` (first days of months)."""

    first: date
    last: date
    type: str

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        for kind, pattern in _PATTERNS.items():
            match = pattern.match(text)
            if not match:
                continue
            year = int(match.group(1))
            if kind == "month":
                month = int(match.group(2))
                if not 1 <= month <= 12:
                    break
                first = date(year, month, 1)
                return cls(first, first, kind)
            if kind == "quarter":
                first = date(year, 3 * int(match.group(2)) - 2, 1)
                return cls(first, add_months(first, 2), kind)
            return cls(date(year, 1, 1), date(year, 12, 1), kind)
        raise InvalidInput(
            N_("'{value}' is not a period: write a month (2024-12), a quarter (2024Q4) or a year (2024)."),
            field="period",
            value=text,
        )

    @classmethod
    def of_month(cls, month: date) -> Period:
        first = month.replace(day=1)
        return cls(first, first, "month")

    @property
    def label(self) -> str:
        if self.type == "month":
            return f"{self.first:%Y-%m}"
        if self.type == "quarter":
            return f"{self.first.year}Q{(self.first.month + 2) // 3}"
        return str(self.first.year)

    @property
    def year(self) -> int:
        return self.last.year

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    def shifted(self, months: int) -> Period:
        """The same kind of period ``months`` later (negative: earlier)."""
        return Period(add_months(self.first, months), add_months(self.last, months), self.type)

    def previous(self) -> Period:
        return self.shifted(-len(self.months))

    def __str__(self) -> str:
        return self.label
