from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "paritrana.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_remember_temporary_password, dispatch_uid="paritrana.accounts.temporary_password")


def _remember_temporary_password(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """At login, note in the session whether the password is a temporary one an administrator set: the session then
    leads to the password page until the user has chosen their own (``PasswordChangeRequiredMiddleware``)."""
    from paritrana.accounts.actions import must_change_password

    if request is not None and hasattr(request, "session"):
        request.session["password_must_change"] = must_change_password(user)
