"""Reading a CSV: any delimiter, UTF-8 with or without BOM, UTF-16, CR/LF/CRLF line ends; a byte that is not UTF-8
is read as Windows-1252 and its rows named (``Note("encoding_cp1252")``). Every line, cell and row of cells is
checked in bounded pieces (``_SCAN_CHARS``) through Python's ``csv`` module before Polars reads the file whole."""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import polars as pl

from paritrana.core.errors import N_, InvalidInput
from paritrana.core.files import ReadLimits
from paritrana.core.sheets.limits import MAX_LINE_BYTES, too_many_columns
from paritrana.core.sheets.table import Note, RawTable, finish


def csv_bytes(data: bytes, filename: str) -> bytes:
    """A CSV's bytes as UTF-8 (or a single-byte encoding) without NUL: UTF-16 converted, binary data refused."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16 with a BOM, tab-delimited
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                N_("{filename} starts like UTF-16 text but is not: {reason}"),
                field="file",
                filename=filename,
                reason=str(exc)[:200],
            ) from exc
    if b"\x00" in data:  # anywhere: a NUL in a name would reach the database (PostgreSQL refuses it in text)
        raise InvalidInput(
            N_("{filename} is not a CSV or XLSX file (it contains binary data)."), field="file", filename=filename
        )
    return data


def read_csv(data: bytes, filename: str, limits: ReadLimits) -> RawTable:
    """``data`` (as ``csv_bytes`` gives it) as a table: the delimiter that gives the header the most columns, every
    line, cell and row checked against ``limits`` before Polars reads the file whole."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    else:
        encoding = "utf-8"
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")  # classic Mac line ends (CR only): one line, else "a header but no rows"
    first, line = _first_line(data, filename)
    delimiter, columns = _sniff(first, filename, line)
    if columns > limits.columns:
        raise too_many_columns(filename, columns, limits)
    # Every line, cell and row checked in bounded pieces before anything reads the file whole (Polars, the decoder).
    _scan_csv(data, filename, delimiter, limits)
    notes: list[Note] = []
    if not _is_utf8(data):
        data, note = _decode_mixed(data, filename)
        encoding = "cp1252"
        notes.append(note)
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            separator=delimiter,
            infer_schema=False,
            has_header=True,
            quote_char='"',
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(
            N_("{filename} cannot be read as CSV: {reason}"),
            field="file",
            filename=filename,
            reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
        ) from exc
    return finish(frame, "csv", filename=filename, notes=notes, encoding=encoding, delimiter=delimiter)


