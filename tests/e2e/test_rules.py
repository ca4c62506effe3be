"""Issue 16 in Chromium: the public rule book and the discounted quote, at phone and desktop width, in Indonesian."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_public_reads_the_rule_book_and_what_changed(browser: Any, app_url: str, viewport: dict) -> None:
    context = browser.new_context(locale="id-ID", viewport=viewport)
    page = context.new_page()
    page.goto(f"{app_url}/aturan/")
    expect(page.locator("h1")).to_contain_text("Buku aturan")
    book = page.locator("[data-testid=rulebook]")
    expect(book).to_contain_text("PP 50/2025")
    expect(book).to_contain_text("11086300")
    form = page.locator("[data-testid=rulebook-form]")
    form.locator("[name=start]").fill("2025-12-01")
    form.locator("[name=end]").fill("2026-06-01")
    form.locator("button[type=submit]").click()
    diff = page.locator("[data-testid=diff]")
    expect(diff).to_contain_text("pu.jp.wage_cap")
    expect(diff).to_contain_text("10547400")
    # the wide table scrolls inside its box; the table box itself stays within the screen
    box = page.locator(".table-wrap").first.bounding_box()
    assert box is not None and box["width"] <= viewport["width"]
    context.close()


@pytest.mark.parametrize(("user", "viewport"), [("desa.operator", PHONE), ("disnaker.kabtangerang", DESKTOP)])
def test_an_operator_sees_the_pp50_discount_and_why_apbd_pays_in_full(
    browser: Any, app_url: str, user: str, viewport: dict
) -> None:
    context = browser.new_context(locale="id-ID", viewport=viewport)
    page = context.new_page()
    login(page, app_url, user)
    page.goto(f"{app_url}/simulasi/")
    form = page.locator("[data-testid=quote-form]")
    form.locator("[name=income]").fill("1000000")
    form.locator("[name=workers]").fill("1")
    form.locator("[name=months]").fill("1")
    form.locator("[name=date]").fill("2026-06-01")
    form.locator("[name=funder]").select_option("mandiri")
    form.locator("[name=occupation]").select_option("ojek_pengemudi")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=total]")).to_have_text("Rp8.400")
    expect(page.locator("[data-testid=discount]")).to_contain_text("PP 50/2025")
    expect(page.locator("[data-testid=due-date]")).to_have_text("2026-06-15")
    form.locator("[name=funder]").select_option("apbd")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=total]")).to_have_text("Rp16.800")
    expect(page.locator("[data-testid=discount-not-applied]").first).to_contain_text("apbd")
    context.close()
