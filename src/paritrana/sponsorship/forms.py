"""Forms of the sponsorship pages: they only parse; the actions validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.registry.choices import Funder, Occupation
from paritrana.sponsorship.choices import Package, PaymentSource, SponsorKind

MODES = [("all-or-nothing", _("All or nothing")), ("valid-only", _("Enroll the eligible, list the others"))]


class SponsorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SponsorKind.choices)
    region_code = forms.CharField(label=_("Region code"), max_length=20)
    opd = forms.CharField(label=_("Paying agency (OPD)"), max_length=200, required=False)


class ProgramForm(forms.Form):
    sponsor = forms.IntegerField(label=_("Sponsor"), widget=forms.Select)
    name = forms.CharField(label=_("Name"), max_length=200)
    fiscal_year = forms.IntegerField(label=_("Fiscal year"))
    pagu = forms.CharField(label=_("Pagu (Rp)"), max_length=30)
    package = forms.ChoiceField(label=_("Package"), choices=Package.choices)
    declared_income = forms.CharField(label=_("Declared monthly income (Rp)"), initial="1000000", max_length=30)
    first_month = forms.IntegerField(label=_("First month"), initial=1)
    months = forms.IntegerField(label=_("Months covered"), initial=12)
    target_workers = forms.IntegerField(label=_("Target workers"), initial=0)
    region_code = forms.CharField(label=_("Eligible area (blank: the sponsor's region)"), required=False, max_length=20)
    occupations = forms.MultipleChoiceField(
        label=_("Eligible occupations (none: all)"), choices=Occupation.choices, required=False
    )
    max_poverty_decile = forms.IntegerField(label=_("Poorest deciles up to"), required=False)
    min_age = forms.IntegerField(label=_("Minimum age"), required=False)
    max_age = forms.IntegerField(label=_("Maximum age"), required=False)
    min_workers_per_desa = forms.IntegerField(label=_("Minimum workers per desa"), initial=0)
    grace_days = forms.IntegerField(label=_("Grace days after the due date"), initial=0)


class EnrollForm(forms.Form):
    how = forms.ChoiceField(
        label=_("Whom"),
        choices=[
            ("filter", _("Every eligible worker")),
            ("file", _("A list of NIKs (CSV/XLSX)")),
            ("carry_over", _("The workers of the renewed program")),
        ],
    )
    desa = forms.CharField(label=_("Only this region (code)"), required=False, max_length=20)
    file = forms.FileField(label=_("List"), required=False)
    first_month = forms.DateField(
        label=_("First month"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_month = forms.DateField(
        label=_("Last month"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=MODES)


class PaguForm(forms.Form):
    pagu = forms.CharField(label=_("New pagu (Rp)"), max_length=30)
    #: The pagu the page showed: changed meanwhile by someone else, this change is refused (nothing overwritten).
    shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=30)


class RenewForm(forms.Form):
    pagu = forms.CharField(label=_("Pagu of the next year (Rp)"), max_length=30)


class BillingForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )


class PaymentForm(forms.Form):
    bill_number = forms.CharField(label=_("Bill number"), max_length=64)
    reference = forms.CharField(label=_("Receipt or transfer reference"), max_length=64)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.CharField(label=_("Amount (Rp)"), max_length=30)
    source = forms.ChoiceField(label=_("Source"), choices=PaymentSource.choices)


class PaymentFileForm(forms.Form):
    file = forms.FileField(label=_("Payment file (CSV/XLSX)"))
    source = forms.ChoiceField(label=_("Source"), choices=PaymentSource.choices)


class ClaimFileForm(forms.Form):
    file = forms.FileField(label=_("Claims file (CSV/XLSX)"))


class PlanForm(forms.Form):
    budget = forms.CharField(label=_("Budget (Rp)"), max_length=30)
    months = forms.IntegerField(label=_("Months"), initial=12, min_value=1, max_value=12)
    package = forms.ChoiceField(label=_("Package"), choices=Package.choices)
    funder = forms.ChoiceField(label=_("Who pays (funder)"), choices=Funder.choices, initial="apbd", required=False)
    on = forms.DateField(
        label=_("Priced at the rules of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    region = forms.CharField(label=_("Allocate across the desa of (region code)"), required=False, max_length=20)
    minimum = forms.IntegerField(label=_("Minimum workers per desa"), initial=50, min_value=0)


class MonevFilterForm(forms.Form):
    #: A select of the years that have programs in the user's scope (the view fills it); the default is the
    #: current fiscal year, so that a monev never adds two years up.
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"), required=False, min_value=2000, max_value=2100, widget=forms.Select
    )
    sponsor = forms.IntegerField(label=_("Sponsor"), required=False, widget=forms.Select)
