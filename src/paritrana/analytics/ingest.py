"""Reading the files the indicators stand on: bulk participant files (CSV or Parquet, exported by BPJS for regions
that do not use the registry) and BPS workforce denominators (CSV or XLSX). Vectorised checks (Polars); a file with
any bad row is refused whole, naming the rows, columns and reasons, and nothing is written.

Values are checked for plausible ranges, not only for their form: a premium of a worker-month between 0 and
``PREMIUM_CEILING``, a month between ``FIRST_MONTH`` and December of next year, workforce counts up to
``WORKFORCE_CEILING``. A shifted column (NIKs in ``premium_paid``, a year 0001 or 9999) is refused here, so the sums
the indicators make cannot overflow (and they are made in a wide type besides, see ``compute``). A Parquet column of
a type that is not a plain value (struct, map, binary, duration, time...) is refused naming the column and its type,
except a list ``programs``.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from paritrana.analytics.definitions import FUNDERS
from paritrana.analytics.sources import region_columns
from paritrana.analytics.store import FACT_SCHEMA
from paritrana.core.dates import JAKARTA, today
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.money import read_amounts
from paritrana.core.sheets import RawTable, read_table
from paritrana.rules.contributions import SEGMENTS

__all__ = [
    "FIRST_MONTH",
    "PARTICIPANT_COLUMNS",
    "PREMIUM_CEILING",
    "WORKFORCE_CEILING",
    "WORKFORCE_COLUMNS",
    "last_month_allowed",
    "read_participants",
    "read_workforce",
    "region_code_expr",
]

#: Required and optional columns of a bulk participant file (documented in docs/indicators.md).
PARTICIPANT_COLUMNS = {
    "required": ("participant_id", "region_code", "month", "segment", "funder", "active"),
    "optional": ("vulnerable", "premium_paid", "occupation", "programs"),
}
WORKFORCE_COLUMNS = {
    "required": ("region_code", "year", "employed", "formal", "informal"),
    "optional": ("population", "vulnerable", "source"),
}
_TRUE = ("true", "t", "1", "yes", "y", "ya")
_FALSE = ("false", "f", "0", "no", "n", "tidak")
_SHOWN = 20  # errors listed in the message's details; the count says how many there were

#: The highest premium one worker can have paid in one month, in rupiah (docs/indicators.md). The dearest case is a
#: wage earner (PU): JKK at most 1.74%, JKM 0.30% and JHT 5.7% of the whole wage (no wage cap), JP 3% and JKP of a
#: capped wage: under 8% of the wage plus a few hundred thousand rupiah. Rp100,000,000 is the premium of a wage of
#: about Rp1.2 billion a month, far above any real one, so no honest row is refused (one refused row refuses the
#: whole file), while a shifted column is: a NIK (16 digits), a phone number or a desa code (10 digits). It also keeps
#: every sum in 64 bits: 92 billion worker-months at the ceiling would be needed to overflow.
PREMIUM_CEILING = 100_000_000
#: The first month of the BPJS Ketenagakerjaan programs (UU 24/2011: operating in full from 1 July 2015). Facts
#: before it are a mistake (a year 0001, a date read as 1970...); so are facts after December of next year.
FIRST_MONTH = date(2015, 7, 1)
#: The most people a kabupaten/kota can count in any workforce figure: Kab. Bogor, the most populous, has under
#: 6 million inhabitants; 50 million refuses NIKs and shifted columns and keeps the national sums small.
WORKFORCE_CEILING = 50_000_000
#: The only Parquet column that may hold a list (docs/indicators.md): the programs (JKK, JKM, JHT...) of the row.
_LIST_COLUMNS = ("programs",)


def last_month_allowed() -> date:
    """December of next year: budgets are planned a year ahead, facts further ahead are a mistake."""
    return date(today().year + 1, 12, 1)


def _header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _plain(kind: pa.DataType) -> bool:
    """A Parquet type that reads as one value people could have typed: text, a number, true/false, a date."""
    if pa.types.is_dictionary(kind):  # a categorical column: its values are what counts
        kind = kind.value_type
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_null(kind)
    )


def _check_parquet_types(schema: pa.Schema, filename: str, lists: tuple[str, ...]) -> None:
    """Refuse columns whose type is not a plain value (struct, map, binary, duration, time, interval, nested
    lists...), naming each with its type; a list of plain values only in a column of ``lists``."""
    wrong = []
    for column in schema:
        kind = column.type
        is_list = (
            pa.types.is_list(kind)
            or pa.types.is_large_list(kind)
            or pa.types.is_fixed_size_list(kind)
            or pa.types.is_list_view(kind)
            or pa.types.is_large_list_view(kind)
        )
        if _plain(kind) or (is_list and _header(column.name) in lists and _plain(kind.value_type)):
            continue
        wrong.append(f"{column.name} ({kind})")
    if wrong:
        raise InvalidInput(
            N_(
                "{filename}: the column(s) {columns} cannot be read: a column must hold text, whole numbers, "
                "true/false or dates ({lists} may also be a list). Nothing was loaded."
            ),
            field="file",
            filename=filename,
            columns=", ".join(wrong[:_SHOWN]),
            lists=", ".join(lists) or "-",
        )


def _as_text(name: str, kind: pl.DataType) -> pl.Expr:
    """A Parquet column as the text a person would have typed in a CSV file, so both are checked alike."""
    column = pl.col(name)
    if isinstance(kind, pl.List | pl.Array):  # programs: ["JKK", "JKM"] -> "JKK,JKM"
        return column.cast(pl.List(pl.String)).list.join(",")
    if isinstance(kind, pl.Datetime):  # the day it is in Indonesia when it carries a time zone
        local = column.dt.convert_time_zone(JAKARTA.key) if kind.time_zone else column
        return local.dt.strftime("%Y-%m-%d")
    if isinstance(kind, pl.Float32 | pl.Float64 | pl.Decimal):  # 16800.0 is 16800; 16800.5 stays wrong
        return column.cast(pl.String).str.replace(r"^(-?\d+)\.0*$", "${1}")
    return column.cast(pl.String)


def _read_parquet(data: bytes, filename: str, lists: tuple[str, ...]) -> pl.DataFrame:
    try:
        schema = pq.read_schema(io.BytesIO(data))
        _check_parquet_types(schema, filename, lists)  # before the data is read: a refusal names the column
        frame = pl.read_parquet(io.BytesIO(data))
    except InvalidInput:
        raise
    except Exception as error:
        raise InvalidInput(
            N_("{filename} cannot be read as Parquet: {reason}"),
            field="file",
            filename=filename,
            reason=str(error)[:200],
        ) from None
    return frame.select(_as_text(name, kind) for name, kind in frame.schema.items()).with_row_index("__row", offset=1)


def _read(source: Path | bytes, filename: str, max_bytes: int, lists: tuple[str, ...] = ()) -> pl.DataFrame:
    """Every column as text, headers normalised, with ``__row``: the line a person sees (header = line 1)."""
    data = source.read_bytes() if isinstance(source, Path) else source
    if data[:4] == b"PAR1":
        frame = _read_parquet(data, filename, lists)
    else:
        raw: RawTable = read_table(data, filename=filename, max_bytes=max_bytes)
        frame = raw.frame
    names = {c: _header(c) for c in frame.columns if c != "__row"}
    twice = sorted(n for n, count in Counter(names.values()).items() if count > 1)
    if twice:  # "Region Code" and "region_code" are the same column once normalised: which one is meant?
        raise InvalidInput(
            N_("{filename} has the column(s) {columns} more than once."),
            field="file",
            filename=filename,
            columns=", ".join(twice[:_SHOWN]),
        )
    return frame.rename(names)


def _require(frame: pl.DataFrame, columns: dict[str, tuple[str, ...]], filename: str) -> None:
    missing = [c for c in columns["required"] if c not in frame.columns]
    if missing:
        raise InvalidInput(
            N_("{filename} lacks the column(s) {missing}; it has: {found}."),
            field="file",
            filename=filename,
            missing=", ".join(missing),
            found=", ".join(c for c in frame.columns if c != "__row"),
        )


def region_code_expr(raw: pl.Expr) -> pl.Expr:
    """A Kemendagri code written with or without dots (``3603``, ``36.03``, ``3603122001``) as the dotted code."""
    digits = raw.str.strip_chars().str.replace_all(".", "", literal=True)
    length = digits.str.len_chars()
    return (
        pl.when(~digits.str.contains(r"^\d+$"))
        .then(None)
        .when(length == 4)
        .then(digits.str.slice(0, 2) + "." + digits.str.slice(2, 2))
        .when(length == 6)
        .then(digits.str.slice(0, 2) + "." + digits.str.slice(2, 2) + "." + digits.str.slice(4, 2))
        .when(length == 10)
        .then(
            digits.str.slice(0, 2)
            + "."
            + digits.str.slice(2, 2)
            + "."
            + digits.str.slice(4, 2)
            + "."
            + digits.str.slice(6, 4)
        )
        .otherwise(None)
    )


def _whole(raw: pl.Expr) -> pl.Expr:
    """A whole number as people type it: ``1.234.567``, ``1,234,567`` or ``1 234 567`` (thousands grouped)."""
    text = raw.str.strip_chars()
    grouped = text.str.contains(r"^\d{1,3}([.,\s]\d{3})+$")
    return pl.when(grouped).then(text.str.replace_all(r"[.,\s]", "")).otherwise(text).cast(pl.Int64, strict=False)


def _bool_expr(raw: pl.Expr) -> pl.Expr:
    text = raw.str.strip_chars().str.to_lowercase()
    return pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False).otherwise(None)


def _issues(frame: pl.DataFrame, checks: Iterable[tuple[str, pl.Expr, str]]) -> pl.DataFrame:
    """One row per (row, column, reason) where a check's condition holds."""
    parts = [
        frame.filter(bad).select(
            pl.col("__row").cast(pl.Int64).alias("row"),
            pl.lit(column).alias("column"),
            pl.col(column).cast(pl.String).alias("value")
            if column in frame.columns
            else pl.lit(None, pl.String).alias("value"),
            pl.lit(reason).alias("reason"),
        )
        for column, bad, reason in checks
    ]
    return pl.concat(parts).sort("row") if parts else pl.DataFrame()


