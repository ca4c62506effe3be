"""The bounds of a file before and while it is read: the size of an upload (``check_size``, ``MAX_BYTES``), a CSV
header line (``MAX_LINE_BYTES``), the packing of an XLSX part (``MAX_XLSX_RATIO``), and the refusal of a header of
too many columns. The limits a site sets (a line, a cell, the columns, an XLSX unpacked and its cells) are
``core.files.ReadLimits``."""

from __future__ import annotations

from paritrana.core.errors import N_, InvalidInput, PayloadTooLarge
from paritrana.core.files import ReadLimits

#: An upload larger than this is refused before anything reads it (``check_size``).
MAX_BYTES = 300 * 1024 * 1024
#: An XLSX is a ZIP: its parts, unpacked, may be as large in all as ``ReadLimits.xlsx_unpacked_bytes`` (200 MB by
#: default: ``PARITRANA_IMPORT_MAX_XLSX_UNPACKED_BYTES``)...
#: ...and a part larger than a megabyte may not unpack to more than this many times its packed size. Real sheets
#: pack 5 to 20 times; a ZIP bomb (a small file of repeated cells) packs hundreds of times (Apache POI refuses the
#: same ratio). Both are checked on the sizes the ZIP declares, before anything is unpacked.
MAX_XLSX_RATIO = 100
#: A header of more columns than ``ReadLimits.columns`` is refused (a list has a few dozen; Excel's own limit is
#: 16,384)... and so is a header line (or a blank line before it) longer than this.
MAX_LINE_BYTES = 128 * 1024


def check_size(filename: str, size: int | None, max_bytes: int = MAX_BYTES) -> None:
    """Refuse an upload larger than ``max_bytes`` before anything reads it."""
    if (size or 0) > max_bytes:
        raise PayloadTooLarge(
            N_("{filename} is {size} bytes; the limit is {limit} bytes."), filename=filename, size=size, limit=max_bytes
        )


def too_many_columns(filename: str, columns: int, limits: ReadLimits) -> InvalidInput:
    """The refusal of a header (a CSV's, a sheet's) of more than ``limits.columns`` columns."""
    return InvalidInput(
        N_("The header of {filename} has {columns} columns; at most {limit} are read. Remove the empty columns."),
        field="file",
        filename=filename,
        columns=f"{columns:,}",
        limit=f"{limits.columns:,}",
    )
