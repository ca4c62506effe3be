"""The one amount parser (``core.money``): amounts as banks and BPJS write them, read by lokal-id's parser; a fraction,
an ambiguous grouping or a word is refused by name, never rounded. Pure: no database."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lokal import format_rupiah

from paritrana.core.errors import InvalidInput
from paritrana.core.money import MAX_AMOUNT, amount_problem, parse_amount, read_amounts, to_rupiah

AMOUNTS = st.integers(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT)


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("16800", 16_800),
        ("16.800", 16_800),
        ("16.800,00", 16_800),
        ("16.800,-", 16_800),
        ("Rp16.800", 16_800),
        ("Rp 16.800", 16_800),
        ("Rp. 16.800", 16_800),
        ("rp16.800,00", 16_800),
        ("Rp1.234.567,-", 1_234_567),
        ("Rp1.234.567.-", 1_234_567),
        ("IDR 16.800", 16_800),
        ("IDR16,800.00", 16_800),
        ("16.800 IDR", 16_800),
        ("16,800", 16_800),
        ("1,234,567.00", 1_234_567),
        ("16 800", 16_800),
        ("Rp\u00a01.234.567", 1_234_567),  # a no-break space, as spreadsheets export it
        ("16800,00", 16_800),
        ("16800.00", 16_800),
        ("0", 0),
        ("-Rp5.000", -5_000),
        ("Rp -5.000", -5_000),
        ("  33.600  ", 33_600),
    ],
)
def test_amounts_as_banks_and_bpjs_write_them_are_read(written: str, amount: int) -> None:
    assert parse_amount(written, field="amount") == Decimal(amount)
    assert to_rupiah(written, field="amount") == Decimal(amount)


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("16.800,50", "fraction"),
        ("1,5", "fraction"),
        ("16800.5", "fraction"),
        ("16.800,01", "fraction"),
        ("16800.004", "ambiguous"),  # lokal-id alone reads sixteen million four
        ("1.234,567", "ambiguous"),
        ("12.34.567", "ambiguous"),
        ("16.800.5", "ambiguous"),
        ("1,234.567", "ambiguous"),
        ("2jtan", "not_amount"),
        ("1,5 jt", "not_amount"),
        ("goceng", "not_amount"),
        ("enam belas ribu", "not_amount"),
        ("1.68E+04", "not_amount"),
        ("", "not_amount"),
        ("Rp", "not_amount"),
        ("3603015508950006", "too_large"),  # a NIK in the amount column
        ("١٦٨٠٠", "non_ascii"),
    ],
)
def test_a_fraction_an_ambiguous_grouping_or_a_word_is_refused_by_name(written: str, problem: str) -> None:
    assert amount_problem(written) == (None, problem)
    with pytest.raises(InvalidInput) as refused:
        parse_amount(written, field="amount_paid", row=7)
    assert refused.value.details["field"] == "amount_paid" and refused.value.details["row"] == 7
    assert "3603015508950006" not in str(refused.value)  # a NIK in the wrong column is never echoed whole


def test_the_error_says_why_and_names_the_field() -> None:
    with pytest.raises(InvalidInput) as fraction:
        parse_amount("16.800,50", field="amount")
    assert "sen" in str(fraction.value) and "amount" in str(fraction.value)
    with pytest.raises(InvalidInput) as ambiguous:
        parse_amount("1.234,567", field="amount")
    assert "more than one way" in str(ambiguous.value)


@pytest.mark.parametrize("value", [16_800.5, Decimal("16800.5"), float("nan"), float("inf"), True, 10**16])
def test_numbers_that_are_not_whole_rupiah_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(value, field="pagu")


def test_numbers_from_spreadsheet_cells_are_read() -> None:
    assert parse_amount(16_800.0, field="amount") == 16_800
    assert parse_amount(Decimal("16800.00"), field="amount") == 16_800
    assert parse_amount(16_800, field="amount") == 16_800


@given(AMOUNTS)
@example(0)
@example(MAX_AMOUNT)
@example(-MAX_AMOUNT)
def test_a_formatted_rupiah_amount_parses_back_to_itself(amount: int) -> None:
    for written in (
        format_rupiah(amount),  # Rp1.234.567 (PUEBI)
        format_rupiah(amount, decimals=True),  # Rp1.234.567,00
        format_rupiah(amount, symbol=False),  # 1.234.567
        f"IDR {format_rupiah(amount, symbol=False)}",
        f"{format_rupiah(amount)},-",
        f"{amount:,}",  # 1,234,567 (English)
        f"{amount:,}.00",
        str(amount),
    ):
        assert parse_amount(written, field="amount") == amount, written


@given(st.integers(min_value=0, max_value=MAX_AMOUNT), st.integers(min_value=1, max_value=99))
def test_a_fraction_is_never_rounded_away(amount: int, sen: int) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(f"{format_rupiah(amount)},{sen:02d}", field="amount")


@given(st.text(max_size=30))
@example("Rp1.000.000,00")
@example("16800.004")
@example("1e309")
def test_any_text_is_a_whole_amount_or_a_refusal(text: str) -> None:
    try:
        amount = parse_amount(text, field="amount")
    except InvalidInput as error:
        assert error.details["field"] == "amount"
    else:
        assert amount == amount.to_integral_value() and abs(amount) <= MAX_AMOUNT


@given(
    st.lists(st.one_of(st.sampled_from(["16.800,00", "Rp 16.800", "1,5", "16800.004", "0", "x"]), st.text(max_size=8)))
)
def test_a_column_is_read_as_each_of_its_cells(cells: list[str]) -> None:
    amounts, problems = read_amounts(pl.Series(cells, dtype=pl.String))
    for cell, amount, problem in zip(cells, amounts.to_list(), problems.to_list(), strict=True):
        # Stripped as the column is (Unicode White_Space): Python's str.strip also drops \x1c-\x1f, which a cell
        # keeps, and which then make it an error rather than a blank.
        stripped = pl.Series([cell], dtype=pl.String).str.strip_chars()[0]
        if not stripped:
            assert amount is None and problem is None
            continue
        read, why = amount_problem(stripped)
        assert (amount, problem) == ((int(read) if read is not None else None), why or None)