def _refuse(issues: pl.DataFrame, filename: str) -> None:
    if issues.height == 0:
        return
    rows = issues["row"].n_unique()
    first = issues.row(0, named=True)
    raise InvalidInput(
        N_("{filename}: {rows} row(s) are wrong, nothing was loaded. First: row {row}, {column} '{value}': {reason}"),
        field="file",
        filename=filename,
        rows=rows,
        row=first["row"],
        column=first["column"],
        value=first["value"] or "",
        reason=first["reason"],
        errors=issues.head(_SHOWN).to_dicts(),
    )


def _known_regions() -> pl.DataFrame:
    from paritrana.regions.models import Region

    return pl.DataFrame(
        list(Region.objects.filter(level__gte=2).values_list("code", "level")),
        schema={"code": pl.String, "level": pl.Int64},
        orient="row",
    )


def read_participants(source: Path | bytes, *, filename: str, origin: str, max_bytes: int = 10 * 1024**3) -> pa.Table:
    """A bulk participant file as facts in ``FACT_SCHEMA``; refuses the whole file when any row is wrong."""
    frame = _read(source, filename, max_bytes, lists=_LIST_COLUMNS)
    _require(frame, PARTICIPANT_COLUMNS, filename)
    frame = frame.filter(~pl.all_horizontal(pl.exclude("__row").is_null()))  # blank lines are not rows
    for column in PARTICIPANT_COLUMNS["optional"]:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    known = _known_regions()
    first, last = FIRST_MONTH, last_month_allowed()
    month_text = pl.col("month").str.strip_chars()
    parsed = frame.with_columns(
        region_code_expr(pl.col("region_code")).alias("code"),
        pl.coalesce(
            month_text.str.to_date("%Y-%m", strict=False),
            month_text.str.to_date("%Y-%m-%d", strict=False).dt.truncate("1mo"),
        ).alias("month_date"),
        pl.col("segment").str.strip_chars().str.to_lowercase().alias("segment_n"),
        pl.col("funder").str.strip_chars().str.to_lowercase().alias("funder_n"),
        _bool_expr(pl.col("active")).alias("active_b"),
        _bool_expr(pl.col("vulnerable")).alias("vulnerable_b"),
        pl.col("participant_id").str.strip_chars().alias("pid"),
    )
    # Premiums as banks and BPJS write them (16.800,00, Rp16.800, IDR 16.800): the one amount parser (core.money).
    premium, premium_problem = read_amounts(parsed["premium_paid"])
    parsed = parsed.with_columns(premium_i=premium, premium_problem=premium_problem)
    parsed = parsed.join(known, on="code", how="left")
    issues = _issues(
        parsed,
        [
            ("participant_id", pl.col("pid").is_null() | (pl.col("pid") == ""), "participant_id is empty"),
            (
                "region_code",
                pl.col("code").is_null(),
                "not a kabupaten/kota, kecamatan or desa code (4, 6 or 10 digits)",
            ),
            (
                "region_code",
                pl.col("code").is_not_null() & pl.col("level").is_null(),
                "no such region in Kepmendagri 300.2.2-2138/2025",
            ),
            ("month", pl.col("month_date").is_null(), "not a month: write YYYY-MM"),
            (
                "month",
                pl.col("month_date").is_not_null() & ~pl.col("month_date").is_between(first, last),
                f"outside {first:%Y-%m} (the programs began) to {last:%Y-%m} (December of next year)",
            ),
            (
                "segment",
                ~pl.col("segment_n").is_in(SEGMENTS) | pl.col("segment_n").is_null(),
                f"not a segment ({', '.join(SEGMENTS)})",
            ),
            (
                "funder",
                ~pl.col("funder_n").is_in(FUNDERS) | pl.col("funder_n").is_null(),
                f"not a funder ({', '.join(FUNDERS)})",
            ),
            ("active", pl.col("active_b").is_null(), "not true or false"),
            ("vulnerable", pl.col("vulnerable").is_not_null() & pl.col("vulnerable_b").is_null(), "not true or false"),
            (
                "premium_paid",
                pl.col("premium_problem") == "fraction",
                "a fraction of a rupiah: amounts are whole rupiah (16.800 or 16.800,00)",
            ),
            (
                "premium_paid",
                pl.col("premium_problem") == "ambiguous",
                "can be read in more than one way: group thousands with dots (16.800), sen only as ,00",
            ),
            (
                "premium_paid",
                pl.col("premium_paid").is_not_null()
                & ~pl.col("premium_problem").is_in(["fraction", "ambiguous", "too_large"]).fill_null(False)
                & (pl.col("premium_i").is_null() | (pl.col("premium_i") < 0)),
                "not a whole number of rupiah, 0 or more",
            ),
            (
                "premium_paid",
                (pl.col("premium_i") > PREMIUM_CEILING) | (pl.col("premium_problem") == "too_large"),
                f"more than Rp{PREMIUM_CEILING:,} for one worker in one month: a shifted column (a NIK?)".replace(
                    ",", "."
                ),
            ),
            (
                "participant_id",
                pl.col("pid").is_not_null() & pl.struct("pid", "month_date").is_duplicated(),
                "the same participant appears twice in this month",
            ),
        ],
    )
    _refuse(issues, filename)
    facts = parsed.select(
        pl.col("pid").alias("participant_id"),
        pl.col("month_date").alias("month"),
        *region_columns(pl.col("code")),
        pl.col("segment_n").alias("segment"),
        pl.col("funder_n").alias("funder"),
        pl.col("active_b").alias("active"),
        pl.col("vulnerable_b").fill_null(False).alias("vulnerable"),
        pl.col("premium_i").fill_null(0).alias("premium_paid"),
        pl.col("occupation").str.strip_chars().alias("occupation"),
        pl.lit(origin).alias("origin"),
    ).sort("month", "kabupaten")
    return facts.to_arrow().cast(FACT_SCHEMA)


