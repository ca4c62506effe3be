"""Hostile requests to the API (issue 17): out-of-range offsets, NUL characters, over-long and unknown values, JSON
bodies that are not objects, a multipart body without its boundary, and an out-of-scope refusal that must not name
a region the caller did not name. Each one gets the one JSON error body with a 4xx naming the field, never a 500,
on SQLite and on PostgreSQL alike (PostgreSQL refused NUL characters and over-long values with a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from paritrana.accounts.actions import do_create_token
from paritrana.api.main import api
from paritrana.core.pagination import MAX_OFFSET
from paritrana.registry.models import ImportJob
from tests.factories import make_user, make_worker

# A list with one row: a list with its header only is refused at upload (the preview reads its first rows).
CSV = b"nik,nama,tanggal_lahir,jenis_kelamin,desa\n3603014507900001,Siti,1990-07-05,P,3603012003\n"


def _list_paths() -> list[str]:
    """Every operation of the API that pages with ``offset`` (a GET without path parameters)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return sorted(
        path
        for path, operations in schema["paths"].items()
        if "{" not in path and any(p["name"] == "offset" for p in operations.get("get", {}).get("parameters", []))
    )


LISTS = _list_paths()


@pytest.fixture
def admin_key(db: Any) -> str:
    _row, key = do_create_token(user=make_user("hostile.api.admin", "system_admin"), label="t", actor=None)
    return key


@pytest.fixture
def operator_key(kab_operator: Any) -> str:
    _row, key = do_create_token(user=kab_operator, label="t", actor=None)
    return key


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The response is the API's error body with this status and code (and ``details.field``), and no traceback."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert b"Traceback" not in response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code and body["message"]
    if field is not None:
        assert body["details"]["field"] == field, body
    return body


def test_every_list_endpoint_is_covered() -> None:
    assert {"/api/v1/workers", "/api/v1/regions", "/api/v1/audit", "/api/v1/sponsors"} <= set(LISTS)


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("offset", [2**63, 2**64, 10**40, MAX_OFFSET + 1, -1])
def test_an_offset_out_of_bounds_is_refused_naming_it(admin_key: str, path: str, offset: int) -> None:
    response = Client().get(f"{path}?offset={offset}", headers=_bearer(admin_key))
    body = _error(response, 400, "bad_request", "offset")
    assert "offset" in body["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_the_largest_offset_answers_an_empty_page(admin_key: str, path: str) -> None:
    response = Client().get(f"{path}?offset={MAX_OFFSET}", headers=_bearer(admin_key))
    assert response.status_code == 200, response.content[:300]
    assert response.json()["items"] == [] and response.json()["offset"] == MAX_OFFSET


@pytest.mark.django_db
def test_an_offset_of_thousands_of_digits_is_refused(admin_key: str) -> None:
    _error(Client().get(f"/api/v1/workers?offset={'9' * 5000}", headers=_bearer(admin_key)), 400, "bad_request")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/workers?q=Ani%00", "q"),
        ("/api/v1/workers?region=36.03%00", "region"),
        ("/api/v1/regions?parent=36%00", "parent"),
        ("/api/v1/programs?status=active%00", "status"),
        ("/api/v1/findings?region=36%00", "region"),
        ("/api/v1/me?undeclared=%00", "undeclared"),
        ("/api/v1/regions/36.03%00", "code"),
        ("/api/v1/indicators/definitions/coverage%00", "key"),
    ],
)
def test_a_nul_in_the_address_is_refused_naming_the_parameter(admin_key: str, path: str, field: str) -> None:
    client = Client()
    method = client.delete if "/definitions/" in path else client.get
    body = _error(method(path, headers=_bearer(admin_key)), 400, "bad_request", field)
    assert "NUL" in body["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/workers/search", {"q": "Ani\x00"}, "q"),
        ("/api/v1/workers/search", {"q": "Ani", "status\x00": "active"}, "body"),
        (
            "/api/v1/regions/groups",
            {"kind": "award_zone", "name": "Z", "region_codes": ["36", "3\x006"]},
            "region_codes.1",
        ),
        ("/api/v1/sponsors", {"name": "Pemda\x00", "kind": "apbd_kabkota", "region_code": "36.03"}, "name"),
    ],
)
def test_a_nul_in_a_json_body_is_refused_naming_the_field(admin_key: str, path: str, body: Any, field: str) -> None:
    client = Client()
    method = client.put if path.endswith("/groups") else client.post
    response = method(path, data=body, content_type="application/json", headers=_bearer(admin_key))
    assert "NUL" in _error(response, 422, "invalid_input", field)["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "kind"),
    [("[]", "array"), ('[{"q": "x"}]', "array"), ('"Ani"', "string"), ("3", "number"), ("null", "null")],
)
def test_a_worker_search_whose_body_is_not_an_object_is_refused(operator_key: str, body: str, kind: str) -> None:
    make_worker("36.03.01.2001")
    response = Client().post(
        "/api/v1/workers/search", data=body, content_type="application/json", headers=_bearer(operator_key)
    )
    assert kind in _error(response, 400, "bad_request", "body")["message"]


