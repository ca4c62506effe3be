"""The sources of the indicators: the facts from the store, and the small tables of the operational database
(workforce, programs, payments, claims, regions) as in-memory Ibis tables that any engine can join. Also the
worker-month facts built from the registry and sponsorship data for ``facts refresh``, and the targets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pyarrow as pa
from django.db.models import F, Q

from paritrana.analytics.compute import Tables, Targets
from paritrana.analytics.definitions import Indicator, parse_definitions, standard_indicators
from paritrana.analytics.store import FACT_SCHEMA, Store
from paritrana.core.bulk import analyze, read_frame
from paritrana.core.dates import today
from paritrana.core.errors import N_, NotFound
from paritrana.regions.choices import CODE_LENGTH

__all__ = [
    "all_indicators",
    "billed_months",
    "changed_months",
    "fresh_statistics",
    "indicator_tables",
    "region_columns",
    "registry_facts",
    "targets_for",
]


def region_columns(code: pl.Expr) -> list[pl.Expr]:
    """province, kabupaten, kecamatan and desa from a dotted code, null below the code's own level."""
    length = code.str.len_chars()
    return [
        pl.when(length >= n).then(code.str.slice(0, n)).otherwise(None).alias(name) for name, n in CODE_LENGTH.items()
    ]


def _with_regions(frame: pl.DataFrame, code: str = "region_code") -> pa.Table:
    return frame.with_columns(region_columns(pl.col(code))).drop(code).to_arrow()


def _workforce() -> pa.Table:
    from paritrana.analytics.models import Workforce

    rows = list(
        Workforce.objects.values("region_code", "year", "employed", "formal", "informal", "population", "vulnerable")
    )
    schema = {
        "region_code": pl.String,
        "year": pl.Int64,
        **dict.fromkeys(("employed", "formal", "informal", "population", "vulnerable"), pl.Int64),
    }
    return _with_regions(pl.DataFrame(rows, schema=schema))


def _programs() -> pa.Table:
    schema = {"region_code": pl.String, "year": pl.Int64, "pagu": pl.Int64, "committed": pl.Int64, "kind": pl.String}
    frame = read_frame(
        "SELECT s.region_code, p.fiscal_year AS year, p.pagu, p.committed, s.kind "
        "FROM sponsorship_program p JOIN sponsorship_sponsor s ON s.id = p.sponsor_id WHERE p.status <> %s",
        ["draft"],
        schema=schema,
    )
    return _with_regions(_with_funder(frame))


def _payments() -> pa.Table:
    schema = {"region_code": pl.String, "paid_on": pl.Date, "amount": pl.Int64, "kind": pl.String}
    frame = read_frame(
        "SELECT s.region_code, pay.paid_on, pay.amount, s.kind FROM sponsorship_payment pay "
        "JOIN sponsorship_bill b ON b.id = pay.bill_id JOIN sponsorship_program p ON p.id = b.program_id "
        "JOIN sponsorship_sponsor s ON s.id = p.sponsor_id",
        [],
        schema=schema,
    )
    frame = frame.with_columns(pl.col("paid_on").dt.truncate("1mo").alias("month")).drop("paid_on")
    return _with_regions(_with_funder(frame))


def _claims() -> pa.Table:
    schema = {"desa_code": pl.String, "paid_on": pl.Date, "amount_paid": pl.Int64, "kind": pl.String}
    frame = read_frame(
        "SELECT desa_code, paid_on, amount_paid, kind FROM sponsorship_claim WHERE paid_on IS NOT NULL",
        [],
        schema=schema,
    )
    frame = frame.select(
        pl.col("desa_code"),
        pl.col("paid_on").dt.truncate("1mo").alias("month"),
        pl.col("amount_paid").alias("amount"),
        pl.col("kind"),
    )
    return _with_regions(frame, "desa_code")


_REGIONS: dict[int, pa.Table] = {}


def _regions() -> pa.Table:
    from paritrana.regions.models import Region

    desa = Region.objects.filter(level=4)
    count = desa.count()
    if count not in _REGIONS:  # 84,000 rows that change once a year: built once per process
        frame = pl.DataFrame(
            list(desa.values_list("code", "kind")), schema={"region_code": pl.String, "kind": pl.String}, orient="row"
        )
        _REGIONS.clear()
        _REGIONS[count] = _with_regions(frame)
    return _REGIONS[count]