def read_workforce(source: Path | bytes, *, filename: str, max_bytes: int = 50 * 1024 * 1024) -> list[dict[str, Any]]:
    """BPS workforce figures, one row per kabupaten/kota and year; refuses the whole file when any row is wrong."""
    frame = _read(source, filename, max_bytes)
    _require(frame, WORKFORCE_COLUMNS, filename)
    frame = frame.filter(~pl.all_horizontal(pl.exclude("__row").is_null()))
    for column in WORKFORCE_COLUMNS["optional"]:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    numbers = ("year", "employed", "formal", "informal", "population", "vulnerable")
    known = _known_regions()
    parsed = frame.with_columns(
        region_code_expr(pl.col("region_code")).alias("code"),
        *[_whole(pl.col(c)).alias(f"{c}_i") for c in numbers],
    ).join(known, on="code", how="left")

    def bad_number(column: str, required: bool, ceiling: int = WORKFORCE_CEILING) -> pl.Expr:
        value = pl.col(f"{column}_i")
        wrong = value.is_null() | ~value.is_between(0, ceiling)
        return wrong if required else pl.col(column).is_not_null() & wrong

    counted = f"not a whole number from 0 to {WORKFORCE_CEILING:,} (people in one kabupaten/kota)".replace(",", ".")
    issues = _issues(
        parsed,
        [
            ("region_code", pl.col("code").is_null() | pl.col("level").is_null(), "no such kabupaten/kota code"),
            (
                "region_code",
                pl.col("level").is_not_null() & (pl.col("level") != 2),
                "denominators are per kabupaten/kota (4 digits)",
            ),
            ("year", bad_number("year", True, 2100) | ~pl.col("year_i").is_between(2000, 2100), "not a year"),
            *[(c, bad_number(c, True), counted) for c in ("employed", "formal", "informal")],
            *[(c, bad_number(c, False), counted) for c in ("population", "vulnerable")],
            (
                "employed",
                (
                    (pl.col("formal_i") + pl.col("informal_i") - pl.col("employed_i")).abs()
                    > pl.col("employed_i") // 100
                ),
                "formal + informal differ from employed by more than 1%",
            ),
            (
                "region_code",
                pl.col("code").is_not_null() & pl.struct("code", "year_i").is_duplicated(),
                "this kabupaten/kota and year appear twice",
            ),
        ],
    )
    _refuse(issues, filename)
    return parsed.select(
        pl.col("code").alias("region_code"),
        pl.col("year_i").alias("year"),
        pl.col("employed_i").alias("employed"),
        pl.col("formal_i").alias("formal"),
        pl.col("informal_i").alias("informal"),
        pl.col("population_i").alias("population"),
        pl.col("vulnerable_i").alias("vulnerable"),
        pl.col("source").fill_null("").alias("source"),
    ).to_dicts()
