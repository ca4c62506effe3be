r"""Cell values as lists write them, read in Polars expressions: ``date_expr`` turns text dates in the formats
Indonesian lists use into dates; ``TWO_DIGIT_YEAR`` and ``MIDNIGHT`` name the forms a caller refuses or strips
itself. The patterns spell digits ``[0-9]``: Polars' ``\d`` is Unicode-wide, and a digit of another script is for
the caller to refuse by name (``core.digits``), never to convert."""

from __future__ import annotations

from datetime import date

import polars as pl

#: Month names and their abbreviations, Indonesian and English -> the month's two digits.
_MONTHS = {
    "januari": "01",
    "februari": "02",
    "pebruari": "02",
    "maret": "03",
    "april": "04",
    "mei": "05",
    "juni": "06",
    "juli": "07",
    "agustus": "08",
    "september": "09",
    "oktober": "10",
    "november": "11",
    "nopember": "11",
    "desember": "12",
    "jan": "01",
    "feb": "02",
    "mar": "03",
    "apr": "04",
    "jun": "06",
    "jul": "07",
    "agu": "08",
    "agt": "08",
    "ags": "08",
    "sep": "09",
    "okt": "10",
    "nov": "11",
    "des": "12",
    "agus": "08",
    "sept": "09",
    # English, as spreadsheets and exports from other systems write them (15-Aug-1995).
    "january": "01",
    "february": "02",
    "march": "03",
    "may": "05",
    "june": "06",
    "july": "07",
    "august": "08",
    "october": "10",
    "december": "12",
    "aug": "08",
    "oct": "10",
    "dec": "12",
}
#: A date whose year has two digits (15/08/95, 15-Agu-95): the century is a guess, so it is refused by name.
TWO_DIGIT_YEAR = r"^[0-9]{1,2}[\s./\-]+(?:[0-9]{1,2}|[A-Za-z]+)[\s./\-]+[0-9]{2}$"
#: A date with a midnight time, as a spreadsheet's date-and-time column exports it (1995-08-15 00:00:00).
MIDNIGHT = r"[ T]00:00(?::00(?:\.0+)?)?$"


def date_expr(raw: pl.Expr) -> pl.Expr:
    """Text dates in the formats Indonesian lists use (2024-03-15, 15/03/2024, 15-03-2024, 15 Maret 2024, 15-Agu-2024,
    15-Aug-2024, Excel serial numbers, any of them followed by a midnight time 00:00:00) as ``pl.Date``; null where
    none fits. A year is four digits: ``15/03/24`` is null (the century would be a guess; see ``TWO_DIGIT_YEAR``)."""
    raw = raw.str.replace(MIDNIGHT, "")
    # Month words need three dozen regex passes; only rows with letters take them (null rows cost nothing there).
    letters = raw.str.contains("[A-Za-z]")
    bd: pl.Expr = pl.when(letters).then(raw.str.to_lowercase())
    for word, number in sorted(_MONTHS.items(), key=lambda kv: -len(kv[0])):
        bd = bd.str.replace(rf"\s*\b{word}\b\s*", f"/{number}/")
    digits = pl.when(letters).then(bd).otherwise(raw)
    bd = digits.str.replace_all(r"[.\-\s]+", "/").str.replace_all(r"//+", "/").str.strip_chars("/")
    return pl.coalesce(
        pl.when(raw.str.contains(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$")).then(
            raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ),
        pl.when(bd.str.contains(r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$")).then(
            bd.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        ),
        pl.when(bd.str.contains(r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$")).then(
            bd.str.strptime(pl.Date, "%Y/%m/%d", strict=False)
        ),
        # Excel serial numbers (1900 system): 1 = 1900-01-01, with Excel's phantom 29 Feb 1900.
        pl.when(raw.str.contains(r"^[0-9]{4,5}$")).then(
            pl.lit(date(1899, 12, 30)) + pl.duration(days=raw.cast(pl.Int64, strict=False))
        ),
    )
