from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.registry.choices import ImportMode, Occupation, Segment, WorkerStatus


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Worker list (CSV or XLSX)"))
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial=ImportMode.ALL_OR_NOTHING)
    dry_run = forms.BooleanField(label=_("Dry run: show what would change, write nothing"), required=False)
    sheet = forms.CharField(label=_("Sheet (XLSX with several sheets)"), required=False, max_length=100)
    check_columns = forms.BooleanField(
        label=_("Let me check which column is which before importing"), required=False, initial=True
    )


#: Labels of the fields a list can hold, for the column check.
FIELD_LABELS = {
    "nik": _("NIK"),
    "name": _("Name"),
    "birth_date": _("Birth date"),
    "sex": _("Sex"),
    "desa_code": _("Desa/kelurahan code"),
    "desa_name": _("Desa/kelurahan name"),
    "phone": _("Phone"),
    "occupation": _("Occupation"),
    "segment": _("Segment"),
    "kpj": _("KPJ number"),
    "poverty_decile": _("Poverty decile"),
}


class MappingForm(forms.Form):
    """One choice per field: which column of the file holds it (guessed from the headers, the user confirms)."""

    def __init__(self, *args: Any, headers: list[str], guess: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((h, h) for h in headers)]
        for name, label in FIELD_LABELS.items():
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, required=False, initial=guess.get(name, "")
            )

    def mapping(self) -> dict[str, str]:
        return {name: column for name, column in self.cleaned_data.items() if column}


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or full NIK"), required=False, max_length=100)
    region = forms.CharField(label=_("Region code"), required=False, max_length=20)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False, choices=[("", "-"), *Occupation.choices])
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", "-"), *Segment.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "-"), *WorkerStatus.choices])
