"""Background jobs: a long action queued by a page or the API and run by ``paritrana worker`` (the database is the
queue), its progress on its page (``/jobs/<id>/``) and its outcome kept.

Two kinds of job share one lease (``Lease``): worker and death lists (``registry.ImportJob``, ``registry.tasks``)
and the long actions (``Job``): a national billing run, a facts refresh, a BPJS reconcile. Every job ends ``done``
or ``failed``, never ``running`` for good:

- The action is the one every other door calls, with the user who queued the job: its rules and its scope apply
  as they would on the page. An error of the one tree fails the job with its code, message id and details; any other
  exception (a bug) fails it with ``unexpected_error`` and the exception's class, the frames going to the worker's
  log only (an exception's text may quote a cell: a name or a NIK).
- The lease: the worker sets ``heartbeat_at`` when it takes the job and, from a thread of its own (its own database
  connection, so outside the action's transaction), every ``HEARTBEAT_EVERY`` with the progress the action reports.
  A job ``running`` without a sign for ``STALE_AFTER`` lost its worker (SIGKILL, out of memory, a restart):
  ``Lease.recover`` (run by ``paritrana worker`` when it starts and every minute) queues it again once (every job
  kind is all or nothing, or does again exactly what it had not finished, so running it again is safe) and fails
  it with ``worker_stopped`` when its second run dies too or when it holds no heartbeat.

A kind is registered by its app (``register``, from its ``AppConfig.ready``): the capability that may queue and see
it, and how to run it (``run(actor, params, progress) -> summary``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connections, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task
from ninja import Schema

from paritrana.core import audit
from paritrana.core.errors import N_, NotAuthenticated, NotFound, ParitranaError
from paritrana.core.models import Job, JobStatus, LeasedJob
from paritrana.core.permissions import SYSTEM, can, require, scope_for

__all__ = [
    "JOB_LEASE",
    "KINDS",
    "JobKind",
    "JobOut",
    "Lease",
    "Progress",
    "do_queue_job",
    "get_job",
    "jobs_for",
    "recover_all",
    "register",
    "run_job",
    "run_job_task",
    "start_sweeper",
]

logger = logging.getLogger(__name__)

#: What an action is told as it goes: ``progress(done, total)``.
Progress = Callable[[int, int], None]

#: How often a running worker looks for jobs whose worker stopped (seconds).
SWEEP_EVERY = 60.0


def note(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}


def failure(code: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """The fields of a failed job: the reason as a message id with its details, and in English for the API."""
    plain = json.loads(json.dumps(details, default=str))  # dates, Decimals, paths: as text
    english = ParitranaError(message, **plain).render_message()
    return {
        "status": JobStatus.FAILED,
        "error": english,
        "error_code": code,
        "error_message": message,
        "error_details": plain,
        "finished_at": timezone.now(),
    }


class Heartbeat:
    """While a job runs: every ``HEARTBEAT_EVERY``, from a thread with its own database connection (so outside the
    action's transaction, and seen by others at once), the job's ``heartbeat_at`` and its progress."""

    def __init__(self, model: type[LeasedJob], job_id: int, attempt: int) -> None:
        self.model, self.job_id, self.attempt = model, job_id, attempt
        self.done = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-heartbeat-{job_id}", daemon=True)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        # A beat may wait for SQLite's write lock (its busy timeout, 20 s): not longer than that.
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.model.HEARTBEAT_EVERY.total_seconds()):
                try:
                    self.model._default_manager.filter(
                        pk=self.job_id, attempts=self.attempt, status=JobStatus.RUNNING
                    ).update(heartbeat_at=timezone.now(), progress=self.done, total=self.total)
                except Exception as exc:
                    logger.warning("job %s: heartbeat not written (%s)", self.job_id, type(exc).__name__)
        finally:
            connections.close_all()  # this thread's connections only


@dataclass(frozen=True)
class Lease:
    """How the jobs of one model are taken, run and recovered when their worker stopped."""

    model: type[LeasedJob]
    #: Queue the job's task again (in the caller's transaction: the database queue).
    enqueue: Callable[[int], Any]
    #: The audit action of a recovery.
    recovered: str
    unexpected: str  # the message of a bug; placeholders {kind} and {job}
    restarted: str  # the note of a job run again
    stopped: str  # the message of a job whose runs all died; placeholder {attempts}
    max_attempts: int = 2

    @property
    def rows(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def run(self, job_id: int, work: Callable[[Any, Progress], Any]) -> tuple[Any, Any, int] | None:
        """Take the queued job ``job_id`` and run ``work(job, progress)`` under the lease. Returns the job, what
        ``work`` answered and the last total it told (0: none), or None when the job was not queued any more
        (finished, or taken by another run) or failed (its reason is recorded). Every write after this names the run
        (``mine``)."""
        claimed = self.rows.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now(), progress=0, total=0
        )
        if not claimed:
            logger.info("job %s is not queued any more: skipped", job_id)
            return None
        job = self.rows.select_related("created_by").get(pk=job_id)
        try:
            with Heartbeat(self.model, job.pk, job.attempts) as beat:
                return job, work(job, beat.progress), beat.total
        except ParitranaError as exc:
            self.mine(job).update(**failure(exc.code, exc.message, exc.details))
        except Exception as exc:  # a bug: the job fails with a reason a person can read, the frames go to the log
            frames = "".join(traceback.format_tb(exc.__traceback__))
            logger.error("job %s stopped on an unexpected %s:\n%s", job.pk, type(exc).__name__, frames)
            self.mine(job).update(
                **failure("unexpected_error", self.unexpected, {"kind": type(exc).__name__, "job": job.pk})
            )
        except BaseException:  # the worker is told to stop at once (a second Ctrl+C): the action was rolled back
            with contextlib.suppress(Exception):  # else the sweep finds the job without heartbeat, later
                self.requeue_or_fail(job, judged_stale=False)
            raise
        return None

    def mine(self, job: Any) -> models.QuerySet[Any]:
        """The job as long as this run holds it: once it was taken from a stopped run and given to a new one, the
        stopped run (were it only slow) changes nothing."""
        return self.rows.filter(pk=job.pk, attempts=job.attempts)

    def requeue_or_fail(self, job: Any, *, judged_stale: bool) -> str:
        """Give a job whose run stopped one more run, or fail it. ``judged_stale``: the job was found without a
        heartbeat, and the change applies only if no beat came since. Returns the new status, or "" if the job had
        moved on meanwhile (finished, or beat again)."""
        rows = self.rows.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)
        if judged_stale:
            rows = rows.filter(heartbeat_at=job.heartbeat_at) if job.heartbeat_at else rows.filter(heartbeat_at=None)
        with transaction.atomic():
            if job.heartbeat_at is not None and job.attempts < self.max_attempts:
                restarted = note("worker_restarted", self.restarted)
                changed = rows.update(status=JobStatus.QUEUED, notes=[*job.notes, restarted], progress=0, total=0)
                status = JobStatus.QUEUED
            else:
                changed = rows.update(**failure("worker_stopped", self.stopped, {"attempts": job.attempts}))
                status = JobStatus.FAILED
            if not changed:
                return ""
            audit.record(
                actor=SYSTEM,
                action=self.recovered,
                object_type=self.model._meta.label_lower,
                object_id=job.pk,
                region_code=job.region_code,
                before={"status": JobStatus.RUNNING, "attempts": job.attempts},
                after={"status": status},
            )
            if status == JobStatus.QUEUED:  # the database queue: its task is written in the same transaction
                self.enqueue(job.pk)
        logger.warning("job %s: its worker stopped during run %s; now %s", job.pk, job.attempts, status)
        return str(status)

    def recover(self, *, now: datetime | None = None) -> dict[int, str]:
        """Running jobs without a heartbeat for ``STALE_AFTER`` (their worker stopped): queued again for one more
        run, or failed with ``worker_stopped``. Returns ``{job id: new status}``."""
        cutoff = (now or timezone.now()) - self.model.STALE_AFTER
        stale = self.rows.filter(status=JobStatus.RUNNING).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
        )
        outcome: dict[int, str] = {}
        for job in stale.order_by("pk"):
            status = self.requeue_or_fail(job, judged_stale=True)
            if status:
                outcome[job.pk] = status
        return outcome


#: The leases the worker sweeps; ``registry.tasks`` adds the imports' one.
LEASES: list[Lease] = []


def recover_all(*, now: datetime | None = None) -> dict[str, dict[int, str]]:
    """Every lease's recovery (``Lease.recover``), by model."""
    return {lease.model._meta.label_lower: lease.recover(now=now) for lease in LEASES}


def start_sweeper(every: float = SWEEP_EVERY) -> threading.Event:
    """Look for jobs whose worker stopped every ``every`` seconds, in a thread of the worker process (with its own
    database connection). Set the returned event to stop it."""
    stop = threading.Event()

    def sweep() -> None:
        while not stop.wait(every):
            try:
                recover_all()
            except DatabaseError as exc:  # the database restarting: the next sweep tries again
                logger.warning("the sweep for stopped jobs failed (%s)", type(exc).__name__)
            finally:
                connections.close_all()

    threading.Thread(target=sweep, name="job-sweeper", daemon=True).start()
    return stop


# --- the long actions -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    """A long action that may run in the background."""

    name: str
    label: str  # a message id: what the job does, shown on its page ("Billing run")
    capability: str  # who may queue it, and see it inside their scope
    run: Callable[[Any, dict[str, Any], Progress], dict[str, Any]]  # (actor, params, progress) -> summary
    #: Where its outcome is seen (the bills of the month, the run's differences), from its summary; None for nowhere.
    outcome: Callable[[dict[str, Any]], str] | None = None
    #: The figures of its summary its page shows: ``{key: label}`` (labels are message ids), in this order.
    figures: dict[str, str] = field(default_factory=dict)


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.name] = kind


