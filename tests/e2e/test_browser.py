"""What a person sees in Chromium."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from paritrana.core.dates import today
from tests.e2e.conftest import login, nav_to

pytestmark = pytest.mark.browser


def test_regional_operator_sees_only_its_region(page: Any, app_url: str) -> None:
    login(page, app_url, "disnaker.kabtangerang")
    regions = page.locator("[data-testid=scope-regions]")
    assert regions.inner_text().count("Kabupaten Tangerang") == 1
    for other in ("Kota Cilegon", "Kabupaten Serang", "Kota Tangerang Selatan"):
        assert other not in page.content()
    if os.environ.get("PARITRANA_SCREENSHOT"):
        page.screenshot(path=os.environ["PARITRANA_SCREENSHOT"], full_page=True)

    refused = page.goto(f"{app_url}/regions/36.72/")
    assert refused is not None and refused.status == 403
    assert "di luar cakupan wilayah" in page.inner_text("main")
    assert "Kota Cilegon" not in page.content()

    api = page.evaluate("fetch('/api/v1/regions?parent=36').then(r => r.json())")
    assert [r["code"] for r in api["items"]] == ["36.03"]


def test_region_search_filters_children_without_reloading(page: Any, app_url: str) -> None:
    login(page, app_url, "disnaker.kabtangerang")
    page.click("[data-testid=scope-regions] >> text=Kabupaten Tangerang")
    page.wait_for_url(f"{app_url}/regions/36.03/")
    page.evaluate("window.__marker = 'same page'")
    page.fill("input[type=search]", "bala")
    # expect(), not wait_for_function("..."): the page's CSP refuses the eval a string predicate needs
    expect(page.locator("[data-testid=children]")).not_to_contain_text("Cikupa")
    assert "Balaraja" in page.inner_text("[data-testid=children]")
    assert page.evaluate("window.__marker") == "same page"  # HTMX swapped the table, no navigation


def test_language_switches_to_english_and_back(page: Any, app_url: str) -> None:
    login(page, app_url, "pemantau")
    assert "Dasbor" in page.inner_text("h1")
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "en")
    assert "Dashboard" in page.inner_text("h1")
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "id")
    assert "Dasbor" in page.inner_text("h1")


def test_wrong_password_is_refused_in_indonesian(page: Any, app_url: str) -> None:
    page.goto(f"{app_url}/login/")
    page.fill("input[name=username]", "pemantau")
    page.fill("input[name=password]", "salah-sekali")
    page.click("button[type=submit]")
    assert "Nama pengguna atau kata sandi salah" in page.inner_text("main")


def test_admin_reads_the_audit_log(page: Any, app_url: str) -> None:
    login(page, app_url, "admin")
    nav_to(page, "Log audit")
    # the newest first: the demo's last write is on the first page (other browser tests may have written since)
    assert page.locator('[data-testid=audit] tbody > tr[data-action="followup.referral.create"]').count() >= 1
    assert "followup.referral.create" not in page.inner_text("[data-testid=audit]")  # shown in words, not as a code
    page.fill("input[name=action]", "user.create")
    page.click("main button[type=submit]")
    rows = page.locator("[data-testid=audit] tbody > tr[data-action]").all()
    actions = {r.get_attribute("data-action") for r in rows}
    assert actions == {"user.create"}


def test_budget_officer_simulates_the_apbd_premium(page: Any, app_url: str) -> None:
    login(page, app_url, "disnaker.kabtangerang")
    nav_to(page, "Simulasi")
    form = page.locator("[data-testid=quote-form]")
    form.locator("[name=income]").fill("1000000")
    form.locator("[name=workers]").fill("116000")
    form.locator("[name=months]").fill("12")
    form.locator("[name=date]").fill("2024-01-01")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=result]")
    assert page.inner_text("[data-testid=total]") == "Rp23.385.600.000"
    form.locator("[name=income]").fill("500000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=errors]")
    assert "1000000" in page.inner_text("[data-testid=errors]")


def test_operator_imports_a_list_and_watches_it_finish(page: Any, app_url: str, tmp_path: Any) -> None:
    """The import runs in the background worker that `paritrana serve` starts; the page polls until done."""
    good = "\n".join(
        f"360301{day + 40:02d}0790{seq:04d};Pekerja {seq};{day:02d}/07/1990;P;3603012003;petani"
        for day, seq in ((d, 9000 + d) for d in range(1, 29))
    )
    csv = tmp_path / "daftar.csv"
    csv.write_text(
        "NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan\n" + good + "\n3.60301E+15;Salah;;P;3603012003;\n", encoding="utf-8"
    )
    login(page, app_url, "disnaker.kabtangerang")
    page.goto(f"{app_url}/workers/import/")
    form = page.locator("[data-testid=import-form]")
    form.locator("input[name=file]").set_input_files(str(csv))
    form.locator("select[name=mode]").select_option("valid-only")
    form.locator("button[type=submit]").click()
    columns = page.locator("[data-testid=columns-form]")
    assert columns.locator("select[name=nik]").input_value() == "NIK"  # guessed; the operator confirms
    assert "3603" in page.inner_text("[data-testid=preview]") and "*" in page.inner_text("[data-testid=preview]")
    columns.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=import-status][data-status=done]", timeout=30_000)
    summary = page.inner_text("[data-testid=summary]")
    assert "28" in summary and "1" in summary
    with page.expect_download() as download:
        page.click("text=Unduh laporan")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(f"{app_url}/workers/?q=Pekerja 9001")
    assert "3603**********01" in page.inner_text("[data-testid=workers]")


def test_operator_follows_a_program_from_monev_to_its_bills(page: Any, app_url: str) -> None:
    """The demo's APBD program: the monev page lists it, the XLSX downloads, the program page shows its bills, and
    enrolling every eligible worker all-or-nothing is refused, naming the village program that already covers some."""
    login(page, app_url, "disnaker.kabtangerang")
    nav_to(page, "Monev")
    monev = page.inner_text("[data-testid=monev]")
    assert "Perlindungan Pekerja Rentan APBD" in monev and "Cilegon" not in monev
    with page.expect_download() as download:
        page.click("[data-testid=xlsx]")
    assert download.value.suggested_filename.endswith(".xlsx")
    last_year = today().year - 1
    page.goto(f"{app_url}/programs/?year={last_year}")
    page.locator("[data-testid=programs] a", has_text=re.compile(r"^Perlindungan Pekerja Rentan APBD$")).click()
    assert "TAG-" in page.inner_text("[data-testid=bills]")
    form = page.locator("[data-testid=enroll-form]")
    form.locator("select[name=e-how]").select_option("filter")
    form.locator("select[name=e-mode]").select_option("all-or-nothing")
    form.locator("button[type=submit]").click()
    result = page.wait_for_selector("[data-testid=enroll-result]")
    assert "Pemerintah Desa" in result.inner_text()
