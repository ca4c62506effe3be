"""Background imports: the web page (or the API) queues a worker list or a death list; ``paritrana worker`` runs it
(the database is the queue), under the lease every background job shares (``core.jobs``: heartbeat, one more run
when the worker stopped, a reason a person can read when it fails).

What is the imports' own:

- The import writes in one transaction and commits before the report is made: a report that cannot be made (a
  character a spreadsheet refuses, a full disk) leaves the job ``done`` with a note, never undoes or hides the import.
- A list whose worker stopped runs again once: the import is all or nothing, so a run that died wrote nothing, and
  running a list again is safe (an upsert by NIK; a death already recorded is reported, not recorded twice). Its
  second death fails it with ``worker_stopped``: a list too large for the worker's memory would otherwise kill every
  worker in turn.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django_tasks import task

from paritrana.core.errors import N_
from paritrana.core.jobs import LEASES, Lease, Progress, note
from paritrana.registry.actions import ImportResult, do_import_workers
from paritrana.registry.choices import ImportKind, ImportStatus
from paritrana.registry.lifecycle import DeathListResult, do_import_deaths
from paritrana.registry.models import ImportJob

__all__ = ["IMPORT_LEASE", "MAX_ATTEMPTS", "import_workers_task", "recover_stale_jobs", "run_import_job"]

logger = logging.getLogger(__name__)

#: Runs a job gets: the first and, when its worker died, one more.
MAX_ATTEMPTS = 2

UNEXPECTED = N_(
    "The import stopped on an unexpected error ({kind}) and nothing was written to the registry. Tell the "
    "administrator the number of this import ({job}): the worker's log has the details."
)
WORKER_STOPPED = N_(
    "The background worker stopped during this import (run {attempts}) and the import was not finished. An import "
    "is saved whole or not at all: upload the file again, split into smaller files if it is very large."
)
WORKER_RESTARTED = N_("The background worker stopped during this import; the import was started again.")
REPORT_FAILED = N_(
    "The import is finished, but the report of the rows with problems could not be made ({kind}). To see those "
    "rows, check the file again as a dry run."
)


def run_import_job(job_id: int) -> None:
    """Run one queued import (a worker list or a death list) and record its outcome on the job; a job no longer
    queued (finished, or taken by another run) is left alone."""
    ran = IMPORT_LEASE.run(job_id, _import)
    if ran is None:
        return
    job, result, _told = ran
    # The import is committed: from here on nothing may fail the job.
    notes = list(job.notes)
    report = ""
    if result.issues.height:
        report, report_note = _write_report(job, result)
        if report_note:
            notes.append(report_note)
    summary = {k: v for k, v in result.summary.items() if k != "mapping"}
    IMPORT_LEASE.mine(job).update(
        status=ImportStatus.REJECTED if summary["status"] == ImportStatus.REJECTED else ImportStatus.DONE,
        summary=summary,
        report_path=report,
        mapping=result.summary.get("mapping", job.mapping),
        notes=notes,
        progress=summary["rows"],
        total=summary["rows"],
        heartbeat_at=timezone.now(),
        finished_at=timezone.now(),
    )


def _import(job: ImportJob, progress: Progress) -> ImportResult | DeathListResult:
    if job.kind == ImportKind.DEATHS:
        return do_import_deaths(
            actor=job.created_by,
            source=Path(job.stored_path),
            filename=job.filename,
            mode=job.mode,
            dry_run=job.dry_run,
            sheet=job.sheet or None,
            list_source=job.list_source,
            progress=progress,
        )
    return do_import_workers(
        source=Path(job.stored_path),
        filename=job.filename,
        actor=job.created_by,
        mode=job.mode,
        dry_run=job.dry_run,
        mapping=job.mapping or None,
        sheet=job.sheet or None,
        progress=progress,
    )


def _write_report(job: ImportJob, result: ImportResult | DeathListResult) -> tuple[str, dict[str, Any] | None]:
    """The report beside the stored file, or, when it cannot be made, no report and a note saying so."""
    path = Path(job.stored_path).with_suffix(".report.xlsx")
    try:
        path.write_bytes(result.report("xlsx"))
    except Exception as exc:
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("import job %s: the report failed on %s:\n%s", job.pk, type(exc).__name__, frames)
        path.unlink(missing_ok=True)
        return "", note("report_failed", REPORT_FAILED, kind=type(exc).__name__)
    return str(path), None


def recover_stale_jobs(*, now: datetime | None = None) -> dict[int, str]:
    """Imports without a heartbeat for ``ImportJob.STALE_AFTER`` (their worker stopped): queued again for one more
    run, or failed with ``worker_stopped`` (see ``core.jobs``). Returns ``{job id: new status}``."""
    return IMPORT_LEASE.recover(now=now)


@task()
def import_workers_task(job_id: int) -> None:
    run_import_job(job_id)


IMPORT_LEASE = Lease(
    model=ImportJob,
    enqueue=lambda pk: import_workers_task.enqueue(pk),
    recovered="workers.import_recovered",
    unexpected=UNEXPECTED,
    restarted=WORKER_RESTARTED,
    stopped=WORKER_STOPPED,
    max_attempts=MAX_ATTEMPTS,
)
LEASES.append(IMPORT_LEASE)
