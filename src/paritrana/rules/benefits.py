"""Benefits (manfaat) as of the event date. Amounts are whole rupiah, rounded half up once per component."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from paritrana.core.errors import N_, InvalidInput, NotInForce, OutOfRange
from paritrana.core.money import round_rupiah, to_rupiah
from paritrana.rules.book import Citation, RuleBook, load_rules

__all__ = ["BENEFIT_KINDS", "BenefitResult", "benefit"]

HUNDRED = Decimal(100)
#: Bound on the months of STMB asked for: a guard on input (50 years), not a rule; STMB runs until recovery.
MAX_STMB_MONTHS = 600
#: Transport reimbursement per mode: the parameter with the cost spent, the component and the cap's rule-book key.
TRANSPORT_MODES = (
    ("land_cost", "transportasi_darat", "jkk.transport_land_max"),
    ("sea_cost", "transportasi_laut", "jkk.transport_sea_max"),
    ("air_cost", "transportasi_udara", "jkk.transport_air_max"),
)


@dataclass(frozen=True)
class BenefitResult:
    kind: str
    on: date
    components: dict[str, Decimal]
    citations: tuple[Citation, ...]
    notes: tuple[str, ...] = ()
    assumptions: dict[str, Any] = field(default_factory=dict)
    book: str = ""

    @property
    def total(self) -> Decimal:
        return sum(self.components.values(), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.on.isoformat(),
            "components": {k: int(v) for k, v in self.components.items()},
            "total": int(self.total),
            "citations": [c.as_dict() for c in self.citations],
            "notes": list(self.notes),
            "assumptions": self.assumptions,
            "book": self.book,
        }


class _Calc:
    def __init__(self, book: RuleBook, on: date, kind: str) -> None:
        self.book, self.on, self.kind = book, on, kind
        self.components: dict[str, Decimal] = {}
        self.citations: dict[tuple[str, date], Citation] = {}
        self.notes: list[str] = []
        self.assumptions: dict[str, Any] = {}

    def value(self, key: str) -> Any:
        entry = self.book.get(key, self.on, subject=self.kind.upper())
        self.citations[(key, entry.effective_from)] = entry.citation
        return entry.value

    def amount(self, key: str) -> Decimal:
        return Decimal(str(self.value(key)))

    def find(self, key: str) -> Any | None:
        entry = self.book.find(key, self.on)
        if entry is None:
            return None
        self.citations[(key, entry.effective_from)] = entry.citation
        return entry.value

    def result(self) -> BenefitResult:
        return BenefitResult(
            self.kind,
            self.on,
            self.components,
            tuple(self.citations.values()),
            tuple(self.notes),
            self.assumptions,
            self.book.label,
        )


def _wage(params: dict[str, Any], name: str = "wage") -> Decimal:
    if params.get(name) is None:
        raise InvalidInput(N_("Give {field}."), field=name)
    amount = to_rupiah(params[name], field=name)
    if amount <= 0:
        raise OutOfRange(field=name, minimum=1, maximum="-", value=int(amount))
    return amount


def _months(params: dict[str, Any], name: str, maximum: int) -> int:
    value = params.get(name)
    if value is None:
        raise InvalidInput(N_("Give {field}."), field=name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise OutOfRange(field=name, minimum=1, maximum=maximum, value=value)
    return value


def _cost(params: dict[str, Any], name: str) -> Decimal:
    amount = to_rupiah(params[name], field=name)
    if amount < 0:
        raise OutOfRange(field=name, minimum=0, maximum="-", value=int(amount))
    return amount


def _pct(params: dict[str, Any], name: str) -> Decimal:
    value = params.get(name)
    try:
        pct = Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(field=name, value=value) from None
    if not pct.is_finite() or not 0 <= pct <= 100:
        raise OutOfRange(field=name, minimum=0, maximum=100, value=value)
    return pct


def _jkm(c: _Calc, params: dict[str, Any]) -> None:
    c.components["santunan_sekaligus"] = c.amount("jkm.lump_sum")
    c.components["santunan_berkala"] = c.amount("jkm.periodic")
    c.components["biaya_pemakaman"] = c.amount("jkm.funeral")
    c.notes.append("Beasiswa for up to two children is computed separately (kind beasiswa).")


def _jkk_death(c: _Calc, params: dict[str, Any]) -> None:
    wage = _wage(params)
    multiple = c.amount("jkk.death_wage_multiple")
    floor = c.amount("jkm.lump_sum")
    death = max(round_rupiah(wage * multiple), floor)
    if death == floor and wage * multiple < floor:
        c.notes.append("48 x wage is below the JKM lump sum: the JKM lump sum is paid instead.")
    c.components["santunan_kematian"] = death
    funeral, periodic = c.find("jkk.funeral"), c.find("jkk.periodic")
    if funeral is not None:
        c.components["biaya_pemakaman"] = Decimal(str(funeral))
    if periodic is not None:
        c.components["santunan_berkala"] = Decimal(str(periodic))


def _jkk_disability(c: _Calc, params: dict[str, Any]) -> None:
    wage = _wage(params)
    if params.get("total"):
        c.components["cacat_total_tetap"] = round_rupiah(wage * c.amount("jkk.total_disability_wage_multiple"))
        periodic = c.find("jkk.total_disability_periodic")
        if periodic is not None:
            c.components["santunan_berkala"] = Decimal(str(periodic))
            c.notes.append("Santunan berkala: the 24 monthly payments, paid at once.")
        else:
            c.notes.append("No santunan berkala for total permanent disability is known for this date: none added.")
        return
    if params.get("percentage") is None:
        raise InvalidInput(
            N_("Give the disability percentage from the table (percentage), or total=true."), field="percentage"
        )
    pct = _pct(params, "percentage")
    exact = pct / HUNDRED * c.amount("jkk.partial_disability_wage_multiple") * wage
    if params.get("function_percentage") is not None:
        exact = exact * _pct(params, "function_percentage") / HUNDRED
        c.notes.append("Loss of function: % of function lost x % from the table x 80 x wage.")
    c.components["cacat_sebagian"] = round_rupiah(exact)


def _jkk_stmb(c: _Calc, params: dict[str, Any]) -> None:
    """STMB: a share of the monthly wage for each month unable to work, by steps; the last step runs until recovery.
    One component per step (``bulan_1_12``, ``bulan_13_20``), each the rounded monthly amount x its months."""
    wage = _wage(params)
    months = _months(params, "months_unable", MAX_STMB_MONTHS)
    steps = c.value("jkk.stmb")
    first = 1
    for i, step in enumerate(steps):
        if first > months:
            break
        open_ended = i == len(steps) - 1 or step.get("months") in (None, "")
        last = months if open_ended else min(months, first + int(step["months"]) - 1)
        monthly = round_rupiah(wage * Decimal(str(step["pct"])) / HUNDRED)
        name = f"bulan_{first}" if last == first else f"bulan_{first}_{last}"
        c.components[name] = monthly * (last - first + 1)
        first = last + 1
    c.assumptions = {"months_unable": months, "wage_constant": True}
    c.notes.append("Paid monthly while the worker cannot work, until recovery (or a disability or death benefit).")


def _jkk_transport(c: _Calc, params: dict[str, Any]) -> None:
    """Transport to hospital or home (and for return-to-work): each mode used is reimbursed up to its own cap."""
    given = [mode for mode in TRANSPORT_MODES if params.get(mode[0]) is not None]
    if not given:
        raise InvalidInput(
            N_("Give the transport cost of at least one mode: land_cost, sea_cost or air_cost."), field="land_cost"
        )
    for name, component, key in given:
        spent, cap = _cost(params, name), c.amount(key)
        c.components[component] = min(spent, cap)
        if spent > cap:
            c.notes.append(f"{name} capped at Rp{int(cap):,}.".replace(",", "."))


def _jkk_home_care(c: _Calc, params: dict[str, Any]) -> None:
    """Home care (perawatan di rumah) for a worker who cannot continue treatment in hospital: the cost, within the
    cap, for at most the first year."""
    if params.get("home_care_cost") is None:
        raise InvalidInput(N_("Give {field}."), field="home_care_cost")
    cost = _cost(params, "home_care_cost")
    cap, max_months = c.amount("jkk.home_care_max"), int(c.amount("jkk.home_care_max_months"))
    if params.get("home_care_months") is not None:
        _months(params, "home_care_months", max_months)
    c.components["perawatan_di_rumah"] = min(cost, cap)
    if cost > cap:
        c.notes.append(f"Home care capped at Rp{int(cap):,}.".replace(",", "."))
    c.notes.append(f"Covered for at most {max_months} months: give the cost of those months only.")


def _beasiswa(c: _Calc, params: dict[str, Any]) -> None:
    children = params.get("children") or []
    if not isinstance(children, list) or not children:
        raise InvalidInput(N_("Give the children and their school levels (children)."), field="children")
    cause = str(params.get("cause", "jkm"))
    if c.book.find("beasiswa.levels", c.on) is None:
        c.value("beasiswa.single")  # before PP 82/2019: one child, one amount
        c.components["anak_1"] = c.amount("beasiswa.single")
        c.notes.append("Before PP 82/2019 the scholarship was one amount for one child.")
        return
    if cause == "jkm":
        need = c.amount("beasiswa.jkm_min_contribution_years")
        years = params.get("contribution_years")
        if years is None:
            raise InvalidInput(
                N_("Give the years of contributions (contribution_years): JKM beasiswa needs {n}."),
                field="contribution_years",
                n=int(need),
            )
        if Decimal(str(years)) < need:
            c.notes.append(f"Not eligible: JKM beasiswa needs at least {int(need)} years of contributions.")
            return
    max_children = int(c.amount("beasiswa.max_children"))
    if len(children) > max_children:
        raise OutOfRange(field="children", minimum=1, maximum=max_children, value=len(children))
    levels = c.value("beasiswa.levels")
    order = [lv["level"] for lv in levels]
    for i, child in enumerate(children, start=1):
        spec = {"level": child} if isinstance(child, str) else dict(child)
        level = str(spec.get("level", "")).lower()
        if level not in order:
            raise InvalidInput(
                N_("Unknown school level {value}; valid levels: {valid}."),
                field="children",
                value=level,
                valid=", ".join(order),
            )
        if spec.get("years") is not None:
            tier = levels[order.index(level)]
            years = int(spec["years"])
            if not 1 <= years <= tier["years"]:
                raise OutOfRange(field="children.years", minimum=1, maximum=tier["years"], value=years)
            c.components[f"anak_{i}_{level}"] = Decimal(tier["per_year"]) * years
        else:  # the whole entitlement from this level up to higher education
            c.components[f"anak_{i}_{level}_sampai_pt"] = sum(
                (Decimal(t["per_year"]) * t["years"] for t in levels[order.index(level) :]), Decimal(0)
            )
    c.notes.append("Paid each school year while the child studies; ends at age 23, marriage or work.")


def _jkp(c: _Calc, params: dict[str, Any]) -> None:
    wage = _wage(params)
    cap = c.amount("jkp.wage_cap")
    base = min(wage, cap)
    months = params.get("months_unemployed", 6)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 6:
        raise OutOfRange(field="months_unemployed", minimum=1, maximum=6, value=months)
    month = 0
    for step in c.value("jkp.benefit"):
        for _ in range(int(step["months"])):
            month += 1
            if month <= months:
                c.components[f"bulan_{month}"] = round_rupiah(base * Decimal(step["pct"]) / HUNDRED)
    if base < wage:
        c.notes.append(f"Wage capped at Rp{int(cap):,} for JKP.".replace(",", "."))


def _jht(c: _Calc, params: dict[str, Any]) -> None:
    segment = str(params.get("segment", "pu")).lower()
    years = params.get("years")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 60:
        raise OutOfRange(field="years", minimum=1, maximum=60, value=years)
    if segment == "pu":
        base = _wage(params)
        rate = c.amount("pu.jht.employer_pct") + c.amount("pu.jht.worker_pct")
    elif segment == "bpu":
        base = _wage(params, "income")
        rate = c.amount("bpu.jht_pct")
    else:
        raise InvalidInput(N_("segment must be pu or bpu for JHT; got {value}."), field="segment", value=segment)
    monthly = round_rupiah(base * rate / HUNDRED)
    if params.get("annual_return") is None:
        annual = c.amount("jht.default_annual_return_pct") / HUNDRED
        c.notes.append("The return is an assumption (see assumptions), not a promise of BPJS.")
    else:
        annual = Decimal(str(params["annual_return"]))
        if not Decimal("-0.5") < annual < Decimal("0.5"):
            raise OutOfRange(field="annual_return", minimum=-0.5, maximum=0.5, value=params["annual_return"])
    c.assumptions = {
        "annual_return": float(annual),
        "monthly_contribution": int(monthly),
        "years": years,
        "contributions_at_month_end": True,
        "wage_constant": True,
    }
    # Monthly compounding at the equivalent monthly rate; contributions at the end of each month.
    monthly_rate = (Decimal(1) + annual) ** (Decimal(1) / Decimal(12)) - Decimal(1)
    balance = Decimal(0)
    for _ in range(years * 12):
        balance = balance * (Decimal(1) + monthly_rate) + monthly
    contributed = monthly * years * 12
    c.components["iuran"] = contributed
    c.components["hasil_pengembangan"] = round_rupiah(balance) - contributed


def _jp(c: _Calc, params: dict[str, Any]) -> None:
    wage = _wage(params, "average_wage")
    years = params.get("contribution_years")
    if years is None:
        raise InvalidInput(N_("Give the years of contributions (contribution_years)."), field="contribution_years")
    years_d = Decimal(str(years))
    if years_d < 0:
        raise OutOfRange(field="contribution_years", minimum=0, maximum="-", value=years)
    if years_d < c.amount("jp.min_years"):
        rate = c.amount("pu.jp.employer_pct") + c.amount("pu.jp.worker_pct")
        c.components["pengembalian_iuran"] = round_rupiah(wage * rate / HUNDRED * years_d * 12)
        c.notes.append(
            "Fewer than 15 years: no monthly pension; the contributions are paid back at once "
            "(estimated without returns)."
        )
        return
    monthly = round_rupiah(c.amount("jp.accrual_pct_per_year") / HUNDRED * years_d * wage)
    floor = c.amount("jp.floor")
    ceiling = c.value("jp.ceiling")
    if monthly < floor:
        monthly = floor
        c.notes.append("Raised to the floor of the year.")
    if ceiling in ("", None):
        c.notes.append("The ceiling for this year is not known: none applied.")
    elif monthly > Decimal(str(ceiling)):
        monthly = Decimal(str(ceiling))
        c.notes.append("Lowered to the ceiling of the year.")
    c.components["manfaat_pensiun_bulanan"] = monthly


_KINDS: dict[str, tuple[Callable[[_Calc, dict[str, Any]], None], date]] = {
    "jkm": (_jkm, date(2015, 7, 1)),
    "jkk-death": (_jkk_death, date(2015, 7, 1)),
    "jkk-disability": (_jkk_disability, date(2015, 7, 1)),
    "jkk-stmb": (_jkk_stmb, date(2015, 7, 1)),
    "jkk-transport": (_jkk_transport, date(2015, 7, 1)),
    "jkk-home-care": (_jkk_home_care, date(2015, 7, 1)),
    "beasiswa": (_beasiswa, date(2015, 7, 1)),
    "jkp": (_jkp, date(2021, 2, 2)),
    "jht": (_jht, date(2015, 7, 1)),
    "jp": (_jp, date(2015, 7, 1)),
}
BENEFIT_KINDS = tuple(_KINDS)


def benefit(kind: str, *, on: date, rules: RuleBook | None = None, **params: Any) -> BenefitResult:
    """Compute benefit ``kind`` for an event on ``on`` (see BENEFIT_KINDS for the kinds and docs/rules.md)."""
    if kind not in _KINDS:
        raise InvalidInput(
            N_("Unknown benefit {value}; valid: {valid}."), field="kind", value=kind, valid=", ".join(BENEFIT_KINDS)
        )
    compute, start = _KINDS[kind]
    if on < start:
        raise NotInForce(subject=kind.upper(), date=on.isoformat())
    calc = _Calc(rules or load_rules(), on, kind)
    compute(calc, params)
    return calc.result()