def do_queue_job(*, actor: Any, kind: str, params: dict[str, Any]) -> Job:
    """Queue ``kind`` with ``params`` for ``actor``; it runs with the actor's rights as they are when it runs. The
    job is seen by the actor and by whoever holds the kind's capability where the actor's scope lies."""
    spec = KINDS[kind]  # an unknown kind is a programming error, never a user's
    scope = require(actor, spec.capability)
    region = "" if scope.national or len(scope.codes) != 1 else next(iter(scope.codes))
    with transaction.atomic():
        job = Job.objects.create(kind=kind, params=params, created_by=actor, region_code=region)
        audit.record(actor=actor, action="job.queue", obj=job, region_code=region, after={"kind": kind, **params})
        run_job_task.enqueue(job.pk)
    return job


def get_job(user: Any, pk: int) -> Job:
    """A job, for whoever queued it and whoever holds its kind's capability over its region (everywhere, for a job
    queued with a national scope)."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    job = Job.objects.filter(pk=pk).first()
    if job is None or not _sees(user, job):
        raise NotFound(N_("There is no background job {id}."), id=pk)
    return job


def _sees(user: Any, job: Job) -> bool:
    if job.created_by_id == user.pk:
        return True
    spec = KINDS.get(job.kind)
    if spec is None:
        return False
    if job.region_code:
        return can(user, spec.capability, job.region_code)
    return scope_for(user, spec.capability).national


def jobs_for(user: Any, *, limit: int = 20) -> list[Job]:
    """The user's own latest jobs."""
    return list(Job.objects.filter(created_by=user).order_by("-created_at")[:limit])


