"""Reading the files the indicators stand on: bulk participant files (CSV or Parquet, exported by BPJS for regions
that do not use the registry) and BPS workforce denominators (CSV or XLSX). Vectorised checks (Polars); a file with
any bad row is refused whole, naming the rows, columns and reasons, and nothing is written.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from paritrana.analytics.definitions import FUNDERS, SEGMENTS
from paritrana.analytics.sources import region_columns
from paritrana.analytics.store import FACT_SCHEMA
from paritrana.core.errors import N_, InvalidInput
from paritrana.registry.ingest import RawTable, read_table

__all__ = ["PARTICIPANT_COLUMNS", "WORKFORCE_COLUMNS", "read_participants", "read_workforce", "region_code_expr"]

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


def _header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _read(source: Path | bytes, filename: str, max_bytes: int) -> pl.DataFrame:
    """Every column as text, headers normalised, with ``__row``: the line a person sees (header = line 1)."""
    data = source.read_bytes() if isinstance(source, Path) else source
    if data[:4] == b"PAR1":
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except Exception as error:  # noqa: BLE001 - any reader failure is the file's fault, said as such
            raise InvalidInput(
                N_("{filename} cannot be read as Parquet: {reason}"),
                field="file",
                filename=filename,
                reason=str(error)[:200],
            ) from None
        frame = frame.with_columns(pl.all().cast(pl.String)).with_row_index("__row", offset=1)
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
    frame = _read(source, filename, max_bytes)
    _require(frame, PARTICIPANT_COLUMNS, filename)
    frame = frame.filter(~pl.all_horizontal(pl.exclude("__row").is_null()))  # blank lines are not rows
    for column in PARTICIPANT_COLUMNS["optional"]:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    known = _known_regions()
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
        _whole(pl.col("premium_paid")).alias("premium_i"),
        pl.col("participant_id").str.strip_chars().alias("pid"),
    )
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
                pl.col("premium_paid").is_not_null() & (pl.col("premium_i").is_null() | (pl.col("premium_i") < 0)),
                "not a whole number of rupiah, 0 or more",
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

    def bad_number(column: str, required: bool) -> pl.Expr:
        wrong = pl.col(f"{column}_i").is_null() | (pl.col(f"{column}_i") < 0)
        return wrong if required else pl.col(column).is_not_null() & wrong

    issues = _issues(
        parsed,
        [
            ("region_code", pl.col("code").is_null() | pl.col("level").is_null(), "no such kabupaten/kota code"),
            (
                "region_code",
                pl.col("level").is_not_null() & (pl.col("level") != 2),
                "denominators are per kabupaten/kota (4 digits)",
            ),
            ("year", bad_number("year", True) | ~pl.col("year_i").is_between(2000, 2100), "not a year"),
            *[(c, bad_number(c, True), "not a whole number, 0 or more") for c in ("employed", "formal", "informal")],
            *[(c, bad_number(c, False), "not a whole number, 0 or more") for c in ("population", "vulnerable")],
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
