"""The one refusal of a save sent from a page that no longer shows what is stored.

Every form that overwrites a record carries what it showed: the values of the fields it changes (``refuse_if_changed``)
or, for a form that creates or replaces a record it could not name when the page was drawn, when the page was opened
(``refuse_if_saved_since``), or the record's version, when it was last saved (``version``,
``refuse_if_not_seen``). A colleague's change made since refuses the save, naming the field, what it holds now
and what the page showed; nothing is overwritten silently. Sending what is already stored is never refused, so a
double submit is harmless. Callers that pass nothing (the command line, a loader) are not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from paritrana.core.errors import N_, Conflict, InvalidInput

__all__ = ["opened_at", "refuse_if_changed", "refuse_if_not_seen", "refuse_if_saved_since", "version"]


_NOTHING = object()


def refuse_if_changed(
    field: str, shown: Any, now: Any, *, asked: Any = _NOTHING, label: str = "", say: Callable[[Any], str] = str
) -> None:
    """Refuse when ``field`` holds ``now`` where the page showed ``shown``, unless it already holds what is
    ``asked`` (a double submit). ``label``: the field in words (``Words``), else its name; ``say``: how a value
    reads in the message (an amount in Rupiah)."""
    if shown != now and asked != now:
        raise Conflict(
            N_(
                "{what} was changed to {now} after you opened the page (it showed {shown}): nothing was saved. "
                "Reload the page to see the change, then make yours again if it is still needed."
            ),
            field=field,
            what=label or field,
            now=say(now),
            shown=say(shown),
        )


def refuse_if_saved_since(opened: datetime | None, saved_at: datetime | None, message: str, **details: Any) -> None:
    """Refuse with ``message`` (its ``{when}`` filled with ``saved_at``) when the record was saved after the page
    was ``opened``. Nothing to check without an opening time or a record."""
    if opened is not None and saved_at is not None and saved_at > opened:
        raise Conflict(
            message, field="opened", when=date_format(timezone.localtime(saved_at), "DATETIME_FORMAT"), **details
        )


def version(saved_at: datetime | None) -> str:
    """What a page shows of a record's version, to send back as ``seen``: when it was last saved ("" when it has
    not been saved yet)."""
    return "" if saved_at is None else saved_at.isoformat()


def refuse_if_not_seen(
    seen: str | datetime | None,
    saved_at: datetime | None,
    message: str,
    *,
    unchanged: bool = False,
    field: str = "seen",
    **details: Any,
) -> None:
    """Refuse with ``message`` (its ``{when}`` filled with ``saved_at``) when the record is no longer the version
    the page showed (``seen``: its ``version``, or the moment itself). ``unchanged``: the save would store what is
    already stored (a double submit, a form posting every field it shows), never refused. No ``seen``: the caller
    does not check."""
    if seen is None or unchanged:
        return
    same = saved_at == seen if isinstance(seen, datetime) else seen == version(saved_at)
    if not same:
        when = date_format(timezone.localtime(saved_at), "DATETIME_FORMAT") if saved_at else "-"
        raise Conflict(message, field=field, when=when, **details)


def opened_at(value: str | datetime | None) -> datetime | None:
    """The page's opening time as a form or the API sends it (ISO 8601), or none; a malformed one is named."""
    if value in (None, "") or isinstance(value, datetime):
        return value or None  # type: ignore[return-value]
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(N_("{value} is not a moment in ISO 8601."), field="opened", value=value) from None
    if parsed.tzinfo is None:
        raise InvalidInput(N_("{value} has no time zone."), field="opened", value=value)
    return parsed