@pytest.mark.django_db
def test_a_worker_search_with_an_object_still_finds_workers(operator_key: str) -> None:
    make_worker("36.03.01.2001")
    response = Client().post(
        "/api/v1/workers/search", data={}, content_type="application/json", headers=_bearer(operator_key)
    )
    assert response.status_code == 200 and response.json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"q": NaN}', '{"q": Infinity}', "{bad"])
def test_a_body_that_is_not_strict_json_is_refused(operator_key: str, body: str) -> None:
    response = Client().post(
        "/api/v1/workers/search", data=body, content_type="application/json", headers=_bearer(operator_key)
    )
    _error(response, 400, "bad_request")


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [100_000, 900])
def test_a_deeply_nested_body_is_refused_without_a_crash(operator_key: str, depth: int) -> None:
    body = '{"q": ' + "[" * depth + '"\\u0000"' + "]" * depth + "}"
    response = Client().post(
        "/api/v1/workers/search", data=body, content_type="application/json", headers=_bearer(operator_key)
    )
    assert 400 <= response.status_code < 500 and response.json()["code"] in ("bad_request", "invalid_input")


def _import(key: str, **form: Any) -> Any:
    name = form.pop("filename", "pekerja.csv")
    data = {"file": SimpleUploadedFile(name, CSV, content_type="text/csv"), **form}
    return Client().post("/api/v1/imports", data=data, headers=_bearer(key))


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["bogus", "x" * 17, "x" * 5000, "ALL-OR-NOTHING", ""])
def test_an_unknown_import_mode_is_refused_at_once_naming_the_accepted_ones(operator_key: str, mode: str) -> None:
    body = _error(_import(operator_key, mode=mode), 422, "invalid_input", "mode")
    assert "all-or-nothing" in body["message"] and "valid-only" in body["message"]
    assert len(body["message"]) < 300  # the value is not echoed whole
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_an_import_sheet_longer_than_100_characters_is_refused(operator_key: str) -> None:
    _error(_import(operator_key, sheet="s" * 101), 422, "invalid_input", "sheet")
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["all-or-nothing", "valid-only"])
def test_a_known_mode_and_a_100_character_sheet_are_queued(operator_key: str, mode: str) -> None:
    response = _import(operator_key, mode=mode, sheet="s" * 100)
    assert response.status_code == 202, response.content[:300]
    assert response.json()["mode"] == mode


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form", "field"),
    [({"sheet": "Data\x00"}, "sheet"), ({"mode": "valid-only\x00"}, "mode")],
)
def test_a_nul_in_an_import_form_is_refused_naming_the_field(
    operator_key: str, form: dict[str, str], field: str
) -> None:
    assert "NUL" in _error(_import(operator_key, **form), 422, "invalid_input", field)["message"]
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_nul_in_an_uploaded_file_name_never_reaches_the_database(operator_key: str) -> None:
    response = _import(operator_key, filename="pek\x00erja.csv")  # Django drops unprintable characters of names
    assert response.status_code == 202 and response.json()["filename"] == "pekerja.csv"


@pytest.mark.django_db
def test_a_multipart_body_without_a_boundary_gets_the_json_error_body(operator_key: str) -> None:
    response = Client().post(
        "/api/v1/imports", data=b"--x\r\n\r\n", content_type="multipart/form-data", headers=_bearer(operator_key)
    )
    assert "multipart" in _error(response, 400, "bad_request")["message"]


@pytest.mark.django_db
def test_too_many_form_fields_get_the_json_error_body(operator_key: str, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"f{i}": "x" for i in range(10)}
    _error(_import(operator_key, **fields), 400, "bad_request")


@pytest.mark.django_db
def test_an_out_of_scope_worker_is_refused_without_naming_its_desa(operator_key: str) -> None:
    outside = make_worker("36.72.01.1001")  # Kota Cilegon; the operator is scoped to Kabupaten Tangerang
    response = Client().get(f"/api/v1/workers/{outside.pk}", headers=_bearer(operator_key))
    body = _error(response, 403, "out_of_scope")
    assert b"36.72" not in response.content and b"3672" not in response.content
    assert "region" not in body["details"]


@pytest.mark.django_db
def test_an_out_of_scope_region_the_caller_named_is_named_back(operator_key: str) -> None:
    response = Client().get("/api/v1/regions/36.72", headers=_bearer(operator_key))
    assert _error(response, 403, "out_of_scope")["details"]["region"] == "36.72"
