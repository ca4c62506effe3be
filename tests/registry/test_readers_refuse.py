"""Files the readers used to crash on are refused with a message naming the problem, or imported right (issue 17,
item 5): a header line over 128 KB, a header of 100,000 columns, columns named like a pattern (``*``, ``^.*$``) or
like the pipeline's own (``__row``), an error report uploaded again (its ``baris``, ``alasan``, ``reason`` columns are
not read: its rows are), a workbook whose header repeats a name. Before, ``_csv.Error``, Polars' exceptions and
tracebacks reached the command line and gave a 500 on the web.

Every case goes through the three doors a person uses: ``paritrana workers import``, the upload page (the direct
import and the column check, which reads the file in the request) and ``POST /api/v1/imports``.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from paritrana.cli import main
from paritrana.core.errors import InvalidInput
from paritrana.core.permissions import SYSTEM
from paritrana.core.sheets import csvfile
from paritrana.registry import ingest
from paritrana.registry.actions import do_import_workers
from paritrana.registry.models import ImportJob, Worker
from tests.conftest import client_for

DESA = "3603012003"
NIK = "3603014507900001"
NIK_2 = "3603010507900002"
ROW = f"{NIK};Siti Aminah;{DESA}\n"


# --- the doors --------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a door answered: the import's summary, or the refusal of the whole file (its code and message, and the
    details that fill the message)."""

    summary: dict[str, Any] | None = None
    code: str = ""
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.summary is None

    def says(self, *needles: str) -> bool:
        """Each needle is in the message or in a detail (the command line translates the message; the details stay)."""
        text = self.message + " " + json.dumps(self.details, ensure_ascii=False)
        return all(n in text for n in needles)


Door = Callable[[bytes, str, Path, Any, Any], Outcome]


def via_cli(data: bytes, name: str, tmp_path: Path, capsys: Any, _user: Any, *options: str) -> Outcome:
    path = tmp_path / name
    path.write_bytes(data)
    status = main(["workers", "import", str(path), "--format", "json", "--mode", "valid-only", *options])
    out, err = capsys.readouterr()
    if status == 2:
        body = json.loads(err.strip().splitlines()[-1])
        return Outcome(code=body["code"], message=body["message"], details=body["details"])
    assert status in (0, 1), (status, out, err)
    return Outcome(summary=json.loads(out))


def _job_outcome(job: ImportJob) -> Outcome:
    if job.status == "failed":
        assert "unexpected error" not in job.error, job.error  # a refusal of the tree, not a crash
        return Outcome(code=getattr(job, "error_code", ""), message=job.error)
    assert job.status in ("done", "rejected"), (job.status, job.error)
    return Outcome(summary=job.summary)


def via_web(data: bytes, name: str, _tmp: Path, _capsys: Any, user: Any, *_options: str) -> Outcome:
    upload = SimpleUploadedFile(name, data)
    client = client_for(user)
    answer = client.post("/workers/import/", {"file": upload, "mode": "valid-only"})
    if answer.status_code == 422:  # refused by the upload's preview (its first lines), nothing kept
        return Outcome(code="invalid_input", message=answer.content.decode())
    assert answer.status_code == 302, answer.status_code  # queued (and run at once in the tests), never a 500
    job = ImportJob.objects.latest("pk")
    page = client.get(f"/workers/import/{job.pk}/")
    assert page.status_code == 200
    return _job_outcome(job)


def via_column_check(data: bytes, name: str, _tmp: Path, _capsys: Any, user: Any, *_options: str) -> Outcome:
    """The upload page with "let me check the columns": the page reads the file while answering the request."""
    client = client_for(user)
    answer = client.post(
        "/workers/import/", {"file": SimpleUploadedFile(name, data), "mode": "valid-only", "check_columns": "on"}
    )
    if answer.status_code == 422:  # refused by the upload's preview (its first lines), nothing kept
        return Outcome(code="invalid_input", message=answer.content.decode())
    assert answer.status_code == 302, answer.status_code
    job = ImportJob.objects.latest("pk")
    page = client.get(f"/workers/import/{job.pk}/")
    assert page.status_code in (200, 422), page.status_code  # the columns to check, or the refusal: never a 500
    if page.status_code == 422:
        return Outcome(code="invalid_input", message=page.content.decode())
    return Outcome(summary={"headers": True})


