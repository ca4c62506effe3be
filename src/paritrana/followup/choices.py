"""The follow-up vocabularies, stored as strings, labels translated (Bahasa Indonesia by default)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SessionKind(models.TextChoices):
    ASISTENSI = "asistensi", _("Asistensi (budgeting assistance)")
    MONEV = "monev", _("Monev (monitoring and evaluation)")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


#: A follow-up still waiting for its owner: these count as overdue once the due date has passed.
OPEN_STATUSES = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS)


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse (widow or widower)")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


#: How a claims file names an heir's relation (Bahasa Indonesia first), beside the values themselves.
RELATION_WORDS = {
    **dict.fromkeys(("istri", "isteri", "suami", "janda", "duda", "pasangan", "wife", "husband"), "spouse"),
    **dict.fromkeys(("anak", "anak kandung", "anak angkat", "anak tiri"), "child"),
    **dict.fromkeys(("orang tua", "orangtua", "ayah", "ibu", "bapak", "ayah kandung", "ibu kandung"), "parent"),
    **dict.fromkeys(("saudara", "saudara kandung", "kakak", "adik"), "sibling"),
    **dict.fromkeys(("lainnya", "lain-lain", "lain"), "other"),
}


class SchoolLevel(models.TextChoices):
    """The beasiswa levels of PP 82/2019 (the codes of ``beasiswa.levels`` in the rules)."""

    TK = "tk", _("TK (kindergarten)")
    SD = "sd", _("SD (primary school)")
    SMP = "smp", _("SMP (junior secondary)")
    SMA = "sma", _("SMA (senior secondary)")
    PT = "pt", _("Higher education or training")
    SINGLE = "single", _("One-time scholarship (before PP 82/2019)")


#: How a claims file names a scholarship level, beside the codes (``age``: the level of the child's age).
SCHOOL_LEVEL_WORDS = {
    "paud": "tk",
    "perguruan tinggi": "pt",
    "kuliah": "pt",
    "pelatihan": "pt",
    "belum sekolah": "age",
    "sesuai usia": "age",
}


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("training outcome", "Pending")  # not yet known, not "unpaid" as a bill
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped out")
    EMPLOYED = "employed", _("Employed")


class YearState(models.TextChoices):
    """A scheduled scholarship year as the schedule page shows it."""

    DISBURSED = "disbursed", _("Disbursed")
    LATE = "late", _("Disbursed late")
    MISSING = "missing", _("Missing (due date passed)")
    UPCOMING = "upcoming", _("Not yet due")
