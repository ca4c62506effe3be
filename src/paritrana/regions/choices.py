from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    """What Kemendagri calls a region (its own words: a kota and a kabupaten are both level 2, a desa and a kelurahan
    both level 4). Where code asks how deep a region lies, it speaks of ``LEVELS``, not of kinds."""

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


#: The region levels by depth (``Region.level`` 1 to 4) and the length of their dotted codes (31, 36.03, 36.03.01,
#: 36.03.01.2003): the one spelling of a level in indicators, award categories, maps and the fact store.
LEVELS = ("province", "kabupaten", "kecamatan", "desa")
LEVEL_DEPTH = {name: depth for depth, name in enumerate(LEVELS, start=1)}
CODE_LENGTH = {"province": 2, "kabupaten": 5, "kecamatan": 8, "desa": 13}

#: The level of the regions each kind of group is made of (1 = provinsi, 2 = kabupaten/kota).
GROUP_MEMBER_LEVEL = {RegionGroupKind.AWARD_ZONE: 1, RegionGroupKind.BRANCH_AREA: 2}
