"""Money is ``Decimal`` in whole rupiah. One rounding rule, applied once per program per worker-month:

    round_rupiah(x) = x rounded half up to a whole rupiah

Half-up (not banker's rounding) because that is how BPJS Ketenagakerjaan and payroll software state contribution
amounts, and because a sponsor summing its bill line by line must land on the same total. Rounding happens once, on
the exact product of base x rate (x relief), never on intermediate results. Pure: no Django.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from paritrana.core.digits import is_ascii_digits, refuse_non_ascii_digits
from paritrana.core.errors import N_, InvalidInput

__all__ = ["Rupiah", "round_rupiah", "to_rupiah"]

Rupiah = Decimal
_ONE = Decimal(1)


def round_rupiah(value: Decimal) -> Decimal:
    """Half up to a whole rupiah: 16.5 -> 17, 16.49 -> 16."""
    return value.quantize(_ONE, rounding=ROUND_HALF_UP)


def to_rupiah(value: object, *, field: str) -> Decimal:
    """Parse a whole-rupiah amount (int, Decimal or digits; dots, commas, spaces and a leading "Rp" are thousands
    separators). Floats, fractions, NaN and non-numbers are refused naming ``field``: money is never guessed."""
    if isinstance(value, bool | float):
        if isinstance(value, float) and value.is_integer():
            return Decimal(int(value))
        raise InvalidInput(N_("{field} must be a whole number of rupiah; got {value}."), field=field, value=value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().removeprefix("Rp").removeprefix("rp").strip()
        cleaned = text.replace(".", "").replace(",", "").replace(" ", "").replace("_", "")
        # 0-9 only: isdigit() and Decimal() would also read "١٠٠٠" or "１０００" as a thousand (see core.digits).
        refuse_non_ascii_digits(cleaned, field=field)
        if not is_ascii_digits(cleaned.removeprefix("-")):
            raise InvalidInput(
                N_("{field} must be a whole number of rupiah; got {value}."), field=field, value=str(value)[:40]
            )
        if ("," in text and len(text.rsplit(",", 1)[1]) != 3) or ("." in text and len(text.rsplit(".", 1)[1]) != 3):
            # "1.5" or "1000,50": a fraction, not a thousands separator
            raise InvalidInput(
                N_("{field} must be a whole number of rupiah; got {value}."), field=field, value=str(value)[:40]
            )
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:  # pragma: no cover - guarded by the digit check above
            raise InvalidInput(field=field, value=str(value)[:40]) from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise InvalidInput(N_("{field} must be a whole number of rupiah; got {value}."), field=field, value=str(value))
    return amount
