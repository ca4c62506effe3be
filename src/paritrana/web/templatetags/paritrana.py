"""Template filters for Indonesian formats, human labels and personal data.

Thousand separators are off project-wide (an id, a year, a code never becomes "1.804" or "2.026"); a figure that a
person reads as a quantity asks for its format here: ``|rupiah`` for amounts, ``|number`` for counts and measures.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format
from lokal import format_rupiah

from paritrana.core.privacy import mask_niks

register = template.Library()


@register.filter
def rupiah(value: int | Decimal | str | None) -> str:
    """16800 -> "Rp16.800" (PUEBI: no space, dot for thousands)."""
    if value in (None, ""):
        return ""
    return format_rupiah(Decimal(str(value)))


@register.filter
def number(value: Any, decimals: int | str | None = None) -> str:
    """A count or a measure with the language's separators: 3594 -> "3.594" (id), "3,594" (en); ``|number:1`` keeps
    one decimal ("12,5"). Not for ids, years or codes, which are printed as they are."""
    if value in (None, ""):
        return ""
    try:
        figure = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    places = int(decimals) if decimals not in (None, "") else None
    if places is None and figure == figure.to_integral_value():
        places = 0
    if places is not None:  # Django's number_format cuts the digits off; round half up as a person would
        figure = figure.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(figure, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter(name="mask_niks")
def mask_niks_filter(value: str) -> str:
    """Any 16-digit run masked: for text a visitor typed (an address) that a page echoes back."""
    return mask_niks(str(value))