def via_api(data: bytes, name: str, _tmp: Path, _capsys: Any, user: Any, *_options: str) -> Outcome:
    client = client_for(user)
    answer = client.post("/api/v1/imports", {"file": SimpleUploadedFile(name, data), "mode": "valid-only"})
    if 400 <= answer.status_code < 500:  # refused by the upload's preview (its first lines), nothing kept
        body = answer.json()
        return Outcome(code=body["code"], message=body["message"], details=body["details"])
    assert answer.status_code == 202, answer.content
    job = client.get(f"/api/v1/imports/{answer.json()['id']}").json()
    if job["status"] == "failed":
        assert "unexpected error" not in job["error"], job["error"]
        return Outcome(message=job["error"])
    return Outcome(summary=job["summary"])


DOORS = [via_cli, via_web, via_column_check, via_api]
DOOR_IDS = ["cli", "web-upload", "web-column-check", "api"]


def xlsx(rows: list[list[Any]], **sheets: list[list[Any]]) -> bytes:
    """A workbook: ``rows`` on the first sheet ("Data"), then ``sheets`` by name."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    for row in rows:
        ws.append(row)
    for name, more in sheets.items():
        other = wb.create_sheet(name)
        for row in more:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- refused, naming the problem ----------------------------------------------------------------------------------

#: name -> (file name, content, what the refusal names)
REFUSED: dict[str, tuple[str, bytes, tuple[str, ...]]] = {
    "header-line-over-128-kb": (
        "panjang.csv",
        b"NIK;Nama;Kode Desa;" + b"x" * (200 * 1024) + b"\n" + ROW.encode(),
        ('"line": 1', "128"),
    ),
    "header-of-100000-columns": (
        "lebar.csv",
        b"NIK;Nama;Kode Desa" + b";" * 99_997 + b"\n" + ROW.encode(),
        ("100,000", "1,000"),
    ),
    "column-named-star": ("bintang.csv", f"NIK;Nama;Kode Desa;*\n{ROW}".encode(), ('"name": "*"', '"column": 4')),
    "column-named-like-a-pattern": ("pola.csv", f"NIK;Nama;Kode Desa;^.*$\n{ROW}".encode(), ("^.*$",)),
    "column-named-__row": ("baris.csv", f"__row;NIK;Nama;Kode Desa\n1;{ROW}".encode(), ("__row",)),
    "xlsx-column-named-__row": (
        "baris.xlsx",
        xlsx([["NIK", "Nama", "Kode Desa", "__row"], [NIK, "Siti", DESA, 1]]),
        ("__row",),
    ),
    "xlsx-wider-than-1000-columns": (
        "lebar.xlsx",
        xlsx([["NIK", "Nama", "Kode Desa", *[None] * 1500, "ujung"], [NIK, "Siti", DESA]]),
        ("1,504", "1,000"),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=DOOR_IDS)
@pytest.mark.parametrize("case", list(REFUSED))
def test_a_file_the_readers_crashed_on_is_refused_naming_the_problem(
    case: str, door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    name, data, needles = REFUSED[case]
    outcome = door(data, name, tmp_path, capsys, kab_operator)
    assert outcome.refused, outcome.summary
    if door is via_cli:
        assert outcome.code == "invalid_input" and outcome.says(*needles), outcome
    else:  # the message fills in the details (the page escapes quotes: look for the values only)
        values = [n.split(": ", 1)[-1].strip('"') for n in needles]
        assert all(v in outcome.message for v in values), (values, outcome.message[:2000])
    assert not Worker.objects.exists()


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_reader_raises_invalid_input_and_nothing_else(case: str) -> None:
    name, data, _needles = REFUSED[case]
    with pytest.raises(InvalidInput) as refused:
        ingest.read_table(data, filename=name)
    assert refused.value.details["field"] == "file" and refused.value.details["filename"] == name


def test_the_messages_say_what_to_do() -> None:
    with pytest.raises(InvalidInput) as wide:
        ingest.read_table(b";" * 99_999 + b"\n1\n", filename="lebar.csv")
    assert str(wide.value) == (
        "The header of lebar.csv has 100,000 columns; at most 1,000 are read. Remove the empty columns."
    )
    with pytest.raises(InvalidInput) as long:
        ingest.read_table(b"\n" + b"a" * 140_000 + b"\n1\n", filename="x.csv")
    assert str(long.value) == "Line 2 of x.csv is longer than 128 KB: it is not the header of a list."
    with pytest.raises(InvalidInput) as reserved:
        ingest.read_table(b"NIK,__row\n1,2\n", filename="x.csv")
    assert str(reserved.value) == "Column 2 of x.csv is named __row, a name Paritrana reserves for itself; rename it."


def test_a_long_data_line_is_still_read() -> None:
    """A long cell further down, within the cell limit (``PARITRANA_IMPORT_MAX_FIELD_CHARS``, 10,000), is the
    validation's business (name_long); beyond it, see tests/registry/test_import_limits.py."""
    table = ingest.read_table(f"NIK;Nama;Kode Desa\n{NIK};{'N' * 9_999};{DESA}\n".encode(), filename="x.csv")
    assert table.frame.height == 1


