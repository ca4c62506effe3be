from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.registry.choices import ImportMode, Occupation, Segment, WorkerStatus


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Worker list (CSV or XLSX)"))
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial=ImportMode.ALL_OR_NOTHING)
    dry_run = forms.BooleanField(label=_("Dry run: show what would change, write nothing"), required=False)
    sheet = forms.CharField(label=_("Sheet (XLSX with several sheets)"), required=False, max_length=100)


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or full NIK"), required=False, max_length=100)
    region = forms.CharField(label=_("Region code"), required=False, max_length=20)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False, choices=[("", "-"), *Occupation.choices])
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", "-"), *Segment.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "-"), *WorkerStatus.choices])
