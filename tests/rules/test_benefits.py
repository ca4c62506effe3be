"""Benefits, figure by figure against shared/reference/regulations.md (section 2)."""

from __future__ import annotations

from datetime import date

import pytest

from paritrana.core.errors import InvalidInput, NotInForce, OutOfRange
from paritrana.rules import benefit

D = date(2024, 6, 1)


def components(kind: str, **kwargs):  # type: ignore[no-untyped-def]
    return benefit(kind, on=kwargs.pop("on", D), **kwargs).as_dict()["components"]


def test_jkm_is_42_million_as_20_12_10_since_pp_82_2019() -> None:
    result = benefit("jkm", on=date(2019, 12, 2)).as_dict()
    assert result["components"] == {
        "santunan_sekaligus": 20_000_000,
        "santunan_berkala": 12_000_000,
        "biaya_pemakaman": 10_000_000,
    }
    assert result["total"] == 42_000_000


def test_jkm_the_day_before_pp_82_2019_is_the_old_amount_and_marked_partial() -> None:
    result = benefit("jkm", on=date(2019, 12, 1)).as_dict()
    assert result["total"] == 24_000_000
    assert {c["status"] for c in result["citations"]} == {"partial"}


def test_jkk_death_is_48_times_wage_plus_funeral_and_periodic() -> None:
    assert components("jkk-death", wage=5_000_000) == {
        "santunan_kematian": 240_000_000,
        "biaya_pemakaman": 10_000_000,
        "santunan_berkala": 12_000_000,
    }


def test_jkk_death_is_never_less_than_the_jkm_lump_sum() -> None:
    result = benefit("jkk-death", on=D, wage=300_000).as_dict()
    assert result["components"]["santunan_kematian"] == 20_000_000  # 48 x 300,000 = 14.4M < 20M
    assert result["notes"]


def test_total_permanent_disability_is_56_times_wage_plus_santunan_berkala() -> None:
    assert components("jkk-disability", wage=5_000_000, total=True) == {
        "cacat_total_tetap": 280_000_000,
        "santunan_berkala": 12_000_000,
    }


def test_partial_disability_is_percentage_times_80_times_wage() -> None:
    assert components("jkk-disability", wage=5_000_000, percentage=10) == {"cacat_sebagian": 40_000_000}
    assert components("jkk-disability", wage=5_000_000, percentage=10, function_percentage=50) == {
        "cacat_sebagian": 20_000_000
    }


@pytest.mark.parametrize(
    ("level", "per_year", "years"),
    [
        ("tk", 1_500_000, 2),
        ("sd", 1_500_000, 6),
        ("smp", 2_000_000, 3),
        ("sma", 3_000_000, 3),
        ("pt", 12_000_000, 5),
    ],
)
def test_beasiswa_per_level(level: str, per_year: int, years: int) -> None:
    got = components("beasiswa", children=[{"level": level, "years": years}], contribution_years=3)
    assert got == {f"anak_1_{level}": per_year * years}
    with pytest.raises(OutOfRange):
        components("beasiswa", children=[{"level": level, "years": years + 1}], contribution_years=3)


def test_beasiswa_caps_87_million_per_child_and_174_for_two() -> None:
    result = benefit("beasiswa", on=D, children=["tk", "tk"], contribution_years=5).as_dict()
    assert list(result["components"].values()) == [87_000_000, 87_000_000]
    assert result["total"] == 174_000_000


def test_beasiswa_at_most_two_children() -> None:
    with pytest.raises(OutOfRange, match="children"):
        benefit("beasiswa", on=D, children=["sd", "sd", "sd"], contribution_years=5)


def test_jkm_beasiswa_needs_three_years_of_contributions_jkk_does_not() -> None:
    assert benefit("beasiswa", on=D, children=["sd"], contribution_years=2.9).as_dict()["total"] == 0
    assert benefit("beasiswa", on=D, children=["sd"], contribution_years=3).as_dict()["total"] == 84_000_000
    assert benefit("beasiswa", on=D, children=["sd"], cause="jkk").as_dict()["total"] == 84_000_000


