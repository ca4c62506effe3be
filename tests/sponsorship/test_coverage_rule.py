"""The coverage rule is stated for one bill (``coverage_status``: pages, monev, lapses) and over every billed month
at once (``covered_expr``: the fact store's ``active``, hence every coverage indicator). They must agree."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from paritrana.sponsorship.choices import Coverage
from paritrana.sponsorship.models import Bill
from paritrana.sponsorship.queries import coverage_status, covered_expr

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(due=DAYS, grace=st.integers(0, 365), paid=st.none() | DAYS, on=DAYS)
def test_a_month_is_active_in_the_facts_exactly_when_the_bill_says_active_or_pending(
    due: date, grace: int, paid: date | None, on: date
) -> None:
    status = coverage_status(Bill(due_date=due, paid_on=paid), grace, on)
    frame = pl.DataFrame(
        {"due_date": [due], "grace_days": [grace], "paid_on": [paid]},
        schema={"due_date": pl.Date, "grace_days": pl.Int64, "paid_on": pl.Date},
    )
    assert frame.select(covered_expr(on)).item() == (status in (Coverage.ACTIVE, Coverage.PENDING))


def test_the_edges_of_the_grace_period() -> None:
    due = date(2026, 2, 15)
    last = due + timedelta(days=5)
    for paid, on, covered in [(last, last, True), (last + timedelta(days=1), last, False), (None, last, True)]:
        frame = pl.DataFrame(
            {"due_date": [due], "grace_days": [5], "paid_on": [paid]}, schema_overrides={"paid_on": pl.Date}
        )
        assert frame.select(covered_expr(on)).item() is covered
    assert coverage_status(Bill(due_date=due, paid_on=None), 5, last + timedelta(days=1)) == Coverage.LAPSED
