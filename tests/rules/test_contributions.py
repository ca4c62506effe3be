"""Contributions, figure by figure against shared/reference/regulations.md (section 1)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from paritrana.core.errors import InvalidInput, NotInForce, OutOfRange
from paritrana.rules import due_date, quote

D = date(2024, 6, 1)
WAGE = 10_000_000  # below every JP cap since 2024-03, so JP is on the full wage


def per_worker(**kwargs):  # type: ignore[no-untyped-def]
    return quote(**kwargs).as_dict()["per_worker_monthly"]


# --- 1.1 Penerima Upah -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("group", "pct"), [(1, "0.24"), (2, "0.54"), (3, "0.89"), (4, "1.27"), (5, "1.74")])
def test_pu_jkk_by_risk_group(group: int, pct: str) -> None:
    result = quote(segment="pu", on=D, programs=["jkk"], wage=WAGE, risk_group=group).as_dict()
    assert result["per_worker_monthly"]["jkk"] == int(WAGE * Decimal(pct) / 100)
    assert result["payers"] == {"employer": int(WAGE * Decimal(pct) / 100)}


def test_pu_jkm_is_030_percent_paid_by_the_employer() -> None:
    assert per_worker(segment="pu", on=D, programs=["jkm"], wage=WAGE)["jkm"] == 30_000


def test_pu_jht_is_37_employer_plus_2_worker() -> None:
    result = quote(segment="pu", on=D, programs=["jht"], wage=WAGE).as_dict()
    assert result["per_worker_monthly"]["jht"] == 570_000
    assert result["payers"] == {"employer": 370_000, "worker": 200_000}


def test_pu_jp_is_2_employer_plus_1_worker_below_the_cap() -> None:
    result = quote(segment="pu", on=D, programs=["jp"], wage=WAGE).as_dict()
    assert result["payers"] == {"employer": 200_000, "worker": 100_000}


JP_CAPS = [
    (date(2015, 7, 1), 7_000_000),
    (date(2016, 3, 1), 7_335_300),
    (date(2017, 3, 1), 7_703_500),
    (date(2018, 3, 1), 8_094_000),
    (date(2019, 3, 1), 8_512_400),
    (date(2020, 3, 1), 8_939_700),
    (date(2021, 3, 1), 8_754_600),
    (date(2022, 3, 1), 9_077_600),
    (date(2023, 3, 1), 9_559_600),
    (date(2024, 3, 1), 10_042_300),
    (date(2025, 3, 1), 10_547_400),
]


@pytest.mark.parametrize(("start", "cap"), JP_CAPS)
def test_jp_wage_cap_applies_from_its_march_and_not_the_day_before(start: date, cap: int) -> None:
    big = 50_000_000
    jp = quote(segment="pu", on=start, programs=["jp"], wage=big).as_dict()["payers"]
    assert jp == {"employer": round(cap * 0.02), "worker": round(cap * 0.01)}
    if start.year > 2015:
        before = quote(segment="pu", on=start - timedelta(days=1), programs=["jp"], wage=big).as_dict()["payers"]
        assert before["employer"] != jp["employer"]


def test_the_2021_jp_cap_went_down() -> None:
    caps = dict(JP_CAPS)
    assert caps[date(2021, 3, 1)] < caps[date(2020, 3, 1)]
    q2020 = quote(segment="pu", on=date(2021, 2, 28), programs=["jp"], wage=20_000_000).as_dict()
    q2021 = quote(segment="pu", on=date(2021, 3, 1), programs=["jp"], wage=20_000_000).as_dict()
    assert q2021["total"] < q2020["total"]


def test_jkp_from_pp_37_2021_is_022_government_with_014_and_010_recomposed() -> None:
    result = quote(segment="pu", on=date(2021, 2, 2), programs=["jkp"], wage=4_000_000).as_dict()
    assert result["per_worker_monthly"]["jkp"] == 8_800  # 0.22% of 4,000,000
    assert result["payers"] == {"government": 8_800}
    assert result["allocations"] == {"jkp_from_jkk": 5_600, "jkp_from_jkm": 4_000}


def test_jkp_from_7_february_2025_drops_the_jkm_part() -> None:
    before = quote(segment="pu", on=date(2025, 2, 6), programs=["jkp"], wage=4_000_000).as_dict()
    after = quote(segment="pu", on=date(2025, 2, 7), programs=["jkp"], wage=4_000_000).as_dict()
    assert before["allocations"] == {"jkp_from_jkk": 5_600, "jkp_from_jkm": 4_000}  # 0.46% in all
    assert after["allocations"] == {"jkp_from_jkk": 5_600}  # 0.36% in all
    assert after["per_worker_monthly"]["jkp"] == 8_800


def test_jkp_wage_base_is_capped_at_5_million() -> None:
    assert per_worker(segment="pu", on=D, programs=["jkp"], wage=30_000_000)["jkp"] == 11_000


def test_jkp_before_2021_is_not_in_force() -> None:
    with pytest.raises(NotInForce, match="JKP"):
        quote(segment="pu", on=date(2021, 2, 1), programs=["jkp"], wage=4_000_000)


def test_nothing_before_1_july_2015() -> None:
    with pytest.raises(NotInForce):
        quote(segment="bpu", on=date(2015, 6, 30), programs=["jkk"], income=1_000_000)


# --- 1.3 Bukan Penerima Upah ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("income", "jkk", "jht"),
    [
        (1_000_000, 10_000, 20_000),
        (1_500_000, 15_000, 30_000),
        (2_000_000, 20_000, 40_000),
        (3_000_000, 30_000, 60_000),
        (20_700_000, 207_000, 414_000),
    ],
)
def test_bpu_table_rows(income: int, jkk: int, jht: int) -> None:
    amounts = per_worker(segment="bpu", on=D, programs=["jkk", "jkm", "jht"], income=income)
    assert amounts == {"jkk": jkk, "jkm": 6_800, "jht": jht, "total": jkk + 6_800 + jht}


def test_minimum_package_is_16800() -> None:
    assert per_worker(segment="bpu", on=D, programs=["jkk", "jkm"], income=1_000_000)["total"] == 16_800


@pytest.mark.parametrize("income", [999_999, 20_700_001, 0])
def test_bpu_income_outside_the_range_is_refused_naming_the_range(income: int) -> None:
    with pytest.raises(OutOfRange) as caught:
        quote(segment="bpu", on=D, programs=["jkk"], income=income)
    assert caught.value.details == {"field": "income", "minimum": 1_000_000, "maximum": 20_700_000, "value": income}


def test_clamp_is_explicit_and_said() -> None:
    result = quote(segment="bpu", on=D, programs=["jkk"], income=500_000, clamp=True).as_dict()
    assert result["clamped"] is True and result["per_worker_monthly"]["jkk"] == 10_000
    assert "clamped" in result["notes"][0]


def test_jp_is_not_available_to_bpu() -> None:
    with pytest.raises(InvalidInput) as caught:
        quote(segment="bpu", on=D, programs=["jkk", "jp"], income=1_000_000)
    assert caught.value.details["field"] == "programs" and "jp" in caught.value.details["programs"]


def test_116000_workers_for_a_year_cost_23_3856_billion() -> None:
    """Kabupaten Tangerang's APBD scale: 116,000 workers x 12 months x Rp16,800."""
    result = quote(
        segment="bpu",
        on=date(2024, 1, 1),
        programs=["jkk", "jkm"],
        months=12,
        workers=116_000,
        income=1_000_000,
        payer="sponsor",
    ).as_dict()
    assert result["total"] == 23_385_600_000 == 116_000 * 12 * 16_800
    assert result["payers"] == {"sponsor": 23_385_600_000}


