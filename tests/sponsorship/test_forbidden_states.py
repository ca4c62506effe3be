"""Issue 20 §1 for programs: each state-changing action tried in each state that forbids it, through the action and
the API, refuses with the condition named and changes nothing; the state is the one under the lock, never the
caller's stale copy (a page opened before the program was closed)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from paritrana.core.errors import Conflict
from paritrana.core.models import AuditEvent
from paritrana.regions.models import Region
from paritrana.sponsorship.actions import (
    do_advance_program,
    do_create_program,
    do_create_sponsor,
    do_enroll,
    do_update_program,
)
from paritrana.sponsorship.models import Enrollment, Program
from tests.conftest import client_for
from tests.factories import make_user, make_worker

pytestmark = pytest.mark.django_db

#: How far each state is from a draft (``do_advance_program`` one step at a time, by the checker).
STEPS = {
    "draft": [],
    "approved": ["approved"],
    "active": ["approved", "active"],
    "closed": ["approved", "active", "closed"],
}


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "maker": make_user("maker", "regional_operator", "36.03"),
        "checker": make_user("checker", "regional_operator", "36.03"),
    }


@pytest.fixture
def worker() -> Any:
    desa = (
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[0]
    )
    return make_worker(desa)


def _program(people: dict[str, Any], status: str) -> Program:
    sponsor = do_create_sponsor(actor=people["maker"], name="Pemda", kind="apbd_kabkota", region_code="36.03")
    program = do_create_program(
        actor=people["maker"], sponsor=sponsor, name="Pekerja rentan", fiscal_year=2024, pagu=10_000_000
    )
    for to in STEPS[status]:
        program = do_advance_program(actor=people["checker"], program=program, to=to)
    return program


def _snapshot(program: Program) -> tuple[Any, ...]:
    program.refresh_from_db()
    return program.status, program.pagu, program.committed, Enrollment.objects.filter(program=program).count()


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_enrolling_outside_approved_or_active_is_refused_on_every_door(people, worker, status: str) -> None:
    program = _program(people, status)
    before = _snapshot(program)
    with pytest.raises(Conflict) as caught:
        do_enroll(actor=people["maker"], program=program, workers=[worker], first_month=date(2024, 1, 1))
    assert caught.value.details["field"] == "program"
    response = client_for(people["maker"]).post(
        f"/api/v1/programs/{program.pk}/enrollments",
        {"worker_ids": [worker.pk], "first_month": "2024-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["details"]["status"] == status
    assert _snapshot(program) == before


@pytest.mark.parametrize(
    ("status", "to"),
    [
        ("draft", "active"),
        ("draft", "closed"),
        ("approved", "draft"),
        ("approved", "closed"),
        ("active", "approved"),
        ("closed", "active"),
        ("closed", "closed"),
    ],
)
def test_a_program_moves_one_step_forward_only_on_every_door(people, status: str, to: str) -> None:
    program = _program(people, status)
    before = _snapshot(program)
    with pytest.raises(Conflict):
        do_advance_program(actor=people["checker"], program=program, to=to)
    response = client_for(people["checker"]).post(
        f"/api/v1/programs/{program.pk}/status", {"to": to}, content_type="application/json"
    )
    assert response.status_code in (409, 422)
    assert _snapshot(program) == before
    assert AuditEvent.objects.filter(action="program.advance.refused").count() >= 1


@pytest.mark.parametrize(("status", "field"), [("approved", "fiscal_year"), ("active", "months"), ("closed", "pagu")])
def test_what_a_status_freezes_cannot_change_on_every_door(people, status: str, field: str) -> None:
    program = _program(people, status)
    before = _snapshot(program)
    value: Any = {"fiscal_year": 2025, "months": 6, "pagu": 20_000_000}[field]
    with pytest.raises(Conflict) as caught:
        do_update_program(actor=people["maker"], program=program, **{field: value})
    assert caught.value.details["field"] == field
    if field == "pagu":  # the API changes only what may change once open: pagu, targets, grace
        response = client_for(people["maker"]).patch(
            f"/api/v1/programs/{program.pk}", {"pagu": value}, content_type="application/json"
        )
        assert response.status_code == 409
    assert _snapshot(program) == before


def test_a_stale_copy_read_before_closing_changes_nothing(people, worker) -> None:
    program = _program(people, "active")
    stale = Program.objects.get(pk=program.pk)  # a page opened while the program was active
    do_advance_program(actor=people["checker"], program=program, to="closed")
    before = _snapshot(program)
    with pytest.raises(Conflict):
        do_update_program(actor=people["maker"], program=stale, pagu=20_000_000)
    with pytest.raises(Conflict):
        do_enroll(actor=people["maker"], program=stale, workers=[worker], first_month=date(2024, 1, 1))
    assert _snapshot(program) == before
