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
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from paritrana.accounts.choices import Role
from paritrana.api.main import api
from paritrana.core.models import AuditEvent, Job
from paritrana.regions.actions import do_save_region_group
from paritrana.registry.models import ImportJob, Worker
from paritrana.sponsorship.models import Bill
from tests.factories import make_program, make_user

User = get_user_model()
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
# The award. Every caller is scoped to 36.03, so none of them is the committee of the Banten round (36): only the
# national admin is. "answer" = the roles that answer a participant's self-assessment in 36.03 (award.submit);
# the jury caller sits on the panel of the open category, so it sees that category's participants, inside and
# outside its region, but cannot answer for them. Unpublished results are hidden (404) from all but the committee.
SUBMIT = {"system_admin", "regional_operator", "village_operator"}
PANEL = {"jury"}
HIDDEN = {c: (200 if c == "admin (national)" else 404) for c in CALLERS if c != "anonymous"}


def award(allowed: set[str], ok: int = 200, admin: int | None = None, refused: int = 403) -> dict[str, int]:
    """``roles(allowed)`` with the national admin (the committee) getting ``admin`` when it differs."""
    return {**roles(allowed, ok=ok, refused=refused), "admin (national)": ok if admin is None else admin}


# An import is seen by its uploader (the national admin here); other importers get 404, non-importers 403.
JOB = {**roles(IMPORT, refused=403), **dict.fromkeys(IMPORT, 404)}


def only(status_for_admin: int, others: int = 403) -> dict[str, int]:
    """National admin gets ``status_for_admin``; every scoped role gets ``others``."""
    return {c: (status_for_admin if c == "admin (national)" else others) for c in CALLERS if c != "anonymous"}


def scoped_region(outside_status: int) -> dict[str, int]:
    return {c: (200 if c == "admin (national)" else outside_status) for c in CALLERS if c != "anonymous"}


# Follow-up: sessions and follow-ups (view, manage); heirs (view, manage, refer to training).
FV = {"system_admin", "regional_operator", "village_operator", "bpjs_officer", "award_committee"}
FM = {"system_admin", "regional_operator", "bpjs_officer"}
HV = {"system_admin", "regional_operator", "bpjs_officer"}
HM = {"system_admin", "bpjs_officer"}
HR = {"system_admin", "regional_operator", "bpjs_officer"}

