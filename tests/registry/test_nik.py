"""The NIK rule (``registry.nik.check_nik``, one NIK typed at a time) and the worker import's check of a whole file
(``registry.ingest.validate``, in Polars) refuse the same NIKs, for any NIK; and the single-NIK doors (an heir, a
NIK correction) give the structure's problem by name."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lokal import PROVINCES

from paritrana.core.errors import InvalidInput
from paritrana.core.sheets import read_table
from paritrana.registry.ingest import validate
from paritrana.registry.nik import check_nik

TODAY = date(2026, 11, 24)
DESA = "3603012003"


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


# NIKs near the rule's edges: real and unknown provinces, 00 codes, days 00-72 (women +40), months 00-13, serial 0000.
niks = st.tuples(
    st.sampled_from(sorted(PROVINCES)) | _two(0, 99),
    _two(0, 3) | _two(0, 99),
    _two(0, 3) | _two(0, 99),
    _two(0, 72),
    _two(0, 13),
    _two(0, 99),
    st.sampled_from(["0000", "0001"]) | st.integers(0, 9999).map(lambda n: f"{n:04d}"),
).map("".join)


def _import_refuses(nik: str) -> bool:
    table = read_table(f"NIK;Nama;Kode Desa\n{nik};Siti Aminah;{DESA}\n".encode(), filename="daftar.csv")
    issues = validate(table, {"nik": "NIK", "name": "Nama", "desa_code": "Kode Desa"}, today=TODAY).issues
    return any(r["field"] == "nik" and r["severity"] == "error" for r in issues.iter_rows(named=True))


def _typed_refuses(nik: str) -> bool:
    try:
        check_nik(nik, on=TODAY)
    except InvalidInput:
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(nik=niks)
def test_the_import_and_a_typed_nik_refuse_the_same_niks(nik: str) -> None:
    assert _import_refuses(nik) == _typed_refuses(nik)


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("9903014507900001", "province"),
        ("3600014507900001", "00"),
        ("3603013207900001", "birth date"),
        ("3603014507900000", "0000"),
        ("36030145079000", "16 digits"),
        ("360301450790000١", "digit"),
    ],
)
def test_a_typed_nik_names_what_is_wrong(nik: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_nik(nik, field="heirs[0].nik", on=TODAY)
    assert problem in str(refused.value)
    assert refused.value.details["field"] == "heirs[0].nik"


def test_separators_people_type_are_taken_out_and_an_empty_nik_is_none() -> None:
    assert check_nik("3603 0145-0790.0001", on=TODAY) == "3603014507900001"
    assert check_nik("  ", on=TODAY) == ""
