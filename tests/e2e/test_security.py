"""The Content-Security-Policy in Chromium: every page works with only the app's own scripts, and an injected
inline script is refused. A NIK typed into the worker search stays out of the address bar."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/workers/",
    "/regions/36.03/",
    "/programs/",
    "/indicators/",
    "/indicators/region/36.03/",
    "/indicators/reference/",
    "/publik/",
    "/award/",
    "/penghargaan/",
    "/followup/",
    "/simulasi/",
    "/audit/",
    "/api/v1/docs",
]


def _violations(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"{page.url}: {m.text}") if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: seen.append(f"{page.url}: script error: {e}"))
    return seen


def test_every_page_runs_under_the_policy_without_a_violation(page: Any, app_url: str) -> None:
    violations = _violations(page)
    login(page, app_url, "admin")
    for path in PAGES:
        response = page.goto(f"{app_url}{path}")
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
    assert page.locator("#swagger-ui .opblock").count() > 0  # Swagger UI's own files ran
    for pattern in ("/award/editions/", "/award/categories/", "/award/participants/"):  # follow the award's links
        page.goto(f"{app_url}/award/" if pattern == "/award/editions/" else page.url)
        page.locator(f"main a[href^='{pattern}']").first.click()
        page.wait_for_load_state("networkidle")
        assert pattern in page.url
    assert not violations, violations


def test_an_injected_inline_script_is_refused(page: Any, app_url: str) -> None:
    violations = _violations(page)
    login(page, app_url, "admin")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__owned = true'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__owned === undefined")
    assert any("script-src" in v for v in violations), violations


def test_a_nik_searched_for_never_reaches_the_address_bar(page: Any, app_url: str) -> None:
    login(page, app_url, "disnaker.kabtangerang")
    page.goto(f"{app_url}/workers/")
    masked = page.locator("[data-testid=workers] tbody td code").first.inner_text()
    assert "*" in masked
    with page.expect_response(lambda r: r.url.endswith("/workers/") and r.request.method == "POST"):
        page.fill("input[name=q]", "3603010101900001")
    page.wait_for_timeout(100)
    assert "3603010101900001" not in page.url
    assert page.evaluate("history.length") >= 1 and "3603" not in page.evaluate("location.search")