def _with_funder(frame: pl.DataFrame) -> pl.DataFrame:
    from paritrana.sponsorship.choices import FUNDER

    return frame.with_columns(pl.col("kind").replace_strict(FUNDER, default="other").alias("funder")).drop("kind")


def indicator_tables(store: Store) -> Tables:
    """The sources on ``store``'s engine: the facts from the store, the small tables from the operational database."""
    small = {
        "workforce": _workforce,
        "programs": _programs,
        "payments": _payments,
        "claims": _claims,
        "regions": _regions,
    }
    tables: dict[str, Any] = {name: (lambda n=name, f=read: store.small_table(n, f())) for name, read in small.items()}
    tables["participants"] = store.participants
    return tables


def all_indicators() -> list[Indicator]:
    """The standard indicators, then those defined by users (``IndicatorDefinition``)."""
    from paritrana.analytics.models import IndicatorDefinition

    custom = [row.definition for row in IndicatorDefinition.objects.order_by("key")]
    return [*standard_indicators(), *(parse_definitions(custom) if custom else [])]


def pick_indicators(ids: list[str] | None) -> list[Indicator]:
    known = {i.id: i for i in all_indicators()}
    if not ids:
        return list(known.values())
    missing = [i for i in ids if i not in known]
    if missing:
        raise NotFound(N_("No indicator '{indicator}'; known: {known}."), indicator=missing[0], known=", ".join(known))
    return [known[i] for i in ids]


def targets_for(years: list[int] | None = None) -> Targets:
    from paritrana.analytics.models import Target

    out: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    rows = Target.objects.all() if years is None else Target.objects.filter(year__in=years)
    for row in rows:
        out[(row.indicator, row.year)][row.region_code] = float(row.value)
    return out


def fresh_statistics(
    tables: Sequence[str] = ("sponsorship_billline", "sponsorship_bill", "sponsorship_enrollment", "registry_worker"),
) -> None:
    """PostgreSQL: sample the tables the refresh joins before it reads them. Right after a billing run or an import
    the planner may still believe a table empty and join bill lines to enrollments by nested loops: a refresh of a
    few thousand workers then ran for over ten minutes (the suite's PostgreSQL leg, where test data is never seen
    by autovacuum)."""
    analyze(*tables)


def _in_months(months: Sequence[date] | None) -> str:
    if months is None:
        return ""
    return f" AND b.month IN ({', '.join(['%s'] * len(months))})" if months else " AND 1 = 0"


def billed_months() -> list[date]:
    """Every month a bill was made for."""
    from paritrana.sponsorship.models import Bill

    return sorted(Bill.objects.order_by().values_list("month", flat=True).distinct())


def changed_months(since: datetime) -> list[date]:
    """The billed months whose facts may differ from what a refresh that began reading at ``since`` wrote: months
    billed since; months of bills paid since; months still inside their grace then (time alone may have turned a
    pending month into a lapsed one: every bill due within the longest grace of any program before ``since``); the
    months billed for workers changed since (a death, a move, a correction, an import, a merge: their facts carry
    the worker's region, occupation, decile and life); and the months of programs or sponsors changed since (a
    grace period, a funder). A superset errs on the side of rebuilding a month for nothing."""
    from django.db.models import Max

    from paritrana.core.models import AuditEvent
    from paritrana.registry.models import Worker
    from paritrana.sponsorship.models import Bill, Payment, Program

    def months_of(bills: Any) -> set[date]:
        return set(bills.order_by().values_list("month", flat=True).distinct())

    longest_grace = Program.objects.aggregate(days=Max("grace_days"))["days"] or 0
    changed_programs = {
        int(pk)
        for pk in AuditEvent.objects.filter(at__gte=since, object_type="sponsorship.program").values_list(
            "object_id", flat=True
        )
        if pk.isdigit()
    }
    changed_sponsors = {
        int(pk)
        for pk in AuditEvent.objects.filter(at__gte=since, object_type="sponsorship.sponsor").values_list(
            "object_id", flat=True
        )
        if pk.isdigit()
    }
    found = months_of(Bill.objects.filter(created_at__gte=since))
    found |= set(
        Payment.objects.filter(created_at__gte=since, bill__isnull=False)
        .order_by()
        .values_list("bill__month", flat=True)
        .distinct()
    )
    found |= months_of(Bill.objects.filter(due_date__gte=since.date() - timedelta(days=longest_grace)))
    changed_workers = Worker.objects.filter(updated_at__gte=since).values("id")
    # Through the changed workers' enrollments and their programs' bills: the lines keep no enrollment index.
    found |= months_of(
        Bill.objects.filter(
            program__enrollments__worker__in=changed_workers, lines__enrollment=F("program__enrollments")
        )
    )
    found |= months_of(Bill.objects.filter(Q(program__in=changed_programs) | Q(program__sponsor__in=changed_sponsors)))
    return sorted(found)


