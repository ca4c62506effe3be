"""PMI before Permenaker 4/2023: Permenaker 18/2018 (promulgated 10 Dec 2018) until 21 Feb 2023, then Permenaker
4/2023 (promulgated 22 Feb 2023). Figures against the notes of rates.toml (detik.com, tirto.id, baroindo.id)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.core.errors import InvalidInput, NotInForce, OutOfRange
from paritrana.rules import load_rules, quote

OLD_START = date(2018, 12, 10)
NEW_START = date(2023, 2, 22)
PMI = {"segment": "pmi", "programs": ["jkk", "jkm"]}


def pmi(on: date, months: int) -> dict:  # type: ignore[type-arg]
    return quote(**PMI, on=on, contract_months=months).as_dict()


def test_a_24_month_contract_in_2022_is_priced_by_permenaker_18_2018() -> None:
    q = pmi(date(2022, 6, 1), 24)
    assert q["per_worker_monthly"] == {"pra_penempatan": 37_500, "penempatan": 332_500, "total": 370_000}
    assert {c["regulation"] for c in q["citations"]} == {"Permenaker 18/2018"}
    assert q["payers"] == {"worker": 370_000}


@pytest.mark.parametrize("months", [1, 6, 12, 18, 24])
def test_permenaker_18_2018_has_one_amount_for_any_contract_up_to_24_months(months: int) -> None:
    q = pmi(date(2022, 6, 1), months)
    assert q["per_worker_monthly"]["penempatan"] == 332_500
    if months < 24:
        assert any("covers any shorter contract" in n for n in q["notes"])


def test_months_beyond_24_under_permenaker_18_2018_are_13_500_each_marked_unconfirmed() -> None:
    q = pmi(date(2022, 6, 1), 26)
    assert q["per_worker_monthly"]["penempatan"] == 332_500 + 2 * 13_500
    assert {c["status"] for c in q["citations"] if c["item"] == "pmi.extra_month"} == {"unconfirmed"}


@pytest.mark.parametrize(
    ("on", "months", "placement", "regulation"),
    [
        (OLD_START, 24, 332_500, "Permenaker 18/2018"),
        (NEW_START - timedelta(days=1), 6, 332_500, "Permenaker 18/2018"),
        (NEW_START, 6, 108_000, "Permenaker 4/2023"),
        (NEW_START, 12, 189_000, "Permenaker 4/2023"),
        (NEW_START, 24, 332_500, "Permenaker 4/2023"),
    ],
)
def test_the_rule_changes_on_22_february_2023(on: date, months: int, placement: int, regulation: str) -> None:
    q = pmi(on, months)
    assert q["per_worker_monthly"]["penempatan"] == placement
    assert {c["regulation"] for c in q["citations"]} == {regulation}


def test_under_permenaker_4_2023_a_contract_shorter_than_six_months_is_still_refused() -> None:
    assert pmi(NEW_START - timedelta(days=1), 3)["per_worker_monthly"]["penempatan"] == 332_500
    with pytest.raises(OutOfRange) as caught:
        pmi(NEW_START, 3)
    assert caught.value.details["minimum"] == 6


def test_before_permenaker_18_2018_pmi_is_refused_as_not_in_force() -> None:
    with pytest.raises(NotInForce):
        pmi(OLD_START - timedelta(days=1), 24)


def test_a_zero_month_contract_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        pmi(date(2022, 6, 1), 0)
    assert caught.value.details["field"] == "contract_months"


@pytest.mark.parametrize("key", ["pmi.pre_placement", "pmi.placement", "pmi.extra_month"])
def test_each_pmi_figure_runs_without_gap_or_overlap_from_2018(key: str) -> None:
    history = sorted((e for e in load_rules().entries if e.key == key), key=lambda e: e.effective_from)
    assert [e.effective_from for e in history] == [OLD_START, NEW_START]
    assert history[0].effective_to == NEW_START - timedelta(days=1)
    assert history[-1].effective_to is None


def test_the_2018_only_minimum_ends_with_permenaker_18_2018() -> None:
    assert load_rules().find("pmi.min_contract_months", NEW_START - timedelta(days=1)) is not None
    assert load_rules().find("pmi.min_contract_months", NEW_START) is None


@given(
    on=st.dates(min_value=OLD_START, max_value=NEW_START - timedelta(days=1)),
    a=st.integers(1, 120),
    b=st.integers(1, 120),
)
def test_under_permenaker_18_2018_a_longer_contract_never_costs_less(on: date, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert pmi(on, low)["total"] <= pmi(on, high)["total"]


@given(on=st.dates(min_value=OLD_START, max_value=date(2027, 12, 31)), extra=st.integers(0, 96))
def test_beyond_24_months_each_month_adds_the_monthly_amount(on: date, extra: int) -> None:
    base = pmi(on, 24)["per_worker_monthly"]["penempatan"]
    assert pmi(on, 24 + extra)["per_worker_monthly"]["penempatan"] == base + extra * 13_500
