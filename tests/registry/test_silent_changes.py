"""Nothing a list holds is changed or dropped without a word (issue 17, items 8 and 11).

Before: one cp1252 byte in a UTF-8 file turned every accented name into mojibake; a 15-digit NIK written as a float
(``360301550895002.0``) became another person's NIK; a NIK column mapped to the name was stored as the name; names of
invisible characters only, and an Excel TRUE as the name "True", were stored; rows of formulas without saved values
vanished as blank; a very hidden sheet was read without a word; CR-only line ends gave "a header but no rows";
``1995-08-15 00:00:00`` and ``15-Aug-1995`` were refused while ``15/08/95`` said "age not plausible". And checks were
missing: a NIK whose kecamatan is not the desa's, possible duplicates in a list without birth dates.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import Workbook

from paritrana.cli import main
from paritrana.core.errors import InvalidInput
from paritrana.core.permissions import SYSTEM
from paritrana.registry import ingest
from paritrana.registry.actions import do_import_workers
from paritrana.registry.models import Worker
from tests.registry.test_readers_refuse import Door, via_api, via_cli, via_web

TODAY = date(2026, 11, 24)
DESA = "3603012003"  # Cangkudu, kecamatan Balaraja (36.03.01), Kabupaten Tangerang
NIK = "3603014507900001"  # a woman born 5 July 1990, first issued in Balaraja
NIK_2 = "3603010507900002"
HEADER = "NIK;Nama;Kode Desa\n"
DOORS = [via_cli, via_web, via_api]
DOOR_IDS = ["cli", "web-upload", "api"]


def check(data: str | bytes, mapping: dict[str, str] | None = None, **read: Any) -> ingest.Validation:
    raw = data.encode() if isinstance(data, str) else data
    table = ingest.read_table(raw, filename="daftar.xlsx" if raw[:2] == b"PK" else "daftar.csv", **read)
    return ingest.validate(table, mapping or ingest.guess_mapping(table.headers), today=TODAY)


def found(v: ingest.Validation) -> set[tuple[int, str, str, str]]:
    return {(r["row"], r["field"], r["code"], r["severity"]) for r in v.issues.iter_rows(named=True)}


def xlsx(rows: list[list[Any]], *, states: dict[str, str] | None = None, **sheets: list[list[Any]]) -> bytes:
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
    for name, state in (states or {}).items():
        wb[name].sheet_state = state  # type: ignore[assignment]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- encodings: a cp1252 byte in a UTF-8 file ---------------------------------------------------------------------


def test_one_cp1252_byte_in_a_utf8_file_changes_no_other_name_and_is_named() -> None:
    """The reported case: UTF-8 names with accents and one name typed on a Windows machine."""
    data = (
        f"{HEADER}{NIK};Siti Aminah Séti;{DESA}\n".encode()
        + f"{NIK_2};André;{DESA}\n".encode("cp1252")
        + f"3603011507900003;Müller Ñoño;{DESA}\n".encode()
    )
    v = check(data)
    assert v.valid["name"].to_list() == ["Siti Aminah Séti", "André", "Müller Ñoño"]
    assert (3, "file", "encoding_cp1252", "warning") in found(v)
    assert {r for (r, _f, c, _s) in found(v) if c == "encoding_cp1252"} == {3}


def test_a_whole_cp1252_file_is_read_with_a_warning_on_each_row_it_concerns() -> None:
    data = f"{HEADER}{NIK};Siti Ma'rufah Sétiawan;{DESA}\n{NIK_2};Budi;{DESA}\n".encode("cp1252")
    table = ingest.read_table(data, filename="x.csv")
    v = ingest.validate(table, ingest.guess_mapping(table.headers), today=TODAY)
    assert table.encoding == "cp1252" and v.valid["name"].to_list() == ["Siti Ma'rufah Sétiawan", "Budi"]
    assert {r for (r, _f, c, _s) in found(v) if c == "encoding_cp1252"} == {2}


def test_the_rows_are_named_right_past_a_cell_holding_a_line_break() -> None:
    data = f'{HEADER}{NIK};"Siti\nAminah";{DESA}\n'.encode() + f"{NIK_2};Andr\xe9;{DESA}\n".encode("cp1252")
    v = check(data)
    assert v.valid["name"].to_list() == ["Siti Aminah", "André"]
    assert {r for (r, _f, c, _s) in found(v) if c == "encoding_cp1252"} == {3}


def test_a_byte_no_encoding_defines_is_refused_naming_its_line() -> None:
    data = f"{HEADER}{NIK};Siti;{DESA}\n".encode() + b"3603010507900002;Bud\x81i;3603012003\n"
    with pytest.raises(InvalidInput) as refused:
        check(data)
    assert refused.value.details["line"] == 3 and refused.value.details["byte"] == "81"


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=DOOR_IDS)
def test_every_door_stores_the_utf8_names_intact_and_counts_the_warning(
    door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    data = f"{HEADER}{NIK};Siti Séti;{DESA}\n".encode() + f"{NIK_2};André;{DESA}\n".encode("cp1252")
    outcome = door(data, "daftar.csv", tmp_path, capsys, kab_operator)
    assert outcome.summary is not None and outcome.summary["created"] == 2 and outcome.summary["warnings"] == 1
    assert sorted(Worker.objects.values_list("name", flat=True)) == ["André", "Siti Séti"]


# --- NIKs written as numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["360301550895002.0", "360301550895002,0", "'360301450790000.0", "36030145079000011.0", "3603014507900.00"],
)
def test_a_nik_written_as_a_number_without_16_digits_is_refused(written: str) -> None:
    v = check(f"{HEADER}{written};Siti;{DESA}\n")
    assert found(v) == {(2, "nik", "nik_float", "error")}, v.issues
    assert v.valid.height == 0
    assert ingest.MESSAGES["nik_float"][1].startswith("Excel turned the NIK into a number")


def test_a_nik_written_as_a_number_with_16_digits_is_read_with_a_warning() -> None:
    v = check(f"{HEADER}{NIK}.0;Siti;{DESA}\n")
    assert v.valid["nik"].to_list() == [NIK]
    assert found(v) == {(2, "nik", "nik_written_as_number", "warning")}


def test_a_nik_written_with_separators_is_still_a_nik() -> None:
    v = check(f"{HEADER}36.03.01.450790.0001;Siti;{DESA}\n3603.0105.0790.0002;Budi;{DESA}\n")
    assert v.valid["nik"].to_list() == [NIK, NIK_2] and v.errors.height == 0


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=DOOR_IDS)
def test_the_reported_float_nik_never_becomes_another_persons(
    door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    outcome = door(f"{HEADER}360301550895002.0;Siti;{DESA}\n".encode(), "daftar.csv", tmp_path, capsys, kab_operator)
    assert outcome.summary is not None and outcome.summary["rejected"] == 1 and outcome.summary["created"] == 0
    assert not Worker.objects.filter(nik="3603015508950020").exists()


def test_the_command_line_names_the_row_and_what_happened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: Any
) -> None:
    path = tmp_path / "daftar.csv"
    path.write_text(f"{HEADER}{NIK};Siti;{DESA}\n360301550895002.0;Budi;{DESA}\n", encoding="utf-8")
    assert main(["workers", "import", str(path), "--mode", "valid-only"]) == 1
    assert "row 3: nik: Excel turned the NIK into a number" in capsys.readouterr().out


def test_the_command_line_says_what_the_reader_noticed_of_the_whole_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: Any
) -> None:
    """A note on the file (a cp1252 byte, an earlier report's columns) is said once, before the counts, and in the
    JSON summary under ``file``: before, the command line only counted it among the warnings."""
    path = tmp_path / "daftar.csv"
    path.write_bytes(
        f"{HEADER.strip()};alasan\n{NIK};Siti;{DESA};x\n".encode() + f"{NIK_2};André;{DESA};y\n".encode("cp1252")
    )
    assert main(["workers", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("warning: ") and "(alasan)" in out and "warning: row 3: " in out
    assert Worker.objects.get(nik=NIK_2).name == "André"
    assert main(["workers", "import", str(path), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {n["code"] for n in summary["file"]} == {"encoding_cp1252", "report_columns_ignored"}
    assert all(n["severity"] == "warning" and n["message"] for n in summary["file"])


# --- names ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=DOOR_IDS)
def test_a_nik_column_mapped_to_the_name_is_refused_and_never_stored(
    door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    """The name column holds the NIK (as when a mapping sends the NIK column to the name field)."""
    data = f"NIK;Nama;Kode Desa\n{NIK};{NIK};{DESA}\n{NIK_2};3603 0105 0790 0002;{DESA}\n".encode()
    outcome = door(data, "daftar.csv", tmp_path, capsys, kab_operator)
    assert outcome.summary is not None and outcome.summary["rejected"] == 2 and outcome.summary["created"] == 0
    assert not Worker.objects.exists()


def test_the_mapping_that_sends_the_nik_to_the_name_is_refused_with_the_value_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: Any
) -> None:
    path = tmp_path / "daftar.csv"
    path.write_text(f"NIK;Nama;Kode Desa\n{NIK};Siti;{DESA}\n", encoding="utf-8")
    mapping = json.dumps({"nik": "NIK", "name": "NIK", "desa_code": "Kode Desa"})
    report = tmp_path / "laporan.csv"
    args = ["workers", "import", str(path), "--mapping", mapping, "--report", str(report)]
    assert main(args) == 1
    assert "row 2: name: The name holds a 16-digit number like a NIK" in capsys.readouterr().out
    assert not Worker.objects.exists()
    result = do_import_workers(
        source=path.read_bytes(),
        filename="x.csv",
        actor=SYSTEM,
        mapping={"nik": "NIK", "name": "NIK", "desa_code": "Kode Desa"},
    )
    values = result.issues.filter(pl.col("field") == "name")["value"].to_list()
    assert values == ["3603**********01"] and NIK not in result.issues.write_csv()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("\u200b\u200b", "name_invisible_only"),  # zero-width spaces
        ("\u202e\u202c", "name_invisible_only"),  # a right-to-left override and its end
        ("\u200d\u2066\u2069\ufeff", "name_invisible_only"),  # a joiner, an isolate, a BOM
        ("\x07\x1b", "name_invisible_only"),  # control characters (a bell, an ESC)
        ("123", "name_no_letters"),
        (". .", "name_no_letters"),
        ("3603014507900001", "name_nik"),
        ("Siti 3603-0145-0790-0001", "name_nik"),
    ],
)
def test_a_name_that_is_no_name_is_refused(name: str, code: str) -> None:
    v = check(f"{HEADER}{NIK};{name};{DESA}\n")
    assert found(v) == {(2, "name", code, "error")}, v.issues
    assert v.valid.height == 0


def test_invisible_characters_are_taken_out_of_a_name_with_a_warning() -> None:
    v = check(f"{HEADER}{NIK};Si\u200bti \u202eAminah\u202c;{DESA}\n{NIK_2};Budi\tSantoso;{DESA}\n")
    assert v.valid["name"].to_list() == ["Siti Aminah", "Budi Santoso"]
    assert found(v) == {(2, "name", "name_invisible", "warning")}


def test_letters_of_any_script_make_a_name() -> None:
    v = check(f"{HEADER}{NIK};ꦱꦶꦠꦶ;{DESA}\n{NIK_2};O'Neil-Ab. 2;{DESA}\n")
    assert v.errors.height == 0 and v.valid.height == 2


# --- workbooks: booleans, formulas, hidden sheets -----------------------------------------------------------------


def test_an_excel_boolean_in_a_text_field_is_refused() -> None:
    v = check(xlsx([["NIK", "Nama", "Kode Desa", "Catatan"], [NIK, True, DESA, False], [NIK_2, "Budi", DESA, True]]))
    assert found(v) == {(2, "name", "cell_boolean", "error")}  # an unread column's TRUE is nobody's business
    assert v.valid["name"].to_list() == ["Budi"]


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=DOOR_IDS)
def test_a_boolean_name_is_never_stored_as_true(
    door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    data = xlsx([["NIK", "Nama", "Kode Desa"], [NIK, True, DESA]])
    outcome = door(data, "daftar.xlsx", tmp_path, capsys, kab_operator)
    assert outcome.summary is not None and outcome.summary["rejected"] == 1
    assert not Worker.objects.exists()


def test_rows_of_formulas_without_saved_values_are_named_not_dropped_silently() -> None:
    """openpyxl (like other writers that do not calculate) saves formulas without their values."""
    data = xlsx(
        [
            ["NIK", "Nama", "Kode Desa", "Tgl Lahir"],
            [NIK, "Siti", DESA, "05/07/1990"],
            ["=A2", "=B2", "=C2", "=D2"],  # row 3: formulas only, read as blank
            [NIK_2, "Budi", DESA, "=TODAY()"],  # row 4: a read column holds a formula without a value
            ["=A2", None, None, None],  # row 5
            ["=A2", None, None, None],  # row 6
        ]
    )
    table = ingest.read_table(data, filename="x.xlsx")
    # Rows 5 and 6 end the sheet: the reader does not even see them as rows (the XML does).
    assert table.frame["__row"].to_list() == [2, 4] and table.blank_rows == 1
    v = ingest.validate(table, ingest.guess_mapping(table.headers), today=TODAY)
    assert (4, "birth_date", "formula_no_value", "warning") in found(v)
    skipped = v.issues.filter(pl.col("code") == "formula_rows_skipped").row(0, named=True)
    assert (skipped["row"], skipped["severity"], skipped["value"]) == (1, "warning", "3, 5-6")
    report = ingest.error_report(table, v.issues).decode("utf-8-sig")
    assert "These rows hold only formulas without a saved value and were skipped as blank" in report
    assert ": 3, 5-6" in report


def test_a_sheet_of_formulas_only_is_refused_saying_why() -> None:
    with pytest.raises(InvalidInput) as refused:
        ingest.read_table(
            xlsx([["NIK", "Nama", "Kode Desa"], ["=1", "=2", "=3"], ["=1", "=2", "=3"]]), filename="x.xlsx"
        )
    assert refused.value.details["rows"] == "2-3" and "formulas without a saved value" in str(refused.value)


def test_formulas_with_saved_values_are_read_as_their_values(tmp_path: Path) -> None:
    """A workbook Excel saved: the cached value is read, and no warning is given."""
    data = xlsx([["NIK", "Nama", "Kode Desa"], [NIK, "Siti", DESA]])
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(
                    b'<c r="B2" t="inlineStr"><is><t>Siti</t></is></c>',
                    b'<c r="B2" t="str"><f>PROPER("siti")</f><v>Siti</v></c>',
                )
                assert b"PROPER" in part
            dst.writestr(item, part)
    v = check(out.getvalue())
    assert v.valid["name"].to_list() == ["Siti"] and v.issues.height == 0


def test_a_very_hidden_sheet_is_not_read_without_a_word() -> None:
    rows = [["NIK", "Nama", "Kode Desa"], [NIK, "Siti", DESA]]
    only_hidden = xlsx([], Rahasia=rows, states={"Rahasia": "veryHidden"})
    with pytest.raises(InvalidInput) as refused:
        ingest.read_table(only_hidden, filename="x.xlsx")
    assert refused.value.details["sheets"] == "Rahasia (veryHidden)"
    # Chosen by name, it is read, with a warning naming its state.
    v = check(only_hidden, sheet="Rahasia")
    assert v.valid.height == 1
    note = v.issues.filter(pl.col("code") == "sheet_hidden").row(0, named=True)
    assert (note["row"], note["value"]) == (1, "Rahasia (veryHidden)")


def test_a_visible_list_beside_a_hidden_sheet_with_data_is_read_and_the_hidden_one_named() -> None:
    data = xlsx(
        [["NIK", "Nama", "Kode Desa"], [NIK, "Siti", DESA]],
        Referensi=[["kode"], [DESA]],
        Lama=[["NIK"], [NIK_2]],
        states={"Referensi": "hidden", "Lama": "veryHidden"},
    )
    v = check(data)
    assert v.valid.height == 1
    note = v.issues.filter(pl.col("code") == "hidden_sheets_not_read").row(0, named=True)
    assert note["value"] == "Referensi (hidden), Lama (veryHidden)" and note["severity"] == "warning"


def test_several_visible_sheets_are_still_refused_naming_the_hidden_state_too() -> None:
    data = xlsx([["NIK"], [NIK]], B=[["NIK"], [NIK_2]], C=[["NIK"], [NIK_2]], states={"C": "veryHidden"})
    with pytest.raises(InvalidInput) as refused:
        ingest.read_table(data, filename="x.xlsx")
    assert refused.value.details["sheets"] == "Data, B, C (veryHidden)"


# --- line ends and dates -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=DOOR_IDS)
def test_cr_only_line_ends_are_read(
    door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    data = f"{HEADER}{NIK};Siti;{DESA}\n{NIK_2};Budi;{DESA}\n".replace("\n", "\r").encode()
    outcome = door(data, "daftar.csv", tmp_path, capsys, kab_operator)
    assert outcome.summary is not None and outcome.summary["created"] == 2, outcome


@pytest.mark.parametrize(
    "written",
    [
        "1990-07-05 00:00:00",
        "1990-07-05T00:00:00",
        "05/07/1990 00:00",
        "05-Jul-1990",
        "5 July 1990",
        "05/07/1990",
        "5 Juli 1990",
    ],
)
def test_dates_spreadsheets_write_are_read(written: str) -> None:
    v = check(f"NIK;Nama;Kode Desa;Tgl Lahir\n{NIK};Siti;{DESA};{written}\n")
    assert v.valid["birth_date"].to_list() == [date(1990, 7, 5)], v.issues


@pytest.mark.parametrize("written", ["15-Agu-1995", "15 Agt 1995", "15-Aug-1995", "15 agustus 1995", "15 August 1995"])
def test_indonesian_and_english_month_abbreviations_are_read(written: str) -> None:
    nik = "3603015508950006"  # born 15 August 1995
    v = check(f"NIK;Nama;Kode Desa;Tgl Lahir\n{nik};Siti;{DESA};{written}\n")
    assert v.valid["birth_date"].to_list() == [date(1995, 8, 15)], v.issues


@pytest.mark.parametrize("written", ["05/07/90", "5-7-90", "05-Jul-90", "05 Juli 90"])
def test_a_two_digit_year_gets_its_own_message_not_age_not_plausible(written: str) -> None:
    v = check(f"NIK;Nama;Kode Desa;Tgl Lahir\n{NIK};Siti;{DESA};{written}\n")
    assert found(v) == {(2, "birth_date", "birth_date_two_digit_year", "error")}, v.issues
    assert "four digits" in ingest.MESSAGES["birth_date_two_digit_year"][1]


def test_a_datetime_with_a_time_other_than_midnight_is_not_a_birth_date() -> None:
    v = check(f"NIK;Nama;Kode Desa;Tgl Lahir\n{NIK};Siti;{DESA};1990-07-05 13:45:00\n")
    assert found(v) == {(2, "birth_date", "birth_date_format", "error")}


# --- checks that were missing ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=DOOR_IDS)
def test_a_nik_from_another_kecamatan_than_the_desa_is_a_warning_not_a_refusal(
    door: Door, tmp_path: Path, capsys: pytest.CaptureFixture[str], kab_operator: Any
) -> None:
    """NIK first issued in Balaraja (36.03.01); the person lives in a desa of Jayanti (36.03.02): they moved."""
    jayanti = "3603022001"
    outcome = door(f"{HEADER}{NIK};Siti;{jayanti}\n".encode(), "daftar.csv", tmp_path, capsys, kab_operator)
    assert outcome.summary is not None and outcome.summary["created"] == 1 and outcome.summary["warnings"] == 1
    v = check(f"{HEADER}{NIK};Siti;{jayanti}\n{NIK_2};Budi;{DESA}\n")
    assert found(v) == {(2, "desa_code", "nik_region_desa", "warning")}


def test_possible_duplicates_use_the_birth_date_inside_the_nik_without_a_birth_date_column() -> None:
    # The same name and desa; NIKs with the same birth date (5 July 1990, a man) and another sequence number.
    v = check(
        f"{HEADER}3603010507900002;Budi;{DESA}\n3603010507900003;budi;{DESA}\n"
        f"3603010607900004;Budi;{DESA}\n"  # born a day later: another person
    )
    assert {(r, c) for (r, _f, c, _s) in found(v)} == {(2, "possible_duplicate"), (3, "possible_duplicate")}
    assert v.valid.height == 3  # flagged for review, not refused


def test_every_new_code_has_a_message_in_both_languages() -> None:
    codes = [
        "nik_float",
        "nik_written_as_number",
        "name_invisible_only",
        "name_invisible",
        "name_nik",
        "name_no_letters",
        "cell_boolean",
        "formula_no_value",
        "formula_rows_skipped",
        "encoding_cp1252",
        "sheet_hidden",
        "hidden_sheets_not_read",
        "report_columns_ignored",
        "nik_region_desa",
        "birth_date_two_digit_year",
    ]
    for code in codes:
        indonesian, english = ingest.MESSAGES[code]
        assert indonesian and english and indonesian != english
    assert set(ingest.NOTE_SEVERITY) <= set(ingest.MESSAGES)