#: The scan of a CSV reads this many characters at a time: its memory is this, a line and a row of cells at most.
_SCAN_CHARS = 4 << 20


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, decoded a piece at a time (``data.decode`` would hold the whole file as text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), _SCAN_CHARS):
            decoder.decode(data[start : start + _SCAN_CHARS])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _scan_csv(data: bytes, filename: str, delimiter: str, limits: ReadLimits) -> None:
    """Refuse a CSV with a line longer than ``limits.line_bytes``, a cell longer than ``limits.field_chars`` or a row
    of more than ``limits.columns`` cells, naming the line (and the column), as soon as the first is met. Python's
    ``csv`` module reads it (quotes as Polars reads them) from pieces of ``_SCAN_CHARS`` cut into lines, so memory
    stays bounded by the limits whatever the file holds; a line is measured in characters here, each at least a
    byte."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", newline=None)
    state = {"line": 0}  # lines handed to the csv reader so far
    too_long = limits.line_bytes

    def lines() -> Iterable[str]:
        rest = ""
        while True:
            chunk = text.read(_SCAN_CHARS)
            if not chunk:
                if rest:
                    state["line"] += 1
                    yield rest
                return
            pieces = (rest + chunk).split("\n")
            rest = pieces.pop()
            if len(rest) > too_long:
                _line_too_long(filename, state["line"] + len(pieces) + 1, limits)
            if pieces and max(map(len, pieces)) > too_long:
                at = next(i for i, p in enumerate(pieces) if len(p) > too_long)
                _line_too_long(filename, state["line"] + at + 1, limits)
            for piece in pieces:
                state["line"] += 1
                yield piece

    with _csv_field_limit(limits.field_chars):
        reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=False)
        try:
            widest = max(map(len, reader), default=0)
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):  # strict=False: nothing else is raised
                raise
            # Rare: read again, one record at a time, to name the line where the long cell's record begins.
            text.seek(0)
            state["line"], begins = 0, 1
            records = csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=False)
            try:
                for _record in records:
                    begins = state["line"] + 1
            except csv.Error:
                pass
            raise InvalidInput(
                N_(
                    "Line {line} of {filename} holds a cell longer than {limit} characters (a name or an address "
                    "never needs more): check the quotes around it, or shorten it."
                ),
                field="file",
                filename=filename,
                line=begins,
                limit=f"{limits.field_chars:,}",
            ) from exc
    if widest > limits.columns:  # rare: read again to name the line
        text.seek(0)
        state["line"] = 0
        with _csv_field_limit(limits.field_chars):
            for record in csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=False):
                if len(record) > limits.columns:
                    raise InvalidInput(
                        N_("Line {line} of {filename} has {columns} cells; at most {limit} are read."),
                        field="file",
                        filename=filename,
                        line=state["line"],
                        columns=f"{len(record):,}",
                        limit=f"{limits.columns:,}",
                    )


# The csv module's field limit is one setting for the whole process: a web server reading two files at once must
# not read one with the other's limit, so it is changed only under this lock.
_CSV_LIMIT_LOCK = threading.Lock()


@contextmanager
def _csv_field_limit(chars: int) -> Iterator[None]:
    with _CSV_LIMIT_LOCK:
        previous = csv.field_size_limit(chars)
        try:
            yield
        finally:
            csv.field_size_limit(previous)


def _line_too_long(filename: str, line: int, limits: ReadLimits) -> None:
    raise InvalidInput(
        N_(
            "Line {line} of {filename} is longer than {limit} bytes: no row of a list is. Check that the file is a "
            "list saved as CSV, with its line ends."
        ),
        field="file",
        filename=filename,
        line=line,
        limit=f"{limits.line_bytes:,}",
    )


# One byte that is not UTF-8, read as Windows-1252 (what Excel on Windows writes for "CSV"); the decoder resumes
# at the next byte, so the UTF-8 around it stays UTF-8 (reading the whole file as cp1252 turned every "é" written in
# UTF-8 into "Ã©"). The handler notes where it acted, for the warning that names the rows.
_CP1252 = [bytes([b]).decode("cp1252", errors="ignore") for b in range(256)]
_fallback = threading.local()


def _cp1252_byte(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _fallback.offsets.append(exc.start)
    return _CP1252[exc.object[exc.start]] or "\ufffd", exc.start + 1


codecs.register_error("paritrana-cp1252", _cp1252_byte)


def _decode_mixed(data: bytes, filename: str) -> tuple[bytes, Note]:
    """``data`` (not valid UTF-8) as UTF-8 bytes, each byte UTF-8 cannot read taken as cp1252, and a warning naming
    the rows that held such bytes. A byte cp1252 does not define either (0x81, 0x8D, 0x8F, 0x90, 0x9D) is refused,
    naming its line: no encoding fits the file, and guessing would change its names."""
    _fallback.offsets = []
    try:
        text = data.decode("utf-8", errors="paritrana-cp1252")
        offsets: list[int] = _fallback.offsets
    finally:
        del _fallback.offsets
    undefined = next((o for o in offsets if not _CP1252[data[o]]), None)
    if undefined is not None:
        raise InvalidInput(
            N_(
                "Line {line} of {filename} holds a byte that is neither UTF-8 nor Windows-1252 (0x{byte}): "
                'save the list again as "CSV UTF-8".'
            ),
            field="file",
            filename=filename,
            line=data.count(b"\n", 0, undefined) + 1,
            byte=f"{data[undefined]:02X}",
        )
    rows = sorted(set(_rows_at(data, offsets)))
    return text.encode("utf-8"), Note("encoding_cp1252", rows=tuple(rows))


def _rows_at(data: bytes, offsets: list[int]) -> list[int]:
    """The row number (a spreadsheet's: the header is 1) of each byte offset, in order. A quoted cell may hold line
    breaks, so with quotes in the file the line breaks inside quotes are not counted."""
    rows: list[int] = []
    if b'"' not in data:
        line, last = 1, 0
        for offset in offsets:
            line += data.count(b"\n", last, offset)
            last = offset
            rows.append(line)
        return rows
    record, quoted, i = 1, False, 0
    for mark in re.finditer(rb'["\n]', data):
        at = mark.start()
        while i < len(offsets) and offsets[i] < at:
            rows.append(record)
            i += 1
        if i == len(offsets):
            break
        if data[at] == 0x22:
            quoted = not quoted
        elif not quoted:
            record += 1
    rows.extend([record] * (len(offsets) - i))
    return rows


def _first_line(data: bytes, filename: str) -> tuple[str, int]:
    """The first line that is not blank (the header) and its number; a line longer than ``MAX_LINE_BYTES`` before
    it, or it, is refused (no list has such a header, and the CSV sniffer would fail on it)."""
    start, number = 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > MAX_LINE_BYTES:
            raise InvalidInput(
                N_("Line {line} of {filename} is longer than {limit} KB: it is not the header of a list."),
                field="file",
                filename=filename,
                line=number,
                limit=MAX_LINE_BYTES // 1024,
            )
        line = data[start:end]
        if line.strip():
            return line.decode("utf-8", "replace"), number
        start, number = end + 1, number + 1
    return "", number


def _sniff(header_line: str, filename: str, line: int) -> tuple[str, int]:
    """The delimiter giving the header the most columns, and that number of columns."""
    try:
        with _csv_field_limit(MAX_LINE_BYTES):
            counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in (",", ";", "\t", "|")}
    except csv.Error as exc:
        raise InvalidInput(
            N_("Line {line} of {filename} cannot be read as a CSV header: {reason}"),
            field="file",
            filename=filename,
            line=line,
            reason=str(exc)[:200],
        ) from exc
    delimiter = max(counts, key=lambda d: counts[d])
    return delimiter, counts[delimiter]
