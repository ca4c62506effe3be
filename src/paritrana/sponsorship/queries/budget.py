"""Monev per program and per fiscal year: pagu, committed, billed, paid, serapan, the year-end forecast, workers
covered against the target and villages below their minimum. The sums run in the database, grouped by program:
a handful of queries whatever the number of programs, so a province with millions of enrollments stays fast."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from paritrana.core.dates import first_of_month, months_between, today
from paritrana.core.permissions import region_q
from paritrana.regions.models import Region
from paritrana.sponsorship.choices import FUNDER, Coverage
from paritrana.sponsorship.models import Bill, Claim, Enrollment, Program
from paritrana.sponsorship.monev import MonthFigures, absorbed, cumulative_series, serapan
from paritrana.sponsorship.queries.coverage import coverage_status
from paritrana.sponsorship.queries.scoped import programs_for


@dataclass
class MonthRow:
    month: date
    workers: int
    billed: Decimal
    paid: Decimal
    status: str
    coverage: str


@dataclass
class MonevRow:
    program_id: int
    program: str
    sponsor: str
    sponsor_kind: str
    funder: str
    opd: str
    region_code: str
    fiscal_year: int
    status: str
    pagu: Decimal
    committed: Decimal
    billed: Decimal
    paid: Decimal
    forecast: Decimal
    workers: int
    target_workers: int
    lapsed_workers: int
    minimum_per_desa: int
    villages_below_minimum: list[dict[str, Any]] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    benefits_paid: Decimal = Decimal(0)
    #: The name of the sponsor's region (``region_code``), from the regions table; empty when it is not known.
    region_name: str = ""

    @property
    def region_label(self) -> str:
        """The region by name with its code beside it: "Kabupaten Tangerang (36.03)"."""
        return region_label(self.region_name, self.region_code)

    @property
    def absorption_pct(self) -> float:
        return serapan(self.paid, self.pagu)

    @property
    def committed_pct(self) -> float:
        return float(self.committed * 100 / self.pagu) if self.pagu else 0.0

    @property
    def forecast_pct(self) -> float:
        return float(self.forecast * 100 / self.pagu) if self.pagu else 0.0

    @property
    def target_pct(self) -> float:
        return self.workers * 100 / self.target_workers if self.target_workers else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("pagu", "committed", "billed", "paid", "forecast", "benefits_paid"):
            data[key] = int(data[key])
        data["months"] = [
            {**m, "month": m["month"].isoformat()[:7], "billed": int(m["billed"]), "paid": int(m["paid"])}
            for m in data["months"]
        ]
        data.update(
            absorption_pct=round(self.absorption_pct, 2),
            committed_pct=round(self.committed_pct, 2),
            forecast_pct=round(self.forecast_pct, 2),
            target_pct=round(self.target_pct, 2),
        )
        return data


def region_label(name: str, code: str) -> str:
    """A region as monev shows it: its name with the code beside it, or the code alone when the name is unknown."""
    return f"{name} ({code})" if name else code


def _villages_below(program: Program) -> list[dict[str, Any]]:
    """Desa and kelurahan of the program's area holding fewer enrolled workers than its minimum (zero included)."""
    if not program.min_workers_per_desa:
        return []
    counts = dict(
        program.enrollments.filter(status="active").values_list("desa_code").annotate(n=Count("id")).order_by()
    )
    area = program.area
    desas = Region.objects.filter(region_q("code", area), level=4).order_by("code")
    return [
        {
            "code": d.code,
            "name": d.name,
            "label": region_label(d.name, d.code),
            "workers": counts.get(d.code, 0),
            "minimum": program.min_workers_per_desa,
        }
        for d in desas.only("code", "name")
        if counts.get(d.code, 0) < program.min_workers_per_desa
    ]


#: Per program: its enrollments grouped by period, as (first month, last month, how many, their cost).
EnrollmentGroups = dict[int, list[tuple[date, date, int, Decimal]]]


def _enrollment_groups(program_ids: list[int]) -> EnrollmentGroups:
    """One grouped query over the programs' enrollments, shared by the rows (the workers covered this month) and
    the year's series (the committed line): a province's programs hold millions of enrollments, read once."""
    groups: EnrollmentGroups = {pk: [] for pk in program_ids}
    for g in (
        Enrollment.objects.filter(program_id__in=program_ids)
        .values("program_id", "first_month", "last_month")
        .annotate(n=Count("*"), cost_sum=Sum("cost"))  # COUNT(*): read from the index alone (no id in it)
        .order_by()
    ):
        groups[g["program_id"]].append((g["first_month"], g["last_month"], g["n"], g["cost_sum"] or Decimal(0)))
    return groups


def monev_row(program: Program, on: date | None = None) -> MonevRow:
    """The monev of one program (``monev_rows`` of it alone)."""
    return monev_rows([program], on)[0]


