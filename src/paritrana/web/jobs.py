"""The pages of the background jobs: a job's progress and outcome (refreshed every second while it runs), and the
user's latest jobs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from paritrana.core.jobs import KINDS, get_job, jobs_for
from paritrana.core.models import Job, JobStatus


def _label(job: Job) -> str:
    spec = KINDS.get(job.kind)
    return gettext(spec.label) if spec else job.kind


def _view(job: Job) -> dict[str, Any]:
    """What the page shows of a job: its label, the figures its kind names and where to see its outcome."""
    spec = KINDS.get(job.kind)
    done = job.status == JobStatus.DONE
    figures = [(gettext(label), job.result.get(key, "")) for key, label in (spec.figures if spec else {}).items()]
    outcome = spec.outcome(job.result) if spec and spec.outcome and done else ""
    return {"job": job, "label": _label(job), "figures": figures if done else [], "outcome": outcome}


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job(request.user, pk)
    template = "web/_job_status.html" if getattr(request, "htmx", False) else "web/job.html"
    return render(request, template, _view(job))


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    rows = [(job, _label(job)) for job in jobs_for(request.user)]
    return render(request, "web/jobs.html", {"rows": rows})
