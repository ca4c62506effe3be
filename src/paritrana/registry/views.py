"""Registry pages: worker list and page (masked NIKs) with the worker's changes and their history, upload of a list
(workers, deaths), the import's progress and report."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from lokal import format_rupiah

from paritrana.core import audit
from paritrana.core.errors import (
    N_,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    ParitranaError,
    PermissionDenied,
)
from paritrana.core.pagination import KeysetPage, bounded_count, keyset_page
from paritrana.core.permissions import can, require
from paritrana.core.privacy import looks_like_nik, mask_nik, refuse_nik_in_address
from paritrana.core.sheets import cached_preview, check_size
from paritrana.core.views import attempt, confirm_first, confirm_uploads
from paritrana.regions.queries import normalize_code
from paritrana.registry import lifecycle, queries
from paritrana.registry.actions import do_confirm_columns, do_queue_import, do_reveal_nik
from paritrana.registry.choices import ImportKind, ImportStatus, WorkerStatus
from paritrana.registry.forms import CHANGE_FORMS, DeathListForm, ImportForm, MappingForm, WorkerFilterForm
from paritrana.registry.ingest import guess_mapping
from paritrana.registry.models import ImportJob, Worker


@login_required
@require_http_methods(["GET", "POST"])
def worker_list(request: HttpRequest) -> HttpResponse:
    # The search form posts: a NIK typed into it must not end up in an address, the browser's history or a log.
    data = request.POST if request.method == "POST" else request.GET
    refuse_nik_in_address(request, "q")
    form = WorkerFilterForm(data or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("region"):
        filters["region"] = normalize_code(filters["region"])
    # Read by position (after/before the last row shown), never by page number: page 400 of a kabupaten costs what
    # the first does, and the count stops at COUNT_CAP (issue 22).
    found, error = attempt(
        lambda: _worker_page_of(
            queries.workers_for(request.user, **{k: v for k, v in filters.items() if v}),
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        )
    )
    query = data.copy()
    for name in ("after", "before", "page", "csrfmiddlewaretoken"):
        query.pop(name, None)
    if looks_like_nik(query.get("q", "")):
        query.pop("q")  # a NIK search finds one worker: no further page to link to
    page, (count, more) = found or (None, (0, False))
    context = {
        "form": form,
        "page": page,
        "count": count,
        "more": more,
        "error": error,
        "query": query.urlencode(),
        "can_import": can(request.user, "registry.import"),
    }
    template = "registry/_worker_rows.html" if getattr(request, "htmx", False) else "registry/worker_list.html"
    return render(request, template, context)


def _worker_page_of(workers: Any, *, after: str, before: str) -> tuple[KeysetPage, tuple[int, bool]]:
    page = keyset_page(workers, size=settings.PARITRANA.page_size, after=after, before=before)
    return page, bounded_count(workers)


@login_required
@require_http_methods(["GET", "POST"])
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = queries.get_worker(request.user, pk)
    full_nik = do_reveal_nik(worker=worker, actor=request.user) if request.method == "POST" else None
    return _worker_page(request, worker, full_nik=full_nik)


def _worker_page(
    request: HttpRequest,
    worker: Worker,
    *,
    full_nik: str | None = None,
    bound: tuple[str, Any] | None = None,
    error: str = "",
) -> HttpResponse:
    """The worker, its coverage, its history and the forms of the changes the user may make."""
    user, desa = request.user, worker.desa_code
    may_change = can(user, "registry.import", desa) and worker.status != WorkerStatus.MERGED
    seen = {"seen": worker.updated_at}
    forms = {kind: form_class(prefix=kind, initial=seen) for kind, form_class in CHANGE_FORMS.items()}
    if bound is not None:
        forms[bound[0]] = bound[1]
    context = {
        "worker": worker,
        "full_nik": full_nik,
        "can_reveal": can(user, "registry.view_nik", desa),
        **queries.worker_page_parts(worker),
        "events": lifecycle.history(worker),
        "merged_records": worker.merged_records.order_by("pk"),
        "forms": forms,
        "open": bound[0] if bound is not None else "",
        "error": error,
        "can_change": may_change,
        "can_death": worker.status not in (WorkerStatus.MERGED, WorkerStatus.DECEASED)
        and (may_change or can(user, "claims.record", desa)),
        "can_correct_nik": may_change and can(user, "registry.view_nik", desa),
        "candidates": lifecycle.duplicate_candidates(worker) if may_change else [],
    }
    return render(request, "registry/worker_detail.html", context, status=422 if error else 200)


def _evidence(data: dict[str, Any]) -> Any:
    upload = data.get("evidence_file")
    if upload:
        check_size(upload.name or "", upload.size, lifecycle.EVIDENCE_MAX_BYTES)
        return lifecycle.EvidenceFile(upload.name or "bukti", upload.read())
    return data.get("evidence") or None


def _apply(request: HttpRequest, worker: Worker, kind: str, data: dict[str, Any]) -> tuple[Worker, dict[str, Any]]:
    """Call the action of ``kind`` with the form's values; (the worker to show next, what the hooks did)."""
    actor, common = request.user, {"reason": data.get("reason", ""), "evidence": _evidence(data)}
    seen = data.get("seen")  # when the page showed the worker as last changed (a merge names two: not checked)
    if kind == "death":
        done = lifecycle.do_record_death(
            actor=actor, worker=worker, died_on=data["died_on"], source=data.get("source", ""), seen=seen, **common
        )
    elif kind == "move":
        desa = "" if data.get("away") else data.get("desa_code", "")
        if not desa and not data.get("away"):
            raise InvalidInput(N_("Give the new desa's code, or tick that the worker moved away."), field="desa_code")
        done = lifecycle.do_record_move(
            actor=actor,
            worker=worker,
            desa_code=desa,
            moved_on=data["moved_on"],
            source=data.get("source", ""),
            seen=seen,
            **common,
        )
    elif kind == "correct":
        changes = {f: data.get(f) for f in lifecycle.CORRECTABLE if data.get(f) not in (None, "")}
        done = lifecycle.do_correct_worker(actor=actor, worker=worker, seen=seen, **changes, **common)
    elif kind == "nik":
        done = lifecycle.do_correct_nik(actor=actor, worker=worker, nik=data["nik"], seen=seen, **common)
    elif kind == "merge":
        other = queries.get_worker(actor, data["other"])
        keep, gone = (worker, other) if data.get("keep") != "other" else (other, worker)
        result = lifecycle.do_merge_workers(actor=actor, keep=keep, other=gone, **common)
        return result.kept, result.effects
    else:
        done = lifecycle.do_set_worker_status(
            actor=actor, worker=worker, status=data["status"], on=data["on"], seen=seen, **common
        )
    return done, getattr(done, "effects", {})


