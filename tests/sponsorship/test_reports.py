"""The monev report renderers: the XLSX holds the figures as typed cells, the PDF is an Indonesian A4 document with
charts, and the chart specs carry the report's numbers. The Monev is built by hand: no database."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from paritrana.sponsorship.queries import Monev, MonevRow, MonthRow
from paritrana.sponsorship.reports import (
    MONEY_FORMAT,
    PERCENT_FORMAT,
    chart_specs,
    monev_html,
    monev_pdf,
    monev_xlsx,
)

ON = date(2025, 3, 20)
TITLE = "Monev Anggaran Kabupaten Tangerang 2025"
A4_WIDTH_PX = 210 / 25.4 * 96  # WeasyPrint lays out in CSS px, 96 per inch
A4_HEIGHT_PX = 297 / 25.4 * 96


def month_row(month: int, workers: int, billed: int, paid: int, status: str, coverage: str) -> MonthRow:
    return MonthRow(date(2025, month, 1), workers, Decimal(billed), Decimal(paid), status, coverage)


def program_row(name: str, *, pagu: int, paid: int, **fields: Any) -> MonevRow:
    values: dict[str, Any] = {
        "program_id": 1,
        "program": name,
        "sponsor": "Pemerintah Kabupaten Tangerang",
        "sponsor_kind": "apbd_kabkota",
        "funder": "apbd",
        "opd": "Disnaker",
        "region_code": "36.03",
        "fiscal_year": 2025,
        "status": "active",
        "pagu": Decimal(pagu),
        "committed": Decimal(pagu * 8 // 10),
        "billed": Decimal(paid + 1_000_000),
        "paid": Decimal(paid),
        "forecast": Decimal(paid * 4),
        "workers": 1_000,
        "target_workers": 1_200,
        "lapsed_workers": 0,
        "minimum_per_desa": 0,
        **fields,
    }
    return MonevRow(**values)


def two_programs() -> Monev:
    petani = program_row(
        "Perlindungan Petani",
        pagu=1_500_000_000,
        paid=33_600_000,
        program_id=1,
        lapsed_workers=120,
        minimum_per_desa=5,
        villages_below_minimum=[
            {"code": "36.03.01.2001", "name": "Cisoka", "workers": 2, "minimum": 5},
            {"code": "36.03.01.2002", "name": "Caringin", "workers": 0, "minimum": 5},
        ],
        months=[
            month_row(1, 2_000, 33_600_000, 33_600_000, "reconciled", "active"),
            month_row(2, 2_000, 33_600_000, 0, "pending", "lapsed"),
            month_row(3, 0, 0, 0, "", "not_billed"),
        ],
        benefits_paid=Decimal(42_000_000),
    )
    nelayan = program_row(
        "Perlindungan Nelayan",
        pagu=250_000_000,
        paid=16_800_000,
        program_id=2,
        sponsor="PT Contoh Sejahtera",
        sponsor_kind="csr",
        funder="csr",
        months=[
            month_row(1, 1_000, 16_800_000, 16_800_000, "paid", "active"),
            month_row(2, 1_000, 16_800_000, 0, "pending", "pending"),
        ],
    )
    return Monev([petani, nelayan], ON)


def test_the_workbook_has_the_four_sheets_with_a_title_and_date() -> None:
    book = load_workbook(io.BytesIO(monev_xlsx(two_programs(), title=TITLE)))
    assert book.sheetnames == ["Ringkasan", "Bulanan", "Desa di bawah minimum", "Kumulatif bulanan"]
    assert book.properties.title == TITLE
    for sheet in book.worksheets:
        assert sheet["A1"].value == TITLE
        assert sheet["A2"].value == "tahun anggaran 2025, per tanggal 20 Maret 2025"
        assert sheet["A4"].value == ("Bulan" if sheet.title == "Kumulatif bulanan" else "Program")
        assert sheet.freeze_panes == "B5"


def _columns(sheet: Any) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[4]}


def test_the_summary_totals_row_sums_the_programs_and_money_is_whole_rupiah() -> None:
    sheet = load_workbook(io.BytesIO(monev_xlsx(two_programs(), title=TITLE)))["Ringkasan"]
    col = _columns(sheet)
    assert [sheet.cell(row=r, column=1).value for r in (5, 6)] == ["Perlindungan Petani", "Perlindungan Nelayan"]
    totals = 7
    assert sheet.max_row == totals
    assert sheet.cell(row=totals, column=1).value == "Jumlah (2 program)"
    pagu = sheet.cell(row=totals, column=col["Pagu (Rp)"])
    paid = sheet.cell(row=totals, column=col["Dibayar (Rp)"])
    assert pagu.value == 1_750_000_000
    assert paid.value == 50_400_000
    for r in (5, 6, totals):
        for header in ("Pagu (Rp)", "Komitmen (Rp)", "Ditagih (Rp)", "Dibayar (Rp)", "Proyeksi akhir tahun (Rp)"):
            cell = sheet.cell(row=r, column=col[header])
            assert type(cell.value) is int, (r, header)
            assert cell.number_format == MONEY_FORMAT
        absorption = sheet.cell(row=r, column=col["Serapan (%)"])
        assert absorption.number_format == PERCENT_FORMAT
    assert sheet.cell(row=5, column=col["Serapan (%)"]).value == 2.24  # 33.6 M of 1.5 G
    assert sheet.cell(row=totals, column=col["Serapan (%)"]).value == 2.88  # 50.4 M of 1.75 G
    assert sheet.cell(row=5, column=col["Jenis sponsor"]).value  # a label, whatever its language
    assert sheet.cell(row=totals, column=col["Desa di bawah minimum"]).value == 2


def test_the_monthly_and_village_sheets_list_every_row() -> None:
    book = load_workbook(io.BytesIO(monev_xlsx(two_programs(), title=TITLE)))
    monthly = book["Bulanan"]
    rows = list(monthly.iter_rows(min_row=5, values_only=True))
    assert len(rows) == 5
    program, month, workers, billed, paid, *_ = rows[1]
    assert (program, month.date(), workers, billed, paid) == (
        "Perlindungan Petani",
        date(2025, 2, 1),
        2000,
        33_600_000,
        0,
    )
    villages = list(book["Desa di bawah minimum"].iter_rows(min_row=5, values_only=True))
    assert villages == [
        ("Perlindungan Petani", "36.03.01.2001", "Cisoka", 2, 5),
        ("Perlindungan Petani", "36.03.01.2002", "Caringin", 0, 5),
    ]


def test_chart_specs_carry_the_report_numbers() -> None:
    specs = chart_specs(two_programs())
    budget = {(v["program"], v["series"]): v["amount"] for v in specs["budget"]["data"]["values"]}
    assert budget == {
        ("Perlindungan Petani", "Pagu"): 1_500_000_000,
        ("Perlindungan Petani", "Komitmen"): 1_200_000_000,
        ("Perlindungan Petani", "Dibayar"): 33_600_000,
        ("Perlindungan Nelayan", "Pagu"): 250_000_000,
        ("Perlindungan Nelayan", "Komitmen"): 200_000_000,
        ("Perlindungan Nelayan", "Dibayar"): 16_800_000,
    }
    monthly = [(v["month"], v["label"], v["series"], v["amount"]) for v in specs["monthly"]["data"]["values"]]
    assert monthly == [
        ("2025-01", "Jan 2025", "Ditagih", 50_400_000),
        ("2025-01", "Jan 2025", "Dibayar", 50_400_000),
        ("2025-02", "Feb 2025", "Ditagih", 50_400_000),
        ("2025-02", "Feb 2025", "Dibayar", 0),
        ("2025-03", "Mar 2025", "Ditagih", 0),
        ("2025-03", "Mar 2025", "Dibayar", 0),
    ]
    labels = list(dict.fromkeys(v["label"] for v in specs["budget"]["data"]["values"]))
    assert labels == ["1. Perlindungan Petani", "2. Perlindungan Nelayan"]  # numbered as in the PDF's tables
    assert specs["budget"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_the_budget_chart_draws_the_largest_programs_when_there_are_too_many() -> None:
    rows = [program_row(f"Program {n}", pagu=n * 1_000_000, paid=0, program_id=n) for n in range(1, 26)]
    spec = chart_specs(Monev(rows, ON))["budget"]
    labels = list(dict.fromkeys(v["label"] for v in spec["data"]["values"]))
    assert labels == [f"{n}. Program {n}" for n in range(6, 26)]
    assert "20 pagu terbesar dari 25" in str(spec["title"])


def test_the_html_is_indonesian_with_rupiah_and_inline_charts() -> None:
    html = monev_html(two_programs(), title=TITLE)
    assert "Rp1.750.000.000" in html  # the totals box, PUEBI style
    assert "Serapan" in html
    assert "20 Mar 2025" in html  # dates one way per language (issue 21 §1)
    assert "2,88%" in html  # Indonesian decimal comma
    assert html.count("<svg") == 2


def test_a_program_name_is_escaped_in_the_charts_and_tables() -> None:
    report = Monev([program_row("<script>alert(1)</script> & Co", pagu=100_000_000, paid=0)], ON)
    html = monev_html(report, title=TITLE)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_the_pdf_is_a4_and_names_the_program() -> None:
    import weasyprint

    report = two_programs()
    pdf = monev_pdf(report, title=TITLE)
    assert pdf.startswith(b"%PDF")
    document = weasyprint.HTML(string=monev_html(report, title=TITLE)).render()
    assert document.pages, "no page rendered"
    for page in document.pages:
        assert page.width == pytest.approx(A4_WIDTH_PX, abs=0.5)
        assert page.height == pytest.approx(A4_HEIGHT_PX, abs=0.5)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_text_is_extractable(tmp_path: Path) -> None:
    path = tmp_path / "monev.pdf"
    path.write_bytes(monev_pdf(two_programs(), title=TITLE))
    pdftotext = shutil.which("pdftotext") or "pdftotext"
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "Perlindungan Petani" in text
    assert "Serapan" in text
    assert "Halaman 1 dari" in text


def test_an_empty_report_renders() -> None:
    empty = Monev([], ON)
    assert monev_pdf(empty, title=TITLE).startswith(b"%PDF")
    assert "Tidak ada program" in monev_html(empty, title=TITLE)
    sheet = load_workbook(io.BytesIO(monev_xlsx(empty, title=TITLE)))["Ringkasan"]
    assert sheet.cell(row=5, column=1).value == "Jumlah (0 program)"
    assert chart_specs(empty)["budget"]["data"]["values"] == []
