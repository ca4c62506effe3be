"""Contributions (iuran) per segment, priced by the rules in force in the month priced.

Every amount is ``round_rupiah(base x rate x relief x discount)``: one half-up rounding per program per
worker-month (see ``paritrana.core.money``). Rates are percentages from ``data/rates.toml``.

Who pays decides some prices: a discount (``discount.*`` entries, e.g. PP 50/2025 for BPU) names the funders it
excludes and the occupations or industries it covers; the quote says which discounts applied, which did not and why.
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

__all__ = [
    "EMPLOYER_SIZES",
    "FUNDERS",
    "INDUSTRIES",
    "PROGRAMS",
    "SEGMENTS",
    "AppliedDiscount",
    "Quote",
    "discounts_for",
    "due_date",
    "late_charge",
    "quote",
]

SEGMENTS = ("pu", "bpu", "jakon", "pmi")
PROGRAMS = {
    "pu": ("jkk", "jkm", "jht", "jp", "jkp"),
    "bpu": ("jkk", "jkm", "jht"),
    "jakon": ("jkk", "jkm"),
    "pmi": ("jkk", "jkm"),
}
#: Who pays the iuran (the registry's and the coverage facts' funder vocabulary; ``other``: donors and the like).
FUNDERS = ("apbd", "apbdes", "apbn", "csr", "mandiri", "other")
#: Size of a PU employer (Perpres 109/2013), with the English words accepted too.
EMPLOYER_SIZES = {
    "mikro": "mikro",
    "micro": "mikro",
    "kecil": "kecil",
    "small": "kecil",
    "menengah": "menengah",
    "medium": "menengah",
    "besar": "besar",
    "large": "besar",
}
#: Industries named by a PU discount (PP 7/2025); ``lainnya`` for all others.
INDUSTRIES = (
    "makanan_minuman_tembakau",
    "tekstil_pakaian_jadi",
    "kulit_barang_kulit",
    "alas_kaki",
    "mainan_anak",
    "furnitur",
    "lainnya",
)
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
    funder: str | None = None
    occupation: str | None = None
    discounts: tuple[dict[str, Any], ...] = ()
    discounts_not_applied: tuple[dict[str, Any], ...] = ()
    due_date: date | None = None
    warnings: tuple[str, ...] = ()
    book: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        """The discounts that priced this quote, as a bill line records them (empty: the normal iuran)."""
        return "; ".join(d["rule"] for d in self.discounts)

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
            "discounts": list(self.discounts),
            "discounts_not_applied": list(self.discounts_not_applied),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "warnings": list(self.warnings),
            "book": self.book,
            **self.extra,
        }
        if self.funder:
            out["funder"] = self.funder
        if self.occupation:
            out["occupation"] = self.occupation
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
        self.used: set[str] = set()
        self.discount: dict[str, Decimal] = {}  # program -> payable share after discounts (1 = none)
        self.applied: list[AppliedDiscount] = []
        self.saved: dict[str, Decimal] = {}

    def value(self, key: str, subject: str | None = None) -> Any:
        entry = self.book.get(key, self.on, subject=subject)
        self.citations[(key, entry.effective_from)] = entry.citation
        self.used.add(key)
        return entry.value

    def discounted(self, program: str, full: Decimal, paid: Decimal) -> Decimal:
        """Note what a discount saved on ``program``; returns the amount paid."""
        if full != paid:
            self.saved[program] = self.saved.get(program, Decimal(0)) + full - paid
        return paid

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


@dataclass(frozen=True)
class AppliedDiscount:
    rule: str
    label: str
    programs: tuple[str, ...]
    payable: Decimal  # share still paid, 1 = no discount
    citation: Citation


def discounts_for(
    book: RuleBook,
    on: date,
    *,
    segment: str,
    funder: str | None,
    occupation: str | None = None,
    industry: str | None = None,
    workers: int = 1,
) -> tuple[list[AppliedDiscount], list[dict[str, Any]]]:
    """The discounts in force on ``on`` that apply to this segment, funder, occupation and industry, and those in
    force that do not, with the reason. An unknown occupation or industry counts as outside a discount's list."""
    applied: list[AppliedDiscount] = []
    skipped: list[dict[str, Any]] = []
    for entry in book.in_force(on, "discount."):
        spec = entry.value
        if not isinstance(spec, dict) or spec.get("segment") != segment:
            continue
        reason = _why_not(spec, funder, occupation, industry, workers)
        if reason:
            skipped.append({"rule": entry.key, "label": spec.get("label", entry.key), "reason": reason})
            continue
        applied.append(
            AppliedDiscount(
                rule=entry.key,
                label=str(spec.get("label", entry.key)),
                programs=tuple(spec.get("programs", ())),
                payable=Decimal(str(spec["payable_pct"])) / HUNDRED,
                citation=entry.citation,
            )
        )
    return applied, skipped