@pytest.mark.parametrize(
    "header", ["*", "^.*$", "^Nama$", "__row"], ids=["star", "any-pattern", "anchored-name", "reserved"]
)
def test_every_reader_sharing_read_table_is_protected(header: str) -> None:
    """Payments, claims, workforce and award sheets read with ``read_table`` too and select columns by name."""
    with pytest.raises(InvalidInput):
        ingest.read_table(f"NIK;{header}\n{NIK};x\n".encode(), filename="x.csv")
    with pytest.raises(InvalidInput):
        ingest.read_table(xlsx([["NIK", header], [NIK, "x"]]), filename="x.xlsx")


# --- imported right ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("door", [via_cli, via_web, via_api], ids=["cli", "web-upload", "api"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_error_report_uploaded_again_imports_its_rows_and_ignores_its_own_columns(
    fmt: str, door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    text = f"NIK;Nama;Kode Desa\n{NIK};Siti Aminah;{DESA}\n{NIK_2};;{DESA}\n"  # row 3: no name
    first = do_import_workers(source=text.encode(), filename="daftar.csv", actor=SYSTEM, mode="valid-only")
    assert first.summary["created"] == 1 and first.summary["rejected"] == 1
    report = first.report(fmt)
    headers = ingest.read_table(report, filename=f"laporan.{fmt}").headers
    assert headers[0] == "baris" and headers[-2:] == ["alasan", "reason"]
    # The operator fills in the name in the report and uploads it as it is.
    if fmt == "csv":
        corrected = report.replace(b";;", b";Budi;").replace(b",,", b",Budi,")
    else:
        corrected = _fill_xlsx(report, "Budi")
    outcome = door(corrected, f"laporan.{fmt}", tmp_path, capsys, kab_operator)
    assert not outcome.refused, outcome
    assert outcome.summary is not None and outcome.summary["created"] == 1 and outcome.summary["rejected"] == 0
    assert outcome.summary["warnings"] >= 1  # the note on the report's own columns
    assert Worker.objects.get(nik=NIK_2).name == "Budi"


