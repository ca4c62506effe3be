"""Reading the spreadsheets people upload: CSV (any delimiter, UTF-8 with or without BOM, UTF-16, CR/LF/CRLF line
ends) and XLSX, as tables of text (Polars), for every import (worker and death lists, payments, claims, BPJS lists,
facts and workforce files, award evidence sheets). What a file means is the importing app's: this package reads it.

``read_table`` answers with a ``RawTable`` or raises ``InvalidInput``/``PayloadTooLarge`` naming the problem (a file
over ``MAX_BYTES``, a header line over ``MAX_LINE_BYTES``, a column named like a Polars pattern or like the
pipeline's own ``__row``, a damaged file): no parser's exception leaves it. Row numbers are the ones a person sees in
Excel: the header is row 1, the first data row is row 2; blank rows keep their number and are skipped.

The work is bounded by the file, whatever it holds (``core.files.ReadLimits``, the ``PARITRANA_IMPORT_MAX_*``
settings): a CSV is first read in bounded pieces through Python's ``csv`` module, refusing a line, a cell or a row of
columns beyond the limits as soon as it is met, before Polars reads it whole; an XLSX is refused on the sizes its ZIP
and its sheet declare before anything is unpacked, then on the cells it holds, its rows turned into a table a piece
at a time. ``preview_table`` (the column-check page) reads the header and the first rows only: a bounded prefix of a
CSV, the first rows of a sheet's XML streamed, the shared strings only as far as they are needed. What the reader
reads but must not pass over in silence it leaves as ``RawTable.notes`` (``Note``): a byte that is not UTF-8 (read
as Windows-1252: the rows are named), an Excel TRUE/FALSE cell, formula cells without a saved value (read as empty)
and rows made only of them (skipped), a hidden sheet read or hidden sheets with data left unread.

``date_expr`` reads the dates lists write (``15/08/1995``, ``15 Agustus 1995``, an Excel serial number) in a Polars
expression.

The modules: ``limits`` (sizes), ``table`` (``RawTable``, ``Note``, the steps every reader ends with), ``csvfile``
and ``xlsx`` (the two readers), ``reader`` (``read_table``), ``preview`` (``preview_table``, ``cached_preview``),
``cells`` (``date_expr``).
"""

from __future__ import annotations

from paritrana.core.files import ReadLimits, read_limits
from paritrana.core.sheets.cells import MIDNIGHT, TWO_DIGIT_YEAR, date_expr
from paritrana.core.sheets.limits import MAX_BYTES, MAX_LINE_BYTES, MAX_XLSX_RATIO, check_size
from paritrana.core.sheets.preview import PREVIEW_ROWS, Preview, cached_preview, preview_table
from paritrana.core.sheets.reader import read_table
from paritrana.core.sheets.table import RESERVED_COLUMNS, Note, RawTable

__all__ = [
    "MAX_BYTES",
    "MAX_LINE_BYTES",
    "MAX_XLSX_RATIO",
    "MIDNIGHT",
    "PREVIEW_ROWS",
    "RESERVED_COLUMNS",
    "TWO_DIGIT_YEAR",
    "Note",
    "Preview",
    "RawTable",
    "ReadLimits",
    "cached_preview",
    "check_size",
    "date_expr",
    "preview_table",
    "read_limits",
    "read_table",
]
