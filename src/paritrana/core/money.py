"""Money is ``Decimal`` in whole rupiah. One rounding rule, applied once per program per worker-month:

    round_rupiah(x) = x rounded half up to a whole rupiah

Half-up (not banker's rounding) because that is how BPJS Ketenagakerjaan and payroll software state contribution
amounts, and because a sponsor summing its bill line by line must land on the same total. Rounding happens once, on
the exact product of base x rate (x relief), never on intermediate results. Pure: no Django.

**One amount parser.** Every amount a person or a file gives (a form, the API, a payment, claim or facts file) is
read by ``parse_amount`` (``to_rupiah`` and ``read_amounts`` call it), as banks and BPJS write them: ``16800``,
``16.800``, ``16.800,00``, ``Rp16.800``, ``Rp 16.800``, ``Rp. 16.800``, ``Rp1.234.567,-``, ``IDR 16.800``,
``16,800.00`` (English), ``16 800``. lokal-id's ``parse_rupiah`` reads the amount; a guard around it refuses, naming
the field (and the row, for a file), what it would guess or round:

- a fraction of a rupiah (``16.800,50``, ``1,5``): amounts are whole rupiah, nothing is rounded;
- separators that can be read two ways or are not grouped by thousands (``16.800.5``, ``1.234,567``, ``16800.004``,
  ``12.34.567``): lokal-id would take ``16800.004`` for sixteen million;
- words and abbreviations (``1,5 jt``, ``2jtan``, ``goceng``): not how a bank or BPJS writes an amount, and "2jtan"
  is approximate;
- digits of another script (``core.digits``), and amounts past ``MAX_AMOUNT`` (about Rp90 trillion: lokal-id reads
  with a float, exact up to there).

``,00`` (or ``.00``) sen are read as whole rupiah: they are written, not rounded.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from paritrana.core.digits import non_ascii_digits
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.privacy import mask_niks

if TYPE_CHECKING:
    import polars as pl

__all__ = ["AMOUNT_PROBLEMS", "Rupiah", "amount_problem", "parse_amount", "read_amounts", "round_rupiah", "to_rupiah"]

Rupiah = Decimal
_ONE = Decimal(1)
#: The largest amount read, about Rp90 trillion: lokal-id reads amounts as floats (in sen), exact up to here. More
#: than any program's pagu (DKI Jakarta's whole APBD is about Rp80 trillion); a NIK (16 digits) is beyond it.
MAX_AMOUNT = 2**53 // 100

#: Why an amount is refused: problem -> message (``{field}`` and ``{value}`` filled from the error's details).
AMOUNT_PROBLEMS: dict[str, str] = {
    "fraction": N_(
        "{field}: {value} has a fraction of a rupiah (sen); amounts are whole rupiah (write 16.800 or 16.800,00)."
    ),
    "ambiguous": N_(
        "{field}: {value} can be read in more than one way; group thousands with dots (16.800) and write sen, if "
        "at all, as ,00 (16.800,00)."
    ),
    "not_amount": N_(
        "{field} must be a whole number of rupiah (such as 16.800, Rp16.800,00 or IDR 16.800); got {value}."
    ),
    "too_large": N_("{field}: {value} is too large to be an amount of rupiah."),
    "non_ascii": N_("{field} must be written with the digits 0-9; it contains {digits}."),
}

_CURRENCY_BEFORE = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"\s*(?:[.,]-|,--|idr|rupiah)$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
#: One number as banks write it; ``int`` keeps its thousands separators, ``sen`` the one or two digits after the
#: decimal separator. Plain (16800, 16800,00), Indonesian (16.800,00), English (16,800.00), grouped by spaces.
_NUMBER = re.compile(
    r"(?P<plain>[0-9]+)(?:[.,](?P<plain_sen>[0-9]{1,2}))?"
    r"|(?P<id>[0-9]{1,3}(?:\.[0-9]{3})+)(?:,(?P<id_sen>[0-9]{1,2}))?"
    r"|(?P<en>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<en_sen>[0-9]{1,2}))?"
    r"|(?P<sp>[0-9]{1,3}(?: [0-9]{3})+)(?:,(?P<sp_sen>[0-9]{1,2}))?"
)
_SEPARATED_DIGITS = re.compile(r"[0-9][0-9., ]*")


def round_rupiah(value: Decimal) -> Decimal:
    """Half up to a whole rupiah: 16.5 -> 17, 16.49 -> 16."""
    return value.quantize(_ONE, rounding=ROUND_HALF_UP)


def amount_problem(text: str) -> tuple[Decimal | None, str]:
    """``(amount, "")`` for an amount written as banks and BPJS write it, or ``(None, problem)`` with a key of
    ``AMOUNT_PROBLEMS``. The reading is lokal-id's ``parse_rupiah``; see the module docstring for what is refused."""
    from lokal import parse_rupiah

    raw = _SPACES.sub(" ", str(text)).strip()
    if non_ascii_digits(raw):
        return None, "non_ascii"
    sign = -1 if raw.startswith("-") else 1
    body = raw.removeprefix("-").strip()
    body = _CURRENCY_AFTER.sub("", _CURRENCY_BEFORE.sub("", body)).strip()
    if sign == 1 and body.startswith("-"):  # "Rp -5.000"
        sign, body = -1, body[1:].strip()
    number = _NUMBER.fullmatch(body)
    if number is None:
        return None, "ambiguous" if _SEPARATED_DIGITS.fullmatch(body) else "not_amount"
    whole = next(number[g] for g in ("plain", "id", "en", "sp") if number[g] is not None)
    sen = next((number[g] for g in ("plain_sen", "id_sen", "en_sen", "sp_sen") if number[g] is not None), "")
    if sen.strip("0"):
        return None, "fraction"
    exact = int(re.sub(r"[^0-9]", "", whole))
    if exact > MAX_AMOUNT:
        return None, "too_large"
    # lokal-id reads the amount as written, with its currency (it splits numbers at spaces: "16 800" is given to it
    # without them). Its reading must be the exact one, whole and not approximate; anything else is not guessed at.
    parsed = parse_rupiah(raw.removeprefix("-").replace(whole, whole.replace(" ", ""), 1))
    if parsed is None or parsed.approximate or parsed.amount != exact:
        return None, "ambiguous"
    return Decimal(sign * exact), ""