def _fill_xlsx(data: bytes, name: str) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws is not None
    headers = [c.value for c in ws[1]]
    column = headers.index("Nama") + 1
    for row in range(2, ws.max_row + 1):
        if not ws.cell(row, column).value:
            ws.cell(row, column).value = name
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_report_columns_are_named_in_a_warning_and_not_written_twice() -> None:
    text = f"baris;NIK;Nama;Kode Desa;alasan;reason\n3;{NIK};Siti;{DESA};Nama kosong.;The name is empty.\n"
    table = ingest.read_table(text.encode(), filename="laporan.csv")
    checked = ingest.validate(table, ingest.guess_mapping(table.headers), today=_today())
    assert checked.valid["name"].to_list() == ["Siti"]
    note = checked.issues.filter(pl.col("code") == "report_columns_ignored").row(0, named=True)
    assert (note["row"], note["field"], note["severity"], note["value"]) == (
        1,
        "file",
        "warning",
        "baris, alasan, reason",
    )
    report = ingest.error_report(table, checked.issues).decode("utf-8-sig").splitlines()
    assert report[0] == "baris,NIK,Nama,Kode Desa,alasan,reason"
    assert report[1].startswith("1,,,,") and "baris, alasan, reason" in report[1]


def test_a_column_named_row_or_reason_elsewhere_is_an_ordinary_column() -> None:
    table = ingest.read_table(f"NIK;Nama;Kode Desa;row;Reason\n{NIK};Siti;{DESA};1;x\n".encode(), filename="x.csv")
    checked = ingest.validate(table, ingest.guess_mapping(table.headers), today=_today())
    assert checked.valid.height == 1 and checked.issues.height == 0


@pytest.mark.django_db
@pytest.mark.parametrize("door", [via_cli, via_web, via_api], ids=["cli", "web-upload", "api"])
def test_a_workbook_repeating_a_header_is_imported_from_the_first(
    door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    """Before: the repeated name collapsed the columns and Polars raised a ShapeError (a 500)."""
    data = xlsx([["NIK", "Nama", "Kode Desa", "Nama", None, "column_5"], [NIK, "Siti", DESA, "Lain", "a", "b"]])
    assert ingest.read_table(data, filename="x.xlsx").headers == [
        "NIK",
        "Nama",
        "Kode Desa",
        "Nama_duplicated_0",
        "column_5",
        "column_5_duplicated_0",
    ]
    outcome = door(data, "daftar.xlsx", tmp_path, capsys, kab_operator)
    assert outcome.summary is not None and outcome.summary["created"] == 1, outcome
    assert Worker.objects.get().name == "Siti"


@pytest.mark.parametrize(
    "data",
    [
        b'NIK;Nama\n"3603014507900001;Siti\n',  # a quote that never closes
        b"NIK;Nama\n" + b"\xe9" * 10 + b"\x81\n",  # a byte no encoding of ours defines
        b"PK\x03\x04" + b"\x00" * 40,
    ],
    ids=["open-quote", "undefined-byte", "zip-magic-only"],
)
def test_broken_files_raise_only_invalid_input(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        ingest.read_table(data, filename="x.csv")


def _today() -> Any:
    from datetime import date

    return date(2026, 11, 24)


def test_a_file_read_in_another_thread_does_not_lend_its_field_limit() -> None:
    """The csv module's field limit is process-wide: while one import reads with a small limit, a second file
    read at the same time (another request of the web server) still gets its own answer."""
    held, release = threading.Event(), threading.Event()
    answers: list[str] = []

    def other_import() -> None:
        with csvfile._csv_field_limit(10):
            held.set()
            release.wait(5)

    def this_import() -> None:
        try:
            ingest.read_table(b";" * 99_999 + b"\n1\n", filename="lebar.csv")
        except InvalidInput as exc:
            answers.append(str(exc))

    other = threading.Thread(target=other_import)
    other.start()
    held.wait(5)
    reader = threading.Thread(target=this_import)
    reader.start()
    reader.join(0.3)  # it waits for the other read to end instead of reading with its limit
    release.set()
    reader.join(10)
    other.join(10)
    assert answers == ["The header of lebar.csv has 100,000 columns; at most 1,000 are read. Remove the empty columns."]
