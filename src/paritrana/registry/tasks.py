"""Background imports: the web page queues a job; ``paritrana worker`` runs it (the database is the queue).

Every job ends ``done``, ``rejected`` or ``failed``, never ``running`` for good:

- An error of the one tree fails the job with its code, message id and details; any other exception (a bug) fails it
  with ``unexpected_error`` and the exception's class. The reason is stored as a message id and its placeholders
  (``ImportJob.error_message``, ``error_details``), so the page shows it in Indonesian; the traceback goes to the
  worker's log only (its frames, not the exception's text, which may quote a cell: a name or a NIK).
- The import writes in one transaction and commits before the report is made: a report that cannot be made (a
  character a spreadsheet refuses, a full disk) leaves the job ``done`` with a note, never undoes or hides the import.
- A lease: the worker sets ``heartbeat_at`` when it takes the job and, from a thread of its own (its own database
  connection, outside the import's transaction), every ``ImportJob.HEARTBEAT_EVERY`` while it runs. A job ``running``
  without a sign for ``ImportJob.STALE_AFTER`` lost its worker (SIGKILL, out of memory, a machine restart):
  ``recover_stale_jobs`` (run by ``paritrana worker`` when it starts and every minute while it runs) queues it again
  once (the import is all or nothing, so a run that died wrote nothing, and running a list again is safe: an upsert
  by NIK), and fails it with ``worker_stopped`` when its second run dies too (a list too large for the worker's
  memory would otherwise kill every worker in turn) or when it holds no heartbeat (left from before the lease).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from paritrana.core import audit
from paritrana.core.errors import N_, ParitranaError
from paritrana.core.permissions import SYSTEM
from paritrana.registry.actions import ImportResult, do_import_workers
from paritrana.registry.choices import ImportStatus
from paritrana.registry.models import ImportJob

__all__ = ["MAX_ATTEMPTS", "import_workers_task", "recover_stale_jobs", "run_import_job", "start_sweeper"]

logger = logging.getLogger(__name__)

#: Runs a job gets: the first and, when its worker died, one more.
MAX_ATTEMPTS = 2
#: How often a running worker looks for jobs whose worker stopped (seconds).
SWEEP_EVERY = 60.0

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


def _note(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}


def _failure(code: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """The fields of a failed job: the reason as a message id with its details, and in English for the API."""
    plain = json.loads(json.dumps(details, default=str))  # dates, Decimals, paths: as text
    english = ParitranaError(message, **plain).render_message()
    return {
        "status": ImportStatus.FAILED,
        "error": english,
        "error_code": code,
        "error_message": message,
        "error_details": plain,
        "finished_at": timezone.now(),
    }


class _Heartbeat:
    """While an import runs: every ``HEARTBEAT_EVERY``, from a thread with its own database connection (so outside
    the import's transaction, and seen by others at once), the job's ``heartbeat_at`` and its progress."""

    def __init__(self, job_id: int, attempt: int) -> None:
        self.job_id, self.attempt = job_id, attempt
        self.done = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-heartbeat-{job_id}", daemon=True)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        # A beat may wait for SQLite's write lock (its busy timeout, 20 s): not longer than that.
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while not self._stop.wait(ImportJob.HEARTBEAT_EVERY.total_seconds()):
                try:
                    ImportJob.objects.filter(pk=self.job_id, attempts=self.attempt, status=ImportStatus.RUNNING).update(
                        heartbeat_at=timezone.now(), progress=self.done, total=self.total
                    )
                except Exception as exc:
                    logger.warning("import job %s: heartbeat not written (%s)", self.job_id, type(exc).__name__)
        finally:
            connections.close_all()  # this thread's connections only


def run_import_job(job_id: int) -> None:
    """Run one queued import and record its outcome on the job; a job no longer queued (finished, or taken by
    another run) is left alone."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now, progress=0, total=0
    )
    if not claimed:
        logger.info("import job %s is not queued any more: skipped", job_id)
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    # Every later write names this run: once the job was taken from a stopped run and given to a new one, the
    # stopped run (were it only slow) changes nothing.
    mine = ImportJob.objects.filter(pk=job.pk, attempts=job.attempts)
    try:
        with _Heartbeat(job.pk, job.attempts) as beat:
            result = do_import_workers(
                source=Path(job.stored_path),
                filename=job.filename,
                actor=job.created_by,
                mode=job.mode,
                dry_run=job.dry_run,
                mapping=job.mapping or None,
                sheet=job.sheet or None,
                progress=beat.progress,
            )
    except ParitranaError as exc:
        mine.update(**_failure(exc.code, exc.message, exc.details))
        return
    except Exception as exc:  # a bug: the job fails with a reason a person can read, the frames go to the log
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("import job %s stopped on an unexpected %s:\n%s", job.pk, type(exc).__name__, frames)
        mine.update(**_failure("unexpected_error", UNEXPECTED, {"kind": type(exc).__name__, "job": job.pk}))
        return
    except BaseException:  # the worker is told to stop at once (a second Ctrl+C): the import was rolled back
        with contextlib.suppress(Exception):  # else the sweep finds the job without heartbeat, later
            _requeue_or_fail(job, judged_stale=False)
        raise
    # The import is committed: from here on nothing may fail the job.
    notes = list(job.notes)
    report = ""
    if result.issues.height:
        report, note = _write_report(job, result)
        if note:
            notes.append(note)
    summary = {k: v for k, v in result.summary.items() if k != "mapping"}
    mine.update(
        status=ImportStatus.REJECTED if summary["status"] == ImportStatus.REJECTED else ImportStatus.DONE,
        summary=summary,
        report_path=report,
        mapping=result.summary["mapping"],
        notes=notes,
        progress=summary["rows"],
        total=summary["rows"],
        heartbeat_at=timezone.now(),
        finished_at=timezone.now(),
    )


