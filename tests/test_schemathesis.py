"""Schemathesis against the API's own OpenAPI document (``/api/v1/openapi.json``), through WSGI in-process: for
every operation, requests generated from the schema (valid and invalid), as a national system administrator with a
bearer token and as an anonymous caller. No request may get a server error (5xx); responses must match the schema
where it declares them; and a write that is refused (4xx) must leave every table as it was (the audit log may only
gain the record of the refusal, which the award's actions keep on purpose).

Bounded to run in well under three minutes on SQLite: a few examples per operation, no shrinking of failures."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.apps import apps
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from paritrana.core.models import AuditEvent
from tests.factories import make_user

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
EXAMPLES = settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing request is reported as it is
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _load_schema() -> Any:
    """The document the API serves at /api/v1/openapi.json, built in-process (no request: collection has no
    database), and the WSGI application the cases are sent to."""
    from django.core.wsgi import get_wsgi_application

    from paritrana.api.main import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    loaded.app = get_wsgi_application()
    loaded.location = "/api/v1/openapi.json"
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """A WSGI request ends by closing the database connection (``close_old_connections``): that would close the
    test's transaction on PostgreSQL. Django's own test client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db: Any) -> str:
    from paritrana.accounts.actions import do_create_token

    _row, key = do_create_token(user=make_user("schema.admin", "system_admin"), label="schemathesis", actor=None)
    return key


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m.__module__.startswith("paritrana.") and not m._meta.proxy and m is not AuditEvent
    }


def _call_and_check(case: Any, headers: dict[str, str]) -> None:
    write = case.method.upper() in WRITES
    before = _counts() if write else {}
    audit_before = AuditEvent.objects.count()
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS)
    if write and 400 <= response.status_code < 500:
        assert _counts() == before, f"{case.method} {case.path} answered {response.status_code} but wrote"
        new = AuditEvent.objects.order_by("pk")[audit_before:]
        assert all(e.action.endswith(".refused") for e in new), [e.action for e in new]


@pytest.mark.django_db
@schema.parametrize()
@EXAMPLES
def test_the_api_as_a_national_admin(case: Any, admin_token: str) -> None:
    _call_and_check(case, {"Authorization": f"Bearer {admin_token}"})


@pytest.mark.django_db
@schema.parametrize()
@EXAMPLES
def test_the_api_as_anonymous(case: Any) -> None:
    _call_and_check(case, {})
