"""Template filters for Indonesian formats."""

from __future__ import annotations

from decimal import Decimal

from django import template
from lokal import format_rupiah

register = template.Library()


@register.filter
def rupiah(value: int | Decimal | str | None) -> str:
    """16800 -> "Rp16.800" (PUEBI: no space, dot for thousands)."""
    if value in (None, ""):
        return ""
    return format_rupiah(Decimal(str(value)))
