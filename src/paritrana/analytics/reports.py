"""The coverage scorecard as a table, a workbook, a CSV file, a PDF, and the charts and map that go with it.

Everything here starts from the rows of ``analytics.queries.indicator_values`` (already scoped and, for the public,
suppressed), so a page, an API endpoint or the command line renders the same figures:

- ``build_scorecard``: regions x indicators, each cell with its value, its colour against the target, the status
  in words when there is no value ("no denominator", never "0%"), and the trend against the previous period.
- ``scorecard_xlsx``: sheets "Kartu skor" (the table, coloured), "Data" (one row per region and indicator, numerator
  and denominator included) and "Indikator" (the definitions).
- ``scorecard_csv``: the rows, one per region and indicator, with machine-readable column names.
- ``scorecard_pdf``: WeasyPrint renders ``analytics/scorecard_report.html`` (A4 landscape).
- ``series_chart_svgs`` and ``map_svg``: Vega-Lite specs built with Altair and drawn to inline SVG by vl-convert,
  as the monev report does (no JavaScript charting library is served).

The documents are in Bahasa Indonesia whatever the request language (they are filed with the Pemda); the page is in
the request language. weasyprint, altair, vl_convert and openpyxl are imported where they are used: they are slow
to import and most requests never need them.

Why one module of this size: every indicator report (page tables, XLSX, PDF, the map and the charts) renders the
same rows with the same labels and formats.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from paritrana.analytics.definitions import Indicator
from paritrana.analytics.periods import Period
from paritrana.core.dates import JAKARTA
from paritrana.core.tables import neutralise, rows_csv

__all__ = [
    "Scorecard",
    "build_scorecard",
    "level_label",
    "map_spec",
    "map_svg",
    "period_label",
    "scorecard_csv",
    "scorecard_pdf",
    "scorecard_xlsx",
    "series_chart_specs",
    "series_chart_svgs",
    "status_label",
]

logger = logging.getLogger(__name__)

LANGUAGE = "id"
TEMPLATE = "analytics/scorecard_report.html"
#: Within this share of its target (80%), a value that misses it is amber rather than red.
NEAR_TARGET = 0.8

LEVEL_LABELS = {
    "national": _("national"),
    "province": _("province"),
    "kabupaten": _("kabupaten/kota"),
    "kecamatan": _("kecamatan"),
    "desa": _("desa/kelurahan"),
}
STATUS_LABELS = {
    "ok": _("value"),
    "no_denominator": _("no denominator"),
    "no_baseline": _("no baseline"),
    "no_target": _("no target"),
    "suppressed": _("suppressed (fewer than 5)"),
    "missing": _("no data"),
}
#: The colour of a cell, by what it says about the target: CSS class (page, PDF) and fill (workbook, map legend).
COLOURS = {"meets": "#bbf7d0", "near": "#fde68a", "below": "#fecaca", "none": "#e5e7eb"}
COLOUR_LABELS = {
    "meets": _("meets the target"),
    "near": _("within 80% of the target"),
    "below": _("below 80% of the target"),
    "none": _("no value or no target"),
}
#: The columns of the CSV file and the "Data" sheet, in order (disaggregation keys, if any, come after).
ROW_KEYS = (
    "indicator",
    "period",
    "level",
    "region_code",
    "region_name",
    "numerator",
    "denominator",
    "value",
    "target",
    "status",
    "meets_target",
)
#: d3-format locale for chart axes: Indonesian digit grouping (as the monev charts).
CHART_FORMAT_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]}
CHART_WIDTH = 640
MAP_WIDTH = 900
MAP_HEIGHT = 380


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def period_label(text: str) -> str:
    """``2024-05`` as "Mei 2024", ``2024Q2`` as "Triwulan 2 2024", ``2024`` as "2024", in the active language."""
    from django.utils.dateformat import format as format_date

    period = Period.parse(text)
    if period.type == "month":
        return format_date(period.first, "F Y")
    if period.type == "quarter":
        return gettext("Quarter {quarter} {year}").format(quarter=(period.first.month + 2) // 3, year=period.year)
    return str(period.year)


def format_value(value: float | int | None, indicator: Indicator) -> str:
    """The value as people read it in the active language: ``12,34%``, ``1.234``."""
    if value is None:
        return ""
    text = number_format(value, decimal_pos=indicator.decimals, use_l10n=True, force_grouping=True)
    return f"{text}%" if indicator.unit == "percent" else text


def format_count(value: int | None) -> str:
    return "" if value is None else number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def colour(row: Mapping[str, Any], indicator: Indicator) -> str:
    """``meets`` the target, ``near`` it (within 80%), ``below`` it, or ``none`` (no value, or no target to meet)."""
    value, target = row.get("value"), row.get("target")
    if row.get("status") != "ok" or value is None or row.get("meets_target") is None:
        return "none"
    if row["meets_target"]:
        return "meets"
    if indicator.kind == "gap" or target is None:  # a gap is met or not: its value is people, its target a share
        return "below"
    if indicator.direction == "higher":
        return "near" if value >= NEAR_TARGET * target else "below"
    return "near" if value * NEAR_TARGET <= target else "below"


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    unit: str
    direction: str


@dataclass
class Cell:
    indicator: str
    status: str
    colour: str
    text: str
    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    target: float | None = None
    target_text: str = ""
    trend: str = ""  # up | down | flat | "" (nothing to compare)
    trend_good: bool | None = None
    previous_text: str = ""

    @property
    def fill(self) -> str:
        return COLOURS[self.colour]


@dataclass
class Line:
    region_code: str
    region_name: str
    cells: list[Cell]


@dataclass
class Scorecard:
    period: str
    level: str
    region: str
    region_name: str
    columns: list[Column]
    lines: list[Line]
    rows: list[dict[str, Any]] = field(default_factory=list)
    previous_period: str = ""
    sort: str = ""
    descending: bool = False
    generated: datetime = field(default_factory=timezone.now)

    @property
    def period_text(self) -> str:
        return period_label(self.period)

    @property
    def level_text(self) -> str:
        return level_label(self.level)

    @property
    def generated_text(self) -> str:
        return f"{self.generated.astimezone(JAKARTA):%Y-%m-%d %H:%M} WIB"


def _indicators_of(rows: Sequence[Mapping[str, Any]], indicators: Sequence[Indicator] | None) -> list[Indicator]:
    """The columns: the indicators asked for (a column without values says so), else those the rows hold."""
    if indicators is not None:
        return list(indicators)
    from paritrana.analytics.sources import all_indicators

    present = {r["indicator"] for r in rows}
    return [i for i in all_indicators() if i.id in present]


def _plain(row: Mapping[str, Any]) -> bool:
    """A row of the whole region, not one cell of a breakdown (by segment, funder...)."""
    return not (set(row) - set(ROW_KEYS))


def _cell(row: Mapping[str, Any] | None, indicator: Indicator, previous: Mapping[str, Any] | None) -> Cell:
    if row is None:
        return Cell(indicator.id, "missing", "none", status_label("missing"))
    status = row["status"]
    value = row.get("value")
    cell = Cell(
        indicator=indicator.id,
        status=status,
        colour=colour(row, indicator),
        text=format_value(value, indicator) if status == "ok" and value is not None else status_label(status),
        value=value,
        numerator=row.get("numerator"),
        denominator=row.get("denominator"),
        target=row.get("target"),
    )
    if cell.target is not None and indicator.kind != "gap":  # a gap's target is a share; its value, people
        text = number_format(cell.target, decimal_pos=2, use_l10n=True, force_grouping=True)
        cell.target_text = f"{text}%" if indicator.unit == "percent" else text
    before = previous.get("value") if previous else None
    if value is not None and before is not None and status == "ok" and previous and previous["status"] == "ok":
        cell.previous_text = format_value(before, indicator)
        cell.trend = "up" if value > before else "down" if value < before else "flat"
        if cell.trend != "flat":
            cell.trend_good = (cell.trend == "up") == (indicator.direction == "higher")
    return cell


def build_scorecard(
    rows: Sequence[Mapping[str, Any]],
    *,
    period: str,
    level: str,
    region: str = "",
    region_name: str = "",
    indicators: Sequence[Indicator] | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    previous_period: str = "",
    sort: str = "",
    descending: bool = False,
) -> Scorecard:
    """Regions x indicators from ``indicator_values`` rows (and those of the period before, for the trend).
    ``sort``: ``region`` (by name, the default), ``code``, or an indicator id (by value, regions without one last).
    """
    chosen = _indicators_of(rows, indicators)
    plain = [dict(r) for r in rows if _plain(r)]
    by_key = {(r["region_code"], r["indicator"]): r for r in plain}
    before = {(r["region_code"], r["indicator"]): r for r in previous if _plain(r)}
    names = {r["region_code"]: r.get("region_name") or r["region_code"] for r in plain}
    lines = [
        Line(code, names[code], [_cell(by_key.get((code, i.id)), i, before.get((code, i.id))) for i in chosen])
        for code in names
    ]
    ids = [i.id for i in chosen]
    if sort in ids:
        position = ids.index(sort)

        def by_value(line: Line) -> tuple[int, float]:
            value = line.cells[position].value
            if value is None:
                return (1, 0.0)
            return (0, -value if descending else value)

        lines.sort(key=lambda line: line.region_name)
        lines.sort(key=by_value)
    else:
        sort = "code" if sort == "code" else "region"
        lines.sort(key=lambda line: line.region_code if sort == "code" else line.region_name, reverse=descending)
    language = get_language() or LANGUAGE
    columns = [Column(i.id, i.label(language), i.unit, i.direction) for i in chosen]
    return Scorecard(
        period=period,
        level=level,
        region=region,
        region_name=region_name or region or "Indonesia",
        columns=columns,
        lines=lines,
        rows=plain,
        previous_period=previous_period,
        sort=sort,
        descending=descending,
    )


# CSV ------------------------------------------------------------------------------------------------------------


def _keys(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    extra: dict[str, None] = {}
    for row in rows:
        extra.update(dict.fromkeys(k for k in row if k not in ROW_KEYS))
    return [*ROW_KEYS, *extra]


def scorecard_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """One line per region and indicator (and breakdown), machine-readable column names; UTF-8 with a BOM so
    that Excel opens it with the right characters. Values use a decimal point."""
    return rows_csv(_keys(rows), rows, bom=True)


# XLSX -----------------------------------------------------------------------------------------------------------

DATA_HEADERS = {
    "indicator": "Indikator",
    "period": "Periode",
    "level": "Tingkat",
    "region_code": "Kode wilayah",
    "region_name": "Nama wilayah",
    "numerator": "Pembilang",
    "denominator": "Penyebut",
    "value": "Nilai",
    "target": "Target",
    "status": "Status",
    "meets_target": "Mencapai target",
}


def _subtitle(card: Scorecard) -> str:
    return (
        f"Periode {card.period_text}; tingkat {card.level_text}; wilayah {card.region_name}"
        f"{f' ({card.region})' if card.region else ''}; dibuat {card.generated_text}"
    )


def _document_card(rows: Sequence[Mapping[str, Any]], meta: dict[str, Any]) -> Scorecard:
    with translation.override(LANGUAGE):
        return build_scorecard(rows, **meta)


def scorecard_xlsx(
    rows: Sequence[Mapping[str, Any]],
    *,
    period: str,
    level: str,
    region: str = "",
    region_name: str = "",
    indicators: Sequence[Indicator] | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    title: str = "Kartu skor cakupan jaminan sosial ketenagakerjaan",
) -> bytes:
    """The scorecard workbook (see the module docstring): values as numbers, not formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    meta = {"period": period, "level": level, "region": region, "region_name": region_name}
    card = _document_card(rows, {**meta, "indicators": indicators, "previous": previous})
    chosen = {i.id: i for i in _indicators_of(rows, indicators)}
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E5E7EB")
    with translation.override(LANGUAGE):
        workbook = Workbook()
        workbook.properties.title = title
        workbook.properties.creator = "Paritrana"
        workbook.properties.language = "id-ID"

        sheet = workbook.active
        sheet.title = "Kartu skor"
        sheet["A1"] = title
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A2"] = _subtitle(card)
        headers = ["Kode wilayah", "Nama wilayah", *(c.label for c in card.columns)]
        for col, header in enumerate(headers, start=1):
            cell = sheet.cell(row=4, column=col, value=header)
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[get_column_letter(col)].width = 14 if col == 1 else 30 if col == 2 else 18
        for r, line in enumerate(card.lines, start=5):
            sheet.cell(row=r, column=1, value=line.region_code)
            sheet.cell(row=r, column=2, value=line.region_name)
            for col, c in enumerate(line.cells, start=3):
                indicator = chosen[c.indicator]
                cell = sheet.cell(row=r, column=col, value=c.value if c.value is not None else c.text)
                if c.value is not None:
                    cell.number_format = "0." + "0" * indicator.decimals if indicator.decimals else "#,##0"
                    cell.alignment = Alignment(horizontal="right")
                cell.fill = PatternFill("solid", fgColor=c.fill.lstrip("#").upper())
        sheet.freeze_panes = "C5"
        legend = 6 + len(card.lines)
        sheet.cell(row=legend, column=1, value="Keterangan warna").font = bold
        for k, (key, label) in enumerate(COLOUR_LABELS.items(), start=1):
            cell = sheet.cell(row=legend + k, column=1, value=str(label))
            cell.fill = PatternFill("solid", fgColor=COLOURS[key].lstrip("#").upper())
        note = legend + len(COLOUR_LABELS) + 1
        sheet.cell(row=note, column=1, value="Nilai persen ditulis tanpa tanda %, mis. 4,25 berarti 4,25%.")

        data = workbook.create_sheet("Data")
        keys = _keys(rows)
        for col, key in enumerate(keys, start=1):
            cell = data.cell(row=1, column=col, value=DATA_HEADERS.get(key, key))
            cell.font, cell.fill = bold, header_fill
            data.column_dimensions[get_column_letter(col)].width = 16
        for r, row in enumerate(rows, start=2):
            for col, key in enumerate(keys, start=1):
                value = row.get(key)
                if key == "status":
                    value = status_label(str(value))
                elif key == "level":
                    value = level_label(str(value))
                elif key == "meets_target":
                    value = "" if value is None else ("ya" if value else "tidak")
                data.cell(row=r, column=col, value=neutralise(value))
        data.freeze_panes = "A2"
        if rows:
            data.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{len(rows) + 1}"

        about = workbook.create_sheet("Indikator")
        for col, header in enumerate(["Indikator", "Nama", "Keterangan", "Satuan", "Arah baik"], start=1):
            cell = about.cell(row=1, column=col, value=header)
            cell.font, cell.fill = bold, header_fill
        for r, indicator in enumerate(chosen.values(), start=2):
            about.cell(row=r, column=1, value=indicator.id)
            about.cell(row=r, column=2, value=indicator.label(LANGUAGE))
            about.cell(row=r, column=3, value=indicator.description.get(LANGUAGE, ""))
            about.cell(row=r, column=4, value={"percent": "persen", "count": "jumlah"}.get(indicator.unit, "rasio"))
            about.cell(
                row=r,
                column=5,
                value="makin tinggi makin baik" if indicator.direction == "higher" else "makin rendah makin baik",
            )
        for letter, width in zip("ABCDE", (26, 50, 80, 10, 24), strict=True):
            about.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# PDF ------------------------------------------------------------------------------------------------------------


