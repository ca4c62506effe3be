"""Reading an XLSX workbook (python-calamine): refused on the sizes its ZIP and its sheets declare before anything
is unpacked (a ZIP bomb, too many cells), then on the cells it holds; the sheet to read chosen (hidden sheets named);
the formula cells without a saved value found in the sheet's XML. The sheet's rows become a table ``_XLSX_CHUNK``
rows at a time. The workbook's own parts (``xl/workbook.xml`` and its relationships) are read with regular
expressions: no XML parser sees a DOCTYPE here."""

from __future__ import annotations

import html
import io
import itertools
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import IO, Any

import polars as pl

from paritrana.core.errors import N_, InvalidInput, PayloadTooLarge
from paritrana.core.files import ReadLimits
from paritrana.core.sheets.limits import MAX_XLSX_RATIO, too_many_columns
from paritrana.core.sheets.table import Note, RawTable, finish


def unknown_sheet(filename: str, sheet: str, names: list[str]) -> InvalidInput:
    """The refusal of a sheet the workbook does not have, naming the ones it has."""
    return InvalidInput(
        N_("{filename} has no sheet {sheet}; sheets: {sheets}."),
        field="sheet",
        filename=filename,
        sheet=sheet,
        sheets=", ".join(names),
    )


def read_xlsx(data: bytes, filename: str, sheet: str | None, limits: ReadLimits) -> RawTable:
    """The workbook's ``sheet`` (by default the one ``choose_sheet`` picks) as a table; a damaged workbook is an
    ``InvalidInput`` naming the reader's reason."""
    from python_calamine import CalamineError

    with opened_workbook(io.BytesIO(data), filename, limits) as zf:
        try:
            check_declared_cells(zf, filename, limits)
            return _read_workbook(data, filename, sheet, zf, limits)
        # A damaged workbook: bad XML, a part cut short, undeclared entities...
        except (CalamineError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise InvalidInput(
                N_("{filename} is a damaged XLSX workbook: {reason}"),
                field="file",
                filename=filename,
                reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
            ) from exc


@contextmanager
def opened_workbook(stream: IO[bytes], filename: str, limits: ReadLimits) -> Iterator[zipfile.ZipFile]:
    """An XLSX opened as the ZIP archive it is, refused when it is not one, has no workbook, or its parts would
    unpack beyond the limits (checked from the archive's directory, before anything is unpacked)."""
    try:
        zf = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            N_("{filename} is not a CSV or XLSX file (it contains binary data)."), field="file", filename=filename
        ) from exc
    with zf:
        if "xl/workbook.xml" not in zf.namelist():
            raise InvalidInput(
                N_("{filename} is a ZIP archive, not an XLSX workbook."), field="file", filename=filename
            )
        _check_unpacked(zf.infolist(), filename, limits)
        yield zf


