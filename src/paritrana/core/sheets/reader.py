"""``read_table``: an uploaded CSV or XLSX as a ``RawTable``, or the one error that says what is wrong with it."""

from __future__ import annotations

from pathlib import Path

from paritrana.core.errors import N_, InvalidInput
from paritrana.core.files import ReadLimits, read_limits
from paritrana.core.sheets.csvfile import csv_bytes, read_csv
from paritrana.core.sheets.limits import MAX_BYTES, check_size
from paritrana.core.sheets.table import RawTable
from paritrana.core.sheets.xlsx import read_xlsx


def read_table(
    source: Path | bytes,
    *,
    filename: str,
    sheet: str | None = None,
    max_bytes: int = MAX_BYTES,
    limits: ReadLimits | None = None,
) -> RawTable:
    """The file as a table of text, or an ``InvalidInput``/``PayloadTooLarge`` naming what is wrong with it: no other
    exception leaves here (a CSV parser's or a workbook reader's error is one of these, with its reason). ``limits``
    (by default the site's, ``core.files.read_limits``) are checked before the file is parsed whole."""
    check_size(filename, source.stat().st_size if isinstance(source, Path) else len(source), max_bytes)
    data = source.read_bytes() if isinstance(source, Path) else source
    return read_data(data, filename, sheet, limits or read_limits())


def read_data(data: bytes, filename: str, sheet: str | None, limits: ReadLimits) -> RawTable:
    """``data`` read as an XLSX workbook when it starts like a ZIP, else as a CSV."""
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data, filename, sheet, limits)
    return read_csv(csv_bytes(data, filename), filename, limits)
