"""Sponsors, their yearly programs, enrollments, monthly bills, payments and benefit claims.

Money is whole rupiah in ``DecimalField(decimal_places=0)``. ``Program.committed`` is the priced cost of every
enrollment of the program; only ``actions`` change it, by one conditional UPDATE, so two operators spending the
last rupiah of a pagu at once cannot both succeed (see ``actions._commit``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from paritrana.core.dates import add_months
from paritrana.sponsorship.choices import (
    BillStatus,
    ClaimKind,
    EnrollmentStatus,
    Package,
    PaymentSource,
    ProgramStatus,
    SponsorKind,
)

__all__ = [
    "Bill",
    "BillLine",
    "Claim",
    "DifferenceKind",
    "Enrollment",
    "Payment",
    "Program",
    "ReconcileDifference",
    "ReconcileRun",
    "Resolution",
    "Sponsor",
]


def _money(label: Any, **kwargs: Any) -> Any:
    """Whole rupiah: up to 18 digits, no fraction."""
    return models.DecimalField(label, max_digits=18, decimal_places=0, **kwargs)


class Sponsor(models.Model):
    """Who pays: a provincial or kabupaten/kota APBD (through a paying OPD), a village's APBDes, a company's CSR,
    a donor, or the worker (mandiri). Region scope follows ``region_code``."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=SponsorKind.choices)
    region_code = models.CharField(_("region"), max_length=13, db_index=True)
    opd = models.CharField(_("paying agency (OPD)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A sponsor's program for one fiscal year: the pagu, the package, the months and who is eligible."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.PROTECT, related_name="programs", verbose_name=_("sponsor"))
    name = models.CharField(_("name"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    pagu = _money(_("pagu (budget ceiling)"))
    package = models.CharField(_("package"), max_length=16, choices=Package.choices, default=Package.JKK_JKM)
    declared_income = _money(_("declared monthly income"), default=Decimal(1_000_000))
    first_month = models.PositiveSmallIntegerField(_("first month"), default=1)
    months = models.PositiveSmallIntegerField(_("months covered"), default=12)
    target_workers = models.PositiveIntegerField(_("target workers"), default=0)
    # Eligibility. The area lies inside the sponsor's region (its whole region when blank).
    region_code = models.CharField(_("eligible area"), max_length=13, blank=True)
    occupations = models.JSONField(_("eligible occupations"), default=list, blank=True)
    max_poverty_decile = models.PositiveSmallIntegerField(_("poorest deciles up to"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    min_workers_per_desa = models.PositiveIntegerField(_("minimum workers per desa"), default=0)
    grace_days = models.PositiveSmallIntegerField(_("grace days after the due date"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT)
    committed = _money(_("committed"), default=Decimal(0))
    renewed_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals", verbose_name=_("renewal of")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-fiscal_year", "name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.CheckConstraint(condition=models.Q(committed__lte=models.F("pagu")), name="committed_within_pagu"),
            models.CheckConstraint(
                condition=models.Q(first_month__gte=1, first_month__lte=12), name="first_month_1_12"
            ),
            models.CheckConstraint(condition=models.Q(months__gte=1), name="months_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.fiscal_year}"

    @property
    def programs(self) -> tuple[str, ...]:
        return tuple(self.package.split(","))

    @property
    def area(self) -> str:
        return self.region_code or self.sponsor.region_code

    @property
    def start(self) -> date:
        return date(self.fiscal_year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The first day of the last month covered."""
        return add_months(self.start, self.months - 1)

    @property
    def remaining(self) -> Decimal:
        return self.pagu - self.committed


class Enrollment(models.Model):
    """A worker covered by a program from ``first_month`` to ``last_month`` (first days of months). ``cost`` is
    the premium of those months priced by the rules in force in each month."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    worker = models.ForeignKey("registry.Worker", on_delete=models.PROTECT, related_name="enrollments")
    desa_code = models.CharField(_("desa/kelurahan"), max_length=13, db_index=True)
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    cost = _money(_("cost"))
    status = models.CharField(
        _("status"), max_length=8, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["program", "desa_code"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["program", "worker"], name="one_enrollment_per_program"),
            models.CheckConstraint(condition=models.Q(first_month__lte=models.F("last_month")), name="period_ordered"),
        ]
        indexes = [
            models.Index(fields=["worker", "first_month", "last_month"], name="enrollment_worker_period"),
            # Monev groups a province's enrollments by program and period with their cost: on PostgreSQL an
            # index-only scan of this one instead of a million table rows (issue 22).
            models.Index(
                fields=["program", "first_month", "last_month"], include=["cost"], name="enrollment_program_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} / {self.worker}"


class Bill(models.Model):
    """The tagihan iuran of one program for one month, one line per enrolled worker."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="bills")
    number = models.CharField(_("bill number"), max_length=32, unique=True)
    month = models.DateField(_("month"))
    due_date = models.DateField(_("due date"))
    workers = models.PositiveIntegerField(_("workers"))
    amount = _money(_("amount"))
    paid = _money(_("paid"), default=Decimal(0))
    paid_on = models.DateField(_("fully paid on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=BillStatus.choices, default=BillStatus.PENDING)
    rule_book = models.CharField(_("priced by rule book"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "number"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [models.UniqueConstraint(fields=["program", "month"], name="one_bill_per_program_month")]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, Decimal(0))

    @property
    def overpaid(self) -> Decimal:
        return max(self.paid - self.amount, Decimal(0))

    @property
    def days_late(self) -> int:
        """Days past the due date that money is still owed (0 when paid in full or not yet due)."""
        from paritrana.core.dates import today

        if self.outstanding <= 0:
            return 0
        return max((today() - self.due_date).days, 0)


class BillLine(models.Model):
    """One worker's line of a bill. Lines are written only by the billing run's INSERT ... SELECT, which takes the
    enrollment ids from the enrollment table and the bill it has just created, in one transaction: they cannot
    point at nothing. So the database keeps no foreign-key constraint on them; on PostgreSQL checking two
    constraints per line cost 15 of a million-line run's 23 seconds (EXPLAIN ANALYZE, docs/performance.md).

    Nor an index of their own on the enrollment: each month adds an entry for every enrollment all over such an
    index, and with 24 national months held keeping it cost 17 of a billing run's 67.6 s. An enrollment's lines
    are found through its program's bills instead (at most a few dozen), each probed in the unique (bill,
    enrollment) index: ``Bill.objects.filter(program=e.program, lines__enrollment=e)``, or in SQL a join on
    ``b.program_id = e.program_id`` before ``l.bill_id = b.id AND l.enrollment_id = e.id``; the lines billed after
    a death have their own mark and index (``after_death``). For the same reason Django does not look for lines
    when an enrollment is deleted: only an enrollment never billed is (withdrawn before its first month,
    ``sponsorship.lifecycle``), and that is checked there."""

    # No index of its own for the bill: the unique (bill, enrollment) index leads with it.
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines", db_index=False, db_constraint=False)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    amount = _money(_("amount"))
    #: The discounts that priced the line (rule-book keys, e.g. ``discount.pp50_2025_other``); empty: normal iuran.
    rule = models.CharField(_("rule applied"), max_length=200, blank=True, default="")
    #: Billed for a month after the worker's death, recorded later than the bill: an overpayment to recover. Kept by
    #: ``sponsorship.lifecycle`` whenever a death is recorded, corrected or undone and when records merge, so monev
    #: reads these few lines through a small partial index instead of every line of every dead worker (issue 22).
    #: The database default lets the billing run's INSERT leave it out: billing never bills after a known death.
    after_death = models.BooleanField(_("billed after death"), default=False, db_default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bill", "enrollment"], name="one_line_per_enrollment")]
        # Only the lines billed after a death, by bill (monev's overpayments of a region's programs) and by
        # enrollment (a death corrected or undone finds the marks to take off): both small.
        indexes = [
            models.Index(fields=["bill"], condition=models.Q(after_death=True), name="billline_after_death"),
            models.Index(fields=["enrollment"], condition=models.Q(after_death=True), name="billline_after_death_enr"),
        ]


class Payment(models.Model):
    """Money received against a bill, from a BPJS receipt or a bank statement. A payment whose bill number is
    unknown is kept with ``bill`` empty, to be matched by hand: nothing is dropped."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    bill_number = models.CharField(_("bill number as given"), max_length=64)
    reference = models.CharField(_("receipt or transfer reference"), max_length=64)
    paid_on = models.DateField(_("paid on"))
    amount = _money(_("amount"))
    source = models.CharField(_("source"), max_length=16, choices=PaymentSource.choices)
    region_code = models.CharField(_("region"), max_length=13, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.UniqueConstraint(fields=["source", "reference"], name="one_payment_per_reference")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class Claim(models.Model):
    """A benefit paid to a covered worker or the heirs, checked against the rules engine and coverage."""

    worker = models.ForeignKey("registry.Worker", on_delete=models.PROTECT, related_name="claims")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    kind = models.CharField(_("kind"), max_length=16, choices=ClaimKind.choices)
    event_date = models.DateField(_("event date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    amount_paid = _money(_("amount paid"))
    expected = _money(_("amount by the rules"), null=True, blank=True)
    heirs = models.TextField(_("heirs"), blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    desa_code = models.CharField(_("desa/kelurahan"), max_length=13, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-event_date"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"{self.kind} {self.event_date}"


# Exchange with the BPJS branch (``sponsorship.bpjs``) ------------------------------------------------------------


class DifferenceKind(models.TextChoices):
    """What a reconcile of the branch's participation list found for one row (or one worker)."""

    NOT_REGISTERED = "not_registered", _("At BPJS, not in the registry")
    INACTIVE_THERE = "inactive_there", _("Enrolled here, inactive at BPJS")
    DEAD_THERE = "dead_there", _("Deceased at BPJS, active here")
    PAID_BEHIND = "paid_behind", _("Paid-until at BPJS behind our payments")


class Resolution(models.TextChoices):
    OPEN = "open", _("Open")
    DEATH_RECORDED = "death_recorded", _("Death recorded")
    ENROLLMENT_ENDED = "enrollment_ended", _("Enrollment ended")
    REVIEWED = "reviewed", _("Reviewed")


class ReconcileRun(models.Model):
    """One participation list of the BPJS branch (kepesertaan: NIK or KPJ, status, paid-until, date of death) compared
    with the registry and the enrollments: who uploaded it, when, the file kept (MEDIA_ROOT/bpjs), and the counts."""

    filename = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    on = models.DateField(_("compared as of"))
    rows = models.PositiveIntegerField(_("rows"))
    summary = models.JSONField(default=dict, blank=True)
    region_code = models.CharField(_("region"), max_length=13, blank=True, db_index=True)  # the uploader's scope
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("BPJS reconcile")
        verbose_name_plural = _("BPJS reconciles")

    def __str__(self) -> str:
        return f"{self.filename} ({self.on})"


class ReconcileDifference(models.Model):
    """One difference of a run, and its follow-up: a death recorded, an enrollment ended, or reviewed with a note.
    ``region_code`` (the worker's desa; for a person not in the registry, the kecamatan of the NIK) scopes it."""

    run = models.ForeignKey(ReconcileRun, on_delete=models.CASCADE, related_name="differences")
    row = models.PositiveIntegerField(_("row"))
    kind = models.CharField(_("kind"), max_length=16, choices=DifferenceKind.choices)
    worker = models.ForeignKey("registry.Worker", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    kpj = models.CharField(_("KPJ number"), max_length=32, blank=True)
    bpjs_status = models.CharField(_("status at BPJS"), max_length=16)
    paid_until = models.DateField(_("paid until at BPJS"), null=True, blank=True)
    died_on = models.DateField(_("date of death at BPJS"), null=True, blank=True)
    paid_here = models.DateField(_("paid here until"), null=True, blank=True)
    region_code = models.CharField(_("region"), max_length=13, blank=True)
    resolution = models.CharField(_("follow-up"), max_length=16, choices=Resolution.choices, default=Resolution.OPEN)
    note = models.TextField(_("note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("followed up"), null=True, blank=True)

    class Meta:
        ordering = ["run", "row", "kind"]
        verbose_name = _("BPJS difference")
        verbose_name_plural = _("BPJS differences")
        indexes = [models.Index(fields=["run", "kind", "region_code"], name="reconcile_diff_run_kind")]

    def __str__(self) -> str:
        return f"{self.kind} row {self.row}"

    @property
    def masked_nik(self) -> str:
        from paritrana.core.privacy import mask_nik

        return mask_nik(self.nik) if self.nik else ""
