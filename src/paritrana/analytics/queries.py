"""Indicator values for people: scoped to the user's regions, named, and suppressed for the public.

Pages, the API and the command line all come through ``indicator_values`` (one period) and ``indicator_series``
(a run of periods for the charts), so the scope rule and the small-count rule are written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paritrana.analytics.compute import IndicatorValue, compute
from paritrana.analytics.definitions import LEVELS, Indicator
from paritrana.analytics.periods import Period
from paritrana.analytics.sources import indicator_tables, pick_indicators, targets_for
from paritrana.analytics.store import connect
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.permissions import require

__all__ = [
    "SMALL_COUNT",
    "effective_region",
    "indicator_series",
    "indicator_values",
    "region_names",
    "run",
    "suppress",
]

#: Cells counting fewer people than this are hidden on public pages (re-identification risk).
SMALL_COUNT = 5


def run(
    indicators: Sequence[Indicator],
    period: Period,
    level: str,
    *,
    region: str = "",
    by: Sequence[str] = (),
    engine: str | None = None,
    source: str | None = None,
) -> list[IndicatorValue]:
    """Compute on an engine, no access check: for the command line (national) and for the functions below."""
    store = connect(engine, source, read_only=True)
    try:
        return compute(
            store.con,
            indicator_tables(store),
            indicators,
            period,
            level,
            region=region,
            by=by,
            targets=targets_for([period.year]),
        )
    finally:
        store.close()


def effective_region(user: Any, region: str) -> str:
    """The region asked for, checked against the user's scope; blank means the user's own (single) scope."""
    scope = require(user, "indicators.view", region or None)
    if region or scope.national:
        return region
    if len(scope.codes) == 1:
        return next(iter(scope.codes))
    raise InvalidInput(N_("Choose a region: you work in several."), field="region")


def _level_below(region: str) -> str:
    return LEVELS[min(region.count(".") + 2, len(LEVELS) - 1)] if region else "province"


def indicator_values(
    user: Any,
    *,
    period: str,
    level: str = "",
    region: str = "",
    indicators: Sequence[str] | None = None,
    by: Sequence[str] = (),
    engine: str | None = None,
    public: bool = False,
) -> list[dict[str, Any]]:
    """Rows of (indicator, region) for ``period`` at ``level`` inside ``region`` (default: the level below it),
    with region names. ``public``: anyone may read, small counts are hidden."""
    if not public:
        region = effective_region(user, region)
    level = level or _level_below(region)
    values = run(
        pick_indicators(list(indicators or [])), Period.parse(period), level, region=region, by=by, engine=engine
    )
    rows = [v.as_dict() for v in values]
    if public:
        rows = suppress(rows)
    names = region_names({r["region_code"] for r in rows})
    for row in rows:
        row["region_name"] = names.get(row["region_code"], row["region_code"])
    return rows


def indicator_series(
    user: Any,
    *,
    indicator: str,
    region: str,
    last: str,
    periods: int = 12,
    public: bool = False,
    engine: str | None = None,
) -> list[dict[str, Any]]:
    """One indicator for one region over ``periods`` periods ending with ``last``, oldest first."""
    if not public:
        region = effective_region(user, region)
    chosen = pick_indicators([indicator])
    level = LEVELS[region.count(".") + 1] if region else "national"
    period = Period.parse(last)
    wanted = [period.shifted(-len(period.months) * k) for k in range(periods - 1, -1, -1)]
    out: list[dict[str, Any]] = []
    for p in wanted:
        rows = [v.as_dict() for v in run(chosen, p, level, region=region, engine=engine) if v.region_code == region]
        out.extend(suppress(rows) if public else rows)
    return out


def suppress(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hide any cell built on fewer than ``SMALL_COUNT`` people (numerators and denominators that count
    participants): the value goes with it, the status says why."""
    out = []
    for row in rows:
        row = dict(row)
        small = [k for k in ("numerator", "denominator") if _is_small(row, k)]
        if small:
            for key in (*small, "value"):
                row[key] = None
            row["status"] = "suppressed"
            row["meets_target"] = None
        out.append(row)
    return out


def _is_small(row: dict[str, Any], key: str) -> bool:
    """A count of participants (not rupiah, not desa) between 1 and ``SMALL_COUNT`` - 1."""
    value = row.get(key)
    if value is None or not 0 < value < SMALL_COUNT:
        return False
    indicator = pick_indicators([row["indicator"]])[0]
    term = indicator.terms()[0 if key == "numerator" else 1]
    return term.source == "participants" and term.measure == "count"


def region_names(codes: set[str]) -> dict[str, str]:
    from paritrana.regions.models import Region

    names = dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))
    names[""] = "Indonesia"
    return names
