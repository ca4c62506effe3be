"""Forms of the user pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from paritrana.accounts.choices import Role


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region_code = forms.CharField(
        label=_("Region scope"),
        required=False,
        max_length=20,
        help_text=_("Kemendagri code; empty = all of Indonesia."),
    )


class UserCreateForm(RoleForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=300, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=10)

    field_order = ["username", "full_name", "password", "role", "region_code"]
