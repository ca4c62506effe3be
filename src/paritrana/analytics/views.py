"""Indicator pages: the scorecard (regions x indicators, coloured against targets, with the trend), a region's
indicators over time, the exports of the scorecard, the public dashboard and the upload of map boundaries.

Thin: each page parses its GET filters, asks ``analytics.queries`` (which checks the region scope and, for the
public, hides small counts) and renders with ``analytics.reports``. A filter the queries refuse (a level above the
region, a period an indicator has no value for) is shown on the page; a region outside the user's scope is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods

from paritrana.analytics import reports
from paritrana.analytics.boundaries import ATTRIBUTION, MAX_BOUNDARY_BYTES, attribution, do_load_boundary
from paritrana.analytics.definitions import LEVELS, Indicator
from paritrana.analytics.forms import BoundaryForm, PublicForm, ScorecardForm, default_period
from paritrana.analytics.jobs import do_queue_refresh
from paritrana.analytics.models import Boundary
from paritrana.analytics.periods import Period
from paritrana.analytics.queries import effective_region, indicator_series, indicator_values, region_names
from paritrana.analytics.sources import all_indicators
from paritrana.core.errors import N_, InvalidInput, PayloadTooLarge
from paritrana.core.permissions import require, require_national, scope_for
from paritrana.core.views import attempt, confirm_first

#: Periods drawn on a region's charts.
SERIES_PERIODS = 12
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _indicators(period: str = "") -> list[Indicator]:
    """Every indicator defined for the type of ``period`` (all of them without one)."""
    kind = Period.parse(period).type if period else ""
    return [i for i in all_indicators() if not kind or kind in i.period_types]


def _choices(indicators: list[Indicator]) -> list[tuple[str, str]]:
    language = get_language() or "id"
    return [(i.id, i.label(language)) for i in indicators]


def _depth(region: str) -> int:
    """The position in ``LEVELS`` of a region code's level (0: the country)."""
    return region.count(".") + 1 if region else 0


def _name(code: str) -> str:
    return region_names({code}).get(code, code)


def _values(user: Any, f: Filters, period: str, indicators: list[Indicator]) -> list[dict[str, Any]]:
    """``indicator_values`` of these indicators (none asked: no rows, rather than every indicator)."""
    if not indicators:
        return []
    ids = [i.id for i in indicators]
    return indicator_values(user, period=period, level=f.level, region=f.region, indicators=ids)


def _first_error(form: Any) -> str:
    labels = {name: field.label for name, field in form.fields.items()}
    return next((f"{labels.get(name, '')}: {errors[0]}".lstrip(": ") for name, errors in form.errors.items()), "")


@dataclass
class Filters:
    period: str
    level: str
    region: str
    indicator: str = ""


def _filters(user: Any, data: dict[str, Any]) -> Filters:
    """The period, level and region a scorecard is for: the region checked against the user's scope (someone
    working in several regions starts with the first), the level below the region unless one is chosen."""
    period, level, region = data.get("period") or default_period(), data.get("level") or "", data.get("region") or ""
    if not region:
        scope = scope_for(user, "indicators.view")
        if not scope.national and len(scope.codes) > 1:
            region = sorted(scope.codes)[0]
    region = effective_region(user, region)
    if level and LEVELS.index(level) < _depth(region):
        raise InvalidInput(
            N_("The level {level} lies above the region {region}; choose one at or below it."),
            field="level",
            level=reports.level_label(level),
            region=region,
        )
    level = level or LEVELS[min(_depth(region) + 1, len(LEVELS) - 1)]
    return Filters(period, level, region, data.get("indicator") or "")


def _scorecard(user: Any, f: Filters, sort: str = "", descending: bool = False) -> reports.Scorecard:
    indicators = _indicators(f.period)
    rows = _values(user, f, f.period, indicators)
    previous_period = Period.parse(f.period).previous().label
    previous = _values(user, f, previous_period, indicators)
    return reports.build_scorecard(
        rows,
        period=f.period,
        level=f.level,
        region=f.region,
        region_name=_name(f.region),
        indicators=indicators,
        previous=previous,
        previous_period=previous_period,
        sort=sort,
        descending=descending,
    )


