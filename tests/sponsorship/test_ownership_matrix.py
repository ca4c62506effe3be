"""The access matrix's owner and approver columns (issue 20 §2): every API door that writes into a program, called
by its maker, by another officer of the owning region (the checker), by the province above, by an operator of
another kabupaten, by the BPJS branch and by a viewer. Only the owning region writes; only someone other than the
maker approves; a refusal changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from paritrana.regions.models import Region
from paritrana.sponsorship.actions import do_advance_program, do_create_program, do_create_sponsor, do_enroll
from paritrana.sponsorship.models import Enrollment, Program
from tests.conftest import client_for
from tests.factories import make_user, make_worker

pytestmark = pytest.mark.django_db

CALLERS = {
    "maker": ("regional_operator", "36.03"),
    "checker": ("regional_operator", "36.03"),
    "province above": ("regional_operator", "36"),
    "other kabupaten": ("regional_operator", "36.72"),
    "bpjs": ("bpjs_officer", "36.03"),
    "viewer": ("viewer", "36.03"),
}
OK, REFUSED = "ok", "refused"
#: door -> caller -> outcome; a code names the refusal the caller must get.
MATRIX: dict[str, dict[str, str]] = {
    "change pagu": {"maker": OK, "checker": OK, "province above": "not_owner"},
    "approve": {"maker": "maker_checker", "checker": OK, "province above": "not_owner"},
    "enroll": {"maker": OK, "checker": OK, "province above": "not_owner"},
    "end enrollment": {"maker": OK, "checker": OK, "province above": "not_owner"},
}


def _users() -> dict[str, Any]:
    return {name: make_user(name.replace(" ", "."), role, region) for name, (role, region) in CALLERS.items()}


def _program(users: dict[str, Any], *, approved: bool) -> Program:
    sponsor = do_create_sponsor(
        actor=users["maker"], name="Pemda Kab. Tangerang", kind="apbd_kabkota", region_code="36.03"
    )
    program = do_create_program(
        actor=users["maker"], sponsor=sponsor, name="Pekerja rentan", fiscal_year=2024, pagu=10_000_000
    )
    if approved:
        program = do_advance_program(actor=users["checker"], program=program, to="approved")
    return program


def _state(program: Program) -> tuple[Any, ...]:
    program.refresh_from_db()
    ends = tuple(Enrollment.objects.filter(program=program).values_list("last_month", flat=True).order_by("pk"))
    return program.status, program.pagu, program.committed, Enrollment.objects.filter(program=program).count(), ends


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("door", list(MATRIX))
def test_only_the_owning_region_writes_and_only_another_officer_approves(door: str, caller: str) -> None:
    users = _users()
    desa = (
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[0]
    )
    worker = make_worker(desa)
    program = _program(users, approved=door in ("enroll", "end enrollment"))
    if door == "change pagu":
        method, url, body = "patch", f"/api/v1/programs/{program.pk}", {"pagu": 20_000_000}
    elif door == "approve":
        method, url, body = "post", f"/api/v1/programs/{program.pk}/status", {"to": "approved"}
    elif door == "enroll":
        method, url = "post", f"/api/v1/programs/{program.pk}/enrollments"
        body = {"worker_ids": [worker.pk], "first_month": "2024-01-01"}
    else:
        do_enroll(actor=users["maker"], program=program, workers=[worker], first_month=date(2024, 1, 1))
        enrollment = Enrollment.objects.get(program=program)
        method, url, body = "post", f"/api/v1/enrollments/{enrollment.pk}/end", {"last_month": "2024-06-01"}
    before = _state(program)
    response = getattr(client_for(users[caller]), method)(url, body, content_type="application/json")
    expected = MATRIX[door].get(caller, REFUSED)
    if expected == OK:
        assert response.status_code in (200, 201), response.content
        assert _state(program) != before
        return
    assert response.status_code in (403, 404), (response.status_code, response.content)
    if expected != REFUSED:
        assert response.json()["code"] == expected
    assert _state(program) == before
