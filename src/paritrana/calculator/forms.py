"""Forms of the Simulasi page. Amounts are taken as text and validated by the rules engine, which names the field
and the valid range in its errors (so the page and the API say the same thing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.core.dates import today
from paritrana.registry.choices import Funder, Occupation, Segment

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PROGRAMS = [("jkk", "JKK"), ("jkm", "JKM"), ("jht", "JHT"), ("jp", "JP"), ("jkp", "JKP")]
INDUSTRIES = [
    ("", "-"),
    ("makanan_minuman_tembakau", _("Food, drink and tobacco")),
    ("tekstil_pakaian_jadi", _("Textiles and clothing")),
    ("kulit_barang_kulit", _("Leather and leather goods")),
    ("alas_kaki", _("Footwear")),
    ("mainan_anak", _("Toys")),
    ("furnitur", _("Furniture")),
    ("lainnya", _("Other industry")),
]
EMPLOYER_SIZES = [
    ("", "-"),
    ("mikro", _("Micro")),
    ("kecil", _("Small")),
    ("menengah", _("Medium")),
    ("besar", _("Large")),
]
BENEFITS = [
    ("jkm", _("JKM: death")),
    ("jkk-death", _("JKK: death from a work accident")),
    ("jkk-disability", _("JKK: disability")),
    ("jkk-stmb", _("JKK: wage while unable to work (STMB)")),
    ("jkk-transport", _("JKK: transport reimbursement")),
    ("jkk-home-care", _("JKK: home care")),
    ("beasiswa", _("Scholarship (beasiswa)")),
    ("jkp", _("JKP: job loss")),
    ("jht", _("JHT: old-age savings")),
    ("jp", _("JP: pension")),
]


def _amount(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )


class QuoteForm(forms.Form):
    segment = forms.ChoiceField(label=_("Segment"), choices=Segment.choices)
    date = forms.DateField(
        label=_("Month priced"), initial=today, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    programs = forms.MultipleChoiceField(
        label=_("Programs"),
        choices=PROGRAMS,
        initial=["jkk", "jkm"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("PU: leave empty and choose the employer size to price its mandatory programs."),
    )
    funder = forms.ChoiceField(label=_("Who pays (funder)"), choices=Funder.choices, initial="mandiri", required=False)
    occupation = forms.ChoiceField(
        label=_("Occupation (BPU)"), choices=[("", "-"), *Occupation.choices], required=False
    )
    industry = forms.ChoiceField(label=_("Industry (PU)"), choices=INDUSTRIES, required=False)
    employer_size = forms.ChoiceField(label=_("Employer size (PU)"), choices=EMPLOYER_SIZES, required=False)
    income = _amount(_("Declared monthly income (BPU)"))
    wage = _amount(_("Monthly wage (PU)"))
    risk_group = forms.TypedChoiceField(
        label=_("JKK risk group (PU)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "-")] + [(i, str(i)) for i in range(1, 6)],
    )
    contract_value = _amount(_("Contract value (construction)"))
    contract_months = forms.IntegerField(label=_("Contract months (PMI)"), required=False, min_value=1)
    workers = forms.IntegerField(label=_("Workers"), initial=1, min_value=1)
    months = forms.IntegerField(label=_("Months"), initial=12, min_value=1, max_value=600)


class BenefitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Benefit"), choices=BENEFITS)
    date = forms.DateField(
        label=_("Event date"), initial=today, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    wage = _amount(_("Monthly wage"))
    percentage = forms.FloatField(label=_("Disability percentage"), required=False, min_value=0, max_value=100)
    total = forms.BooleanField(label=_("Total permanent disability"), required=False)
    children = forms.CharField(label=_("Children's school levels (beasiswa), e.g. sd,smp"), required=False)
    contribution_years = forms.FloatField(label=_("Years of contributions"), required=False, min_value=0)
    months_unable = forms.IntegerField(label=_("Months unable to work (STMB)"), required=False, min_value=1)
    land_cost = _amount(_("Land or river transport cost"))
    sea_cost = _amount(_("Sea transport cost"))
    air_cost = _amount(_("Air transport cost"))
    home_care_cost = _amount(_("Home care cost"))


class RuleBookForm(forms.Form):
    on = forms.DateField(
        label=_("In force on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.DateField(
        label=_("Changes from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
