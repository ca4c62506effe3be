"""The header and the first rows of a file, for the column-check page (``preview_table``; kept beside an upload by
``cached_preview``): a bounded prefix of a CSV, the first rows of an XLSX sheet streamed from its XML with the
shared strings read only as far as those rows need them."""

from __future__ import annotations

import html
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import polars as pl

from paritrana.core.errors import N_, InvalidInput
from paritrana.core.files import ReadLimits, read_limits
from paritrana.core.sheets.limits import check_size, too_many_columns
from paritrana.core.sheets.reader import read_data
from paritrana.core.sheets.table import check_headers
from paritrana.core.sheets.xlsx import (
    cell_text,
    check_declared_cells,
    check_xlsx_cells,
    choose_sheet,
    column_index,
    opened_workbook,
    sheet_entries,
    sheet_part,
    unique_headers,
    unknown_sheet,
)

#: Data rows a preview shows (the column-check page).
PREVIEW_ROWS = 5
#: Rows of a sheet a preview reads at most to find its first rows that are not blank.
_PREVIEW_SCAN_ROWS = 1000


@dataclass(frozen=True)
class Preview:
    """The header and the first rows of a file, as ``read_table`` would read them, for the column-check page."""

    headers: list[str]
    rows: list[list[str | None]]
    kind: str
    sheet: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"headers": self.headers, "rows": self.rows, "kind": self.kind, "sheet": self.sheet}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preview:
        return cls(headers=data["headers"], rows=data["rows"], kind=data["kind"], sheet=data.get("sheet", ""))


def preview_table(
    source: Path | bytes,
    *,
    filename: str,
    sheet: str | None = None,
    rows: int = PREVIEW_ROWS,
    limits: ReadLimits | None = None,
) -> Preview:
    """The header and the first ``rows`` rows that are not blank, reading only what they need: a CSV's first lines
    (at most ``rows + 2`` lines of the longest allowed), the first rows of an XLSX sheet streamed from its XML (the
    shared strings only as far as those rows use them). The same refusals as ``read_table`` for what it reads (a
    ZIP bomb, too many columns or cells declared, a line or a cell too long); what lies beyond is the job's."""
    limits = limits or read_limits()
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    check_size(filename, size)
    stream: IO[bytes] = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    with stream:
        if stream.read(4) == b"PK\x03\x04":
            stream.seek(0)
            return _preview_xlsx(stream, filename, sheet, rows, limits)
        stream.seek(0)
        budget = limits.line_bytes * (rows + 2) + 4
        head = stream.read(budget)
    if size > len(head):  # cut after the last whole line (UTF-16: the last whole line end of two bytes)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            end = head.rfind(b"\n\x00" if head[:2] == b"\xff\xfe" else b"\x00\n")
            cut = end + 2 if end > 0 and end % 2 == 0 else len(head) - len(head) % 2
        else:
            end = head.rfind(b"\n")
            cut = end + 1 if end > 0 else len(head)
        head = head[:cut]
    table = read_data(head, filename, None, limits)
    body = table.frame.head(rows).select(table.headers).rows()
    return Preview(headers=table.headers, rows=[list(r) for r in body], kind="csv")


def cached_preview(path: Path, *, filename: str, sheet: str | None = None) -> Preview:
    """``preview_table`` of an upload kept at ``path``, computed once: kept beside it (``<path>.preview.json``) and
    read from there by every later view of the column-check page."""
    kept = path.with_name(path.name + ".preview.json")
    if kept.exists():
        return Preview.from_dict(json.loads(kept.read_text(encoding="utf-8")))
    found = preview_table(path, filename=filename, sheet=sheet)
    kept.write_text(json.dumps(found.as_dict(), ensure_ascii=False), encoding="utf-8")
    return found


def _preview_xlsx(stream: IO[bytes], filename: str, sheet: str | None, rows: int, limits: ReadLimits) -> Preview:
    with opened_workbook(stream, filename, limits) as zf:
        try:
            check_declared_cells(zf, filename, limits)
            return _preview_workbook(zf, filename, sheet, rows, limits)
        except (ET.ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError) as exc:
            raise InvalidInput(
                N_("{filename} is a damaged XLSX workbook: {reason}"),
                field="file",
                filename=filename,
                reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
            ) from exc


