"""Registry pages: worker list and page (masked NIKs), upload of a list, the import's progress and report."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from paritrana.core.errors import N_, Conflict, NotFound, ParitranaError
from paritrana.core.permissions import can, require
from paritrana.core.privacy import looks_like_nik, refuse_nik_in_address
from paritrana.regions.queries import normalize_code
from paritrana.registry import queries
from paritrana.registry.actions import do_reveal_nik
from paritrana.registry.forms import ImportForm, MappingForm, WorkerFilterForm
from paritrana.registry.ingest import check_mapping, check_size, guess_mapping, mask_nik, read_table
from paritrana.registry.models import ImportJob
from paritrana.registry.tasks import import_workers_task
from paritrana.sponsorship.queries import worker_coverage


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
    workers = queries.workers_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(workers, settings.PARITRANA.page_size).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    query.pop("csrfmiddlewaretoken", None)
    if looks_like_nik(query.get("q", "")):
        query.pop("q")  # a NIK search finds one worker: no further page to link to
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_import": can(request.user, "registry.import"),
    }
    template = "registry/_worker_rows.html" if getattr(request, "htmx", False) else "registry/worker_list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = queries.get_worker(request.user, pk)
    full_nik = do_reveal_nik(worker=worker, actor=request.user) if request.method == "POST" else None
    context = {
        "worker": worker,
        "full_nik": full_nik,
        "can_reveal": can(request.user, "registry.view_nik", worker.desa_code),
        "coverage": worker_coverage(worker),
    }
    return render(request, "registry/worker_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "registry.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        check_size(upload.name or "", upload.size)
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()[:6]}"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        job = ImportJob.objects.create(
            created_by=cast(User, request.user),
            filename=upload.name[:255],
            stored_path=str(stored),
            mode=form.cleaned_data["mode"],
            dry_run=form.cleaned_data["dry_run"],
            sheet=form.cleaned_data["sheet"],
            status="mapping" if form.cleaned_data["check_columns"] else "queued",
        )
        if job.status == "queued":
            import_workers_task.enqueue(job.pk)
        return redirect("registry:import", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=cast(User, request.user))[:20]
    return render(request, "registry/import_new.html", {"form": form, "jobs": jobs}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = queries.get_job(request.user, pk)
    if job.status == "mapping":
        return _check_columns(request, job)
    if request.method == "POST":
        raise Conflict(N_("This import has already started."))
    template = "registry/_import_status.html" if getattr(request, "htmx", False) else "registry/import_detail.html"
    return render(request, template, {"job": job})


def _check_columns(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """The column check: the guessed mapping and the first rows (NIKs masked); confirming queues the import."""
    table = read_table(Path(job.stored_path), filename=job.filename, sheet=job.sheet or None)
    form = MappingForm(request.POST or None, headers=table.headers, guess=guess_mapping(table.headers))
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            mapping = check_mapping(form.mapping(), table.headers)
        except ParitranaError as exc:
            error = exc.render_message(gettext)
        else:
            ImportJob.objects.filter(pk=job.pk, status="mapping").update(mapping=mapping, status="queued")
            import_workers_task.enqueue(job.pk)
            return redirect("registry:import", pk=job.pk)
    # Any long run of digits may be a NIK, whatever its column is called: masked in the preview. ``\d`` stays
    # Unicode-wide on purpose (it masks, it does not read): a NIK in Arabic-Indic digits is masked too.
    preview = [
        [mask_nik(v) if v and re.fullmatch(r"\s*\d{10,}\s*", v) else v for v in (row[h] for h in table.headers)]
        for row in table.frame.head(5).iter_rows(named=True)
    ]
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
