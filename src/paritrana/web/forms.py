"""Forms of the shared pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.regions.choices import RegionGroupKind


class RegionGroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RegionGroupKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    region_codes = forms.CharField(
        label=_("Region codes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Province codes for a zone (e.g. 31 32 36), kabupaten/kota codes for a branch area (36.03 36.71)."),
    )
    # What the edit page showed, so that a colleague's change since is refused rather than overwritten.
    shown_name = forms.CharField(required=False, widget=forms.HiddenInput, max_length=120)
    shown_codes = forms.CharField(required=False, widget=forms.HiddenInput)

    def codes(self) -> list[str]:
        return _split_codes(self.cleaned_data["region_codes"])

    def expected(self) -> dict[str, Any] | None:
        """The name and members the edit page showed (``do_save_region_group``'s ``expected``); none from a client
        that does not send them."""
        if not self.cleaned_data["shown_name"]:
            return None
        return {"name": self.cleaned_data["shown_name"], "region_codes": _split_codes(self.cleaned_data["shown_codes"])}


def _split_codes(text: str) -> list[str]:
    return text.replace(",", " ").split()


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
