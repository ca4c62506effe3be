"""JKK benefits added in issue 16, figure by figure against shared/reference/regulations.md (2.3) and the sources in
the notes of rates.toml: STMB, transport, home care, the santunan berkala on total permanent disability, the JKK
death amounts before PP 82/2019, and the corrected citations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.core.errors import InvalidInput, NotInForce, OutOfRange
from paritrana.rules import benefit, load_rules

D = date(2024, 6, 1)
PP_82_2019 = date(2019, 12, 2)  # in force from 2 December 2019
BEFORE = PP_82_2019 - timedelta(days=1)


def result(kind: str, **kwargs):  # type: ignore[no-untyped-def]
    return benefit(kind, on=kwargs.pop("on", D), **kwargs).as_dict()


def statuses(res: dict, key: str) -> set[str]:  # type: ignore[type-arg]
    return {c["status"] for c in res["citations"] if c["item"] == key}


# --- STMB: 100% of the wage for the first 12 months, 50% after, until recovery -----------------------------------
@pytest.mark.parametrize(
    ("months", "components"),
    [
        (1, {"bulan_1": 5_000_000}),
        (6, {"bulan_1_6": 30_000_000}),
        (12, {"bulan_1_12": 60_000_000}),
        (13, {"bulan_1_12": 60_000_000, "bulan_13": 2_500_000}),
        (20, {"bulan_1_12": 60_000_000, "bulan_13_20": 20_000_000}),
        (36, {"bulan_1_12": 60_000_000, "bulan_13_36": 60_000_000}),
    ],
)
def test_stmb_is_100_percent_for_12_months_then_50_percent(months: int, components: dict[str, int]) -> None:
    assert result("jkk-stmb", wage=5_000_000, months_unable=months)["components"] == components


def test_stmb_rounds_each_months_amount_half_up_once() -> None:
    # 50% of Rp5,000,001 = 2,500,000.5 -> 2,500,001 a month
    got = result("jkk-stmb", wage=5_000_001, months_unable=14)["components"]
    assert got == {"bulan_1_12": 12 * 5_000_001, "bulan_13_14": 2 * 2_500_001}


def test_stmb_is_marked_unconfirmed_with_its_note() -> None:
    res = result("jkk-stmb", wage=5_000_000, months_unable=3)
    assert statuses(res, "jkk.stmb") == {"unconfirmed"}
    assert next(c for c in res["citations"] if c["item"] == "jkk.stmb")["note"]


def test_stmb_before_pp_82_2019_is_not_encoded() -> None:
    with pytest.raises(NotInForce):
        benefit("jkk-stmb", on=BEFORE, wage=5_000_000, months_unable=3)
    assert result("jkk-stmb", on=PP_82_2019, wage=5_000_000, months_unable=3)["total"] == 15_000_000


@pytest.mark.parametrize(
    ("months", "error"), [(None, InvalidInput), (0, OutOfRange), (True, OutOfRange), (1.5, OutOfRange)]
)
def test_stmb_bad_months_name_the_field(months: object, error: type[Exception]) -> None:
    params = {} if months is None else {"months_unable": months}
    with pytest.raises(error) as caught:
        benefit("jkk-stmb", on=D, wage=5_000_000, **params)
    assert caught.value.details["field"] == "months_unable"  # type: ignore[attr-defined]


@given(wage=st.integers(1, 200_000_000), a=st.integers(1, 120), b=st.integers(1, 120))
def test_stmb_never_decreases_with_more_months_and_never_pays_above_the_wage(wage: int, a: int, b: int) -> None:
    low, high = sorted((a, b))
    total = lambda m: result("jkk-stmb", wage=wage, months_unable=m)["total"]  # noqa: E731
    assert total(low) <= total(high)
    res = result("jkk-stmb", wage=wage, months_unable=high)
    assert res["total"] <= high * wage
    for name, amount in res["components"].items():
        first, _, last = name.removeprefix("bulan_").partition("_")
        span = int(last or first) - int(first) + 1
        assert amount % span == 0 and amount // span <= wage  # one monthly amount, never above 100% of the wage


# --- Transport: land/river/lake Rp5M, sea Rp2M, air Rp10M, each mode up to its cap -----------------------------
@pytest.mark.parametrize(
    ("param", "component", "cap", "status"),
    [
        ("land_cost", "transportasi_darat", 5_000_000, "confirmed"),
        ("sea_cost", "transportasi_laut", 2_000_000, "partial"),
        ("air_cost", "transportasi_udara", 10_000_000, "partial"),
    ],
)
def test_transport_is_reimbursed_up_to_the_cap_of_its_mode(param: str, component: str, cap: int, status: str) -> None:
    assert result("jkk-transport", **{param: cap - 1})["components"] == {component: cap - 1}
    assert result("jkk-transport", **{param: cap})["components"] == {component: cap}
    over = result("jkk-transport", **{param: cap + 1})
    assert over["components"] == {component: cap} and over["notes"]
    key = {"land_cost": "jkk.transport_land_max", "sea_cost": "jkk.transport_sea_max"}.get(
        param, "jkk.transport_air_max"
    )
    assert statuses(over, key) == {status}


def test_transport_by_several_modes_pays_each_up_to_its_own_cap() -> None:
    res = result("jkk-transport", land_cost=7_000_000, sea_cost=1_000_000, air_cost=12_000_000)
    assert res["components"] == {
        "transportasi_darat": 5_000_000,
        "transportasi_laut": 1_000_000,
        "transportasi_udara": 10_000_000,
    }
    assert res["total"] == 16_000_000


def test_transport_needs_a_cost_and_refuses_a_negative_one() -> None:
    with pytest.raises(InvalidInput) as caught:
        benefit("jkk-transport", on=D)
    assert caught.value.details["field"] == "land_cost"
    with pytest.raises(OutOfRange) as caught:
        benefit("jkk-transport", on=D, sea_cost=-1)
    assert caught.value.details["field"] == "sea_cost"


def test_transport_caps_before_pp_82_2019_are_not_encoded() -> None:
    with pytest.raises(NotInForce):
        benefit("jkk-transport", on=BEFORE, land_cost=1_000_000)


@given(a=st.integers(0, 50_000_000), b=st.integers(0, 50_000_000))
def test_transport_never_pays_more_than_spent_or_the_cap_and_never_less_for_more_spent(a: int, b: int) -> None:
    low, high = sorted((a, b))
    paid = lambda cost: result("jkk-transport", air_cost=cost)["total"]  # noqa: E731
    assert paid(low) <= paid(high) <= min(high, 10_000_000)


# --- Home care: at most 1 year and Rp20,000,000 (PP 82/2019, new) ------------------------------------------------
def test_home_care_pays_the_cost_up_to_20_million() -> None:
    assert result("jkk-home-care", home_care_cost=7_500_000)["components"] == {"perawatan_di_rumah": 7_500_000}
    capped = result("jkk-home-care", home_care_cost=25_000_000, home_care_months=12)
    assert capped["components"] == {"perawatan_di_rumah": 20_000_000}
    assert statuses(capped, "jkk.home_care_max") == {"confirmed"}
    assert statuses(capped, "jkk.home_care_max_months") == {"confirmed"}


def test_home_care_beyond_one_year_is_refused_naming_the_field() -> None:
    with pytest.raises(OutOfRange) as caught:
        benefit("jkk-home-care", on=D, home_care_cost=1_000_000, home_care_months=13)
    assert caught.value.details["field"] == "home_care_months"
    with pytest.raises(InvalidInput) as caught:
        benefit("jkk-home-care", on=D)
    assert caught.value.details["field"] == "home_care_cost"


def test_home_care_did_not_exist_before_pp_82_2019() -> None:
    with pytest.raises(NotInForce):
        benefit("jkk-home-care", on=BEFORE, home_care_cost=1_000_000)


# --- Total permanent disability: 56 x wage plus the santunan berkala ---------------------------------------------
def test_total_disability_adds_the_12_million_santunan_berkala_since_pp_82_2019() -> None:
    res = result("jkk-disability", wage=5_000_000, total=True)
    assert res["components"] == {"cacat_total_tetap": 280_000_000, "santunan_berkala": 12_000_000}
    assert statuses(res, "jkk.total_disability_periodic") == {"partial"}


def test_total_disability_before_pp_82_2019_adds_4_8_million_marked_unconfirmed() -> None:
    res = result("jkk-disability", on=BEFORE, wage=5_000_000, total=True)
    assert res["components"] == {"cacat_total_tetap": 280_000_000, "santunan_berkala": 4_800_000}
    assert statuses(res, "jkk.total_disability_periodic") == {"unconfirmed"}


def test_partial_disability_has_no_santunan_berkala() -> None:
    assert result("jkk-disability", wage=5_000_000, percentage=10)["components"] == {"cacat_sebagian": 40_000_000}


# --- JKK death before PP 82/2019: PP 44/2015 amounts ---------------------------------------------------------------
def test_jkk_death_the_day_before_pp_82_2019_is_priced_by_pp_44_2015() -> None:
    """The e-kliping case (27 Oct 2019): 48 x Rp4M = Rp192M, santunan berkala Rp4.8M, funeral Rp3M."""
    res = result("jkk-death", on=BEFORE, wage=4_000_000)
    assert res["components"] == {
        "santunan_kematian": 192_000_000,
        "biaya_pemakaman": 3_000_000,
        "santunan_berkala": 4_800_000,
    }
    assert statuses(res, "jkk.funeral") == statuses(res, "jkk.periodic") == {"partial"}
    on_the_day = result("jkk-death", on=PP_82_2019, wage=4_000_000)["components"]
    assert (on_the_day["biaya_pemakaman"], on_the_day["santunan_berkala"]) == (10_000_000, 12_000_000)


def test_jkk_death_floor_before_pp_82_2019_is_the_old_jkm_lump_sum() -> None:
    res = result("jkk-death", on=BEFORE, wage=300_000)  # 48 x 300,000 = 14.4M < 16.2M
    assert res["components"]["santunan_kematian"] == 16_200_000
    assert statuses(res, "jkm.lump_sum") == {"partial"}


def test_jkk_death_from_the_first_day_of_pp_44_2015() -> None:
    assert result("jkk-death", on=date(2015, 7, 1), wage=4_000_000)["total"] == 192_000_000 + 3_000_000 + 4_800_000


# --- Citations corrected in issue 16 -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "on", "regulation", "article"),
    [
        ("jp.accrual_pct_per_year", D, "PP 45/2015", "Pasal 17(2)"),
        ("pu.jp.wage_cap", date(2015, 7, 1), "PP 45/2015", "Pasal 29(2)"),
    ],
)
def test_corrected_citations(key: str, on: date, regulation: str, article: str) -> None:
    citation = load_rules().get(key, on).citation
    assert (citation.regulation, citation.article) == (regulation, article)


def test_jp_minimum_years_no_longer_cites_the_pension_age_article() -> None:
    citation = load_rules().get("jp.min_years", D).citation
    assert citation.article != "Pasal 15" and citation.status == "unconfirmed" and citation.note
