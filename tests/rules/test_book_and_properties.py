"""The rule file's validation, the docs' list of uncertain figures, and properties of the calculations."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paritrana.core.errors import ConfigurationError
from paritrana.rules import load_rules, price_roster, quote
from paritrana.rules.book import DEFAULT_PATH

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
dates = st.dates(min_value=date(2015, 7, 1), max_value=date(2027, 12, 31))
incomes = st.integers(min_value=1_000_000, max_value=20_700_000)
wages = st.integers(min_value=1, max_value=200_000_000)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rates.toml"
    path.write_text(body, encoding="utf-8")
    return path


ENTRY = """
[[entry]]
key = "x"
value = "1"
effective_from = {start}
regulation = "PP 1/2000"
article = "Pasal 1"
status = "confirmed"
"""


def test_the_shipped_rule_file_loads() -> None:
    assert len(load_rules().entries) > 50


def test_missing_citation_is_refused(tmp_path: Path) -> None:
    body = ENTRY.format(start="2020-01-01").replace('regulation = "PP 1/2000"\n', "")
    with pytest.raises(ConfigurationError, match="regulation"):
        load_rules(write(tmp_path, body))


def test_overlapping_periods_are_refused(tmp_path: Path) -> None:
    first = ENTRY.format(start="2020-01-01").replace(
        'status = "confirmed"', 'status = "confirmed"\neffective_to = 2021-06-30'
    )
    with pytest.raises(ConfigurationError, match="overlap"):
        load_rules(write(tmp_path, first + ENTRY.format(start="2021-01-01")))


def test_an_unconfirmed_figure_needs_a_note(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="note"):
        load_rules(write(tmp_path, ENTRY.format(start="2020-01-01").replace("confirmed", "unconfirmed")))


def test_a_new_rate_is_added_by_data_alone(tmp_path: Path) -> None:
    """An officer appends a new BPU JKM amount from 2026; the engine uses it from that day."""
    text = (
        DEFAULT_PATH.read_text(encoding="utf-8")
        + """
