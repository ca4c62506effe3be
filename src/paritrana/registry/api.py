"""Registry API: workers (masked NIKs) and imports."""

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from paritrana.api.pagination import Page
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.permissions import require
from paritrana.core.privacy import refuse_nik_in_address
from paritrana.regions.queries import normalize_code
from paritrana.registry import queries
from paritrana.registry.choices import ImportMode
from paritrana.registry.ingest import check_size
from paritrana.registry.models import ImportJob, Worker
from paritrana.registry.tasks import import_workers_task

router = Router(tags=["registry"])


class WorkerOut(Schema):
    id: int
    nik: str = Field(alias="masked_nik", description="Masked: 3603**********01")
    name: str
    birth_date: date
    sex: str
    desa_code: str
    occupation: str
    segment: str
    status: str
    poverty_decile: int | None
    needs_review: bool


class WorkerFilter(Schema):
    q: str = Field("", max_length=100, description="part of the name, or a full 16-digit NIK (POST search only)")
    region: str = Field("", max_length=20, description="a region code: workers whose desa lies inside it")
    occupation: str = Field("", max_length=32)
    segment: str = Field("", max_length=8)
    status: str = Field("", max_length=16)


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    mode: str
    dry_run: bool
    progress: int
    total: int
    summary: dict[str, Any]
    error: str
    created_at: datetime
    finished_at: datetime | None


def _workers(request: HttpRequest, filters: WorkerFilter) -> Any:
    params = filters.dict()
    if params["region"]:
        params["region"] = normalize_code(params["region"])
    return queries.workers_for(request.user, **params)


@router.get("/workers", response=list[WorkerOut], summary="Workers inside your scope (NIKs masked)")
@paginate(Page)
def list_workers(request: HttpRequest, filters: Query[WorkerFilter]):
    """A full NIK in ``q`` is refused here (it would sit in access logs): use ``POST /workers/search``."""
    refuse_nik_in_address(request, "q")
    return _workers(request, filters)


@router.post("/workers/search", response=list[WorkerOut], summary="Search workers, a full NIK included (body)")
@paginate(Page)
def search_workers(request: HttpRequest, filters: WorkerFilter):
    return _workers(request, filters)


@router.get("/workers/{worker_id}", response=WorkerOut, summary="One worker (NIK masked)")
def get_worker(request: HttpRequest, worker_id: int) -> Worker:
    return queries.get_worker(request.user, worker_id)


@router.post("/imports", response={202: ImportOut}, summary="Queue the import of a CSV/XLSX worker list")
def post_import(
    request: HttpRequest,
    file: File[UploadedFile],
    mode: Annotated[str, WithJsonSchema({"type": "string", "enum": list(ImportMode.values)})] = Form(
        ImportMode.ALL_OR_NOTHING.value,
        description="all-or-nothing: any rejected row rejects the file; valid-only: import the valid rows",
    ),
    dry_run: Form[bool] = False,
    sheet: str = Form("", max_length=100, description="the sheet of an XLSX with several (blank: the first)"),
) -> tuple[int, ImportJob]:
    require(request.user, "registry.import")
    # Refused here, at once, rather than by the background job after a 202 (and it must fit the job's column).
    if mode not in ImportMode.values:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field="mode",
            value=mode[:40],
            valid=", ".join(ImportMode.values),
        )
    check_size(file.name or "", file.size)
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex}{Path(file.name or 'list').suffix.lower()[:6]}"
    with stored.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(
        created_by=cast(User, request.user),
        filename=(file.name or "list")[:255],
        stored_path=str(stored),
        mode=mode,
        dry_run=dry_run,
        sheet=sheet,
    )
    import_workers_task.enqueue(job.pk)
    job.refresh_from_db()
    return 202, job


@router.get("/imports/{job_id}", response=ImportOut, summary="An import's progress and outcome")
def get_import(request: HttpRequest, job_id: int) -> ImportJob:
    return queries.get_job(request.user, job_id)
