"""The award in Chromium, on the demo's Banten round (published): the public results without logging in, the
committee's category page (criteria, results, the TOPSIS/VIKOR cross-check loaded by HTMX, nothing left
undecided), the award zones and the operator's self-assessment form."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.e2e.conftest import login, nav_to

pytestmark = pytest.mark.browser


def test_public_results_committee_category_and_operator_form(page: Any, app_url: str) -> None:
    # the public: no login, the published results with titles, and a participant's aspects without judges
    page.goto(f"{app_url}/penghargaan/")
    table = page.locator("[data-testid=public-results]").first
    assert "Kabupaten Tangerang" in table.inner_text() and "Terbaik I" in table.inner_text()
    assert "Provinsi Banten" in page.locator("[data-testid=edition]").inner_text()
    page.click("[data-testid=public-results] >> text=Kabupaten Tangerang")
    page.wait_for_selector("[data-testid=aspects]")
    assert page.locator("[data-testid=leaves]").count() == 0  # aspects only, no judge

    # the committee: criteria with weights, results with stability, and the cross-check swapped in by HTMX
    login(page, app_url, "komite")
    nav_to(page, "Penghargaan")
    page.click("[data-testid=editions] >> text=Pemerintah Kabupaten/Kota")
    page.wait_for_selector("[data-testid=criteria]")
    assert "Wawancara" in page.locator("[data-testid=criteria]").inner_text()
    results = page.locator("[data-testid=results]")
    assert "Kabupaten Tangerang" in results.inner_text() and "Terbaik I" in results.inner_text()
    page.wait_for_selector("[data-testid=crosscheck-table]", timeout=60_000)
    assert "TOPSIS" in page.locator("[data-testid=crosscheck]").inner_text()
    if os.environ.get("PARITRANA_SCREENSHOT"):
        page.screenshot(path=os.environ["PARITRANA_SCREENSHOT"], full_page=True)
    # the demo round went through its check lists: published from a closed edition, nothing left to decide
    assert "Ditutup" in page.locator("[data-testid=category-state]").inner_text()
    assert page.locator("[data-testid=missing] tr[data-resolved='0']").count() == 0
    # the award zones the demo loads; the national committee may edit them
    page.goto(f"{app_url}/award/")
    page.click("[data-testid=zones-link]")
    page.wait_for_selector("[data-testid=zones]")
    assert page.locator("[data-testid=zones] tbody tr[data-zone]").count() >= 1
    assert page.locator("[data-testid=zone-form]").is_visible()

    # the operator of Kabupaten Tangerang: its participation and the self-assessment (verified: read only)
    page.context.clear_cookies()
    login(page, app_url, "disnaker.kabtangerang")
    page.goto(f"{app_url}/award/mine/")
    page.click("[data-testid=participations] >> text=Kabupaten Tangerang")
    page.wait_for_selector("[data-testid=assessment-state]")
    assert page.locator("[data-testid=status]").inner_text().strip() == "Terverifikasi"
    assert page.locator("[data-testid=deadline]").inner_text().strip()
    questions = page.locator("article[data-question]")
    assert questions.count() == 3  # perda, apbd-iuran, inovasi-daerah
    assert page.locator("[data-testid=evidence-link]").count() >= 3
    assert page.locator("[data-testid=closed]").is_visible()
