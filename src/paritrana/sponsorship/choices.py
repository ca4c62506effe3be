"""The sponsorship vocabularies, stored as strings, labels translated (Bahasa Indonesia by default)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SponsorKind(models.TextChoices):
    APBD_PROVINSI = "apbd_provinsi", _("APBD provinsi")
    APBD_KABKOTA = "apbd_kabkota", _("APBD kabupaten/kota")
    APBDES = "apbdes", _("APBDes (village budget)")
    CSR = "csr", _("Company CSR")
    DONOR = "donor", _("Donor program")
    MANDIRI = "mandiri", _("Self-paid (mandiri)")


#: The funder of coverage facts (issue 6 names these) for each kind of sponsor.
FUNDER = {
    "apbd_provinsi": "apbd",
    "apbd_kabkota": "apbd",
    "apbdes": "apbdes",
    "csr": "csr",
    "donor": "other",
    "mandiri": "mandiri",
}


class Package(models.TextChoices):
    JKK_JKM = "jkk,jkm", _("JKK + JKM")
    JKK_JKM_JHT = "jkk,jkm,jht", _("JKK + JKM + JHT")


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


#: draft -> approved -> active -> closed; enrollment is open while approved or active.
NEXT_STATUS = {"draft": "approved", "approved": "active", "active": "closed"}
OPEN_FOR_ENROLLMENT = ("approved", "active")


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class BillStatus(models.TextChoices):
    """As openIMIS funding: pending -> paid -> awaiting reconciliation -> reconciled."""

    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    AWAITING_RECONCILIATION = "awaiting_reconciliation", _("Awaiting reconciliation")
    RECONCILED = "reconciled", _("Reconciled")


class PaymentSource(models.TextChoices):
    BPJS_RECEIPT = "bpjs_receipt", _("BPJS receipt")
    BANK_STATEMENT = "bank_statement", _("Bank statement")
    MANUAL = "manual", _("Manual entry")


class Coverage(models.TextChoices):
    """A worker's month under a program."""

    ACTIVE = "active", _("Covered (paid on time)")
    PENDING = "pending", _("Billed, not yet due")
    LAPSED = "lapsed", _("Lapsed (not paid by the due date and grace period)")
    NOT_BILLED = "not_billed", _("Not billed yet")


class ClaimKind(models.TextChoices):
    JKK = "jkk", _("JKK (work accident)")
    JKK_DEATH = "jkk-death", _("JKK death")
    JKM = "jkm", _("JKM (death)")
    JHT = "jht", _("JHT (old-age savings)")
    BEASISWA = "beasiswa", _("Beasiswa (scholarship)")


class ClaimFlag(models.TextChoices):
    NOT_COVERED = "not_covered", _("The worker was not covered in the month of the event")
    AMOUNT_DIFFERS = "amount_differs", _("The amount paid differs from the rules")