#: What a change's effects say on the page, by key (only the keys that are there and not zero are shown).
EFFECT_MESSAGES = {
    "enrollments_ended": N_("Enrollments ended: {n}."),
    "enrollments_withdrawn": N_("Enrollments withdrawn before they began: {n}."),
    "committed_returned": N_("Returned to the pagu: {n}."),
    "overpaid_lines": N_("Bill lines already issued for months after the death: {n} (see the overpayment in monev)."),
    "enrollments_moved": N_("Enrollments moved to the record kept: {n}."),
    "claims_moved": N_("Claims moved to the record kept: {n}."),
}


def _running(worker: Worker, on: Any) -> int:
    """The worker's enrollments still running in the month of ``on`` or later (those a change ends)."""
    return worker.enrollments.filter(status="active", last_month__gte=on.replace(day=1)).count()


def _confirm_change(request: HttpRequest, worker: Worker, kind: str, data: dict[str, Any]) -> HttpResponse | None:
    """The changes that cannot be taken back (a death, a new NIK, a merge, an inactive worker: the enrollments they
    end do not come back) are said in words before they are made; the others are made at once."""
    who = f"{worker.name} ({worker.masked_nik})"
    ended = gettext(
        "Enrollments still running then end with that month: {n}; the months not billed go back to "
        "the pagu, and they do not come back if the change is reversed later."
    )
    if kind == "death":
        title = gettext("Record the death of {worker}?").format(worker=worker.name)
        verb = gettext("record the death")
        consequences = [
            gettext("{worker} is recorded as dead on {date}.").format(worker=who, date=data["died_on"].isoformat()),
            ended.format(n=_running(worker, data["died_on"])),
            gettext("The worker is no longer a candidate for any program."),
        ]
    elif kind == "status" and data.get("status") == WorkerStatus.INACTIVE:
        title = gettext("Make {worker} inactive?").format(worker=worker.name)
        verb = gettext("make inactive")
        consequences = [
            gettext("{worker} is inactive from {date}.").format(worker=who, date=data["on"].isoformat()),
            ended.format(n=_running(worker, data["on"])),
        ]
    elif kind == "nik":
        title = gettext("Correct the NIK of {worker}?").format(worker=worker.name)
        verb = gettext("correct the NIK")
        consequences = [
            gettext("The NIK {old} becomes {new}; check every digit.").format(
                old=worker.masked_nik, new=str(data["nik"]).strip()
            ),
            gettext("Birth date and sex are read again from the new NIK; the old NIK stays in the history."),
        ]
    elif kind == "merge":
        other = queries.get_worker(request.user, data["other"])
        keep, gone = (worker, other) if data.get("keep") != "other" else (other, worker)
        title = gettext("Merge two records of {worker}?").format(worker=keep.name)
        verb = gettext("merge the records")
        consequences = [
            gettext("{gone} is merged into {keep}, which is kept.").format(
                gone=f"{gone.name} ({gone.masked_nik}, #{gone.pk})", keep=f"{keep.name} ({keep.masked_nik}, #{keep.pk})"
            ),
            gettext("Its enrollments and claims move to the record kept; the merged record can no longer change."),
        ]
    else:
        return None
    back = reverse("registry:worker", args=[worker.pk])
    return confirm_first(
        request,
        title=title,
        consequences=consequences,
        verb=verb,
        back=back,
        check=lambda: _apply(request, worker, kind, data),
    )


