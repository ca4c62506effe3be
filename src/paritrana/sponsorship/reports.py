"""The budget monev report of issue 5, per sponsor or program: an XLSX workbook and an A4 PDF with charts.

Both take a :class:`~paritrana.sponsorship.queries.Monev` (the figures are computed there, once) and return bytes,
so a view, an API endpoint, a CLI command or a background job can serve or store them alike. The documents are in
Bahasa Indonesia whatever the request language: they are filed with the Pemda and the BPJS branch.

- ``monev_xlsx``: sheets "Ringkasan" (a row per program and a totals row), "Bulanan" (program x month),
  "Desa di bawah minimum" and "Kumulatif bulanan" (the fiscal year month by month, cumulative, with the serapan
  of the earlier years). Money is written as whole-rupiah integers formatted ``#,##0``; percentages as numbers
  formatted ``0.00``; values, not formulas, so any reader (pandas, LibreOffice, openpyxl) sees the figures.
- ``monev_pdf``: WeasyPrint renders ``sponsorship/monev_report.html`` (A4 portrait, 15 mm margins, "Halaman X dari
  Y" in the footer) with two Vega-Lite charts drawn to inline SVG by vl-convert.
- ``chart_specs``: the two Vega-Lite specs as plain dicts (pure, no rendering), which the PDF draws and tests read.
- ``year_chart_specs``, ``year_chart_svgs`` and ``year_table``: the chosen fiscal year month by month, cumulative
  (pagu, committed, billed, paid) and its serapan against up to three earlier years, as charts and as the table
  under them; the monev page draws them too (server-side SVG, like the analytics pages: no script in the browser).

weasyprint, altair and vl_convert take seconds to import, so they are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import io
import json
import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from paritrana.core.dates import add_months
from paritrana.core.tables import titled_sheet
from paritrana.sponsorship.choices import BillStatus, Coverage, ProgramStatus, SponsorKind
from paritrana.sponsorship.queries import Monev, MonevRow

__all__ = ["chart_specs", "monev_pdf", "monev_xlsx", "year_chart_specs", "year_chart_svgs", "year_table"]

logger = logging.getLogger(__name__)

LANGUAGE = "id"
TEMPLATE = "sponsorship/monev_report.html"
MONEY_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00"
MONTH_FORMAT = "yyyy-mm"
#: d3-format locale for chart axes: Indonesian digit grouping (d3 ships no id-ID locale).
CHART_FORMAT_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]}
#: Series names of the charts, in their drawing order, with a colour each.
BUDGET_SERIES = {"Pagu": "#9ca3af", "Komitmen": "#2563eb", "Dibayar": "#16a34a"}
MONTHLY_SERIES = {"Ditagih": "#f59e0b", "Dibayar": "#16a34a"}
CHART_WIDTH = 600  # px: the A4 text block is 180 mm, about 680 px; the axis titles take the rest
CHART_LABEL_LIMIT = 230  # px of program name on the budget chart's axis
#: Programs drawn on the budget chart (three bars each), so that it fits on a page; the tables list them all.
CHART_PROGRAM_LIMIT = 20


def _label(choices: Any, value: str) -> str:
    """The (translated) label of a coded value, or the value itself when the vocabulary does not know it."""
    return str(choices(value).label) if value in choices.values else value


def _month_label(month: date) -> str:
    """The month as "Jan 2025" in the active language (inside the renderers Indonesian: "Agu 2025")."""
    return format_date(month, "M Y")


# Charts ---------------------------------------------------------------------------------------------------------


def _charted_rows(report: Monev) -> list[tuple[int, MonevRow]]:
    """The programs the budget chart draws, numbered as in the PDF's tables: all of them, or the largest pagu
    when there are more than fit on a page (in report order, so the numbers match)."""
    numbered = list(enumerate(report.rows, start=1))
    if len(numbered) <= CHART_PROGRAM_LIMIT:
        return numbered
    largest = sorted(numbered, key=lambda item: item[1].pagu, reverse=True)[:CHART_PROGRAM_LIMIT]
    return sorted(largest, key=lambda item: item[0])


def _budget_values(report: Monev) -> list[dict[str, Any]]:
    """Three bars per program. ``label`` carries the program's number in the PDF, so that two long names cut at
    the axis' label limit stay apart."""
    return [
        {"program": row.program, "label": f"{n}. {row.program}", "series": series, "order": i, "amount": int(amount)}
        for n, row in _charted_rows(report)
        for i, (series, amount) in enumerate((("Pagu", row.pagu), ("Komitmen", row.committed), ("Dibayar", row.paid)))
    ]


