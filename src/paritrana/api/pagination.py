"""One pagination for every list: ``?limit=&offset=`` answering ``{"items", "count", "limit", "offset"}``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase


class Page(PaginationBase):
    class Input(Schema):
        limit: int | None = Field(None, ge=1, le=1000, description="Items per page (default: PARITRANA_PAGE_SIZE).")
        offset: int = Field(0, ge=0, description="Items to skip.")

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
