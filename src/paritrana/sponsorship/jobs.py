"""The sponsorship's long actions as background jobs (``core.jobs``): the billing run and the BPJS reconcile.

A page or the API queues them when they would keep a request waiting (``billing_in_background``); the job runs the
same action with the same user, so its rules and scope are the page's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from paritrana.core.dates import first_of_month
from paritrana.core.jobs import JobKind, Progress, do_queue_job, register
from paritrana.core.models import Job
from paritrana.core.permissions import require
from paritrana.core.sheets import check_size
from paritrana.sponsorship.actions.billing import do_run_billing
from paritrana.sponsorship.choices import ProgramStatus
from paritrana.sponsorship.models import Enrollment, Program

__all__ = [
    "BACKGROUND_BYTES",
    "BACKGROUND_LINES",
    "billing_in_background",
    "do_queue_billing",
    "do_queue_reconcile",
    "register_kinds",
]

#: A billing run expected to write more lines than this runs in the background: about a second of work at the
#: measured pace (``docs/performance.md``, national-billing), beyond which a page would keep its reader waiting.
BACKGROUND_LINES = 100_000
#: A participation list larger than this (about 100,000 rows, two seconds) is compared in the background.
BACKGROUND_BYTES = 5 * 1024 * 1024


def billing_in_background(actor: Any, month: date) -> bool:
    """Whether a run for ``month`` over the actor's active programs not yet billed would write more than
    ``BACKGROUND_LINES`` lines (counted on the enrollments that cover the month: one index range per program)."""
    scope = require(actor, "sponsorship.manage")
    waiting = (
        Program.objects.filter(status=ProgramStatus.ACTIVE)
        .filter(scope.q("sponsor__region_code"))
        .exclude(bills__month=month)
    )
    covered = Enrollment.objects.filter(Q(program__in=waiting), first_month__lte=month, last_month__gte=month)
    return covered[BACKGROUND_LINES : BACKGROUND_LINES + 1].exists()


def do_queue_billing(*, actor: Any, month: date, programs: list[Program] | None = None) -> Job:
    """Queue the billing run of ``month`` (for ``programs``, or all the actor's) as a background job."""
    require(actor, "sponsorship.manage")
    for program in programs or []:
        require(actor, "sponsorship.manage", program.sponsor.region_code)
    params: dict[str, Any] = {"month": first_of_month(month).isoformat()}
    if programs is not None:
        params["programs"] = [p.pk for p in programs]
    return do_queue_job(actor=actor, kind="billing_run", params=params)


def do_queue_reconcile(
    *, actor: Any, chunks: Iterable[bytes], filename: str, size: int | None, on: date | None, dry_run: bool
) -> Job:
    """Keep a BPJS participation list and queue its reconcile as a background job (a list of a million rows takes
    about 20 s). Its layout is checked when it runs: a wrong one fails the job with the reason, nothing written."""
    require(actor, "registry.view")
    check_size(filename, size)
    folder = Path(settings.MEDIA_ROOT) / "bpjs" / "queued"
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex}{Path(filename).suffix.lower()[:6]}"
    with stored.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    params = {"path": str(stored), "filename": filename[:255], "on": on.isoformat() if on else "", "dry_run": dry_run}
    try:
        return do_queue_job(actor=actor, kind="bpjs_reconcile", params=params)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise


def _billing_run(actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    month = date.fromisoformat(params["month"])
    chosen = params.get("programs")
    programs = list(Program.objects.filter(pk__in=chosen).select_related("sponsor")) if chosen else None
    return do_run_billing(actor=actor, month=month, programs=programs, progress=progress).totals()


def _reconcile(actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from paritrana.sponsorship import bpjs

    upload = Path(params["path"])
    try:
        result = bpjs.do_reconcile_participation(
            actor=actor,
            source=upload,
            filename=params["filename"],
            on=date.fromisoformat(params["on"]) if params.get("on") else None,
            dry_run=bool(params.get("dry_run")),
        )
    finally:
        upload.unlink(missing_ok=True)  # the run keeps its own copy of the list
    return result.summary


def register_kinds() -> None:
    register(
        JobKind(
            name="billing_run",
            label=gettext_noop("Billing run"),
            capability="sponsorship.manage",
            run=_billing_run,
            outcome=lambda summary: reverse("sponsorship:billing"),
            figures={
                "month": gettext_noop("Month"),
                "bill_count": gettext_noop("Bills made"),
                "already_billed_count": gettext_noop("Programs already billed for the month"),
                "workers": gettext_noop("Workers billed"),
                "amount": gettext_noop("Amount (Rp)"),
            },
        )
    )
    register(
        JobKind(
            name="bpjs_reconcile",
            label=gettext_noop("BPJS participation reconcile"),
            capability="registry.view",
            run=_reconcile,
            outcome=lambda summary: (
                reverse("sponsorship:reconcile_run", args=[summary["run"]])
                if summary.get("run")
                else reverse("sponsorship:reconcile")
            ),
            figures={
                "filename": gettext_noop("File"),
                "on": gettext_noop("Date of the list"),
                "rows": gettext_noop("Rows"),
                "differences": gettext_noop("Differences"),
            },
        )
    )