def scorecard_html(
    rows: Sequence[Mapping[str, Any]],
    *,
    period: str,
    level: str,
    region: str = "",
    region_name: str = "",
    indicators: Sequence[Indicator] | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    title: str = "Kartu skor cakupan jaminan sosial ketenagakerjaan",
) -> str:
    """The HTML the PDF is printed from (useful on its own for a preview)."""
    meta = {"period": period, "level": level, "region": region, "region_name": region_name}
    card = _document_card(rows, {**meta, "indicators": indicators, "previous": previous})
    with translation.override(LANGUAGE):
        chosen = _indicators_of(rows, indicators)
        context = {
            "title": title,
            "card": card,
            "subtitle": _subtitle(card),
            "legend": [(COLOURS[k], str(v)) for k, v in COLOUR_LABELS.items()],
            "indicators": [
                {"number": n, "id": i.id, "name": i.label(LANGUAGE), "description": i.description.get(LANGUAGE, "")}
                for n, i in enumerate(chosen, start=1)
            ],
        }
        return render_to_string(TEMPLATE, context)


def scorecard_pdf(
    rows: Sequence[Mapping[str, Any]],
    *,
    period: str,
    level: str,
    region: str = "",
    region_name: str = "",
    indicators: Sequence[Indicator] | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    title: str = "Kartu skor cakupan jaminan sosial ketenagakerjaan",
) -> bytes:
    """The scorecard as an A4 landscape PDF in Bahasa Indonesia."""
    import weasyprint

    html = scorecard_html(
        rows,
        period=period,
        level=level,
        region=region,
        region_name=region_name,
        indicators=indicators,
        previous=previous,
        title=title,
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    logger.info("scorecard PDF: %s rows, %s bytes", len(rows), len(pdf))
    return bytes(pdf)


# Charts and the map ---------------------------------------------------------------------------------------------


def _svg(spec: dict[str, Any]) -> SafeString:
    """A Vega-Lite spec drawn as SVG markup. Vega's SVG renderer escapes text, so the markup is safe."""
    import vl_convert as vlc

    return mark_safe(vlc.vegalite_to_svg(spec, format_locale=CHART_FORMAT_LOCALE))  # noqa: S308 - Vega escapes text


#: Marks carry no ARIA role: a point or a line is not an image of its own, and without a label each would be an
#: unnamed image to a screen reader (axe svg-img-alt). The axes keep their labels and the page states the figures.
_CONFIG = {"font": "DejaVu Sans", "background": "white", "view": {"stroke": None}, "mark": {"aria": False}}


def series_chart_specs(series: Sequence[Mapping[str, Any]], indicator: Indicator) -> dict[str, dict[str, Any]]:
    """Two Vega-Lite specs over the periods of ``series`` (``indicator_series`` rows, oldest first): ``value``
    (the indicator, with its target as a dashed line) and ``counts`` (numerator and denominator)."""
    import altair as alt

    language = get_language() or LANGUAGE
    labels = [period_label(r["period"]) for r in series]
    order = list(dict.fromkeys(labels))
    values = [
        {"period": label, "value": r.get("value"), "target": r.get("target")}
        for label, r in zip(labels, series, strict=True)
    ]
    unit = "%" if indicator.unit == "percent" else ""
    x = alt.X("period:N", title=None, sort=order, axis=alt.Axis(labelAngle=-45))
    base = alt.Chart(alt.Data(values=values), title=indicator.label(language))
    line = base.mark_line(point=True, color="#2563eb").encode(
        x=x, y=alt.Y("value:Q", title=f"{gettext('Value')} {unit}".strip())
    )
    layers = [line]
    if any(v["target"] is not None for v in values):
        layers.append(base.mark_line(color="#16a34a", strokeDash=[6, 4]).encode(x=x, y="target:Q"))
    value_chart = alt.layer(*layers).properties(width=CHART_WIDTH, height=220)
    numerator, denominator = gettext("Numerator"), gettext("Denominator")
    counts = [
        {"period": label, "series": name, "amount": r.get(key)}
        for label, r in zip(labels, series, strict=True)
        for name, key in ((numerator, "numerator"), (denominator, "denominator"))
        if r.get(key) is not None
    ]
    counts_chart = (
        alt.Chart(alt.Data(values=counts), title=gettext("Numerator and denominator"))
        .mark_bar()
        .encode(
            x=x,
            xOffset=alt.XOffset("series:N", sort=[numerator, denominator]),
            y=alt.Y("amount:Q", title=None),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=[numerator, denominator], range=["#2563eb", "#9ca3af"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(width=CHART_WIDTH, height=180)
    )
    return {
        "value": {**value_chart.to_dict(), "config": _CONFIG},
        "counts": {**counts_chart.to_dict(), "config": _CONFIG},
    }


def series_chart_svgs(series: Sequence[Mapping[str, Any]], indicator: Indicator) -> dict[str, SafeString]:
    return {name: _svg(spec) for name, spec in series_chart_specs(series, indicator).items()}


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Twice the signed planar area of a ring in longitude/latitude: positive when it runs counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:], strict=False))


