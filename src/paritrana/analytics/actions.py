"""Writes of the analytics app: workforce denominators, targets, indicator definitions, and the facts in the
store. Each validates first, writes in one transaction and audits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from paritrana.analytics.definitions import load_yaml, parse_definitions, standard_indicators
from paritrana.analytics.ingest import read_participants, read_workforce
from paritrana.analytics.models import FactRefresh, IndicatorDefinition, Target, Workforce
from paritrana.analytics.sources import (
    all_indicators,
    billed_months,
    changed_months,
    fresh_statistics,
    registry_facts,
)
from paritrana.analytics.store import FACT_SCHEMA, check_origin, connect, origin_from_filename
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, NotFound, OutOfScope, Words
from paritrana.core.permissions import require, require_national
from paritrana.core.stale import opened_at, refuse_if_saved_since

__all__ = [
    "do_define_indicators",
    "do_delete_indicator",
    "do_delete_target",
    "do_import_workforce",
    "do_load_facts",
    "do_refresh_facts",
    "do_save_target",
]

_WORKFORCE_FIELDS = ("employed", "formal", "informal", "population", "vulnerable", "source")


@transaction.atomic
def do_import_workforce(*, source: Path | bytes, filename: str, actor: Any) -> dict[str, int]:
    """Insert or update BPS workforce figures by (kabupaten/kota, year). The whole file or nothing."""
    scope = require(actor, "indicators.manage")
    rows = read_workforce(source, filename=filename)
    outside = next((r["region_code"] for r in rows if not scope.contains(r["region_code"])), None)
    if outside:
        raise OutOfScope(region=outside)
    existing = {(w.region_code, w.year): w for w in Workforce.objects.select_for_update()}
    created = updated = unchanged = 0
    for row in rows:
        current = existing.get((row["region_code"], row["year"]))
        if current is None:
            Workforce.objects.create(**row)
            created += 1
            continue
        before = {f: getattr(current, f) for f in _WORKFORCE_FIELDS}
        after = {f: row[f] for f in _WORKFORCE_FIELDS}
        if before == after:
            unchanged += 1
            continue
        for name, value in after.items():
            setattr(current, name, value)
        current.save()
        updated += 1
        audit.record(
            actor=actor,
            action="workforce.update",
            obj=current,
            region_code=current.region_code,
            before=before,
            after=after,
        )
    counts = {"rows": len(rows), "created": created, "updated": updated, "unchanged": unchanged}
    audit.record(
        actor=actor, action="workforce.import", object_type="analytics.workforce", after={**counts, "file": filename}
    )
    return counts


def _indicator_ids() -> set[str]:
    return {i.id for i in all_indicators()}


@transaction.atomic
def do_save_target(
    *,
    indicator: str,
    year: int,
    region_code: str = "",
    value: Any,
    source: str,
    actor: Any,
    opened: str | datetime | None = None,
) -> Target:
    """Set an indicator's target for a year, nationally (blank region) or for one region. ``opened``: when the
    caller's page was drawn; a different target saved for the same indicator, year and region since is refused
    rather than replaced (``core.stale``)."""
    from paritrana.regions.models import Region

    _require_target_scope(actor, region_code)
    if indicator not in _indicator_ids():
        raise NotFound(N_("No indicator '{indicator}'."), indicator=indicator)
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput(N_("{value} is not a year."), field="year", value=year)
    if region_code and not Region.objects.filter(code=region_code).exists():
        raise InvalidInput(N_("No region with code {code}."), field="region_code", code=region_code)
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(N_("The target '{value}' is not a number."), field="value", value=value) from None
    if amount < 0:
        raise InvalidInput(N_("A target cannot be negative."), field="value", value=value)
    if not source.strip():
        raise InvalidInput(N_("Say where the target comes from (e.g. RPJMN 2025-2029)."), field="source")
    target, created = Target.objects.select_for_update().get_or_create(
        indicator=indicator, year=year, region_code=region_code, defaults={"value": amount, "source": source}
    )
    if not created and (target.value, target.source) != (amount, source.strip()):
        refuse_if_saved_since(opened_at(opened), target.updated_at, _TARGET_CHANGED, **_target_said(target))
    before = None if created else {"value": str(target.value), "source": target.source}
    target.value, target.source = amount, source.strip()
    target.updated_by = actor if getattr(actor, "pk", None) else None
    target.save()
    audit.record(
        actor=actor,
        action="target.create" if created else "target.update",
        obj=target,
        region_code=region_code,
        before=before,
        after={"indicator": indicator, "year": year, "value": str(amount), "source": target.source},
    )
    return target


def _require_target_scope(actor: Any, region_code: str) -> None:
    """National targets are set nationally; a region's own target inside the user's scope."""
    if region_code:
        require(actor, "indicators.manage", region_code)
    else:
        require_national(actor, "indicators.manage")


_TARGET_CHANGED = N_(
    "The target of {indicator} for {year} ({region}) was set to {value} (source: {source}) at {when}, after you "
    "opened the page: nothing was saved. Reload the page to see the change, then make yours again if it is still "
    "needed."
)


def _target_said(target: Target) -> dict[str, Any]:
    return {
        "indicator": target.indicator,
        "year": str(target.year),
        "region": target.region_code or Words(N_("national")),
        "value": target.value,
        "source": target.source,
    }


@transaction.atomic
def do_delete_target(*, target: Target, actor: Any, opened: str | datetime | None = None) -> None:
    """Remove a target. ``opened``: when the caller's page was drawn; a target changed since is not removed."""
    _require_target_scope(actor, target.region_code)
    locked = Target.objects.select_for_update().filter(pk=target.pk).first()
    if locked is None:
        raise NotFound(N_("No such target."))
    target = locked
    refuse_if_saved_since(opened_at(opened), target.updated_at, _TARGET_CHANGED, **_target_said(target))
    audit.record(
        actor=actor,
        action="target.delete",
        obj=target,
        region_code=target.region_code,
        before={
            "indicator": target.indicator,
            "year": target.year,
            "value": str(target.value),
            "source": target.source,
        },
    )
    target.delete()