def _monthly_values(report: Monev) -> list[dict[str, Any]]:
    """Billed and paid per month, summed over the report's programs, in month order."""
    billed: dict[date, Decimal] = {}
    paid: dict[date, Decimal] = {}
    for row in report.rows:
        for m in row.months:
            billed[m.month] = billed.get(m.month, Decimal(0)) + m.billed
            paid[m.month] = paid.get(m.month, Decimal(0)) + m.paid
    with translation.override(LANGUAGE):
        return [
            {
                "month": month.isoformat()[:7],
                "label": _month_label(month),
                "series": series,
                "order": i,
                "amount": int(amount),
            }
            for month in sorted(billed)
            for i, (series, amount) in enumerate((("Ditagih", billed[month]), ("Dibayar", paid[month])))
        ]


def _color(series: dict[str, str]) -> Any:
    import altair as alt

    return alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=list(series), range=list(series.values())),
        legend=alt.Legend(orient="bottom"),
    )


def chart_specs(report: Monev) -> dict[str, dict[str, Any]]:
    """Vega-Lite specs: ``budget`` (per program, pagu vs committed vs paid, horizontal grouped bars) and ``monthly``
    (per month over all programs, billed vs paid). Amounts are whole rupiah in the data; the axes show millions."""
    import altair as alt

    in_millions = "format(datum.value / 1000000, ',.0f')"
    money_axis = alt.Axis(title="Rupiah (juta)", labelExpr=in_millions, format=",.0f")
    budget_values = _budget_values(report)
    budget_title = "Pagu, komitmen dan pembayaran per program"
    if len(report.rows) > CHART_PROGRAM_LIMIT:
        budget_title += f" ({CHART_PROGRAM_LIMIT} pagu terbesar dari {len(report.rows)})"
    budget = (
        alt.Chart(alt.Data(values=budget_values), title=budget_title)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=CHART_LABEL_LIMIT)),
            yOffset=alt.YOffset("series:N", sort=list(BUDGET_SERIES)),
            x=alt.X("amount:Q", axis=money_axis),
            color=_color(BUDGET_SERIES),
        )
        .properties(width=CHART_WIDTH - CHART_LABEL_LIMIT, height=alt.Step(10))
    )
    monthly_values = _monthly_values(report)
    month_order = list(dict.fromkeys(v["label"] for v in monthly_values))
    monthly = (
        alt.Chart(alt.Data(values=monthly_values), title="Tagihan dan pembayaran per bulan")
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=None, sort=month_order, axis=alt.Axis(labelAngle=-45)),
            xOffset=alt.XOffset("series:N", sort=list(MONTHLY_SERIES)),
            y=alt.Y("amount:Q", axis=money_axis),
            color=_color(MONTHLY_SERIES),
        )
        .properties(width=CHART_WIDTH, height=200)
    )
    config = {"font": "DejaVu Sans", "background": "white", "view": {"stroke": None}}
    return {
        "budget": {**budget.to_dict(), "config": config},
        "monthly": {**monthly.to_dict(), "config": config},
    }


@functools.lru_cache(maxsize=64)
def _svg_of(spec_json: str) -> str:
    """A spec drawn to SVG, remembered by its JSON (data included): drawing takes a few hundred milliseconds and the
    monev page is opened again and again on the same figures."""
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(json.loads(spec_json), format_locale=CHART_FORMAT_LOCALE))


def _svg(spec: dict[str, Any]) -> SafeString:
    """Vega's SVG renderer escapes text (program names are user input), so the markup is safe to mark as such."""
    return mark_safe(_svg_of(json.dumps(spec, sort_keys=True)))  # noqa: S308 - Vega escapes text


def chart_svgs(report: Monev) -> dict[str, SafeString]:
    """The charts as SVG markup for inline embedding."""
    return {name: _svg(spec) for name, spec in chart_specs(report).items()}


# The fiscal year month by month (issue 21 §7) -------------------------------------------------------------------

#: Series of the cumulative chart, in drawing order, with a colour each; the names are translated when drawn.
YEAR_SERIES = (
    ("pagu", gettext_noop("Pagu"), "#9ca3af"),
    ("committed", gettext_noop("Committed"), "#2563eb"),
    ("billed", gettext_noop("Billed"), "#f59e0b"),
    ("paid", gettext_noop("Paid"), "#16a34a"),
)
#: The chosen year's serapan line, then the earlier years' (lighter the older).
SERAPAN_COLOURS = ("#16a34a", "#6b7280", "#9ca3af", "#d1d5db")