#: The message after each change of a worker, naming them.
CHANGE_MESSAGES = {
    "death": N_("The death of {name} is recorded."),
    "move": N_("The move of {name} is recorded."),
    "correct": N_("The details of {name} are corrected."),
    "nik": N_("The NIK of {name} is corrected."),
    "merge": N_("The records are merged into {name}."),
    "status": N_("{name} is now {status}."),
}


@login_required
@require_http_methods(["POST"])
@confirm_uploads
def worker_change(request: HttpRequest, pk: int) -> HttpResponse:
    """One change of the worker (``form``: death, move, correct, nik, merge, status) through its action. A refusal
    is shown on the worker page beside the form as it was filled (422); nothing was written."""
    worker = queries.get_worker(request.user, pk)
    kind = request.POST.get("form", "")
    if kind not in CHANGE_FORMS:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field="form",
            value=kind[:20],
            valid=", ".join(CHANGE_FORMS),
        )
    form = CHANGE_FORMS[kind](request.POST, request.FILES or None, prefix=kind)
    if not form.is_valid():
        return _worker_page(request, worker, bound=(kind, form), error=gettext("Check the fields of the form."))
    try:
        if (page := _confirm_change(request, worker, kind, form.cleaned_data)) is not None:
            return page
        shown, effects = _apply(request, worker, kind, form.cleaned_data)
    except (PermissionDenied, NotAuthenticated):
        raise
    except ParitranaError as refusal:
        return _worker_page(request, worker, bound=(kind, form), error=refusal.render_message(gettext))
    messages.success(request, gettext(CHANGE_MESSAGES[kind]).format(name=shown.name, status=shown.get_status_display()))
    for key, message in EFFECT_MESSAGES.items():
        if effects.get(key):
            value = format_rupiah(Decimal(effects[key])) if key == "committed_returned" else effects[key]
            messages.info(request, gettext(message).format(n=value))
    for overlap in effects.get("overlaps", []):
        messages.warning(
            request,
            gettext("Covered twice from {first} to {last}: {programs}. Both enrollments were kept.").format(
                first=overlap["first"], last=overlap["last"], programs="; ".join(overlap["names"])
            ),
        )
    return redirect("registry:worker", pk=shown.pk)


