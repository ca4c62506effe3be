"""Log lines mask NIKs (plain and JSON), each request is logged once, and /metrics speaks Prometheus to its token."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from paritrana.core.logs import JsonFormatter, MaskingFormatter
from paritrana.core.privacy import looks_like_nik, mask_nik, mask_niks
from paritrana.demo.people import make_nik

NIK = "3603014507900001"


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"duplicate key (nik)=({NIK})")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("paritrana.test", logging.ERROR, __file__, 1, message, args, exc_info)


def test_plain_lines_mask_a_nik_in_the_message_its_arguments_and_the_traceback() -> None:
    line = MaskingFormatter("%(message)s").format(_record("worker %s refused", NIK, exc=True))
    assert NIK not in line
    assert "3603**********01" in line
    assert line.count("3603**********01") == 2  # the message and the exception text
    assert "ValueError" in line  # the traceback is still there to debug with


def test_json_lines_are_json_and_mask_a_nik() -> None:
    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"})
    line = formatter.format(_record("import of %s failed", f"nik {NIK}"))
    body = json.loads(line)
    assert body["message"] == "import of nik 3603**********01 failed"
    assert body["level"] == "ERROR"
    assert NIK not in line


@given(st.dates(), st.sampled_from(["L", "P"]), st.integers(1, 9999))
def test_mask_niks_masks_every_generated_nik_like_mask_nik(birth, sex, sequence) -> None:  # type: ignore[no-untyped-def]
    nik = make_nik(kecamatan_code="36.03.01", birth_date=birth, sex=sex, sequence=sequence)
    text = f"a {nik}, b {nik}."
    assert mask_niks(text) == f"a {mask_nik(nik)}, b {mask_nik(nik)}."
    assert looks_like_nik(nik) and looks_like_nik(f"{nik[:6]} {nik[6:12]} {nik[12:]}")


@given(st.text(alphabet="0123456789 -/.abc", max_size=40))
def test_mask_niks_leaves_text_without_a_16_digit_run_alone(text: str) -> None:
    if not any(len(run) >= 16 for run in "".join(c if c.isdigit() else " " for c in text).split()):
        assert mask_niks(text) == text
    else:
        assert len(mask_niks(text)) == len(text)


def test_longer_digit_runs_are_not_mistaken_for_a_nik() -> None:
    assert mask_niks("account 12345678901234567") == "account 12345678901234567"  # 17 digits: not a NIK


@pytest.mark.django_db
def test_each_request_is_logged_once_with_its_route_status_and_user(
    client: Client, admin_user, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    with caplog.at_level(logging.INFO, logger="paritrana.request"):
        client.get("/workers/", {"q": "Siti"})
    (record,) = [r for r in caplog.records if r.name == "paritrana.request"]
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/workers/", 200, admin_user.pk)  # type: ignore[attr-defined]
    assert "Siti" not in record.getMessage()  # the query string is never logged


@pytest.mark.django_db
def test_metrics_are_off_without_a_token_and_refuse_a_wrong_one(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PARITRANA = settings.PARITRANA.model_copy(update={"metrics_token": ""})
    assert client.get("/metrics").status_code == 404
    settings.PARITRANA = settings.PARITRANA.model_copy(update={"metrics_token": "s3cret-token"})
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_count_requests_by_route_and_read_figures_from_the_database(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PARITRANA = settings.PARITRANA.model_copy(update={"metrics_token": "s3cret-token"})
    client.get("/healthz")
    client.get("/healthz")
    body = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).content.decode()
    counted = [line for line in body.splitlines() if line.startswith("paritrana_http_requests_total{")]
    healthz = [line for line in counted if 'route="healthz"' in line and 'status="200"' in line]
    assert healthz and float(healthz[0].rsplit(" ", 1)[1]) >= 2
    assert "paritrana_workers 0.0" in body
    assert "# TYPE paritrana_http_request_duration_seconds histogram" in body


@pytest.mark.slow
def test_gunicorn_workers_add_up_in_metrics_and_log_json(tmp_path: Path) -> None:
    """The real server: two worker processes, JSON logs on stderr, /metrics summing both workers' counters."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PARITRANA_DATA_DIR": str(tmp_path),
        "PARITRANA_LOG_FORMAT": "json",
        "PARITRANA_METRICS_TOKEN": "scrape-me",
    }
    env.pop("PARITRANA_DATABASE_URL", None)  # its own SQLite file: this test is about the server, not the engine
    cli = [sys.executable, "-m", "paritrana.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603 - our own command
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own command
        [*cli, "serve", "--port", str(port), "--workers", "2", "--no-worker"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=60)  # noqa: S310 - loopback; a first answer is slow
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.3)
        for _ in range(19):
            urllib.request.urlopen(f"{base}/healthz", timeout=60)  # noqa: S310 - loopback; the other worker starts too
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/no-such-page/{NIK}", timeout=5)  # noqa: S310 - logged masked
        scrape = urllib.request.Request(f"{base}/metrics", headers={"Authorization": "Bearer scrape-me"})  # noqa: S310
        body = urllib.request.urlopen(scrape, timeout=5).read().decode()  # noqa: S310 - loopback
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    healthz = [
        line
        for line in body.splitlines()
        if line.startswith("paritrana_http_requests_total{") and 'route="healthz"' in line and 'status="200"' in line
    ]
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "paritrana.request"]
    logged = len([r for r in requests if r["path"] == "/healthz" and r["status"] == 200])
    assert logged == 20
    assert sum(float(line.rsplit(" ", 1)[1]) for line in healthz) == logged  # both workers' counters, added up
    assert any(r["path"] == "/no-such-page/3603**********01" and r["status"] == 404 for r in requests)
    assert NIK not in (tmp_path / "server.log").read_text()