def index_label(fiscal_year: int, index: int) -> str:
    """The month of place ``index`` in a fiscal year as the charts and tables name it: "Jan" .. "Des", and with
    its year for a month of the next year ("Jan 2027"), in the active language."""
    month = add_months(date(fiscal_year, 1, 1), index - 1)
    return format_date(month, "M" if month.year == fiscal_year else "M Y")


def _reached(report: Monev, month: date) -> bool:
    """Has the month begun on the report's date? Later months of the chosen year are not drawn as realised."""
    return month <= report.on.replace(day=1)


def year_table(report: Monev) -> dict[str, Any]:
    """The chosen year month by month, cumulative, with the serapan of the earlier years at the same place of the
    year: what the web page, the PDF and the XLSX list under the charts (the charts' data, for screen readers and
    phones). ``rows``: label, the month's :class:`~paritrana.sponsorship.monev.MonthFigures` and the earlier
    serapan percentages (None where that year has no such month)."""
    if report.fiscal_year is None or not report.monthly:
        return {"years": [], "rows": []}
    earlier = {year: {m.index: m.serapan_pct for m in months} for year, months in report.earlier.items()}
    return {
        "years": list(earlier),
        "rows": [
            {
                "label": index_label(report.fiscal_year, m.index),
                "figures": m,
                "earlier": [earlier[year].get(m.index) for year in earlier],
            }
            for m in report.monthly
        ],
    }