def _check_unpacked(parts: list[zipfile.ZipInfo], filename: str, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts would unpack to too much (a ZIP bomb) before any is unpacked."""
    total = sum(p.file_size for p in parts)
    bomb = next(
        (p for p in parts if p.file_size > 1024 * 1024 and p.file_size > MAX_XLSX_RATIO * max(p.compress_size, 1)),
        None,
    )
    if total > limits.xlsx_unpacked_bytes or bomb is not None:
        raise PayloadTooLarge(
            N_(
                "{filename} would unpack to {size} bytes ({part} packs {ratio} times): it looks like a ZIP bomb, "
                "not a worksheet. Save it again from the spreadsheet program, or send it as CSV."
            ),
            filename=filename,
            size=total,
            part=(bomb or max(parts, key=lambda p: p.file_size)).filename,
            ratio=(bomb.file_size // max(bomb.compress_size, 1)) if bomb else "-",
            limit=limits.xlsx_unpacked_bytes,
        )


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"')


def check_declared_cells(zf: zipfile.ZipFile, filename: str, limits: ReadLimits) -> None:
    """Refuse a workbook a sheet of which declares (``<dimension ref="A1:K400000"/>``, near the start of its XML)
    more cells or columns than the limits, before any sheet is read. The cells read are counted again after (a
    sheet may declare nothing, or lie)."""
    for index in range(len(sheet_entries(zf))):
        part = sheet_part(zf, index)
        if part is None:
            continue
        with zf.open(part) as stream:
            head = stream.read(4096)
        found = _DIMENSION.search(head)
        if found is None or found.group(3) is None:
            continue
        rows = int(found.group(4)) - int(found.group(2)) + 1
        columns = column_index(found.group(3).decode()) + 1  # from column A: the reader starts there
        _check_cells(filename, rows, columns, limits, int(found.group(4)))


def _check_cells(filename: str, rows: int, columns: int, limits: ReadLimits, last_row: int) -> None:
    if columns > limits.columns:
        raise too_many_columns(filename, columns, limits)
    if rows * columns > limits.xlsx_cells:
        raise PayloadTooLarge(
            N_(
                "The sheet of {filename} has {cells} cells ({rows} rows to row {last_row}, {columns} columns); at "
                "most {limit} are read from a workbook. Send a list this long as CSV, or in parts."
            ),
            filename=filename,
            cells=f"{rows * columns:,}",
            rows=f"{rows:,}",
            last_row=f"{last_row:,}",
            columns=f"{columns:,}",
            limit=f"{limits.xlsx_cells:,}",
        )


#: A sheet's state as the workbook names it (``<sheet state="veryHidden">``): Excel's Unhide menu cannot show a
#: very hidden sheet, so nobody looking at the workbook knows it is there.
_STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


#: An XLSX sheet's rows become a table this many at a time: Python's cells of one piece at most are alive at once.
_XLSX_CHUNK = 20_000


def _sheet_label(name: str, state: dict[str, str]) -> str:
    return name if state.get(name, "visible") == "visible" else f"{name} ({state[name]})"


def choose_sheet(
    filename: str, names: list[str], state: dict[str, str], has_data: Callable[[str], bool]
) -> tuple[str, list[str]]:
    """The sheet read when none is named: the one visible sheet with data (refused when several have data, or when
    only hidden ones do), else the first; and the hidden sheets with data, which are not read."""
    with_data = [n for n in names if has_data(n)]
    shown = [n for n in with_data if state.get(n, "visible") == "visible"]
    hidden = [n for n in with_data if n not in shown]
    if len(shown) > 1:
        raise InvalidInput(
            N_("{filename} has several sheets with data ({sheets}); choose one."),
            field="sheet",
            filename=filename,
            sheets=", ".join(_sheet_label(n, state) for n in with_data),
        )
    if hidden and not shown:
        raise InvalidInput(
            N_(
                "The sheets of {filename} that hold data are hidden in Excel ({sheets}; a very hidden sheet "
                "cannot even be unhidden from Excel's menu). If one of them is the list, choose it by name."
            ),
            field="sheet",
            filename=filename,
            sheets=", ".join(_sheet_label(n, state) for n in hidden),
        )
    return (shown[0] if shown else names[0]), hidden


def _read_workbook(data: bytes, filename: str, sheet: str | None, zf: zipfile.ZipFile, limits: ReadLimits) -> RawTable:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = list(workbook.sheet_names)
    state = {m.name: _STATES.get(str(m.visible).rsplit(".", 1)[-1], "visible") for m in workbook.sheets_metadata}

    notes: list[Note] = []
    if sheet is None:

        def has_data(name: str) -> bool:
            rows = itertools.islice(workbook.get_sheet_by_name(name).iter_rows(), 50)
            return any(any(c not in ("", None) for c in r) for r in rows)

        sheet, hidden = choose_sheet(filename, names, state, has_data)
        if hidden:
            notes.append(Note("hidden_sheets_not_read", detail=", ".join(_sheet_label(n, state) for n in hidden)))
    elif sheet not in names:
        raise unknown_sheet(filename, sheet, names)
    elif state.get(sheet, "visible") != "visible":
        notes.append(Note("sheet_hidden", detail=_sheet_label(sheet, state)))
    chosen = workbook.get_sheet_by_name(sheet)
    if chosen.end is None:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    _check_cells(filename, chosen.end[0] + 1, chosen.end[1] + 1, limits, chosen.end[0] + 1)
    width = chosen.end[1] + 1
    rows = iter(chosen.iter_rows())  # from row 1, from the first column used: padded back to column A
    first = next(rows, None)
    if first is None:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    headers = unique_headers(
        [cell_text(c) or f"column_{i + 1}" for i, c in enumerate([""] * (width - len(first)) + first)]
    )
    schema = dict.fromkeys(headers, pl.String)
    pieces: list[pl.DataFrame] = []
    booleans: dict[int, list[int]] = {}  # column -> rows whose cell is TRUE/FALSE
    number = 1
    while True:
        body: list[list[str | None]] = []
        for r in itertools.islice(rows, _XLSX_CHUNK):
            number += 1
            cells = [None] * (width - len(r)) + [cell_text(c) for c in r]
            if "True" in cells or "False" in cells:
                for j, c in enumerate(r, start=width - len(r)):
                    if isinstance(c, bool):
                        booleans.setdefault(j, []).append(number)
            body.append(cells)
        if not body:
            break
        piece = pl.DataFrame(body, schema=schema, orient="row")
        check_xlsx_cells(piece, filename, number - len(body) + 1, limits)
        pieces.append(piece)
    notes += [Note("cell_boolean", rows=tuple(found), column=headers[j]) for j, found in booleans.items()]
    frame = pl.concat(pieces) if pieces else pl.DataFrame(schema=schema)
    formulas = _formulas_without_value(zf, names.index(sheet))
    return finish(frame, "xlsx", filename=filename, notes=notes, formulas=formulas, sheet=sheet)


def check_xlsx_cells(piece: pl.DataFrame, filename: str, first_row: int, limits: ReadLimits) -> None:
    """Refuse a sheet a cell of which is longer than ``limits.field_chars``, naming its row and column."""
    lengths = piece.select(pl.nth(i).str.len_chars().max() for i in range(piece.width)).row(0)
    for j, longest in enumerate(lengths):
        if longest is not None and longest > limits.field_chars:
            at = int(piece.select((pl.nth(j).str.len_chars() > limits.field_chars).arg_max()).item())
            raise InvalidInput(
                N_(
                    "Row {row}, column {column} of {filename} holds a cell longer than {limit} characters (a name "
                    "or an address never needs more): shorten it."
                ),
                field="file",
                filename=filename,
                row=first_row + at,
                column=piece.columns[j],
                limit=f"{limits.field_chars:,}",
            )


def unique_headers(headers: list[str]) -> list[str]:
    """Headers made unique the way Polars does for a CSV: the second ``Nama`` becomes ``Nama_duplicated_0``."""
    seen: set[str] = set()
    out: list[str] = []
    for header in headers:
        name, k = header, 0
        while name in seen:
            name, k = f"{header}_duplicated_{k}", k + 1
        seen.add(name)
        out.append(name)
    return out


def cell_text(value: Any) -> str | None:
    """An XLSX cell as the text a person typed: whole numbers without ".0", dates as ISO dates."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= 1e15:  # Excel keeps 15 significant digits: a 16-digit NIK stored as a number is lost
            return f"{value:.5E}"
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


# A formula cell with no saved value: ``<c r="B3"><f>...</f></c>``, ``<f .../>`` (a shared formula), an empty
# ``<v/>`` (openpyxl and other writers that do not calculate). The reader sees an empty cell.
_FORMULA_NO_VALUE = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>\s*'
    rb"<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def _formulas_without_value(zf: zipfile.ZipFile, sheet_index: int) -> dict[int, set[int]]:
    """Row -> columns (0-based) of the cells of a sheet that are formulas without a saved value. The sheet's XML
    is read in pieces cut after a row, and only a piece that may hold one (``_may_lack_values``) is searched."""
    part = sheet_part(zf, sheet_index)
    found: dict[int, set[int]] = {}
    if part is None:
        return found
    size = 8 << 20
    with zf.open(part) as stream:
        rest = b""
        while True:
            chunk = stream.read(size)
            buffer = rest + chunk
            if chunk:  # cut after the last row end (</row> or </x:row>); none yet: read on
                end = buffer.rfind(b"row>")
                cut = end + 4 if end >= 0 else 0
            else:
                cut = len(buffer)
            piece, rest = buffer[:cut], buffer[cut:]
            if _may_lack_values(piece):
                for letters, row in _FORMULA_NO_VALUE.findall(piece):
                    found.setdefault(int(row), set()).add(column_index(letters.decode()))
            if not chunk:
                break
    found.pop(1, None)  # the header row
    return found


def _may_lack_values(piece: bytes) -> bool:
    """Whether ``piece`` (of a sheet's XML) may hold a formula without a value: a cheap test (``bytes.count`` and
    ``in`` run at memory speed, the regular expression a dozen times slower) that lets a sheet of calculated formulas
    pass without the search. A calculated formula is ``<f>...</f><v>value</v>`` or ``<f .../><v>value</v>``; one
    without its value ends ``</f></c>``, ``/></c>`` or holds an empty ``<v></v>`` or ``<v/>``."""
    if b"<f" not in piece and b":f" not in piece:
        return False
    if b"<c " not in piece and b"<c>" not in piece:
        return True  # cells with a namespace prefix (<x:c>): let the expression decide
    return piece.count(b"</f>") != piece.count(b"</f><v>") or b"/></c>" in piece or b"<v></v>" in piece


def column_index(letters: str) -> int:
    """The 0-based index of a column's letters (``A`` is 0, ``AA`` is 26)."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


_ATTRS = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def sheet_entries(zf: zipfile.ZipFile) -> list[dict[bytes, bytes]]:
    """The attributes of each ``<sheet>`` of ``xl/workbook.xml``, in order (name, state, relationship id)."""
    return [dict(_ATTRS.findall(tag)) for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", zf.read("xl/workbook.xml"))]


def sheet_part(zf: zipfile.ZipFile, index: int) -> str | None:
    """The ZIP path of the workbook's ``index``-th sheet (``xl/workbook.xml`` lists the sheets in order, and its
    relationships give each one's part). Read with regular expressions: no XML parser sees a DOCTYPE here."""
    sheets = sheet_entries(zf)
    if index >= len(sheets):
        return None
    rid = next((v for k, v in sheets[index].items() if k.endswith(b":id")), None)
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        found = dict(_ATTRS.findall(tag))
        if rid is not None and found.get(b"Id") == rid:
            target = html.unescape(found.get(b"Target", b"").decode("utf-8", "replace"))
            path = posixpath.normpath(target.lstrip("/") if target.startswith("/") else "xl/" + target)
            return path if path in zf.namelist() else None
    return None