@transaction.atomic
def do_define_indicators(*, text: str, actor: Any) -> list[str]:
    """Add or replace user-defined indicators from YAML or JSON; the standard ones cannot be redefined."""
    require_national(actor, "indicators.manage")
    indicators = parse_definitions(load_yaml(text))
    standard = {i.id for i in standard_indicators()}
    for indicator in indicators:
        if indicator.id in standard:
            raise Conflict(
                N_("{indicator} is a standard indicator; give yours another id."), field="id", indicator=indicator.id
            )
    saved = []
    for indicator in indicators:
        definition = indicator.model_dump(mode="json", exclude={"standard"}, exclude_defaults=True)
        row, created = IndicatorDefinition.objects.update_or_create(
            key=indicator.id, defaults={"definition": definition}
        )
        audit.record(actor=actor, action="indicator.define", obj=row, after={"created": created, **definition})
        saved.append(indicator.id)
    return saved


@transaction.atomic
def do_delete_indicator(*, key: str, actor: Any) -> None:
    require_national(actor, "indicators.manage")
    row = IndicatorDefinition.objects.filter(key=key).first()
    if row is None:
        raise NotFound(N_("No user-defined indicator '{indicator}'."), indicator=key)
    audit.record(actor=actor, action="indicator.delete", obj=row, before=row.definition)
    row.delete()


def do_refresh_facts(
    *,
    actor: Any,
    source: str | None = None,
    engine: str | None = None,
    full: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Rebuild the registry's worker-month facts in the store from the bills of the sponsorship programs: the months
    that changed since the last refresh into this store (``sources.changed_months``), or every month when ``full``
    or when the store was never refreshed (or was emptied since). A national registry bills ten million lines a
    month: rebuilding only what changed keeps a refresh to a month or two of lines, not every month ever billed.

    Month by month: each month is read and replaced on its own (one transaction, or one swap of a Parquet folder),
    so a refresh holds one month in memory, whatever the number of months. ``progress(done, total)`` hears of the
    months done."""
    require_national(actor, "indicators.manage")
    started = timezone.now()  # what changes from here on is the next refresh's
    store = connect(engine, source)
    try:
        last = FactRefresh.objects.filter(origin="registry", location=store.label).first()
        whole = full or last is None or not store.holds("registry")
        months = billed_months() if whole or last is None else changed_months(last.started_at)
        stray = sorted(set(store.months("registry")) - set(months)) if whole else []
        if stray:  # months the store holds that no bill names any more (bills removed by hand): emptied
            store.replace_origin("registry", FACT_SCHEMA.empty_table(), months=stray)
        fresh_statistics()
        rows = 0
        for done, month in enumerate(months):
            if progress:
                progress(done, len(months))
            rows += store.replace_origin("registry", registry_facts(months=[month], analyze=False), months=[month])
    finally:
        store.close()
    summary = {
        "origin": "registry",
        "rows": rows,
        "store": store.label,
        "full": whole,
        "months": [m.isoformat()[:7] for m in months],
    }
    FactRefresh.objects.create(
        origin="registry",
        location=store.label,
        started_at=started,
        full=whole,
        months=summary["months"],
        rows=rows,
    )
    audit.record(actor=actor, action="facts.refresh", object_type="analytics.facts", after=summary)
    return summary


def do_load_facts(
    *, path: Path, actor: Any, origin: str | None = None, source: str | None = None, engine: str | None = None
) -> dict[str, Any]:
    """Load a bulk participant file into the store, replacing what an earlier load of the same origin put there.

    ``origin`` (default: made from the file name) must be a plain name: it names a folder in a Parquet store. It is
    checked before the file is read; the store checks it again on writing, for every other writer."""
    require_national(actor, "indicators.manage")
    origin = origin_from_filename(path.name) if origin is None else check_origin(origin)
    if origin == "registry":
        raise InvalidInput(
            N_("'registry' is the origin of refreshed facts; name this file's origin otherwise."), field="origin"
        )
    facts = read_participants(path, filename=path.name, origin=origin)
    store = connect(engine, source)
    try:
        rows = store.replace_origin(origin, facts)
    finally:
        store.close()
    summary = {"origin": origin, "rows": rows, "store": store.location, "file": path.name}
    audit.record(actor=actor, action="facts.load", object_type="analytics.facts", after=summary)
    return summary
