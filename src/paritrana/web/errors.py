"""Django's own 403/404/500 pages, in the same shape as the rest (JSON under /api/)."""

from __future__ import annotations

import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from paritrana.core.errors import NotFound, ParitranaError, PermissionDenied
from paritrana.core.views import is_api
from paritrana.web.middleware import database_unavailable


def _render(request: HttpRequest, exc: ParitranaError, status: int) -> HttpResponse:
    if is_api(request):
        return JsonResponse(exc.as_body(gettext), status=status)
    return render(request, "web/error.html", {"error": exc, "message": exc.render_message(gettext)}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, NotFound(), 404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, PermissionDenied(), 403)


def server_error(request: HttpRequest) -> HttpResponse:
    failed = sys.exc_info()[1]
    if isinstance(failed, OperationalError | InterfaceError):  # raised outside a view (the session, the user)
        return database_unavailable(request, failed)
    exc = ParitranaError("An unexpected error happened; it has been logged.")
    if is_api(request):
        return JsonResponse({"code": "server_error", "message": exc.render_message(gettext), "details": {}}, status=500)
    return HttpResponse(exc.render_message(gettext), status=500, content_type="text/plain; charset=utf-8")
