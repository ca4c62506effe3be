"""Accessibility in Chromium: axe-core (vendored from npm, ``vendor/axe-core``) on every page each demo role reaches
from its navigation finds no serious or critical violation; every input has a label a screen reader can read.

The pages are found, not listed: each role's menu and the links of the pages it opens (one level deep), so a new
page is checked without touching this file. A URL shape (``/programs/N/``) is opened and audited once, by the first
role that reaches it (each role's home page always), which keeps the crawl to a minute or two. The API explorer
(``/api/v1/docs``) is Swagger UI's page, not ours, and is left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from paritrana.demo.load import DEMO_PASSWORD

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
ROLES = ["admin", "komite", "disnaker.kabtangerang", "desa.operator", "bpjs.tangerang", "juri.banten", "pemantau"]
#: Pages a crawl must not open: they write, download a file or leave the app.
SKIP = re.compile(r"/(logout|i18n|api/v1/)|\.(pdf|xlsx|csv|zip|json|geojson)$|/(download|export|report)")
SERIOUS = {"serious", "critical"}


def _shape(path: str) -> str:
    """One page per URL shape: /programs/12/ and /programs/13/ are the same template."""
    return re.sub(r"/\d[\d.]*(?=/|$)", "/N", path)


def _links(page: Any, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or parts.query or SKIP.search(parts.path):
            continue
        out.append(parts.path)
    return out


def _audit(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


#: What acts when clicked but cannot be reached with Tab: an element with a click or HTMX action that is neither a
#: control (link with an address, button, field, summary) nor given a place in the tab order; a control taken out of
#: the tab order (tabindex -1) or put ahead of the page's order (a positive tabindex); a link without an address.
KEYBOARD = """() => {
  const controls = 'a[href], button, input, select, textarea, summary';
  const acting = '[onclick], [hx-get], [hx-post], [hx-put], [hx-delete], [hx-patch]';
  const name = e => e.outerHTML.slice(0, 80);
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const out = [];
  // HTMX acts on a click unless hx-trigger says otherwise (load, revealed, every 5s: nothing for a person to press)
  const onClick = e =>
    e.hasAttribute('onclick') || !e.hasAttribute('hx-trigger') || /click/.test(e.getAttribute('hx-trigger'));
  for (const e of document.querySelectorAll(acting)) {
    if (e.matches('form') || !visible(e) || !onClick(e)) continue;  // a form acts through its button
    if (!e.matches(controls) && !(e.tabIndex >= 0 && e.hasAttribute('tabindex'))) out.push('not focusable: ' + name(e));
  }
  for (const e of document.querySelectorAll(controls)) {
    if (!visible(e) || e.disabled || e.type === 'hidden') continue;
    const t = e.getAttribute('tabindex');
    if (t !== null && Number(t) < 0) out.push('out of the tab order: ' + name(e));
    if (t !== null && Number(t) > 0) out.push('ahead of the tab order: ' + name(e));
  }
  for (const e of document.querySelectorAll('a:not([href])')) {
    if (visible(e) && e.matches(acting) && onClick(e)) out.push('link without address: ' + name(e));
  }
  return out;
}"""


def _keyboard(page: Any) -> list[str]:
    return list(page.evaluate(KEYBOARD))


#: The page's first controls in reading order that a person reaches with Tab: shown now (a closed menu's items are
#: reached once the menu is opened with Enter), enabled, not hidden inputs, one radio button per group (the arrow keys
#: move inside a group). Each is marked with its place.
TABBABLE = """(limit) => {
  const visible = e => e.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  const radios = new Set();
  const out = [];
  for (const e of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (!visible(e) || e.disabled || e.type === 'hidden' || e.closest('[inert]')) continue;
    if (e.type === 'radio') { if (radios.has(e.name)) continue; radios.add(e.name); }
    e.dataset.kb = String(out.length);
    out.push(e.outerHTML.slice(0, 80));
    if (out.length >= limit) break;
  }
  return out;
}"""

#: How many of a page's first controls the live walk checks (a long table's links are alike: the first tell).
WALKED = 30


def _tab_walk(page: Any) -> list[str]:
    """Press Tab from the top of the page as a keyboard user does, and name each of the page's first ``WALKED``
    controls that was never focused (a live check of what ``KEYBOARD`` reads from the markup)."""
    controls = page.evaluate(TABBABLE, WALKED)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: set[str] = set()
    for _ in range(len(controls) * 2 + 10):
        page.keyboard.press("Tab")
        place = page.evaluate("() => document.activeElement && document.activeElement.dataset.kb")
        if place is not None:
            reached.add(place)
        if len(reached) == len(controls):
            break
    return [f"never reached with Tab: {html}" for i, html in enumerate(controls) if str(i) not in reached]


#: URL shapes audited so far, by any role.
AUDITED: set[str] = set()


def _crawl(browser: Any, app_url: str, username: str) -> dict[str, list[str]]:
    # The app's policy allows only its own scripts; axe is injected by the test, so this context bypasses it.
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{app_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{app_url}/")
    found: dict[str, list[str]] = {}
    seen_shapes: set[str] = set()
    queue = ["/", *_links(page, app_url)]
    opened = 0
    while queue and opened < 60:
        path = queue.pop(0)
        if _shape(path) in seen_shapes or (_shape(path) in AUDITED and path != "/"):
            continue
        seen_shapes.add(_shape(path))
        response = page.goto(f"{app_url}{path}")
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        opened += 1
        page.wait_for_load_state("networkidle")
        AUDITED.add(_shape(path))
        for violation in _audit(page):
            nodes = ", ".join(str(n["target"][0]) for n in violation["nodes"][:3])
            found.setdefault(path, []).append(f"{violation['id']} ({violation['impact']}): {nodes}")
        for problem in [*_keyboard(page), *_tab_walk(page)]:
            found.setdefault(path, []).append(f"keyboard: {problem}")
        if path.count("/") <= 3:  # one level below the menu
            queue.extend(p for p in _links(page, app_url) if _shape(p) not in seen_shapes)
    context.close()
    return found


@pytest.mark.parametrize("username", ROLES)
def test_no_serious_accessibility_violation_on_any_page_of_a_role(browser: Any, app_url: str, username: str) -> None:
    found = _crawl(browser, app_url, username)
    assert not found, "\n".join(f"{path}: {'; '.join(v)}" for path, v in found.items())


def test_axe_finds_a_violation_it_is_shown(browser: Any, app_url: str) -> None:
    """The check can fail: an unlabelled input injected into a real page is reported."""
    context = browser.new_context(locale="id-ID", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{app_url}/login/")
    page.evaluate("() => { const i = document.createElement('input'); document.querySelector('main').append(i); }")
    ids = {v["id"] for v in _audit(page)}
    page.evaluate(
        "() => { const d = document.createElement('div'); d.setAttribute('hx-get', '/'); d.textContent = 'x';"
        " document.querySelector('main').append(d); }"
    )
    keyboard = _keyboard(page)
    # a button taken out of the tab order is named by the live walk
    page.evaluate(
        "() => { const b = document.createElement('button'); b.textContent = 'lepas'; b.tabIndex = -1;"
        " document.querySelector('main').prepend(b); }"
    )
    walked = _tab_walk(page)
    context.close()
    assert "label" in ids
    assert any(k.startswith("not focusable: <div hx-get") for k in keyboard)
    assert any("never reached with Tab: <button" in w and "lepas" in w for w in walked), walked


@pytest.mark.parametrize("width", [390, 1280])
def test_every_menu_item_is_reached_with_the_keyboard(browser: Any, app_url: str, width: int) -> None:
    """The menu as a keyboard user works it: Tab to a group, Enter opens it, Tab walks through its items (on a phone,
    Enter on "Menu" first). The administrator's menu holds every group."""
    context = browser.new_context(locale="id-ID", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url}/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{app_url}/")
    toggle = page.locator("[data-testid=menu]")
    if toggle.is_visible():
        toggle.focus()
        page.keyboard.press("Enter")
    missed: list[str] = []
    groups = page.locator("details[data-nav-group] > summary")
    assert groups.count() >= 3
    for i in range(groups.count()):
        summary = groups.nth(i)
        summary.focus()
        if not page.evaluate("(s) => s.parentElement.open", summary.element_handle()):
            page.keyboard.press("Enter")
        items = page.evaluate(
            """(s) => [...s.parentElement.querySelectorAll('a[href], button')].map((e, n) => {
                 e.dataset.menu = String(n); return e.textContent.trim(); })""",
            summary.element_handle(),
        )
        reached = set()
        for _ in range(len(items) + 2):
            page.keyboard.press("Tab")
            place = page.evaluate("() => document.activeElement && document.activeElement.dataset.menu")
            if place is not None:
                reached.add(int(place))
        missed += [f"{summary.inner_text()} > {text}" for n, text in enumerate(items) if n not in reached]
        page.evaluate(
            "(s) => { s.parentElement.querySelectorAll('[data-menu]').forEach(e => delete e.dataset.menu) }",
            summary.element_handle(),
        )
    context.close()
    assert not missed, missed
