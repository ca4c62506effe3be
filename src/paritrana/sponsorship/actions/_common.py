"""What several sponsorship actions share: the user an action records as its author, and the reading of a
CSV/XLSX file's columns by their usual header names (payment and claims files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from paritrana.core.errors import N_, InvalidInput
from paritrana.core.sheets import read_table


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _read_columns(
    source: Path | bytes, filename: str, spec: dict[str, tuple[str, ...]], optional: tuple[str, ...] = ()
) -> pl.DataFrame:
    """A CSV/XLSX as a frame of text columns named by ``spec``'s keys (found by their usual header names), plus
    ``row``, the row number a person sees in the spreadsheet. A missing required column names what was expected."""

    table = read_table(source, filename=filename)
    headers = {h.strip().lower(): h for h in table.headers}
    columns = [pl.col("__row").alias("row")]
    for target, names in spec.items():
        hit = next((headers[n] for n in names if n in headers), None)
        if hit is None and target not in optional:
            raise InvalidInput(
                N_("The file has no column for {column}; expected one of: {names}."),
                field=target,
                column=target,
                names=", ".join(names[:4]),
            )
        value = pl.col(hit).fill_null("").str.strip_chars() if hit else pl.lit("")
        columns.append(value.alias(target))
    return table.frame.select(columns)
