"""Properties of every parser of outside input, with Hypothesis: arbitrary bytes, text and JSON-like values give
either a result or an error of the one tree (``ParitranaError``), never another exception. The round trips of the
NIK and of the criteria framework sit in tests/registry/test_ingest.py and tests/award/test_scoring.py; these add
the hostile side. The files of tests/data/hostile/ are run through the importers by tests/test_hostile.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from paritrana.analytics.definitions import load_yaml, parse_definitions
from paritrana.award.evidence import sniff
from paritrana.award.scoring import parse_framework
from paritrana.core.errors import InvalidInput, ParitranaError
from paritrana.core.money import to_rupiah
from paritrana.demo.people import make_nik
from paritrana.registry.ingest import date_expr, guess_mapping, read_table, validate

TODAY = date(2026, 11, 24)
DESA = "3603012003"
HEADER = ["NIK", "Nama", "Tgl Lahir", "JK", "Kode Desa", "Pekerjaan", "No HP", "KPJ", "Desil"]
NO_DB = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])

#: JSON-like values: what yaml.safe_load and json.loads can give.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["key", "name", "criteria", "weight", "children", "method", "id", "en", "id", "question"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
#: Mappings that look like a framework: the right keys, any values.
framework_like = st.fixed_dictionaries(
    {"key": json_values, "name": json_values, "criteria": json_values},
    optional={"example": json_values, "description": json_values},
)
cell_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _csv(rows: list[list[str]], delimiter: str = ";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@NO_DB
@given(st.binary(max_size=2000))
@example(b"\xff\xfe")  # a UTF-16 BOM and nothing
@example(b"\xff\xfeA")  # a UTF-16 BOM and half a character
@example(b"PK\x03\x04")  # a ZIP's magic and nothing
@example(b"\xef\xbb\xbf\n\n")
@example(b"*\n1\n")  # a header polars would read as "every column"
@example(b"^a.*$;b\n1;2\n")  # a header polars would read as a pattern
def test_read_table_on_any_bytes_answers_or_refuses(data: bytes) -> None:
    try:
        table = read_table(data, filename="x.csv")
    except ParitranaError as error:
        assert str(error)
    else:
        assert table.frame.height > 0 and table.headers


@NO_DB
@given(st.text(max_size=500), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_read_table_on_any_text_in_any_encoding_answers_or_refuses(text: str, encoding: str) -> None:
    data = text.encode(encoding, errors="replace")
    try:
        read_table(data, filename="x.csv")
    except ParitranaError as error:
        assert str(error)


@NO_DB
@given(st.lists(st.lists(cell_text, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=8))
@example([["3.60301E+15", "=cmd|' /C calc'!A0", "31/02/2024", "X", DESA, "", "", "", "11"]])
@example([["'3603014507900001", "N" * 300, "0001-01-01", "P", DESA, "", "+62", "9" * 40, "-1"]])
def test_validate_never_raises_on_any_cells_and_accounts_for_every_row(rows: list[list[str]]) -> None:
    assume(any(c.strip() for r in rows for c in r))
    try:
        table = read_table(_csv([HEADER, *rows]), filename="x.csv")
    except ParitranaError:
        return  # e.g. a row of only blanks after stripping
    result = validate(table, guess_mapping(table.headers), today=TODAY)
    assert result.valid.height + len(result.rejected_rows) == result.rows
    assert result.valid.filter(pl.col("name").str.len_chars() > 200).height == 0
    assert result.valid["nik"].str.contains(r"^\d{16}$").all()


@NO_DB
@given(
    st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 12, 31)),
    st.sampled_from("LP"),
    st.integers(1, 9999),
    st.sampled_from(["{}", "'{}", " {} ", "{0}.{1}.{2}.{3}.{4}", "{0} {1} {2} {3} {4}", "{0}-{1}-{2}-{3}-{4}"]),
)
def test_a_nik_written_the_ways_operators_write_it_reads_back_the_same(
    birth: date, sex: str, sequence: int, form: str
) -> None:
    nik = make_nik(kecamatan_code="36.03.01", birth_date=birth, sex=sex, sequence=sequence)
    parts = (nik[:2], nik[2:4], nik[4:6], nik[6:12], nik[12:])
    written = form.format(nik) if form.count("{}") else form.format(*parts)
    table = read_table(_csv([["NIK", "Nama", "Kode Desa"], [written, "Siti", DESA]]), filename="x.csv")
    result = validate(table, guess_mapping(table.headers), today=TODAY)
    assert result.valid["nik"].to_list() == [nik], result.issues
    assert result.valid["sex"].to_list() == [sex] and result.valid["birth_date"].to_list() == [birth]


@NO_DB
@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
@example(["45292", "31/02/2024", "0001-01-01", "99999", "-1", "1e309", "NaN", "29 Februari 2023", "١٢/٠٣/٢٠٢٤"])
def test_dates_are_a_date_or_null_never_an_error(texts: list[str]) -> None:
    parsed = pl.DataFrame({"t": texts}).select(date_expr(pl.col("t")).alias("d"))["d"].to_list()
    assert len(parsed) == len(texts)
    assert all(d is None or isinstance(d, date) for d in parsed)


@NO_DB
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.decimals(allow_nan=True), st.booleans()))
@example("Rp1.000.000,00")
@example("1e309")
@example("NaN")
@example("²")
@example("-Rp 5.000")
def test_an_amount_is_whole_rupiah_or_refused(value: Any) -> None:
    try:
        amount = to_rupiah(value, field="amount")
    except InvalidInput as error:
        assert error.details["field"] == "amount"
    else:
        assert amount.is_finite() and amount == amount.to_integral_value()


@NO_DB
@given(st.text(max_size=300))
@example("a: &a [*a]")  # an alias to itself
@example("!!python/object/apply:os.system ['true']")
@example("[" * 5000)
@example("a: " + "[" * 3000 + "]" * 3000)
def test_load_yaml_on_any_text_gives_data_or_invalid_input(text: str) -> None:
    try:
        load_yaml(text)
    except InvalidInput as error:
        assert str(error)


@NO_DB
@given(json_values)
def test_parse_definitions_on_any_value_raises_only_invalid_input(data: Any) -> None:
    try:
        indicators = parse_definitions(data)
    except InvalidInput as error:
        assert str(error)
    else:
        assert all(i.id for i in indicators)


@NO_DB
@given(st.one_of(framework_like, json_values))
def test_parse_framework_on_any_value_raises_only_invalid_input(data: Any) -> None:
    try:
        parse_framework(data)
    except InvalidInput as error:
        assert str(error)


@NO_DB
@given(st.binary(max_size=300), st.sampled_from([b"", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\xff\xd8\xff"]))
def test_evidence_sniffing_names_a_type_or_refuses(data: bytes, magic: bytes) -> None:
    try:
        content_type, extension = sniff(magic + data, "x.bin")
    except InvalidInput as error:
        assert "is not a PDF" in str(error)
    else:
        assert content_type and extension


# --- parsers that look regions up: with the test database -----------------------------------------------------

WITH_DB = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.django_db
@WITH_DB
@given(st.lists(st.lists(cell_text, min_size=5, max_size=5), min_size=1, max_size=5))
@example([["36.03", "2024", "1.000.000", "400.000", "600.000"], ["3603", "2024", "1", "1", "1"]])
@example([["3603", "1e309", "NaN", "-1", "99999999999999999999"]])
def test_workforce_rows_are_read_or_refused(rows: list[list[str]]) -> None:
    from paritrana.analytics.ingest import read_workforce

    header = ["region_code", "year", "employed", "formal", "informal"]
    try:
        read_workforce(_csv([header, *rows]), filename="bps.csv")
    except ParitranaError as error:
        assert str(error)


@pytest.mark.django_db
@WITH_DB
@given(json_values, st.sampled_from(["kode", ""]))
@example({"type": "FeatureCollection", "features": [{"properties": {"kode": ["36.03"]}}]}, "kode")
@example({"type": "FeatureCollection", "features": ["x", None, 5]}, "kode")
def test_boundaries_of_any_json_are_loaded_or_refused(data: Any, prop: str) -> None:
    from paritrana.analytics.boundaries import do_load_boundary
    from paritrana.core.permissions import SYSTEM

    try:
        do_load_boundary(level="kabupaten", geojson=json.dumps(data), code_property=prop, actor=SYSTEM)
    except ParitranaError as error:
        assert str(error)