def _preview_workbook(zf: zipfile.ZipFile, filename: str, sheet: str | None, rows: int, limits: ReadLimits) -> Preview:
    entries = sheet_entries(zf)
    names = [html.unescape(e.get(b"name", b"").decode("utf-8", "replace")) for e in entries]
    state = {n: e.get(b"state", b"visible").decode("ascii", "replace") for n, e in zip(names, entries, strict=True)}
    strings, dates = _SharedStrings(zf), _date_styles(zf)

    def head(name: str, count: int) -> list[list[Any]]:
        part = sheet_part(zf, names.index(name))
        return [] if part is None else _stream_rows(zf, part, strings, dates, count, limits)

    if sheet is None:  # chosen as ``xlsx.read_xlsx`` chooses it
        sheet, _hidden = choose_sheet(
            filename, names, state, lambda n: any(any(c not in ("", None) for c in r) for r in head(n, 50))
        )
    elif sheet not in names:
        raise unknown_sheet(filename, sheet, names)
    found = head(sheet, _PREVIEW_SCAN_ROWS)
    if not found or not any(c not in ("", None) for r in found for c in r):
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    width = max(len(r) for r in found)
    first = found[0] + [None] * (width - len(found[0]))
    headers = unique_headers([cell_text(c) or f"column_{i + 1}" for i, c in enumerate(first)])
    body: list[list[str | None]] = []
    schema = dict.fromkeys(headers, pl.String)
    for number, r in enumerate(found[1:], start=2):
        cells = [cell_text(c) for c in r] + [None] * (width - len(r))
        if any(c is not None and c.strip() for c in cells):
            check_xlsx_cells(pl.DataFrame([cells], schema=schema, orient="row"), filename, number, limits)
            body.append(cells)
        if len(body) == rows:
            break
    check_headers(headers, filename)
    return Preview(headers=headers, rows=body, kind="xlsx", sheet=sheet)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _no_doctype(zf: zipfile.ZipFile, part: str) -> None:
    """A workbook's XML never declares a DOCTYPE: one that does is refused before a parser sees its entities."""
    with zf.open(part) as stream:
        if b"<!DOCTYPE" in stream.read(4096).upper():
            raise ValueError(f"{part} declares a DOCTYPE")


class _SharedStrings:
    """A workbook's shared strings, read from its XML only as far as the cells asked for need."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.found: list[str] = []
        self.events: Iterable[tuple[str, Any]] = iter(())
        if "xl/sharedStrings.xml" in zf.namelist():
            _no_doctype(zf, "xl/sharedStrings.xml")
            # No DOCTYPE (above): no entity to expand; expat limits amplification besides.
            self.events = ET.iterparse(zf.open("xl/sharedStrings.xml"), events=("end",))  # noqa: S314

    def __getitem__(self, index: int) -> str:
        for _event, element in self.events:
            if len(self.found) > index:
                break
            if _local(element.tag) == "si":
                self.found.append(_unescape(_text_of(element)))
                element.clear()
        if len(self.found) <= index:
            self.events = iter(())
            raise ValueError(f"shared string {index} is missing")
        return self.found[index]


def _text_of(element: ET.Element) -> str:
    """The text of a string item (``<si>``, ``<is>``): its ``<t>`` or its runs' (``<r><t>``), phonetic runs left out."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _unescape(text: str) -> str:
    """Excel's escapes of characters XML cannot hold (``_x000D_``)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _date_styles(zf: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell styles (``<c s="...">``) whose number format is a date."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    if "xl/styles.xml" not in zf.namelist():
        return set()
    _no_doctype(zf, "xl/styles.xml")
    root = ET.fromstring(zf.read("xl/styles.xml"))  # noqa: S314 - no DOCTYPE (above); expat limits amplification
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
    dated: set[int] = set()
    for element in root.iter():
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                if is_date_format(formats.get(int(xf.get("numFmtId", "0")), "")):
                    dated.add(index)
    return dated


def _stream_rows(
    zf: zipfile.ZipFile, part: str, strings: _SharedStrings, dates: set[int], count: int, limits: ReadLimits
) -> list[list[Any]]:
    """The first ``count`` rows of a sheet (from row 1, blank rows kept as empty lists, cells from column A), read
    from its XML as a stream: what lies after them is never read."""
    from openpyxl.utils.datetime import from_excel

    _no_doctype(zf, part)
    found: list[list[Any]] = []
    with zf.open(part) as xml:
        for _event, element in ET.iterparse(xml, events=("end",)):  # noqa: S314 - no DOCTYPE (above)
            if _local(element.tag) != "row":
                continue
            number = int(element.get("r") or len(found) + 1)
            if number > count:
                break
            found.extend([] for _ in range(number - 1 - len(found)))
            cells: list[Any] = []
            for c in element:
                if _local(c.tag) != "c":
                    continue
                ref = c.get("r")
                column = column_index(re.sub(r"[0-9]", "", ref)) if ref else len(cells)
                if column >= limits.columns:
                    raise too_many_columns(part, column + 1, limits)
                cells.extend([None] * (column - len(cells)))
                kind, value = c.get("t", "n"), next((v.text for v in c if _local(v.tag) == "v"), None)
                if kind == "inlineStr":
                    inline = next((i for i in c if _local(i.tag) == "is"), None)
                    cell: Any = _unescape(_text_of(inline)) if inline is not None else None
                elif value is None:
                    cell = None
                elif kind == "s":
                    cell = strings[int(value)]
                elif kind == "b":
                    cell = value.strip() == "1"
                elif kind in ("str", "e"):
                    cell = _unescape(value)
                elif kind == "d":
                    cell = value[:10]
                elif int(c.get("s", "0")) in dates:
                    cell = from_excel(float(value))
                else:
                    cell = float(value)
                cells.append(cell)
            found.append(cells)
            element.clear()
    return found
