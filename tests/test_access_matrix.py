"""Every URL and API endpoint, called as every role, inside and outside the role's region scope.

Each role is held by a user scoped to Kabupaten Tangerang (36.03); "admin (national)" is a system administrator
with no region limit. "inside" addresses are in 36.03, "outside" in Kota Cilegon (36.72). The table below states
what each caller must get; ``test_matrix_covers_every_url`` fails when a URL or endpoint is added without a row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from paritrana.accounts.choices import Role
from paritrana.api.main import api
from paritrana.core.models import AuditEvent
from paritrana.regions.actions import do_save_region_group
from paritrana.registry.models import ImportJob, Worker
from paritrana.sponsorship.models import Bill
from tests.factories import make_program, make_user

SCOPED = [r.value for r in Role]
CALLERS = ["anonymous", "admin (national)", *SCOPED]
INSIDE, OUTSIDE = "36.03.01", "36.72"

ALL = {c: 200 for c in CALLERS if c != "anonymous"}


def roles(allowed: set[str], ok: int = 200, refused: int = 403) -> dict[str, int]:
    """The national admin and the scoped roles in ``allowed`` get ``ok``; the other roles ``refused``."""
    return {c: (ok if c == "admin (national)" or c in allowed else refused) for c in CALLERS if c != "anonymous"}


VIEW = {"system_admin", "regional_operator", "village_operator", "bpjs_officer"}
IMPORT = {"system_admin", "regional_operator", "village_operator"}
NIK = {"system_admin", "regional_operator", "bpjs_officer"}
SV = {r.value for r in Role} - {"jury"}
MANAGE = {"system_admin", "regional_operator", "village_operator"}
PAY = {"system_admin", "regional_operator", "village_operator", "bpjs_officer"}
BPJS = {"system_admin", "bpjs_officer"}
IND = {"system_admin", "regional_operator", "bpjs_officer"}
NATIONAL_ONLY = {c: (200 if c == "admin (national)" else 403) for c in CALLERS if c != "anonymous"}
# An import is seen by its uploader (the national admin here); other importers get 404, non-importers 403.
JOB = {**roles(IMPORT, refused=403), **dict.fromkeys(IMPORT, 404)}


def only(status_for_admin: int, others: int = 403) -> dict[str, int]:
    """National admin gets ``status_for_admin``; every scoped role gets ``others``."""
    return {c: (status_for_admin if c == "admin (national)" else others) for c in CALLERS if c != "anonymous"}


def scoped_region(outside_status: int) -> dict[str, int]:
    return {c: (200 if c == "admin (national)" else outside_status) for c in CALLERS if c != "anonymous"}


# (name for coverage, method, path builder, anonymous status, statuses by caller)
Row = tuple[str, str, Callable[[dict[str, Any]], str], int, dict[str, int]]
ROWS: list[Row] = [
    ("healthz", "get", lambda o: "/healthz", 200, ALL),
    ("web:home", "get", lambda o: "/", 302, ALL),
    ("web:login", "get", lambda o: "/login/", 200, dict.fromkeys(ALL, 302)),
    ("web:logout", "post", lambda o: "/logout/", 302, dict.fromkeys(ALL, 302)),
    ("set_language", "post", lambda o: "/i18n/setlang/", 302, dict.fromkeys(ALL, 302)),
    ("web:regions", "get", lambda o: "/regions/", 302, ALL),
    ("web:region", "get", lambda o: f"/regions/{INSIDE}/", 302, ALL),
    ("web:region", "get", lambda o: f"/regions/{OUTSIDE}/", 302, scoped_region(403)),
    ("web:groups", "get", lambda o: "/regions/groups/", 302, ALL),
    ("web:group_new", "get", lambda o: "/regions/groups/new/", 302, only(200)),
    ("web:group_edit", "get", lambda o: f"/regions/groups/{o['group'].pk}/", 302, only(200)),
    ("web:group_delete", "post", lambda o: f"/regions/groups/{o['group'].pk}/delete/", 302, only(302)),
    ("web:audit", "get", lambda o: "/audit/", 302, {**only(200), Role.SYSTEM_ADMIN.value: 200}),
    ("web:audit_export", "get", lambda o: "/audit/export.csv", 302, {**only(200), Role.SYSTEM_ADMIN.value: 200}),
    ("accounts:list", "get", lambda o: "/users/", 302, only(200)),
    ("accounts:new", "get", lambda o: "/users/new/", 302, only(200)),
    ("accounts:detail", "get", lambda o: f"/users/{o['subject'].pk}/", 302, only(200)),
    (
        "accounts:role_remove",
        "post",
        lambda o: f"/users/{o['subject'].pk}/roles/{o['role'].pk}/remove/",
        302,
        only(302),
    ),
    ("accounts:active", "post", lambda o: f"/users/{o['subject'].pk}/active/", 302, only(302)),
    ("calculator:simulate", "get", lambda o: "/simulasi/", 302, ALL),
    ("POST /api/v1/quote", "post", lambda o: "/api/v1/quote", 401, ALL),
    ("POST /api/v1/benefits/{kind}", "post", lambda o: "/api/v1/benefits/jkm", 401, ALL),
    ("registry:workers", "get", lambda o: "/workers/", 302, roles(VIEW)),
    ("registry:worker", "get", lambda o: f"/workers/{o['worker_in'].pk}/", 302, roles(VIEW)),
    (
        "registry:worker",
        "get",
        lambda o: f"/workers/{o['worker_out'].pk}/",
        302,
        {**roles(set()), "admin (national)": 200},
    ),
    (
        "registry:worker",
        "post",
        lambda o: f"/workers/{o['worker_in'].pk}/",
        302,
        {**roles(VIEW), **roles(NIK)} | dict.fromkeys(VIEW - NIK, 403),
    ),
    ("registry:import_new", "get", lambda o: "/workers/import/", 302, roles(IMPORT)),
    ("registry:import", "get", lambda o: f"/workers/import/{o['job'].pk}/", 302, JOB),
    ("registry:import_report", "get", lambda o: f"/workers/import/{o['job'].pk}/report.xlsx", 302, JOB),
    ("GET /api/v1/workers", "get", lambda o: "/api/v1/workers", 401, roles(VIEW)),
    ("GET /api/v1/workers/{worker_id}", "get", lambda o: f"/api/v1/workers/{o['worker_in'].pk}", 401, roles(VIEW)),
    (
        "GET /api/v1/workers/{worker_id}",
        "get",
        lambda o: f"/api/v1/workers/{o['worker_out'].pk}",
        401,
        {**roles(set()), "admin (national)": 200},
    ),
    ("POST /api/v1/imports", "post", lambda o: "/api/v1/imports", 401, roles(IMPORT, ok=202)),
    ("GET /api/v1/imports/{job_id}", "get", lambda o: f"/api/v1/imports/{o['job'].pk}", 401, JOB),
    ("sponsorship:programs", "get", lambda o: "/programs/", 302, roles(SV)),
    ("sponsorship:program", "get", lambda o: f"/programs/{o['program_in'].pk}/", 302, roles(SV)),
    ("sponsorship:program", "get", lambda o: f"/programs/{o['program_out'].pk}/", 302, NATIONAL_ONLY),
    ("sponsorship:billing", "get", lambda o: "/programs/billing/", 302, roles(SV)),
    ("sponsorship:bill_step", "post", lambda o: f"/programs/bills/{o['bill_in'].pk}/", 302, roles(PAY, ok=302)),
    ("sponsorship:bill_step", "post", lambda o: f"/programs/bills/{o['bill_out'].pk}/", 302, roles(set(), ok=302)),
    ("sponsorship:payments", "get", lambda o: "/programs/payments/", 302, roles(PAY)),
    ("sponsorship:claims", "get", lambda o: "/programs/claims/", 302, roles(VIEW)),
    ("sponsorship:monev", "get", lambda o: "/programs/monev/", 302, roles(SV)),
    ("sponsorship:plan", "get", lambda o: "/programs/plan/", 302, roles(SV)),
    ("analytics:scorecard", "get", lambda o: "/indicators/", 302, ALL),
    ("analytics:scorecard", "get", lambda o: f"/indicators/?region={OUTSIDE}", 302, scoped_region(403)),
    ("analytics:export", "get", lambda o: "/indicators/export.csv", 302, ALL),
    ("analytics:export", "get", lambda o: f"/indicators/export.xlsx?region={OUTSIDE}", 302, scoped_region(403)),
    ("analytics:region", "get", lambda o: f"/indicators/region/{INSIDE}/", 302, ALL),
    ("analytics:region", "get", lambda o: f"/indicators/region/{OUTSIDE}/", 302, scoped_region(403)),
    ("analytics:boundaries", "get", lambda o: "/indicators/boundaries/", 302, only(200)),
    ("public:dashboard", "get", lambda o: "/publik/", 200, ALL),
    ("GET /api/v1/sponsors", "get", lambda o: "/api/v1/sponsors", 401, roles(SV)),
    ("POST /api/v1/sponsors", "post", lambda o: "/api/v1/sponsors", 401, roles(MANAGE, ok=201)),
    ("GET /api/v1/programs", "get", lambda o: "/api/v1/programs", 401, roles(SV)),
    ("POST /api/v1/programs", "post", lambda o: "/api/v1/programs", 401, roles(MANAGE, ok=201)),
    ("GET /api/v1/programs/{program_id}", "get", lambda o: f"/api/v1/programs/{o['program_in'].pk}", 401, roles(SV)),
    (
        "GET /api/v1/programs/{program_id}",
        "get",
        lambda o: f"/api/v1/programs/{o['program_out'].pk}",
        401,
        NATIONAL_ONLY,
    ),
    (
        "PATCH /api/v1/programs/{program_id}",
        "patch",
        lambda o: f"/api/v1/programs/{o['program_in'].pk}",
        401,
        roles(MANAGE),
    ),
    (
        "PATCH /api/v1/programs/{program_id}",
        "patch",
        lambda o: f"/api/v1/programs/{o['program_out'].pk}",
        401,
        roles(set()),
    ),
    (
        "POST /api/v1/programs/{program_id}/status",
        "post",
        lambda o: f"/api/v1/programs/{o['program_in'].pk}/status",
        401,
        roles(MANAGE),
    ),
    (
        "POST /api/v1/programs/{program_id}/renew",
        "post",
        lambda o: f"/api/v1/programs/{o['program_in'].pk}/renew",
        401,
        roles(MANAGE, ok=201),
    ),
    (
        "POST /api/v1/programs/{program_id}/enrollments",
        "post",
        lambda o: f"/api/v1/programs/{o['program_in'].pk}/enrollments",
        401,
        roles(MANAGE),
    ),
    (
        "POST /api/v1/programs/{program_id}/enrollments",
        "post",
        lambda o: f"/api/v1/programs/{o['program_out'].pk}/enrollments",
        401,
        roles(set()),
    ),
    (
        "POST /api/v1/enrollments/{enrollment_id}/end",
        "post",
        lambda o: f"/api/v1/enrollments/{o['enrollment_in'].pk}/end",
        401,
        {**roles(MANAGE), **dict.fromkeys(SV - MANAGE, 403), "jury": 403},
    ),
    ("POST /api/v1/billing/runs", "post", lambda o: "/api/v1/billing/runs", 401, roles(MANAGE)),
    ("GET /api/v1/bills", "get", lambda o: "/api/v1/bills", 401, roles(SV)),
    (
        "POST /api/v1/bills/{bill_id}/submit",
        "post",
        lambda o: f"/api/v1/bills/{o['bill_in'].pk}/submit",
        401,
        roles(PAY, ok=409),
    ),
    (
        "POST /api/v1/bills/{bill_id}/reconcile",
        "post",
        lambda o: f"/api/v1/bills/{o['bill_in'].pk}/reconcile",
        401,
        roles(BPJS, ok=409),
    ),
    (
        "POST /api/v1/bills/{bill_id}/reconcile",
        "post",
        lambda o: f"/api/v1/bills/{o['bill_out'].pk}/reconcile",
        401,
        {**roles(set()), "admin (national)": 409},
    ),
    ("GET /api/v1/payments", "get", lambda o: "/api/v1/payments", 401, roles(PAY)),
    ("POST /api/v1/payments", "post", lambda o: "/api/v1/payments", 401, roles(PAY, ok=201)),
    ("POST /api/v1/payments/import", "post", lambda o: "/api/v1/payments/import", 401, roles(PAY)),
    (
        "GET /api/v1/workers/{worker_id}/coverage",
        "get",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/coverage",
        401,
        roles(VIEW),
    ),
    (
        "GET /api/v1/workers/{worker_id}/coverage",
        "get",
        lambda o: f"/api/v1/workers/{o['worker_out'].pk}/coverage",
        401,
        {**roles(set()), "admin (national)": 200},
    ),
    ("GET /api/v1/claims", "get", lambda o: "/api/v1/claims", 401, roles(VIEW)),
    ("POST /api/v1/claims", "post", lambda o: "/api/v1/claims", 401, roles(BPJS, ok=201)),
    ("POST /api/v1/claims/import", "post", lambda o: "/api/v1/claims/import", 401, roles(BPJS)),
    ("GET /api/v1/monev", "get", lambda o: "/api/v1/monev", 401, roles(SV)),
    ("POST /api/v1/plan", "post", lambda o: "/api/v1/plan", 401, roles(SV)),
    # Coverage indicators: aggregates for every role in its scope; the reference data for its managers.
    ("GET /api/v1/indicators/values", "get", lambda o: "/api/v1/indicators/values?period=2024-12", 401, ALL),
    (
        "GET /api/v1/indicators/values",
        "get",
        lambda o: f"/api/v1/indicators/values?period=2024-12&region={OUTSIDE}",
        401,
        scoped_region(403),
    ),
    ("GET /api/v1/public/indicators", "get", lambda o: "/api/v1/public/indicators?period=2024-12", 200, ALL),
    (
        "GET /api/v1/indicators/series",
        "get",
        lambda o: "/api/v1/indicators/series?indicator=coverage_workforce&last=2024-12&periods=2",
        401,
        ALL,
    ),
    (
        "GET /api/v1/indicators/series",
        "get",
        lambda o: f"/api/v1/indicators/series?indicator=coverage_workforce&last=2024-12&region={OUTSIDE}",
        401,
        scoped_region(403),
    ),
    ("GET /api/v1/indicators/definitions", "get", lambda o: "/api/v1/indicators/definitions", 401, ALL),
    ("POST /api/v1/indicators/definitions", "post", lambda o: "/api/v1/indicators/definitions", 401, only(201)),
    (
        "DELETE /api/v1/indicators/definitions/{key}",
        "delete",
        lambda o: "/api/v1/indicators/definitions/nothing_here",
        401,
        only(404),
    ),
    ("GET /api/v1/indicators/targets", "get", lambda o: "/api/v1/indicators/targets", 401, ALL),
    ("PUT /api/v1/indicators/targets", "put", lambda o: "/api/v1/indicators/targets", 401, roles(IND)),
    (
        "DELETE /api/v1/indicators/targets/{target_id}",
        "delete",
        lambda o: f"/api/v1/indicators/targets/{o['target_in'].pk}",
        401,
        roles(IND, ok=204),
    ),
    (
        "DELETE /api/v1/indicators/targets/{target_id}",
        "delete",
        lambda o: f"/api/v1/indicators/targets/{o['target_out'].pk}",
        401,
        {**roles(set()), "admin (national)": 204},
    ),
    ("GET /api/v1/indicators/workforce", "get", lambda o: "/api/v1/indicators/workforce", 401, ALL),
    (
        "POST /api/v1/indicators/workforce/import",
        "post",
        lambda o: "/api/v1/indicators/workforce/import",
        401,
        roles(IND),
    ),
    ("GET /api/v1/indicators/facts", "get", lambda o: "/api/v1/indicators/facts", 401, only(200)),
    ("POST /api/v1/indicators/facts/refresh", "post", lambda o: "/api/v1/indicators/facts/refresh", 401, only(200)),
    ("api:openapi-json", "get", lambda o: "/api/v1/openapi.json", 200, ALL),
    ("api:openapi-view", "get", lambda o: "/api/v1/docs", 200, ALL),
    ("GET /api/v1/me", "get", lambda o: "/api/v1/me", 401, ALL),
    ("GET /api/v1/audit", "get", lambda o: "/api/v1/audit", 401, {**only(200), Role.SYSTEM_ADMIN.value: 200}),
    ("GET /api/v1/regions", "get", lambda o: "/api/v1/regions?parent=36", 401, ALL),
    ("GET /api/v1/regions/groups", "get", lambda o: "/api/v1/regions/groups", 401, ALL),
    ("PUT /api/v1/regions/groups", "put", lambda o: "/api/v1/regions/groups", 401, only(200)),
    ("GET /api/v1/regions/{code}", "get", lambda o: f"/api/v1/regions/{INSIDE}", 401, ALL),
    ("GET /api/v1/regions/{code}", "get", lambda o: f"/api/v1/regions/{OUTSIDE}", 401, scoped_region(403)),
    ("GET /api/v1/regions/{code}/children", "get", lambda o: f"/api/v1/regions/{INSIDE}/children", 401, ALL),
    (
        "GET /api/v1/regions/{code}/children",
        "get",
        lambda o: f"/api/v1/regions/{OUTSIDE}/children",
        401,
        scoped_region(403),
    ),
]

_PLACEHOLDERS = {
    k: type("Obj", (), {"pk": 1})()
    for k in (
        "group",
        "subject",
        "role",
        "worker_in",
        "worker_out",
        "job",
        "program_in",
        "program_out",
        "bill_in",
        "bill_out",
        "enrollment_in",
        "target_in",
        "target_out",
    )
}


def _registry_objects(folder: Path) -> dict[str, Any]:
    """A worker inside Kabupaten Tangerang, one in Kota Cilegon, and an import (with report) by the national admin."""
    inside = Worker.objects.create(
        nik="3603014507900001", name="Siti", birth_date=date(1990, 7, 5), sex="P", desa_code="36.03.01.2003"
    )
    outside = Worker.objects.create(
        nik="3672014507900001", name="Ani", birth_date=date(1990, 7, 5), sex="P", desa_code="36.72.01.1001"
    )
    report = folder / "report.xlsx"
    report.write_bytes(b"PK")
    uploader = make_user("matrix.uploader", Role.SYSTEM_ADMIN)
    job = ImportJob.objects.create(
        created_by=uploader, filename="x.csv", stored_path=str(folder / "x.csv"), status="done", report_path=str(report)
    )
    from paritrana.analytics.models import Target

    targets = {
        key: Target.objects.create(indicator="coverage_workforce", year=2024, region_code=code, value=30, source="x")
        for key, code in (("target_in", "36.03"), ("target_out", "36.72"))
    }
    return {"worker_in": inside, "worker_out": outside, "job": job, **targets, **_sponsorship_objects()}


def _sponsorship_objects() -> dict[str, Any]:
    """An active program of Kabupaten Tangerang and one of Kota Cilegon, each with a pending bill."""
    inside, outside = make_program("36.03"), make_program("36.72")
    bills = {
        key: Bill.objects.create(
            program=program,
            number=f"TAG-{key}",
            month=date(2024, 3, 1),
            due_date=date(2024, 4, 15),
            workers=1,
            amount=16_800,
        )
        for key, program in (("bill_in", inside), ("bill_out", outside))
    }
    from paritrana.core.permissions import SYSTEM
    from paritrana.sponsorship.actions import do_enroll

    worker = Worker.objects.create(
        nik="3603015507900009", name="Rina", birth_date=date(1990, 7, 15), sex="P", desa_code="36.03.01.2003"
    )
    do_enroll(actor=SYSTEM, program=inside, workers=[worker])
    return {"program_in": inside, "program_out": outside, "enrollment_in": inside.enrollments.get(), **bills}


BODIES = {
    "PUT /api/v1/regions/groups": {"kind": "branch_area", "name": "KC Uji", "region_codes": ["36.03"]},
    "set_language": {"language": "en", "next": "/"},
    "POST /api/v1/quote": {"segment": "bpu", "date": "2024-01-01", "programs": "jkk,jkm", "income": 1000000},
    "POST /api/v1/benefits/{kind}": {"date": "2024-01-01"},
    "POST /api/v1/sponsors": {"name": "Pemkab", "kind": "apbd_kabkota", "region_code": "36.03"},
    "POST /api/v1/programs": lambda o: {
        "sponsor_id": o["program_in"].sponsor_id,
        "name": "P",
        "fiscal_year": 2025,
        "pagu": 1,
    },
    "PATCH /api/v1/programs/{program_id}": {"target_workers": 10},
    "POST /api/v1/programs/{program_id}/status": {"to": "closed"},
    "POST /api/v1/programs/{program_id}/renew": {"pagu": 1000},
    "POST /api/v1/programs/{program_id}/enrollments": lambda o: {"worker_ids": [o["worker_in"].pk]},
    "POST /api/v1/billing/runs": {"month": "2024-03-01"},
    "POST /api/v1/enrollments/{enrollment_id}/end": {"last_month": "2024-06-01"},
    "POST /api/v1/payments": {"bill_number": "TAG-X", "reference": "R-1", "paid_on": "2024-04-01", "amount": 100},
    "POST /api/v1/claims": lambda o: {
        "worker_id": o["worker_in"].pk,
        "kind": "jkm",
        "event_date": "2024-03-01",
        "amount_paid": 1,
    },
    "POST /api/v1/plan": {"budget": 201600, "date": "2024-01-01"},
    "POST /api/v1/indicators/definitions": {
        "text": "{id: matrix_ind, name: {id: a, en: b}, numerator: {source: participants}, "
        "denominator: {source: regions}}"
    },
    "PUT /api/v1/indicators/targets": {
        "indicator": "coverage_workforce",
        "year": 2025,
        "region_code": "36.03",
        "value": 40,
        "source": "RPJMD",
    },
}


def _caller_client(caller: str) -> Client:
    client = Client()
    if caller == "anonymous":
        return client
    if caller == "admin (national)":
        user = make_user("matrix.admin.national", Role.SYSTEM_ADMIN)
    else:
        user = make_user(f"matrix.{caller}", caller, "36.03")
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}:{r[2](_PLACEHOLDERS)}" for r in ROWS])
def test_access(row: Row, caller: str, tmp_path: Path) -> None:
    name, method, path_for, anonymous, expected = row
    group = do_save_region_group(kind="branch_area", name="KC Matrix", region_codes=["36.72"], actor=None)
    subject = make_user("matrix.subject", Role.VIEWER, "36.72")
    objects = {"group": group, "subject": subject, "role": subject.roles.get(), **_registry_objects(tmp_path)}
    client = _caller_client(caller)
    path = path_for(objects)
    body = BODIES.get(name)
    if callable(body):
        body = body(objects)
    if name == "POST /api/v1/payments/import":
        upload = SimpleUploadedFile("p.csv", b"Nomor Tagihan;Referensi;Tanggal;Jumlah\nTAG-bill_in;R9;2024-04-01;100\n")
        response = client.post(path, {"file": upload})
    elif name == "POST /api/v1/claims/import":
        upload = SimpleUploadedFile("k.csv", b"NIK;Jenis;Tanggal Kejadian;Jumlah\n3603014507900001;jkm;2024-03-01;1\n")
        response = client.post(path, {"file": upload})
    elif name == "POST /api/v1/indicators/workforce/import":
        upload = SimpleUploadedFile("w.csv", b"region_code,year,employed,formal,informal\n3603,2024,10,5,5\n")
        response = client.post(path, {"file": upload})
    elif name == "POST /api/v1/imports":
        upload = SimpleUploadedFile("x.csv", b"NIK;Nama;Kode Desa\n3603014507900001;Siti;3603012003\n")
        response = client.post(path, {"file": upload, "dry_run": "true"})
    elif method == "get":
        response = client.get(path)
    elif name.startswith(("GET", "PUT", "POST", "PATCH", "DELETE")):
        response = getattr(client, method)(path, data=body or {}, content_type="application/json")
    else:
        response = getattr(client, method)(path, data=body or {})
    want = anonymous if caller == "anonymous" else expected[caller]
    assert response.status_code == want, f"{caller} {method.upper()} {path}: {response.status_code}"
    if path.startswith("/api/") and want >= 400:
        assert set(response.json()) == {"code", "message", "details"}
    if want == 403 and path.startswith("/api/v1/regions/") and caller != "anonymous":
        assert OUTSIDE not in response.content.decode().replace(f'"{OUTSIDE}"', "")  # no data, only the refusal


@pytest.mark.django_db
def test_scoped_admin_sees_only_audit_events_of_its_region() -> None:
    make_user("other", Role.VIEWER, "36.72")  # audits role.assign in 36.72
    make_user("inside", Role.VIEWER, "36.03.01")
    client = _caller_client(Role.SYSTEM_ADMIN.value)
    regions = {e["region_code"] for e in client.get("/api/v1/audit?limit=1000").json()["items"]}
    assert regions and all(r == "36.03" or r.startswith("36.03.") for r in regions)
    assert AuditEvent.objects.filter(region_code="36.72").exists()


def _web_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if "api" in str(p.pattern):
                    continue  # the API is covered by its OpenAPI paths below
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return names


def test_matrix_covers_every_url() -> None:
    covered = {r[0] for r in ROWS}
    api_ops = {
        f"{method.upper()} /api/v1{path.removeprefix('/api/v1')}"
        for path, ops in api.get_openapi_schema()["paths"].items()
        for method in ops
    }
    missing = (_web_url_names() | api_ops) - covered
    assert not missing, f"add these to the access matrix: {sorted(missing)}"
