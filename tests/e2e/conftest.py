"""The browser leg: the real app served by ``paritrana serve`` (gunicorn) on loopback with the demo data on a
fresh SQLite file, driven by Debian's Chromium through Playwright. Nothing is skipped: a missing browser fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paritrana.demo.load import DEMO_PASSWORD

CHROMIUM = os.environ.get("PARITRANA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if k != "PARITRANA_DATABASE_URL"}
    env["PARITRANA_DATA_DIR"] = str(data)
    cli = [sys.executable, "-m", "paritrana.cli"]
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)  # noqa: S603 - our own command line
    port = _free_port()
    log = (data / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [*cli, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:  # noqa: S310 - our own loopback server
                if r.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {(data / 'server.log').read_text()}") from None
            time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run scripts/system-deps.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def login(page: Any, app_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{app_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{app_url}/")


def nav_to(page: Any, label: str) -> None:
    """Follow the menu item ``label`` as a person does: open the menu (folded on a phone) and the group that holds
    the item (closed until asked for), then click it."""
    link = page.locator(f'.main-nav a:text-is("{label}")').first
    if not link.is_visible():
        toggle = page.locator("[data-testid=menu]")
        if toggle.is_visible():
            toggle.click()
        group = page.locator("details[data-nav-group]").filter(has=page.locator(f'a:text-is("{label}")'))
        if group.count() and not link.is_visible():
            group.first.locator("summary").click()
    with page.expect_navigation():
        link.click()
