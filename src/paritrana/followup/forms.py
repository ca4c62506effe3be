"""Forms of the follow-up pages: they only parse; the actions validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.followup.actions import BY_AGE, MAX_HEIRS
from paritrana.followup.choices import FindingStatus, ReferralOutcome, Relation, SessionKind
from paritrana.sponsorship.choices import ClaimKind

LEVELS = [
    ("", _("By age")),
    ("tk", "TK"),
    ("sd", "SD"),
    ("smp", "SMP"),
    ("sma", "SMA"),
    ("pt", _("Higher education or training")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200)
    bpjs_office = forms.CharField(label=_("BPJS office"), max_length=200)
    region_code = forms.CharField(label=_("Region code"), max_length=20)
    fiscal_year = forms.IntegerField(label=_("Fiscal year"))
    attendees = forms.CharField(
        label=_("People present, one per line: name; OPD or institution; position"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    programs = forms.MultipleChoiceField(
        label=_("Programs concerned (none: every program of the region and fiscal year)"), required=False
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def attendee_rows(self) -> list[dict[str, str]]:
        """``name; institution; position`` per line (a tab or a comma also separates, as pasted from a sheet)."""
        rows = []
        for line in (self.cleaned_data.get("attendees") or "").splitlines():
            if not line.strip():
                continue
            sep = ";" if ";" in line else "\t" if "\t" in line else ","
            parts = [p.strip() for p in line.split(sep)] + ["", ""]
            rows.append({"name": parts[0], "institution": parts[1], "position": parts[2]})
        return rows


class FindingForm(forms.Form):
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 2}))
    recommendation = forms.CharField(
        label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    owner = forms.CharField(label=_("Owner (OPD or person)"), max_length=200, required=False)
    owner_user = forms.CharField(label=_("Owner's user name (optional)"), max_length=150, required=False)
    due_date = forms.DateField(label=_("Due date"), widget=DATE, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FindingStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    drop_reason = forms.CharField(label=_("Reason for dropping"), max_length=2000, required=False)
    shown_status = forms.ChoiceField(choices=FindingStatus.choices, required=False)  # what the page showed


class HeirForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE)
    nik = forms.CharField(label=_("NIK (optional)"), max_length=20, required=False)


class ChildForm(forms.Form):
    heir = forms.IntegerField(widget=forms.HiddenInput)
    level = forms.ChoiceField(label=_("Level at the first year"), choices=LEVELS, required=False)
    grade = forms.IntegerField(label=_("Year within the level"), initial=1, min_value=1, max_value=6)
    contribution_years = forms.DecimalField(
        label=_("Years of contributions (JKM)"), required=False, max_digits=4, decimal_places=1
    )


class DisbursementForm(forms.Form):
    child = forms.IntegerField(widget=forms.HiddenInput)
    school_year = forms.CharField(label=_("School year"), max_length=9)
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DATE)
    reference = forms.CharField(label=_("Reference"), max_length=64)


class EndForm(forms.Form):
    child = forms.IntegerField(widget=forms.HiddenInput)
    married_on = forms.DateField(label=_("Married on"), widget=DATE, required=False)
    working_since = forms.DateField(label=_("Working since"), widget=DATE, required=False)
    # The two dates as the page showed them (ISO, blank for none), so that a colleague's change since is refused.
    shown = forms.JSONField(required=False, widget=forms.HiddenInput)


class ReferralForm(forms.Form):
    heir = forms.IntegerField(widget=forms.Select)
    course = forms.CharField(label=_("Course"), max_length=200)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class OutcomeForm(forms.Form):
    referral = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReferralOutcome.choices)
    outcome_on = forms.DateField(label=_("Outcome on"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ClaimEntryForm(forms.Form):
    """A claim as an officer enters it: the worker by NIK or by a name search (the pick arrives as ``worker``, an id,
    from the search results), the claim, and for a JKM death the years of contributions the scholarship needs."""

    worker_query = forms.CharField(
        label=_("Worker: NIK or name"),
        max_length=200,
        required=False,
        help_text=_("Type the 16-digit NIK, or at least 3 letters of the name and pick the worker from the list."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "search"}),
    )
    worker = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClaimKind.choices)
    event_date = forms.DateField(label=_("Event date (the death, for JKM and JKK death)"), widget=DATE)
    amount_paid = forms.CharField(label=_("Amount paid (Rp)"), max_length=30)
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DATE)
    contribution_years = forms.DecimalField(
        label=_("Years of contributions (JKM, for the scholarship)"),
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=0,
    )


#: A child heir's school level at the first scholarship year; blank: no scholarship (yet).
HEIR_LEVELS = [
    ("", _("No scholarship")),
    (BY_AGE, _("By age (not yet in school)")),
    ("tk", "TK"),
    ("sd", "SD"),
    ("smp", "SMP"),
    ("sma", "SMA"),
    ("pt", _("Higher education or training")),
]


class HeirRowForm(forms.Form):
    """One heir on the claim form. A row left empty is skipped; a row marked for removal is dropped."""

    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=[("", "—"), *Relation.choices])
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE)
    nik = forms.CharField(label=_("NIK (optional)"), max_length=20, required=False)
    school_level = forms.ChoiceField(label=_("Scholarship: school level"), choices=HEIR_LEVELS, required=False)
    grade = forms.IntegerField(label=_("Year within the level"), min_value=1, max_value=6, required=False)

    def row(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        return data


HeirRowFormSet = forms.formset_factory(HeirRowForm, extra=2, max_num=MAX_HEIRS, validate_max=True, can_delete=True)


def bound(form_class: type[forms.Form], request: Any, name: str, prefix: str | None = None, **kwargs: Any) -> Any:
    """The form bound to the POST when the POST is for it (``form=<name>``), unbound otherwise."""
    data = request.POST if request.method == "POST" and request.POST.get("form") == name else None
    return form_class(data, prefix=prefix, **kwargs)