def _why_not(
    spec: dict[str, Any], funder: str | None, occupation: str | None, industry: str | None, workers: int
) -> str:
    if funder in spec.get("excluded_funders", ()):
        return f"funder {funder} is excluded"
    if "occupations" in spec and occupation not in spec["occupations"]:
        return f"occupation {occupation or 'not given'} is not one of {', '.join(spec['occupations'])}"
    if occupation is not None and occupation in spec.get("except_occupations", ()):
        return f"occupation {occupation} has its own rule"
    if "industries" in spec and industry not in spec["industries"]:
        return f"industry {industry or 'not given'} is not one of {', '.join(spec['industries'])}"
    if "min_workers" in spec and workers < int(spec["min_workers"]):
        return f"fewer than {spec['min_workers']} workers"
    return ""


def due_date(month: date, *, segment: str = "pu", rules: RuleBook | None = None) -> date:
    """The day a month's iuran is due: PU the 15th of the next month; BPU the 15th of the month itself (paid ahead);
    under PP 49/2020 the 30th of the next month."""
    book = rules or load_rules()
    first = month.replace(day=1)
    months_after = 1
    day = int(book.get("due_day", first).value)
    if segment == "bpu":
        spec = book.get("bpu.due", first).value
        day, months_after = int(spec["day"]), int(spec["months_after"])
    relief = book.find("relief.due_day", first)
    if relief is not None:  # PP 49/2020: the 30th of the following month, for every segment
        day, months_after = int(relief.value), 1
    index = first.year * 12 + first.month - 1 + months_after
    due_month = date(index // 12, index % 12 + 1, 1)
    return due_month.replace(day=min(day, 28 if due_month.month == 2 else day))


def late_charge(
    amounts: dict[str, Decimal], *, due: date, paid_on: date, rules: RuleBook | None = None
) -> dict[str, Decimal]:
    """PU late-payment charge per program: its monthly rate x the iuran x each started month after ``due``."""
    if paid_on <= due:
        return {}
    book = rules or load_rules()
    rates = book.get("pu.late_charge_pct", due).value
    months = (paid_on.year - due.year) * 12 + paid_on.month - due.month + (paid_on.day > due.day)
    return {
        program: round_rupiah(amount * Decimal(str(rates[program])) / HUNDRED * months)
        for program, amount in amounts.items()
        if program in rates
    }


def _choice(value: Any, name: str, valid: Sequence[str]) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if text not in valid:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."), field=name, value=value, valid=", ".join(valid)
        )
    return text