def _map(card: reports.Scorecard, indicator_id: str) -> tuple[Any, str]:
    """The choropleth of one indicator when boundaries of the scorecard's level are loaded: (SVG, indicator id)."""
    if not card.rows or not Boundary.objects.filter(level=card.level).exists():
        return None, ""
    boundary = Boundary.objects.get(level=card.level)
    known = {i.id: i for i in _indicators(card.period)}
    chosen = known.get(indicator_id) or (known.get(card.columns[0].id) if card.columns else None)
    if chosen is None:
        return None, ""
    svg = reports.map_svg(boundary.geojson, boundary.code_property, card.rows, chosen, region=card.region)
    credit = attribution(boundary.geojson)
    if svg is not None and credit:  # the credit the boundaries' licence asks for, under the map
        svg = format_html('{}<small class="map-credit" data-testid="map-credit">{}</small>', svg, credit)
    return svg, chosen.id


def _region_datalist(user: Any) -> list[tuple[str, str]]:
    """Region codes to offer in the filter: the provinces and kabupaten/kota inside the user's scope."""
    from paritrana.regions.models import Region

    scope = scope_for(user, "indicators.view")
    codes = set(Region.objects.filter(scope.q("code"), level__lte=2).values_list("code", flat=True)) | scope.codes
    return [(code, name) for code, name in sorted(region_names(codes).items()) if code]


@login_required
@require_http_methods(["POST"])
def refresh(request: HttpRequest) -> HttpResponse:
    """Rebuild the registry's facts from the bills, as a background job (minutes at national size)."""
    job = do_queue_refresh(actor=request.user)
    messages.success(request, gettext("The facts refresh is queued."))
    return redirect("web:job", pk=job.pk)


@login_required
@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    require(request.user, "indicators.view")
    form = ScorecardForm(request.GET or None, indicators=_choices(_indicators()))
    card, error, map_svg, map_indicator = None, "", None, ""
    if form.is_bound and not form.is_valid():
        error = _first_error(form)
    else:
        data = form.cleaned_data if form.is_bound else {}
        sort, descending = request.GET.get("sort", ""), request.GET.get("desc") == "1"
        card, error = attempt(lambda: _scorecard(request.user, _filters(request.user, data), sort, descending))
        if card is not None:
            map_svg, map_indicator = _map(card, data.get("indicator", ""))
    query = request.GET.copy()
    for key in ("sort", "desc"):
        query.pop(key, None)
    context = {
        "form": form,
        "card": card,
        "error": error,
        "map_svg": map_svg,
        "map_indicator": map_indicator,
        "query": query.urlencode(),
        "export_query": urlencode({"period": card.period, "level": card.level, "region": card.region}) if card else "",
        "regions": _region_datalist(request.user),
        "can_manage_boundaries": scope_for(request.user, "indicators.manage").national,
    }
    template = "analytics/_scorecard.html" if getattr(request, "htmx", False) else "analytics/scorecard.html"
    return render(request, template, context, status=422 if error else 200)


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The scorecard of the same filters as a file: ``export.xlsx``, ``export.csv`` or ``export.pdf``."""
    require(request.user, "indicators.view")
    form = ScorecardForm(request.GET or None, indicators=_choices(_indicators()))
    if form.is_bound and not form.is_valid():
        raise InvalidInput(N_("Invalid filter: {fields}."), field="filters", fields=_first_error(form))
    f = _filters(request.user, form.cleaned_data if form.is_bound else {})
    indicators = _indicators(f.period)
    rows = _values(request.user, f, f.period, indicators)
    if fmt == "csv":
        body = reports.scorecard_csv(rows)
    else:
        previous = _values(request.user, f, Period.parse(f.period).previous().label, indicators)
        render_file = reports.scorecard_xlsx if fmt == "xlsx" else reports.scorecard_pdf
        body = render_file(
            rows,
            period=f.period,
            level=f.level,
            region=f.region,
            region_name=_name(f.region),
            indicators=indicators,
            previous=previous,
        )
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    name = "-".join(p for p in ("kartu-skor", f.period, f.level, f.region.replace(".", "")) if p)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One region: every indicator's value, target, numerator and denominator for the period, and the charts of
    one indicator over the last twelve periods. The charts take a dozen computations, so the page asks for them
    afterwards (``?part=charts``, loaded by HTMX; a plain link without JavaScript)."""
    from paritrana.regions.queries import get_region

    region = get_region(code)
    effective_region(request.user, region.code)  # outside the scope: 403
    form = ScorecardForm(request.GET or None, indicators=_choices(_indicators()))
    if form.is_bound and not form.is_valid():
        raise InvalidInput(N_("Invalid filter: {fields}."), field="filters", fields=_first_error(form))
    data = form.cleaned_data if form.is_bound else {}
    period = data.get("period") or default_period()
    indicators = _indicators(period)
    known = {i.id: i for i in indicators}
    chosen = known.get(data.get("indicator") or "") or (indicators[0] if indicators else None)
    level = LEVELS[_depth(region.code)]
    context: dict[str, Any] = {
        "region": region,
        "form": form,
        "period": period,
        "chosen": chosen,
        "chosen_label": chosen.label(get_language() or "id") if chosen else "",
        "charts_query": urlencode({"period": period, "indicator": chosen.id if chosen else "", "part": "charts"}),
        "children_level": LEVELS[min(_depth(region.code) + 1, len(LEVELS) - 1)],
    }
    if request.GET.get("part") == "charts":

        def draw() -> Any:
            if chosen is None:
                return None
            series = indicator_series(
                request.user, indicator=chosen.id, region=region.code, last=period, periods=SERIES_PERIODS
            )
            return reports.series_chart_svgs(series, chosen) if series else None

        context["charts"], context["error"] = attempt(draw)
        context["part"] = True
        if getattr(request, "htmx", False):
            return render(request, "analytics/_charts.html", context, status=422 if context["error"] else 200)

    def compute() -> reports.Scorecard:
        rows = (
            indicator_values(request.user, period=period, level=level, region=region.code, indicators=list(known))
            if known
            else []
        )
        return reports.build_scorecard(
            [r for r in rows if r["region_code"] == region.code],
            period=period,
            level=level,
            region=region.code,
            region_name=region.name,
            indicators=indicators,
        )

    card, error = attempt(compute)
    context["error"] = context.get("error") or error
    context["card"] = card
    context["items"] = list(zip(card.columns, card.lines[0].cells, strict=True)) if card and card.lines else []
    return render(request, "analytics/region.html", context, status=422 if context["error"] else 200)


