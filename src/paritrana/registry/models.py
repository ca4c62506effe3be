"""Workers (peserta) and the imports that bring them in."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from paritrana.core.models import LeasedJob, render_message
from paritrana.core.privacy import mask_nik
from paritrana.registry.choices import (
    DeathSource,
    ImportKind,
    ImportMode,
    ImportStatus,
    Occupation,
    Segment,
    Sex,
    WorkerEventKind,
    WorkerStatus,
)

__all__ = ["ImportJob", "Worker", "WorkerEvent", "lock_registry_for_writing", "render_message"]


class Worker(models.Model):
    """A person in the registry, unique by NIK. The NIK and name are personal data (UU PDP): lists show the masked
    NIK; the full NIK only to roles that need it, and every such view is audited. History: the audit log."""

    nik = models.CharField(_("NIK"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # No index of its own: the list's order index (below) starts with it, and every region scope is a range on it.
    desa_code = models.CharField(_("desa/kelurahan"), max_length=13)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=32, choices=Occupation.choices, default=Occupation.OTHER)
    segment = models.CharField(_("segment"), max_length=8, choices=Segment.choices, default=Segment.BPU)
    kpj = models.CharField(_("KPJ number"), max_length=32, blank=True)
    poverty_decile = models.PositiveSmallIntegerField(_("poverty decile"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE)
    #: The day the status took effect (the day of death, of the move away, of the merge); empty for a worker active
    #: since registration.
    status_on = models.DateField(_("status since"), null=True, blank=True)
    #: The day of death; billing, enrollment and the coverage facts stop after its month (``registry.lifecycle``).
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("merged into"),
        db_index=False,  # a partial index below: only merged records have one
    )
    needs_review = models.BooleanField(_("possible duplicate to review"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["desa_code", "name"]
        # The list's order with the id that breaks its ties: a page read by position starts in this index (issue 22).
        # PostgreSQL also has a trigram index on UPPER(name) for name searches (migration 0006, not expressible here).
        # The dead and the merged are indexed alone (partial indexes): a new worker has neither, so an import of a
        # million pays for two indexes fewer (issue 22: 12 s instead of 17 s of COPY into 20 million).
        indexes = [
            models.Index(fields=["desa_code", "name", "id"], name="registry_worker_list_order"),
            models.Index(fields=["died_on"], name="registry_worker_died_on", condition=models.Q(died_on__isnull=False)),
            models.Index(
                fields=["merged_into"],
                name="registry_worker_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]
        # A constraint rather than ``unique=True``: on PostgreSQL the latter adds a second, ``LIKE`` index on the NIK
        # that no query uses and every insert pays for.
        constraints = [
            models.UniqueConstraint(fields=["nik"], name="registry_worker_nik_key"),
            models.CheckConstraint(
                condition=~models.Q(status="deceased") | models.Q(died_on__isnull=False),
                name="registry_worker_deceased_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="registry_worker_merged_has_target",
            ),
        ]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.masked_nik} {self.name}"

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik)


class WorkerEvent(models.Model):
    """One change of a worker's life in the registry (a death, a move, a correction, a merge, a status), with the
    day it took effect, why, where it was learnt and what changed (``before``/``after``, NIKs masked). The worker
    page shows them; the audit log holds the same change. A merge moves the other record's events to the record kept
    (``merged_from`` says whose they were); the other record gets a merge event of its own."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="events", verbose_name=_("worker"))
    kind = models.CharField(_("kind"), max_length=16, choices=WorkerEventKind.choices)
    happened_on = models.DateField(_("effective date"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    #: A document kept with the event (``DATA_DIR/evidence/workers/<sha256>.<ext>``), relative to the evidence root.
    evidence_file = models.CharField(max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence file"), max_length=255, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    merged_from = models.ForeignKey(
        Worker, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from record")
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["worker", "at"], name="registry_event_worker_at")]
        verbose_name = _("worker change")
        verbose_name_plural = _("worker changes")

    def __str__(self) -> str:
        return f"{self.kind} {self.happened_on}"

    @property
    def source_label(self) -> str:
        return str(DeathSource(self.source).label) if self.source in DeathSource.values else self.source


class ImportJob(LeasedJob):
    """One uploaded list and what became of it. The file is kept outside the web root (MEDIA_ROOT/imports)."""

    filename = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    mode = models.CharField(_("mode"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    dry_run = models.BooleanField(_("dry run"), default=False)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    summary = models.JSONField(default=dict, blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    #: A worker list or a death list; both run in the background.
    kind = models.CharField(_("list"), max_length=16, choices=ImportKind.choices, default=ImportKind.WORKERS)
    #: A death list's source (``DeathSource``), asked on its upload page.
    list_source = models.CharField(max_length=200, blank=True)

    class Meta(LeasedJob.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


def lock_registry_for_writing() -> None:
    """Make this transaction the registry's only writer until it ends; readers go on.

    Two imports of overlapping lists used to read the registered workers each before either wrote, then both
    inserted the same new NIK and the second died on the unique constraint. Now the write transaction takes this
    lock first and reads after it, so a second import waits for the first and then sees its workers (on PostgreSQL's
    READ COMMITTED every statement reads what is committed when it starts). PostgreSQL: ``SHARE ROW EXCLUSIVE`` on
    the worker table conflicts with itself and with every INSERT, UPDATE and DELETE, not with SELECT, so it also
    covers a worker written by any other path. SQLite: the transaction began with ``BEGIN IMMEDIATE`` (settings),
    which already took the database's one write lock. Used by the worker import and the death list alike, so
    that the two never interleave.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Worker._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
