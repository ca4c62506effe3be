"""Renders the one exception tree for web pages (the API renders it in ``paritrana.api.main``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from paritrana.core.errors import NotAuthenticated, ParitranaError

logger = logging.getLogger(__name__)


class ErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, ParitranaError):
            return None
        if isinstance(exc, NotAuthenticated) and not request.path.startswith("/api/"):
            return redirect_to_login(request.get_full_path())
        logger.info("refused %s %s: %s", request.method, request.path, exc.code)
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(exc.as_body(gettext), status=exc.status)
        template = "web/_error.html" if getattr(request, "htmx", False) else "web/error.html"
        return render(request, template, {"error": exc, "message": exc.render_message(gettext)}, status=exc.status)