UNEXPECTED = N_(
    "The job stopped on an unexpected error ({kind}) and what it was doing was undone. Tell the administrator the "
    "number of this job ({job}): the worker's log has the details."
)
STOPPED = N_(
    "The background worker stopped during this job (run {attempts}) and the job was not finished. Start it again: "
    "it does not do twice what it had finished."
)
RESTARTED = N_("The background worker stopped during this job; the job was started again.")


def run_job(job_id: int) -> None:
    """Run one queued job with the action of its kind and record its summary."""

    def work(job: Job, progress: Progress) -> dict[str, Any]:
        return KINDS[job.kind].run(job.created_by, job.params, progress)

    ran = JOB_LEASE.run(job_id, work)
    if ran is None:
        return
    job, summary, total = ran
    plain = json.loads(json.dumps(summary, default=str))
    now = timezone.now()
    whole = max(total, 1)  # all of it done (1 of 1 for an action that tells no progress)
    JOB_LEASE.mine(job).update(
        status=JobStatus.DONE, result=plain, progress=whole, total=whole, heartbeat_at=now, finished_at=now
    )


class JobOut(Schema):
    """The API's view of a job, for every router that queues one: ``status`` queued, running, done or failed;
    ``progress`` of ``total`` while it runs; ``result`` (the action's summary) once done, ``error_code`` and
    ``error`` once failed. ``GET /api/v1/jobs/{id}`` follows it."""

    id: int
    kind: str
    params: dict[str, Any]
    status: str
    progress: int
    total: int
    result: dict[str, Any]
    error_code: str
    error: str
    notes: list[dict[str, Any]]
    created_at: datetime
    finished_at: datetime | None


@task()
def run_job_task(job_id: int) -> None:
    run_job(job_id)


JOB_LEASE = Lease(
    model=Job,
    enqueue=lambda pk: run_job_task.enqueue(pk),
    recovered="job.recovered",
    unexpected=UNEXPECTED,
    restarted=RESTARTED,
    stopped=STOPPED,
)
LEASES.append(JOB_LEASE)
