"""The append-only audit log, and the jobs that run long actions in the background."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from paritrana.core.errors import N_, Conflict

__all__ = ["AuditEvent", "Job", "JobStatus", "LeasedJob", "render_message"]


class AuditEvent(models.Model):
    """One write: who, when (UTC), what object, which action, the object before and after as JSON.

    Rows are never changed or deleted: ``save`` refuses updates, ``delete`` refuses, and database triggers
    (migration 0002) refuse UPDATE and DELETE from any client, so the log is append-only even outside the app.
    The actor is kept as id and username, not a foreign key, so that removing a user never touches the log.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    region_code = models.CharField(_("region"), max_length=13, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise Conflict(N_("The audit log is append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise Conflict(N_("The audit log is append-only."))


def render_message(message: str, details: dict[str, Any]) -> str:
    """A stored message id in the active language, its placeholders filled (a missing one stays visible)."""
    template = gettext(message) if message else ""
    try:
        return template.format_map(_Keep(details))
    except (ValueError, IndexError):  # a translator's typo must not hide the message itself
        return template


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LeasedJob(models.Model):
    """What every background job holds: who asked, its status and progress, why it failed, and the lease by which
    a job whose worker stopped is found (``core.jobs.Lease``). Worker imports (``registry.ImportJob``) and the long
    actions (``Job``) are both."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    #: Why a failed job failed: ``error_code`` (``invalid_input``, ``unexpected_error``, ``worker_stopped``...), the
    #: gettext message id and its placeholders, so that a page shows it in its reader's language (``error_text``).
    #: ``error`` keeps the same message in English, filled in, for the API and the logs.
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    error_details = models.JSONField(default=dict, blank=True)
    #: What a person should know about a job that ended: ``[{"code", "message", "details"}]`` (the worker stopped
    #: and the job ran again; the report could not be made).
    notes = models.JSONField(default=list, blank=True)
    #: The lease of a running job: the worker running it sets this when it starts and every ``HEARTBEAT_EVERY``
    #: after; a running job silent for ``STALE_AFTER`` lost its worker (``core.jobs.Lease.recover``).
    heartbeat_at = models.DateTimeField(_("last sign of the worker"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # runs started, the one going on included
    region_code = models.CharField(max_length=13, blank=True)  # where the job acts, for who may see it

    HEARTBEAT_EVERY = timedelta(seconds=10)
    STALE_AFTER = timedelta(minutes=5)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def error_text(self) -> str:
        """Why the job failed, in the active language."""
        return render_message(self.error_message, self.error_details) if self.error_message else self.error

    @property
    def note_texts(self) -> list[str]:
        return [render_message(note.get("message", ""), note.get("details", {})) for note in self.notes]

    @property
    def is_stale(self) -> bool:
        """A running job whose worker has given no sign for ``STALE_AFTER``: it stopped (shown on the page)."""
        if self.status != JobStatus.RUNNING:
            return False
        return self.heartbeat_at is None or self.heartbeat_at < timezone.now() - self.STALE_AFTER

    @property
    def percent(self) -> int:
        return min(100, self.progress * 100 // self.total) if self.total else 0


class Job(LeasedJob):
    """A long action run in the background (a billing run, a facts refresh, a BPJS reconcile): its kind, the
    parameters it was asked with, and its result (a JSON summary) once done. ``core.jobs`` queues and runs it."""

    kind = models.CharField(_("job"), max_length=40)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta(LeasedJob.Meta):
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_by_creator")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