def monev_rows(
    programs: list[Program], on: date | None = None, *, groups: EnrollmentGroups | None = None
) -> list[MonevRow]:
    """The monev rows of ``programs``, in their order, from a handful of grouped queries whatever their number (a
    province's thousand programs cost what one does). ``groups``: their enrollments grouped, when already read."""
    on = on or today()
    ids = [p.pk for p in programs]
    bills_of: dict[int, list[Bill]] = {pk: [] for pk in ids}
    for bill in Bill.objects.filter(program_id__in=ids).order_by("program_id", "month"):
        bills_of[bill.program_id].append(bill)
    groups = _enrollment_groups(ids) if groups is None else groups
    benefits_of = dict(
        Claim.objects.filter(program_id__in=ids).values_list("program_id").annotate(s=Sum("amount_paid")).order_by()
    )
    return [_monev_row(p, on, bills_of[p.pk], groups.get(p.pk, []), benefits_of.get(p.pk)) for p in programs]


def _monev_row(
    program: Program,
    on: date,
    bills: list[Bill],
    groups: list[tuple[date, date, int, Decimal]],
    benefits: Decimal | None,
) -> MonevRow:
    by_month = {b.month: b for b in bills}
    billed = sum((b.amount for b in bills), Decimal(0))
    paid = sum((absorbed(b.amount, b.paid) for b in bills), Decimal(0))
    months = []
    lapsed = 0
    for month in months_between(program.start, program.end):
        bill = by_month.get(month)
        state = coverage_status(bill, program.grace_days, on)
        if state == Coverage.LAPSED and bill is not None:
            lapsed = bill.workers  # the latest lapsed month counts
        months.append(
            MonthRow(
                month=month,
                workers=bill.workers if bill else 0,
                billed=bill.amount if bill else Decimal(0),
                paid=absorbed(bill.amount, bill.paid) if bill else Decimal(0),
                status=bill.status if bill else "",
                coverage=state,
            )
        )
    # Year-end forecast at the pace so far: the average paid per month already due, over all the months.
    due = [m for m in months if m.coverage in (Coverage.ACTIVE, Coverage.LAPSED)]
    forecast = (
        (sum((m.paid for m in due), Decimal(0)) / len(due) * program.months).quantize(Decimal(1))
        if due
        else program.committed
    )
    current = min(max(first_of_month(on), program.start), program.end)
    workers = sum(n for first, last, n, _cost in groups if first <= current <= last)
    return MonevRow(
        program_id=program.pk,
        program=program.name,
        sponsor=program.sponsor.name,
        sponsor_kind=program.sponsor.kind,
        funder=FUNDER[program.sponsor.kind],
        opd=program.sponsor.opd,
        region_code=program.sponsor.region_code,
        fiscal_year=program.fiscal_year,
        status=program.status,
        pagu=program.pagu,
        committed=program.committed,
        billed=billed,
        paid=paid,
        forecast=forecast,
        workers=workers,
        target_workers=program.target_workers,
        lapsed_workers=lapsed,
        minimum_per_desa=program.min_workers_per_desa,
        villages_below_minimum=_villages_below(program),
        months=months,
        benefits_paid=benefits or Decimal(0),
    )


@dataclass
class Monev:
    """Monev of the programs of one fiscal year: one row each, their totals, the year month by month (cumulative,
    ``monthly``) and, to compare, the same figures of up to three earlier years (``earlier``, newest first).
    Rows of two fiscal years are refused: their totals would count the same workers twice."""

    rows: list[MonevRow]
    on: date
    fiscal_year: int | None = None
    monthly: list[MonthFigures] = field(default_factory=list)
    earlier: dict[int, list[MonthFigures]] = field(default_factory=dict)
    #: The fiscal years that have programs in the user's scope (newest first), for the year selector.
    years: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        years = {r.fiscal_year for r in self.rows}
        if len(years) > 1 or (self.fiscal_year is not None and years - {self.fiscal_year}):
            raise ValueError(f"a monev covers one fiscal year, not {sorted(years)}")
        if self.fiscal_year is None and years:
            self.fiscal_year = years.pop()

    def total(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), Decimal(0))

    @property
    def totals(self) -> dict[str, Any]:
        pagu = self.total("pagu")
        paid = self.total("paid")
        return {
            "programs": len(self.rows),
            "pagu": int(pagu),
            "committed": int(self.total("committed")),
            "billed": int(self.total("billed")),
            "paid": int(paid),
            "forecast": int(self.total("forecast")),
            "absorption_pct": round(serapan(paid, pagu), 2),
            "workers": sum(r.workers for r in self.rows),
            "target_workers": sum(r.target_workers for r in self.rows),
            "lapsed_workers": sum(r.lapsed_workers for r in self.rows),
            "villages_below_minimum": sum(len(r.villages_below_minimum) for r in self.rows),
            "benefits_paid": int(self.total("benefits_paid")),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "fiscal_year": self.fiscal_year,
            "years": self.years,
            "totals": self.totals,
            "programs": [r.as_dict() for r in self.rows],
            "monthly": [m.as_dict() for m in self.monthly],
            "earlier_years": [
                # serapan only: the committed line is drawn for the chosen year (see ``_yearly_series``)
                {"fiscal_year": year, "monthly": [_without(m.as_dict(), "committed") for m in months]}
                for year, months in self.earlier.items()
            ],
        }


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


#: Earlier fiscal years whose serapan the monev compares month by month with the chosen one.
EARLIER_YEARS = 3


