"""Template filters for Indonesian formats and personal data."""

from __future__ import annotations

from decimal import Decimal

from django import template
from lokal import format_rupiah

from paritrana.core.privacy import mask_niks

register = template.Library()


@register.filter
def rupiah(value: int | Decimal | str | None) -> str:
    """16800 -> "Rp16.800" (PUEBI: no space, dot for thousands)."""
    if value in (None, ""):
        return ""
    return format_rupiah(Decimal(str(value)))


@register.filter(name="mask_niks")
def mask_niks_filter(value: str) -> str:
    """Any 16-digit run masked: for text a visitor typed (an address) that a page echoes back."""
    return mask_niks(str(value))
