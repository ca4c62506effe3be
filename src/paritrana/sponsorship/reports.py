"""The budget monev report of issue 5, per sponsor or program: an XLSX workbook and an A4 PDF with charts.

Both take a :class:`~paritrana.sponsorship.queries.Monev` (the figures are computed there, once) and return bytes,
so a view, an API endpoint, a CLI command or a background job can serve or store them alike. The documents are in
Bahasa Indonesia whatever the request language: they are filed with the Pemda and the BPJS branch.

- ``monev_xlsx``: sheets "Ringkasan" (a row per program and a totals row), "Bulanan" (program x month) and
  "Desa di bawah minimum". Money is written as whole-rupiah integers formatted ``#,##0``; percentages as numbers
  formatted ``0.00``; values, not formulas, so any reader (pandas, LibreOffice, openpyxl) sees the figures.
- ``monev_pdf``: WeasyPrint renders ``sponsorship/monev_report.html`` (A4 portrait, 15 mm margins, "Halaman X dari
  Y" in the footer) with two Vega-Lite charts drawn to inline SVG by vl-convert.
- ``chart_specs``: the two Vega-Lite specs as plain dicts (pure, no rendering), which the PDF draws and tests read.

weasyprint, altair and vl_convert take seconds to import, so they are imported inside the functions that need them.
"""

from __future__ import annotations

import io
import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString, mark_safe

from paritrana.core.tables import titled_sheet
from paritrana.sponsorship.choices import BillStatus, Coverage, ProgramStatus, SponsorKind
from paritrana.sponsorship.queries import Monev, MonevRow

__all__ = ["chart_specs", "monev_pdf", "monev_xlsx"]

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


def chart_svgs(report: Monev) -> dict[str, SafeString]:
    """The charts as SVG markup for inline embedding. Vega's SVG renderer escapes text (program names are user
    input), so the markup is safe to mark as such."""
    import vl_convert as vlc

    return {
        name: mark_safe(vlc.vegalite_to_svg(spec, format_locale=CHART_FORMAT_LOCALE))  # noqa: S308 - Vega escapes text
        for name, spec in chart_specs(report).items()
    }


# XLSX -----------------------------------------------------------------------------------------------------------

#: Ringkasan columns: header, width, number format (None: text or plain integer), value of a row.
SUMMARY_COLUMNS: list[tuple[str, int, str | None, Any]] = [
    ("Program", 36, None, lambda r: r.program),
    ("Sponsor", 30, None, lambda r: r.sponsor),
    ("Jenis sponsor", 20, None, lambda r: _label(SponsorKind, r.sponsor_kind)),
    ("Sumber dana", 12, None, lambda r: r.funder),
    ("OPD", 20, None, lambda r: r.opd),
    ("Kode wilayah", 13, None, lambda r: r.region_code),
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
    """The monev workbook: "Ringkasan", "Bulanan" and "Desa di bawah minimum" (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(LANGUAGE):
        subtitle = f"per tanggal {format_date(report.on, 'j F Y')}"
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
            "charts": chart_svgs(report) if report.rows else {},
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
