"""Numbers people type (a NIK, a region code, a phone, a decile, an amount) are read with the ASCII digits 0-9 only.

Python's ``\\d``, ``str.isdigit()``, ``int()`` and ``Decimal()``, and Polars' (Rust's) ``\\d`` take any script's
digits: Arabic-Indic ``٠١٢``, full-width ``０１２``, Devanagari ``०१२``, mathematical ``𝟎𝟏𝟐``. Read as numbers,
``360301550895٠٠٠٦`` and ``3603015508950006`` would be two different NIKs of one person. A value holding such a
digit is refused, naming the field; it is never converted silently (the person who typed it retypes it).

"Not an ASCII digit" means a character Unicode counts as a number (general category N: Nd, Nl, No, the same set in
Python and in Polars' ``\\p{N}``) other than 0-9: superscripts (``²``) and circled digits (``①``), which
``str.isdigit()`` also takes, are refused the same way. Pure: no Django.
"""

from __future__ import annotations

import re
import unicodedata

from paritrana.core.errors import N_, InvalidInput, ParitranaError

__all__ = ["NON_ASCII_DIGIT", "is_ascii_digits", "non_ascii_digits", "refuse_non_ascii_digits"]

#: A Polars (Rust regex) class: one character that is a number to Unicode but not 0-9.
NON_ASCII_DIGIT = r"[\p{N}--[0-9]]"

_ASCII = frozenset("0123456789")
_DIGITS = re.compile(r"[0-9]+")


def is_ascii_digits(text: str, length: int | None = None) -> bool:
    """True when ``text`` is one or more of 0-9 and nothing else (``length`` of them, when given)."""
    return _DIGITS.fullmatch(text) is not None and (length is None or len(text) == length)


def non_ascii_digits(text: str) -> str:
    """The distinct characters of ``text`` that are numbers to Unicode but not 0-9, in order of appearance."""
    found = dict.fromkeys(ch for ch in text if ch not in _ASCII and unicodedata.category(ch).startswith("N"))
    return "".join(found)


def refuse_non_ascii_digits(text: str, *, field: str, error: type[ParitranaError] = InvalidInput) -> None:
    """Raise ``error`` naming ``field`` when ``text`` holds a digit other than 0-9. The message quotes the offending
    characters only, never the value (it may be a NIK)."""
    found = non_ascii_digits(text)
    if found:
        raise error(
            N_("{field} must be written with the digits 0-9; it contains {digits}."), field=field, digits=found[:10]
        )