# (name for coverage, method, path builder, anonymous status, statuses by caller)
Row = tuple[str, str, Callable[[dict[str, Any]], str], int, dict[str, int]]
ROWS: list[Row] = [
    ("healthz", "get", lambda o: "/healthz", 200, ALL),
    ("rulebook", "get", lambda o: "/aturan/?start=2025-12-01&end=2026-06-01", 200, ALL),
    ("GET /api/v1/rules", "get", lambda o: "/api/v1/rules?on=2026-06-01", 200, ALL),
    ("GET /api/v1/rules/diff", "get", lambda o: "/api/v1/rules/diff?from=2025-12-01&to=2026-06-01", 200, ALL),
    ("metrics", "get", lambda o: "/metrics", 404, dict.fromkeys(ALL, 404)),  # off until a token is configured
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
    # A background job is seen by whoever queued it and by the holders of its kind's right over its region; to the
    # others it does not exist (404). A national job: only national holders.
    ("web:jobs", "get", lambda o: "/jobs/", 302, ALL),
    ("web:job", "get", lambda o: f"/jobs/{o['job_in'].pk}/", 302, {**roles(MANAGE, refused=404)}),
    ("web:job", "get", lambda o: f"/jobs/{o['job_national'].pk}/", 302, only(200, 404)),
    ("GET /api/v1/jobs", "get", lambda o: "/api/v1/jobs", 401, ALL),
    ("GET /api/v1/jobs/{job_id}", "get", lambda o: f"/api/v1/jobs/{o['job_in'].pk}", 401, roles(MANAGE, refused=404)),
    ("GET /api/v1/jobs/{job_id}", "get", lambda o: f"/api/v1/jobs/{o['job_national'].pk}", 401, only(200, 404)),
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
    ("accounts:password", "get", lambda o: "/users/me/password/", 302, ALL),
    ("accounts:password_reset", "post", lambda o: f"/users/{o['subject'].pk}/password/", 302, only(200)),
    ("web:favicon", "get", lambda o: "/favicon.ico", 301, dict.fromkeys(ALL, 301)),
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
    # Issue 19 §1: a worker's changes (a death: the importers and the BPJS officer, who learns of deaths from claims),
    # the document kept with a change, the death list, and the overpayment lines of monev (they name workers).
    ("registry:worker_change", "post", lambda o: f"/workers/{o['worker_in'].pk}/change/", 302, roles(VIEW, ok=302)),
    ("registry:worker_change", "post", lambda o: f"/workers/{o['worker_out'].pk}/change/", 302, only(302)),
    ("registry:evidence", "get", lambda o: f"/workers/changes/{o['event_in'].pk}/evidence/", 302, roles(VIEW)),
    ("registry:evidence", "get", lambda o: f"/workers/changes/{o['event_out'].pk}/evidence/", 302, only(200)),
    ("registry:deaths", "get", lambda o: "/workers/deaths/", 302, roles(IMPORT)),
    ("sponsorship:overpayments", "get", lambda o: "/programs/monev/overpayments.csv", 302, roles(VIEW)),
    ("registry:import", "get", lambda o: f"/workers/import/{o['job'].pk}/", 302, JOB),
    ("registry:import_report", "get", lambda o: f"/workers/import/{o['job'].pk}/report.xlsx", 302, JOB),
    ("GET /api/v1/workers", "get", lambda o: "/api/v1/workers", 401, roles(VIEW)),
    ("POST /api/v1/workers/search", "post", lambda o: "/api/v1/workers/search", 401, roles(VIEW)),
    ("GET /api/v1/workers/{worker_id}", "get", lambda o: f"/api/v1/workers/{o['worker_in'].pk}", 401, roles(VIEW)),
    (
        "GET /api/v1/workers/{worker_id}",
        "get",
        lambda o: f"/api/v1/workers/{o['worker_out'].pk}",
        401,
        {**roles(set()), "admin (national)": 200},
    ),
    ("POST /api/v1/imports", "post", lambda o: "/api/v1/imports", 401, roles(IMPORT, ok=202)),
    ("POST /api/v1/workers/deaths", "post", lambda o: "/api/v1/workers/deaths", 401, roles(VIEW)),
    (
        "POST /api/v1/workers/{worker_id}/death",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/death",
        401,
        roles(VIEW),
    ),
    (
        "POST /api/v1/workers/{worker_id}/death",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_out'].pk}/death",
        401,
        only(200),
    ),
    (
        "POST /api/v1/workers/{worker_id}/move",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/move",
        401,
        roles(IMPORT),
    ),
    (
        "POST /api/v1/workers/{worker_id}/correct",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/correct",
        401,
        roles(IMPORT),
    ),
    (
        "POST /api/v1/workers/{worker_id}/nik",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/nik",
        401,
        roles(IMPORT & NIK),
    ),
    (
        "POST /api/v1/workers/{worker_id}/merge",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/merge",
        401,
        roles(IMPORT),
    ),
    (
        "POST /api/v1/workers/{worker_id}/merge",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_out'].pk}/merge",
        401,
        only(200),
    ),
    (
        "POST /api/v1/workers/{worker_id}/status",
        "post",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/status",
        401,
        roles(IMPORT),
    ),
    (
        "GET /api/v1/workers/{worker_id}/history",
        "get",
        lambda o: f"/api/v1/workers/{o['worker_in'].pk}/history",
        401,
        roles(VIEW),
    ),
    (
        "GET /api/v1/workers/{worker_id}/history",
        "get",
        lambda o: f"/api/v1/workers/{o['worker_out'].pk}/history",
        401,
        only(200),
    ),
    ("GET /api/v1/imports/{job_id}", "get", lambda o: f"/api/v1/imports/{o['job'].pk}", 401, JOB),
    ("sponsorship:programs", "get", lambda o: "/programs/", 302, roles(SV)),
    ("sponsorship:program", "get", lambda o: f"/programs/{o['program_in'].pk}/", 302, roles(SV)),
    ("sponsorship:program", "get", lambda o: f"/programs/{o['program_out'].pk}/", 302, NATIONAL_ONLY),
    ("sponsorship:billing", "get", lambda o: "/programs/billing/", 302, roles(SV)),
    ("sponsorship:bill_step", "post", lambda o: f"/programs/bills/{o['bill_in'].pk}/", 302, roles(PAY, ok=302)),
    ("sponsorship:bill_step", "post", lambda o: f"/programs/bills/{o['bill_out'].pk}/", 302, roles(set(), ok=302)),
    ("sponsorship:payments", "get", lambda o: "/programs/payments/", 302, roles(PAY)),
    # Issue 19 §3: the bill page, exports in BPJS's collective-registration layout (they name workers: registry.view),
    # and the reconcile of the branch's participation list.
    ("sponsorship:bill", "get", lambda o: f"/programs/bills/{o['bill_in'].pk}/", 302, roles(SV)),
    ("sponsorship:bill", "get", lambda o: f"/programs/bills/{o['bill_out'].pk}/", 302, NATIONAL_ONLY),
    ("sponsorship:bill_export", "get", lambda o: f"/programs/bills/{o['bill_in'].pk}/export.xlsx", 302, roles(VIEW)),
    ("sponsorship:bill_export", "get", lambda o: f"/programs/bills/{o['bill_out'].pk}/export.csv", 302, NATIONAL_ONLY),
    ("sponsorship:program_export", "get", lambda o: f"/programs/{o['program_in'].pk}/export.csv", 302, roles(VIEW)),
    ("sponsorship:reconcile", "get", lambda o: "/programs/bpjs/", 302, roles(VIEW)),
    ("sponsorship:reconcile", "post", lambda o: "/programs/bpjs/", 302, roles(VIEW, ok=422)),  # no file given
    ("sponsorship:reconcile_run", "get", lambda o: f"/programs/bpjs/{o['run_in'].pk}/", 302, roles(VIEW)),
    ("sponsorship:reconcile_run", "get", lambda o: f"/programs/bpjs/{o['run_out'].pk}/", 302, NATIONAL_ONLY),
    ("sponsorship:reconcile_run", "post", lambda o: f"/programs/bpjs/{o['run_in'].pk}/", 302, roles(VIEW, ok=302)),
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
    ("analytics:refresh", "post", lambda o: "/indicators/refresh/", 302, only(302)),
    ("analytics:reference", "get", lambda o: "/indicators/reference/", 302, ALL),
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
    ("GET /api/v1/bills/{bill_id}", "get", lambda o: f"/api/v1/bills/{o['bill_in'].pk}", 401, roles(SV)),
    ("GET /api/v1/bills/{bill_id}", "get", lambda o: f"/api/v1/bills/{o['bill_out'].pk}", 401, NATIONAL_ONLY),
    ("GET /api/v1/bills/{bill_id}/lines", "get", lambda o: f"/api/v1/bills/{o['bill_in'].pk}/lines", 401, roles(VIEW)),
    (
        "GET /api/v1/bills/{bill_id}/export",
        "get",
        lambda o: f"/api/v1/bills/{o['bill_in'].pk}/export?format=csv",
        401,
        roles(VIEW),
    ),
    (
        "GET /api/v1/programs/{program_id}/export",
        "get",
        lambda o: f"/api/v1/programs/{o['program_in'].pk}/export",
        401,
        roles(VIEW),
    ),
    (
        "GET /api/v1/programs/{program_id}/export",
        "get",
        lambda o: f"/api/v1/programs/{o['program_out'].pk}/export",
        401,
        NATIONAL_ONLY,
    ),
    ("POST /api/v1/bpjs/reconcile", "post", lambda o: "/api/v1/bpjs/reconcile", 401, roles(VIEW)),
    ("GET /api/v1/bpjs/reconcile", "get", lambda o: "/api/v1/bpjs/reconcile", 401, roles(VIEW)),
    (
        "GET /api/v1/bpjs/reconcile/{run_id}",
        "get",
        lambda o: f"/api/v1/bpjs/reconcile/{o['run_in'].pk}",
        401,
        roles(VIEW),
    ),
    (
        "GET /api/v1/bpjs/reconcile/{run_id}",
        "get",
        lambda o: f"/api/v1/bpjs/reconcile/{o['run_out'].pk}",
        401,
        NATIONAL_ONLY,
    ),
    (
        "GET /api/v1/bpjs/reconcile/{run_id}/differences",
        "get",
        lambda o: f"/api/v1/bpjs/reconcile/{o['run_in'].pk}/differences",
        401,
        roles(VIEW),
    ),
    (
        "POST /api/v1/bpjs/differences/{difference_id}/resolve",
        "post",
        lambda o: f"/api/v1/bpjs/differences/{o['difference_in'].pk}/resolve",
        401,
        roles(VIEW),
    ),
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
    # What became of an old region code: reference data (the crosswalk), the same answer for every role.
    ("GET /api/v1/regions/resolve/{code}", "get", lambda o: "/api/v1/regions/resolve/36.02.16.2018", 401, ALL),
    ("GET /api/v1/regions/resolve/{code}", "get", lambda o: f"/api/v1/regions/resolve/{OUTSIDE}", 401, ALL),
    ("GET /api/v1/regions/{code}", "get", lambda o: f"/api/v1/regions/{OUTSIDE}", 401, scoped_region(403)),
    ("GET /api/v1/regions/{code}/children", "get", lambda o: f"/api/v1/regions/{INSIDE}/children", 401, ALL),
    (
        "GET /api/v1/regions/{code}/children",
        "get",
        lambda o: f"/api/v1/regions/{OUTSIDE}/children",
        401,
        scoped_region(403),
    ),
    # The award: committee pages and endpoints (the national admin), a region's self-assessment (its operators),
    # the panel (the jury caller), published results for everybody.
    ("award:editions", "get", lambda o: "/award/", 302, ALL),
    ("award:editions", "post", lambda o: "/award/", 302, award({"system_admin", "award_committee"}, ok=422)),
    ("award:mine", "get", lambda o: "/award/mine/", 302, roles(SUBMIT)),
    ("award:panels", "get", lambda o: "/award/panels/", 302, award(PANEL, admin=403)),
    # award zones: every role reads them; only the national committee (the national admin here) saves them
    ("award:zones", "get", lambda o: "/award/zones/", 302, ALL),
    ("award:zones", "post", lambda o: "/award/zones/", 302, award(set(), ok=302)),
    ("award:edition", "get", lambda o: f"/award/editions/{o['edition_in'].pk}/", 302, ALL),
    ("award:edition", "get", lambda o: f"/award/editions/{o['edition_out'].pk}/", 302, HIDDEN),
    ("award:edition", "post", lambda o: f"/award/editions/{o['edition_in'].pk}/", 302, award(set(), ok=302)),
    ("award:category", "get", lambda o: f"/award/categories/{o['category'].pk}/", 302, ALL),
    ("award:category", "get", lambda o: f"/award/categories/{o['category_out'].pk}/", 302, HIDDEN),
    ("award:category", "post", lambda o: f"/award/categories/{o['category'].pk}/", 302, award(set(), ok=302)),
    # the ranking as it stands (a read) is the committee's; the matrix category is not locked: shown as a refusal
    ("award:ranking", "get", lambda o: f"/award/categories/{o['category'].pk}/ranking/", 302, award(set())),
    ("award:ranking", "get", lambda o: f"/award/categories/{o['category_out'].pk}/ranking/", 302, HIDDEN),
    ("award:crosscheck", "get", lambda o: f"/award/categories/{o['published'].pk}/crosscheck/", 302, ALL),
    ("award:crosscheck", "get", lambda o: f"/award/categories/{o['category'].pk}/crosscheck/", 302, HIDDEN),
    ("award:export", "get", lambda o: f"/award/categories/{o['published'].pk}/export.csv?kind=results", 302, ALL),
    ("award:export", "get", lambda o: f"/award/categories/{o['category'].pk}/export.xlsx?kind=results", 302, HIDDEN),
    (
        "award:export",
        "get",
        lambda o: f"/award/categories/{o['category'].pk}/export.xlsx?kind=answers",
        302,
        NATIONAL_ONLY,
    ),
    ("award:framework", "get", lambda o: f"/award/categories/{o['category'].pk}/framework.yaml", 302, ALL),
    ("award:framework", "get", lambda o: f"/award/categories/{o['category_out'].pk}/framework.json", 302, HIDDEN),
    ("award:certificates", "get", lambda o: f"/award/categories/{o['published'].pk}/piagam.pdf", 302, ALL),
    (
        "award:certificates",
        "get",
        lambda o: f"/award/categories/{o['category'].pk}/piagam.pdf",
        302,
        {**HIDDEN, "admin (national)": 409},  # the committee sees it, but nothing is ranked yet
    ),
    ("award:participant", "get", lambda o: f"/award/participants/{o['part_in'].pk}/", 302, roles(SUBMIT | PANEL)),
    ("award:participant", "get", lambda o: f"/award/participants/{o['part_out'].pk}/", 302, roles(PANEL)),
    ("award:participant", "get", lambda o: f"/award/participants/{o['part_far'].pk}/", 302, roles(set())),
    # the committee's verification: a participant that has not submitted is refused on the page (422)
    ("award:participant", "post", lambda o: f"/award/participants/{o['part_in'].pk}/", 302, award(set(), ok=422)),
    (
        "award:participant_report",
        "get",
        lambda o: f"/award/participants/{o['published_in'].pk}/report.pdf",
        302,
        roles(SUBMIT),
    ),
    (
        "award:participant_report",
        "get",
        lambda o: f"/award/participants/{o['published_out'].pk}/report.pdf",
        302,
        roles(set()),
    ),
    (
        "award:assessment",
        "get",
        lambda o: f"/award/participants/{o['part_in'].pk}/assessment/",
        302,
        roles(SUBMIT | PANEL),
    ),
    ("award:assessment", "get", lambda o: f"/award/participants/{o['part_out'].pk}/assessment/", 302, roles(PANEL)),
    (
        "award:assessment",
        "post",
        lambda o: f"/award/participants/{o['part_in'].pk}/assessment/",
        302,
        roles(SUBMIT, ok=302),
    ),
    (
        "award:assessment",
        "post",
        lambda o: f"/award/participants/{o['part_out'].pk}/assessment/",
        302,
        award(set(), ok=302),
    ),
    ("award:score", "get", lambda o: f"/award/participants/{o['part_in'].pk}/score/", 302, award(PANEL, admin=403)),
    ("award:score", "get", lambda o: f"/award/participants/{o['part_out'].pk}/score/", 302, award(PANEL, admin=403)),
    # the jury may score, but the edition is still in the self-assessment stage: the page says so (422)
    (
        "award:score",
        "post",
        lambda o: f"/award/participants/{o['part_in'].pk}/score/",
        302,
        award(PANEL, ok=422, admin=403),
    ),
    ("award:evidence", "get", lambda o: f"/award/evidence/{o['evidence_in'].pk}/", 302, roles(SUBMIT | PANEL)),
    ("award:evidence", "get", lambda o: f"/award/evidence/{o['evidence_out'].pk}/", 302, roles(PANEL)),
    ("award:evidence", "get", lambda o: f"/award/evidence/{o['evidence_far'].pk}/", 302, roles(set())),
    ("penghargaan:results", "get", lambda o: "/penghargaan/", 200, ALL),
    ("penghargaan:participant", "get", lambda o: f"/penghargaan/peserta/{o['published_in'].pk}/", 200, ALL),
    (
        "penghargaan:participant",
        "get",
        lambda o: f"/penghargaan/peserta/{o['part_in'].pk}/",
        404,
        dict.fromkeys(ALL, 404),
    ),
    ("penghargaan:certificates", "get", lambda o: f"/penghargaan/kategori/{o['published'].pk}/piagam.pdf", 200, ALL),
    (
        "penghargaan:certificates",
        "get",
        lambda o: f"/penghargaan/kategori/{o['category'].pk}/piagam.pdf",
        404,
        dict.fromkeys(ALL, 404),
    ),
    ("penghargaan:results_xlsx", "get", lambda o: f"/penghargaan/kategori/{o['published'].pk}/hasil.xlsx", 200, ALL),
    (
        "penghargaan:results_xlsx",
        "get",
        lambda o: f"/penghargaan/kategori/{o['category'].pk}/hasil.xlsx",
        404,
        dict.fromkeys(ALL, 404),
    ),
    ("GET /api/v1/award/editions", "get", lambda o: "/api/v1/award/editions", 401, ALL),
    ("POST /api/v1/award/editions", "post", lambda o: "/api/v1/award/editions", 401, award(set(), ok=201)),
    (
        "POST /api/v1/award/editions/{edition_id}/status",
        "post",
        lambda o: f"/api/v1/award/editions/{o['edition_in'].pk}/status",
        401,
        award(set()),
    ),
    (
        "POST /api/v1/award/editions/{edition_id}/status",
        "post",
        lambda o: f"/api/v1/award/editions/{o['edition_out'].pk}/status",
        401,
        award(set(), refused=404),
    ),
    (
        "PUT /api/v1/award/editions/{edition_id}/scoring-deadline",
        "put",
        lambda o: f"/api/v1/award/editions/{o['edition_in'].pk}/scoring-deadline",
        401,
        award(set()),
    ),
    (
        "PUT /api/v1/award/editions/{edition_id}/scoring-deadline",
        "put",
        lambda o: f"/api/v1/award/editions/{o['edition_out'].pk}/scoring-deadline",
        401,
        award(set(), refused=404),
    ),
    (
        "PUT /api/v1/award/editions/{edition_id}/categories",
        "put",
        lambda o: f"/api/v1/award/editions/{o['edition_in'].pk}/categories",
        401,
        award(set()),
    ),
    (
        "PUT /api/v1/award/editions/{edition_id}/categories",
        "put",
        lambda o: f"/api/v1/award/editions/{o['edition_out'].pk}/categories",
        401,
        award(set(), refused=404),
    ),
    (
        "GET /api/v1/award/categories/{category_id}",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}",
        401,
        ALL,
    ),
    (
        "GET /api/v1/award/categories/{category_id}",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category_out'].pk}",
        401,
        HIDDEN,
    ),
    (
        "POST /api/v1/award/categories/{category_id}/invite",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/invite",
        401,
        award(set()),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/invite",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category_out'].pk}/invite",
        401,
        award(set(), refused=404),
    ),
    (
        "GET /api/v1/award/categories/{category_id}/participants",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/participants",
        401,
        ALL,
    ),
    (
        "GET /api/v1/award/categories/{category_id}/participants",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category_out'].pk}/participants",
        401,
        HIDDEN,
    ),
    (
        "GET /api/v1/award/participants/{participant_id}",
        "get",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}",
        401,
        roles(SUBMIT | PANEL),
    ),
    (
        "GET /api/v1/award/participants/{participant_id}",
        "get",
        lambda o: f"/api/v1/award/participants/{o['part_out'].pk}",
        401,
        roles(PANEL),
    ),
    (
        "GET /api/v1/award/participants/{participant_id}",
        "get",
        lambda o: f"/api/v1/award/participants/{o['part_far'].pk}",
        401,
        roles(set()),
    ),
    (
        "PUT /api/v1/award/participants/{participant_id}/answers",
        "put",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}/answers",
        401,
        roles(SUBMIT),
    ),
    (
        "PUT /api/v1/award/participants/{participant_id}/answers",
        "put",
        lambda o: f"/api/v1/award/participants/{o['part_out'].pk}/answers",
        401,
        roles(set()),
    ),
    (
        "POST /api/v1/award/participants/{participant_id}/evidence",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}/evidence",
        401,
        roles(SUBMIT),
    ),
    (
        "POST /api/v1/award/participants/{participant_id}/evidence",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_far'].pk}/evidence",
        401,
        roles(set()),
    ),
    (
        "GET /api/v1/award/evidence/{evidence_id}",
        "get",
        lambda o: f"/api/v1/award/evidence/{o['evidence_in'].pk}",
        401,
        roles(SUBMIT | PANEL),
    ),
    (
        "GET /api/v1/award/evidence/{evidence_id}",
        "get",
        lambda o: f"/api/v1/award/evidence/{o['evidence_out'].pk}",
        401,
        roles(PANEL),
    ),
    (
        "GET /api/v1/award/evidence/{evidence_id}",
        "get",
        lambda o: f"/api/v1/award/evidence/{o['evidence_far'].pk}",
        401,
        roles(set()),
    ),
    # nothing answered yet: the operators may submit, and are told what is missing (422)
    (
        "POST /api/v1/award/participants/{participant_id}/submit",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}/submit",
        401,
        roles(SUBMIT, ok=422),
    ),
    (
        "POST /api/v1/award/participants/{participant_id}/submit",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_out'].pk}/submit",
        401,
        award(set(), ok=422),
    ),
    (
        "POST /api/v1/award/participants/{participant_id}/verify",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}/verify",
        401,
        award(set(), ok=409),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/indicators",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/indicators",
        401,
        award(set()),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/panel",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/panel",
        401,
        award(set()),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/panel",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category_out'].pk}/panel",
        401,
        award(set(), refused=404),
    ),
    (
        "POST /api/v1/award/participants/{participant_id}/conflict",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}/conflict",
        401,
        award(PANEL, admin=403),
    ),
    (
        "POST /api/v1/award/participants/{participant_id}/conflict",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_far'].pk}/conflict",
        401,
        award(set(), admin=403),
    ),
    # a conflict is withdrawn by its judge or the committee, with a reason; hidden (404) from everyone else
    (
        "POST /api/v1/award/conflicts/{conflict_id}/withdraw",
        "post",
        lambda o: f"/api/v1/award/conflicts/{o['conflict'].pk}/withdraw",
        401,
        award(PANEL, refused=404),
    ),
    # the judge may score, but not before the jury stage (409)
    (
        "PUT /api/v1/award/participants/{participant_id}/scores",
        "put",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}/scores",
        401,
        award(PANEL, ok=409, admin=403),
    ),
    (
        "GET /api/v1/award/categories/{category_id}/scores",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/scores",
        401,
        ALL,
    ),
    (
        "GET /api/v1/award/categories/{category_id}/scores",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category_out'].pk}/scores",
        401,
        HIDDEN,
    ),
    (
        "POST /api/v1/award/categories/{category_id}/lock",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/lock",
        401,
        award(set()),
    ),
    # the check lists of a stage and of lock/approve/publish, and the missing values: the committee's
    (
        "GET /api/v1/award/editions/{edition_id}/checks",
        "get",
        lambda o: f"/api/v1/award/editions/{o['edition_in'].pk}/checks?to=verification",
        401,
        award(set()),
    ),
    (
        "GET /api/v1/award/categories/{category_id}/checks",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/checks?step=lock",
        401,
        award(set()),
    ),
    (
        "GET /api/v1/award/categories/{category_id}/missing",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/missing",
        401,
        award(set()),
    ),
    # a missing value of a participant that is not verified: refused (409) for the committee
    (
        "POST /api/v1/award/participants/{participant_id}/missing",
        "post",
        lambda o: f"/api/v1/award/participants/{o['part_in'].pk}/missing",
        401,
        award(set(), ok=409),
    ),
    # the panel is not locked yet: the ranking (a read) and saving it are refused (409); so are approval (not
    # saved) and publication
    (
        "GET /api/v1/award/categories/{category_id}/ranking",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/ranking",
        401,
        award(set(), ok=409),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/results",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/results",
        401,
        award(set(), ok=409),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/results",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category_out'].pk}/results",
        401,
        award(set(), ok=409, refused=404),
    ),
    # award zones: read by every role, saved and removed by the national committee (no zone "zona-matrix": 404)
    ("GET /api/v1/award/zones", "get", lambda o: "/api/v1/award/zones", 401, ALL),
    ("PUT /api/v1/award/zones", "put", lambda o: "/api/v1/award/zones", 401, NATIONAL_ONLY),
    ("DELETE /api/v1/award/zones/{slug}", "delete", lambda o: "/api/v1/award/zones/zona-matrix", 401, only(404)),
    (
        "POST /api/v1/award/categories/{category_id}/approve",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/approve",
        401,
        award(set(), ok=409),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/publish",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/publish",
        401,
        award(set(), ok=409),
    ),
    (
        "POST /api/v1/award/categories/{category_id}/publish",
        "post",
        lambda o: f"/api/v1/award/categories/{o['published'].pk}/publish",
        401,
        award(set()),
    ),
    (
        "GET /api/v1/award/categories/{category_id}/results",
        "get",
        lambda o: f"/api/v1/award/categories/{o['published'].pk}/results",
        401,
        ALL,
    ),
    (
        "GET /api/v1/award/categories/{category_id}/results",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/results",
        401,
        HIDDEN,
    ),
    (
        "GET /api/v1/award/categories/{category_id}/sensitivity",
        "get",
        lambda o: f"/api/v1/award/categories/{o['published'].pk}/sensitivity?samples=200",
        401,
        ALL,
    ),
    (
        "GET /api/v1/award/categories/{category_id}/sensitivity",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/sensitivity?samples=200",
        401,
        HIDDEN,
    ),
    (
        "GET /api/v1/award/categories/{category_id}/export",
        "get",
        lambda o: f"/api/v1/award/categories/{o['published'].pk}/export?kind=results",
        401,
        ALL,
    ),
    (
        "GET /api/v1/award/categories/{category_id}/export",
        "get",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/export?kind=answers",
        401,
        NATIONAL_ONLY,
    ),
    # the committee's import is read and refused row by row (perda is not an indicator criterion)
    (
        "POST /api/v1/award/categories/{category_id}/import",
        "post",
        lambda o: f"/api/v1/award/categories/{o['category'].pk}/import",
        401,
        award(set(), ok=422),
    ),
    ("GET /api/v1/public/award/{year}", "get", lambda o: "/api/v1/public/award/2023?region=36", 200, ALL),
    # Follow-up (issue 9): sessions and follow-ups for the roles that work a region or run the award (followup.view),
    # written by the BPJS branch and the regional operator (followup.manage); heirs for the roles that act on them
    # (heirs.view), written by BPJS (heirs.manage), training referrals also by the regional operator (heirs.refer).
    ("followup:sessions", "get", lambda o: "/followup/", 302, roles(FV)),
    ("followup:sessions", "post", lambda o: "/followup/", 302, roles(FM, ok=302)),
    ("followup:session", "get", lambda o: f"/followup/{o['session_in'].pk}/", 302, roles(FV)),
    ("followup:session", "get", lambda o: f"/followup/{o['session_out'].pk}/", 302, NATIONAL_ONLY),
    ("followup:session", "post", lambda o: f"/followup/{o['session_in'].pk}/", 302, roles(FM, ok=302)),
    ("followup:minutes", "get", lambda o: f"/followup/{o['session_in'].pk}/minutes.xlsx", 302, roles(FV)),
    ("followup:minutes", "get", lambda o: f"/followup/{o['session_out'].pk}/minutes.xlsx", 302, NATIONAL_ONLY),
    (
        "followup:finding_status",
        "post",
        lambda o: f"/followup/findings/{o['finding_in'].pk}/status/",
        302,
        roles(FM, ok=302),
    ),
    (
        "followup:finding_status",
        "post",
        lambda o: f"/followup/findings/{o['finding_out'].pk}/status/",
        302,
        roles(set(), ok=302),
    ),
    ("followup:followups", "get", lambda o: "/followup/followups/", 302, roles(FV)),
    ("followup:followups", "get", lambda o: "/followup/followups/?format=xlsx", 302, roles(FV)),
    ("followup:claims", "get", lambda o: "/followup/claims/", 302, roles(HV)),
    ("followup:claim", "get", lambda o: f"/followup/claims/{o['claim_in'].pk}/", 302, roles(HV)),
    ("followup:claim", "get", lambda o: f"/followup/claims/{o['claim_out'].pk}/", 302, NATIONAL_ONLY),
    ("followup:claim", "post", lambda o: f"/followup/claims/{o['claim_in'].pk}/", 302, roles(HM, ok=302)),
    ("followup:claim_new", "get", lambda o: "/followup/claims/new/", 302, roles(BPJS)),
    ("followup:claim_new", "post", lambda o: "/followup/claims/new/", 302, roles(BPJS, ok=302)),
    ("followup:claim_workers", "post", lambda o: "/followup/claims/new/workers/", 302, roles(BPJS)),
    ("POST /api/v1/claims/with-heirs", "post", lambda o: "/api/v1/claims/with-heirs", 401, roles(BPJS, ok=201)),
    ("followup:referrals", "get", lambda o: "/followup/referrals/", 302, roles(HV)),
    ("followup:referrals", "post", lambda o: "/followup/referrals/", 302, roles(HR, ok=302)),
    ("GET /api/v1/sessions", "get", lambda o: "/api/v1/sessions", 401, roles(FV)),
    ("POST /api/v1/sessions", "post", lambda o: "/api/v1/sessions", 401, roles(FM, ok=201)),
    ("GET /api/v1/sessions/{session_id}", "get", lambda o: f"/api/v1/sessions/{o['session_in'].pk}", 401, roles(FV)),
    (
        "GET /api/v1/sessions/{session_id}",
        "get",
        lambda o: f"/api/v1/sessions/{o['session_out'].pk}",
        401,
        NATIONAL_ONLY,
    ),
    (
        "GET /api/v1/sessions/{session_id}/minutes",
        "get",
        lambda o: f"/api/v1/sessions/{o['session_in'].pk}/minutes",
        401,
        roles(FV),
    ),
    (
        "POST /api/v1/sessions/{session_id}/findings",
        "post",
        lambda o: f"/api/v1/sessions/{o['session_in'].pk}/findings",
        401,
        roles(FM, ok=201),
    ),
    (
        "POST /api/v1/sessions/{session_id}/findings",
        "post",
        lambda o: f"/api/v1/sessions/{o['session_out'].pk}/findings",
        401,
        roles(set(), ok=201),
    ),
    ("GET /api/v1/findings", "get", lambda o: "/api/v1/findings", 401, roles(FV)),
    ("GET /api/v1/findings/open.xlsx", "get", lambda o: "/api/v1/findings/open.xlsx", 401, roles(FV)),
    ("GET /api/v1/findings/{finding_id}", "get", lambda o: f"/api/v1/findings/{o['finding_in'].pk}", 401, roles(FV)),
    (
        "GET /api/v1/findings/{finding_id}",
        "get",
        lambda o: f"/api/v1/findings/{o['finding_out'].pk}",
        401,
        NATIONAL_ONLY,
    ),
    (
        "PATCH /api/v1/findings/{finding_id}",
        "patch",
        lambda o: f"/api/v1/findings/{o['finding_in'].pk}",
        401,
        roles(FM),
    ),
    (
        "POST /api/v1/findings/{finding_id}/status",
        "post",
        lambda o: f"/api/v1/findings/{o['finding_in'].pk}/status",
        401,
        roles(FM),
    ),
    (
        "POST /api/v1/findings/{finding_id}/status",
        "post",
        lambda o: f"/api/v1/findings/{o['finding_out'].pk}/status",
        401,
        roles(set()),
    ),
    (
        "GET /api/v1/claims/{claim_id}/heirs",
        "get",
        lambda o: f"/api/v1/claims/{o['claim_in'].pk}/heirs",
        401,
        roles(HV),
    ),
    (
        "GET /api/v1/claims/{claim_id}/heirs",
        "get",
        lambda o: f"/api/v1/claims/{o['claim_out'].pk}/heirs",
        401,
        NATIONAL_ONLY,
    ),
    (
        "POST /api/v1/claims/{claim_id}/heirs",
        "post",
        lambda o: f"/api/v1/claims/{o['claim_in'].pk}/heirs",
        401,
        roles(HM, ok=201),
    ),
    (
        "POST /api/v1/claims/{claim_id}/heirs",
        "post",
        lambda o: f"/api/v1/claims/{o['claim_out'].pk}/heirs",
        401,
        roles(set(), ok=201),
    ),
    (
        "POST /api/v1/claims/{claim_id}/heirs/{heir_id}/scholarship",
        "post",
        lambda o: f"/api/v1/claims/{o['claim_in'].pk}/heirs/{o['heir_child'].pk}/scholarship",
        401,
        roles(HM, ok=201),
    ),
    (
        "GET /api/v1/claims/{claim_id}/scholarships",
        "get",
        lambda o: f"/api/v1/claims/{o['claim_in'].pk}/scholarships",
        401,
        roles(HV),
    ),
    ("GET /api/v1/scholarships", "get", lambda o: "/api/v1/scholarships?flagged=true", 401, roles(HV)),
    (
        "GET /api/v1/scholarships/{child_id}",
        "get",
        lambda o: f"/api/v1/scholarships/{o['child_in'].pk}",
        401,
        roles(HV),
    ),
    (
        "GET /api/v1/scholarships/{child_id}",
        "get",
        lambda o: f"/api/v1/scholarships/{o['child_out'].pk}",
        401,
        NATIONAL_ONLY,
    ),
    (
        "PATCH /api/v1/scholarships/{child_id}",
        "patch",
        lambda o: f"/api/v1/scholarships/{o['child_in'].pk}",
        401,
        roles(HM),
    ),
    (
        "POST /api/v1/scholarships/{child_id}/disbursements",
        "post",
        lambda o: f"/api/v1/scholarships/{o['child_in'].pk}/disbursements",
        401,
        roles(HM, ok=201),
    ),
    (
        "POST /api/v1/scholarships/{child_id}/disbursements",
        "post",
        lambda o: f"/api/v1/scholarships/{o['child_out'].pk}/disbursements",
        401,
        roles(set(), ok=201),
    ),
    ("GET /api/v1/referrals", "get", lambda o: "/api/v1/referrals", 401, roles(HV)),
    ("POST /api/v1/referrals", "post", lambda o: "/api/v1/referrals", 401, roles(HR, ok=201)),
    (
        "PATCH /api/v1/referrals/{referral_id}",
        "patch",
        lambda o: f"/api/v1/referrals/{o['referral_in'].pk}",
        401,
        roles(HR),
    ),
    ("GET /api/v1/followup/indicators", "get", lambda o: "/api/v1/followup/indicators?year=2025", 401, roles(FV)),
]

