"""Forms of the indicator pages: they parse the filters (period, level, region) and the boundary upload; the
queries and the action decide the rest."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.analytics.boundaries import BOUNDARY_LEVELS
from paritrana.analytics.definitions import LEVELS
from paritrana.analytics.periods import Period
from paritrana.analytics.reports import LEVEL_LABELS, period_label
from paritrana.core.dates import add_months, first_of_month, today
from paritrana.core.errors import ParitranaError

__all__ = [
    "BoundaryForm",
    "PublicForm",
    "ScorecardForm",
    "TargetForm",
    "WorkforceForm",
    "default_period",
    "period_choices",
]


def default_period() -> str:
    """The last full month."""
    return Period.of_month(add_months(first_of_month(today()), -1)).label


def period_choices(current: str = "") -> list[tuple[str, str]]:
    """The last 24 months, 8 quarters and 5 years (newest first), and ``current`` when it is older."""
    last = Period.parse(default_period())
    months = [last.shifted(-k) for k in range(24)]
    this_quarter = Period.parse(f"{last.first.year}Q{(last.first.month + 2) // 3}")
    quarters = [this_quarter.shifted(-3 * k) for k in range(8)]
    years = [Period.parse(str(last.first.year - k)) for k in range(5)]
    labels = [p.label for p in (*months, *quarters, *years)]
    if current and current not in labels:
        labels.append(current)
    return [(label, period_label(label)) for label in labels]


def _clean_period(value: str) -> str:
    if not value:
        return default_period()
    try:
        return Period.parse(value).label
    except ParitranaError as error:
        raise forms.ValidationError(error.render_message()) from None


def _clean_code(value: str) -> str:
    from paritrana.regions.queries import normalize_code

    if not value:
        return ""
    try:
        return normalize_code(value)
    except ParitranaError as error:
        raise forms.ValidationError(error.render_message()) from None


def _choose(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = cast(forms.ChoiceField, form.fields[name])  # the form declares it so
    field.choices = choices


class _PeriodForm(forms.Form):
    period = forms.CharField(label=_("Period"), required=False, max_length=10, widget=forms.Select)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = (self.data.get("period") or "").strip() if self.is_bound else ""
        try:
            current = Period.parse(current).label if current else ""
        except ParitranaError:
            current = ""
        self.fields["period"].widget.choices = period_choices(current)
        self.fields["period"].initial = default_period()

    def clean_period(self) -> str:
        return _clean_period(self.cleaned_data.get("period", "").strip())


class ScorecardForm(_PeriodForm):
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("the level below the region")), *((k, LEVEL_LABELS[k]) for k in LEVELS)],
    )
    region = forms.CharField(
        label=_("Region code"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"list": "region-codes", "placeholder": _("your region")}),
    )
    indicator = forms.ChoiceField(label=_("Indicator on the map"), required=False)

    def __init__(self, *args: Any, indicators: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "indicator", indicators or [])

    def clean_region(self) -> str:
        return _clean_code(self.cleaned_data.get("region", "").strip())


class PublicForm(_PeriodForm):
    province = forms.ChoiceField(label=_("Province"), required=False)
    indicator = forms.ChoiceField(label=_("Indicator on the map"), required=False)

    def __init__(
        self,
        *args: Any,
        provinces: list[tuple[str, str]] | None = None,
        indicators: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "province", [("", _("Indonesia: every province")), *(provinces or [])])
        _choose(self, "indicator", indicators or [])


class BoundaryForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=[(k, LEVEL_LABELS[k]) for k in BOUNDARY_LEVELS])
    code_property = forms.CharField(
        label=_("Property holding the region code"),
        max_length=64,
        help_text=_("The name of the feature property with the Kemendagri code, e.g. kode, KDPKAB or ADM2_PCODE."),
    )
    file = forms.FileField(label=_("GeoJSON file"))


class WorkforceForm(forms.Form):
    file = forms.FileField(
        label=_("Workforce file (CSV or XLSX)"),
        help_text=_("Columns: region_code, year, employed, formal, informal; optional population, vulnerable, source."),
    )


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    region_code = forms.CharField(
        label=_("Region code"), required=False, max_length=20, help_text=_("Blank: the national target.")
    )
    value = forms.DecimalField(label=_("Target"), max_digits=12, decimal_places=2, min_value=0)
    source = forms.CharField(label=_("Source"), max_length=300, help_text=_("e.g. RPJMN 2025-2029, RPJMD"))
    opened = forms.CharField(required=False, widget=forms.HiddenInput)  # when the page was drawn: see core.stale

    def __init__(self, *args: Any, indicators: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "indicator", indicators or [])

    def clean_region_code(self) -> str:
        return _clean_code(self.cleaned_data.get("region_code", "").strip())