def quote(
    *,
    segment: str,
    on: date,
    programs: Sequence[str] | None = None,
    months: int = 1,
    workers: int = 1,
    income: Any = None,
    wage: Any = None,
    risk_group: Any = None,
    contract_value: Any = None,
    contract_months: Any = None,
    payer: str = "worker",
    funder: str | None = None,
    occupation: str | None = None,
    industry: str | None = None,
    employer_size: str | None = None,
    paid_on: date | None = None,
    clamp: bool = False,
    rules: RuleBook | None = None,
) -> Quote:
    """Price ``programs`` of ``segment`` for ``workers`` x ``months`` at the rules in force on ``on``.

    ``funder`` (who pays: apbd, apbdes, apbn, csr, mandiri, other; default mandiri when the worker pays) and
    ``occupation`` (registry code) decide BPU discounts; ``industry`` the PU ones. PU without ``programs`` prices the
    mandatory set of ``employer_size`` (Perpres 109/2013). ``paid_on`` (PU) adds the late-payment charge."""
    segment = str(segment).lower()
    funder = _choice(funder, "funder", FUNDERS)
    industry = _choice(industry, "industry", INDUSTRIES)
    size = _choice(employer_size, "employer_size", tuple(EMPLOYER_SIZES))
    occupation = str(occupation).strip().lower() or None if occupation is not None else None
    book = rules or load_rules()
    if on < PROGRAMS_START:
        raise NotInForce(subject=segment.upper(), date=on.isoformat())
    assumed: list[str] = []
    if segment == "pu" and not programs and size is not None:
        programs = list(book.get("pu.mandatory_programs", on).value[EMPLOYER_SIZES[size]])
        assumed.append(
            f"No programs given: priced the mandatory set of a {EMPLOYER_SIZES[size]} employer "
            f"(Perpres 109/2013 Pasal 6): {', '.join(programs)}."
        )
    chosen = _check_programs(segment, programs or ())
    months = _positive_int(months, "months", 600)
    workers = _positive_int(workers, "workers", 100_000_000)
    if segment == "bpu" and funder is None:
        if payer == "worker":
            funder = "mandiri"
        elif book.in_force(on, "discount."):
            raise InvalidInput(
                N_("Give the funder (who pays): {valid}; it decides the discounts in force on this date."),
                field="funder",
                valid=", ".join(FUNDERS),
            )
    p = _Pricer(book, on)
    p.notes.extend(assumed)
    if segment in ("bpu", "pu"):
        applied, skipped = discounts_for(
            book, on, segment=segment, funder=funder, occupation=occupation, industry=industry, workers=workers
        )
        for d in applied:
            p.applied.append(d)
            p.citations[(d.rule, on)] = d.citation
            for program in d.programs:
                p.discount[program] = p.discount.get(program, Decimal(1)) * d.payable
    else:
        skipped = []
    clamped = False
    extra: dict[str, Any] = {}
    if segment == "bpu":
        if payer not in ("worker", "sponsor"):
            raise InvalidInput(field="payer", value=payer)
        clamped = _bpu(p, chosen, income, payer, clamp)
    elif segment == "pu":
        _pu(p, chosen, wage, risk_group)
        extra["employer_size"] = EMPLOYER_SIZES[size] if size else None
    elif segment == "jakon":
        _jakon(p, chosen, contract_value)
        months, workers = 1, 1
        p.notes.append("Jasa konstruksi is paid once per project, on the contract value before VAT.")
    else:
        _pmi(p, chosen, contract_months)
        months = 1
        p.notes.append("PMI pays one package per worker for the whole contract (pre-placement + placement).")
    due = due_date(on, segment=segment, rules=book) if segment in ("pu", "bpu") else None
    if paid_on is not None:
        if segment != "pu" or due is None:
            raise InvalidInput(N_("The late-payment charge is set for PU only."), field="paid_on")
        charge = late_charge(p.amounts, due=due, paid_on=paid_on, rules=book)
        p.used.add("pu.late_charge_pct")
        p.citations[("pu.late_charge_pct", on)] = book.get("pu.late_charge_pct", due).citation
        extra["days_late"] = max((paid_on - due).days, 0)
        extra["late_charge"] = {k: int(v) * months * workers for k, v in charge.items()}
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
        funder=funder,
        occupation=occupation,
        discounts=tuple(
            {
                "rule": d.rule,
                "label": d.label,
                "programs": [x for x in d.programs if x in chosen],
                "payable_pct": int(d.payable * HUNDRED)
                if d.payable * HUNDRED == int(d.payable * HUNDRED)
                else str(d.payable * HUNDRED),
                "saved_per_worker_monthly": {k: int(v) for k, v in p.saved.items() if k in d.programs},
                **{k: v for k, v in d.citation.as_dict().items() if k != "item"},
            }
            for d in p.applied
            if any(x in chosen for x in d.programs)
        ),
        discounts_not_applied=tuple(skipped),
        due_date=due,
        warnings=tuple(book.warnings(on, p.used)),
        book=book.label,
        extra=extra,
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
    steps = p.book.find("bpu.income_steps", p.on)
    if steps is not None:
        p.value("bpu.income_steps")
        nominal = min((Decimal(str(v)) for v in steps.value if Decimal(str(v)) >= amount), default=amount)
        if nominal != amount:
            p.notes.append(
                f"Declared income {int(amount)} lies between two nominal values of the table; priced at the next "
                f"one, {int(nominal)}."
            )
            amount = nominal
    relief = p.relief("relief.jkk_jkm_payable_pct")
    if "jkk" in programs:
        cut = p.discount.get("jkk", Decimal(1))
        pct = p.pct("bpu.jkk_pct")
        p.add("jkk", p.discounted("jkk", _share(amount, pct, relief), _share(amount, pct, relief * cut)), payer)
    if "jkm" in programs:
        flat = Decimal(str(p.value("bpu.jkm")))
        cut = p.discount.get("jkm", Decimal(1))
        p.add("jkm", p.discounted("jkm", round_rupiah(flat * relief), round_rupiah(flat * relief * cut)), payer)
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
        pct, cut = p.pct(f"pu.jkk.{int(risk_group)}_pct"), p.discount.get("jkk", Decimal(1))
        p.add("jkk", p.discounted("jkk", _share(base, pct, relief), _share(base, pct, relief * cut)), "employer")
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
    relief = p.relief("relief.jakon_payable_pct")
    for program in programs:
        exact, lower = Decimal(0), Decimal(0)
        for tier in tiers:
            upper = Decimal(tier["up_to"]) if tier["up_to"] else value
            portion = min(value, upper) - lower
            if portion <= 0:
                break
            exact += portion * Decimal(tier[f"{program}_pct"]) / HUNDRED
            lower = upper
        p.add(program, round_rupiah(exact * relief), "employer")