def year_chart_specs(report: Monev) -> dict[str, dict[str, Any]]:
    """Two Vega-Lite specs of the chosen year, month by month: ``cumulative`` (pagu, committed, billed and paid,
    cumulative, in rupiah) and ``serapan`` (paid / pagu in percent, the chosen year against up to three earlier
    years at the same month of their year). Labels follow the active language. Empty without a chosen year."""
    import altair as alt

    if report.fiscal_year is None or not report.monthly:
        return {}
    year = report.fiscal_year
    order = [index_label(year, m.index) for m in report.monthly]
    names = {key: gettext(name) for key, name, _ in YEAR_SERIES}
    cumulative_values = [
        {"label": index_label(year, m.index), "series": names[key], "amount": int(getattr(m, key))}
        for m in report.monthly
        for key, _, _ in YEAR_SERIES
        if key in ("pagu", "committed") or _reached(report, m.month)
    ]
    x = alt.X("label:N", title=None, sort=order, axis=alt.Axis(labelAngle=0))
    in_millions = "format(datum.value / 1000000, ',.0f')"
    cumulative = (
        alt.Chart(
            alt.Data(values=cumulative_values),
            title=gettext("Pagu, committed, billed and paid in %(year)s, cumulative") % {"year": year},
        )
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("amount:Q", axis=alt.Axis(title=gettext("Rupiah (millions)"), labelExpr=in_millions)),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(names.values()), range=[c for *_, c in YEAR_SERIES]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(width=CHART_WIDTH, height=220)
    )
    years = [str(year), *(str(y) for y in report.earlier)]
    serapan_values: list[dict[str, Any]] = [
        {"label": index_label(year, m.index), "year": str(year), "serapan": round(m.serapan_pct, 2)}
        for m in report.monthly
        if _reached(report, m.month)
    ]
    serapan_values += [
        {"label": index_label(year, m.index), "year": str(earlier), "serapan": round(m.serapan_pct, 2)}
        for earlier, months in report.earlier.items()
        for m in months
    ]
    order += [v["label"] for v in serapan_values if v["label"] not in order]
    serapan_chart = (
        alt.Chart(
            alt.Data(values=serapan_values),
            title=gettext("Serapan (paid / pagu) in %(year)s against earlier years") % {"year": year},
        )
        .mark_line(point=True)
        .encode(
            x=alt.X("label:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("serapan:Q", title=gettext("Serapan (%)")),
            color=alt.Color(
                "year:N",
                title=gettext("Fiscal year"),
                scale=alt.Scale(domain=years, range=list(SERAPAN_COLOURS[: len(years)])),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(width=CHART_WIDTH, height=200)
    )
    config = {"font": "DejaVu Sans", "background": "white", "view": {"stroke": None}, "mark": {"aria": False}}
    return {
        "cumulative": {**cumulative.to_dict(), "config": config},
        "serapan": {**serapan_chart.to_dict(), "config": config},
    }


def year_chart_svgs(report: Monev) -> dict[str, SafeString]:
    """The year's charts as inline SVG (see :func:`chart_svgs`), in the active language."""
    return {name: _svg(spec) for name, spec in year_chart_specs(report).items()}


# XLSX -----------------------------------------------------------------------------------------------------------

#: Ringkasan columns: header, width, number format (None: text or plain integer), value of a row.
SUMMARY_COLUMNS: list[tuple[str, int, str | None, Any]] = [
    ("Program", 36, None, lambda r: r.program),
    ("Sponsor", 30, None, lambda r: r.sponsor),
    ("Jenis sponsor", 20, None, lambda r: _label(SponsorKind, r.sponsor_kind)),
    ("Sumber dana", 12, None, lambda r: r.funder),
    ("OPD", 20, None, lambda r: r.opd),
    ("Kode wilayah", 13, None, lambda r: r.region_code),
    ("Nama wilayah", 24, None, lambda r: r.region_name),
    ("Tahun anggaran", 10, None, lambda r: r.fiscal_year),
    ("Status", 12, None, lambda r: _label(ProgramStatus, r.status)),
    ("Pagu (Rp)", 18, MONEY_FORMAT, lambda r: int(r.pagu)),
    ("Komitmen (Rp)", 18, MONEY_FORMAT, lambda r: int(r.committed)),
    ("Komitmen (%)", 11, PERCENT_FORMAT, lambda r: round(r.committed_pct, 2)),
    ("Ditagih (Rp)", 18, MONEY_FORMAT, lambda r: int(r.billed)),
    ("Dibayar (Rp)", 18, MONEY_FORMAT, lambda r: int(r.paid)),
    ("Serapan (%)", 11, PERCENT_FORMAT, lambda r: round(r.absorption_pct, 2)),
    ("Proyeksi akhir tahun (Rp)", 18, MONEY_FORMAT, lambda r: int(r.forecast)),
    ("Proyeksi (%)", 11, PERCENT_FORMAT, lambda r: round(r.forecast_pct, 2)),
    ("Pekerja terlindungi", 12, MONEY_FORMAT, lambda r: r.workers),
    ("Target pekerja", 12, MONEY_FORMAT, lambda r: r.target_workers),
    ("Capaian target (%)", 11, PERCENT_FORMAT, lambda r: round(r.target_pct, 2)),
    ("Pekerja putus (lapsed)", 12, MONEY_FORMAT, lambda r: r.lapsed_workers),
    ("Minimum per desa", 10, None, lambda r: r.minimum_per_desa),
    ("Desa di bawah minimum", 12, MONEY_FORMAT, lambda r: len(r.villages_below_minimum)),
    ("Manfaat dibayar (Rp)", 18, MONEY_FORMAT, lambda r: int(r.benefits_paid)),
]


def _pct(part: int, whole: int) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


def _summary_totals(report: Monev) -> list[Any]:
    t = report.totals
    by_header = {
        "Program": f"Jumlah ({t['programs']} program)",
        "Pagu (Rp)": t["pagu"],
        "Komitmen (Rp)": t["committed"],
        "Komitmen (%)": _pct(t["committed"], t["pagu"]),
        "Ditagih (Rp)": t["billed"],
        "Dibayar (Rp)": t["paid"],
        "Serapan (%)": t["absorption_pct"],
        "Proyeksi akhir tahun (Rp)": t["forecast"],
        "Proyeksi (%)": _pct(t["forecast"], t["pagu"]),
        "Pekerja terlindungi": t["workers"],
        "Target pekerja": t["target_workers"],
        "Capaian target (%)": _pct(t["workers"], t["target_workers"]),
        "Pekerja putus (lapsed)": t["lapsed_workers"],
        "Desa di bawah minimum": t["villages_below_minimum"],
        "Manfaat dibayar (Rp)": t["benefits_paid"],
    }
    return [by_header.get(header) for header, *_ in SUMMARY_COLUMNS]


def monev_xlsx(report: Monev, *, title: str) -> bytes:
    """The monev workbook: "Ringkasan", "Bulanan", "Desa di bawah minimum" and "Kumulatif bulanan" (see the module
    docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(LANGUAGE):
        subtitle = f"per tanggal {format_date(report.on, 'j F Y')}"
        if report.fiscal_year:
            subtitle = f"tahun anggaran {report.fiscal_year}, {subtitle}"
        workbook = Workbook()
        workbook.properties.title = title
        workbook.properties.subject = f"Monev anggaran {subtitle}"
        workbook.properties.creator = "Paritrana"
        workbook.properties.language = "id-ID"

        summary = workbook.active
        summary.title = "Ringkasan"
        rows = [[value(row) for *_, value in SUMMARY_COLUMNS] for row in report.rows]
        rows.append(_summary_totals(report))
        titled_sheet(summary, title, subtitle, [(h, w, f) for h, w, f, _ in SUMMARY_COLUMNS], rows)
        for cell in summary[summary.max_row]:
            cell.font = Font(bold=True)

        monthly_columns: list[tuple[str, int, str | None]] = [
            ("Program", 36, None),
            ("Bulan", 10, MONTH_FORMAT),
            ("Pekerja", 10, MONEY_FORMAT),
            ("Ditagih (Rp)", 18, MONEY_FORMAT),
            ("Dibayar (Rp)", 18, MONEY_FORMAT),
            ("Status tagihan", 22, None),
            ("Perlindungan", 30, None),
        ]
        monthly_rows = [
            [
                row.program,
                m.month,
                m.workers,
                int(m.billed),
                int(m.paid),
                _label(BillStatus, m.status) if m.status else "",
                _label(Coverage, m.coverage),
            ]
            for row in report.rows
            for m in row.months
        ]
        titled_sheet(workbook.create_sheet("Bulanan"), title, subtitle, monthly_columns, monthly_rows)

        village_columns: list[tuple[str, int, str | None]] = [
            ("Program", 36, None),
            ("Kode desa", 16, None),
            ("Nama desa/kelurahan", 30, None),
            ("Pekerja", 10, MONEY_FORMAT),
            ("Minimum", 10, MONEY_FORMAT),
        ]
        village_rows = [
            [row.program, v["code"], v["name"], v["workers"], v["minimum"]]
            for row in report.rows
            for v in row.villages_below_minimum
        ]
        titled_sheet(workbook.create_sheet("Desa di bawah minimum"), title, subtitle, village_columns, village_rows)

        table = year_table(report)
        year_columns: list[tuple[str, int, str | None]] = [
            ("Bulan", 10, MONTH_FORMAT),
            ("Pagu (Rp)", 18, MONEY_FORMAT),
            ("Komitmen kumulatif (Rp)", 18, MONEY_FORMAT),
            ("Ditagih kumulatif (Rp)", 18, MONEY_FORMAT),
            ("Dibayar kumulatif (Rp)", 18, MONEY_FORMAT),
            ("Serapan (%)", 11, PERCENT_FORMAT),
            *((f"Serapan {year} (%)", 11, PERCENT_FORMAT) for year in table["years"]),
        ]
        year_rows = [
            [
                row["figures"].month,
                int(row["figures"].pagu),
                int(row["figures"].committed),
                int(row["figures"].billed),
                int(row["figures"].paid),
                round(row["figures"].serapan_pct, 2),
                *(None if pct is None else round(pct, 2) for pct in row["earlier"]),
            ]
            for row in table["rows"]
        ]
        titled_sheet(workbook.create_sheet("Kumulatif bulanan"), title, subtitle, year_columns, year_rows)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# PDF ------------------------------------------------------------------------------------------------------------

#: Villages below the minimum listed per program in the PDF; the workbook lists them all.
PDF_VILLAGE_LIMIT = 25


def _program_context(row: MonevRow) -> dict[str, Any]:
    villages = row.villages_below_minimum
    return {
        "row": row,
        "kind": _label(SponsorKind, row.sponsor_kind),
        "region": row.region_label,
        "status": _label(ProgramStatus, row.status),
        "months": [
            {
                "month": m,
                "label": _month_label(m.month),
                "status": _label(BillStatus, m.status) if m.status else "",
                "coverage": _label(Coverage, m.coverage),
            }
            for m in row.months
        ],
        "villages": villages[:PDF_VILLAGE_LIMIT],
        "villages_more": max(len(villages) - PDF_VILLAGE_LIMIT, 0),
    }


def monev_html(report: Monev, *, title: str) -> str:
    """The HTML the PDF is printed from (useful on its own for a preview)."""
    with translation.override(LANGUAGE):
        totals = report.totals
        context = {
            "title": title,
            "on": report.on,
            "totals": totals,
            "committed_pct": _pct(totals["committed"], totals["pagu"]),
            "forecast_pct": _pct(totals["forecast"], totals["pagu"]),
            "target_pct": _pct(totals["workers"], totals["target_workers"]),
            "programs": [_program_context(row) for row in report.rows],
            "charts": {**chart_svgs(report), **year_chart_svgs(report)} if report.rows else {},
            "fiscal_year": report.fiscal_year,
            "year_table": year_table(report),
            "village_limit": PDF_VILLAGE_LIMIT,
        }
        return render_to_string(TEMPLATE, context)


def monev_pdf(report: Monev, *, title: str) -> bytes:
    """The monev report as an A4 portrait PDF in Bahasa Indonesia, with charts."""
    import weasyprint

    html = monev_html(report, title=title)
    pdf = weasyprint.HTML(string=html).write_pdf()
    logger.info("monev PDF: %s programs, %s bytes", len(report.rows), len(pdf))
    return bytes(pdf)
