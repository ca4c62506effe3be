"""Asistensi and monev sessions with the regional agencies (OPD), their findings and follow-ups, and the follow-up of
the heirs of a covered worker who died: the children's scholarship year by year and training referrals.

Region scope: a session by its ``region_code``; heirs, children, scholarship years and referrals by the death
claim's ``desa_code``. Only ``actions`` write these tables; ``FindingUpdate`` rows are never changed or deleted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from paritrana.core.dates import today
from paritrana.core.privacy import mask_nik
from paritrana.followup.choices import (
    OPEN_STATUSES,
    FindingStatus,
    ReferralOutcome,
    Relation,
    SchoolLevel,
    SessionKind,
)

__all__ = [
    "Attendee",
    "Finding",
    "FindingUpdate",
    "Heir",
    "ScholarshipChild",
    "ScholarshipYear",
    "Session",
    "TrainingReferral",
]


class Session(models.Model):
    """An asistensi or monev session of a BPJS branch office with a region's agencies. ``snapshot`` holds the
    budget figures of the programs concerned as they stood when the session was recorded (sponsorship monev):
    ``{"on", "programs": [{program_id, program, sponsor, opd, pagu, committed, paid, absorption_pct}], "totals"}``.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=SessionKind.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    bpjs_office = models.CharField(_("BPJS office"), max_length=200)
    region_code = models.CharField(_("region"), max_length=13, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    summary = models.TextField(_("summary"), blank=True)
    programs = models.ManyToManyField(
        "sponsorship.Program", related_name="followup_sessions", blank=True, verbose_name=_("programs")
    )
    snapshot = models.JSONField(_("budget snapshot"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.region_code} {self.held_on}"


class Attendee(models.Model):
    """A person present at a session: name, agency (OPD or institution) and position."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("name"), max_length=200)
    institution = models.CharField(_("OPD or institution"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")

    def __str__(self) -> str:
        return f"{self.name} ({self.institution})"


class Finding(models.Model):
    """What a session found and what it recommends, who follows it up by when, and where that stands."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="findings")
    text = models.TextField(_("finding"))
    recommendation = models.TextField(_("recommendation"), blank=True)
    owner = models.CharField(_("owner (OPD or person)"), max_length=200)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("owner's user account"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    drop_reason = models.TextField(_("reason for dropping"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="dropped") | ~models.Q(drop_reason=""), name="dropped_has_reason"
            ),
            models.CheckConstraint(condition=~models.Q(owner=""), name="finding_has_owner"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def region_code(self) -> str:
        return self.session.region_code

    @staticmethod
    def overdue_q(on: date | None = None) -> models.Q:
        """The follow-ups ``days_overdue`` counts as late, as a filter."""
        return models.Q(status__in=OPEN_STATUSES, due_date__lt=on or today())

    def days_overdue(self, on: date | None = None) -> int:
        """Days past the due date of a follow-up still open or in progress (0 when done, dropped or not due yet):
        the one rule behind "overdue" on the dashboard, the session page, the follow-up list and the API."""
        on = on or today()
        if self.status not in OPEN_STATUSES or self.due_date >= on:
            return 0
        return (on - self.due_date).days


class FindingUpdate(models.Model):
    """One step of a follow-up's history: its status after the step, the note, who and when. Append-only."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="updates")
    previous_status = models.CharField(_("previous status"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["finding", "at", "pk"]
        verbose_name = _("follow-up update")
        verbose_name_plural = _("follow-up updates")

    @property
    def previous_status_display(self) -> str:
        """The status before the step, by its label (the history never shows a raw code)."""
        if self.previous_status in FindingStatus.values:
            return str(FindingStatus(self.previous_status).label)
        return self.previous_status

    @property
    def changes_display(self) -> list[tuple[str, Any]]:
        """The fields the step changed, by their labels: ``[("due date", "2026-01-31"), ...]``."""
        labels = {f.name: str(f.verbose_name) for f in Finding._meta.get_fields() if hasattr(f, "verbose_name")}
        return [(labels.get(name, name), value) for name, value in self.changes.items()]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("a follow-up update is never changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("a follow-up update is never deleted")


class Heir(models.Model):
    """An heir (ahli waris) named on a JKM or JKK death claim. The NIK is optional and shown masked."""

    claim = models.ForeignKey("sponsorship.Claim", on_delete=models.PROTECT, related_name="heir_records")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    birth_date = models.DateField(_("birth date"))
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "birth_date", "pk"]
        verbose_name = _("heir")
        verbose_name_plural = _("heirs")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik) if self.nik else ""

    @property
    def desa_code(self) -> str:
        return self.claim.desa_code


class ScholarshipChild(models.Model):
    """A child heir entitled to the beasiswa (at most two per claim). ``level`` and ``grade`` give the school level
    and year within it at the first scholarship year when known (otherwise the level follows the child's age);
    ``married_on`` and ``working_since`` end the scholarship; ``contribution_years`` is needed for a JKM claim
    (PP 82/2019: at least 3 years of contributions)."""

    heir = models.OneToOneField(Heir, on_delete=models.PROTECT, related_name="scholarship")
    claim = models.ForeignKey("sponsorship.Claim", on_delete=models.PROTECT, related_name="scholarship_children")
    level = models.CharField(_("level at the first year"), max_length=8, choices=SchoolLevel.choices, blank=True)
    grade = models.PositiveSmallIntegerField(_("year within the level"), default=1)
    contribution_years = models.DecimalField(
        _("years of contributions"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    married_on = models.DateField(_("married on"), null=True, blank=True)
    working_since = models.DateField(_("working since"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "heir__birth_date", "pk"]
        verbose_name = _("scholarship child")
        verbose_name_plural = _("scholarship children")

    def __str__(self) -> str:
        return str(self.heir)


class ScholarshipYear(models.Model):
    """One school year's scholarship as disbursed: the level and amount come from the schedule (the rules engine),
    one row per child and school year, so a disbursement recorded twice is refused."""

    child = models.ForeignKey(ScholarshipChild, on_delete=models.PROTECT, related_name="years")
    school_year = models.CharField(_("school year"), max_length=9)
    level = models.CharField(_("level"), max_length=8, choices=SchoolLevel.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=0)
    due = models.DateField(_("due"))
    disbursed_on = models.DateField(_("disbursed on"))
    reference = models.CharField(_("reference"), max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["child", "school_year"]
        verbose_name = _("scholarship year")
        verbose_name_plural = _("scholarship years")
        constraints = [models.UniqueConstraint(fields=["child", "school_year"], name="one_disbursement_per_child_year")]

    def __str__(self) -> str:
        return f"{self.child} {self.school_year}"


class TrainingReferral(models.Model):
    """An heir referred to training (e.g. a Balai Latihan Kerja course) and what came of it."""

    heir = models.ForeignKey(Heir, on_delete=models.PROTECT, related_name="referrals")
    course = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    referred_on = models.DateField(_("referred on"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ReferralOutcome.choices, default=ReferralOutcome.PENDING
    )
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-pk"]
        verbose_name = _("training referral")
        verbose_name_plural = _("training referrals")

    def __str__(self) -> str:
        return f"{self.course} ({self.provider})"
