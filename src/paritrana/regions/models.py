"""Regions and named groups of regions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from paritrana.regions.choices import RegionGroupKind, RegionKind

__all__ = ["Region", "RegionGroup"]


class Region(models.Model):
    """A Kemendagri region, keyed by its dotted code (``36.03.01.2001``), from Kepmendagri 300.2.2-2138/2025.

    The dotted code is the primary key: descendants of ``36.03`` are the codes between ``36.03.`` and ``36.03/``,
    a range the primary-key index answers on any database (see ``paritrana.core.permissions.region_q``).
    """

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=RegionKind.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RegionGroup(models.Model):
    """An award zone (a set of provinces) or a BPJS branch-office area (a set of kabupaten/kota); admins edit them."""

    kind = models.CharField(_("kind"), max_length=16, choices=RegionGroupKind.choices)
    slug = models.SlugField(_("short name"), max_length=50)
    name = models.CharField(_("name"), max_length=120)
    regions = models.ManyToManyField(Region, related_name="groups", blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="unique_region_group_slug")]
        verbose_name = _("region group")
        verbose_name_plural = _("region groups")

    def __str__(self) -> str:
        return self.name