# --- 1.4 Jasa konstruksi ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "jkk", "jkm"),
    [
        (100_000_000, 210_000, 30_000),
        (500_000_000, 210_000 + 680_000, 30_000 + 80_000),
        (1_000_000_000, 210_000 + 680_000 + 650_000, 30_000 + 80_000 + 100_000),
        (5_000_000_000, 1_540_000 + 4_400_000, 210_000 + 400_000),
        (6_000_000_000, 1_540_000 + 4_400_000 + 900_000, 210_000 + 400_000 + 100_000),
    ],
)
def test_jasa_konstruksi_marginal_tiers(value: int, jkk: int, jkm: int) -> None:
    assert per_worker(segment="jakon", on=D, programs=["jkk", "jkm"], contract_value=value) == {
        "jkk": jkk,
        "jkm": jkm,
        "total": jkk + jkm,
    }


# --- 1.5 PMI ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("months", "placement"), [(6, 108_000), (12, 189_000), (24, 332_500), (26, 332_500 + 2 * 13_500)]
)
def test_pmi_packages(months: int, placement: int) -> None:
    amounts = per_worker(segment="pmi", on=D, programs=["jkk", "jkm"], contract_months=months)
    assert amounts == {"pra_penempatan": 37_500, "penempatan": placement, "total": 37_500 + placement}