@login_required
def event_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The document kept with a change, for whoever may see the worker; every opening is audited."""
    event = queries.get_event(request.user, pk)
    path = lifecycle.evidence_root() / event.evidence_file if event.evidence_file else None
    if path is None or not path.is_file():
        raise NotFound(N_("This change has no document."))
    audit.record(
        actor=request.user,
        action="worker.view_evidence",
        obj=event.worker,
        region_code=event.worker.desa_code,
        after={"event": event.pk, "file": event.evidence_name},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=event.evidence_name or path.name)


@login_required
@require_http_methods(["GET", "POST"])
@confirm_uploads
def deaths(request: HttpRequest) -> HttpResponse:
    """Upload a death list: queued and recorded in the background (a national list of 100,000 rows takes seconds),
    kept as an import with its progress, summary and report, shown on the import's page."""
    require(request.user, "registry.import")
    form = DeathListForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        check_size(upload.name or "", upload.size)
        if not form.cleaned_data["dry_run"]:  # a dry run writes nothing: no second step
            page = confirm_first(
                request,
                title=gettext("Record the deaths of {file}?").format(file=upload.name),
                consequences=[
                    gettext("Every worker of the list is recorded as dead on the date of their row."),
                    gettext("Their enrollments still running then end with that month; they do not come back."),
                    gettext("To see what would change first, go back and tick the dry run."),
                ],
                verb=gettext("record the deaths"),
            )
            if page is not None:
                return page
        job, error = attempt(
            lambda: do_queue_import(
                actor=request.user,
                chunks=upload.chunks(),
                filename=upload.name or "",
                size=upload.size,
                mode=form.cleaned_data["mode"],
                dry_run=form.cleaned_data["dry_run"],
                sheet=form.cleaned_data["sheet"],
                kind=ImportKind.DEATHS,
                list_source=form.cleaned_data["source"],
            )
        )
        if job is not None:
            messages.success(request, gettext("Death list {file} queued.").format(file=job.filename))
            return redirect("registry:import", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=cast(User, request.user), kind=ImportKind.DEATHS)[:20]
    context = {"form": form, "jobs": jobs, "error": error}
    return render(request, "registry/deaths.html", context, status=422 if form.errors or error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "registry.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        check_size(upload.name or "", upload.size)  # 413 before anything is kept, as everywhere
        job, error = attempt(
            lambda: do_queue_import(
                actor=request.user,
                chunks=upload.chunks(),
                filename=upload.name,
                size=upload.size,
                mode=form.cleaned_data["mode"],
                dry_run=form.cleaned_data["dry_run"],
                sheet=form.cleaned_data["sheet"],
                check_columns=form.cleaned_data["check_columns"],
            )
        )
        if error:
            jobs = ImportJob.objects.filter(created_by=cast(User, request.user))[:20]
            context = {"form": form, "jobs": jobs, "error": error}
            return render(request, "registry/import_new.html", context, status=422)
        if job.status == ImportStatus.QUEUED:
            messages.success(request, gettext("The import of {file} is queued.").format(file=job.filename))
        return redirect("registry:import", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=cast(User, request.user))[:20]
    return render(request, "registry/import_new.html", {"form": form, "jobs": jobs}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = queries.get_job(request.user, pk)
    if job.status == ImportStatus.MAPPING:
        return _check_columns(request, job)
    if request.method == "POST":
        raise Conflict(N_("This import has already started."))
    template = "registry/_import_status.html" if getattr(request, "htmx", False) else "registry/import_detail.html"
    return render(request, template, {"job": job})


def _check_columns(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """The column check: the guessed mapping and the first rows (NIKs masked); confirming queues the import. The rows
    are the upload's preview, read once when it was uploaded (``ingest.cached_preview``), never the whole file."""
    path, sheet = Path(job.stored_path), job.sheet or None
    table, error = attempt(lambda: cached_preview(path, filename=job.filename, sheet=sheet))
    if error:
        return render(request, "registry/import_columns.html", {"job": job, "error": error}, status=422)
    form = MappingForm(request.POST or None, headers=table.headers, guess=guess_mapping(table.headers))
    error = ""
    if request.method == "POST" and form.is_valid():
        queued, error = attempt(lambda: do_confirm_columns(actor=request.user, job=job, mapping=form.mapping()))
        if queued is not None:
            messages.success(request, gettext("The import of {file} is queued.").format(file=job.filename))
            return redirect("registry:import", pk=job.pk)
    # Any long run of digits may be a NIK, whatever its column is called: masked in the preview. ``\d`` stays
    # Unicode-wide on purpose (it masks, it does not read): a NIK in Arabic-Indic digits is masked too.
    preview = [[mask_nik(v) if v and re.fullmatch(r"\s*\d{10,}\s*", v) else v for v in row] for row in table.rows]
    context = {"job": job, "form": form, "headers": table.headers, "preview": preview, "error": error}
    return render(request, "registry/import_columns.html", context, status=422 if error else 200)


@login_required
def import_report(request: HttpRequest, pk: int) -> FileResponse:
    job = queries.get_job(request.user, pk)
    if not job.report_path or not Path(job.report_path).exists():
        raise NotFound(N_("This import has no report."))
    return FileResponse(
        Path(job.report_path).open("rb"), as_attachment=True, filename=f"{Path(job.filename).stem}-laporan.xlsx"
    )