def registry_facts(on: date | None = None, months: Sequence[date] | None = None, *, analyze: bool = True) -> pa.Table:
    """One row per enrolled worker and billed month, from the bill lines: active when the month is paid in time or
    still within its grace; premium paid when the bill is paid (pro rata when paid in part). Months after the month
    of a worker's death are left out. ``months``: only the facts of these months (a refresh of what changed).
    ``analyze``: sample the tables first (``fresh_statistics``; a refresh month by month does it once)."""
    from paritrana.sponsorship.choices import FUNDER
    from paritrana.sponsorship.queries import covered_expr

    on = on or today()
    schema = {
        "worker_id": pl.Int64,
        "month": pl.Date,
        "desa_code": pl.String,
        "segment": pl.String,
        "kind": pl.String,
        "paid_on": pl.Date,
        "due_date": pl.Date,
        "grace_days": pl.Int64,
        "amount": pl.Int64,
        "bill_amount": pl.Int64,
        "bill_paid": pl.Int64,
        "poverty_decile": pl.Int64,
        "occupation": pl.String,
    }
    if analyze:
        fresh_statistics()
    frame = read_frame(
        "SELECT e.worker_id, b.month, w.desa_code, w.segment, s.kind, b.paid_on, b.due_date, p.grace_days, "  # noqa: S608
        "l.amount, b.amount AS bill_amount, b.paid AS bill_paid, w.poverty_decile, w.occupation "
        "FROM sponsorship_billline l JOIN sponsorship_bill b ON b.id = l.bill_id "
        "JOIN sponsorship_enrollment e ON e.id = l.enrollment_id JOIN registry_worker w ON w.id = e.worker_id "
        "JOIN sponsorship_program p ON p.id = b.program_id JOIN sponsorship_sponsor s ON s.id = p.sponsor_id "
        # A month that began after the worker died is not coverage, even when it was billed before the death was
        # known (that line is an overpayment, see sponsorship.queries.overpayments).
        f"WHERE (w.died_on IS NULL OR b.month <= w.died_on){_in_months(months)}",
        sorted(months or []),
        schema=schema,
        by_copy=True,
    )
    active = covered_expr(on)  # the coverage rule of sponsorship, over every billed month at once
    paid_share = (
        pl.when(pl.col("bill_amount") > 0)
        .then(pl.col("amount") * pl.min_horizontal(pl.col("bill_paid"), pl.col("bill_amount")) // pl.col("bill_amount"))
        .otherwise(0)
    )
    facts = frame.select(
        pl.col("worker_id").cast(pl.String).alias("participant_id"),
        pl.col("month"),
        *region_columns(pl.col("desa_code")),
        pl.col("segment"),
        pl.col("kind").replace_strict(FUNDER, default="other").alias("funder"),
        active.alias("active"),
        (pl.col("poverty_decile").is_not_null() & (pl.col("poverty_decile") <= 4)).alias("vulnerable"),
        paid_share.alias("premium_paid"),
        pl.col("occupation"),
        pl.lit("registry").alias("origin"),
    )
    # A worker covered by two programs in a month (never allowed by enrollment, but history may hold it) is one
    # participant-month: active if either is, premiums added.
    facts = facts.group_by("participant_id", "month", maintain_order=True).agg(
        pl.exclude("active", "premium_paid").first(), pl.col("active").any(), pl.col("premium_paid").sum()
    )
    return facts.select(FACT_SCHEMA.names).to_arrow().cast(FACT_SCHEMA)
