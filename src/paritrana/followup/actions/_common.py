"""What the follow-up actions share: reading a text, a date, a choice or a region code into a value or a refusal that
names its field, and which claims are deaths."""

from __future__ import annotations

from datetime import date
from typing import Any

from paritrana.core.dates import today
from paritrana.core.errors import (
    N_,
    BadRequest,
    InvalidInput,
    NotFound,
    OutOfRange,
)
from paritrana.sponsorship.models import Claim

#: The claims whose heirs are followed up: a JKM death, or a death from a work accident (JKK).
DEATH_KINDS = ("jkm", "jkk-death")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _name(actor: Any) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else "system"


def _text(value: Any, field: str, *, required: bool = True, limit: int = 200) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(N_("{field} is required."), field=field)
    if len(text) > limit:
        raise OutOfRange(
            N_("{field} is at most {maximum} characters; got {value}."), field=field, maximum=limit, value=len(text)
        )
    return text


def _date(value: Any, field: str) -> date:
    """A required date (ISO ``YYYY-MM-DD``)."""
    day = _optional_date(value, field)
    if day is None:
        raise InvalidInput(N_("{field} is required."), field=field)
    return day


def _optional_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            N_("{field} must be a date (YYYY-MM-DD); got {value}."), field=field, value=str(value)[:20]
        ) from None


def _not_future(day: date, field: str) -> None:
    if day > today():
        raise InvalidInput(N_("{field} {value} is in the future."), field=field, value=day.isoformat())


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field=field,
            value=str(value)[:40],
            valid=", ".join(choices.values),
        )
    return str(value)


def _region(code: Any) -> Any:
    from paritrana.regions.queries import get_region, normalize_code

    try:
        return get_region(normalize_code(str(code or "")))
    except (BadRequest, NotFound):
        raise InvalidInput(
            N_("{value} is not a known region code."), field="region_code", value=str(code)[:20]
        ) from None


def _death_claim(claim: Claim) -> None:
    if claim.kind not in DEATH_KINDS:
        raise InvalidInput(
            N_("Claim {id} is a {kind} claim, not a death (JKM or JKK death): it has no heirs to follow up."),
            field="claim",
            id=claim.pk,
            kind=claim.kind,
        )


def _said(value: Any) -> str:
    """A value as a refusal says it: a date in ISO, nothing as "-"."""
    return "-" if value in (None, "") else value.isoformat() if hasattr(value, "isoformat") else str(value)
