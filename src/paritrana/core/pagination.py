"""One pagination for every list: ``?limit=&offset=`` answering ``{"items", "count", "limit", "offset"}``.

Both are bounded, and a value outside the bounds is refused (400 ``bad_request`` naming ``limit`` or ``offset``),
never clamped: ``limit`` 1..1000, ``offset`` 0..``MAX_OFFSET``. An offset of 2^63 or more did not fit the
databases' 64-bit integers (a 500 on SQLite and PostgreSQL); a billion is beyond any list the API serves (Indonesia
has about 84,000 desa and 280 million people)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

#: The largest ``offset`` a list accepts.
MAX_OFFSET = 1_000_000_000


class Page(PaginationBase):
    class Input(Schema):
        limit: int | None = Field(None, ge=1, le=1000, description="Items per page (default: PARITRANA_PAGE_SIZE).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"Items to skip (at most {MAX_OFFSET}).")

    class Output(Schema):
        items: list[Any]
        count: int
        limit: int
        offset: int

    def paginate_queryset(
        self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        limit = pagination.limit or settings.PARITRANA.page_size
        offset = pagination.offset
        return {
            "items": queryset[offset : offset + limit],
            "count": len(queryset) if isinstance(queryset, list) else queryset.count(),
            "limit": limit,
            "offset": offset,
        }
