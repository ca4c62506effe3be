"""What a file becomes when read (``RawTable``, with the ``Note``s of what the reader saw) and the steps every reader
ends with: the headers checked (``RESERVED_COLUMNS``, no Polars pattern), blank rows counted and skipped, formula
cells without a saved value named."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from paritrana.core.errors import N_, InvalidInput

#: Names the pipeline uses for its own columns: a file's column may not take them.
RESERVED_COLUMNS = ("__row",)


@dataclass(frozen=True)
class Note:
    """Something the reader saw that the operator must hear about: about the cells of ``column`` in ``rows``, about
    whole ``rows`` (no column), or about the file (neither; shown on row 1, the header, with ``detail``). The app
    that reads the file words ``code`` and weighs it (the worker import turns notes into issues). The codes: a byte
    read as Windows-1252 (``encoding_cp1252``), an Excel TRUE/FALSE cell (``cell_boolean``), formula cells without a
    saved value read as empty (``formula_no_value``) and rows made only of them, skipped (``formula_rows_skipped``),
    a hidden sheet read (``sheet_hidden``), hidden sheets with data left unread (``hidden_sheets_not_read``)."""

    code: str
    rows: tuple[int, ...] = ()
    column: str = ""
    detail: str = ""


@dataclass
class RawTable:
    """A file as read: every value a string (or null), with the row number a person sees in Excel."""

    frame: pl.DataFrame  # original columns + "__row"
    headers: list[str]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    blank_rows: int = 0
    notes: list[Note] = field(default_factory=list)


def check_headers(headers: list[str], filename: str) -> None:
    """Refuse a column named like the pipeline's own or like a Polars pattern of column names."""
    for number, name in enumerate(headers, start=1):
        if name in RESERVED_COLUMNS:
            raise InvalidInput(
                N_("Column {column} of {filename} is named {name}, a name Paritrana reserves for itself; rename it."),
                field="file",
                filename=filename,
                column=number,
                name=name,
            )
        if name == "*" or (name.startswith("^") and name.endswith("$")):
            # Polars reads pl.col("*") as every column and pl.col("^...$") as a pattern: refused for every reader.
            raise InvalidInput(
                N_(
                    "Column {column} of {filename} is named {name}, which would be read as a pattern of column "
                    "names, not a name; rename it."
                ),
                field="file",
                filename=filename,
                column=number,
                name=name,
            )


def finish(
    frame: pl.DataFrame,
    kind: str,
    *,
    filename: str,
    notes: list[Note],
    formulas: dict[int, set[int]] | None = None,
    **meta: str,
) -> RawTable:
    """``frame`` (as a reader parsed it, every value text) as a ``RawTable``: its headers checked, each row numbered
    as a spreadsheet numbers it (the header is row 1), blank rows counted and left out, the ``formulas`` without a
    saved value (row -> columns) added to ``notes``."""
    headers = frame.columns
    if not headers:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    check_headers(headers, filename)
    # Columns by position, not by name.
    cells = [pl.nth(i).str.strip_chars().replace("", None) for i in range(len(headers))]
    blank = frame.select(pl.all_horizontal([c.is_null() for c in cells])).to_series()
    blank_rows = int(blank.sum())
    frame = frame.with_row_index("__row", offset=2).with_columns(pl.col("__row").cast(pl.Int64)).filter(~blank)
    if frame.height == 0 and formulas:
        raise InvalidInput(
            N_(
                "The rows of {filename} hold only formulas without a saved value (rows {rows}): the program that "
                "saved it did not calculate them. Open it in Excel and save it again, or paste the values."
            ),
            field="file",
            filename=filename,
            rows=ranges(sorted(formulas))[:200],
        )
    if frame.height == 0:
        raise InvalidInput(N_("{filename} has a header but no rows."), field="file", filename=filename)
    if formulas:
        notes = notes + _formula_notes(formulas, frame["__row"], headers)
    return RawTable(frame=frame, headers=headers, kind=kind, blank_rows=blank_rows, notes=notes, **meta)


def _formula_notes(formulas: dict[int, set[int]], read: pl.Series, headers: list[str]) -> list[Note]:
    """Formula cells without a value in the rows read, per column; the rows made only of them were skipped as
    blank, and are named in one note."""
    rows = pl.Series(list(formulas), dtype=pl.Int64)
    kept = set(rows.filter(rows.is_in(read.implode())).to_list())
    by_column: dict[int, list[int]] = {}
    for row in sorted(kept):
        for j in formulas[row]:
            if j < len(headers):
                by_column.setdefault(j, []).append(row)
    notes = [Note("formula_no_value", rows=tuple(r), column=headers[j]) for j, r in sorted(by_column.items())]
    skipped = sorted(set(formulas) - kept)
    if skipped:
        notes.append(Note("formula_rows_skipped", detail=ranges(skipped)))
    return notes


def ranges(rows: list[int]) -> str:
    """``3, 5-9, 12``: sorted row numbers, runs joined."""
    parts: list[str] = []
    start = prev = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == prev + 1:
            prev = row
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if row is not None:
            start = prev = row
    return ", ".join(parts)
