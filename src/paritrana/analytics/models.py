"""Reference data of the coverage indicators, kept in the operational database where people edit it:
BPS workforce denominators, targets, indicator definitions beyond the standard set, and map boundaries.

The facts themselves (worker-months, payments, claims) live in the analytics store (``analytics.store``): a DuckDB
file by default, PostgreSQL or Parquet read by Spark at national scale. ``facts refresh`` copies these tables there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Boundary", "FactRefresh", "IndicatorDefinition", "Target", "Workforce"]


class Workforce(models.Model):
    """BPS Sakernas (August round) for one kabupaten/kota and year: the denominators of coverage.

    Sakernas is sized to estimate down to kabupaten/kota, so figures are kept at that level only; provinces and the
    country are the sums of their kabupaten/kota. ``vulnerable`` (pekerja rentan, e.g. from DTSEN) is optional.
    """

    region_code = models.CharField(_("kabupaten/kota"), max_length=5)
    year = models.PositiveSmallIntegerField(_("year"))
    employed = models.PositiveBigIntegerField(_("employed"))
    formal = models.PositiveBigIntegerField(_("formal workers"))
    informal = models.PositiveBigIntegerField(_("informal workers"))
    population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)
    vulnerable = models.PositiveBigIntegerField(_("vulnerable workers"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["year", "region_code"]
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="unique_workforce_region_year")]
        verbose_name = _("workforce figure")
        verbose_name_plural = _("workforce figures")

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


class Target(models.Model):
    """A target value of an indicator for a year, nationally (blank region) or for one region, with its source
    (e.g. RPJMN 2025-2029: 32.15% in 2025). A region without its own target is held to its province's, then to
    the national one."""

    indicator = models.CharField(_("indicator"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    region_code = models.CharField(_("region"), max_length=13, blank=True)
    value = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    source = models.CharField(_("source"), max_length=300)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["indicator", "year", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "region_code"], name="unique_target_per_region")
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} {self.region_code or 'ID'}: {self.value}"


class IndicatorDefinition(models.Model):
    """An indicator added without code: its definition as data (see ``analytics.definitions``)."""

    key = models.SlugField(_("id"), max_length=64, unique=True)
    definition = models.JSONField(_("definition"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("indicator definition")
        verbose_name_plural = _("indicator definitions")

    def __str__(self) -> str:
        return self.key


class Boundary(models.Model):
    """Region boundaries for the choropleth map: one GeoJSON per level, loaded by an administrator."""

    level = models.CharField(_("level"), max_length=16, unique=True)
    geojson = models.JSONField(_("GeoJSON"))
    code_property = models.CharField(_("property holding the region code"), max_length=64)
    features = models.PositiveIntegerField(_("features"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")

    def __str__(self) -> str:
        return self.level


class FactRefresh(models.Model):
    """One refresh of the registry's facts into a store: when its reading began (the next refresh rebuilds what
    changed since), which months it rebuilt (empty: every month, a full refresh) and how many facts it wrote."""

    origin = models.CharField(max_length=64)
    location = models.CharField(max_length=500)  # the store (a file, a folder, a database URL without password)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(auto_now_add=True)
    full = models.BooleanField(default=True)
    months = models.JSONField(default=list, blank=True)
    rows = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["origin", "location", "-started_at"], name="fact_refresh_latest")]

    def __str__(self) -> str:
        return f"{self.origin} @ {self.started_at:%Y-%m-%d %H:%M}"
