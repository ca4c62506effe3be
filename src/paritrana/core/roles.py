"""Roles. Stored as strings; labels are translated (Bahasa Indonesia by default).

They live in core because the one place that decides access (``core.permissions``) reads them; ``accounts`` stores
who holds which role where.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Role"]


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    AWARD_COMMITTEE = "award_committee", _("Award committee")
    REGIONAL_OPERATOR = "regional_operator", _("Regional operator (Disnaker)")
    VILLAGE_OPERATOR = "village_operator", _("Village operator")
    BPJS_OFFICER = "bpjs_officer", _("BPJS branch officer")
    JURY = "jury", _("Jury member")
    VIEWER = "viewer", _("Viewer")
