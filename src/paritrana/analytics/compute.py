"""Indicator definitions compiled to Ibis expressions, run on any engine, finished by a pure function.

The engine does the heavy part: it scans the facts and aggregates every term. Terms that read the same source
over the same months are computed by one query with conditional aggregates (``count(where=...)``), so all
standard indicators for one month cost one scan of that month's facts, whatever the number of indicators. The
results (one row per region) are joined in Polars, and ``finish`` turns numerator and denominator into the value,
the target and the status: plain Python, so every engine gives the same figure for the same counts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, cast

import ibis
import polars as pl

from paritrana.analytics.definitions import LEVELS, SOURCES, Indicator, Term
from paritrana.analytics.periods import Period
from paritrana.core.errors import N_, InvalidInput

__all__ = ["IndicatorValue", "Targets", "compile_queries", "compute", "finish", "resolve_target"]

REGION_COLUMNS = LEVELS[1:]  # the fact store's region columns, one per level below the nation
_WIDE = "decimal(38, 0)"  # the type sums are made in: every engine has it, and no sum of int64 values overflows it
# Source name -> a function returning its Ibis table (the facts from the store, the rest as in-memory tables).
Tables = Mapping[str, Callable[[], Any]]
# (indicator id, year) -> {region code ("" = national): target}
Targets = Mapping[tuple[str, int], Mapping[str, float]]


@dataclass(frozen=True)
class IndicatorValue:
    indicator: str
    period: str
    level: str
    region_code: str
    numerator: int | None
    denominator: int | None
    value: float | None
    target: float | None
    status: str  # ok | no_denominator | no_baseline | no_target
    meets_target: bool | None
    by: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row.update(row.pop("by"))
        return row


# --- the pure part ----------------------------------------------------------------------------------------------


def resolve_target(targets: Mapping[str, float], region_code: str) -> float | None:
    """The region's own target, else its nearest ancestor's (kabupaten -> province), else the national one."""
    code = region_code
    while True:
        if code in targets:
            return targets[code]
        if not code:
            return None
        code = code.rsplit(".", 1)[0] if "." in code else ""


def finish(
    indicator: Indicator, numerator: int | None, denominator: int | None, target: float | None
) -> tuple[float | None, str, bool | None]:
    """(value, status, meets_target) from the engine's counts. Never divides by zero: a missing or zero
    denominator is ``no_denominator`` (never 0%)."""
    num = numerator or 0
    if indicator.kind == "gap":
        if target is None:
            return None, "no_target", None
        if not denominator:
            return None, "no_denominator", None
        gap = max(0, math.ceil(target / indicator.factor * denominator - num - 1e-9))
        return float(gap), "ok", gap == 0
    if not denominator:
        return None, ("no_baseline" if indicator.kind == "growth" else "no_denominator"), None
    if indicator.kind == "growth":
        value = (num - denominator) / denominator * indicator.factor
    else:
        value = num / denominator * indicator.factor
    value = round(value, indicator.decimals)
    meets = None if target is None else (value >= target if indicator.direction == "higher" else value <= target)
    return value, "ok", meets


# --- compiling terms to Ibis ------------------------------------------------------------------------------------


def _months(term: Term, period: Period) -> tuple[date, date] | int | None:
    """The months (or the year) a term reads for ``period``."""
    grain = SOURCES[term.source].grain
    shifted = period.shifted(-term.offset_months) if term.offset_months else period
    if grain == "none":
        return None
    if grain == "year":
        return shifted.last.year
    if term.over == "last":
        return shifted.last, shifted.last
    if term.over == "ytd":
        return date(shifted.last.year, 1, 1), shifted.last
    return shifted.first, shifted.last


def _condition(t: Any, filters: Mapping[str, Any]) -> Any:
    condition = None
    for name, wanted in sorted(filters.items()):
        part = t[name].isin(wanted) if isinstance(wanted, list) else t[name] == wanted
        condition = part if condition is None else condition & part
    return condition


def _scoped(t: Any, window: Any, level: str, region: str) -> tuple[Any, Any]:
    """The rows of ``window`` inside ``region`` that are known at ``level``, and the region key expression."""
    if isinstance(window, tuple):
        t = t.filter(t.month.between(ibis.literal(window[0]), ibis.literal(window[1])))
    elif isinstance(window, int):
        t = t.filter(t.year == window)
    if region:
        t = t.filter(t[REGION_COLUMNS[region.count(".")]] == region)
    if level == "national":
        return t, ibis.literal("", type="string")
    t = t.filter(t[level].notnull())
    return t, t[level]


def _measure(t: Any, term: Term) -> Any:
    where = _condition(t, term.filter)
    if term.measure == "sum":
        # Summed as a 38-digit decimal on every engine: a sum of 64-bit integers can pass 64 bits (DuckDB hands back
        # a 128-bit integer that Ibis then fails to read as int64; Spark wraps round or raises). Loading refuses the
        # values that could get there (analytics.ingest), and this keeps a store written otherwise readable.
        return t[term.field].cast(_WIDE).sum(where=where)
    return t.count(where=where)


@dataclass(frozen=True)
class Query:
    source: str
    window: Any
    terms: tuple[Term, ...]
    keys: tuple[str, ...]
    expr: Any


def compile_queries(
    tables: Tables, terms: Iterable[Term], period: Period, level: str, region: str = "", by: Sequence[str] = ()
) -> list[Query]:
    """The Ibis expressions that compute ``terms``: one per source and window, plus one per unit-count term."""
    groups: dict[tuple[str, Any], list[Term]] = defaultdict(list)
    units: list[Term] = []
    for term in {t.key: t for t in terms}.values():
        if term.measure == "count_units":
            units.append(term)
        else:
            groups[(term.source, _months(term, period))].append(term)
    queries = []
    for (source, window), group in sorted(groups.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        base = tables[source]()
        t, key = _scoped(base, window, level, region)
        keys = ["code", *[b for b in by if b in SOURCES[source].fields]]
        t = t.mutate(code=key)
        expr = t.group_by(keys).aggregate(**{term.key: _measure(t, term) for term in group})
        queries.append(Query(source, window, tuple(group), tuple(keys), expr))
    for term in units:
        t, key = _scoped(tables[term.source](), _months(term, period), level, region)
        keys = ["code", *[b for b in by if b in SOURCES[term.source].fields]]
        condition = _condition(t, term.filter)
        t = t.filter(t[term.unit].notnull()) if condition is None else t.filter(condition & t[term.unit].notnull())
        t = t.mutate(code=key)
        per_unit = t.group_by([*keys, term.unit]).aggregate(n=t.count())
        per_unit = per_unit.filter(per_unit.n >= term.min_count)
        expr = per_unit.group_by(keys).aggregate(**{term.key: per_unit.count()})
        queries.append(Query(term.source, _months(term, period), (term,), tuple(keys), expr))
    return queries


def _run(con: Any, query: Query) -> pl.DataFrame:
    frame = cast(pl.DataFrame, pl.from_arrow(con.to_pyarrow(query.expr)))  # a table in, a frame out (never a series)
    # Engines differ in integer widths (int32 on DuckDB, int64 elsewhere) and in decimals for sums: normalise to
    # 128-bit integers, wide enough for any sum of 64-bit values (Python ints from here on).
    return frame.with_columns(pl.col(t.key).cast(pl.Int128) for t in query.terms)


def _merge(frames: list[tuple[tuple[str, ...], pl.DataFrame]]) -> pl.DataFrame:
    """Outer-join the per-query results on the region (and on disaggregation keys where both have them)."""
    frames = sorted(frames, key=lambda kf: -len(kf[0]))
    merged: pl.DataFrame | None = None
    merged_keys: tuple[str, ...] = ()
    for keys, frame in frames:
        if merged is None:
            merged, merged_keys = frame, keys
            continue
        on = [k for k in keys if k in merged_keys]
        if len(keys) == len(merged_keys):
            merged = merged.join(frame, on=on, how="full", coalesce=True, nulls_equal=True)
        else:  # a source without the disaggregation (workforce by segment): the same figure on every row
            merged = merged.join(frame, on=on, how="left", nulls_equal=True)
    return merged if merged is not None else pl.DataFrame({"code": []}, schema={"code": pl.String})


def compute(
    con: Any,
    tables: Tables,
    indicators: Sequence[Indicator],
    period: Period,
    level: str,
    *,
    region: str = "",
    by: Sequence[str] = (),
    targets: Targets | None = None,
) -> list[IndicatorValue]:
    """Every indicator for every region of ``level`` (inside ``region``) in ``period``."""
    if level not in LEVELS:
        raise InvalidInput(
            N_("Unknown level '{level}'; use one of {levels}."), field="level", level=level, levels=", ".join(LEVELS)
        )
    for indicator in indicators:
        if period.type not in indicator.period_types:
            raise InvalidInput(
                N_("Indicator {indicator} is not defined for a {period_type}."),
                field="period",
                indicator=indicator.id,
                period_type=period.type,
            )
    if by:
        # A breakdown applies to the indicators that have it; asking one indicator for another is an error.
        able = [i for i in indicators if set(by) <= set(i.disaggregations)]
        if not able:
            raise InvalidInput(
                N_("No indicator asked for can be broken down by {field}; {indicator} can by: {allowed}."),
                field="by",
                indicator=indicators[0].id if indicators else "-",
                allowed=", ".join(indicators[0].disaggregations) if indicators else "-",
            )
        indicators = able
    all_terms = [term for indicator in indicators for term in indicator.terms()]
    queries = compile_queries(tables, all_terms, period, level, region, by)
    merged = _merge([(q.keys, _run(con, q)) for q in queries])
    targets = targets or {}
    out: list[IndicatorValue] = []
    label = period.label
    for indicator in indicators:
        num_term, den_term = indicator.terms()
        num_key, den_key = num_term.key, den_term.key  # a hash of the term: worked out once, not per row
        own_by = list(by)
        rows = merged.filter(pl.col(num_key).is_not_null() | pl.col(den_key).is_not_null())
        year_targets = targets.get((indicator.target_indicator, period.year), {})
        for row in rows.sort(["code", *own_by], nulls_last=True).iter_rows(named=True):
            target = resolve_target(year_targets, row["code"])
            numerator = row[num_key] if row[num_key] is not None else 0
            denominator = row[den_key]
            if denominator is None and den_term.source == "participants":
                denominator = 0
            value, status, meets = finish(indicator, numerator, denominator, target)
            out.append(
                IndicatorValue(
                    indicator=indicator.id,
                    period=label,
                    level=level,
                    region_code=row["code"],
                    numerator=numerator,
                    denominator=denominator,
                    value=value,
                    target=target,
                    status=status,
                    meets_target=meets,
                    by={b: row[b] for b in own_by},
                )
            )
    return out
