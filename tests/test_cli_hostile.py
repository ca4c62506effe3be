"""Hostile arguments to the command line (issue 17): a file that is missing, a folder, a ``--mapping`` that is not
a JSON object, a report or backup path that cannot be written. Each one exits 2 with a message naming the problem
(the JSON error body with ``--format json``), never a traceback, and imports nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paritrana.cli import main
from paritrana.registry.models import Worker

DESA = "3603012003"
GOOD = f"NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan\n3603014507900001;Siti Aminah;05/07/1990;P;{DESA};Petani\n"
BAD_ROW = "3603010507900000;Eko;;L;3603012003;\n"
#: The same list under headers the importer does not recognise: it needs a --mapping.
ODD = f"Kolom A;Kolom B;Kolom C\n3603014507900001;Siti Aminah;{DESA}\n"
MAPPING = json.dumps({"nik": "Kolom A", "name": "Kolom B", "desa_code": "Kolom C"})


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], field: str) -> dict[str, Any]:
    """``argv`` exits 2 with the JSON error body naming ``field`` on stderr, nothing on stdout, no traceback."""
    assert main([*argv, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    body: dict[str, Any] = json.loads(captured.err)
    assert body["details"]["field"] == field and body["message"], body
    return body


def _refused_as_text(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.startswith("paritrana: ")
    return captured.err


@pytest.fixture
def odd_list(tmp_path: Path) -> Path:
    path = tmp_path / "daftar.csv"
    path.write_text(ODD, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_a_missing_worker_list_is_refused_naming_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "tidak-ada.csv"
    body = _refused(capsys, ["workers", "import", str(missing)], "file")
    assert str(missing) in body["message"]
    assert str(missing) in _refused_as_text(capsys, ["workers", "import", str(missing)])


@pytest.mark.django_db
def test_a_folder_instead_of_a_worker_list_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "daftar.csv"
    folder.mkdir()
    body = _refused(capsys, ["workers", "import", str(folder)], "file")
    assert str(folder) in body["message"] and body["code"] == "invalid_input"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mapping",
    [
        "{bad",
        "{'nik': 'Kolom A'}",  # Python, not JSON
        '{"nik": "Kolom A",}',
        "",
    ],
)
def test_a_mapping_that_is_not_json_is_refused_naming_it(
    capsys: pytest.CaptureFixture[str], odd_list: Path, mapping: str
) -> None:
    body = _refused(capsys, ["workers", "import", str(odd_list), "--mapping", mapping], "mapping")
    assert body["details"]["reason"] and "JSON" in body["message"]
    assert not Worker.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("mapping", ["[1]", '"nik"', "3", "null", '{"nik": 5}', '{"nik": ["Kolom A"]}'])
def test_a_mapping_that_is_not_an_object_of_headers_is_refused(
    capsys: pytest.CaptureFixture[str], odd_list: Path, mapping: str
) -> None:
    body = _refused(capsys, ["workers", "import", str(odd_list), "--mapping", mapping], "mapping")
    assert body["details"]["example"] in body["message"]  # it shows the shape expected
    assert not Worker.objects.exists()


@pytest.mark.django_db
def test_a_good_mapping_imports(capsys: pytest.CaptureFixture[str], odd_list: Path) -> None:
    assert main(["workers", "import", str(odd_list), "--mapping", MAPPING, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert Worker.objects.filter(nik="3603014507900001").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_a_report_that_cannot_be_written_is_refused_before_importing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    source = tmp_path / "daftar.csv"
    source.write_text(GOOD + BAD_ROW, encoding="utf-8")
    report = tmp_path / "tidak-ada" / "laporan.xlsx" if where == "missing folder" else tmp_path
    argv = ["workers", "import", str(source), "--mode", "valid-only", "--report", str(report)]
    _refused(capsys, argv, "report")
    assert not Worker.objects.exists()  # refused before the import, not after it was written


@pytest.mark.django_db
def test_a_report_in_a_folder_that_exists_is_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "daftar.csv"
    source.write_text(GOOD + BAD_ROW, encoding="utf-8")
    report = tmp_path / "laporan.csv"
    assert main(["workers", "import", str(source), "--mode", "valid-only", "--report", str(report)]) == 1
    assert report.is_file() and Worker.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_user_is_refused(capsys: pytest.CaptureFixture[str], odd_list: Path) -> None:
    argv = ["workers", "import", str(odd_list), "--mapping", MAPPING, "--user", "nobody"]
    assert "nobody" in _refused_as_text(capsys, argv)


@pytest.mark.django_db
def test_a_backup_onto_a_folder_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "cadangan.tar"
    folder.mkdir()
    assert str(folder) in _refused(capsys, ["backup", str(folder)], "output")["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["missing", "folder", "not an archive"])
def test_a_restore_from_a_path_that_is_not_a_backup_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    archive = tmp_path / "cadangan.tar"
    if kind == "folder":
        archive.mkdir()
    elif kind == "not an archive":
        archive.write_text("bukan arsip", encoding="utf-8")
    _refused(capsys, ["restore", str(archive)], "archive")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "argv",
    [
        ["indicators", "define", "{path}"],
        ["facts", "load", "{path}", "--origin", "bpjs-2024-12"],
        ["workforce", "import", "{path}"],
        ["payments", "import", "{path}"],
        ["award", "framework", "{path}", "--edition", "2024", "--region", "36", "--category", "kabupaten-kota"],
        ["award", "import", "{path}", "--kind", "scores", "--edition", "2024", "--region", "36", "--category", "k"],
        ["rules", "check", "--file", "{path}"],
    ],
)
@pytest.mark.parametrize("what", ["missing", "folder"])
def test_every_command_that_reads_a_file_refuses_a_missing_file_or_a_folder(
    argv: list[str], what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / ("nothing.csv" if what == "missing" else "a-folder")
    if what == "folder":
        path.mkdir()
    code = main([a.replace("{path}", str(path)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and str(path) in err