def test_pmi_contract_shorter_than_six_months_is_refused() -> None:
    with pytest.raises(OutOfRange, match="contract_months"):
        quote(segment="pmi", on=D, programs=["jkk", "jkm"], contract_months=3)


# --- 1.6 PP 49/2020 relief --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("on", "jkk", "jkm"),
    [
        (date(2020, 7, 31), 10_000, 6_800),
        (date(2020, 8, 1), 100, 68),
        (date(2021, 1, 31), 100, 68),
        (date(2021, 2, 1), 10_000, 6_800),
    ],
)
def test_pp49_cuts_jkk_and_jkm_by_99_percent_for_august_2020_to_january_2021(on: date, jkk: int, jkm: int) -> None:
    assert per_worker(segment="bpu", on=on, programs=["jkk", "jkm"], income=1_000_000) == {
        "jkk": jkk,
        "jkm": jkm,
        "total": jkk + jkm,
    }


def test_pp49_defers_99_percent_of_jp() -> None:
    result = quote(segment="pu", on=date(2020, 10, 1), programs=["jp"], wage=5_000_000).as_dict()
    assert result["payers"] == {"employer": 1_000, "worker": 500}
    assert result["deferred"] == {"jp_employer": 99_000, "jp_worker": 49_500}


@pytest.mark.parametrize(
    ("month", "due"),
    [
        (date(2020, 7, 1), date(2020, 8, 15)),
        (date(2020, 8, 1), date(2020, 9, 30)),
        (date(2021, 1, 1), date(2021, 2, 28)),
        (date(2021, 2, 1), date(2021, 3, 15)),
        (date(2024, 12, 1), date(2025, 1, 15)),
    ],
)
def test_due_date_is_the_15th_or_the_30th_during_relief(month: date, due: date) -> None:
    assert due_date(month) == due


# --- bad input ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"segment": "pu", "programs": ["jkm"], "wage": 0}, "wage"),
        ({"segment": "pu", "programs": ["jkm"], "wage": -5}, "wage"),
        ({"segment": "pu", "programs": ["jkk"], "wage": 5_000_000, "risk_group": 6}, "risk_group"),
        ({"segment": "pu", "programs": ["jkk"], "wage": 5_000_000}, "risk_group"),
        ({"segment": "bpu", "programs": ["jkk"], "income": "1.5"}, "income"),
        ({"segment": "bpu", "programs": ["jkk"], "income": 1_000_000.5}, "income"),
        ({"segment": "bpu", "programs": ["jkk"], "income": "satu juta"}, "income"),
        ({"segment": "xyz", "programs": ["jkk"]}, "segment"),
        ({"segment": "bpu", "programs": ["jkk"], "income": 1_000_000, "months": 0}, "months"),
        ({"segment": "bpu", "programs": [], "income": 1_000_000}, "programs"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput) as caught:
        quote(on=D, **kwargs)
    assert caught.value.details["field"] == field


def test_amounts_written_with_thousands_separators_are_accepted() -> None:
    assert per_worker(segment="bpu", on=D, programs=["jkk"], income="Rp1.000.000")["jkk"] == 10_000
    assert per_worker(segment="bpu", on=D, programs=["jkk"], income="1,500,000")["jkk"] == 15_000
