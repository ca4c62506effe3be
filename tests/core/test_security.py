"""Production checks, security headers, CSRF, session expiry, and no NIK in addresses, templates or error pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from paritrana.api.main import api

SRC = Path(__file__).resolve().parents[2] / "src" / "paritrana"
NIK = "3603014507900001"


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PARITRANA_")}
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**base, "DJANGO_SETTINGS_MODULE": "paritrana.settings", "PARITRANA_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_for_the_documented_production_settings(tmp_path: Path) -> None:
    production = _check_deploy(
        tmp_path,
        PARITRANA_HTTPS="true",
        PARITRANA_SECRET_KEY="k" * 10 + "9fT3-Zq" * 8,
        PARITRANA_ALLOWED_HOSTS="paritrana.example.go.id",
    )
    assert production.returncode == 0, production.stderr
    assert "no issues" in production.stdout
    # the same check does speak up when HTTPS is not configured: it is not a check that cannot fail
    plain = _check_deploy(tmp_path, PARITRANA_SECRET_KEY="k" * 10 + "9fT3-Zq" * 8)
    assert plain.returncode != 0 and "security.W008" in plain.stderr


@pytest.mark.django_db
def test_every_answer_carries_the_security_headers(client: Client) -> None:
    response = client.get("/login/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"  # no inline scripts, no eval, no other host
    assert policy["style-src"] == "'self'" and policy["style-src-attr"] == "'unsafe-inline'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Content-Security-Policy" in client.get("/api/v1/regions").headers


def test_no_template_runs_inline_script() -> None:
    """The CSP would block them anyway; this finds them before a user does."""
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        if template.name.endswith("_pdf.html") or "report" in template.name:
            continue  # rendered to PDF by WeasyPrint, never served to a browser
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", text, re.S):
            if "src=" not in match["attrs"] and "application/json" not in match["attrs"]:
                offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", text):
            offenders.append(f"{template}: <style> block")
        for handler in re.findall(r"\s(on[a-z]+)=[\"']", text):
            offenders.append(f"{template}: {handler}= handler")
    assert not offenders, offenders


@pytest.mark.django_db
def test_a_form_posted_without_its_csrf_token_is_refused(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post("/workers/", {"q": "Siti"}).status_code == 403
    assert client.post("/api/v1/workers/search", {}, content_type="application/json").status_code == 403
    token = client.get("/workers/").cookies["csrftoken"].value
    assert client.post("/workers/", {"q": "Siti", "csrfmiddlewaretoken": token}).status_code == 200


@pytest.mark.django_db
def test_a_session_idle_past_its_age_is_logged_out(client: Client, admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    assert client.get("/").status_code == 200
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE == 480 * 60
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_no_address_carries_a_nik() -> None:
    """No URL pattern or API path has a NIK parameter: workers are addressed by their id (``/workers/{id}/nik``,
    where a NIK is corrected, names the resource, not a value)."""
    names: list[str] = []

    def walk(patterns: list[object], prefix: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                names.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    names += list(api.get_openapi_schema()["paths"])
    assert names and not [n for n in names if re.search(r"[<{][^>}]*nik", n.lower())]
    query_params = [
        (path, p["name"])
        for path, ops in api.get_openapi_schema()["paths"].items()
        for op in ops.values()
        for p in op.get("parameters", [])
        if p["in"] == "query" and "nik" in p["name"].lower()
    ]
    assert not query_params


@pytest.mark.django_db
def test_error_pages_do_not_echo_a_nik(client: Client, admin_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    for path in (f"/no-such-page/{NIK}", f"/workers/?q={NIK}", f"/api/v1/workers?q={NIK}", f"/api/v1/nothing/{NIK}"):
        response = client.get(path)
        assert response.status_code in (404, 422), path
        assert NIK not in response.content.decode(), path
