"""API of the signed-in user, the audit log and the background jobs."""

from datetime import date, datetime
from typing import Any, cast

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from paritrana.core.audit import filter_events
from paritrana.core.jobs import JobOut, get_job, jobs_for
from paritrana.core.models import AuditEvent, Job
from paritrana.core.pagination import Page
from paritrana.core.permissions import scoped

router = Router(tags=["system"])


class RoleOut(Schema):
    role: str
    region_code: str


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[RoleOut]


class AuditOut(Schema):
    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    region_code: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditFilter(Schema):
    actor: str | None = Field(None, max_length=150)
    action: str | None = Field(None, max_length=64)
    object_type: str | None = Field(None, max_length=64)
    since: date | None = None
    until: date | None = None


@router.get("/me", response=MeOut, summary="The signed-in user and their roles")
def me(request: HttpRequest) -> MeOut:
    user = cast(User, request.user)  # authentication ran before: never anonymous here
    roles = [RoleOut(role=r, region_code=c) for r, c in user.roles.values_list("role", "region_code")]
    return MeOut(username=user.get_username(), full_name=user.get_full_name(), roles=roles)


@router.get("/audit", response=list[AuditOut], summary="The audit log (system administrators)")
@paginate(Page)
def audit_log(request: HttpRequest, filters: Query[AuditFilter]):
    return filter_events(scoped(AuditEvent.objects.all(), request.user, "audit.view"), **filters.dict())


@router.get("/jobs", response=list[JobOut], summary="Your latest background jobs")
def list_jobs(request: HttpRequest) -> list[Job]:
    return jobs_for(request.user)


@router.get("/jobs/{job_id}", response=JobOut, summary="One background job: its progress and outcome")
def job_detail(request: HttpRequest, job_id: int) -> Job:
    return get_job(request.user, job_id)
