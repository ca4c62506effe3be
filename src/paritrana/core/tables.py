"""Rows of dicts as CSV or as a plain XLSX sheet: the one writer behind every "download as spreadsheet"."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["neutralise", "rows_csv", "rows_xlsx", "titled_sheet"]


def neutralise(value: Any) -> Any:
    """Keep a spreadsheet from running a text cell as a formula (CSV injection): prefix it with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def rows_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], *, bom: bool = False) -> bytes:
    """UTF-8 CSV with ``columns`` as the header; ``bom`` lets Excel pick the encoding when it opens the file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralise(row.get(c)) for c in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def rows_xlsx(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], title: str = "data") -> bytes:
    """One sheet: a bold, frozen header row, then a row per dict; values stay numbers, text never a formula.
    Written in openpyxl's streaming mode, so a long export does not hold every cell object in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = str(value)
    return neutralise(value)


def titled_sheet(
    sheet: Any, title: str, subtitle: str, columns: list[tuple[str, int, str | None]], rows: list[list[Any]]
) -> None:
    """A report sheet: title and date on rows 1-2, a bold header on row 4 frozen with what is above it, then the
    rows. ``columns`` are (header, width, number format or None). Text never runs as a formula."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_row = 4
    sheet["A1"] = neutralise(title)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = neutralise(subtitle)
    for col, (header, width, _) in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E5E7EB")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = width
    for r, values in enumerate(rows, start=header_row + 1):
        for col, (value, (_, _, number_format)) in enumerate(zip(values, columns, strict=True), start=1):
            cell = sheet.cell(row=r, column=col, value=neutralise(value))
            if number_format and value is not None:
                cell.number_format = number_format
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    if rows:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{header_row + len(rows)}"
