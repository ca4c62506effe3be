"""Contributions (iuran) per segment, priced by the rules in force in the month priced.

Every amount is ``round_rupiah(base x rate x relief)``: one half-up rounding per program per worker-month
(see ``paritrana.core.money``). Rates are percentages from ``data/rates.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from paritrana.core.errors import N_, InvalidInput, NotInForce, OutOfRange
from paritrana.core.money import round_rupiah, to_rupiah
from paritrana.rules.book import Citation, RuleBook, load_rules

__all__ = ["PROGRAMS", "SEGMENTS", "Quote", "due_date", "quote"]

SEGMENTS = ("pu", "bpu", "jakon", "pmi")
PROGRAMS = {
    "pu": ("jkk", "jkm", "jht", "jp", "jkp"),
    "bpu": ("jkk", "jkm", "jht"),
    "jakon": ("jkk", "jkm"),
    "pmi": ("jkk", "jkm"),
}
PROGRAMS_START = date(2015, 7, 1)  # PP 44, 45 and 46 of 2015 took effect on 1 July 2015
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Quote:
    """A priced contribution. ``per_worker_monthly`` is one worker's month (jakon: the project; pmi: the package)."""

    segment: str
    on: date
    programs: tuple[str, ...]
    months: int
    workers: int
    per_worker_monthly: dict[str, Decimal]
    payers: dict[str, Decimal]
    citations: tuple[Citation, ...]
    notes: tuple[str, ...] = ()
    clamped: bool = False
    deferred: dict[str, Decimal] = field(default_factory=dict)
    allocations: dict[str, Decimal] = field(default_factory=dict)

    @property
    def per_worker_total(self) -> Decimal:
        return sum(self.per_worker_monthly.values(), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.per_worker_total * self.months * self.workers

    def as_dict(self) -> dict[str, Any]:
        def ints(d: dict[str, Decimal]) -> dict[str, int]:
            return {k: int(v) for k, v in d.items()}

        out: dict[str, Any] = {
            "segment": self.segment,
            "date": self.on.isoformat(),
            "programs": list(self.programs),
            "months": self.months,
            "workers": self.workers,
            "per_worker_monthly": {**ints(self.per_worker_monthly), "total": int(self.per_worker_total)},
            "total": int(self.total),
            "payers": ints(self.payers),
            "citations": [c.as_dict() for c in self.citations],
            "notes": list(self.notes),
            "clamped": self.clamped,
        }
        if self.deferred:
            out["deferred"] = ints(self.deferred)
        if self.allocations:
            out["allocations"] = ints(self.allocations)
        return out


class _Pricer:
    """Collects amounts, payer shares and the citations used while pricing one worker-month."""

    def __init__(self, book: RuleBook, on: date) -> None:
        self.book, self.on = book, on
        self.amounts: dict[str, Decimal] = {}
        self.payers: dict[str, Decimal] = {}
        self.citations: dict[tuple[str, date], Citation] = {}
        self.notes: list[str] = []
        self.deferred: dict[str, Decimal] = {}
        self.allocations: dict[str, Decimal] = {}

    def value(self, key: str, subject: str | None = None) -> Any:
        entry = self.book.get(key, self.on, subject=subject)
        self.citations[(key, entry.effective_from)] = entry.citation
        return entry.value

    def pct(self, key: str, subject: str | None = None) -> Decimal:
        return Decimal(str(self.value(key, subject)))

    def relief(self, key: str) -> Decimal:
        """The payable share under PP 49/2020 (1 = 100%), or 1 outside the relief months."""
        entry = self.book.find(key, self.on)
        if entry is None:
            return Decimal(1)
        self.citations[(key, entry.effective_from)] = entry.citation
        return Decimal(str(entry.value)) / HUNDRED

    def add(self, program: str, amount: Decimal, payer: str) -> None:
        self.amounts[program] = self.amounts.get(program, Decimal(0)) + amount
        self.payers[payer] = self.payers.get(payer, Decimal(0)) + amount


def _share(base: Decimal, pct: Decimal, factor: Decimal = Decimal(1)) -> Decimal:
    return round_rupiah(base * pct / HUNDRED * factor)


def _positive_int(value: Any, name: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise OutOfRange(field=name, minimum=1, maximum=maximum, value=value)
    return value


def _check_programs(segment: str, programs: Sequence[str]) -> tuple[str, ...]:
    if segment not in SEGMENTS:
        raise InvalidInput(
            N_("Unknown segment {value}; valid segments: {valid}."),
            field="segment",
            value=segment,
            valid=", ".join(SEGMENTS),
        )
    chosen = tuple(dict.fromkeys(p.strip().lower() for p in programs if p.strip()))
    if not chosen:
        raise InvalidInput(
            N_("Choose at least one program: {valid}."), field="programs", valid=", ".join(PROGRAMS[segment])
        )
    wrong = [p for p in chosen if p not in PROGRAMS[segment]]
    if wrong:
        raise InvalidInput(
            N_("{programs} not available for segment {segment}; valid programs: {valid}."),
            field="programs",
            programs=", ".join(wrong),
            segment=segment,
            valid=", ".join(PROGRAMS[segment]),
        )
    return chosen


def due_date(month: date, *, rules: RuleBook | None = None) -> date:
    """The day a month's contribution is due: the 15th of the next month (the 30th under PP 49/2020)."""
    book = rules or load_rules()
    first = month.replace(day=1)
    relief = book.find("relief.due_day", first)
    day = int((relief or book.get("due_day", first)).value)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt.replace(day=min(day, 28 if nxt.month == 2 else day))


def quote(
    *,
    segment: str,
    on: date,
    programs: Sequence[str],
    months: int = 1,
    workers: int = 1,
    income: Any = None,
    wage: Any = None,
    risk_group: Any = None,
    contract_value: Any = None,
    contract_months: Any = None,
    payer: str = "worker",
    clamp: bool = False,
    rules: RuleBook | None = None,
) -> Quote:
    """Price ``programs`` of ``segment`` for ``workers`` x ``months`` at the rules in force on ``on``."""
    segment = str(segment).lower()
    chosen = _check_programs(segment, programs)
    months = _positive_int(months, "months", 600)
    workers = _positive_int(workers, "workers", 100_000_000)
    if on < PROGRAMS_START:
        raise NotInForce(subject=segment.upper(), date=on.isoformat())
    p = _Pricer(rules or load_rules(), on)
    clamped = False
    if segment == "bpu":
        if payer not in ("worker", "sponsor"):
            raise InvalidInput(field="payer", value=payer)
        clamped = _bpu(p, chosen, income, payer, clamp)
    elif segment == "pu":
        _pu(p, chosen, wage, risk_group)
    elif segment == "jakon":
        _jakon(p, chosen, contract_value)
        months, workers = 1, 1
        p.notes.append("Jasa konstruksi is paid once per project, on the contract value before VAT.")
    else:
        _pmi(p, chosen, contract_months)
        months = 1
        p.notes.append("PMI pays one package per worker for the whole contract (pre-placement + placement).")
    scale = months * workers
    return Quote(
        segment=segment,
        on=on,
        programs=chosen,
        months=months,
        workers=workers,
        per_worker_monthly=p.amounts,
        payers={k: v * scale for k, v in p.payers.items()},
        citations=tuple(p.citations.values()),
        notes=tuple(p.notes),
        clamped=clamped,
        deferred={k: v * scale for k, v in p.deferred.items()},
        allocations={k: v * scale for k, v in p.allocations.items()},
    )


def _bpu(p: _Pricer, programs: tuple[str, ...], income: Any, payer: str, clamp: bool) -> bool:
    if income is None:
        raise InvalidInput(N_("Give the declared monthly income (income) for BPU."), field="income")
    amount = to_rupiah(income, field="income")
    low = to_rupiah(p.value("bpu.income_min"), field="bpu.income_min")
    high = to_rupiah(p.value("bpu.income_max"), field="bpu.income_max")
    clamped = False
    if not low <= amount <= high:
        if not clamp:
            raise OutOfRange(field="income", minimum=int(low), maximum=int(high), value=int(amount))
        clamped_to = min(max(amount, low), high)
        p.notes.append(
            f"Declared income {int(amount)} was clamped to {int(clamped_to)} (valid {int(low)}-{int(high)})."
        )
        amount, clamped = clamped_to, True
    relief = p.relief("relief.jkk_jkm_payable_pct")
    if "jkk" in programs:
        p.add("jkk", _share(amount, p.pct("bpu.jkk_pct"), relief), payer)
    if "jkm" in programs:
        p.add("jkm", round_rupiah(Decimal(str(p.value("bpu.jkm"))) * relief), payer)
    if "jht" in programs:
        p.add("jht", _share(amount, p.pct("bpu.jht_pct")), payer)
    return clamped


def _pu(p: _Pricer, programs: tuple[str, ...], wage: Any, risk_group: Any) -> None:
    if wage is None:
        raise InvalidInput(N_("Give the monthly wage (wage) for PU."), field="wage")
    base = to_rupiah(wage, field="wage")
    if base <= 0:
        raise OutOfRange(field="wage", minimum=1, maximum="-", value=int(base))
    relief = p.relief("relief.jkk_jkm_payable_pct")
    if "jkk" in programs:
        if isinstance(risk_group, bool) or risk_group not in (1, 2, 3, 4, 5, "1", "2", "3", "4", "5"):
            raise InvalidInput(
                N_("risk_group must be 1, 2, 3, 4 or 5; got {value}."), field="risk_group", value=risk_group
            )
        p.add("jkk", _share(base, p.pct(f"pu.jkk.{int(risk_group)}_pct"), relief), "employer")
    if "jkm" in programs:
        p.add("jkm", _share(base, p.pct("pu.jkm_pct"), relief), "employer")
    if "jht" in programs:
        p.add("jht", _share(base, p.pct("pu.jht.employer_pct")), "employer")
        p.add("jht", _share(base, p.pct("pu.jht.worker_pct")), "worker")
    if "jp" in programs:
        cap = Decimal(str(p.value("pu.jp.wage_cap", "JP")))
        jp_base = min(base, cap)
        if jp_base < base:
            p.notes.append(f"JP is computed on the wage cap Rp{int(cap):,} in force on this date.".replace(",", "."))
        payable = p.relief("relief.jp_payable_pct")
        for who in ("employer", "worker"):
            pct = p.pct(f"pu.jp.{who}_pct")
            full, paid = _share(jp_base, pct), _share(jp_base, pct, payable)
            p.add("jp", paid, who)
            if full != paid:
                p.deferred[f"jp_{who}"] = full - paid
        if p.deferred:
            p.notes.append("PP 49/2020: 99% of the JP contribution is deferred (see deferred).")
    if "jkp" in programs:
        cap = Decimal(str(p.value("pu.jkp.wage_cap", "JKP")))
        jkp_base = min(base, cap)
        p.add("jkp", _share(jkp_base, p.pct("pu.jkp.government_pct", "JKP")), "government")
        # The recomposed parts are carved out of the employer's JKK and JKM: no extra cost, shown for transparency.
        p.allocations["jkp_from_jkk"] = _share(jkp_base, p.pct("pu.jkp.from_jkk_pct", "JKP"))
        from_jkm = _share(jkp_base, p.pct("pu.jkp.from_jkm_pct", "JKP"))
        if from_jkm:
            p.allocations["jkp_from_jkm"] = from_jkm
        p.notes.append(
            "JKP: the government pays its share; the parts from JKK and JKM are redirected from the "
            "employer's contributions, not added (see allocations)."
        )


def _jakon(p: _Pricer, programs: tuple[str, ...], contract_value: Any) -> None:
    if contract_value is None:
        raise InvalidInput(N_("Give the contract value (contract_value) for jasa konstruksi."), field="contract_value")
    value = to_rupiah(contract_value, field="contract_value")
    if value <= 0:
        raise OutOfRange(field="contract_value", minimum=1, maximum="-", value=int(value))
    tiers = p.value("jakon.tiers")
    for program in programs:
        exact, lower = Decimal(0), Decimal(0)
        for tier in tiers:
            upper = Decimal(tier["up_to"]) if tier["up_to"] else value
            portion = min(value, upper) - lower
            if portion <= 0:
                break
            exact += portion * Decimal(tier[f"{program}_pct"]) / HUNDRED
            lower = upper
        p.add(program, round_rupiah(exact), "employer")


def _pmi(p: _Pricer, programs: tuple[str, ...], contract_months: Any) -> None:
    if set(programs) != {"jkk", "jkm"}:
        raise InvalidInput(N_("PMI pays JKK and JKM together; choose both."), field="programs")
    if isinstance(contract_months, bool) or not isinstance(contract_months, int) or contract_months < 1:
        raise InvalidInput(N_("Give the contract length in whole months (contract_months)."), field="contract_months")
    terms = {int(k): Decimal(v) for k, v in p.value("pmi.placement").items()}
    shortest = min(terms)
    if contract_months < shortest:
        raise OutOfRange(field="contract_months", minimum=shortest, maximum="-", value=contract_months)
    term = max(t for t in terms if t <= contract_months)
    extra = contract_months - term
    p.add("pra_penempatan", Decimal(str(p.value("pmi.pre_placement"))), "worker")
    placement = terms[term] + extra * Decimal(str(p.value("pmi.extra_month")))
    p.add("penempatan", placement, "worker")
    if extra:
        p.notes.append(f"{contract_months} months = the {term}-month amount + {extra} extra month(s).")