def monev_years(user: Any) -> list[int]:
    """The fiscal years that have programs inside the user's scope, newest first."""
    return sorted(set(programs_for(user).values_list("fiscal_year", flat=True).order_by()), reverse=True)


def default_fiscal_year(user: Any, program: int | None = None, on: date | None = None) -> int:
    """The year a monev shows when none is chosen: the chosen program's, else the current fiscal year (the
    calendar year of today in WIB)."""
    if program:
        year = programs_for(user).filter(pk=program).values_list("fiscal_year", flat=True).first()
        if year:
            return int(year)
    return (on or today()).year


def monev(
    user: Any,
    *,
    fiscal_year: int | None = None,
    sponsor: int | None = None,
    program: int | None = None,
    opd: str = "",
    region: str = "",
    on: date | None = None,
) -> Monev:
    """Monev of one fiscal year of the programs inside the user's scope, filtered by sponsor, program, OPD or region.
    With no year: :func:`default_fiscal_year`. Two fiscal years are never added up. The earlier years compared are
    filtered alike (a chosen program is compared with its sponsor's programs of those years)."""
    on = on or today()
    year = fiscal_year or default_fiscal_year(user, program, on)
    programs = list(_monev_programs(user, year, program, region, sponsor, opd).order_by("sponsor__region_code", "name"))
    groups = _enrollment_groups([p.pk for p in programs])
    rows = monev_rows(programs, on, groups=groups)
    names = dict(Region.objects.filter(code__in={r.region_code for r in rows}).values_list("code", "name"))
    for row in rows:
        row.region_name = names.get(row.region_code, "")
    chosen = _yearly_series(_monev_programs(user, year, program, region, sponsor, opd), [year], groups=groups)
    earlier: dict[int, list[MonthFigures]] = {}
    if programs or not program:
        compare_sponsor = programs[0].sponsor_id if program else sponsor
        wanted = list(range(year - 1, year - 1 - EARLIER_YEARS, -1))
        earlier = _yearly_series(
            _monev_programs(user, None, None, region, compare_sponsor, opd), wanted, with_commitments=False
        )
    return Monev(rows, on, fiscal_year=year, monthly=chosen.get(year, []), earlier=earlier, years=monev_years(user))


def _yearly_series(
    programs: QuerySet[Program],
    years: list[int],
    *,
    with_commitments: bool = True,
    groups: EnrollmentGroups | None = None,
) -> dict[int, list[MonthFigures]]:
    """Per fiscal year of ``years`` that has programs among ``programs``: its cumulative month-by-month figures
    (``monev.cumulative_series``), newest year first. Three aggregate queries; the one over the enrollments (for the
    committed line; ``groups`` when already read) reads every enrollment of those years, so the earlier years
    compared, which show serapan only, go without it (``with_commitments=False``: their committed stays 0)."""
    from django.db.models.functions import Least

    programs = programs.filter(fiscal_year__in=years)
    year_of = dict(programs.order_by().values_list("pk", "fiscal_year"))
    pagu: dict[int, Decimal] = {}
    for pk, value in programs.order_by().values_list("pk", "pagu"):
        pagu[year_of[pk]] = pagu.get(year_of[pk], Decimal(0)) + (value or Decimal(0))
    # Grouped by program (the enrollments' and bills' own column, indexed), not by the program's year: no join per
    # row; the few programs are mapped to their year here.
    commitments: dict[int, list[tuple[date, date, Decimal]]] = {y: [] for y in pagu}
    if with_commitments:
        groups = _enrollment_groups(list(year_of)) if groups is None else groups
        for pk, periods in groups.items():
            if pk in year_of:
                commitments[year_of[pk]].extend((first, last, cost) for first, last, _n, cost in periods)
    bills: dict[int, list[tuple[date, Decimal, Decimal]]] = {y: [] for y in pagu}
    months = (
        Bill.objects.filter(program_id__in=list(year_of))
        .values("program_id", "month")
        .annotate(billed_sum=Sum("amount"), paid_sum=Sum(Least("paid", "amount")))
        .order_by()
    )
    for m in months:
        bills[year_of[m["program_id"]]].append((m["month"], m["billed_sum"] or Decimal(0), m["paid_sum"] or Decimal(0)))
    return {
        y: cumulative_series(fiscal_year=y, pagu=pagu[y], commitments=commitments[y], bills=bills[y])
        for y in sorted(pagu, reverse=True)
    }


def _monev_programs(
    user: Any, fiscal_year: int | None, program: int | None, region: str, sponsor: int | None, opd: str
) -> QuerySet[Program]:
    """The programs a monev covers: inside the user's scope, filtered by year, program, region, sponsor or OPD."""
    programs = programs_for(user)
    if fiscal_year:
        programs = programs.filter(fiscal_year=fiscal_year)
    if sponsor:
        programs = programs.filter(sponsor_id=sponsor)
    if program:
        programs = programs.filter(pk=program)
    if opd:
        programs = programs.filter(sponsor__opd=opd)
    if region:
        programs = programs.filter(region_q("sponsor__region_code", region))
    return programs