_PLACEHOLDERS = {
    k: type("Obj", (), {"pk": 1})()
    for k in (
        "group",
        "subject",
        "role",
        "worker_in",
        "worker_out",
        "event_in",
        "event_out",
        "job",
        "job_in",
        "job_national",
        "program_in",
        "program_out",
        "bill_in",
        "bill_out",
        "enrollment_in",
        "target_in",
        "target_out",
        "edition_in",
        "edition_out",
        "category",
        "category_out",
        "published",
        "part_in",
        "part_out",
        "part_far",
        "published_in",
        "published_out",
        "evidence_in",
        "evidence_out",
        "evidence_far",
        "conflict",
        "session_in",
        "session_out",
        "finding_in",
        "finding_out",
        "claim_in",
        "claim_out",
        "child_in",
        "child_out",
        "heir_child",
        "heir_in",
        "referral_in",
        "run_in",
        "run_out",
        "difference_in",
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
    operator = make_user("matrix.biller", Role.REGIONAL_OPERATOR, "36.03")
    background = {
        # A billing run queued by an operator of 36.03 (its region), and one by the national admin (national).
        "job_in": Job.objects.create(kind="billing_run", created_by=operator, region_code="36.03", status="done"),
        "job_national": Job.objects.create(kind="billing_run", created_by=uploader, status="done"),
    }
    return {"worker_in": inside, "worker_out": outside, "job": job, **targets, **background, **_sponsorship_objects()}


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
    from paritrana.sponsorship.models import ReconcileDifference, ReconcileRun

    runs = {
        key: ReconcileRun.objects.create(
            filename="k.csv", sha256="0" * 64, on=date(2024, 6, 15), rows=1, region_code=code
        )
        for key, code in (("run_in", "36.03"), ("run_out", "36.72"))
    }
    difference = ReconcileDifference.objects.create(
        run=runs["run_in"], row=2, kind="paid_behind", worker=worker, bpjs_status="active", region_code=worker.desa_code
    )
    return {
        "program_in": inside,
        "program_out": outside,
        "enrollment_in": inside.enrollments.get(),
        **bills,
        **runs,
        "difference_in": difference,
    }


def _lifecycle_objects(inside: Any, outside: Any) -> dict[str, Any]:
    """A correction with a document kept, for the worker inside and the one outside; another record inside to merge."""
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.lifecycle import EvidenceFile, do_correct_worker

    pdf = EvidenceFile("surat.pdf", b"%PDF-1.4\n%%EOF\n")
    events = {}
    for key, worker in (("event_in", inside), ("event_out", outside)):
        do_correct_worker(actor=SYSTEM, worker=worker, reason="KTP", name=f"{worker.name} Aminah", evidence=pdf)
        events[key] = worker.events.get()
    pair = Worker.objects.create(
        nik="3603014507900077", name="Siti", birth_date=date(1990, 7, 5), sex="P", desa_code="36.03.01.2003"
    )
    return {**events, "merge_pair": pair}


def _award_objects() -> dict[str, Any]:
    """The award, written straight to the tables (the workflow has its own tests): the Banten round of 2024 (36),
    open, with a category whose panel holds the jury caller (participants Kabupaten Tangerang 36.03 and Kota
    Cilegon 36.72, each with a document); last year's Banten round, closed, with published results; the Jawa
    Barat round (32) with Kabupaten Bogor."""
    from datetime import timedelta

    from django.utils import timezone

    from paritrana.award.evidence import store
    from paritrana.award.models import (
        Category,
        ConflictOfInterest,
        Edition,
        Evidence,
        PanelMember,
        Participant,
        Result,
    )
    from paritrana.award.scoring import framework_to_dict, parse_framework
    from tests.award.test_workflow import FRAMEWORK, PDF

    now = timezone.now()
    framework = framework_to_dict(parse_framework(FRAMEWORK))
    editions = {
        key: Edition.objects.create(
            year=year,
            name=f"Paritrana Award {year} {code}",
            region_code=code,
            assessment_start=date(year - 1, 1, 1),
            assessment_end=date(year - 1, 12, 31),
            submission_deadline=now + timedelta(days=7 if status == "open" else -300),
            status=status,
        )
        for key, year, code, status in (
            ("edition_in", 2024, "36", "open"),
            ("edition_out", 2024, "32", "open"),
            ("edition_past", 2023, "36", "closed"),
        )
    }

    def category(edition: Any, key: str, **fields: Any) -> Any:
        return Category.objects.create(
            edition=edition, key=key, name=key, participant_level="kabupaten", framework=framework, **fields
        )

    open_category = category(editions["edition_in"], "kabupaten-kota")
    published = category(
        editions.pop("edition_past"),
        "kabupaten-kota",
        panel_locked_at=now,
        ranked_at=now,
        approved_at=now,
        published_at=now,
    )
    outside = category(editions["edition_out"], "kabupaten-kota")
    participants = {
        key: Participant.objects.create(category=cat, region_code=code, name=name, status=status)
        for key, cat, code, name, status in (
            ("part_in", open_category, "36.03", "Kabupaten Tangerang", "invited"),
            ("part_out", open_category, "36.72", "Kota Cilegon", "invited"),
            ("part_far", outside, "32.01", "Kabupaten Bogor", "invited"),
            ("published_in", published, "36.03", "Kabupaten Tangerang", "verified"),
            ("published_out", published, "36.72", "Kota Cilegon", "verified"),
        )
    }
    for rank, key in enumerate(("published_in", "published_out"), start=1):
        Result.objects.create(
            participant=participants[key],
            total=90.0 - rank,
            rank=rank,
            zone_rank=rank,
            title=f"Terbaik {'I' * rank}",
            breakdown={
                "leaves": [
                    {
                        "key": "perda",
                        "method": "question",
                        "weight": 50.0,
                        "raw": True,
                        "score": 100.0,
                        "points": 50.0,
                        "judges": {},
                    },
                    {
                        "key": "kepala_daerah",
                        "method": "jury",
                        "weight": 50.0,
                        "raw": 8.0,
                        "score": 77.8,
                        "points": 38.9,
                        "judges": {"matrix.jury": 8.0},
                    },
                ],
                "aspects": {"kebijakan": 100.0, "wawancara": 77.8},
                "lift": [] if rank == 1 else [{"key": "kepala_daerah", "points": 2.5, "feasible": True}],
            },
            sensitivity={
                "base_rank": rank,
                "best_rank": 1,
                "worst_rank": 2,
                "median_rank": rank,
                "p5_rank": 1,
                "p95_rank": 2,
                "keep_probability": 0.9,
                "unstable": False,
                "critical": [],
            },
        )
    path, content_type, digest, size = store(PDF, "perda.pdf", "matrix")
    evidence = {
        key: Evidence.objects.create(
            participant=participants[part],
            criterion="perda",
            document="Perda/Perbup",
            filename="perda.pdf",
            content_type=content_type,
            size=size,
            sha256=digest,
            path=path,
        )
        for key, part in (("evidence_in", "part_in"), ("evidence_out", "part_out"), ("evidence_far", "part_far"))
    }
    judge = make_user("matrix.jury", Role.JURY, "36.03")
    member = PanelMember.objects.create(category=open_category, user=judge)
    conflict = ConflictOfInterest.objects.create(member=member, participant=participants["part_out"], reason="kerabat")
    return {
        "conflict": conflict,
        **editions,
        **participants,
        **evidence,
        "category": open_category,
        "category_out": outside,
        "published": published,
    }


def _followup_objects() -> dict[str, Any]:
    """A session with a finding in Kabupaten Tangerang (36.03) and in Kota Cilegon (36.72); a JKK death claim in
    each, with a scholarship child (born 2015: SD in 2025/2026), and inside a second child heir not yet flagged and
    a spouse referred to training."""
    from paritrana.core.permissions import SYSTEM
    from paritrana.followup import actions as followup
    from tests.followup.factories import DESA, DESA_OUTSIDE, make_child, make_death_claim, make_session

    out: dict[str, Any] = {}
    for key, region, desa in (("in", "36.03", DESA), ("out", "36.72", DESA_OUTSIDE)):
        session = make_session(region)
        out[f"session_{key}"] = session
        out[f"finding_{key}"] = followup.do_add_finding(
            actor=SYSTEM, session=session, text="Serapan 31%", owner="Disnaker", due_date=date(2025, 10, 31)
        )
        claim = make_death_claim(desa)
        out[f"claim_{key}"] = claim
        out[f"child_{key}"] = make_child(claim, date(2015, 1, 1))
    claim = out["claim_in"]
    out["heir_child"] = followup.do_add_heir(
        actor=SYSTEM, claim=claim, name="Anak kedua", relation="child", birth_date=date(2017, 1, 1)
    )
    out["heir_in"] = followup.do_add_heir(
        actor=SYSTEM, claim=claim, name="Ibu", relation="spouse", birth_date=date(1990, 1, 1)
    )
    out["referral_in"] = followup.do_refer_to_training(
        actor=SYSTEM, heir=out["heir_in"], course="BLK Tangerang", provider="UPTD BLK", referred_on=date(2025, 9, 1)
    )
    return out


BODIES = {
    # confirmed=1: the second step of an irreversible web action (core.views.confirm_first), the one that writes
    "registry:worker_change": {
        "form": "death",
        "death-died_on": "2024-03-01",
        "death-source": "desa",
        "confirmed": "1",
    },
    "web:group_delete": {"confirmed": "1"},
    "accounts:password_reset": {"confirmed": "1"},
    "POST /api/v1/workers/{worker_id}/death": {"died_on": "2024-03-01", "source": "desa"},
    "POST /api/v1/workers/{worker_id}/move": {"desa_code": "36.03.01.2005", "moved_on": "2024-03-01"},
    "POST /api/v1/workers/{worker_id}/correct": {"name": "Siti Rahayu", "reason": "KTP"},
    "POST /api/v1/workers/{worker_id}/nik": {"nik": "3603014507900099", "reason": "salah ketik"},
    "POST /api/v1/workers/{worker_id}/merge": lambda o: {"other_id": o["merge_pair"].pk, "reason": "orang yang sama"},
    "POST /api/v1/workers/{worker_id}/status": {"status": "inactive", "on": "2024-03-01", "reason": "kerja formal"},
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
    "sponsorship:reconcile_run": lambda o: {
        "difference": o["difference_in"].pk,
        "action": "review",
        "note": "cek",
        "confirmed": "1",
    },
    "POST /api/v1/bpjs/differences/{difference_id}/resolve": {"action": "review", "note": "cek"},
    "POST /api/v1/indicators/definitions": {
        "text": "{id: matrix_ind, name: {id: a, en: b}, numerator: {source: participants}, "
        "denominator: {source: regions}}"
    },
    "award:edition": {"form": "status", "status": "verification", "reason": "matrix: sebelum tenggat"},
    "award:zones": {"form": "zone", "name": "Zona Matrix", "provinces": "36"},
    "award:category": {"form": "invite"},
    "award:participant": {"form": "verify", "decision": "accept"},
    "award:assessment": {"form": "answers", "q-perda": "ya"},
    "award:score": {"form": "score", "s-kepala_daerah": "5"},
    "POST /api/v1/award/editions": {
        "year": 2030,
        "name": "Paritrana Award 2030 Banten",
        "region_code": "36",
        "assessment_start": "2029-01-01",
        "assessment_end": "2029-12-31",
        "submission_deadline": "2030-03-31T23:59:00+07:00",
    },
    "POST /api/v1/award/editions/{edition_id}/status": {"status": "verification", "reason": "matrix: sebelum tenggat"},
    "POST /api/v1/award/categories/{category_id}/lock": {"reason": "matrix: panel belum lengkap"},
    "POST /api/v1/award/participants/{participant_id}/missing": {
        "criterion": "kepala_daerah",
        "resolution": "zero",
        "reason": "matrix",
    },
    "PUT /api/v1/award/zones": {"name": "Zona Matrix", "region_codes": ["36"]},
    "PUT /api/v1/award/editions/{edition_id}/categories": lambda o: {
        "key": "desa",
        "name": "Desa",
        "participant_level": "desa",
        "framework": o["category"].framework,
    },
    "PUT /api/v1/award/participants/{participant_id}/answers": {"criterion": "perda", "value": True},
    "POST /api/v1/award/participants/{participant_id}/verify": {"accept": True},
    "POST /api/v1/award/categories/{category_id}/panel": {"username": "matrix.jury"},
    "POST /api/v1/award/participants/{participant_id}/conflict": {"reason": "kerabat"},
    "POST /api/v1/award/conflicts/{conflict_id}/withdraw": {"reason": "salah isi"},
    "PUT /api/v1/award/participants/{participant_id}/scores": {"criterion": "kepala_daerah", "score": 5},
    "followup:sessions": {
        "form": "session",
        "kind": "monev",
        "held_on": "2025-09-15",
        "place": "Aula",
        "bpjs_office": "KCP Cikupa",
        "region_code": "36.03",
        "fiscal_year": 2025,
        "attendees": "Budi; Disnaker; Kabid",
    },
    "followup:session": {"form": "finding", "f-text": "x", "f-owner": "BPKAD", "f-due_date": "2025-12-01"},
    "followup:finding_status": {"status": "in_progress"},
    "followup:claim": {"form": "heir", "h-name": "Ani", "h-relation": "spouse", "h-birth_date": "1990-01-01"},
    "followup:claim_new": lambda o: {
        "worker": o["worker_in"].pk,
        "kind": "jkk",
        "event_date": "2024-03-01",
        "amount_paid": "1000000",
        "heirs-TOTAL_FORMS": "0",
        "heirs-INITIAL_FORMS": "0",
    },
    "followup:claim_workers": {"worker_query": "Sit"},
    "POST /api/v1/claims/with-heirs": lambda o: {
        "worker_id": o["worker_in"].pk,
        "kind": "jkk",
        "event_date": "2024-03-01",
        "amount_paid": 1_000_000,
    },
    "followup:referrals": lambda o: {"form": "outcome", "referral": o["referral_in"].pk, "outcome": "completed"},
    "POST /api/v1/sessions": {
        "kind": "asistensi",
        "held_on": "2025-09-15",
        "place": "Aula",
        "bpjs_office": "KCP Cikupa",
        "region_code": "36.03",
        "fiscal_year": 2025,
        "attendees": [{"name": "Budi", "institution": "Disnaker"}],
    },
    "POST /api/v1/sessions/{session_id}/findings": {"text": "x", "owner": "BPKAD", "due_date": "2025-12-01"},
    "PATCH /api/v1/findings/{finding_id}": {"owner": "Bappeda"},
    "POST /api/v1/findings/{finding_id}/status": {"status": "in_progress"},
    "POST /api/v1/claims/{claim_id}/heirs": {"name": "Ani", "relation": "spouse", "birth_date": "1990-01-01"},
    "PATCH /api/v1/scholarships/{child_id}": {"grade": 1},
    "POST /api/v1/scholarships/{child_id}/disbursements": {
        "school_year": "2025/2026",
        "disbursed_on": "2025-10-01",
        "reference": "M-1",
    },
    "POST /api/v1/referrals": lambda o: {
        "heir_id": o["heir_in"].pk,
        "course": "BLK",
        "provider": "UPTD BLK",
        "referred_on": "2025-09-01",
    },
    "PATCH /api/v1/referrals/{referral_id}": {"outcome": "completed"},
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
    elif caller == Role.JURY.value:
        user = User.objects.get(username="matrix.jury")  # made with the objects: it sits on a panel
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
    objects = {
        "group": group,
        "subject": subject,
        "role": subject.roles.get(),
        **_registry_objects(tmp_path),
        **_award_objects(),
        **_followup_objects(),
    }
    objects.update(_lifecycle_objects(objects["worker_in"], objects["worker_out"]))
    client = _caller_client(caller)
    path = path_for(objects)
    body = BODIES.get(name)
    if callable(body):
        body = body(objects)
    if name == "POST /api/v1/payments/import":
        upload = SimpleUploadedFile("p.csv", b"Nomor Tagihan;Referensi;Tanggal;Jumlah\nTAG-bill_in;R9;2024-04-01;100\n")
        response = client.post(path, {"file": upload})
    elif name == "POST /api/v1/bpjs/reconcile":  # a dry run: the matrix keeps no file
        upload = SimpleUploadedFile("b.csv", b"NIK;Status\n3603014507900001;aktif\n")
        response = client.post(path, {"file": upload, "dry_run": "true"})
    elif name == "POST /api/v1/claims/import":
        upload = SimpleUploadedFile("k.csv", b"NIK;Jenis;Tanggal Kejadian;Jumlah\n3603014507900001;jkm;2024-03-01;1\n")
        response = client.post(path, {"file": upload})
    elif name == "POST /api/v1/indicators/workforce/import":
        upload = SimpleUploadedFile("w.csv", b"region_code,year,employed,formal,informal\n3603,2024,10,5,5\n")
        response = client.post(path, {"file": upload})
    elif name == "POST /api/v1/workers/deaths":
        upload = SimpleUploadedFile("m.csv", b"NIK;Tanggal Meninggal\n3603014507900001;2024-03-01\n")
        response = client.post(path, {"file": upload, "dry_run": "true"})
    elif name == "POST /api/v1/imports":
        upload = SimpleUploadedFile("x.csv", b"NIK;Nama;Kode Desa\n3603014507900001;Siti;3603012003\n")
        response = client.post(path, {"file": upload, "dry_run": "true"})
    elif name == "POST /api/v1/award/participants/{participant_id}/evidence":
        upload = SimpleUploadedFile("perda.pdf", b"%PDF-1.4\n%%EOF\n")
        response = client.post(path, {"criterion": "perda", "document": "Perda/Perbup", "file": upload})
    elif name == "POST /api/v1/award/categories/{category_id}/import":
        upload = SimpleUploadedFile("n.csv", b"region_code,criterion,value\n36.03,perda,1\n")
        response = client.post(path, {"kind": "indicators", "file": upload})
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
    if name == "GET /api/v1/award/categories/{category_id}/participants" and want == 200 and caller != "jury":
        codes = {p["region_code"] for p in response.json()}
        assert caller == "admin (national)" or codes <= {"36.03"}, codes  # only the committee and panel see all
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
