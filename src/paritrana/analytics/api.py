"""Coverage indicators API: values per region and period (on any engine), their series, the definitions, targets,
workforce denominators and the facts. The same queries and actions as the pages and the command line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, UploadedFile

from paritrana.analytics import actions, queries
from paritrana.analytics.jobs import do_queue_refresh
from paritrana.analytics.models import Target, Workforce
from paritrana.analytics.sources import all_indicators
from paritrana.analytics.store import connect
from paritrana.core.errors import N_, NotFound
from paritrana.core.jobs import JobOut
from paritrana.core.permissions import require, require_national
from paritrana.core.sheets import check_size

router = Router(tags=["indicators"])


class ValuesQuery(Schema):
    period: str = Field(description="2024-12 (month), 2024Q4 (quarter) or 2024 (year)")
    level: str = Field("", description="national, province, kabupaten, kecamatan or desa (default: below region)")
    region: str = Field("", description="only inside this region (default: your scope)")
    indicator: list[str] = Field(default_factory=list, description="indicator ids (default: all)")
    by: str = Field("", description="disaggregate by these fields, comma-separated (segment, funder)")
    engine: str | None = Field(None, description="duckdb (default), postgres or spark")


class ValueOut(Schema):
    indicator: str
    period: str
    level: str
    region_code: str
    region_name: str
    numerator: int | None
    denominator: int | None
    value: float | None
    target: float | None
    status: str = Field(description="ok, no_denominator, no_baseline, no_target or suppressed")
    meets_target: bool | None
    segment: str | None = None
    funder: str | None = None


@router.get("/indicators/values", response=list[ValueOut], summary="Indicator values per region for a period")
def get_values(request: HttpRequest, params: Query[ValuesQuery]) -> list[dict[str, Any]]:
    return queries.indicator_values(
        request.user,
        period=params.period,
        level=params.level,
        region=params.region,
        indicators=params.indicator,
        by=[b for b in params.by.split(",") if b],
        engine=params.engine,
    )


@router.get("/public/indicators", response=list[ValueOut], auth=None, summary="Published aggregates (no login)")
def get_public_values(
    request: HttpRequest, period: str, level: str = "province", region: str = ""
) -> list[dict[str, Any]]:
    """Aggregates only, at province or kabupaten/kota level or nationally; cells under 5 people are hidden."""
    if level not in ("national", "province", "kabupaten"):
        level = "province"
    return queries.indicator_values(None, period=period, level=level, region=region, public=True)


@router.get("/indicators/series", response=list[ValueOut], summary="One indicator for one region over time")
def get_series(
    request: HttpRequest, indicator: str, last: str, region: str = "", periods: int = 12
) -> list[dict[str, Any]]:
    rows = queries.indicator_series(
        request.user, indicator=indicator, region=region, last=last, periods=min(periods, 60)
    )
    names = queries.region_names({r["region_code"] for r in rows})
    return [{**r, "region_name": names.get(r["region_code"], r["region_code"])} for r in rows]


class DefinitionOut(Schema):
    id: str
    standard: bool
    definition: dict[str, Any]


@router.get("/indicators/definitions", response=list[DefinitionOut], summary="Indicator definitions")
def get_definitions(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.user, "indicators.view")
    return [
        {"id": i.id, "standard": i.standard, "definition": i.model_dump(mode="json", exclude={"standard"})}
        for i in all_indicators()
    ]


class DefinitionsIn(Schema):
    text: str = Field(description="one indicator or a list of them, in YAML or JSON (see docs/indicators.md)")


@router.post("/indicators/definitions", response={201: dict[str, list[str]]}, summary="Add or replace indicators")
def post_definitions(request: HttpRequest, body: DefinitionsIn) -> tuple[int, dict[str, list[str]]]:
    return 201, {"defined": actions.do_define_indicators(text=body.text, actor=request.user)}


@router.delete("/indicators/definitions/{key}", response={204: None}, summary="Remove a user-defined indicator")
def delete_definition(request: HttpRequest, key: str) -> tuple[int, None]:
    actions.do_delete_indicator(key=key, actor=request.user)
    return 204, None


class TargetIn(Schema):
    indicator: str
    year: int
    region_code: str = Field("", description="blank: the national target")
    value: float | str
    source: str = Field(max_length=300, description="where the target comes from")
    unchanged_since: datetime | None = Field(
        None,
        description="When you last read the targets (e.g. the updated_at you were shown): a different target saved "
        "for this indicator, year and region after it is not replaced (409). Leave it out to set unconditionally.",
    )


class TargetOut(Schema):
    id: int
    indicator: str
    year: int
    region_code: str
    value: float
    source: str
    updated_at: datetime


@router.get("/indicators/targets", response=list[TargetOut], summary="Targets (national and of your regions)")
def get_targets(request: HttpRequest) -> list[Target]:
    scope = require(request.user, "indicators.view")
    return [t for t in Target.objects.all() if not t.region_code or scope.contains(t.region_code)]


@router.put("/indicators/targets", response=TargetOut, summary="Set a target (created or replaced)")
def put_target(request: HttpRequest, body: TargetIn) -> Target:
    return actions.do_save_target(
        indicator=body.indicator,
        year=body.year,
        region_code=body.region_code,
        value=body.value,
        source=body.source,
        actor=request.user,
        opened=body.unchanged_since,
    )


@router.delete("/indicators/targets/{target_id}", response={204: None}, summary="Remove a target")
def delete_target(request: HttpRequest, target_id: int, unchanged_since: datetime | None = None) -> tuple[int, None]:
    """``unchanged_since``: a target changed after this moment is not removed (409)."""
    require(request.user, "indicators.manage")
    target = Target.objects.filter(pk=target_id).first()
    if target is None:
        raise NotFound(N_("No such target."))
    actions.do_delete_target(target=target, actor=request.user, opened=unchanged_since)
    return 204, None


class WorkforceOut(Schema):
    region_code: str
    year: int
    employed: int
    formal: int
    informal: int
    population: int | None
    vulnerable: int | None
    source: str


@router.get("/indicators/workforce", response=list[WorkforceOut], summary="BPS workforce denominators")
def get_workforce(request: HttpRequest, year: int | None = None) -> Any:
    rows = Workforce.objects.filter(require(request.user, "indicators.view").q("region_code"))
    return rows.filter(year=year) if year else rows


@router.post("/indicators/workforce/import", summary="Import workforce figures (CSV/XLSX); errors write nothing")
def post_workforce(request: HttpRequest, file: File[UploadedFile]) -> dict[str, int]:
    check_size(file.name or "", file.size)
    return actions.do_import_workforce(source=file.read(), filename=file.name or "workforce.csv", actor=request.user)


class OriginOut(Schema):
    origin: str
    rows: int
    first_month: date | None
    last_month: date | None
    kabupaten: int


@router.get("/indicators/facts", response=list[OriginOut], summary="What the fact store holds, per origin")
def get_facts(request: HttpRequest) -> list[dict[str, Any]]:
    require_national(request.user, "indicators.manage")
    store = connect(read_only=True)
    try:
        return store.origins()
    finally:
        store.close()


@router.post(
    "/indicators/facts/refresh",
    response={200: dict[str, Any], 202: JobOut},
    summary="Rebuild the registry's facts from the sponsorship bills; background=true queues it as a job",
)
def post_refresh(request: HttpRequest, background: bool = False, full: bool = False) -> Any:
    """The months that changed since the last refresh (``?full=true``: every month). At national size a refresh
    takes a minute or more: ``?background=true`` answers 202 with the job at once."""
    if background:
        return 202, do_queue_refresh(actor=request.user, full=full)
    return actions.do_refresh_facts(actor=request.user, full=full)
