"""Issue 21 §3 in Chromium: no page scrolls sideways on a 390 px phone, a 768 px tablet or a 1,366 px laptop, as
each demo role; the menu is grouped by task, folds on a phone and works by keyboard; forms fit a thumb."""

from __future__ import annotations

import os
import re
from collections import deque
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.conftest import login
from tests.web.crawl import DOWNLOAD, NOT_PAGES

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1366)
ROLES = ("admin", "disnaker.kabtangerang", "desa.operator", "bpjs.tangerang", "juri.banten", "komite", "pemantau")
PUBLIC = ("/login/", "/publik/", "/penghargaan/", "/aturan/")
#: The view of an address, near enough: its path with the numbers taken out (/programs/12/ -> /programs/N/).
NUMBERS = re.compile(r"\d+(\.\d+)*")


def _links(page: Any) -> list[str]:
    return page.eval_on_selector_all("main a[href], header a[href]", "els => els.map(e => e.getAttribute('href'))")


def _overflow(page: Any, app_url: str, starts: list[str], limit: int = 120) -> tuple[dict[str, dict[int, int]], int]:
    """Walk every page reachable by a link (one address per view); at each, the page width at every screen width.
    Returns the pages wider than the screen and how many pages were measured."""
    queue, seen, kinds, wide, measured_pages = deque(starts), set(), set(), {}, 0
    while queue and len(seen) < limit:
        path = queue.popleft()
        kind = NUMBERS.sub("N", urlsplit(path).path)
        if path in seen or kind in kinds or NOT_PAGES.match(path) or DOWNLOAD.search(path):
            continue
        seen.add(path)
        kinds.add(kind)
        page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
        try:
            response = page.goto(f"{app_url}{path}")
        except Exception:  # noqa: S112 - a download that the address did not announce: not a page
            continue
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        page.wait_for_load_state("networkidle")  # what HTMX loads after the page (charts, cross-checks) is measured too
        for href in _links(page):
            target = urlsplit(urljoin(f"{app_url}{path}", href))
            if target.netloc == urlsplit(app_url).netloc:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
        measured_pages += 1
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            measured = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if measured[0] > measured[1]:
                wide.setdefault(path, {})[width] = measured[0]
    return wide, measured_pages


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_at_phone_tablet_and_laptop_width(browser: Any, app_url: str, role: str) -> None:
    context = browser.new_context(locale="id-ID", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, app_url, role)
    wide, pages = _overflow(page, app_url, ["/"])
    context.close()
    assert not wide, f"wider than the screen (path: {{width: page width}}): {wide}"
    assert pages >= 8, pages  # the walk went through the role's pages, not only the dashboard


def test_no_public_page_scrolls_sideways(browser: Any, app_url: str) -> None:
    context = browser.new_context(locale="id-ID")
    page = context.new_page()
    wide, pages = _overflow(page, app_url, list(PUBLIC))
    context.close()
    assert not wide, wide
    assert pages >= len(PUBLIC), pages


def test_the_menu_folds_on_a_phone_and_opens_by_keyboard(browser: Any, app_url: str) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, app_url, "disnaker.kabtangerang")
    assert page.locator("html").get_attribute("lang") == "id"  # an English browser, an Indonesian page
    toggle = page.locator("[data-testid=menu]")
    billing = page.locator('.main-nav a:text-is("Penagihan")')
    assert toggle.is_visible() and not billing.is_visible()
    toggle.focus()
    page.keyboard.press("Enter")  # the menu opens
    holds_billing = page.locator('a:text-is("Penagihan")')
    group = page.locator("details[data-nav-group]").filter(has=holds_billing).locator("summary")
    group.focus()
    page.keyboard.press("Enter")  # then the group
    assert billing.is_visible()
    box = billing.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb's target
    billing.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/programs/billing/")
    if os.environ.get("PARITRANA_SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['PARITRANA_SCREENSHOT_DIR']}/phone-billing.png", full_page=True)
    context.close()


def test_the_menu_sits_in_a_row_on_a_laptop_and_escape_closes_a_group(page: Any, app_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, app_url, "admin")
    assert not page.locator("[data-testid=menu]").is_visible()  # no "Menu" button: the groups are in the bar
    users = page.locator('.main-nav a:text-is("Pengguna")')
    assert not users.is_visible()  # inside the closed Administration group
    holds_users = page.locator('a:text-is("Pengguna")')
    summary = page.locator("details[data-nav-group]").filter(has=holds_users).locator("summary")
    summary.click()
    assert users.is_visible()
    page.keyboard.press("Escape")
    assert not users.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # the focus goes back to the group


def test_forms_fit_a_thumb_on_a_phone(browser: Any, app_url: str) -> None:
    context = browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, app_url, "admin")
    for path in ("/users/new/", "/users/me/password/", "/programs/plan/"):
        page.goto(f"{app_url}{path}")
        main = page.locator("main").bounding_box()
        for field in page.locator("main form input:visible, main form select:visible").all():
            kind = field.get_attribute("type") or "text"
            if kind in ("checkbox", "radio", "hidden"):
                continue
            box = field.bounding_box()
            form_width = field.evaluate("f => f.closest('form').getBoundingClientRect().width")
            assert box["height"] >= 44 and box["width"] >= form_width * 0.9, (path, field.get_attribute("name"))
            assert form_width >= main["width"] * 0.75, path  # the form itself takes the width of the phone
        for button in page.locator("main form button:visible").all():
            assert button.bounding_box()["height"] >= 44, (path, button.inner_text())
    context.close()


def test_a_wide_table_scrolls_inside_its_box(browser: Any, app_url: str) -> None:
    context = browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, app_url, "admin")
    page.goto(f"{app_url}/indicators/")
    box = page.locator(".table-wrap").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the scorecard is wider than a phone...
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # ...the page is not
    context.close()
