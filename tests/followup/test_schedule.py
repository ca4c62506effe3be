"""The beasiswa schedule against reference/regulations.md section 2.2 (PP 82/2019): TK Rp1,500,000 x 2 years,
SD Rp1,500,000 x 6, SMP Rp2,000,000 x 3, SMA Rp3,000,000 x 3, higher education Rp12,000,000 x 5; at most
Rp87,000,000 per child and two children; ends at 23, marriage or work. Pure: no database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.core.errors import InvalidInput, OutOfRange
from paritrana.followup.schedule import (
    Child,
    max_children,
    parse_school_year,
    scholarship_schedule,
    school_year_of,
)

DEATH = date(2025, 8, 10)  # school year 2025/2026
M = 1_000_000


def test_a_child_of_four_receives_every_level_figure_by_figure_up_to_the_87_million_cap() -> None:
    plan = scholarship_schedule(Child(birth_date=date(2021, 3, 1)), claim_date=DEATH, cause="jkk")
    by_level: dict[str, list[int]] = {}
    for year in plan.years:
        by_level.setdefault(year.level, []).append(int(year.amount))
    assert by_level == {
        "tk": [1_500_000] * 2,
        "sd": [1_500_000] * 6,
        "smp": [2_000_000] * 3,
        "sma": [3_000_000] * 3,
        "pt": [12_000_000] * 5,
    }
    assert {lv: sum(v) for lv, v in by_level.items()} == {
        "tk": 3 * M,
        "sd": 9 * M,
        "smp": 6 * M,
        "sma": 9 * M,
        "pt": 60 * M,
    }
    assert plan.total == plan.cap == Decimal(87 * M)
    assert plan.years[0].school_year == "2025/2026" and plan.years[-1].school_year == "2043/2044"
    assert [y.age for y in plan.years] == list(range(4, 23))
    assert plan.end_reason == "cap"


def test_two_children_are_capped_at_174_million_and_a_third_is_not_covered() -> None:
    plans = [
        scholarship_schedule(Child(birth_date=born), claim_date=DEATH, cause="jkk")
        for born in (date(2021, 3, 1), date(2020, 5, 1))
    ]
    assert sum(p.cap for p in plans) == Decimal(174 * M)
    assert max_children(DEATH) == 2


def test_the_level_follows_the_age_and_a_child_in_sma_gets_the_rest() -> None:
    plan = scholarship_schedule(Child(birth_date=date(2009, 1, 15)), claim_date=DEATH, cause="jkk")  # 16 in July
    assert [(y.level, y.year_in_level, int(y.amount)) for y in plan.years[:3]] == [
        ("sma", 2, 3 * M),
        ("sma", 3, 3 * M),
        ("pt", 1, 12 * M),
    ]
    assert plan.total == Decimal(2 * 3 * M + 5 * 12 * M)
    assert plan.end_reason == "age" and plan.ends_on == date(2032, 1, 15)


def test_a_child_below_school_age_starts_when_school_starts() -> None:
    plan = scholarship_schedule(Child(birth_date=date(2024, 1, 1)), claim_date=DEATH, cause="jkk")  # 1 year old
    assert plan.skipped == ("2025/2026", "2026/2027", "2027/2028")
    assert plan.years[0].school_year == "2028/2029" and plan.years[0].level == "tk" and plan.years[0].age == 4
    with pytest.raises(InvalidInput) as caught:
        plan.entry("2026/2027")
    assert caught.value.details["field"] == "school_year" and "below school age" in str(caught.value)


def test_a_year_after_the_child_turned_23_is_refused_with_the_date() -> None:
    plan = scholarship_schedule(Child(birth_date=date(2004, 3, 1)), claim_date=DEATH, cause="jkk")  # 21 in July
    assert [y.school_year for y in plan.years] == ["2025/2026", "2026/2027"]
    with pytest.raises(OutOfRange) as caught:
        plan.entry("2027/2028")
    assert caught.value.details["field"] == "school_year"
    assert caught.value.details["date"] == "2027-03-01"
    assert "turned 23 on 2027-03-01" in str(caught.value)


def test_a_year_beyond_the_cap_is_refused_even_before_23() -> None:
    # An early starter: in TK at 3, so every level is used up (87 million) by the year the child is 21.
    plan = scholarship_schedule(Child(birth_date=date(2022, 3, 1), level="tk"), claim_date=DEATH, cause="jkk")
    assert plan.total == plan.cap == Decimal(87 * M) and len(plan.years) == 19
    assert plan.years[-1].school_year == "2043/2044" and plan.years[-1].age == 21
    with pytest.raises(OutOfRange) as caught:
        plan.entry("2044/2045")
    assert "cap of Rp87.000.000" in str(caught.value)
    assert caught.value.details["last"] == "2043/2044"


def test_a_given_level_moves_up_a_year_at_a_time() -> None:
    plan = scholarship_schedule(Child(birth_date=date(2016, 9, 1), level="sd", grade=3), claim_date=DEATH, cause="jkk")
    assert [(y.level, y.year_in_level) for y in plan.years[:5]] == [
        ("sd", 3),
        ("sd", 4),
        ("sd", 5),
        ("sd", 6),
        ("smp", 1),
    ]
    assert plan.end_reason == "levels" and plan.total == Decimal(4 * 1_500_000 + 6 * M + 9 * M + 60 * M)


def test_marriage_and_work_end_the_scholarship_from_the_next_school_year() -> None:
    born = date(2007, 2, 1)  # 18 in July 2025: higher education
    married = scholarship_schedule(Child(birth_date=born, married_on=date(2027, 2, 14)), claim_date=DEATH, cause="jkk")
    assert [y.school_year for y in married.years] == ["2025/2026", "2026/2027"]
    assert married.end_reason == "marriage"
    with pytest.raises(InvalidInput, match="married or started work"):
        married.entry("2027/2028")
    working = scholarship_schedule(
        Child(birth_date=born, working_since=date(2025, 7, 1)), claim_date=date(2025, 7, 1), cause="jkk"
    )
    assert working.years == () and working.end_reason == "work"


def test_a_jkm_death_needs_three_years_of_contributions() -> None:
    child = Child(birth_date=date(2015, 1, 1))
    with pytest.raises(InvalidInput) as caught:
        scholarship_schedule(child, claim_date=DEATH, cause="jkm", contribution_years=2)
    assert caught.value.details["field"] == "contribution_years"
    with pytest.raises(InvalidInput) as caught:
        scholarship_schedule(child, claim_date=DEATH, cause="jkm")
    assert caught.value.details["field"] == "contribution_years"
    assert scholarship_schedule(child, claim_date=DEATH, cause="jkm", contribution_years=3).years


def test_before_pp_82_2019_the_scholarship_was_one_payment_of_12_million_for_one_child() -> None:
    plan = scholarship_schedule(Child(birth_date=date(2010, 1, 1)), claim_date=date(2019, 3, 1), cause="jkm")
    assert [(y.school_year, y.level, int(y.amount)) for y in plan.years] == [("2018/2019", "single", 12 * M)]
    assert max_children(date(2019, 3, 1)) == 1


def test_due_dates_are_the_end_of_the_first_semester_and_never_before_the_claim_can_be_made() -> None:
    plan = scholarship_schedule(Child(birth_date=date(2015, 1, 1)), claim_date=date(2026, 5, 20), cause="jkk")
    assert plan.years[0].school_year == "2025/2026" and plan.years[0].due == date(2026, 5, 20) + timedelta(days=90)
    assert plan.years[1].due == date(2026, 12, 31)


def test_school_years_are_written_yyyy_slash_yyyy() -> None:
    assert parse_school_year("2025/2026") == 2025 and parse_school_year(" 2025 / 2026 ") == 2025
    for bad in ("2025", "2025/2027", "25/26", "", "2025-2026"):
        with pytest.raises(InvalidInput) as caught:
            parse_school_year(bad)
        assert caught.value.details["field"] == "school_year"
    assert school_year_of(date(2025, 6, 30)) == 2024 and school_year_of(date(2025, 7, 1)) == 2025


def test_an_unknown_level_or_grade_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        scholarship_schedule(Child(birth_date=date(2015, 1, 1), level="s2"), claim_date=DEATH, cause="jkk")
    assert caught.value.details["field"] == "level"
    with pytest.raises(OutOfRange) as caught:
        scholarship_schedule(Child(birth_date=date(2015, 1, 1), level="tk", grade=3), claim_date=DEATH, cause="jkk")
    assert caught.value.details["field"] == "grade"


def test_a_child_already_23_at_the_death_is_refused() -> None:
    with pytest.raises(OutOfRange) as caught:
        scholarship_schedule(Child(birth_date=date(2000, 1, 1)), claim_date=DEATH, cause="jkk")
    assert caught.value.details["field"] == "birth_date"


LEVELS = st.sampled_from(["", "tk", "sd", "smp", "sma", "pt"])


@st.composite
def cases(draw: st.DrawFn) -> tuple[Child, date]:
    death = draw(st.dates(min_value=date(2019, 12, 2), max_value=date(2035, 12, 31)))
    born = draw(st.dates(min_value=death - timedelta(days=22 * 365), max_value=death))
    level = draw(LEVELS)
    grade = draw(st.integers(min_value=1, max_value={"": 1, "tk": 2, "sd": 6, "smp": 3, "sma": 3, "pt": 5}[level]))
    married = draw(st.none() | st.dates(min_value=death, max_value=death + timedelta(days=25 * 365)))
    working = draw(st.none() | st.dates(min_value=death, max_value=death + timedelta(days=25 * 365)))
    return Child(born, level, grade, married, working), death


@given(cases(), st.sampled_from(["jkk", "jkm"]))
def test_a_schedule_never_passes_the_cap_nor_the_23rd_birthday(case: tuple[Child, date], cause: str) -> None:
    child, death = case
    plan = scholarship_schedule(child, claim_date=death, cause=cause, contribution_years=5)
    assert plan.total <= plan.cap == Decimal(87 * M)
    turns_23 = (
        child.birth_date.replace(year=child.birth_date.year + 23)
        if (
            child.birth_date.month,
            child.birth_date.day,
        )
        != (2, 29)
        else date(child.birth_date.year + 23, 3, 1)
    )
    starts = [max(y.starts, death) for y in plan.years]
    assert all(s < turns_23 for s in starts)
    for end in (child.married_on, child.working_since):
        if end is not None:
            assert all(s < end for s in starts)
    assert all(y.amount > 0 for y in plan.years)
    assert len({y.school_year for y in plan.years}) == len(plan.years)
    assert [y.cumulative for y in plan.years] == [
        sum((p.amount for p in plan.years[: i + 1]), Decimal(0)) for i in range(len(plan.years))
    ]
