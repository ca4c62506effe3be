"""Roster pricing: a whole sponsor's workers x months at once, vectorised with NumPy, exact to the rupiah.

Each rate is an exact fraction (percent / 100 x relief share), and each amount is ``(2 x base x num + den) //
(2 x den)``: integer half-up rounding, the same rule as ``paritrana.core.money.round_rupiah`` applied by ``quote``,
so a roster priced here equals the sum of its rows priced one by one (a property test checks it). Rules are looked
up once per distinct date, then broadcast to the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from paritrana.core.errors import N_, InvalidInput, NotInForce, OutOfRange
from paritrana.rules.book import RuleBook, load_rules
from paritrana.rules.contributions import FUNDERS, PROGRAMS, PROGRAMS_START, discounts_for

__all__ = ["RosterPrices", "price_roster"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RosterPrices:
    """Per row (one worker-month): the amount of each program, in whole rupiah."""

    amounts: dict[str, IntArray]

    @property
    def total(self) -> IntArray:
        return np.sum(np.stack(list(self.amounts.values())), axis=0) if self.amounts else np.zeros(0, np.int64)

    @property
    def grand_total(self) -> int:
        return int(self.total.sum())


def _frac(value: Any) -> Fraction:
    return Fraction(Decimal(str(value)))


def _apply(base: IntArray, rate: list[Fraction], inverse: IntArray) -> IntArray:
    """round_half_up(base x rate[date of row]) with integer arithmetic."""
    den = np.lcm.reduce([r.denominator for r in rate]) if rate else 1
    num = np.array([r.numerator * (den // r.denominator) for r in rate], dtype=np.int64)[inverse]
    return (2 * base * num + den) // (2 * den)


def price_roster(
    *,
    segment: str,
    dates: Sequence[date] | npt.NDArray[Any],
    programs: Sequence[str],
    income: npt.ArrayLike | None = None,
    wage: npt.ArrayLike | None = None,
    risk_group: npt.ArrayLike | None = None,
    funder: str = "mandiri",
    occupation: npt.ArrayLike | None = None,
    rules: RuleBook | None = None,
) -> RosterPrices:
    """Price one row per worker-month. ``dates``: the date each row is priced at (as ``quote(on=...)``);
    ``income`` (BPU) or ``wage`` and ``risk_group`` (PU): whole rupiah per row; ``funder`` of the whole roster and
    ``occupation`` per row (registry codes) decide the discounts, as in ``quote``. Segments: bpu and pu."""
    book = rules or load_rules()
    segment = segment.lower()
    if segment not in ("bpu", "pu"):
        raise InvalidInput(N_("Roster pricing covers bpu and pu; got {value}."), field="segment", value=segment)
    wrong = [p for p in programs if p not in PROGRAMS[segment]]
    if wrong or not programs:
        raise InvalidInput(
            N_("{programs} not available for segment {segment}; valid programs: {valid}."),
            field="programs",
            programs=", ".join(wrong) or "-",
            segment=segment,
            valid=", ".join(PROGRAMS[segment]),
        )
    if funder not in FUNDERS:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."), field="funder", value=funder, valid=", ".join(FUNDERS)
        )
    day = np.asarray(dates, dtype="datetime64[D]")
    jobs = np.broadcast_to(np.asarray(occupation if occupation is not None else "", dtype=object), day.shape)
    unique_days, day_index = np.unique(day, return_inverse=True)
    unique_jobs, job_index = np.unique(jobs.astype(str), return_inverse=True)
    # Rules are looked up once per distinct (date, occupation) group, then broadcast to the rows.
    cells, inverse = np.unique(day_index * len(unique_jobs) + job_index, return_inverse=True)
    on = [unique_days[c // len(unique_jobs)].astype(object) for c in cells]
    job_of = [str(unique_jobs[c % len(unique_jobs)]) or None for c in cells]
    if on and min(on) < PROGRAMS_START:
        raise NotInForce(subject=segment.upper(), date=min(on).isoformat())

    def rates(key: str, subject: str | None = None) -> list[Fraction]:
        return [_frac(book.get(key, d, subject=subject).value) / 100 for d in on]

    def relief(key: str) -> list[Fraction]:
        entries = [book.find(key, d) for d in on]
        return [Fraction(1) if e is None else _frac(e.value) / 100 for e in entries]

    def amounts_of(key: str) -> list[Fraction]:
        return [_frac(book.get(key, d).value) for d in on]

    def discount_share(program: str) -> list[Fraction]:
        out = []
        for d, job in zip(on, job_of, strict=True):
            share = Fraction(1)
            for found in discounts_for(book, d, segment=segment, funder=funder, occupation=job)[0]:
                if program in found.programs:
                    share *= _frac(found.payable)
            out.append(share)
        return out

    out: dict[str, IntArray] = {}
    if segment == "bpu":
        base = _ints(income, "income", len(day))
        low, high = amounts_of("bpu.income_min"), amounts_of("bpu.income_max")
        lo = np.array([int(x) for x in low], np.int64)[inverse]
        hi = np.array([int(x) for x in high], np.int64)[inverse]
        bad = np.flatnonzero((base < lo) | (base > hi))
        if bad.size:
            raise OutOfRange(
                field="income",
                minimum=int(low[0]),
                maximum=int(high[0]),
                value=int(base[bad[0]]),
                row=int(bad[0]) + 1,
                rows_out_of_range=int(bad.size),
            )
        cut = relief("relief.jkk_jkm_payable_pct")
        if "jkk" in programs:
            share = [c * d for c, d in zip(cut, discount_share("jkk"), strict=True)]
            out["jkk"] = _apply(base, [r * c for r, c in zip(rates("bpu.jkk_pct"), share, strict=True)], inverse)
        if "jkm" in programs:
            share = [c * d for c, d in zip(cut, discount_share("jkm"), strict=True)]
            out["jkm"] = _apply(
                np.ones_like(base), [a * c for a, c in zip(amounts_of("bpu.jkm"), share, strict=True)], inverse
            )
        if "jht" in programs:
            out["jht"] = _apply(base, rates("bpu.jht_pct"), inverse)
        return RosterPrices(out)

    base = _ints(wage, "wage", len(day))
    bad = np.flatnonzero(base <= 0)
    if bad.size:
        raise OutOfRange(field="wage", minimum=1, maximum="-", value=int(base[bad[0]]), row=int(bad[0]) + 1)
    cut = relief("relief.jkk_jkm_payable_pct")
    if "jkk" in programs:
        groups = _ints(risk_group, "risk_group", len(day))
        if np.any((groups < 1) | (groups > 5)):
            row = int(np.flatnonzero((groups < 1) | (groups > 5))[0])
            raise InvalidInput(
                N_("risk_group must be 1, 2, 3, 4 or 5; got {value}."),
                field="risk_group",
                value=int(groups[row]),
                row=row + 1,
            )
        jkk = np.zeros_like(base)
        share = [c * d for c, d in zip(cut, discount_share("jkk"), strict=True)]
        for g in range(1, 6):
            rows = groups == g
            if rows.any():
                rate = [r * c for r, c in zip(rates(f"pu.jkk.{g}_pct"), share, strict=True)]
                jkk[rows] = _apply(base[rows], rate, inverse[rows])
        out["jkk"] = jkk
    if "jkm" in programs:
        out["jkm"] = _apply(base, [r * c for r, c in zip(rates("pu.jkm_pct"), cut, strict=True)], inverse)
    if "jht" in programs:
        out["jht"] = _apply(base, rates("pu.jht.employer_pct"), inverse) + _apply(
            base, rates("pu.jht.worker_pct"), inverse
        )
    if "jp" in programs:
        cap = np.array([int(a) for a in amounts_of("pu.jp.wage_cap")], np.int64)[inverse]
        jp_base = np.minimum(base, cap)
        payable = relief("relief.jp_payable_pct")
        out["jp"] = sum(
            (
                _apply(jp_base, [r * p for r, p in zip(rates(f"pu.jp.{who}_pct"), payable, strict=True)], inverse)
                for who in ("employer", "worker")
            ),
            np.zeros_like(base),
        )
    if "jkp" in programs:
        cap = np.array([int(a) for a in amounts_of("pu.jkp.wage_cap")], np.int64)[inverse]
        out["jkp"] = _apply(np.minimum(base, cap), rates("pu.jkp.government_pct", "JKP"), inverse)
    return RosterPrices(out)


def _ints(values: npt.ArrayLike | None, name: str, n: int) -> IntArray:
    if values is None:
        raise InvalidInput(N_("Give {field}."), field=name)
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise InvalidInput(
                N_("{field} must be a whole number of rupiah; got {value}."), field=name, value="a fraction"
            )
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise InvalidInput(N_("{field} must be a whole number of rupiah; got {value}."), field=name, value=arr.dtype)
    return np.broadcast_to(arr.astype(np.int64), (n,))
