from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.registry.choices import ImportMode, Occupation, Segment, Sex, WorkerStatus


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


class DateInput(forms.DateInput):
    """A browser date picker; the value travels as ISO (YYYY-MM-DD) whatever the language."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=["%Y-%m-%d"])


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or full NIK"), required=False, max_length=100)
    region = forms.CharField(label=_("Region code"), required=False, max_length=20)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False, choices=[("", "-"), *Occupation.choices])
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", "-"), *Segment.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "-"), *WorkerStatus.choices])
    status_from = _date(_("Status since, from"), required=False)
    status_until = _date(_("Status since, until"), required=False)


# A worker's changes (the worker page). Forms only parse; the actions of registry.lifecycle validate and decide.


class _Change(forms.Form):
    #: When the worker was last changed, as the page showed it: a change made meanwhile refuses this one.
    seen = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    evidence = forms.CharField(label=_("Evidence (document number or letter)"), max_length=500, required=False)
    evidence_file = forms.FileField(label=_("Evidence document (PDF, PNG or JPEG)"), required=False)


class DeathForm(_Change):
    field_order = ["died_on", "source", "reason", "evidence", "evidence_file"]
    died_on = _date(_("Date of death"))
    source = forms.CharField(
        label=_("Source (Dukcapil, the desa's list, a JKM claim...)"), max_length=200, required=False
    )


class MoveForm(_Change):
    field_order = ["desa_code", "away", "moved_on", "source", "reason", "evidence", "evidence_file"]
    desa_code = forms.CharField(label=_("New desa/kelurahan code"), max_length=20, required=False)
    away = forms.BooleanField(label=_("Moved away to a place not in the registry (abroad, unknown)"), required=False)
    moved_on = _date(_("Date of the move"))
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class CorrectionForm(_Change):
    field_order = ["name", "birth_date", "sex", "desa_code", "occupation", "reason", "evidence", "evidence_file"]
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    birth_date = _date(_("Birth date"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "-"), *Sex.choices], required=False)
    desa_code = forms.CharField(label=_("Desa/kelurahan code"), max_length=20, required=False)
    occupation = forms.ChoiceField(label=_("Occupation"), choices=[("", "-"), *Occupation.choices], required=False)


class NikForm(_Change):
    field_order = ["nik", "reason", "evidence", "evidence_file"]
    nik = forms.CharField(label=_("Correct NIK"), max_length=40)


class MergeForm(_Change):
    field_order = ["other", "keep", "reason", "evidence", "evidence_file"]
    other = forms.IntegerField(label=_("The other record (worker id)"), min_value=1)
    keep = forms.ChoiceField(
        label=_("Record kept"),
        choices=[("this", _("This record")), ("other", _("The other record"))],
        initial="this",
    )


class StatusForm(_Change):
    field_order = ["status", "on", "reason", "evidence", "evidence_file"]
    status = forms.ChoiceField(
        label=_("Status"), choices=[(WorkerStatus.ACTIVE, _("Active")), (WorkerStatus.INACTIVE, _("Inactive"))]
    )
    on = _date(_("From"))


CHANGE_FORMS: dict[str, type[_Change]] = {
    "death": DeathForm,
    "move": MoveForm,
    "correct": CorrectionForm,
    "nik": NikForm,
    "merge": MergeForm,
    "status": StatusForm,
}


class DeathListForm(forms.Form):
    file = forms.FileField(label=_("Death list (CSV or XLSX: NIK, tanggal meninggal, sumber)"))
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial=ImportMode.ALL_OR_NOTHING)
    dry_run = forms.BooleanField(label=_("Dry run: show what would change, write nothing"), required=False)
    source = forms.CharField(label=_("Source of the list (for rows without their own)"), max_length=200, required=False)
    sheet = forms.CharField(label=_("Sheet (XLSX with several sheets)"), required=False, max_length=100)
