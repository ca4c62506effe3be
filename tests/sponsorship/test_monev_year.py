"""Monev covers one fiscal year (the current one unless another is chosen) and never adds two up; it draws the year
month by month, cumulative, against the earlier years; and it names regions by name with the code beside them
(issue 21 §7). Through the query, the web page and its exports, the API and the command line."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from paritrana.cli import main
from paritrana.core.dates import add_months, today
from paritrana.core.permissions import SYSTEM
from paritrana.regions.models import Region
from paritrana.sponsorship import queries
from paritrana.sponsorship.actions import do_enroll, do_record_payment, do_run_billing
from paritrana.sponsorship.monev import absorbed, cumulative_series, serapan, spread
from paritrana.sponsorship.queries import Monev
from paritrana.sponsorship.reports import year_chart_specs, year_table
from tests.conftest import client_for
from tests.factories import make_program, make_worker

DESA = "36.03.01.2003"
MONTHLY = 16_800  # JKK + JKM at the minimum, a month
THIS_YEAR = today().year


def _program(year: int, workers: list[Any], *, pagu: int = 10_000_000, **fields: Any) -> Any:
    program = make_program(fiscal_year=year, pagu=pagu, **fields)
    do_enroll(actor=SYSTEM, program=program, workers=workers, first_month=date(year, 1, 1))
    program.refresh_from_db()
    return program


def _pay(bill: Any, amount: int, reference: str) -> None:
    do_record_payment(actor=SYSTEM, bill_number=bill.number, reference=reference, paid_on=bill.month, amount=amount)


def _bill(month: date) -> Any:
    (bill,) = do_run_billing(actor=SYSTEM, month=month).bills
    return bill


# The pure series ------------------------------------------------------------------------------------------------

months = st.integers(min_value=0, max_value=14).map(lambda i: add_months(date(2025, 1, 1), i))
money = st.integers(min_value=0, max_value=10**12).map(Decimal)


@st.composite
def commitment(draw: Any) -> tuple[date, date, Decimal]:
    first, last = sorted((draw(months), draw(months)))
    return first, last, draw(money)


@settings(max_examples=200, deadline=None)
@given(
    pagu=money,
    commitments=st.lists(commitment(), max_size=8),
    bills=st.lists(st.tuples(months, money, money), max_size=20),
)
def test_the_cumulative_series_adds_up_to_the_year_and_never_pays_more_than_billed(
    pagu: Decimal, commitments: list[tuple[date, date, Decimal]], bills: list[tuple[date, Decimal, Decimal]]
) -> None:
    series = cumulative_series(fiscal_year=2025, pagu=pagu, commitments=commitments, bills=bills)
    assert [m.month for m in series][:12] == [date(2025, m, 1) for m in range(1, 13)]  # January to December at least
    assert [m.index for m in series] == list(range(1, len(series) + 1))
    for before, after in zip(series, series[1:], strict=False):
        assert before.committed <= after.committed and before.billed <= after.billed and before.paid <= after.paid
    for m in series:
        assert m.paid <= m.billed  # cumulative paid never exceeds cumulative billed
        assert m.pagu == pagu
        assert m.serapan_pct == serapan(m.paid, pagu)
        assert m.serapan_pct == (float(m.paid * 100 / pagu) if pagu else 0.0)
    last = series[-1]  # the months sum to the year
    assert last.committed == sum((c for *_, c in commitments), Decimal(0))
    assert last.billed == sum((a for _, a, _ in bills), Decimal(0))
    assert last.paid == sum((absorbed(a, p) for _, a, p in bills), Decimal(0))


@given(cost=money, first=months, count=st.integers(min_value=1, max_value=12))
def test_a_commitment_spreads_in_whole_rupiah_over_its_months(cost: Decimal, first: date, count: int) -> None:
    parts = spread(cost, first, add_months(first, count - 1))
    assert list(parts) == [add_months(first, i) for i in range(count)]
    assert sum(parts.values(), Decimal(0)) == cost
    assert all(p == p.to_integral_value() and p >= 0 for p in parts.values())


def test_a_monev_refuses_rows_of_two_fiscal_years() -> None:
    from tests.sponsorship.test_reports import program_row

    with pytest.raises(ValueError, match="one fiscal year"):
        Monev([program_row("A", pagu=1, paid=0), program_row("B", pagu=1, paid=0, fiscal_year=2024)], date(2025, 1, 1))


# The query -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_monev_shows_the_current_fiscal_year_when_none_is_chosen() -> None:
    current = _program(THIS_YEAR, [make_worker(DESA)], name="Tahun ini")
    _program(THIS_YEAR - 1, [make_worker(DESA)], name="Tahun lalu", pagu=20_000_000)
    report = queries.monev(SYSTEM)
    assert report.fiscal_year == THIS_YEAR
    assert [r.program for r in report.rows] == ["Tahun ini"]
    assert report.totals["pagu"] == int(current.pagu)
    assert report.years == [THIS_YEAR, THIS_YEAR - 1]
    earlier = queries.monev(SYSTEM, fiscal_year=THIS_YEAR - 1)  # an explicit year still works
    assert [r.program for r in earlier.rows] == ["Tahun lalu"] and earlier.totals["pagu"] == 20_000_000


@pytest.mark.django_db
def test_two_fiscal_years_are_never_added_up() -> None:
    workers = [make_worker(DESA) for _ in range(3)]
    _program(2024, workers, pagu=1_000_000)
    _program(2025, workers, pagu=2_000_000)  # the same workers, renewed the next year
    for year, pagu in ((2024, 1_000_000), (2025, 2_000_000)):
        report = queries.monev(SYSTEM, fiscal_year=year, on=date(year, 6, 1))
        assert report.totals["programs"] == 1 and report.totals["pagu"] == pagu
        assert report.totals["workers"] == 3  # not 6: a worker is counted once a year
        assert {r.fiscal_year for r in report.rows} == {year}


@pytest.mark.django_db
def test_a_chosen_program_shows_its_own_year() -> None:
    program = _program(2024, [make_worker(DESA)])
    report = queries.monev(SYSTEM, program=program.pk)
    assert report.fiscal_year == 2024 and [r.program_id for r in report.rows] == [program.pk]


@pytest.mark.django_db
def test_the_year_month_by_month_follows_its_bills() -> None:
    program = _program(2024, [make_worker(DESA), make_worker(DESA)], pagu=1_008_000)
    march, april = _bill(date(2024, 3, 1)), _bill(date(2024, 4, 1))
    _pay(march, 2 * MONTHLY, "R-MAR")
    _pay(april, MONTHLY, "R-APR")  # half of April
    report = queries.monev(SYSTEM, fiscal_year=2024, on=date(2024, 4, 20))
    by_month = {m.month.month: m for m in report.monthly}
    assert len(report.monthly) == 12
    assert by_month[1].committed == 2 * MONTHLY and by_month[12].committed == program.committed == 24 * MONTHLY
    assert (by_month[2].billed, by_month[3].billed, by_month[4].billed) == (0, 2 * MONTHLY, 4 * MONTHLY)
    assert (by_month[3].paid, by_month[4].paid) == (2 * MONTHLY, 3 * MONTHLY)
    assert by_month[4].serapan_pct == 5.0  # 50,400 of 1,008,000
    assert by_month[12].paid == report.totals["paid"] and by_month[12].billed == report.totals["billed"]
    assert all(m.pagu == 1_008_000 for m in report.monthly)

    specs = year_chart_specs(report)
    assert specs["cumulative"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    values = {(v["label"], v["series"]): v["amount"] for v in specs["cumulative"]["data"]["values"]}
    assert values[("Apr", "Dibayar")] == 3 * MONTHLY and values[("Apr", "Ditagih")] == 4 * MONTHLY
    assert values[("Des", "Teralokasi")] == 24 * MONTHLY and values[("Des", "Pagu")] == 1_008_000
    assert ("Mei", "Dibayar") not in values  # months not yet begun on the report's date are not drawn as realised
    serapan_line = {v["label"]: v["serapan"] for v in specs["serapan"]["data"]["values"] if v["year"] == "2024"}
    assert serapan_line == {"Jan": 0.0, "Feb": 0.0, "Mar": 3.33, "Apr": 5.0}

    api = queries.monev(SYSTEM, fiscal_year=2024, on=date(2024, 4, 20)).as_dict()
    assert api["monthly"][3] == {
        "month": "2024-04",
        "index": 4,
        "pagu": 1_008_000,
        "committed": 8 * MONTHLY,
        "billed": 4 * MONTHLY,
        "paid": 3 * MONTHLY,
        "serapan_pct": 5.0,
    }


@pytest.mark.django_db
def test_the_year_is_compared_with_its_earlier_years_at_the_same_month() -> None:
    _program(2022, [make_worker(DESA)], pagu=403_200)
    _pay(_bill(date(2022, 1, 1)), MONTHLY, "R-2022")
    _program(2023, [make_worker(DESA)], pagu=201_600)
    _pay(_bill(date(2023, 1, 1)), MONTHLY, "R-2023")
    _program(2024, [make_worker(DESA)], pagu=201_600)
    report = queries.monev(SYSTEM, fiscal_year=2024, on=date(2024, 12, 31))
    assert list(report.earlier) == [2023, 2022]  # newest first; 2021 has no program
    assert report.earlier[2023][0].serapan_pct == pytest.approx(8.3333, abs=1e-3)  # 16,800 of 201,600
    assert report.earlier[2022][11].serapan_pct == pytest.approx(4.1667, abs=1e-3)
    table = year_table(report)
    assert table["years"] == [2023, 2022]
    assert table["rows"][0]["earlier"] == [report.earlier[2023][0].serapan_pct, report.earlier[2022][0].serapan_pct]
    spec = year_chart_specs(report)["serapan"]
    assert {v["year"] for v in spec["data"]["values"]} == {"2024", "2023", "2022"}
    assert spec["encoding"]["color"]["scale"]["domain"] == ["2024", "2023", "2022"]
    assert report.as_dict()["earlier_years"][0]["fiscal_year"] == 2023


# Regions by name --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_monev_names_regions_with_the_code_beside_them(kab_operator: Any) -> None:
    desa = Region.objects.get(code=DESA)
    kabupaten = Region.objects.get(code="36.03")
    _program(THIS_YEAR, [make_worker(DESA)], region_code=DESA[:8], min_workers_per_desa=2)
    report = queries.monev(SYSTEM)
    (row,) = report.rows
    assert row.region_label == f"{kabupaten.name} (36.03)"
    assert any(v["label"] == f"{desa.name} ({DESA})" for v in row.villages_below_minimum)

    client = client_for(kab_operator)
    page = client.get("/programs/monev/").content.decode()
    assert f"{kabupaten.name} (36.03)" in page and f"{desa.name} ({DESA})" in page
    book = load_workbook(io.BytesIO(client.get("/programs/monev/?format=xlsx").content))
    summary = book["Ringkasan"]
    headers = [c.value for c in summary[4]]
    assert summary.cell(row=5, column=headers.index("Nama wilayah") + 1).value == kabupaten.name
    assert headers.index("Nama wilayah") == headers.index("Kode wilayah") + 1  # the name beside its code
    from paritrana.sponsorship.reports import monev_html

    html = monev_html(report, title="Monev")
    assert f"{desa.name} ({DESA})" in html and f"wilayah {kabupaten.name} (36.03)" in html


# The doors: web, exports, API, command line ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_defaults_to_this_year_offers_the_years_and_keeps_the_choice(kab_operator: Any) -> None:
    _program(THIS_YEAR, [make_worker(DESA)], name="Program tahun ini")
    _program(THIS_YEAR - 1, [make_worker(DESA)], name="Program tahun lalu")
    client = client_for(kab_operator)
    page = client.get("/programs/monev/").content.decode()
    assert "Program tahun ini" in page and "Program tahun lalu" not in page
    assert f'<option value="{THIS_YEAR}" selected>{THIS_YEAR}</option>' in page
    assert f'<option value="{THIS_YEAR - 1}">{THIS_YEAR - 1}</option>' in page
    assert f"fiscal_year={THIS_YEAR}&format=xlsx" in page  # the exports follow the year shown
    assert 'data-testid="chart-cumulative"' in page and 'data-testid="chart-serapan"' in page
    assert 'data-testid="year-table"' in page and "<svg" in page
    assert f"{THIS_YEAR:,}".replace(",", ".") not in page  # a year is never printed as a number

    chosen = client.get(f"/programs/monev/?fiscal_year={THIS_YEAR - 1}").content.decode()
    assert "Program tahun lalu" in chosen and "Program tahun ini" not in chosen
    assert f'<option value="{THIS_YEAR - 1}" selected>' in chosen


@pytest.mark.django_db
def test_the_exports_follow_the_chosen_year_and_hold_the_monthly_table(kab_operator: Any) -> None:
    _program(2024, [make_worker(DESA)], name="Program 2024", pagu=201_600)
    _pay(_bill(date(2024, 1, 1)), MONTHLY, "R-2024")
    _program(2023, [make_worker(DESA)], name="Program 2023", pagu=201_600)
    client = client_for(kab_operator)
    response = client.get("/programs/monev/?fiscal_year=2024&format=xlsx")
    assert "monev-2024-" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["Ringkasan"]["A"][4:6]] == ["Program 2024", "Jumlah (1 program)"]
    sheet = book["Kumulatif bulanan"]
    assert sheet["A2"].value.startswith("tahun anggaran 2024, per tanggal")
    headers = [c.value for c in sheet[4]]
    assert headers[-2:] == ["Serapan (%)", "Serapan 2023 (%)"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == 12
    assert rows[0][0].date() == date(2024, 1, 1) and rows[0][1:5] == (201_600, MONTHLY, MONTHLY, MONTHLY)
    assert rows[0][5] == 8.33 and rows[0][6] == 0.0

    pdf = client.get("/programs/monev/?fiscal_year=2024&format=pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    from paritrana.sponsorship.reports import monev_html

    html = monev_html(queries.monev(SYSTEM, fiscal_year=2024), title="Monev")
    assert "tahun anggaran <strong>2024</strong>" in html and 'data-testid="year-table"' in html
    assert "Program 2023" not in html
    assert html.count("<svg") == 4  # budget, monthly bars, cumulative, serapan against 2023


@pytest.mark.django_db
def test_a_bad_year_on_the_page_is_named_and_the_current_year_shown(kab_operator: Any) -> None:
    response = client_for(kab_operator).get("/programs/monev/?fiscal_year=dua-ribu")
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert response.context["report"].fiscal_year == THIS_YEAR


@pytest.mark.django_db
def test_the_api_defaults_to_this_year_and_takes_an_explicit_one(kab_operator: Any) -> None:
    _program(THIS_YEAR, [make_worker(DESA)], pagu=1_000_000)
    _program(THIS_YEAR - 1, [make_worker(DESA)], pagu=2_000_000)
    client = client_for(kab_operator)
    body = client.get("/api/v1/monev").json()
    assert body["fiscal_year"] == THIS_YEAR and body["totals"]["pagu"] == 1_000_000
    assert body["years"] == [THIS_YEAR, THIS_YEAR - 1]
    assert len(body["monthly"]) >= 12 and body["earlier_years"][0]["fiscal_year"] == THIS_YEAR - 1
    explicit = client.get(f"/api/v1/monev?fiscal_year={THIS_YEAR - 1}").json()
    assert explicit["fiscal_year"] == THIS_YEAR - 1 and explicit["totals"]["pagu"] == 2_000_000
    assert client.get("/api/v1/monev?fiscal_year=dua-ribu").status_code == 400
    assert client.get("/api/v1/monev?fiscal_year=1900").status_code == 400


@pytest.mark.django_db
def test_the_command_line_defaults_to_this_year(capsys: pytest.CaptureFixture[str]) -> None:
    _program(THIS_YEAR, [make_worker(DESA)], pagu=1_000_000)
    _program(2024, [make_worker(DESA)], pagu=2_000_000)
    assert main(["monev", "--format", "json"]) in (0, None)
    body = json.loads(capsys.readouterr().out)
    assert body["fiscal_year"] == THIS_YEAR and body["totals"]["pagu"] == 1_000_000
    assert main(["monev", "--year", "2024", "--format", "json"]) in (0, None)
    body = json.loads(capsys.readouterr().out)
    assert body["fiscal_year"] == 2024 and body["totals"]["pagu"] == 2_000_000


# Many programs at once ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rows_of_many_programs_are_those_of_each_alone_from_the_same_few_queries(
    django_assert_max_num_queries: Any,
) -> None:
    """A province's monev reads its programs together (grouped queries); each row is what the program's own monev
    says, and the queries do not grow with the number of programs."""
    from paritrana.sponsorship.actions import do_record_claim

    year = 2025
    one = _program(year, [make_worker(DESA) for _ in range(3)], target_workers=5)
    two = _program(year, [make_worker(DESA) for _ in range(2)])
    do_enroll(actor=SYSTEM, program=two, workers=[make_worker(DESA)], first_month=date(year, 6, 1))
    three = make_program(fiscal_year=year, pagu=1_000_000)  # nothing enrolled, nothing billed
    for month in (1, 2, 3):
        for bill in do_run_billing(actor=SYSTEM, month=date(year, month, 1)).bills:
            _pay(bill, int(bill.amount) // (2 if month == 3 else 1), f"REF-{bill.number}")
    worker = one.enrollments.first().worker
    do_record_claim(actor=SYSTEM, worker=worker, kind="jkk", event_date=date(year, 2, 10), amount_paid=42_000_000)
    on = date(year, 7, 20)
    programs = [one, two, three]
    alone = [queries.monev_row(p, on) for p in programs]
    assert queries.monev_rows(programs, on) == alone
    assert [r.workers for r in alone] == [3, 3, 0]  # the June enrollment counts from June
    assert alone[0].benefits_paid == 42_000_000 and alone[1].paid > 0
    with django_assert_max_num_queries(3) as one_program:
        queries.monev_rows([one], on)
    with django_assert_max_num_queries(len(one_program.captured_queries)):
        queries.monev_rows(programs, on)
