"""The coverage scorecard in Chromium: the HTMX filters swap the table in place, the headers sort it."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from paritrana.analytics.periods import Period
from paritrana.core.dates import add_months, first_of_month, today
from tests.e2e.conftest import login, nav_to

pytestmark = pytest.mark.browser


def _coverage(page: Any) -> list[float | None]:
    """The coverage column top to bottom: numbers, or None where the cell says why there is none."""
    texts = page.locator("[data-testid=scorecard] tbody td[data-indicator=coverage_workforce]").all_inner_texts()
    out: list[float | None] = []
    for text in texts:
        number = re.match(r"\s*([\d.]+,\d+)%", text)
        out.append(float(number[1].replace(".", "").replace(",", ".")) if number else None)
    return out


def test_scorecard_filters_by_period_in_place_and_sorts_by_a_column(page: Any, app_url: str) -> None:
    last_full = Period.of_month(add_months(first_of_month(today()), -1)).label
    earlier = Period.of_month(add_months(first_of_month(today()), -3)).label
    login(page, app_url, "disnaker.banten")
    nav_to(page, "Indikator")
    table = page.locator("[data-testid=scorecard]")
    assert table.get_attribute("data-period") == last_full and table.get_attribute("data-level") == "kabupaten"
    assert "Kabupaten Tangerang" in table.inner_text() and "Kota Cilegon" in table.inner_text()
    first = _coverage(page)
    assert any(v is not None for v in first)  # the demo's facts, workforce and targets

    page.evaluate("window.__marker = 'same page'")
    page.select_option("select[name=period]", earlier)
    page.wait_for_selector(f"[data-testid=scorecard][data-period='{earlier}']")
    assert page.evaluate("window.__marker") == "same page"  # HTMX swapped the table, no navigation
    assert f"period={earlier}" in page.url
    assert _coverage(page) != first  # coverage grows month by month in the demo

    page.click("th >> [data-sort=coverage_workforce]")
    page.wait_for_selector("th[aria-sort=descending] >> [data-sort=coverage_workforce]")
    column = _coverage(page)
    values = [v for v in column if v is not None]
    assert len(values) > 1 and values == sorted(values, reverse=True)
    assert all(v is None for v in column[len(values) :])  # regions without a value come last
    page.click("th >> [data-sort=coverage_workforce]")
    page.wait_for_selector("th[aria-sort=ascending] >> [data-sort=coverage_workforce]")
    values = [v for v in _coverage(page) if v is not None]
    assert values == sorted(values)
    assert page.evaluate("window.__marker") == "same page"
    if os.environ.get("PARITRANA_SCREENSHOT"):
        page.screenshot(path=os.environ["PARITRANA_SCREENSHOT"], full_page=True)