def _write_report(job: ImportJob, result: ImportResult) -> tuple[str, dict[str, Any] | None]:
    """The report beside the stored file, or, when it cannot be made, no report and a note saying so."""
    path = Path(job.stored_path).with_suffix(".report.xlsx")
    try:
        path.write_bytes(result.report("xlsx"))
    except Exception as exc:
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("import job %s: the report failed on %s:\n%s", job.pk, type(exc).__name__, frames)
        path.unlink(missing_ok=True)
        return "", _note("report_failed", REPORT_FAILED, kind=type(exc).__name__)
    return str(path), None


def _requeue_or_fail(job: ImportJob, *, judged_stale: bool) -> str:
    """Give a job whose run stopped one more run, or fail it. ``judged_stale``: the job was found without a
    heartbeat, and the change applies only if no beat came since. Returns the new status, or "" if the job had
    moved on meanwhile (finished, or beat again)."""
    rows = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, attempts=job.attempts)
    if judged_stale:
        rows = rows.filter(heartbeat_at=job.heartbeat_at) if job.heartbeat_at else rows.filter(heartbeat_at=None)
    with transaction.atomic():
        if job.heartbeat_at is not None and job.attempts < MAX_ATTEMPTS:
            note = _note("worker_restarted", WORKER_RESTARTED)
            changed = rows.update(status=ImportStatus.QUEUED, notes=[*job.notes, note], progress=0, total=0)
            status = ImportStatus.QUEUED
        else:
            changed = rows.update(**_failure("worker_stopped", WORKER_STOPPED, {"attempts": job.attempts}))
            status = ImportStatus.FAILED
        if not changed:
            return ""
        audit.record(
            actor=SYSTEM,
            action="workers.import_recovered",
            object_type="registry.importjob",
            object_id=job.pk,
            region_code=job.region_code,
            before={"status": ImportStatus.RUNNING, "attempts": job.attempts},
            after={"status": status},
        )
        if status == ImportStatus.QUEUED:  # the database queue: its task is written in the same transaction
            import_workers_task.enqueue(job.pk)
    logger.warning("import job %s: its worker stopped during run %s; now %s", job.pk, job.attempts, status)
    return status


def recover_stale_jobs(*, now: datetime | None = None) -> dict[int, str]:
    """Running jobs without a heartbeat for ``ImportJob.STALE_AFTER`` (their worker stopped): queued again for one
    more run, or failed with ``worker_stopped`` (see the module's docstring). Returns ``{job id: new status}``."""
    cutoff = (now or timezone.now()) - ImportJob.STALE_AFTER
    stale = ImportJob.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
    outcome: dict[int, str] = {}
    for job in stale.order_by("pk"):
        status = _requeue_or_fail(job, judged_stale=True)
        if status:
            outcome[job.pk] = status
    return outcome


def start_sweeper(every: float = SWEEP_EVERY) -> threading.Event:
    """Look for jobs whose worker stopped every ``every`` seconds, in a thread of the worker process (with its own
    database connection). Set the returned event to stop it."""
    stop = threading.Event()

    def sweep() -> None:
        while not stop.wait(every):
            try:
                recover_stale_jobs()
            except DatabaseError as exc:  # the database restarting: the next sweep tries again
                logger.warning("the sweep for stopped imports failed (%s)", type(exc).__name__)
            finally:
                connections.close_all()

    threading.Thread(target=sweep, name="import-sweeper", daemon=True).start()
    return stop


@task()
def import_workers_task(job_id: int) -> None:
    run_import_job(job_id)
