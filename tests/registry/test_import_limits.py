"""Every import is bounded by the file (issue 17, item 6): a line, a cell, a row of columns, the unpacked size and the
cells of a workbook beyond the limits (``PARITRANA_IMPORT_MAX_*``) are refused with a message naming the line, the
column and the limit, through the command line (exit 2), the upload page (422) and the API (4xx), nothing written; a
file just under each limit is read. The column-check preview reads the first rows only, once per upload.

The limits are set low here (``settings``), so that files of a few kilobytes show what 200 MB files would.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from paritrana.cli import main
from paritrana.core.errors import InvalidInput, ParitranaError, PayloadTooLarge
from paritrana.core.files import read_limits
from paritrana.core.sheets import preview as sheets_preview
from paritrana.registry import ingest
from paritrana.registry.models import ImportJob, Worker
from tests.conftest import client_for

DESA = "3603012003"
NIK = "3603014507900001"
HEADER = "NIK;Nama Lengkap;Kode Desa;Catatan\n"
LINE = 2048
FIELD = 500
COLUMNS = 20
CELLS = 1000


@pytest.fixture(autouse=True)
def low_limits(settings: Any) -> None:
    settings.PARITRANA = settings.PARITRANA.model_copy(
        update={
            "import_max_line_bytes": LINE,
            "import_max_field_chars": FIELD,
            "import_max_columns": COLUMNS,
            "import_max_xlsx_unpacked_bytes": 1024 * 1024,
            "import_max_xlsx_cells": CELLS,
        }
    )


def row(i: int, note: str = "") -> str:
    return f"36030145079{i:05d};Pekerja {i};{DESA};{note}\n"


def csv_file(*lines: str) -> bytes:
    return (HEADER + "".join(lines)).encode()


def xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def worker_rows(n: int, width: int = 3) -> list[list[Any]]:
    head = ["NIK", "Nama Lengkap", "Kode Desa", *[f"x{j}" for j in range(width - 3)]]
    return [head, *[[f"36030145079{i:05d}", f"Pekerja {i}", DESA, *[""] * (width - 3)] for i in range(1, n)]]


# --- files beyond each limit, and files just under it ----------------------------------------------------------

#: name -> (file name, content, what the refusal names)
REFUSED: dict[str, tuple[str, bytes, tuple[str, ...]]] = {
    "line": ("baris.csv", csv_file(row(1), row(2, "x" * (LINE + 10))), ("3", "2,048")),
    # A quoted cell with line ends in it: no line is long, the cell is.
    "field": ("sel.csv", csv_file(row(1), row(2, '"' + ("y" * 99 + "\n") * 6 + '"')), ("3", "500")),
    "columns-in-a-row": ("kolom.csv", csv_file(row(1), row(2, ";" * 30)), ("3", "34", "20")),
    "columns-in-the-header": ("kepala.csv", ("A;" * 25 + "B\n" + row(1)).encode(), ("26", "20")),
    "xlsx-field": ("sel.xlsx", xlsx([["NIK", "Nama Lengkap", "Kode Desa"], [NIK, "z" * 600, DESA]]), ("2", "500")),
    "xlsx-cells": ("sel-banyak.xlsx", xlsx(worker_rows(400)), ("1,200", "1,000")),
    "xlsx-columns": ("lebar.xlsx", xlsx(worker_rows(3, width=25)), ("25", "20")),
}

#: name -> (file name, content): each just under the limit it is named after.
ACCEPTED: dict[str, tuple[str, bytes]] = {
    "line": ("baris.csv", csv_file(row(1), row(2, ";".join(["x" * 390] * 5)))),  # 5 cells under the cell limit
    "field": ("sel.csv", csv_file(row(1), row(2, '"' + ("y" * 99 + "\n") * 5 + '"'))),
    "columns": ("kolom.csv", csv_file(row(1), row(2, ";" * (COLUMNS - 4)))),
    "xlsx-field": ("sel.xlsx", xlsx([["NIK", "Nama Lengkap", "Kode Desa"], [NIK, "Siti " + "z" * 190, DESA]])),
    "xlsx-cells": ("sel-banyak.xlsx", xlsx(worker_rows(333))),
}


def _needles_in(text: str, needles: tuple[str, ...]) -> bool:
    return all(n in text for n in needles)


def via_cli(data: bytes, name: str, tmp_path: Path, capsys: Any, _user: Any) -> tuple[bool, str]:
    path = tmp_path / name
    path.write_bytes(data)
    status = main(["workers", "import", str(path), "--format", "json", "--mode", "valid-only"])
    out, err = capsys.readouterr()
    if status == 2:
        body = json.loads(err.strip().splitlines()[-1])
        return True, body["message"] + json.dumps(body["details"])
    assert status in (0, 1), (status, out, err)
    return False, out


def via_web(data: bytes, name: str, _tmp: Path, _capsys: Any, user: Any) -> tuple[bool, str]:
    answer = client_for(user).post("/workers/import/", {"file": SimpleUploadedFile(name, data), "mode": "valid-only"})
    if answer.status_code == 422:
        assert not ImportJob.objects.exists()
        return True, answer.content.decode()
    assert answer.status_code == 302, answer.status_code
    job = ImportJob.objects.latest("pk")
    assert job.status in ("done", "rejected"), (job.status, job.error)
    return False, str(job.summary)


def via_api(data: bytes, name: str, _tmp: Path, _capsys: Any, user: Any) -> tuple[bool, str]:
    answer = client_for(user).post("/api/v1/imports", {"file": SimpleUploadedFile(name, data), "mode": "valid-only"})
    if 400 <= answer.status_code < 500:
        assert not ImportJob.objects.exists()
        body = answer.json()
        return True, body["message"] + json.dumps(body["details"])
    assert answer.status_code == 202, answer.content
    job = ImportJob.objects.latest("pk")
    assert job.status in ("done", "rejected"), (job.status, job.error)
    return False, str(job.summary)


Door = Callable[[bytes, str, Path, Any, Any], tuple[bool, str]]
DOORS = [via_cli, via_web, via_api]


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=["cli", "web-upload", "api"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_a_file_beyond_a_limit_is_refused_naming_it_and_nothing_is_written(
    case: str, door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    name, data, needles = REFUSED[case]
    refused, said = door(data, name, tmp_path, capsys, kab_operator)
    assert refused, said
    assert _needles_in(said, needles), (needles, said[-3000:])
    assert not Worker.objects.exists()
    assert not list((Path(tmp_path.parent) / "nothing").glob("*"))


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=["cli", "web-upload", "api"])
@pytest.mark.parametrize("case", list(ACCEPTED))
def test_a_file_just_under_a_limit_is_read(
    case: str, door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    name, data = ACCEPTED[case]
    refused, said = door(data, name, tmp_path, capsys, kab_operator)
    assert not refused, said
    assert Worker.objects.exists()


@pytest.mark.django_db
def test_a_refused_upload_keeps_no_file(kab_operator: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    name, data, _needles = REFUSED["line"]
    answer = client_for(kab_operator).post(
        "/workers/import/", {"file": SimpleUploadedFile(name, data), "mode": "valid-only"}
    )
    assert answer.status_code == 422 and "2,048" in answer.content.decode()
    assert not list((tmp_path / "imports").glob("*"))


def test_the_workbook_unpacked_size_is_checked_before_anything_is_unpacked() -> None:
    data = xlsx(worker_rows(20_000))  # about 2 MB of sheet XML, 60,000 cells (over the cells limit too)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 1024 * 1024
    for read in (ingest.read_table, ingest.preview_table):
        with pytest.raises(PayloadTooLarge) as refused:
            read(data, filename="besar.xlsx")
        assert refused.value.details["limit"] == 1024 * 1024


@pytest.mark.django_db
def test_a_violation_past_the_preview_is_refused_by_the_job_naming_its_line(kab_operator: Any) -> None:
    """The upload reads the first lines only; the import job reads the rest and fails naming the line."""
    data = csv_file(*[row(i) for i in range(1, 1000)], row(1000, "x" * (LINE + 10)))
    client = client_for(kab_operator)
    answer = client.post("/workers/import/", {"file": SimpleUploadedFile("jauh.csv", data), "mode": "valid-only"})
    assert answer.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert job.status == "failed" and "1001" in job.error and "2,048" in job.error, job.error
    assert not Worker.objects.exists()


# --- every importer reads through the same limits ---------------------------------------------------------------


def _importers() -> dict[str, Callable[[bytes, str], Any]]:
    from paritrana.analytics import ingest as facts
    from paritrana.award import sheets
    from paritrana.sponsorship import actions, bpjs

    return {
        "workers": lambda data, name: ingest.read_table(data, filename=name),
        "payments": lambda data, name: actions._read_columns(data, name, actions.PAYMENT_COLUMNS),
        "bpjs-participation": lambda data, name: bpjs.read_participation(data, filename=name),
        "facts": lambda data, name: facts.read_workforce(data, filename=name),
        "award-sheets": lambda data, name: sheets._read(data, name, "indicators"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("importer", ["workers", "payments", "bpjs-participation", "facts", "award-sheets"])
@pytest.mark.parametrize("case", ["line", "field", "xlsx-field"])
def test_every_importer_gets_the_same_limits(importer: str, case: str) -> None:
    name, data, needles = REFUSED[case]
    with pytest.raises(InvalidInput) as refused:
        _importers()[importer](data, name)
    text = refused.value.message.format(**refused.value.details) if refused.value.details else ""
    assert _needles_in(text, needles), text


def test_the_limits_default_to_the_settings_documented() -> None:
    limits = read_limits()
    assert (limits.line_bytes, limits.field_chars, limits.columns) == (LINE, FIELD, COLUMNS)


# --- the preview ------------------------------------------------------------------------------------------------


def _broken_after(rows: int) -> bytes:
    """A workbook of ``rows`` rows whose XML is cut short after them, with a cell naming a shared string that does
    not exist: the whole reader refuses it as damaged."""
    good = xlsx([["NIK", "Nama Lengkap", "Kode Desa"], [NIK, "Siti Aminah", DESA]])
    source = zipfile.ZipFile(io.BytesIO(good))
    sheet_xml = source.read("xl/worksheets/sheet1.xml").decode()
    body = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>36030145079{r % 100000:05d}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>Pekerja {r}</t></is></c><c r="C{r}" t="inlineStr"><is><t>{DESA}</t></is>'
        "</c></row>"
        for r in range(2, rows)
    )
    broken = f'<row r="{rows}"><c r="A{rows}" t="s"><v>999999</v></c></row><row r="{rows + 1}"><c'
    sheet_xml = re.sub(r"<dimension[^>]*/>", "", sheet_xml)
    sheet_xml = re.sub(
        r"(<sheetData>.*?<row r=\"1\".*?</row>).*</sheetData>.*", r"\1" + body + broken, sheet_xml, flags=re.S
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = sheet_xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_the_preview_of_a_workbook_reads_its_first_rows_only(settings: Any) -> None:
    settings.PARITRANA = settings.PARITRANA.model_copy(
        update={"import_max_xlsx_unpacked_bytes": 200 * 1024 * 1024, "import_max_xlsx_cells": 5_000_000}
    )
    data = _broken_after(50_000)
    with pytest.raises(ParitranaError):
        ingest.read_table(data, filename="rusak.xlsx")  # the whole reader meets row 50,000
    preview = ingest.preview_table(data, filename="rusak.xlsx")
    assert preview.headers == ["NIK", "Nama Lengkap", "Kode Desa"] and preview.kind == "xlsx"
    assert preview.rows[0] == ["3603014507900002", "Pekerja 2", DESA] and len(preview.rows) == ingest.PREVIEW_ROWS


def test_the_preview_of_a_csv_reads_its_first_lines_only() -> None:
    data = csv_file(*[row(i) for i in range(1, 50_000)], "z" * (LINE * 3) + "\n")
    with pytest.raises(InvalidInput):
        ingest.read_table(data, filename="panjang.csv")
    preview = ingest.preview_table(data, filename="panjang.csv")
    assert preview.headers == ["NIK", "Nama Lengkap", "Kode Desa", "Catatan"]
    assert preview.rows[0] == ["3603014507900001", "Pekerja 1", DESA, None] and len(preview.rows) == 5


def test_the_preview_matches_the_whole_reader() -> None:
    """Headers and first rows as ``read_table`` reads them: dates, numbers, booleans, blank rows, empty headers."""
    from datetime import date

    rows = [
        ["NIK", "Nama", None, "Tgl Lahir", "Desil", "Aktif"],
        [NIK, "Siti", DESA, date(1990, 7, 5), 3, True],
        [None, None, None, None, None, None],
        ["3603010507900002", "Budi", DESA, "05/07/1990", 2.5, False],
    ]
    data = xlsx(rows)
    table = ingest.read_table(data, filename="a.xlsx")
    preview = ingest.preview_table(data, filename="a.xlsx")
    assert preview.headers == table.headers
    assert preview.rows == [list(r) for r in table.frame.select(table.headers).rows()]


@pytest.mark.django_db
def test_the_column_check_page_reads_the_preview_once_per_upload(
    kab_operator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(kab_operator)
    data = xlsx(worker_rows(30))
    answer = client.post(
        "/workers/import/", {"file": SimpleUploadedFile("cek.xlsx", data), "mode": "valid-only", "check_columns": "on"}
    )
    assert answer.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert Path(job.stored_path + ".preview.json").exists()

    def no_second_read(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the preview was read again")

    monkeypatch.setattr(sheets_preview, "preview_table", no_second_read)  # where cached_preview looks it up
    monkeypatch.setattr(ingest, "read_table", no_second_read)
    for _ in range(2):
        page = client.get(f"/workers/import/{job.pk}/")
        assert page.status_code == 200
        assert "Pekerja 1" in page.content.decode() and "3603**********01" in page.content.decode()
