"""Issue 21 §1: every page, as every demo role, on the demo data (ids above 1,000, years 2024-2026): no id or year
printed with a thousand separator in a link, a form or a heading, no date input whose value a browser cannot read,
no server error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from paritrana.demo.load import DEMO_USERS, load_demo
from tests.web.crawl import Page, crawl

#: "1.804", "2.026", "1.234.567": a number grouped by thousands.
GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d]|[.,]\d)")
#: A year written as a grouped number: "2.025".
GROUPED_YEAR = re.compile(r"(?<![\d.,])(?<!Rp)(?:1\.9\d\d|2\.[01]\d\d)(?![\d]|[.,]\d)")
#: Text right before a year: "Tahun 2.025", "TA 2.025", "Year 2,025"...
YEAR_WORDS = re.compile(r"(tahun|ta|year|edisi|edition|periode|anggaran)\s*:?\s*$", re.IGNORECASE)
#: Attributes that carry an address or a value sent back to the server.
ADDRESS_ATTRS = ("href", "action", "hx-get", "hx-post", "hx-put", "hx-delete", "formaction")
ISO = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "month": r"\d{4}-\d{2}",
    "datetime-local": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?",
}
#: Where text is a heading, a choice or a title: a year there is a year.
YEAR_TAGS = {"title", "h1", "h2", "h3", "h4", "option", "th", "caption", "legend", "summary"}

#: Web addresses a demo role does not reach by a link, and why (each has its own tests). A new page belongs in a
#: menu or behind a link; if it cannot be, say why here.
NOT_BY_LINK = {
    "web:logout": "POST",
    "web:group_delete": "POST",
    "set_language": "POST",
    "accounts:role_remove": "POST",
    "accounts:active": "POST",
    "accounts:password_reset": "POST",
    "followup:finding_status": "POST",
    "followup:claim_workers": "POST: the worker search of the claim form (HTMX)",
    "registry:worker_change": "POST: a change to a worker, from the worker's page",
    "sponsorship:bill_step": "the same address as sponsorship:bill_detail (its older name)",
    "sponsorship:program_export": "a file, asked for by the program page's form",
    "sponsorship:reconcile_run": "a BPJS reconciliation run: the demo has none",
    "web:job": "a background job: the demo queues none (its lists run while it loads)",
    "registry:import": "an import job is seen by its uploader: the demo's import ran as the system",
    "registry:import_report": "the report of such an import job",
    "registry:evidence": "the document of a recorded change: the demo records none",
    "award:ranking": "a category's ranking, once computed: the demo computes none",
    "web:login": "the roles are logged in: it redirects",
    "metrics": "not a page",
    "healthz": "not a page",
    "web:favicon": "a redirect to a static file",
}


def problems(page: Page) -> list[str]:
    found = []
    for element in page.elements:
        attrs = element.attrs
        for name in ADDRESS_ATTRS:
            if GROUPED.search(attrs.get(name, "")):
                found.append(f"{element.tag} {name}={attrs[name]!r}")
        kind = attrs.get("type", "text").lower()
        value = attrs.get("value", "")
        if element.tag == "input" and kind == "hidden" and GROUPED.search(value):
            found.append(f"hidden {attrs.get('name')}={value!r}")
        if element.tag == "option" and GROUPED.search(value):
            found.append(f"option value={value!r}")
        if any(k.startswith("data-") and GROUPED_YEAR.search(v) for k, v in attrs.items()):
            found.append(f"{element.tag} data-*: {attrs!r}")
        if element.tag == "input" and kind in ISO and value and not re.fullmatch(ISO[kind], value):
            found.append(f"{kind} input {attrs.get('name')}={value!r} (a browser cannot read it)")
    for tags, text in page.texts:
        for match in GROUPED_YEAR.finditer(text):
            if set(tags) & YEAR_TAGS or YEAR_WORDS.search(text[: match.start()]):
                found.append(f"year {match.group()!r} in {'/'.join(tags[-2:])}: {text[:80]!r}")
    return found


def _plain_pages() -> list[str]:
    """The addresses of every page whose address takes no argument (GET each, whether linked or not)."""
    paths = []
    for name in sorted(_url_names()):
        if name in NOT_BY_LINK:
            continue
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue
    return paths


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if "api" not in str(p.pattern):
                    walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return names


def test_the_grouped_number_patterns_catch_what_they_should() -> None:
    assert GROUPED.search("/programs/1.804/") and GROUPED.search("?year=2.026&x=1")
    assert not GROUPED.search("/regions/36.03.01.2003/") and not GROUPED.search("htmx-2.0.11.min.js")
    assert GROUPED_YEAR.search("Tahun 2.025") and not GROUPED_YEAR.search("Rp2.025.000")
    assert not GROUPED_YEAR.search("2025") and not GROUPED_YEAR.search("12,5")


@pytest.mark.django_db
def test_no_page_groups_an_id_or_a_year_and_date_inputs_are_iso_for_every_role() -> None:
    load_demo()
    users = get_user_model().objects.filter(username__in=[u.username for u in DEMO_USERS])
    visited: set[str] = set()
    failures: dict[str, list[str]] = {}
    errors: list[str] = []
    callers: list[tuple[str, Client, list[str]]] = [
        ("anonymous", Client(raise_request_exception=False), ["/login/", *_plain_pages()])
    ]
    for user in users:
        client = Client(raise_request_exception=False)  # a server error is counted, the walk goes on
        client.force_login(user)
        callers.append((user.username, client, ["/", *_plain_pages()]))
    for name, client, starts in callers:

        def download(path: str, status: int, who: str = name) -> None:
            if status >= 500:
                errors.append(f"{who} GET {path}: {status}")

        pages = crawl(client, starts, per_view=2, on_download=download)
        for page in pages:
            visited.add(page.view_name)
            if page.status >= 500:
                errors.append(f"{name} GET {page.path}: {page.status}")
            for problem in problems(page):
                failures.setdefault(f"{name} {page.path}", []).append(problem)
    assert not errors, errors
    assert not failures, failures
    missed = _url_names() - visited - set(NOT_BY_LINK)
    assert not missed, f"pages no demo role reached by a link: {sorted(missed)}"
