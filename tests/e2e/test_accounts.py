"""Issue 21 §9 in Chromium, on a phone: an administrator creates a user (the region is asked for, national only when
chosen) and resets the password; the user is led to choose their own, then works."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.browser

OWN = "sawah-lebak-2026"


def _logout(page: Any) -> None:
    toggle = page.locator("[data-testid=menu]")
    if toggle.is_visible():
        toggle.click()
    page.locator("[data-testid=account]").click()
    with page.expect_navigation():
        page.locator("[data-testid=logout]").click()


def test_a_new_user_gets_a_region_a_reset_password_and_chooses_their_own(browser: Any, app_url: str) -> None:
    context = browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, app_url, "admin")
    page.goto(f"{app_url}/users/new/")
    page.fill("input[name=username]", "e2e.petugas")
    page.fill("input[name=password]", "a-first-pass-2026")
    page.fill("input[name=password2]", "a-first-pass-2026")
    page.select_option("select[name=role]", "village_operator")
    page.click("main button[type=submit]")
    assert page.locator("#id_region_code_error").is_visible()  # no region, no national box: asked, not national
    page.fill("input[name=password]", "a-first-pass-2026")
    page.fill("input[name=password2]", "a-first-pass-2026")
    page.fill("input[name=region_code]", "3603012003")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "36.03.01.2003" in page.inner_text("[data-testid=roles]")

    with page.expect_navigation():
        page.locator("[data-testid=reset-password] button[type=submit]").click()
    # a second step, not a browser alert: a page that says what happens, its "Yes" button focused (Enter confirms)
    assert "e2e.petugas" in page.inner_text("[data-testid=confirm]")
    assert page.evaluate("document.activeElement.dataset.testid") == "confirm-yes"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    temporary = page.locator("[data-testid=temporary-password] code").inner_text().strip()
    assert len(temporary) == 19
    if os.environ.get("PARITRANA_SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['PARITRANA_SCREENSHOT_DIR']}/phone-reset.png", full_page=True)
    _logout(page)

    page.fill("input[name=username]", "e2e.petugas")
    page.fill("input[name=password]", temporary)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_url(f"{app_url}/users/me/password/")  # led to choose their own first
    page.goto(f"{app_url}/workers/")
    assert page.url.endswith("/users/me/password/")
    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password]", OWN)
    page.fill("input[name=new_password2]", OWN)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url == f"{app_url}/"
    page.goto(f"{app_url}/workers/")
    assert page.url.endswith("/workers/")
    context.close()