def _rewound(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """The geometry with its rings wound as Vega (d3-geo) needs them: outer rings clockwise, holes
    counter-clockwise. GeoJSON (RFC 7946) asks for the opposite and files come both ways; a ring wound the other
    way draws as the whole globe less the region."""

    def polygon(rings: Sequence[Sequence[Sequence[float]]]) -> list[Any]:
        out = []
        for n, ring in enumerate(rings):
            clockwise = _ring_area(ring) < 0
            out.append(list(ring) if clockwise == (n == 0) else list(reversed(ring)))
        return out

    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": polygon(geometry["coordinates"])}
    if geometry.get("type") == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in geometry["coordinates"]]}
    return dict(geometry)


def map_spec(
    geojson: Mapping[str, Any],
    code_property: str,
    rows: Sequence[Mapping[str, Any]],
    indicator: Indicator,
    *,
    region: str = "",
) -> dict[str, Any] | None:
    """A Vega-Lite geoshape map of ``indicator`` for the regions of ``rows``: the features of the boundary inside
    ``region``, coloured by the value (grey where there is none). None when no feature lies inside ``region``."""
    import altair as alt

    from paritrana.analytics.boundaries import feature_code
    from paritrana.analytics.geometry import for_scale, geometry_bounds
    from paritrana.core.errors import ParitranaError
    from paritrana.core.permissions import in_scope

    values = {r["region_code"]: r for r in rows if r["indicator"] == indicator.id and _plain(r)}
    features = []
    for feature in geojson.get("features", []):
        try:
            code = feature_code(feature, code_property)
        except (ParitranaError, KeyError, TypeError):
            continue
        if not in_scope(code, region):
            continue
        row = values.get(code, {})
        value = row.get("value") if row.get("status") == "ok" else None
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {"code": code, "name": row.get("region_name", code), "value": value},
            }
        )
    if not features:
        return None
    # Draw at the detail the map can show: half a pixel of the widest side (the whole country: ~0.03 degree).
    bounds = geometry_bounds([f["geometry"] for f in features])
    tolerance = (
        max(bounds[2] - bounds[0], (bounds[3] - bounds[1]) * MAP_WIDTH / MAP_HEIGHT) / MAP_WIDTH / 2 if bounds else 0
    )
    for f in features:
        f["geometry"] = _rewound(for_scale(f["geometry"], tolerance))
    language = get_language() or LANGUAGE
    scheme: Literal["greens", "reds"] = "greens" if indicator.direction == "higher" else "reds"
    chart = (
        alt.Chart(alt.Data(name="regions"), title=indicator.label(language))
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .encode(
            color=alt.condition(
                "datum.properties.value === null",
                alt.value(COLOURS["none"]),
                alt.Color(
                    "properties.value:Q",
                    title=gettext("Value"),
                    scale=alt.Scale(scheme=scheme),
                    legend=alt.Legend(orient="right", format=",.2f"),
                ),
            )
        )
        .project(type="mercator")
        .properties(width=MAP_WIDTH, height=MAP_HEIGHT)
    )
    # The shapes go in after to_dict: Altair would walk every coordinate of them (seconds for the whole country).
    return {**chart.to_dict(), "data": {"values": features}, "config": _CONFIG}


def map_svg(
    geojson: Mapping[str, Any],
    code_property: str,
    rows: Sequence[Mapping[str, Any]],
    indicator: Indicator,
    *,
    region: str = "",
) -> SafeString | None:
    spec = map_spec(geojson, code_property, rows, indicator, region=region)
    return _svg(spec) if spec else None
