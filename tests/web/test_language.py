"""Issue 21 §2: Bahasa Indonesia for every visitor until they choose English (remembered), whatever the browser asks
for; the audit log in words, not codes; the menu grouped by task."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from paritrana.accounts.actions import do_reset_password
from paritrana.core import audit
from paritrana.web import labels
from tests.conftest import client_for
from tests.factories import make_user

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
SRC = Path(__file__).resolve().parents[2] / "src" / "paritrana"


def test_an_english_browser_gets_bahasa_indonesia() -> None:
    page = Client().get("/login/", **ENGLISH_BROWSER).content.decode()
    assert '<html lang="id">' in page and "<h1>Masuk</h1>" in page


@pytest.mark.django_db
def test_after_choosing_english_the_choice_stays_and_indonesian_comes_back_on_request(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    assert '<html lang="id">' in client.get("/", **ENGLISH_BROWSER).content.decode()
    chosen = client.post("/i18n/setlang/", {"language": "en", "next": "/regions/"}, **ENGLISH_BROWSER)
    assert chosen.status_code == 302 and chosen["Location"] == "/regions/"
    cookie = chosen.cookies["django_language"]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 300 * 24 * 3600  # remembered after the browser closes
    for path in ("/", "/regions/", "/users/me/password/"):
        assert '<html lang="en">' in client.get(path).content.decode(), path
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert '<html lang="id">' in client.get("/", **ENGLISH_BROWSER).content.decode()


def test_an_unknown_language_cookie_falls_back_to_bahasa_indonesia() -> None:
    client = Client()
    client.cookies["django_language"] = "xx"
    assert '<html lang="id">' in client.get("/login/", **ENGLISH_BROWSER).content.decode()


@pytest.mark.django_db
def test_the_api_still_answers_in_the_language_a_client_asks_for() -> None:
    english = Client().get("/api/v1/workers", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    indonesian = Client().get("/api/v1/workers").json()["message"]
    assert english != indonesian


@pytest.mark.django_db
def test_the_menu_is_grouped_by_task_and_marks_the_current_page(admin_user) -> None:  # type: ignore[no-untyped-def]
    page = client_for(admin_user).get("/programs/billing/").content.decode()
    assert page.count("data-nav-group") >= 4  # groups fold, each a <details> (keyboard: Enter or Space opens it)
    current = re.findall(r'<a href="([^"]+)" aria-current="page"', page)
    assert current == ["/programs/billing/"]  # Billing only, not Programs above it as well
    assert 'href="/users/me/password/"' in page and 'data-testid="logout"' in page


@pytest.mark.django_db
def test_a_village_operator_sees_only_the_groups_of_its_work() -> None:
    client = client_for(make_user("desa.satu", "village_operator", "36.03.01.2003"))
    page = client.get("/").content.decode()
    assert 'href="/users/"' not in page and 'href="/audit/"' not in page
    assert 'href="/workers/"' in page


def _written_actions() -> set[str]:
    """Every audit action the code writes literally (``action="..."``, ``refusals_audited("...")``)."""
    pattern = re.compile(r'(?:\baction=|refusals_audited\()"([a-z_]+(?:\.[a-z_]+)+)"')
    found = set()
    for path in SRC.rglob("*.py"):
        found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_audit_action_the_code_writes_has_words() -> None:
    """A new action gets its label in web/labels.py (or a subject and a verb it is read from)."""
    raw = {
        code
        for code in _written_actions()
        if code not in labels.ACTION_LABELS
        and not any(code.startswith(f"{s}.") and code[len(s) + 1 :] in labels.VERBS for s in labels.SUBJECTS)
    }
    prefixes_used_as_filters = {c for c in raw if any(a.startswith(f"{c}.") for a in labels.ACTION_LABELS)}
    assert not raw - prefixes_used_as_filters, sorted(raw - prefixes_used_as_filters)


@pytest.mark.parametrize(
    "code",
    [
        "award.evidence.download",
        "program.closed",
        "followup.finding.in_progress",
        "program.update.refused",
        "bill.awaiting_reconciliation",
        "award.import.scores",
        "something.quite_new",
    ],
)
@pytest.mark.parametrize("language", ["id", "en"])
def test_an_action_code_reads_as_words(code: str, language: str) -> None:
    with translation.override(language):
        text = labels.action_label(code)
    assert text != code and "_" not in text and "." not in text.replace(" · ", ""), text


@pytest.mark.django_db
def test_the_audit_log_shows_actions_objects_and_fields_in_words(admin_user) -> None:  # type: ignore[no-untyped-def]
    subject = make_user("rudi", "viewer", "36.03")
    temporary = do_reset_password(user=subject, actor=admin_user)
    audit.record(
        actor=admin_user,
        action="followup.finding.in_progress",
        object_type="followup.finding",
        object_id=7,
        before={"status": "open"},
        after={"status": "in_progress"},
    )
    page = client_for(admin_user).get("/audit/").content.decode()
    body = page[page.index('data-testid="audit"') :]
    visible = re.sub(r"<[^>]+>", " ", body)  # the text a person reads, without the attributes
    for code in ("user.password_reset", "followup.finding.in_progress", "role.assign", "in_progress", "region_code"):
        assert code not in visible, code
    assert 'data-action="user.password_reset"' in body  # the code stays in the page for tools, not in the text
    assert temporary not in page and subject.password not in page  # no secret, not even hashed
