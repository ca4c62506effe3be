from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    PROVINSI = "provinsi", _("Province")
    KABUPATEN = "kabupaten", _("Regency")
    KOTA = "kota", _("City")
    KECAMATAN = "kecamatan", _("District")
    DESA = "desa", _("Village")
    KELURAHAN = "kelurahan", _("Urban village")


class RegionGroupKind(models.TextChoices):
    """A named set of regions: award zones group provinces, BPJS branch areas group kabupaten/kota."""

    AWARD_ZONE = "award_zone", _("Award zone")
    BRANCH_AREA = "branch_area", _("BPJS branch-office area")


#: The level of the regions each kind of group is made of (1 = provinsi, 2 = kabupaten/kota).
GROUP_MEMBER_LEVEL = {RegionGroupKind.AWARD_ZONE: 1, RegionGroupKind.BRANCH_AREA: 2}