def _pmi(p: _Pricer, programs: tuple[str, ...], contract_months: Any) -> None:
    if set(programs) != {"jkk", "jkm"}:
        raise InvalidInput(N_("PMI pays JKK and JKM together; choose both."), field="programs")
    if isinstance(contract_months, bool) or not isinstance(contract_months, int) or contract_months < 1:
        raise InvalidInput(N_("Give the contract length in whole months (contract_months)."), field="contract_months")
    terms = {int(k): Decimal(v) for k, v in p.value("pmi.placement").items()}
    shortest = min(terms)
    # Permenaker 18/2018 had one amount for any contract up to 24 months (pmi.min_contract_months); Permenaker 4/2023
    # has none and refuses a contract shorter than its shortest term.
    if p.book.find("pmi.min_contract_months", p.on) is not None:
        minimum = int(p.value("pmi.min_contract_months"))
    else:
        minimum = shortest
    if contract_months < minimum:
        raise OutOfRange(field="contract_months", minimum=minimum, maximum="-", value=contract_months)
    term = max((t for t in terms if t <= contract_months), default=shortest)
    extra = max(contract_months - term, 0)
    p.add("pra_penempatan", Decimal(str(p.value("pmi.pre_placement"))), "worker")
    placement = terms[term] + extra * Decimal(str(p.value("pmi.extra_month")))
    p.add("penempatan", placement, "worker")
    if extra:
        p.notes.append(f"{contract_months} months = the {term}-month amount + {extra} extra month(s).")
    elif term > contract_months:
        p.notes.append(f"{contract_months} months: the {term}-month amount covers any shorter contract.")
