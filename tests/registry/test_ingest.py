"""Reading and validating the lists operators really have. Pure: no database."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from paritrana.core.errors import InvalidInput, PayloadTooLarge
from paritrana.demo.people import make_nik
from paritrana.registry.ingest import error_report, guess_mapping, mask_nik, read_table, validate

TODAY = date(2026, 11, 24)
DESA = "3603012003"  # Cangkudu, Balaraja, Kabupaten Tangerang
HEADER = "NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan\n"


def check(text: str | bytes, filename: str = "daftar.csv"):  # type: ignore[no-untyped-def]
    data = text.encode("utf-8") if isinstance(text, str) else text
    table = read_table(data, filename=filename)
    return table, validate(table, guess_mapping(table.headers), today=TODAY)


def codes(validation) -> dict[int, set[str]]:  # type: ignore[no-untyped-def]
    out: dict[int, set[str]] = {}
    for row in validation.issues.iter_rows(named=True):
        out.setdefault(row["row"], set()).add(row["code"])
    return out


def test_a_clean_semicolon_file_is_valid_and_normalised() -> None:
    _t, v = check(
        HEADER + f"3603014507900001;Siti Aminah;05/07/1990;P;{DESA};Petani padi\n"
        f"36.03.01.050790.0002;Budi  Santoso;1990-07-05;L;36.03.01.2003;tukang ojek\n"
    )
    assert v.issues.filter(pl.col("severity") == "error").height == 0
    rows = v.valid.to_dicts()
    assert [r["nik"] for r in rows] == ["3603014507900001", "3603010507900002"]
    assert (
        rows[0]["sex"] == "P" and rows[0]["birth_date"] == date(1990, 7, 5) and rows[0]["desa_code"] == "36.03.01.2003"
    )
    assert rows[1]["name"] == "Budi Santoso" and rows[1]["occupation"] == "ojek_pengemudi"
    assert rows[0]["occupation"] == "petani_pekebun" and rows[0]["segment"] == "bpu"


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("3.60301E+15", "nik_scientific"),
        ("3,60301E+15", "nik_scientific"),
        ("360301450790000", "nik_format"),
        ("36030145079000011", "nik_format"),
        ("9903014507900001", "nik_province"),
        ("3600014507900001", "nik_region"),
        ("3603013207900001", "nik_birth_date"),
        ("3603017207900001", "nik_birth_date"),
        ("3603014513900001", "nik_birth_date"),
        ("3603014507900000", "nik_sequence"),
        ("", "nik_missing"),
    ],
)
def test_each_nik_error_is_named(nik: str, code: str) -> None:
    _t, v = check(HEADER + f"{nik};Siti;;P;{DESA};\n")
    assert code in codes(v)[2]
    assert v.valid.height == 0


def test_a_code_from_before_a_split_is_a_warning_not_a_refusal() -> None:
    # 91.01 (Merauke) was in Papua until the 2022 split (now Papua Selatan): gone from the 2025 list.
    _t, v = check(HEADER + f"9101014507900001;Yohana;05/07/1990;P;{DESA};\n")
    assert codes(v)[2] == {"nik_region_unknown"} and v.valid.height == 1


def test_women_have_day_plus_40_and_the_row_must_agree() -> None:
    _t, v = check(HEADER + f"3603014507900001;Siti;05/07/1990;L;{DESA};\n3603010507900002;Budi;06/07/1990;L;{DESA};\n")
    assert codes(v) == {2: {"sex_mismatch"}, 3: {"birth_date_mismatch"}}


@pytest.mark.parametrize(
    "written", ["05/07/1990", "5-7-1990", "1990-07-05", "05.07.1990", "5 Juli 1990", "05 JUL 1990", "33059"]
)
def test_birth_dates_in_the_ways_people_write_them(written: str) -> None:
    _t, v = check(HEADER + f"3603010507900002;Budi;{written};L;{DESA};\n")
    assert v.valid["birth_date"].to_list() == [date(1990, 7, 5)], v.issues


def test_duplicate_niks_in_one_file_refuse_both_rows_and_same_person_is_flagged() -> None:
    _t, v = check(
        HEADER + f"3603010507900002;Budi;05/07/1990;L;{DESA};\n"
        f"3603010507900002;Budi S;05/07/1990;L;{DESA};\n"
        f"3603010507900003;Ani;05/07/1990;L;{DESA};\n"
        f"3603010507900004;ani;05/07/1990;L;{DESA};\n"
    )
    found = codes(v)
    assert "nik_duplicate" in found[2] and "nik_duplicate" in found[3]
    assert found[4] == {"possible_duplicate"} and found[5] == {"possible_duplicate"}
    assert v.valid["row"].to_list() == [4, 5]


def test_blank_rows_keep_row_numbers_right() -> None:
    _t, v = check(HEADER + "\n\n" + f"3603010507900000;Budi;;L;{DESA};\n;;;;;\n")
    assert list(codes(v)) == [4]


def test_latin1_with_bom_less_excel_export() -> None:
    text = HEADER.replace(";", ",") + f"3603014507900001,Siti Ma'rufah Sétiawan,05/07/1990,P,{DESA},\n"
    table, v = check(text.encode("cp1252"))
    assert table.encoding == "cp1252" and table.delimiter == ","
    assert v.valid["name"].to_list() == ["Siti Ma'rufah Sétiawan"]


def test_utf8_bom_and_tab_delimiter() -> None:
    table, v = check(
        b"\xef\xbb\xbf" + (HEADER.replace(";", "\t") + f"3603014507900001\tSiti\t\tP\t{DESA}\t\n").encode()
    )
    assert table.encoding == "utf-8-sig" and table.delimiter == "\t" and v.valid.height == 1


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (HEADER.encode(), "no rows"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100, "not a CSV or XLSX"),
        (b"PK\x03\x04junk", "not a CSV or XLSX"),
    ],
)
def test_files_that_are_not_lists_get_a_clear_message(data: bytes, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        read_table(data, filename="daftar.csv")


def test_a_file_over_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(PayloadTooLarge):
        read_table(b"x" * 2000, filename="big.csv", max_bytes=1000)


def test_no_nik_column_lists_the_headers_found() -> None:
    table = read_table(b"Nama;Alamat\nBudi;Jl. Mawar\n", filename="x.csv")
    with pytest.raises(InvalidInput, match="Nama, Alamat"):
        validate(table, guess_mapping(table.headers), today=TODAY)


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_niks_stored_as_numbers_and_dates_as_dates() -> None:
    data = _xlsx(
        {
            "Data": [
                ["NIK", "Nama", "Tanggal Lahir", "Kode Desa"],
                ["3603014507900001", "Siti", date(1990, 7, 5), DESA],
                [3603010507900002, "Budi", date(1990, 7, 5), int(DESA)],
            ]
        }
    )
    table = read_table(data, filename="daftar.xlsx")
    v = validate(table, guess_mapping(table.headers), today=TODAY)
    assert "nik_scientific" in codes(v)[3]  # a 16-digit number in Excel has already lost its last digit
    assert v.valid["nik"].to_list() == ["3603014507900001"]


def test_xlsx_with_several_sheets_names_them() -> None:
    data = _xlsx({"Desa A": [["NIK", "Nama"], ["1", "a"]], "Desa B": [["NIK", "Nama"], ["2", "b"]]})
    with pytest.raises(InvalidInput, match="Desa A, Desa B"):
        read_table(data, filename="daftar.xlsx")
    assert read_table(data, filename="daftar.xlsx", sheet="Desa B").frame.height == 1


def test_formula_like_names_are_kept_as_text_and_neutralised_in_the_report() -> None:
    table, v = check(
        HEADER + f'3603014507900001;=HYPERLINK("x");05/07/1990;P;{DESA};\n3603014507900002;Siti;05/07/1990;L;{DESA};\n'
    )
    assert "formula_like" in codes(v)[2]
    report = error_report(table, v.issues).decode("utf-8-sig")
    assert "'=HYPERLINK" in report and "Jenis kelamin tidak sama dengan NIK" in report


def test_mask_nik() -> None:
    assert mask_nik("3603014507900001") == "3603**********01"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 12, 31)),
            st.sampled_from("LP"),
            st.integers(1, 9999),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda t: (t[0], t[1], t[2]),
    )
)
def test_niks_built_from_a_birth_date_always_validate_and_shuffling_changes_nothing(rows) -> None:  # type: ignore[no-untyped-def]
    lines = [
        f"{make_nik(kecamatan_code='36.03.01', birth_date=b, sex=s, sequence=q)};Orang {i};{b:%d/%m/%Y};{s};{DESA};"
        for i, (b, s, q) in enumerate(rows)
    ]
    _t, v = check(HEADER + "\n".join(lines) + "\n")
    assert v.valid.height == len(rows), v.issues
    assert sorted(v.valid["birth_date"].to_list()) == sorted(b for b, _s, _q in rows)
    _t2, shuffled = check(HEADER + "\n".join(reversed(lines)) + "\n")
    assert set(shuffled.valid["nik"].to_list()) == set(v.valid["nik"].to_list())


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.sampled_from(["3.60301E+15", "123", "3603014507900001", "3603010507900002", ""]), min_size=1, max_size=20
    )
)
def test_the_report_has_one_line_per_reported_row(niks: list[str]) -> None:
    table, v = check(HEADER + "".join(f"{n};Nama;;;{DESA};\n" for n in niks))
    report = error_report(table, v.issues).decode("utf-8-sig").strip().splitlines()
    assert len(report) == 1 + v.issues["row"].n_unique()


def test_reading_a_path_and_bytes_is_the_same(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + f"3603014507900001;Siti;;P;{DESA};\n", encoding="utf-8")
    assert read_table(path, filename="x.csv").frame.equals(read_table(path.read_bytes(), filename="x.csv").frame)
