"""NIKs, region codes and numbers are read with the ASCII digits 0-9 only.

Python's ``\\d``, ``str.isdigit()``, ``int()`` and ``Decimal()`` and Polars' ``\\d`` take every script's digits, so
``360301550895٠٠٠٦`` was stored as a NIK and the same NIK typed in ASCII made a second worker. A value holding such
a digit is refused, naming its row and field, and never converted.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paritrana.cli import main
from paritrana.core.digits import NON_ASCII_DIGIT, is_ascii_digits, non_ascii_digits, refuse_non_ascii_digits
from paritrana.core.errors import BadRequest, InvalidInput
from paritrana.core.money import to_rupiah
from paritrana.core.permissions import SYSTEM
from paritrana.core.privacy import mask_niks
from paritrana.regions.queries import normalize_code
from paritrana.registry.actions import do_import_workers
from paritrana.registry.ingest import DIGIT_FIELDS, MESSAGES, RawTable, error_report, read_table, validate
from paritrana.registry.models import Worker
from paritrana.registry.queries import workers_for
from tests.conftest import client_for

TODAY = date(2026, 11, 24)
DESA = "3603012003"
NIK = "3603015508950006"

#: The digits 0-9 in the scripts a list may bring them in (each family: ten characters, zero first).
FAMILIES = {
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "persian": "۰۱۲۳۴۵۶۷۸۹",
    "full-width": "０１２３４５６７８９",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "mathematical-bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
}


def as_family(text: str, family: str) -> str:
    """``text`` with its 0-9 written in ``family``."""
    return text.translate(str.maketrans("0123456789", FAMILIES[family]))


def last_digit(text: str, family: str) -> str:
    """``text`` with only its last digit in ``family``: the hardest case to see."""
    i = max(i for i, ch in enumerate(text) if ch.isdigit())
    return text[:i] + as_family(text[i], family) + text[i + 1 :]


#: One row: field -> (header, ASCII value). Every field of DIGIT_FIELDS has a column.
ROW = {
    "nik": ("NIK", NIK),
    "name": ("Nama", "Siti Aminah"),
    "desa_code": ("Kode Desa", DESA),
    "birth_date": ("Tgl Lahir", "15/08/1995"),
    "sex": ("JK", "2"),
    "phone": ("No HP", "081234567890"),
    "kpj": ("KPJ", "KPJ-123"),
    "poverty_decile": ("Desil", "3"),
}


def table(**values: str) -> RawTable:
    """A one-row table (row 2) built without CSV, so any character reaches ``validate`` as it is."""
    cells = {header: [values.get(field, value)] for field, (header, value) in ROW.items()}
    frame = pl.DataFrame({"__row": [2], **cells}, schema={"__row": pl.Int64, **dict.fromkeys(cells, pl.String)})
    return RawTable(frame=frame, headers=list(cells), kind="csv")


def check(**values: str):  # type: ignore[no-untyped-def]
    raw = table(**values)
    return validate(raw, {field: header for field, (header, _v) in ROW.items()}, today=TODAY)


def codes_of(validation: Any) -> set[tuple[int, str, str]]:
    return {(r["row"], r["field"], r["code"]) for r in validation.issues.iter_rows(named=True)}


def test_the_ascii_row_is_valid() -> None:
    v = check()
    assert v.valid.height == 1 and v.errors.height == 0, v.issues
    assert v.valid.select("nik", "desa_code", "phone", "kpj", "poverty_decile").row(0) == (
        NIK,
        "36.03.01.2003",
        "081234567890",
        "KPJ-123",
        3,
    )


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("field", list(DIGIT_FIELDS))
@pytest.mark.parametrize("how", [as_family, last_digit], ids=["all-digits", "one-digit"])
def test_a_digit_of_another_script_is_refused_naming_row_and_field(field: str, family: str, how: Any) -> None:
    written = how(ROW[field][1], family)
    v = check(**{field: written})
    code = DIGIT_FIELDS[field][0]
    found = codes_of(v)
    assert (2, field, code) in found, v.issues
    # one clear error for the field, not a second one about its format
    assert {c for (_r, f, c) in found if f == field} == {code}
    assert v.valid.height == 0 and v.rejected_rows == [2]


@pytest.mark.parametrize("field", list(DIGIT_FIELDS))
def test_the_message_names_the_field_in_both_languages(field: str) -> None:
    indonesian, english = MESSAGES[DIGIT_FIELDS[field][0]]
    assert indonesian.startswith(DIGIT_FIELDS[field][1]) and "0-9" in indonesian
    assert english.startswith(DIGIT_FIELDS[field][2]) and "0-9" in english


def test_the_report_names_the_row_and_the_field() -> None:
    text = f"NIK;Nama;Kode Desa;No HP\n{NIK};Siti;{DESA};081234567890\n{as_family(NIK, 'arabic-indic')};Budi;{DESA};\n"
    raw = read_table(text.encode(), filename="daftar.csv")
    v = validate(raw, {"nik": "NIK", "name": "Nama", "desa_code": "Kode Desa", "phone": "No HP"}, today=TODAY)
    assert v.rejected_rows == [3]
    report = error_report(raw, v.issues).decode("utf-8-sig").splitlines()
    assert report[0].startswith("baris,") and report[1].startswith("3,")
    assert "NIK berisi angka selain 0-9" in report[1] and "The NIK contains digits other than 0-9" in report[1]
    assert "3603" not in report[1].split(",")[1]  # the NIK cell keeps the operator's digits: not an ASCII NIK


@pytest.mark.django_db
def test_the_reported_case_a_nik_with_arabic_zeros_is_refused_and_no_second_worker_appears(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 17: ``360301550895٠٠٠٦`` was stored, and ``3603015508950006`` then made a second worker."""
    header = "NIK;Nama Lengkap;Kode Desa\n"
    path = tmp_path / "daftar.csv"
    path.write_text(header + f"360301550895٠٠٠٦;Siti Aminah;{DESA}\n", encoding="utf-8")
    assert main(["workers", "import", str(path), "--mode", "valid-only"]) == 1
    out = capsys.readouterr().out
    assert "row 2: nik: The NIK contains digits other than 0-9" in out
    assert not Worker.objects.exists()
    path.write_text(header + f"{NIK};Siti Aminah;{DESA}\n", encoding="utf-8")
    assert main(["workers", "import", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert list(Worker.objects.values_list("nik", flat=True)) == [NIK]


@pytest.mark.django_db
def test_a_list_mixing_scripts_imports_the_ascii_rows_only_in_valid_only_mode() -> None:
    rows = [f"{NIK};Siti;{DESA};2"] + [
        f"36030101019000{i:02d};Pekerja {i};{as_family(DESA, family)};2" for i, family in enumerate(FAMILIES, 1)
    ]
    text = "NIK;Nama;Kode Desa;Desil\n" + "\n".join(rows) + "\n"
    result = do_import_workers(source=text.encode(), filename="x.csv", actor=SYSTEM, mode="valid-only")
    assert result.summary["created"] == 1 and result.summary["rejected"] == len(FAMILIES)
    assert set(result.issues["code"].to_list()) == {"desa_non_ascii"}
    assert Worker.objects.count() == 1


def _nik_with_a_foreign_digit() -> st.SearchStrategy[str]:
    foreign = st.characters(categories=["Nd", "Nl", "No"]).filter(lambda c: c not in "0123456789")
    around = st.one_of(st.text(alphabet="0123456789", max_size=16), st.text(max_size=16))
    return st.tuples(around, foreign, around).map("".join)


@settings(max_examples=150, deadline=None)
@given(_nik_with_a_foreign_digit())
def test_any_nik_holding_a_digit_other_than_0_to_9_is_refused(nik: str) -> None:
    v = check(nik=nik)
    assert v.valid.height == 0
    assert (2, "nik", "nik_non_ascii") in codes_of(v), v.issues
    assert not is_ascii_digits(nik) and non_ascii_digits(nik)
    with pytest.raises(InvalidInput) as refused:
        refuse_non_ascii_digits(nik, field="nik")
    # the message quotes the offending characters, never the value (it may be a NIK)
    assert refused.value.details == {"field": "nik", "digits": non_ascii_digits(nik)[:10]}


@settings(max_examples=300, deadline=None)
@given(st.characters(exclude_categories=["Cn", "Cs"]))  # unassigned in Python's Unicode: Rust's may be newer
def test_python_and_polars_agree_on_what_a_foreign_digit_is(ch: str) -> None:
    in_polars = pl.Series([ch]).str.contains(NON_ASCII_DIGIT)[0]
    assert in_polars == bool(non_ascii_digits(ch))


@pytest.mark.parametrize("family", list(FAMILIES))
def test_python_digit_readers_are_fooled_but_ours_are_not(family: str) -> None:
    """Why the rule exists: the standard readers take these digits as numbers."""
    written = as_family("3603", family)
    if family != "superscript":  # int() takes decimal digits only; isdigit() takes superscripts too
        assert int(written) == 3603
    assert written.isdigit()
    assert not is_ascii_digits(written) and non_ascii_digits(written)


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("code", ["36", "3603", "36.03", "3603012003", "36.03.01.2003"])
def test_a_region_code_in_another_script_is_refused(code: str, family: str) -> None:
    assert normalize_code(code) in ("36", "36.03", "36.03.01.2003")
    with pytest.raises(BadRequest) as refused:
        normalize_code(as_family(code, family))
    assert refused.value.details["field"] == "code" and "0-9" in str(refused.value)
    with pytest.raises(BadRequest):
        normalize_code(last_digit(code, family))


@pytest.mark.django_db
@pytest.mark.parametrize("family", ["arabic-indic", "full-width", "devanagari", "mathematical-bold"])
def test_searching_workers_by_a_nik_in_another_script_is_refused(family: str, kab_operator: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        workers_for(kab_operator, q=as_family(NIK, family))
    assert refused.value.details["field"] == "q"
    client = client_for(kab_operator)
    answer = client.post("/api/v1/workers/search", {"q": as_family(NIK, family)}, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_input")
    region = client.get("/api/v1/workers", {"region": as_family("36.03", family)})
    assert region.status_code == 400 and region.json()["details"]["field"] == "code"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_an_amount_in_another_script_is_refused(family: str) -> None:
    assert to_rupiah("1.000", field="pagu") == 1000
    with pytest.raises(InvalidInput) as refused:
        to_rupiah(as_family("1.000", family), field="pagu")
    assert refused.value.details["field"] == "pagu"


def test_masking_stays_wide_a_nik_in_any_script_is_masked_in_logs() -> None:
    """Masking is a detector, not a reader: it keeps Unicode's wide ``\\d`` on purpose, so a NIK typed in another
    script still never reaches a log line whole."""
    for family in FAMILIES:
        if family == "superscript":  # not decimal digits: no NIK is typed with them
            continue
        written = as_family(NIK, family)
        assert written not in mask_niks(f"lookup {written}")
