"""Registry API: workers (masked NIKs) and imports; a worker's death, move, corrections, merge and status, and its
history; death lists. Every endpoint calls the same actions as the pages and the command line."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from paritrana.core.pagination import Page
from paritrana.core.privacy import refuse_nik_in_address
from paritrana.core.sheets import check_size
from paritrana.regions.queries import normalize_code
from paritrana.registry import lifecycle, queries
from paritrana.registry.actions import do_queue_import
from paritrana.registry.choices import ImportMode
from paritrana.registry.models import ImportJob, Worker

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
    status_on: date | None = Field(description="the day the status took effect (death, move away, merge...)")
    died_on: date | None
    merged_into: int | None = Field(alias="merged_into_id", description="merged: the id of the record kept")
    poverty_decile: int | None
    needs_review: bool


class WorkerFilter(Schema):
    q: str = Field("", max_length=100, description="part of the name, or a full 16-digit NIK (POST search only)")
    region: str = Field("", max_length=20, description="a region code: workers whose desa lies inside it")
    occupation: str = Field("", max_length=32)
    segment: str = Field("", max_length=8)
    status: str = Field("", max_length=16, description="active, inactive, deceased, moved or merged")
    status_from: date | None = Field(None, description="status since this day or later")
    status_until: date | None = Field(None, description="status since this day or earlier")


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
    params = {k: v for k, v in filters.dict().items() if v not in (None, "")}
    if params.get("region"):
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


class DeathListOut(Schema):
    rows: int
    recorded: int
    unchanged: int
    rejected: int
    unknown: int
    warnings: int
    blank_rows: int
    mode: str
    dry_run: bool
    status: str = Field(description="done, dry-run or rejected (all-or-nothing with refused rows)")
    effects: dict[str, Any]
    issues: list[dict[str, Any]] = Field(description="the first 200 rows refused or warned about, NIKs masked")


# Before /workers/{worker_id}: the first route whose path matches answers (a GET-only one would answer 405).
@router.post("/workers/deaths", response=DeathListOut, summary="Record the deaths of a CSV/XLSX death list")
def post_deaths(
    request: HttpRequest,
    file: File[UploadedFile],
    mode: Annotated[str, WithJsonSchema({"type": "string", "enum": list(ImportMode.values)})] = Form(
        ImportMode.ALL_OR_NOTHING.value,
        description="all-or-nothing: any refused row refuses the list; valid-only: record the valid rows",
    ),
    dry_run: Form[bool] = False,
    source: str = Form("", max_length=200, description="the source of rows without their own (e.g. Dukcapil)"),
    sheet: str = Form("", max_length=100),
) -> dict[str, Any]:
    """Columns NIK and Tanggal Meninggal (Sumber, Keterangan and Nama when there). Checked and recorded in one
    transaction while the request waits; ``dry_run`` writes nothing."""
    check_size(file.name or "", file.size)
    result = lifecycle.do_import_deaths(
        actor=request.user,
        source=file.read(),
        filename=(file.name or "list")[:255],
        mode=mode,
        dry_run=dry_run,
        sheet=sheet or None,
        list_source=source,
    )
    data = result.as_dict()
    return {**data, "effects": result.effects}


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
    job = do_queue_import(
        actor=request.user,
        chunks=file.chunks(),
        filename=file.name or "list",
        size=file.size,
        mode=mode,
        dry_run=dry_run,
        sheet=sheet,
    )
    job.refresh_from_db()
    return 202, job


@router.get("/imports/{job_id}", response=ImportOut, summary="An import's progress and outcome")
def get_import(request: HttpRequest, job_id: int) -> ImportJob:
    return queries.get_job(request.user, job_id)


# A worker's changes -----------------------------------------------------------------------------------------------


class _ChangeIn(Schema):
    reason: str = Field("", max_length=500)
    evidence: str = Field("", max_length=500, description="a reference to the document (certificate number, letter)")


class DeathIn(_ChangeIn):
    died_on: date
    source: str = Field("", max_length=200, description="where the death was learnt: dukcapil, desa, bpjs, ...")


class MoveIn(_ChangeIn):
    desa_code: str = Field("", max_length=20, description="the new desa; blank: moved away to a place not held")
    moved_on: date
    source: str = Field("", max_length=200)


class CorrectionIn(_ChangeIn):
    name: str | None = Field(None, max_length=200)
    birth_date: date | None = None
    sex: str | None = Field(None, max_length=1)
    desa_code: str | None = Field(None, max_length=20)
    occupation: str | None = Field(None, max_length=32)


class NikIn(_ChangeIn):
    nik: str = Field(max_length=40, description="the right NIK (16 digits)")


class MergeIn(_ChangeIn):
    other_id: int = Field(description="the record merged into this one (kept, marked merged)")
    on: date | None = None


class StatusIn(_ChangeIn):
    status: str = Field(description="active or inactive")
    on: date


class ChangeOut(Schema):
    worker: WorkerOut
    effects: dict[str, Any] = Field(description="what followed in sponsorship: enrollments ended, overpaid lines...")


class MergeOut(Schema):
    kept: WorkerOut
    merged: WorkerOut
    filled: list[str]
    effects: dict[str, Any] = Field(description="enrollments and claims moved, overlaps of two programs")


class EventOut(Schema):
    id: int
    kind: str
    happened_on: date
    reason: str
    source: str
    evidence: str
    evidence_name: str
    before: dict[str, Any]
    after: dict[str, Any]
    merged_from: int | None = Field(alias="merged_from_id")
    actor_name: str
    at: datetime


def _changed(worker: Worker) -> dict[str, Any]:
    return {"worker": worker, "effects": getattr(worker, "effects", {})}


@router.post("/workers/{worker_id}/death", response=ChangeOut, summary="Record a worker's death")
def post_death(request: HttpRequest, worker_id: int, body: DeathIn) -> dict[str, Any]:
    """From the month after the death: no new bill lines, the enrollments end, never a candidate again. Lines
    already billed after it are reported (``effects.overpaid_lines``) and listed in monev as an overpayment."""
    worker = queries.get_worker(request.user, worker_id)
    return _changed(
        lifecycle.do_record_death(
            actor=request.user,
            worker=worker,
            died_on=body.died_on,
            reason=body.reason,
            source=body.source,
            evidence=body.evidence or None,
        )
    )


@router.post("/workers/{worker_id}/move", response=ChangeOut, summary="Record a worker's move")
def post_move(request: HttpRequest, worker_id: int, body: MoveIn) -> dict[str, Any]:
    """The desa changes from ``moved_on``; enrollments in programs of the region left end with that month."""
    worker = queries.get_worker(request.user, worker_id)
    return _changed(
        lifecycle.do_record_move(
            actor=request.user,
            worker=worker,
            desa_code=body.desa_code,
            moved_on=body.moved_on,
            reason=body.reason,
            source=body.source,
            evidence=body.evidence or None,
        )
    )


@router.post("/workers/{worker_id}/correct", response=ChangeOut, summary="Correct a worker's recorded data")
def post_correct(request: HttpRequest, worker_id: int, body: CorrectionIn) -> dict[str, Any]:
    """Name, birth date, sex, desa or occupation recorded wrongly; the history keeps before and after."""
    worker = queries.get_worker(request.user, worker_id)
    changes = {f: getattr(body, f) for f in lifecycle.CORRECTABLE if getattr(body, f) not in (None, "")}
    return _changed(
        lifecycle.do_correct_worker(
            actor=request.user, worker=worker, reason=body.reason, evidence=body.evidence or None, **changes
        )
    )


@router.post("/workers/{worker_id}/nik", response=ChangeOut, summary="Correct a worker's NIK")
def post_nik(request: HttpRequest, worker_id: int, body: NikIn) -> dict[str, Any]:
    """For roles that may see full NIKs; a NIK another worker holds is refused (merge the two instead)."""
    worker = queries.get_worker(request.user, worker_id)
    return _changed(
        lifecycle.do_correct_nik(
            actor=request.user, worker=worker, nik=body.nik, reason=body.reason, evidence=body.evidence or None
        )
    )


@router.post("/workers/{worker_id}/merge", response=MergeOut, summary="Merge another record into this worker")
def post_merge(request: HttpRequest, worker_id: int, body: MergeIn) -> dict[str, Any]:
    """``other_id`` is the same person: kept as merged (never deleted); its enrollments, claims and history move
    here, in one transaction. Overlapping enrollments in two programs are both kept and reported."""
    keep = queries.get_worker(request.user, worker_id)
    other = queries.get_worker(request.user, body.other_id)
    result = lifecycle.do_merge_workers(
        actor=request.user, keep=keep, other=other, reason=body.reason, on=body.on, evidence=body.evidence or None
    )
    return {"kept": result.kept, "merged": result.merged, "filled": sorted(result.filled), "effects": result.effects}


@router.post("/workers/{worker_id}/status", response=ChangeOut, summary="Make a worker inactive or active again")
def post_status(request: HttpRequest, worker_id: int, body: StatusIn) -> dict[str, Any]:
    worker = queries.get_worker(request.user, worker_id)
    return _changed(
        lifecycle.do_set_worker_status(
            actor=request.user,
            worker=worker,
            status=body.status,
            on=body.on,
            reason=body.reason,
            evidence=body.evidence or None,
        )
    )


@router.get("/workers/{worker_id}/history", response=list[EventOut], summary="A worker's changes, newest first")
def get_history(request: HttpRequest, worker_id: int) -> list[Any]:
    return lifecycle.history(queries.get_worker(request.user, worker_id))