@require_GET
def public_dashboard(request: HttpRequest) -> HttpResponse:
    """Published aggregates for everyone, without logging in: the country or one province, and its provinces or
    kabupaten/kota. Counts under five are suppressed; no person is named."""
    from paritrana.regions.models import Region

    provinces = list(Region.objects.filter(level=1).order_by("code").values_list("code", "name"))
    form = PublicForm(request.GET or None, provinces=provinces, indicators=_choices(_indicators()))
    card, total, error, map_svg, map_indicator = None, None, "", None, ""
    if form.is_bound and not form.is_valid():
        error = _first_error(form)
    else:
        data = form.cleaned_data if form.is_bound else {}
        period, province = data.get("period") or default_period(), data.get("province") or ""

        def compute() -> tuple[reports.Scorecard, reports.Scorecard]:
            indicators = _indicators(period)
            ids = [i.id for i in indicators]
            top, below = ("province", "kabupaten") if province else ("national", "province")
            whole, parts = (
                indicator_values(None, period=period, level=lv, region=province, indicators=ids, public=True)
                if ids
                else []
                for lv in (top, below)
            )
            name = _name(province)
            sort, descending = request.GET.get("sort", ""), request.GET.get("desc") == "1"
            table = reports.build_scorecard(
                parts,
                period=period,
                level=below,
                region=province,
                region_name=name,
                indicators=indicators,
                sort=sort,
                descending=descending,
            )
            total = reports.build_scorecard(
                whole, period=period, level=top, region=province, region_name=name, indicators=indicators
            )
            return table, total

        result, error = attempt(compute)
        if result:
            card, total = result
            map_svg, map_indicator = _map(card, data.get("indicator", ""))
    query = request.GET.copy()
    for key in ("sort", "desc"):
        query.pop(key, None)
    context = {
        "form": form,
        "card": card,
        "total": total.lines[0] if total and total.lines else None,
        "error": error,
        "map_svg": map_svg,
        "map_indicator": map_indicator,
        "query": query.urlencode(),
        "public": True,
    }
    template = "analytics/_public.html" if getattr(request, "htmx", False) else "analytics/public.html"
    return render(request, template, context, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def boundaries(request: HttpRequest) -> HttpResponse:
    """Upload the boundaries of a level (GeoJSON) for the maps: national administrators only."""
    require_national(request.user, "indicators.manage")
    packaged = request.method == "POST" and request.POST.get("form") == "packaged"
    form = BoundaryForm(None if packaged else (request.POST or None), None if packaged else (request.FILES or None))
    error = ""
    if packaged:  # the boundaries that ship with Paritrana, in place of what is loaded
        from paritrana.analytics.boundaries import do_load_packaged_boundaries

        done, error = attempt(lambda: do_load_packaged_boundaries(actor=request.user, replace=True))
        if done:
            for level, result in done.items():
                messages.success(
                    request,
                    gettext("Loaded {features} boundaries of the level {level}.").format(
                        features=result["features"], level=reports.level_label(level)
                    ),
                )
            return redirect("analytics:boundaries")
    if request.method == "POST" and not packaged and form.is_valid():
        upload = form.cleaned_data["file"]
        data = form.cleaned_data

        def load() -> Boundary:
            if (upload.size or 0) > MAX_BOUNDARY_BYTES:
                raise PayloadTooLarge(limit=MAX_BOUNDARY_BYTES)
            return do_load_boundary(
                level=data["level"], geojson=upload.read(), code_property=data["code_property"], actor=request.user
            )

        done, error = attempt(load)
        if done:
            messages.success(
                request,
                gettext("Loaded {features} boundaries of the level {level}.").format(
                    features=done.features, level=reports.level_label(done.level)
                ),
            )
            return redirect("analytics:boundaries")
    context = {
        "form": form,
        "error": error,
        "loaded": [
            {
                "level": reports.level_label(b.level),
                "features": b.features,
                "code_property": b.code_property,
                "uploaded_at": b.uploaded_at,
                "packaged": b.credit == ATTRIBUTION,
            }
            for b in Boundary.objects.defer("geojson").annotate(credit=KT("geojson__attribution")).order_by("level")
        ],
    }
    return render(request, "analytics/boundaries.html", context, status=422 if error or form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def reference(request: HttpRequest) -> HttpResponse:
    """The denominators and targets the indicators stand on: BPS workforce per kabupaten/kota and year (upload a
    file), and the targets with their sources (set or remove one). Read in scope; changed by managers."""
    from paritrana.analytics.actions import do_delete_target, do_import_workforce, do_save_target
    from paritrana.analytics.forms import TargetForm, WorkforceForm
    from paritrana.analytics.models import Target, Workforce

    scope = require(request.user, "indicators.view")
    can_manage = not scope_for(request.user, "indicators.manage").empty
    choices = [(i.id, i.label(get_language() or "id")) for i in all_indicators() if i.kind != "gap"]
    workforce_form = WorkforceForm(request.POST or None, request.FILES or None, prefix="wf")
    opened = timezone.now().isoformat()
    target_form = TargetForm(request.POST or None, indicators=choices, prefix="target", initial={"opened": opened})
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "workforce" and workforce_form.is_valid():
            upload = workforce_form.cleaned_data["file"]
            done, error = attempt(
                lambda: do_import_workforce(source=upload.read(), filename=upload.name, actor=request.user)
            )
            if done:
                messages.success(
                    request,
                    gettext("Workforce figures: {created} added, {updated} updated, {unchanged} unchanged.").format(
                        **done
                    ),
                )
                return redirect("analytics:reference")
        elif action == "target" and target_form.is_valid():
            data = target_form.cleaned_data
            done, error = attempt(lambda: do_save_target(actor=request.user, **data))
            if done:
                messages.success(request, gettext("Target saved."))
                return redirect("analytics:reference")
        elif action == "delete-target":
            target = Target.objects.filter(pk=request.POST.get("target") or 0).first()
            seen = request.POST.get("opened")
            if target is None:  # a double submit, or a colleague removed it first
                messages.info(request, gettext("That target was already removed."))
                return redirect("analytics:reference")
            if can_manage:
                page = confirm_first(
                    request,
                    title=gettext("Remove the target of {indicator} for {year}?").format(
                        indicator=target.indicator, year=target.year
                    ),
                    consequences=[
                        gettext("Target {value} for {region} (source: {source}) is removed.").format(
                            value=target.value,
                            region=target.region_code or gettext("national"),
                            source=target.source or "-",
                        ),
                        gettext("Indicators that compare against it show no target until one is saved again."),
                    ],
                    verb=gettext("remove the target"),
                    check=lambda: do_delete_target(target=target, actor=request.user, opened=seen),
                )
                if page is not None:
                    return page
            done, error = attempt(lambda: do_delete_target(target=target, actor=request.user, opened=seen))
            if not error:
                messages.success(request, gettext("Target removed."))
                return redirect("analytics:reference")
    workforce = list(Workforce.objects.filter(scope.q("region_code")).order_by("-year", "region_code"))
    names = region_names({w.region_code for w in workforce})
    context = {
        "workforce": [(w, names.get(w.region_code, "")) for w in workforce],
        "targets": [t for t in Target.objects.all() if not t.region_code or scope.contains(t.region_code)],
        "workforce_form": workforce_form,
        "target_form": target_form,
        "can_manage": can_manage,
        "opened": opened,
        "error": error,
    }
    failed = bool(error or workforce_form.errors or target_form.errors) and request.method == "POST"
    return render(request, "analytics/reference.html", context, status=422 if failed else 200)
