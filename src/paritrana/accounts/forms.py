"""Forms of the user pages. They parse; the actions decide (password rules, regions that exist)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from paritrana.accounts.actions import MAX_PASSWORD_LENGTH
from paritrana.accounts.choices import Role


def _password_rules() -> str:
    return " ".join(str(text) for text in password_validators_help_texts())


password_rules = lazy(_password_rules, str)


def _password(label: Any, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class RoleForm(forms.Form):
    """A role and where it holds: a region, or all of Indonesia when that is chosen on purpose (never by leaving
    the region empty)."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region_code = forms.CharField(
        label=_("Region scope"),
        required=False,
        max_length=20,
        help_text=_("Kemendagri code of the province, kabupaten/kota, kecamatan or desa, e.g. 36.03."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    national = forms.BooleanField(
        label=_("All of Indonesia (national scope)"),
        required=False,
        help_text=_("Only for national administrators, the award committee and national viewers."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("region_code") or "").strip()
        if code and data.get("national"):
            self.add_error("national", _("Give a region or choose all of Indonesia, not both."))
        elif not code and not data.get("national") and "region_code" not in self.errors:
            self.add_error(
                "region_code", _("Give the region this role covers, or choose all of Indonesia (national scope).")
            )
        return data


class UserCreateForm(RoleForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=300, required=False)
    password = _password(_("Password"), "new-password", password_rules())
    password2 = _password(_("Repeat the password"), "new-password")

    field_order = ["username", "full_name", "password", "password2", "role", "region_code", "national"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password2") is not None and data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class PasswordChangeForm(forms.Form):
    old_password = _password(_("Current password"), "current-password")
    new_password = _password(_("New password"), "new-password", password_rules())
    new_password2 = _password(_("Repeat the new password"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password2")
        if new and again is not None and new != again:
            self.add_error("new_password2", _("The two passwords differ."))
        return data
