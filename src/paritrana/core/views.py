"""What every web page does with an action: a refusal becomes the message beside the form, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
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


# A second step before an irreversible action ----------------------------------------------------------------------

#: Posted files wait here between the first POST (the confirmation page) and the second (the action), named by a
#: random folder that only a signed token (bound to the user) points to; a folder left by a cancelled confirmation
#: is removed after a day.
CONFIRM_FOLDER = "confirm"
CONFIRM_MAX_AGE = 6 * 3600
_SALT = "paritrana.core.views.confirm"
_FILES_FIELD = "_confirm_files"


def confirm_first(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    verb: str,
    back: str = "",
    danger: bool = True,
    check: Callable[[], Any] | None = None,
) -> HttpResponse | None:
    """The second step before an irreversible action, without JavaScript: the first POST (without ``confirmed=1``)
    answers a page that says in words what will happen and to what (``title``, ``consequences``), repeating every
    posted field as a hidden input with ``confirmed=1``, a "Yes, <verb>" button (focused) and a Cancel link back to
    ``back`` (by default the page itself); the second POST gets None and runs the action. Posted files are kept
    server-side in between (see ``restore_confirmed_files``). A view does::

        if (page := confirm_first(request, title=..., consequences=[...], verb=gettext("close"))) is not None:
            return page

    ``check`` (the action itself, usually) is tried first in a transaction that is always rolled back: when it is
    refused (no right, a rule, bad input) there is nothing to confirm, None comes back and the view calls the
    action, whose refusal is shown as always. So the rules stay in the action, and nobody confirms what would be
    refused. A ``check`` writes nothing outside the database but what is harmless to keep (a content-addressed
    document).
    """
    if request.method != "POST":
        raise ValueError("confirm_first answers a POST")  # a programming error, never a user's
    if request.POST.get("confirmed") == "1":
        return None
    if check is not None and not _would_succeed(check):
        return None
    from django.shortcuts import render

    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed", _FILES_FIELD)
        for value in values
    ]
    token = _keep_files(request)
    if token:
        fields.append((_FILES_FIELD, token))
    context = {
        "title": title,
        "consequences": [c for c in consequences if c],
        "verb": verb,
        "fields": fields,
        "action": request.get_full_path(),
        "back": back or request.get_full_path(),
        "danger": danger,
    }
    response = render(request, "core/confirm.html", context)
    response["Cache-Control"] = "no-store"
    return response


class _RollBack(Exception):
    """Raised to roll back a check that succeeded."""


def _would_succeed(check: Callable[[], Any]) -> bool:
    """Whether the action would be done now: it is run, and everything it wrote (its audit too) rolled back."""
    from django.db import transaction

    try:
        with transaction.atomic():
            check()
            raise _RollBack
    except _RollBack:
        return True
    except ParitranaError:
        return False


def _confirm_root() -> Any:
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / CONFIRM_FOLDER


def _keep_files(request: HttpRequest) -> str:
    """Keep the request's files for the second POST; the signed token naming them, or "" without files."""
    if not request.FILES:
        return ""
    import time
    import uuid

    from django.core import signing

    root = _confirm_root()
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():  # confirmations never confirmed
        if old.is_dir() and time.time() - old.stat().st_mtime > 24 * 3600:
            import shutil

            shutil.rmtree(old, ignore_errors=True)
    folder = uuid.uuid4().hex
    (root / folder).mkdir()
    kept = []
    for index, (field, upload) in enumerate((f, u) for f, uploads in request.FILES.lists() for u in uploads):
        with (root / folder / str(index)).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        kept.append([field, upload.name or "", upload.content_type or "application/octet-stream"])
    user = getattr(request.user, "pk", None)
    return signing.dumps({"folder": folder, "user": user, "files": kept}, salt=_SALT)


def restore_confirmed_files(request: HttpRequest) -> None:
    """On the second POST of a confirmation, put the files kept at the first back into ``request.FILES`` (call it
    before a form reads them; ``confirm_uploads`` does it for a view). A token that is forged, expired or another
    user's is ignored: the form then asks for the file again."""
    token = request.POST.get(_FILES_FIELD) if request.method == "POST" else None
    if not token or request.POST.get("confirmed") != "1":
        return
    import shutil

    from django.core import signing
    from django.core.files.uploadedfile import UploadedFile
    from django.utils.datastructures import MultiValueDict

    try:
        kept = signing.loads(token, salt=_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return
    folder = _confirm_root() / str(kept["folder"])
    if kept.get("user") != getattr(request.user, "pk", None) or not folder.is_dir():
        return
    files: MultiValueDict[str, UploadedFile] = MultiValueDict()
    for index, (field, name, content_type) in enumerate(kept["files"]):
        path = folder / str(index)
        handle = path.open("rb")  # still readable once the folder is removed below (POSIX)
        files.appendlist(field, UploadedFile(handle, name=name, content_type=content_type, size=path.stat().st_size))
    shutil.rmtree(folder, ignore_errors=True)  # used once: a second confirmation of the same page finds nothing
    request._files = files  # type: ignore[attr-defined]  # Django keeps the parsed files there (HttpRequest.FILES)


def confirm_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view that confirms a POST carrying files: the kept files are back in ``request.FILES`` before it runs."""
    import functools

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        restore_confirmed_files(request)
        return view(request, *args, **kwargs)

    return wrapped
