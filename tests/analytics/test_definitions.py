"""Indicators as data: the standard set, the errors a bad definition gets, periods, and the pure finish."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.analytics.compute import finish, resolve_target
from paritrana.analytics.definitions import Indicator, load_yaml, parse_definitions, standard_indicators
from paritrana.analytics.periods import Period
from paritrana.core.errors import InvalidInput

STANDARD_IDS = [
    "coverage_workforce",
    "coverage_bpu_informal",
    "bpu_public_funded_share",
    "vulnerable_protected",
    "villages_meeting_minimum",
    "budget_absorption",
    "benefit_premium_ratio",
    "growth_yoy",
    "gap_to_target",
]


def test_the_standard_set_has_every_indicator_the_issue_names() -> None:
    assert [i.id for i in standard_indicators()] == STANDARD_IDS
    assert all(i.name["id"] and i.name["en"] for i in standard_indicators())


def _one(text: str) -> Indicator:
    return parse_definitions(load_yaml(text))[0]


def test_a_new_indicator_is_data() -> None:
    indicator = _one(
        """
        id: coverage_pmi
        name: {id: Cakupan PMI, en: Migrant workers covered}
        numerator: {source: participants, filter: {active: true, segment: pmi}}
        denominator: {source: workforce, measure: sum, field: employed}
        factor: 1000
        """
    )
    assert indicator.factor == 1000 and indicator.numerator.filter == {"active": True, "segment": "pmi"}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "{id: x1, name: {id: a, en: b}, numerator: {source: participants, filter: {colour: red}}, "
            "denominator: {source: regions}}",
            ["x1", "colour"],
        ),
        ("{id: x2, name: {id: a, en: b}, numerator: {source: budget}, denominator: {source: regions}}", ["budget"]),
        (
            "{id: x3, name: {id: a, en: b}, numerator: {source: participants, measure: sum, field: salary}, "
            "denominator: {source: regions}}",
            ["salary"],
        ),
        (
            "{id: x4, name: {id: a, en: b}, numerator: {source: participants, filter: {segment: petani}}, "
            "denominator: {source: regions}}",
            ["petani", "segment"],
        ),
        ("{id: x5, name: {id: a, en: b}, numerator: {source: participants}}", ["denominator"]),
        ("{id: x6, name: {en: b}, numerator: {source: participants}, denominator: {source: regions}}", ["'id'"]),
        (
            "{id: x7, name: {id: a, en: b}, numerator: {source: participants, filter: {active: maybe}}, "
            "denominator: {source: regions}}",
            ["active"],
        ),
        (
            "{id: x8, name: {id: a, en: b}, numerator: {source: participants}, denominator: {source: regions}, "
            "disaggregations: [religion]}",
            ["religion"],
        ),
    ],
)
def test_a_bad_definition_names_what_is_wrong(text: str, names: list[str]) -> None:
    with pytest.raises(InvalidInput) as error:
        _one(text)
    for name in names:
        assert name in str(error.value)


def test_broken_yaml_and_duplicates_are_refused() -> None:
    with pytest.raises(InvalidInput, match="YAML"):
        load_yaml("id: [unclosed")
    text = "{id: dup, name: {id: a, en: b}, numerator: {source: participants}, denominator: {source: regions}}"
    with pytest.raises(InvalidInput, match="twice"):
        parse_definitions(load_yaml(f"[{text}, {text}]"))


@pytest.mark.parametrize(
    ("text", "first", "last", "label"),
    [
        ("2024-12", date(2024, 12, 1), date(2024, 12, 1), "2024-12"),
        ("2024Q1", date(2024, 1, 1), date(2024, 3, 1), "2024Q1"),
        ("2024q4", date(2024, 10, 1), date(2024, 12, 1), "2024Q4"),
        ("2025", date(2025, 1, 1), date(2025, 12, 1), "2025"),
    ],
)
def test_periods(text: str, first: date, last: date, label: str) -> None:
    period = Period.parse(text)
    assert (period.first, period.last, period.label) == (first, last, label)


@pytest.mark.parametrize("text", ["2024-13", "2024Q5", "Des 2024", "", "24-12"])
def test_a_bad_period_is_refused_with_the_forms_it_takes(text: str) -> None:
    with pytest.raises(InvalidInput, match="2024Q4"):
        Period.parse(text)


@given(st.integers(2000, 2090), st.sampled_from(["month", "quarter", "year"]), st.integers(1, 12))
def test_previous_period_is_as_long_and_ends_just_before(year: int, kind: str, month: int) -> None:
    text = {"month": f"{year}-{month:02d}", "quarter": f"{year}Q{(month + 2) // 3}", "year": str(year)}[kind]
    period = Period.parse(text)
    previous = period.previous()
    assert len(previous.months) == len(period.months) and previous.type == period.type
    assert Period.parse(previous.label) == previous
    assert (previous.last.year * 12 + previous.last.month) + 1 == period.first.year * 12 + period.first.month


RATIO = next(i for i in standard_indicators() if i.id == "coverage_workforce")
GAP = next(i for i in standard_indicators() if i.id == "gap_to_target")
GROWTH = next(i for i in standard_indicators() if i.id == "growth_yoy")


@given(st.integers(0, 10**9), st.one_of(st.none(), st.integers(0, 10**9)), st.one_of(st.none(), st.floats(0, 100)))
def test_finish_never_divides_by_zero_nor_shows_zero_for_no_denominator(
    numerator: int, denominator: int | None, target: float | None
) -> None:
    for indicator in (RATIO, GROWTH, GAP):
        value, status, meets = finish(indicator, numerator, denominator, target)
        if not denominator:
            assert value is None and status in ("no_denominator", "no_baseline", "no_target")
        elif indicator is RATIO:
            assert value == round(numerator / denominator * 100, 2) and status == "ok"
            assert meets is None if target is None else meets == (value >= target)
        elif indicator is GAP and target is not None:
            assert value is not None and value >= 0
            assert value == 0 or numerator < target / 100 * denominator


def test_gap_counts_whole_workers() -> None:
    assert finish(GAP, 15, 100, 20.0) == (5.0, "ok", False)
    assert finish(GAP, 15, 101, 20.0)[0] == 6.0  # 20.2 workers is 21 people to reach 20%
    assert finish(GAP, 30, 100, 20.0) == (0.0, "ok", True)


def test_targets_fall_back_from_region_to_province_to_nation() -> None:
    targets = {"": 10.0, "36": 15.0, "36.03": 20.0}
    assert resolve_target(targets, "36.03") == 20.0
    assert resolve_target(targets, "36.74") == 15.0
    assert resolve_target(targets, "32.01") == 10.0
    assert resolve_target(targets, "36.03.01.2001") == 20.0
    assert resolve_target({}, "36.03") is None
