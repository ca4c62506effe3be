"""The Paritrana Award: editions, categories with their criteria framework, participants, self-assessment answers
and evidence, indicator values, the jury panel (members, conflicts, scores), the committee's decisions on missing
values, and results.

The framework of a category is kept as data (``Category.framework``, the dict of ``award.scoring``): criteria
change from year to year, and a locked edition must keep the criteria it was judged by.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Answer",
    "Category",
    "ConflictOfInterest",
    "Edition",
    "Evidence",
    "IndicatorScore",
    "JuryScore",
    "MissingValueDecision",
    "PanelMember",
    "Participant",
    "Result",
]


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Self-assessment open")
    VERIFICATION = "verification", _("Verification")
    JUDGING = "judging", _("Jury scoring")
    CLOSED = "closed", _("Closed")


class Edition(models.Model):
    """One year's award at one level: the provincial round of a province, or the national round."""

    year = models.PositiveSmallIntegerField(_("award year"))
    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("region (blank: national round)"), max_length=13, blank=True)
    assessment_start = models.DateField(_("assessment period from"))
    assessment_end = models.DateField(_("assessment period to"))
    submission_deadline = models.DateTimeField(_("self-assessment deadline"))
    #: Until when the jury scores (empty: until the committee locks each panel). After it a score is refused; the
    #: committee extends it (``do_set_scoring_deadline``) or locks the panels.
    scoring_deadline = models.DateTimeField(_("jury scoring deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=EditionStatus.choices, default=EditionStatus.DRAFT)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "region_code"]
        constraints = [models.UniqueConstraint(fields=["year", "region_code"], name="unique_edition_per_round")]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")

    def __str__(self) -> str:
        return self.name

    @property
    def period(self) -> str:
        """The indicator period of the assessment (a year when it spans one calendar year)."""
        if self.assessment_start.year == self.assessment_end.year and (
            self.assessment_start.month,
            self.assessment_end.month,
        ) == (1, 12):
            return str(self.assessment_start.year)
        return f"{self.assessment_end:%Y-%m}"


class Category(models.Model):
    """A category of an edition (Pemerintah Kabupaten/Kota, Desa, ...) with its criteria and titles."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="categories")
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    participant_level = models.CharField(_("participants are"), max_length=16)  # province | kabupaten | desa
    framework = models.JSONField(_("criteria framework"))
    titles = models.JSONField(_("titles"), default=list)  # ["Terbaik I", "Terbaik II", "Terbaik III"]
    by_zone = models.BooleanField(_("ranked within zones"), default=False)
    normalise_judges = models.BooleanField(_("normalise each judge's scores (z-score)"), default=False)
    panel_locked_at = models.DateTimeField(_("panel locked"), null=True, blank=True)
    ranked_at = models.DateTimeField(_("ranked"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved and locked"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["edition", "key"]
        constraints = [models.UniqueConstraint(fields=["edition", "key"], name="unique_category_key")]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.edition.year} {self.name}"


class ParticipantStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    VERIFIED = "verified", _("Verified")


class Participant(models.Model):
    """A region invited into a category; its operator answers the self-assessment."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="participants")
    region_code = models.CharField(_("region"), max_length=13, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    zone = models.CharField(_("zone"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ParticipantStatus.choices, default=ParticipantStatus.INVITED
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    verification_notes = models.TextField(_("verification notes"), blank=True)

    class Meta:
        ordering = ["category", "region_code"]
        constraints = [models.UniqueConstraint(fields=["category", "region_code"], name="unique_participant")]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    """A self-assessment answer to a question criterion; ``score`` is set at verification for text answers."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    criterion = models.CharField(_("criterion"), max_length=64)
    value = models.JSONField(_("answer"))
    score = models.FloatField(_("score given at verification"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "criterion"], name="unique_answer")]


class Evidence(models.Model):
    """A document backing an answer. The file lives outside the web root; downloads are checked and audited."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.CharField(_("criterion"), max_length=64)
    document = models.CharField(_("document"), max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=500)  # relative to DATA_DIR/evidence
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["participant", "criterion", "uploaded_at"]


class IndicatorScore(models.Model):
    """The raw value of an indicator criterion for a participant: computed from the coverage indicators or
    imported from the committee's spreadsheet."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="indicator_values")
    criterion = models.CharField(_("criterion"), max_length=64)
    value = models.FloatField(_("value"), null=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=32)  # computed | imported

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "criterion"], name="unique_indicator_score")]


class PanelMember(models.Model):
    """A judge of a category's panel ("Tim 9")."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panels")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "user"], name="unique_panel_member")]


class ConflictQuerySet(models.QuerySet["ConflictOfInterest"]):
    def active(self) -> ConflictQuerySet:
        """Conflicts in force: declared and not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class ConflictOfInterest(models.Model):
    """A judge's conflict of interest with a participant, declared by the judge or recorded by the committee (from a
    signed form); it may be withdrawn with a reason, and is kept (withdrawn) for the record."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="conflicts")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    objects = ConflictQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "participant"], name="unique_conflict")]


class JuryScore(models.Model):
    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="scores")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="jury_scores")
    criterion = models.CharField(_("criterion"), max_length=64)
    score = models.FloatField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "participant", "criterion"], name="unique_jury_score")]


class DecisionKind(models.TextChoices):
    EXEMPT = "exempt", _("Exempt (left out of the total)")
    ZERO = "zero", _("Zero by decision")


class MissingValueDecision(models.Model):
    """What the committee decided about a value missing for a participant on a criterion (an indicator without a
    value or target, a text answer without its score, a rubric no judge scored): exempt it (the criterion is left
    out of the participant's total, its weight shared among the other criteria) or score it zero, with a reason.
    A value that arrives later counts instead; the decision is kept for the record."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="decisions")
    criterion = models.CharField(_("criterion"), max_length=64)
    kind = models.CharField(_("decision"), max_length=16, choices=DecisionKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "criterion"], name="unique_missing_decision")]
        verbose_name = _("decision on a missing value")
        verbose_name_plural = _("decisions on missing values")


class Result(models.Model):
    """A participant's total, rank (in its category, and in its zone) and title, with its breakdown."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="result")
    total = models.FloatField(_("total score"))
    rank = models.PositiveIntegerField(_("rank"))
    zone_rank = models.PositiveIntegerField(_("rank in zone"), null=True, blank=True)
    shared = models.BooleanField(_("tied before the last tie-break"), default=False)
    title = models.CharField(_("title"), max_length=120, blank=True)
    breakdown = models.JSONField(_("breakdown"), default=dict)
    sensitivity = models.JSONField(_("sensitivity"), default=dict)

    class Meta:
        ordering = ["participant__category", "rank"]
