"""Renders the one exception tree for web pages (the API renders it in ``paritrana.api.main``), and answers a clean
503 while the database cannot be reached (stopped, restarting, failing over) instead of a 500 traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext

from paritrana.core.errors import NotAuthenticated, ParitranaError
from paritrana.core.views import is_api, wants_json

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again while the database is unavailable.
RETRY_AFTER = 30


class LanguageMiddleware(LocaleMiddleware):
    """Pages speak the site's language (``PARITRANA_LANGUAGE``, Bahasa Indonesia by default) to every visitor until
    the visitor picks another one with the language switcher, which is remembered in the language cookie. The
    browser's Accept-Language is not asked: an English browser in a village office still gets Bahasa Indonesia.
    The API keeps Django's negotiation (cookie, then Accept-Language), so a client can ask for its messages."""

    def process_request(self, request: HttpRequest) -> None:
        if is_api(request):
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, OperationalError | InterfaceError):
            return database_unavailable(request, exc)
        if not isinstance(exc, ParitranaError):
            return None
        if isinstance(exc, NotAuthenticated) and not is_api(request):
            return redirect_to_login(request.get_full_path())
        logger.info("refused %s %s: %s", request.method, request.path, exc.code)
        if wants_json(request):
            return JsonResponse(exc.as_body(gettext), status=exc.status)
        template = "web/_error.html" if getattr(request, "htmx", False) else "web/error.html"
        return render(request, template, {"error": exc, "message": exc.render_message(gettext)}, status=exc.status)


def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """503 with a message a person can act on. The page is rendered without the request's context processors:
    they read the session and the user, that is the database that just failed."""
    # Only the class of the error: a driver message may quote the statement and its parameters (personal data).
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
    # The outer middleware must not reach for the database on the way out: the session middleware loads the session
    # to refresh its expiry (SESSION_SAVE_EVERY_REQUEST), the request log reads the user. Without a session it
    # leaves the cookie as it is (the person stays signed in); a user not looked up yet is anonymous here.
    request.__dict__.pop("session", None)
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", empty) is empty:
        request.user = AnonymousUser()
    message = gettext("The database is unavailable at the moment; try again in a minute.")
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"code": "database_unavailable", "message": message, "details": {}}, status=503
        )
    else:
        response = HttpResponse(render_to_string("web/unavailable.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
