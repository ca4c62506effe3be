"""What every web page does with an action: a refusal becomes the message beside the form, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext

from paritrana.core.errors import NotAuthenticated, ParitranaError, PermissionDenied


def attempt(action: Callable[[], Any]) -> tuple[Any, str]:
    """Run an action (or a query); a refusal becomes the message shown beside the form (``core/_error.html``), and
    nothing was written. A missing right is not a form error: it goes up to the error page (403)."""
    try:
        return action(), ""
    except (PermissionDenied, NotAuthenticated):
        raise
    except ParitranaError as error:
        return None, error.render_message(gettext)


def is_api(request: HttpRequest) -> bool:
    """A request to the HTTP API (``/api/``): answered in JSON, its language negotiated, never sent to a login page."""
    return request.path.startswith("/api/")


def wants_json(request: HttpRequest) -> bool:
    """An error for this request is answered in JSON: an API request, or a page fetched by a script asking for it."""
    return is_api(request) or "application/json" in request.headers.get("Accept", "")