[[entry]]
key = "bpu.jkm"
value = "7500"
effective_from = 2026-01-01
regulation = "PP 99/2025 (example)"
article = "Pasal 1"
status = "confirmed"
"""
    )
    book = load_rules(write(tmp_path, text))
    jkm = lambda on: quote(segment="bpu", on=on, programs=["jkm"], income=1_000_000, rules=book).as_dict()  # noqa: E731
    assert jkm(date(2025, 12, 31))["per_worker_monthly"]["jkm"] == 6_800
    assert jkm(date(2026, 1, 1))["per_worker_monthly"]["jkm"] == 7_500


def test_docs_list_every_figure_with_its_status() -> None:
    """Each figure has a row in docs/rules.md naming its key, start date and status (uncertain ones with the note).
    Regenerate the table with scripts/rules_table.py."""
    rows = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    missing = [
        f"{e.key} from {e.effective_from}"
        for e in load_rules().entries
        if not any(
            f"`{e.key}`" in r
            and f" {e.effective_from} " in r
            and e.citation.status in r
            and (not e.citation.note or e.citation.note in r)
            for r in rows
        )
    ]
    assert not missing, f"docs/rules.md does not list: {missing}"
    assert load_rules().uncertain(), "the reference marks some figures unconfirmed; the file must too"


@given(on=dates, income=incomes, jht=st.booleans(), months=st.integers(1, 24), workers=st.integers(1, 10_000))
def test_bpu_totals_are_the_sum_of_parts_and_payers(
    on: date, income: int, jht: bool, months: int, workers: int
) -> None:
    programs = ["jkk", "jkm", "jht"] if jht else ["jkk", "jkm"]
    q = quote(segment="bpu", on=on, programs=programs, income=income, months=months, workers=workers).as_dict()
    parts = {k: v for k, v in q["per_worker_monthly"].items() if k != "total"}
    assert q["per_worker_monthly"]["total"] == sum(parts.values())
    assert q["total"] == q["per_worker_monthly"]["total"] * months * workers == sum(q["payers"].values())


@given(on=dates.filter(lambda d: d >= date(2021, 2, 2)), wage=wages, group=st.integers(1, 5))
def test_pu_payer_shares_sum_to_the_total(on: date, wage: int, group: int) -> None:
    q = quote(segment="pu", on=on, programs=["jkk", "jkm", "jht", "jp", "jkp"], wage=wage, risk_group=group).as_dict()
    assert sum(q["payers"].values()) == q["total"]


@given(on=dates, a=incomes, b=incomes)
def test_bpu_contributions_never_decrease_as_income_rises(on: date, a: int, b: int) -> None:
    low, high = sorted((a, b))
    price = lambda i: quote(segment="bpu", on=on, programs=["jkk", "jkm", "jht"], income=i).as_dict()["total"]  # noqa: E731
    assert price(low) <= price(high)


@given(on=dates, a=wages, b=wages, group=st.integers(1, 5))
def test_pu_contributions_never_decrease_as_wage_rises(on: date, a: int, b: int, group: int) -> None:
    low, high = sorted((a, b))

    def price(wage: int) -> int:
        programs = ["jkk", "jkm", "jht", "jp"]
        return quote(segment="pu", on=on, programs=programs, wage=wage, risk_group=group).as_dict()["total"]

    assert price(low) <= price(high)


@given(on=dates, wage=st.integers(1, 50_000_000))
def test_repricing_a_past_month_gives_that_months_rate(on: date, wage: int) -> None:
    """Pricing a month, then pricing it again after later rates exist (here: the shipped file), is the same as
    pricing it with only the rules known at that time."""
    book = load_rules()
    cut = [e for e in book.entries if e.effective_from <= on]
    from paritrana.rules.book import RuleBook

    then = RuleBook(cut)
    q_now = quote(segment="pu", on=on, programs=["jkm", "jht", "jp"], wage=wage)
    q_then = quote(segment="pu", on=on, programs=["jkm", "jht", "jp"], wage=wage, rules=then)
    assert q_now.as_dict()["per_worker_monthly"] == q_then.as_dict()["per_worker_monthly"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(dates, incomes), min_size=1, max_size=60))
def test_vectorised_bpu_roster_equals_pricing_row_by_row(rows: list[tuple[date, int]]) -> None:
    days = [d for d, _ in rows]
    income = np.array([i for _, i in rows], dtype=np.int64)
    prices = price_roster(segment="bpu", dates=days, programs=["jkk", "jkm", "jht"], income=income)
    one_by_one = [
        quote(segment="bpu", on=d, programs=["jkk", "jkm", "jht"], income=i).as_dict()["per_worker_monthly"]["total"]
        for d, i in rows
    ]
    assert prices.total.tolist() == one_by_one


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(dates.filter(lambda d: d >= date(2021, 2, 2)), wages, st.integers(1, 5)), min_size=1, max_size=60
    )
)
def test_vectorised_pu_roster_equals_pricing_row_by_row(rows: list[tuple[date, int, int]]) -> None:
    programs = ["jkk", "jkm", "jht", "jp", "jkp"]
    prices = price_roster(
        segment="pu",
        dates=[r[0] for r in rows],
        programs=programs,
        wage=np.array([r[1] for r in rows]),
        risk_group=np.array([r[2] for r in rows]),
    )
    one_by_one = [
        quote(segment="pu", on=d, programs=programs, wage=w, risk_group=g).as_dict()["per_worker_monthly"]["total"]
        for d, w, g in rows
    ]
    assert prices.total.tolist() == one_by_one


def test_roster_refuses_an_out_of_range_income_naming_the_row() -> None:
    from paritrana.core.errors import OutOfRange

    with pytest.raises(OutOfRange) as caught:
        price_roster(
            segment="bpu", dates=[date(2024, 1, 1)] * 3, programs=["jkk"], income=np.array([1_000_000, 999, 2_000_000])
        )
    assert caught.value.details["row"] == 2


def test_roster_spanning_february_2025_changes_nothing_for_the_sponsor_but_reprices_by_date() -> None:
    days = [date(2025, 2, 6) + timedelta(days=i) for i in range(2)]
    prices = price_roster(segment="pu", dates=days, programs=["jkp"], wage=np.array([4_000_000, 4_000_000]))
    assert prices.amounts["jkp"].tolist() == [8_800, 8_800]  # the government share is 0.22% in both