def parse_amount(value: object, *, field: str, row: int | None = None) -> Decimal:
    """A whole-rupiah amount, or ``InvalidInput`` naming ``field`` (and ``row``, the spreadsheet row, when given)
    and why. Accepts ``int``, ``Decimal``, a float with no fraction (a spreadsheet's number cell) and text."""
    where: dict[str, Any] = {"field": field} if row is None else {"field": field, "row": row}
    if isinstance(value, bool):
        raise InvalidInput(AMOUNT_PROBLEMS["not_amount"], value=str(value), **where)
    if isinstance(value, int | float | Decimal):
        amount = Decimal(value)
        if not amount.is_finite():
            raise InvalidInput(AMOUNT_PROBLEMS["not_amount"], value=str(value)[:40], **where)
        if abs(amount) > MAX_AMOUNT:
            raise InvalidInput(AMOUNT_PROBLEMS["too_large"], value=str(value)[:40], **where)
        if amount != amount.to_integral_value():
            raise InvalidInput(AMOUNT_PROBLEMS["fraction"], value=str(value)[:40], **where)
        return Decimal(int(amount))
    text = str(value)
    read, problem = amount_problem(text)
    if read is None:
        shown = mask_niks(text.strip())[:40]
        raise InvalidInput(AMOUNT_PROBLEMS[problem], value=shown, digits=non_ascii_digits(text)[:10], **where)
    return read


def to_rupiah(value: object, *, field: str) -> Decimal:
    """A whole-rupiah amount from a form, the API or a file (``parse_amount``); money is never guessed."""
    return parse_amount(value, field=field)


def read_amounts(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A column of amounts as text, read by ``amount_problem``: ``(amount, problem)``, both as long as ``values``:
    the whole rupiah (``Int64``, null where refused or empty) and the problem (null where read or empty). Each
    distinct value is read once; plain digits (most of a large file) are read in bulk, with the same result."""
    import polars as pl

    text = values.cast(pl.String).str.strip_chars()
    distinct = text.drop_nulls().unique()
    distinct = distinct.filter(distinct != "")
    plain = distinct.filter(distinct.str.contains(r"^[0-9]{1,13}$"))
    others = distinct.filter(~distinct.str.contains(r"^[0-9]{1,13}$"))
    read = [amount_problem(t) for t in others.to_list()]
    table = pl.concat(
        [
            pl.DataFrame(
                {
                    "text": plain,
                    "amount": plain.cast(pl.Int64),
                    "problem": pl.Series([None] * plain.len(), dtype=pl.String),
                }
            ),
            pl.DataFrame(
                {
                    "text": others,
                    "amount": pl.Series([None if a is None else int(a) for a, _p in read], dtype=pl.Int64),
                    "problem": pl.Series([p or None for _a, p in read], dtype=pl.String),
                }
            ),
        ]
    )
    joined = pl.DataFrame({"text": text}).join(table, on="text", how="left", maintain_order="left")
    return joined["amount"], joined["problem"]
