"""Forms of the award pages: they only parse what a person typed or uploaded; the actions validate and decide
(weights, deadlines, scales, conflicts...). The self-assessment, verification and scoring forms are drawn from the
category's criteria in the templates, so their fields are read straight from the POST by the views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CategoryForm",
    "ConflictForm",
    "EditionForm",
    "EvidenceForm",
    "FrameworkForm",
    "ImportForm",
    "PanelForm",
    "PublicFilterForm",
    "ResolveForm",
    "ScoringDeadlineForm",
    "ZoneForm",
]

LEVELS = [("kabupaten", _("Kabupaten/kota")), ("province", _("Provinces")), ("desa", _("Desa/kelurahan"))]
SHEET_KINDS = [
    ("indicators", _("Indicator values")),
    ("answers", _("Self-assessment answers")),
    ("scores", _("Jury scores")),
]
FRAMEWORK_HELP = _("YAML or JSON; the format is in the documentation (Paritrana Award).")


class EditionForm(forms.Form):
    year = forms.IntegerField(label=_("Award year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Name"), max_length=200)
    region_code = forms.CharField(
        label=_("Province (blank: the national round)"), max_length=13, required=False, help_text=_("e.g. 36")
    )
    assessment_start = forms.DateField(
        label=_("Assessment period from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    assessment_end = forms.DateField(
        label=_("Assessment period to"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    submission_deadline = forms.DateTimeField(
        label=_("Self-assessment deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    scoring_deadline = forms.DateTimeField(
        label=_("Jury scoring deadline (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Empty: the jury scores until the committee locks each panel."),
    )


class ScoringDeadlineForm(forms.Form):
    scoring_deadline = EditionForm.base_fields["scoring_deadline"]


class FrameworkForm(forms.Form):
    """The criteria as a file or as text (the file wins when both are given)."""

    framework_file = forms.FileField(label=_("Criteria file (YAML/JSON)"), required=False, help_text=FRAMEWORK_HELP)
    framework_text = forms.CharField(
        label=_("or the criteria as text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )

    def framework(self) -> str:
        upload = self.cleaned_data.get("framework_file")
        if upload is not None:
            return bytes(upload.read()).decode("utf-8", errors="replace")
        return str(self.cleaned_data.get("framework_text") or "")


class CategoryForm(FrameworkForm):
    key = forms.SlugField(label=_("Key"), max_length=64, help_text=_("e.g. kabupaten-kota"))
    name = forms.CharField(label=_("Name"), max_length=200)
    participant_level = forms.ChoiceField(label=_("Participants are"), choices=LEVELS)
    titles = forms.CharField(
        label=_("Titles, best first (comma-separated)"), initial="Terbaik I, Terbaik II, Terbaik III", max_length=500
    )
    by_zone = forms.BooleanField(label=_("Ranked within zones"), required=False)
    normalise_judges = forms.BooleanField(label=_("Normalise each judge's scores (z-score)"), required=False)

    field_order = [
        "key",
        "name",
        "participant_level",
        "titles",
        "by_zone",
        "normalise_judges",
        "framework_file",
        "framework_text",
    ]

    def title_list(self) -> list[str]:
        return [t.strip() for t in str(self.cleaned_data.get("titles") or "").split(",") if t.strip()]


class EvidenceForm(forms.Form):
    criterion = forms.CharField(max_length=64, widget=forms.HiddenInput)
    document = forms.CharField(max_length=200, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File (PDF, image or office document)"))


class PanelForm(forms.Form):
    username = forms.CharField(label=_("Username of the judge"), max_length=150)


class ConflictForm(forms.Form):
    reason = forms.CharField(label=_("The conflict of interest"), max_length=300)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=SHEET_KINDS)
    file = forms.FileField(label=_("File (CSV/XLSX)"))


class ResolveForm(forms.Form):
    """One missing value: the value (with a target when the criterion is scored against one), or a decision."""

    participant = forms.IntegerField(widget=forms.HiddenInput)
    criterion = forms.CharField(max_length=64, widget=forms.HiddenInput)
    resolution = forms.ChoiceField(
        label=_("Resolve with"),
        choices=[("value", _("the value")), ("exempt", _("exempt (left out)")), ("zero", _("zero by decision"))],
    )
    value = forms.FloatField(label=_("Value"), required=False)
    target = forms.FloatField(label=_("Target"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("Zone name"), max_length=120, help_text=_("e.g. Zona Jawa-Bali"))
    slug = forms.SlugField(label=_("Short name (blank: from the name)"), max_length=50, required=False)
    provinces = forms.CharField(
        label=_("Provinces (codes, comma-separated)"), max_length=500, help_text=_("e.g. 31, 32, 33, 34, 35, 36, 51")
    )
    # The zones the page listed (JSON, slug: name and region codes), so that a colleague's change since is refused.
    shown = forms.JSONField(required=False, widget=forms.HiddenInput)

    def province_codes(self) -> list[str]:
        return [c.strip() for c in str(self.cleaned_data.get("provinces") or "").split(",") if c.strip()]

    def clean_shown(self) -> dict[str, Any] | None:
        value = self.cleaned_data.get("shown")
        if value in (None, ""):
            return None
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise forms.ValidationError(_("The page sent an unreadable list of zones; reload it."))
        return value


class PublicFilterForm(forms.Form):
    edition = forms.TypedChoiceField(label=_("Edition"), coerce=int, required=False)
    zone = forms.ChoiceField(label=_("Zone"), required=False)

    def __init__(self, *args: object, editions: list[tuple[int, str]], zones: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature is untyped *args
        self.fields["edition"].choices = editions  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["zone"].choices = [("", _("All zones")), *((z, z) for z in zones)]  # type: ignore[attr-defined]
