"""A user who logged in with a temporary password (an administrator reset it) is led to the password page first."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

#: Paths a user with a temporary password may still open: the password page itself, logging out, the language
#: switch, static files, the API (bearer tokens, not the session), health and metrics.
OPEN_PREFIXES = ("/logout/", "/i18n/", "/static/", "/api/", "/healthz", "/metrics", "/favicon.ico")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get("password_must_change") and request.user.is_authenticated:
            target = reverse("accounts:password")
            if request.path != target and not request.path.startswith(OPEN_PREFIXES):
                messages.warning(request, _("An administrator set a temporary password: choose your own first."))
                return redirect(target)
        return self.get_response(request)