def test_beasiswa_before_pp_82_2019_is_12_million_for_one_child() -> None:
    assert benefit("beasiswa", on=date(2019, 1, 1), children=["sd"]).as_dict()["total"] == 12_000_000


def test_jkp_pp_37_2021_pays_45_then_25_percent_of_capped_wage() -> None:
    got = components("jkp", on=date(2024, 1, 1), wage=8_000_000)
    assert got == {
        "bulan_1": 2_250_000,
        "bulan_2": 2_250_000,
        "bulan_3": 2_250_000,
        "bulan_4": 1_250_000,
        "bulan_5": 1_250_000,
        "bulan_6": 1_250_000,
    }


def test_jkp_pp_6_2025_pays_60_percent_for_six_months_from_7_february_2025() -> None:
    assert components("jkp", on=date(2025, 2, 6), wage=5_000_000)["bulan_1"] == 2_250_000
    got = components("jkp", on=date(2025, 2, 7), wage=5_000_000)
    assert got == {f"bulan_{m}": 3_000_000 for m in range(1, 7)}


def test_jkp_before_2021_is_not_in_force() -> None:
    with pytest.raises(NotInForce):
        benefit("jkp", on=date(2021, 2, 1), wage=5_000_000)


def test_jht_projection_states_its_assumption() -> None:
    result = benefit("jht", on=D, segment="pu", wage=5_000_000, years=1, annual_return=0).as_dict()
    assert result["components"] == {"iuran": 12 * 285_000, "hasil_pengembangan": 0}
    default = benefit("jht", on=D, segment="bpu", income=1_000_000, years=10).as_dict()
    assert default["assumptions"]["annual_return"] == 0.05 and default["notes"]
    assert default["components"]["hasil_pengembangan"] > 0


def test_jp_monthly_is_one_percent_per_year_with_the_floor_of_the_year() -> None:
    assert components("jp", on=date(2023, 6, 1), average_wage=6_000_000, contribution_years=20) == {
        "manfaat_pensiun_bulanan": 1_200_000
    }
    assert components("jp", on=date(2023, 6, 1), average_wage=1_000_000, contribution_years=15) == {
        "manfaat_pensiun_bulanan": 383_400
    }
    assert components("jp", on=date(2023, 6, 1), average_wage=30_000_000, contribution_years=30) == {
        "manfaat_pensiun_bulanan": 4_598_100
    }


def test_jp_2024_has_no_known_ceiling_and_says_so() -> None:
    result = benefit("jp", on=date(2024, 6, 1), average_wage=30_000_000, contribution_years=30).as_dict()
    assert result["components"]["manfaat_pensiun_bulanan"] == 9_000_000
    assert any("ceiling" in n for n in result["notes"])


def test_jp_under_15_years_pays_contributions_back() -> None:
    assert "pengembalian_iuran" in components("jp", average_wage=5_000_000, contribution_years=10)


@pytest.mark.parametrize(
    ("kind", "kwargs", "field"),
    [
        ("jkk-death", {}, "wage"),
        ("jkk-death", {"wage": 0}, "wage"),
        ("jkk-disability", {"wage": 1}, "percentage"),
        ("jkk-disability", {"wage": 1, "percentage": 120}, "percentage"),
        ("beasiswa", {}, "children"),
        ("beasiswa", {"children": ["kuliah"], "contribution_years": 5}, "children"),
        ("jkp", {"wage": 5_000_000, "months_unemployed": 7}, "months_unemployed"),
        ("unknown", {}, "kind"),
    ],
)
def test_bad_benefit_input_names_the_field(kind: str, kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput) as caught:
        benefit(kind, on=D, **kwargs)
    assert caught.value.details["field"] == field
