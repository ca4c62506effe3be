"""One pagination for every list, and the keyset pages of the lists that grow to millions of rows.

API lists answer ``?limit=&offset=`` with ``{"items", "count", "limit", "offset", "next"}``. Both numbers are bounded,
and a value outside the bounds is refused (400 ``bad_request`` naming ``limit`` or ``offset``), never clamped:
``limit`` 1..1000, ``offset`` 0..``MAX_OFFSET``. An offset makes the database read and drop every row before the
page, so it stops at a hundred thousand; beyond, a list ordered by columns that are never empty (the registry's
workers, the audit log...) pages by position: ``next`` is a token, and ``?after=<next>`` answers the following page
wherever it lies, reading only its own rows (issue 22: page 400,000 of a 20-million registry in milliseconds). A
page asked by ``after`` answers no ``count`` (counting 20 million rows takes seconds): the first page has it.

Web pages use :func:`keyset_page` directly (next and previous) and :func:`bounded_count` for the "N found" line.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan  # row comparisons (5.2)
from django.db.models.query import ModelIterable
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from paritrana.core.errors import N_, InvalidInput

#: The largest ``offset`` a list accepts; deeper pages are asked by ``after``.
MAX_OFFSET = 100_000
#: A web list counts its rows up to this many, then says "more than".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list read by position: its items, and the tokens of the pages after and before it ("" when
    there is none)."""

    items: list[Any]
    next: str
    previous: str


def keyset_order(queryset: QuerySet[Any]) -> tuple[tuple[str, bool], ...] | None:
    """The list's order as ``(field, descending)`` pairs ending with the primary key, or None when the list cannot
    be read by position: an order by an expression, a related field, or a column that may be empty (SQL orders
    NULL apart, and a position holding one would skip or repeat rows)."""
    if queryset._iterable_class is not ModelIterable:  # .values() rows: no attributes to read a position from
        return None
    model = queryset.model
    names = [str(n) for n in (queryset.query.order_by or model._meta.ordering or [])]
    order: list[tuple[str, bool]] = []
    for name in names:
        descending = name.startswith("-")
        field_name = name.lstrip("-")
        if field_name == "pk":
            field_name = model._meta.pk.name
        try:
            field = model._meta.get_field(field_name)
        except FieldDoesNotExist:
            return None
        if "__" in field_name or getattr(field, "null", True) or field.is_relation:
            return None
        order.append((field.attname, descending))
    if not any(name == model._meta.pk.attname for name, _ in order):
        order.append((model._meta.pk.attname, False))
    return tuple(order)


def keyset_page(
    queryset: QuerySet[Any], *, size: int, after: str = "", before: str = "", field: str = "after"
) -> KeysetPage:
    """The ``size`` items after the position ``after`` (or before ``before``; the first page when neither), in the
    list's own order, read from that position (an index on the order columns makes it as fast as the first page)."""
    order = keyset_order(queryset)
    if order is None:
        raise ValueError(f"{queryset.model.__name__} lists cannot be read by position")  # a programming error
    backwards = bool(before) and not after
    token = after or before
    ordered = queryset.order_by(*[("-" if desc != backwards else "") + name for name, desc in order])
    if token:
        position = _decode(token, queryset.model, order, field)
        ordered = ordered.filter(_beyond(order, position, backwards))
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    items = rows[:size]
    if backwards:
        items.reverse()
    first, last = (items[0], items[-1]) if items else (None, None)
    has_next = more if not backwards else bool(items)
    has_previous = bool(token) and bool(items) if not backwards else more
    return KeysetPage(
        items=items,
        next=_encode(last, order) if has_next and last is not None else "",
        previous=_encode(first, order) if has_previous and first is not None else "",
    )


def bounded_count(queryset: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """How many rows the list holds, counting no further than ``cap`` (``COUNT_CAP``); the second value says it
    holds more. A count of 20 million rows reads them all; a list page needs to say "more than 10,000"."""
    cap = COUNT_CAP if cap is None else cap
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


def _beyond(order: tuple[tuple[str, bool], ...], values: list[Any], backwards: bool) -> Any:
    """Rows strictly after ``values`` in ``order`` (before, when ``backwards``). When every column runs the same way
    (the worker list), a row comparison ``(a, b, id) > (x, y, z)``: PostgreSQL starts an index range scan at the
    position (SQLite gets Django's expansion of it). Otherwise (a > x) or (a = x and b > y).... Either way the first
    column's bound goes in front, for the index."""
    (lead, descending), value = order[0], values[0]
    bound = Q(**{f"{lead}__{'lte' if descending != backwards else 'gte'}": value})
    directions = {descending for _name, descending in order}
    if len(directions) == 1:
        lookup = TupleLessThan if directions.pop() != backwards else TupleGreaterThan
        return bound & Q(lookup(Tuple(*[F(name) for name, _ in order]), tuple(values)))
    clauses: list[Q] = []
    equal: dict[str, Any] = {}
    for (name, descending), value in zip(order, values, strict=True):
        op = "lt" if descending != backwards else "gt"
        clauses.append(Q(**equal, **{f"{name}__{op}": value}))
        equal[name] = value
    return bound & reduce(or_, clauses)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _encode(item: Model, order: tuple[tuple[str, bool], ...]) -> str:
    values = [_plain(getattr(item, name)) for name, _ in order]
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, model: type[Model], order: tuple[tuple[str, bool], ...], field: str) -> list[Any]:
    refused = InvalidInput(
        N_("The page position in {field} is not one this list gave: start again from the first page."), field=field
    )
    if len(token) > 2000:
        raise refused
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise refused from None
    if not isinstance(values, list) or len(values) != len(order):
        raise refused
    parsed = []
    for (name, _desc), value in zip(order, values, strict=True):
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise refused
        try:
            parsed.append(model._meta.get_field(name).to_python(value))  # type: ignore[union-attr]  # a plain column
        except (ValidationError, ValueError, TypeError):
            raise refused from None
    return parsed


class Page(PaginationBase):
    class Input(Schema):
        limit: int | None = Field(None, ge=1, le=1000, description="Items per page (default: PARITRANA_PAGE_SIZE).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"Items to skip (at most {MAX_OFFSET}).")
        after: str = Field(
            "",
            max_length=2000,
            description="The `next` token of the page before: the following page, however deep (no `count`).",
        )

    class Output(Schema):
        items: list[Any]
        count: int | None
        limit: int
        offset: int
        next: str | None = Field(None, description="Pass as `after` for the following page; null on the last page.")

    def paginate_queryset(
        self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        limit = pagination.limit or settings.PARITRANA.page_size
        offset = pagination.offset
        by_position = isinstance(queryset, QuerySet) and keyset_order(queryset) is not None
        if pagination.after:
            if not by_position:
                raise InvalidInput(N_("This list pages by offset only: leave {field} out."), field="after")
            if offset:
                raise InvalidInput(N_("Give either offset or after, not both."), field="after")
            page = keyset_page(queryset, size=limit, after=pagination.after)
            return {"items": page.items, "count": None, "limit": limit, "offset": 0, "next": page.next or None}
        items = list(queryset[offset : offset + limit + 1])
        more, items = len(items) > limit, items[:limit]
        return {
            "items": items,
            "count": len(queryset) if isinstance(queryset, list) else queryset.count(),
            "limit": limit,
            "offset": offset,
            "next": _encode(items[-1], keyset_order(queryset)) if by_position and more and items else None,  # type: ignore[arg-type]
        }
