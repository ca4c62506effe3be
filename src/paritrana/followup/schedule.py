"""The beasiswa schedule of one child of a worker who died: school year by school year, the level and the amount.

Pure: no Django, no database. The amounts, the levels and their years, the age limit and the number of children
come from the rules engine (``paritrana.rules``: ``beasiswa.levels``, ``beasiswa.max_age``,
``beasiswa.max_children``; PP 82/2019, reference/regulations.md section 2.2) in force on the claim's event date:
the entitlement is fixed when the worker dies, so a 2019 death keeps the rules of 2019.

    Level               per year     years   per child
    TK                  1,500,000    2        3,000,000
    SD                  1,500,000    6        9,000,000
    SMP                 2,000,000    3        6,000,000
    SMA                 3,000,000    3        9,000,000
    PT or training     12,000,000    5       60,000,000
    cap                                      87,000,000   (two children: 174,000,000)

How a schedule is built (the regulation gives the amounts; the calendar below is Paritrana's reading of it):

- A school year runs from 1 July to 30 June and is written ``2025/2026``. The first scholarship year is the school
  year in progress on the event date.
- The level follows the child's age on 1 July when it is not given: school starts in TK at 4 (``SCHOOL_AGE``), and
  each level lasts the years the rules give it (TK 4-5, SD 6-11, SMP 12-14, SMA 15-17, PT 18-22). A child below
  school age receives nothing in those years and starts when school starts (those years are listed as skipped).
  When the level (and the year within it) at the first scholarship year is given, the child moves up a year each
  school year and to the next level when a level's years are used up.
- A year is paid while the child is under 23 (``beasiswa.max_age``) when it begins (the event date for the first
  year) and has not married or started work before it begins; the total never passes the cap (the sum of every
  level's years, Rp87,000,000 per child).
- Each year is due by the end of its first semester (31 December), and never sooner than ``CLAIM_GRACE_DAYS``
  after the event (BPJS pays on a claim, which the heirs file after the death).
- Before PP 82/2019 (deaths up to 1 December 2019) the scholarship was one payment of Rp12,000,000 for one child:
  the schedule is that one payment in the school year of the death.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from paritrana.core.errors import N_, InvalidInput, OutOfRange
from paritrana.rules.benefits import benefit
from paritrana.rules.book import RuleBook, load_rules

__all__ = [
    "CLAIM_GRACE_DAYS",
    "SCHOOL_AGE",
    "Child",
    "Schedule",
    "ScheduledYear",
    "max_children",
    "parse_school_year",
    "scholarship_schedule",
    "school_year_of",
]

#: The age at which a child starts TK, the first beasiswa level (on 1 July of the school year).
SCHOOL_AGE = 4
#: The first year of a scholarship is due no sooner than this many days after the death (the heirs claim it).
CLAIM_GRACE_DAYS = 90
#: The level of the single payment before PP 82/2019.
SINGLE = "single"
SCHOOL_YEAR = re.compile(r"^\s*(\d{4})\s*/\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Child:
    """What the schedule needs to know about a child. ``level``/``grade``: the school level and the year within it
    at the first scholarship year, when known."""

    birth_date: date
    level: str = ""
    grade: int = 1
    married_on: date | None = None
    working_since: date | None = None


@dataclass(frozen=True)
class ScheduledYear:
    school_year: str
    starts: date
    level: str
    year_in_level: int
    age: int
    amount: Decimal
    due: date
    cumulative: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "school_year": self.school_year,
            "starts": self.starts.isoformat(),
            "level": self.level,
            "year_in_level": self.year_in_level,
            "age": self.age,
            "amount": int(self.amount),
            "due": self.due.isoformat(),
            "cumulative": int(self.cumulative),
        }


@dataclass(frozen=True)
class Schedule:
    """The years of one child's scholarship. ``end_reason``: age (the child turns 23 on ``ends_on``), marriage,
    work, cap (the per-child cap is reached), levels (every level's years are paid) or single (one payment)."""

    claim_date: date
    birth_date: date
    cap: Decimal
    max_age: int
    years: tuple[ScheduledYear, ...]
    end_reason: str
    ends_on: date | None
    skipped: tuple[str, ...] = ()
    citations: tuple[dict[str, str], ...] = field(default=(), compare=False)

    @property
    def total(self) -> Decimal:
        return sum((y.amount for y in self.years), Decimal(0))

    @property
    def turns_max_age(self) -> date:
        return _birthday(self.birth_date, self.max_age)

    def entry(self, school_year: str) -> ScheduledYear:
        """The scheduled year ``school_year``, or a clear refusal saying why there is none."""
        start = parse_school_year(school_year)
        label = f"{start}/{start + 1}"
        for year in self.years:
            if year.school_year == label:
                return year
        first = school_year_of(self.claim_date)
        if start < first:
            raise InvalidInput(
                N_("School year {value} is before the death on {date}: the scholarship starts in {first}."),
                field="school_year",
                value=label,
                date=self.claim_date.isoformat(),
                first=f"{first}/{first + 1}",
            )
        if label in self.skipped:
            raise InvalidInput(
                N_(
                    "In school year {value} the child was below school age: the scholarship starts when the child "
                    "starts school (TK at {age})."
                ),
                field="school_year",
                value=label,
                age=SCHOOL_AGE,
            )
        begins = max(date(start, 7, 1), self.claim_date)
        if begins >= self.turns_max_age:
            raise OutOfRange(
                N_("The child turned {age} on {date}: school year {value} is after the scholarship ended."),
                field="school_year",
                age=self.max_age,
                date=self.turns_max_age.isoformat(),
                value=label,
                minimum="-",
                maximum=f"{school_year_of(self.turns_max_age - timedelta(days=1))}",
            )
        last = self.years[-1].school_year if self.years else "-"
        if self.end_reason == "cap":
            raise OutOfRange(
                N_("The cap of Rp{cap} per child was reached in school year {last}: school year {value} is beyond it."),
                field="school_year",
                cap=f"{int(self.cap):,}".replace(",", "."),
                last=last,
                value=label,
                minimum="-",
                maximum=last,
            )
        if self.end_reason in ("marriage", "work"):
            raise InvalidInput(
                N_("The scholarship ended on {date} (the child married or started work): no school year {value}."),
                field="school_year",
                date=self.ends_on.isoformat() if self.ends_on else "-",
                value=label,
            )
        raise OutOfRange(
            N_("Every level of the scholarship is paid by school year {last}: no school year {value}."),
            field="school_year",
            last=last,
            value=label,
            minimum="-",
            maximum=last,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim_date": self.claim_date.isoformat(),
            "cap": int(self.cap),
            "total": int(self.total),
            "max_age": self.max_age,
            "turns_max_age": self.turns_max_age.isoformat(),
            "end_reason": self.end_reason,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
            "skipped": list(self.skipped),
            "years": [y.as_dict() for y in self.years],
            "citations": list(self.citations),
        }


def school_year_of(day: date) -> int:
    """The first calendar year of the school year (1 July - 30 June) that ``day`` falls in."""
    return day.year if day.month >= 7 else day.year - 1


def parse_school_year(text: str) -> int:
    """``2025/2026`` -> 2025; anything else is refused naming the field."""
    match = SCHOOL_YEAR.match(str(text or ""))
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        raise InvalidInput(
            N_("Write the school year as YYYY/YYYY, e.g. 2025/2026; got {value}."),
            field="school_year",
            value=str(text)[:20],
        )
    return int(match.group(1))


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February
        return date(born.year + age, 3, 1)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _due(start_year: int, claim_date: date) -> date:
    return max(date(start_year, 12, 31), claim_date + timedelta(days=CLAIM_GRACE_DAYS))


def max_children(claim_date: date, rules: RuleBook | None = None) -> int:
    """How many children of one death the scholarship covers (one before PP 82/2019)."""
    entry = (rules or load_rules()).find("beasiswa.max_children", claim_date)
    return int(entry.value) if entry is not None else 1


def scholarship_schedule(
    child: Child,
    *,
    claim_date: date,
    cause: str,
    contribution_years: Any = None,
    rules: RuleBook | None = None,
) -> Schedule:
    """The schedule of ``child`` for a death on ``claim_date`` (``cause`` jkm or jkk; a JKM death needs
    ``contribution_years``). Raises when the child is not entitled (a JKM death with too few years of
    contributions, a child already 23 or married or working at the death, an unknown level)."""
    book = rules or load_rules()
    if child.birth_date > claim_date + timedelta(days=300):
        raise InvalidInput(
            N_("The birth date {value} is too long after the death on {date}."),
            field="birth_date",
            value=child.birth_date.isoformat(),
            date=claim_date.isoformat(),
        )

    def priced(spec: Any) -> Any:
        return benefit(
            "beasiswa",
            on=claim_date,
            rules=book,
            children=[spec],
            cause=cause,
            contribution_years=contribution_years,
        )

    levels_entry = book.find("beasiswa.levels", claim_date)
    if levels_entry is None:  # before PP 82/2019: one payment for one child
        result = priced({"level": "sd"})
        amount = result.total
        start = school_year_of(claim_date)
        year = ScheduledYear(
            f"{start}/{start + 1}",
            date(start, 7, 1),
            SINGLE,
            1,
            _age(child.birth_date, claim_date),
            amount,
            _due(start, claim_date),
            amount,
        )
        citations = tuple(c.as_dict() for c in result.citations)
        return Schedule(claim_date, child.birth_date, amount, 23, (year,), "single", None, (), citations)

    levels = list(levels_entry.value)
    order = [str(lv["level"]) for lv in levels]
    years_of = {str(lv["level"]): int(lv["years"]) for lv in levels}
    max_age = int(book.get("beasiswa.max_age", claim_date).value)
    whole = priced({"level": order[0]})
    if not whole.components:  # a JKM death with fewer years of contributions than the rules ask
        need = int(book.get("beasiswa.jkm_min_contribution_years", claim_date).value)
        raise InvalidInput(
            N_("A JKM death gives the scholarship after at least {n} years of contributions; the worker had {value}."),
            field="contribution_years",
            n=need,
            value=contribution_years,
        )
    cap = whole.total
    citations = tuple(c.as_dict() for c in whole.citations)
    per_year: dict[str, Decimal] = {}

    def price(level: str) -> Decimal:
        if level not in per_year:
            per_year[level] = priced({"level": level, "years": 1}).total
        return per_year[level]

    level = child.level.lower().strip()
    if level and level not in order:
        raise InvalidInput(
            N_("Unknown school level {value}; valid levels: {valid}."),
            field="level",
            value=level,
            valid=", ".join(order),
        )
    grade = int(child.grade or 1)
    if level and not 1 <= grade <= years_of[level]:
        raise OutOfRange(field="grade", minimum=1, maximum=years_of[level], value=grade)

    # The age bands of the levels when the level follows the age: TK from SCHOOL_AGE, each band its years long.
    bands: list[tuple[str, int, int]] = []
    low = SCHOOL_AGE
    for name in order:
        bands.append((name, low, low + years_of[name] - 1))
        low += years_of[name]

    turns = _birthday(child.birth_date, max_age)
    stops = [(d, why) for d, why in ((child.married_on, "marriage"), (child.working_since, "work")) if d is not None]
    if claim_date >= turns:
        raise OutOfRange(
            N_("The child turned {age} on {date}, before the death: no scholarship."),
            field="birth_date",
            age=max_age,
            date=turns.isoformat(),
            minimum="-",
            maximum="-",
        )

    scheduled: list[ScheduledYear] = []
    skipped: list[str] = []
    cumulative = Decimal(0)
    end_reason: str = "age"
    ends_on: date | None = turns
    position: tuple[str, int] | None = (level, grade) if level else None
    start = school_year_of(claim_date)
    while True:
        begins = max(date(start, 7, 1), claim_date)
        label = f"{start}/{start + 1}"
        if begins >= turns:
            break
        stop = next(((d, why) for d, why in sorted(stops) if d <= begins), None)
        if stop is not None:
            end_reason, ends_on = stop[1], stop[0]
            break
        age_july = _age(child.birth_date, date(start, 7, 1))
        if position is None:
            band = next(((n, lo) for n, lo, hi in bands if lo <= age_july <= hi), None)
            if band is None:
                if age_july < SCHOOL_AGE:
                    skipped.append(label)
                    start += 1
                    continue
                end_reason, ends_on = "levels", None
                break
            current, year_in_level = band[0], age_july - band[1] + 1
        else:
            current, year_in_level = position
        remaining = cap - cumulative
        if remaining <= 0:
            end_reason, ends_on = "cap", None
            break
        amount = min(price(current), remaining)
        cumulative += amount
        scheduled.append(
            ScheduledYear(
                label, date(start, 7, 1), current, year_in_level, age_july, amount, _due(start, claim_date), cumulative
            )
        )
        if position is not None:
            if year_in_level < years_of[current]:
                position = (current, year_in_level + 1)
            elif order.index(current) + 1 < len(order):
                position = (order[order.index(current) + 1], 1)
            else:
                end_reason, ends_on = ("cap" if cumulative >= cap else "levels"), None
                break
        start += 1
    if end_reason == "age" and cumulative >= cap:
        end_reason, ends_on = "cap", None
    return Schedule(
        claim_date, child.birth_date, cap, max_age, tuple(scheduled), end_reason, ends_on, tuple(skipped), citations
    )
