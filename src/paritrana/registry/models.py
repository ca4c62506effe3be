"""Workers (peserta) and the imports that bring them in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from paritrana.core.privacy import mask_nik
from paritrana.registry.choices import ImportMode, ImportStatus, Occupation, Segment, Sex, WorkerStatus

__all__ = ["ImportJob", "Worker"]


class Worker(models.Model):
    """A person in the registry, unique by NIK. The NIK and name are personal data (UU PDP): lists show the masked
    NIK; the full NIK only to roles that need it, and every such view is audited. History: the audit log."""

    nik = models.CharField(_("NIK"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    desa_code = models.CharField(_("desa/kelurahan"), max_length=13, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=32, choices=Occupation.choices, default=Occupation.OTHER)
    segment = models.CharField(_("segment"), max_length=8, choices=Segment.choices, default=Segment.BPU)
    kpj = models.CharField(_("KPJ number"), max_length=32, blank=True)
    poverty_decile = models.PositiveSmallIntegerField(_("poverty decile"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE)
    needs_review = models.BooleanField(_("possible duplicate to review"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["desa_code", "name"]
        # A constraint rather than ``unique=True``: on PostgreSQL the latter adds a second, ``LIKE`` index on the NIK
        # that no query uses and every insert pays for.
        constraints = [models.UniqueConstraint(fields=["nik"], name="registry_worker_nik_key")]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.masked_nik} {self.name}"

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik)


class ImportJob(models.Model):
    """One uploaded list and what became of it. The file is kept outside the web root (MEDIA_ROOT/imports)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    mode = models.CharField(_("mode"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    dry_run = models.BooleanField(_("dry run"), default=False)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    region_code = models.CharField(max_length=13, blank=True)  # the uploader's scope, for scoped lists

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"
