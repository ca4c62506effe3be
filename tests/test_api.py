"""The API's contract: authentication, the one error body, pagination."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from paritrana.accounts.actions import do_create_token, do_revoke_token
from tests.factories import make_user


@pytest.fixture
def token(kab_operator):  # type: ignore[no-untyped-def]
    _row, key = do_create_token(user=kab_operator, label="test", actor=None)
    return key


def get(path: str, key: str | None = None, **headers: str):  # type: ignore[no-untyped-def]
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return Client().get(path, headers=headers)


@pytest.mark.django_db
def test_regions_of_banten_through_the_api_as_a_national_user() -> None:
    _row, key = do_create_token(user=make_user("nasional", "viewer"), label="t", actor=None)
    body = get("/api/v1/regions?parent=36", key).json()
    assert body["count"] == 8
    assert [r["code"] for r in body["items"]] == [
        "36.01",
        "36.02",
        "36.03",
        "36.04",
        "36.71",
        "36.72",
        "36.73",
        "36.74",
    ]
    assert body["items"][2] == {
        "code": "36.03",
        "name": "Kabupaten Tangerang",
        "kind": "kabupaten",
        "level": 2,
        "parent": "36",
    }


@pytest.mark.django_db
def test_a_scoped_user_lists_only_regions_inside_its_scope(token: str) -> None:
    assert [r["code"] for r in get("/api/v1/regions?parent=36", token).json()["items"]] == ["36.03"]
    everything = get("/api/v1/regions?limit=1000", token).json()
    assert everything["count"] == 1 + 29 + 274  # the kabupaten, its kecamatan and its desa/kelurahan
    assert all(r["code"].startswith("36.03") for r in everything["items"])


@pytest.mark.django_db
def test_pagination_pages_through_everything_once(token: str) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = get(f"/api/v1/regions/36.03/children?limit=7&offset={offset}", token).json()
        seen += [r["code"] for r in page["items"]]
        offset += 7
        if offset >= page["count"]:
            break
    assert len(seen) == len(set(seen)) == 29


@pytest.mark.django_db
def test_the_api_key_header_authenticates_too(token: str) -> None:
    assert get("/api/v1/me", None, **{"X-API-Key": token}).json()["username"] == "op.kabtangerang"


@pytest.mark.django_db
def test_a_revoked_or_made_up_token_is_refused(kab_operator) -> None:  # type: ignore[no-untyped-def]
    row, key = do_create_token(user=kab_operator, label="t", actor=None)
    do_revoke_token(token_id=row.pk, actor=None)
    for bad in (key, "prt_made-up", "not-a-token"):
        response = get("/api/v1/me", bad)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "code", "needle"),
    [
        ("/api/v1/regions/99.99", 404, "not_found", "99.99"),
        ("/api/v1/regions/abc", 400, "bad_request", "abc"),
        ("/api/v1/regions?level=x", 400, "bad_request", "level"),
        ("/api/v1/regions?level=9", 400, "bad_request", "level"),
        ("/api/v1/regions?limit=0", 400, "bad_request", "limit"),
        ("/api/v1/regions?limit=100000", 400, "bad_request", "limit"),
        ("/api/v1/regions?parent=36.7", 400, "bad_request", "36.7"),
        ("/api/v1/regions/36.72", 403, "out_of_scope", "36.72"),
        ("/api/v1/nowhere", 404, "not_found", ""),
    ],
)
def test_bad_requests_get_the_error_body(token: str, path: str, status: int, code: str, needle: str) -> None:
    response = get(path, token)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and set(body) == {"code", "message", "details"}
    assert needle in body["message"] + str(body["details"])


@pytest.mark.django_db
def test_bodies_that_are_not_json_or_wrong_or_too_large(admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    _row, key = do_create_token(user=admin_user, label="t", actor=None)
    headers = {"Authorization": f"Bearer {key}"}
    put = Client().put
    not_json = put("/api/v1/regions/groups", data="{bad", content_type="application/json", headers=headers)
    assert (not_json.status_code, not_json.json()["code"]) == (400, "bad_request")
    missing = put(
        "/api/v1/regions/groups", data={"kind": "award_zone"}, content_type="application/json", headers=headers
    )
    assert (missing.status_code, missing.json()["code"]) == (422, "invalid_input")
    assert "name" in missing.json()["message"] and "region_codes" in missing.json()["message"]
    wrong = put(
        "/api/v1/regions/groups",
        data={"kind": "award_zone", "name": "Z", "region_codes": ["36.03"]},
        content_type="application/json",
        headers=headers,
    )
    assert (wrong.status_code, wrong.json()["details"]["field"]) == (422, "region_codes")
    big = put(
        "/api/v1/regions/groups",
        data={"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)},
        content_type="application/json",
        headers=headers,
    )
    assert (big.status_code, big.json()["code"]) == (413, "payload_too_large")


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    body = {"kind": "branch_area", "name": "KC", "region_codes": ["36.03"]}
    refused = client.put("/api/v1/regions/groups", data=body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    client.get("/")  # sets the CSRF cookie
    accepted = client.put(
        "/api/v1/regions/groups",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert accepted.status_code == 200, accepted.content


def test_openapi_document_lists_the_error_body_and_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "Paritrana API"
    assert "/api/v1/regions" in doc["paths"]


def test_openapi_document_has_no_key_twice_and_reads_as_yaml_as_swagger_ui_reads_it(client) -> None:  # type: ignore[no-untyped-def]
    """Before: declaring a 422 response beside the one every operation gets wrote "422" twice (an int and a str key);
    JSON parsers keep the last, Swagger UI's YAML parser refuses the whole document and the docs page was empty."""
    import json

    import yaml

    text = client.get("/api/v1/openapi.json").content.decode()
    twice: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        twice.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)
    assert twice == []
    assert yaml.safe_load(text)["info"]["title"] == "Paritrana API"
