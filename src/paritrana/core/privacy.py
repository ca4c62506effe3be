"""Personal data in text: a NIK is shown masked (``3603**********01``) everywhere but the one audited view.

``mask_niks`` is the last line of defence: every log line passes through it (see ``core.observability``), so a NIK
that reaches a message, an exception or a request path by accident is still not written down.
"""

from __future__ import annotations

import re
from typing import Any

from paritrana.core.errors import N_, InvalidInput

__all__ = ["NIK_RUN", "looks_like_nik", "mask_nik", "mask_niks", "refuse_nik_in_address"]

#: Sixteen digits standing alone: the shape of a NIK (and of a KK number, which is just as personal). ``\d`` is
#: Unicode-wide here on purpose: this finds NIKs to mask, it does not read them, and a NIK typed in Arabic-Indic or
#: full-width digits must not reach a log whole either. Readers take 0-9 only (``core.digits``).
NIK_RUN = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{2})(?!\d)")


def mask_nik(nik: str) -> str:
    """``3603**********01``: enough to recognise a row, not to misuse the number."""
    return nik[:4] + "*" * max(len(nik) - 6, 0) + nik[-2:] if len(nik) > 6 else "*" * len(nik)


def mask_niks(text: str) -> str:
    """``text`` with every 16-digit run masked like ``mask_nik``."""
    return NIK_RUN.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)


def looks_like_nik(text: str) -> bool:
    """True when ``text`` holds a 16-digit run (spaces and dots between digits ignored, as people type them)."""
    return bool(NIK_RUN.search(re.sub(r"(?<=\d)[ .\-](?=\d)", "", text)))


def refuse_nik_in_address(request: Any, *fields: str) -> None:
    """Refuse a NIK sent in the query string of ``request``: it would be written to access logs and histories.

    Searches by NIK post their form (web) or call ``POST …/search`` (API) instead.
    """
    for name in fields:
        if looks_like_nik(request.GET.get(name, "")):
            raise InvalidInput(
                N_("Do not put a NIK in the address ({field}): search with the form, or POST it to the API's search."),
                field=name,
            )
