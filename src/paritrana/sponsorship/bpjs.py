"""Exchange with the BPJS Ketenagakerjaan branch: what goes to it and what comes back.

Out: a bill, or a program's enrolled workers, in the branch's collective-registration layout (``LAYOUT``: NIK, Nama,
Tanggal Lahir, KPJ, Program, Periode, Iuran), as XLSX (NIK and KPJ text cells, so Excel keeps every digit) or CSV.
The full NIK goes only where the user may see it (``registry.view_nik`` over the worker's desa); elsewhere it is
masked. Every export is audited, with how many full NIKs it carried.

In: the branch's participation list (daftar kepesertaan: NIK or KPJ, status, paid-until, date of death), read with
the shared reader (``core.sheets.read_table``) and compared with the registry and the enrollments
(``do_reconcile_participation``). A run keeps the file, who, when and its counts; each difference is a row with its
kind and, later, its follow-up:

    not_registered   at BPJS, not in the registry                      -> reviewed with a note
    inactive_there   enrolled here (this month), inactive at BPJS       -> end the enrollment (do_end_enrollment)
    dead_there       deceased at BPJS, active here                      -> record the death (registry.lifecycle)
    paid_behind      BPJS's paid-until is behind a month we paid in full -> reviewed with a note

A file in the wrong layout (no NIK or KPJ column, no status column, a status word not known, a date that is not
one) is refused whole, naming the column or the first row and how many rows share the problem: nothing is written.

This module holds the exchange's actions (``do_*``, each validating, writing in one transaction and auditing) beside
its reader and writer, as ``registry.ingest`` sits beside the registry's actions; reads are in ``queries``.

Why one module of this size: it is one exchange with one counterpart (the BPJS branch): the export and the
reconciliation read and write the same columns, the same matching rules and the same report layout.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from paritrana.core import audit
from paritrana.core.bulk import insert_frame, read_frame
from paritrana.core.dates import first_of_month, today
from paritrana.core.errors import N_, Conflict, InvalidInput
from paritrana.core.permissions import Scope, require, scope_for
from paritrana.core.privacy import mask_niks
from paritrana.core.sheets import date_expr, read_table
from paritrana.core.tables import neutralise, rows_csv
from paritrana.registry.models import Worker
from paritrana.sponsorship.models import (
    Bill,
    BillLine,
    DifferenceKind,
    Enrollment,
    Program,
    ReconcileDifference,
    ReconcileRun,
    Resolution,
)

__all__ = [
    "EXPORT_FORMATS",
    "LAYOUT",
    "PARTICIPATION_COLUMNS",
    "STATUS_WORDS",
    "Export",
    "ReconcileResult",
    "do_export_bill",
    "do_export_program",
    "do_follow_up",
    "do_reconcile_participation",
    "read_participation",
]

logger = logging.getLogger(__name__)

#: The collective-registration layout of the branch (pendaftaran kolektif), in its column order.
LAYOUT = ("NIK", "Nama", "Tanggal Lahir", "KPJ", "Program", "Periode", "Iuran")
EXPORT_FORMATS = ("xlsx", "csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Export -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    body: bytes
    rows: int
    full_niks: int


def _package_label(program: Program) -> str:
    return ", ".join(p.upper() for p in program.programs)


def _layout_frame(frame: pl.DataFrame, actor: Any) -> tuple[pl.DataFrame, int]:
    """``frame`` (nik, name, birth_date, kpj, desa_code, periode, iuran) in ``LAYOUT``, each NIK whole where the
    actor may see full NIKs and masked elsewhere; and how many went whole."""
    frame = frame.with_columns(full=scope_for(actor, "registry.view_nik").expr("desa_code"))
    nik = pl.col("nik")
    masked = nik.str.slice(0, 4) + pl.lit("*" * 10) + nik.str.slice(-2)
    out = frame.select(
        pl.when(pl.col("full")).then(nik).otherwise(masked).alias("NIK"),
        pl.col("name").alias("Nama"),
        pl.col("birth_date").alias("Tanggal Lahir"),
        pl.col("kpj").fill_null("").alias("KPJ"),
        pl.col("program").alias("Program"),
        pl.col("periode").alias("Periode"),
        pl.col("iuran").cast(pl.Int64).alias("Iuran"),
    )
    return out, int(frame["full"].sum())


def _xlsx(frame: pl.DataFrame, title: str) -> bytes:
    """One sheet in ``LAYOUT``: NIK and KPJ as text cells (format ``@``: Excel keeps all 16 digits, also when a
    person types in them), the birth date a date cell, the iuran a whole number; text never runs as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (20, 32, 14, 16, 14, 20, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = []
    for name in LAYOUT:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for nik, name, birth, kpj, program, periode, iuran in frame.iter_rows():
        cells = []
        for value, fmt in (
            (nik, "@"),
            (neutralise(name), None),
            (birth, "dd-mm-yyyy"),
            (neutralise(kpj), "@"),
            (program, None),
            (periode, "@"),
            (iuran, "#,##0"),
        ):
            cell = WriteOnlyCell(sheet, value=value)
            if fmt:
                cell.number_format = fmt
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(frame: pl.DataFrame) -> bytes:
    rows = frame.with_columns(pl.col("Tanggal Lahir").cast(pl.String)).to_dicts()
    return rows_csv(list(LAYOUT), rows, bom=True)


def _render(frame: pl.DataFrame, fmt: str, stem: str, title: str) -> tuple[str, str, bytes]:
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(
            N_("Unknown format {value}; use one of {valid}."),
            field="format",
            value=fmt[:20],
            valid=", ".join(EXPORT_FORMATS),
        )
    if fmt == "xlsx":
        return f"{stem}.xlsx", XLSX_TYPE, _xlsx(frame, title)
    return f"{stem}.csv", "text/csv; charset=utf-8", _csv(frame)


#: The columns read for an export, typed also when no row comes back (an empty bill or program).
_SCHEMA = {
    "nik": pl.String,
    "name": pl.String,
    "birth_date": pl.Date,
    "kpj": pl.String,
    "desa_code": pl.String,
    "iuran": pl.Int64,
}


def do_export_bill(*, actor: Any, bill: Bill, fmt: str = "xlsx") -> Export:
    """The bill's lines in the collective-registration layout: one row per worker, the bill's month as the period,
    the line's amount as the iuran. Lines of workers outside the actor's registry scope are left out."""
    require(actor, "sponsorship.view", bill.program.sponsor.region_code)
    scope = require(actor, "registry.view")
    where, params = scope.sql("e.desa_code")
    lines, enrollments, workers = BillLine._meta.db_table, Enrollment._meta.db_table, Worker._meta.db_table
    frame = read_frame(
        f"SELECT w.nik AS nik, w.name AS name, w.birth_date AS birth_date, w.kpj AS kpj, "  # noqa: S608 - names from models
        f"e.desa_code AS desa_code, l.amount AS iuran FROM {lines} l "
        f"JOIN {enrollments} e ON e.id = l.enrollment_id JOIN {workers} w ON w.id = e.worker_id "
        f"WHERE l.bill_id = %s AND {where} ORDER BY e.desa_code, w.name, w.id",
        [bill.pk, *params],
        schema=_SCHEMA,
    ).with_columns(program=pl.lit(_package_label(bill.program)), periode=pl.lit(f"{bill.month:%Y-%m}"))
    return _finish_export(actor, bill, frame, fmt, f"iuran-{bill.number}", bill.program.sponsor.region_code)


def do_export_program(*, actor: Any, program: Program, fmt: str = "xlsx") -> Export:
    """The program's active enrollments in the same layout: the enrollment's months as the period
    (``2025-01 s.d. 2025-12``), their cost as the iuran."""
    require(actor, "sponsorship.view", program.sponsor.region_code)
    scope = require(actor, "registry.view")
    where, params = scope.sql("e.desa_code")
    enrollments, workers = Enrollment._meta.db_table, Worker._meta.db_table
    frame = read_frame(
        f"SELECT w.nik AS nik, w.name AS name, w.birth_date AS birth_date, w.kpj AS kpj, "  # noqa: S608 - names from models
        f"e.desa_code AS desa_code, e.cost AS iuran, e.first_month AS first_month, e.last_month AS last_month "
        f"FROM {enrollments} e JOIN {workers} w ON w.id = e.worker_id "
        f"WHERE e.program_id = %s AND e.status = %s AND {where} ORDER BY e.desa_code, w.name, w.id",
        [program.pk, "active", *params],
        schema={**_SCHEMA, "first_month": pl.Date, "last_month": pl.Date},
    ).with_columns(
        program=pl.lit(_package_label(program)),
        periode=pl.col("first_month").dt.strftime("%Y-%m") + " s.d. " + pl.col("last_month").dt.strftime("%Y-%m"),
    )
    stem = f"peserta-program-{program.pk}-{program.fiscal_year}"
    return _finish_export(actor, program, frame, fmt, stem, program.sponsor.region_code)


def _finish_export(actor: Any, obj: Any, frame: pl.DataFrame, fmt: str, stem: str, region: str) -> Export:
    laid_out, full = _layout_frame(frame, actor)
    filename, content_type, body = _render(laid_out, fmt, stem, "Pendaftaran kolektif")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="bpjs.export",
            obj=obj,
            region_code=region,
            after={"layout": "collective_registration", "format": fmt, "rows": laid_out.height, "full_niks": full},
        )
    return Export(filename, content_type, body, laid_out.height, full)


# The participation list --------------------------------------------------------------------------------------------

#: field -> header names (compared in lower case, punctuation as spaces).
PARTICIPATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no ktp", "nomor ktp", "nomor induk kependudukan", "nik peserta"),
    "kpj": ("kpj", "no kpj", "nomor kpj", "nomor peserta", "no peserta", "kpj peserta"),
    "status": ("status", "status kepesertaan", "status peserta", "status aktif", "keterangan status"),
    "paid_until": (
        "iuran terakhir",
        "bulan iuran terakhir",
        "blth iuran terakhir",
        "blth terakhir",
        "bayar sampai",
        "dibayar sampai",
        "lunas sampai",
        "iuran sampai",
        "iuran s d",
        "paid until",
    ),
    "died_on": ("tanggal meninggal", "tgl meninggal", "tanggal kematian", "tgl kematian", "date of death", "died on"),
}

#: Status words of the branch's lists -> active, inactive, deceased (compared in lower case, ``-``/``_`` as spaces).
STATUS_WORDS: dict[str, str] = {
    "aktif": "active",
    "active": "active",
    "nonaktif": "inactive",
    "non aktif": "inactive",
    "tidak aktif": "inactive",
    "tdk aktif": "inactive",
    "inactive": "inactive",
    "keluar": "inactive",
    "berhenti": "inactive",
    "mengundurkan diri": "inactive",
    "meninggal": "deceased",
    "meninggal dunia": "deceased",
    "md": "deceased",
    "wafat": "deceased",
    "deceased": "deceased",
    "dead": "deceased",
    "died": "deceased",
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _columns(headers: list[str], filename: str) -> dict[str, str]:
    """field -> header of the file; refuses a layout without NIK nor KPJ, or without a status."""
    by_norm = {_norm(h): h for h in headers}
    found = {
        name: next((by_norm[_norm(s)] for s in synonyms if _norm(s) in by_norm), None)
        for name, synonyms in PARTICIPATION_COLUMNS.items()
    }
    if found["nik"] is None and found["kpj"] is None:
        raise InvalidInput(
            N_(
                "{filename} has no NIK and no KPJ column: one of them is needed to find each participant. "
                "Its columns: {headers}."
            ),
            field="nik",
            filename=filename,
            headers=", ".join(headers)[:500],
        )
    if found["status"] is None:
        raise InvalidInput(
            N_(
                "{filename} has no status column (Status Kepesertaan: aktif, nonaktif, meninggal). "
                "Its columns: {headers}."
            ),
            field="status",
            filename=filename,
            headers=", ".join(headers)[:500],
        )
    return {k: v for k, v in found.items() if v is not None}


def _month_expr(raw: pl.Expr) -> pl.Expr:
    """A paid-until month as people write it: 2025-03, 03/2025, 202503, 032025, Maret 2025, or a whole date (its
    month counts). Null where none fits."""
    dashed = raw.str.replace_all(r"[/.\s]+", "-")
    six = raw.str.contains(r"^[0-9]{6}$")
    return pl.coalesce(
        pl.when(dashed.str.contains(r"^[0-9]{4}-[0-9]{1,2}$")).then(
            (dashed + "-1").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ),
        pl.when(dashed.str.contains(r"^[0-9]{1,2}-[0-9]{4}$")).then(
            ("1-" + dashed).str.strptime(pl.Date, "%d-%m-%Y", strict=False)
        ),
        pl.when(six & raw.str.contains(r"^(19|20)")).then((raw + "01").str.strptime(pl.Date, "%Y%m%d", strict=False)),
        pl.when(six & ~raw.str.contains(r"^(19|20)")).then(("01" + raw).str.strptime(pl.Date, "%d%m%Y", strict=False)),
        pl.when(raw.str.contains(r"^[A-Za-z]+\.?\s+[0-9]{4}$")).then(date_expr("1 " + raw)),
        pl.when(~raw.str.contains(r"^[0-9]{1,4}$")).then(date_expr(raw)),
    ).dt.truncate("1mo")


#: The problems a row can have, in the order they are told (code, column, message). Each message names the first
#: row with the problem and how many rows have one (of any kind).
_ROW_PROBLEMS = (
    (
        "no_id",
        "nik",
        N_(
            "Row {row} of {filename} has neither a NIK nor a KPJ number. Rows with a problem: {count} (rows {rows}); "
            "nothing was written."
        ),
    ),
    (
        "nik",
        "nik",
        N_(
            "Row {row} of {filename}: the NIK {value} in column {column} is not 16 digits 0-9. Rows with a problem: "
            "{count} (rows {rows}); nothing was written."
        ),
    ),
    (
        "status",
        "status",
        N_(
            "Row {row} of {filename}: the status {value} in column {column} is not known; use one of {valid}. "
            "Rows with a problem: {count} (rows {rows}); nothing was written."
        ),
    ),
    (
        "paid_until",
        "paid_until",
        N_(
            "Row {row} of {filename}: the paid-until month {value} in column {column} cannot be read (write it as "
            "2025-03). Rows with a problem: {count} (rows {rows}); nothing was written."
        ),
    ),
    (
        "died_on",
        "died_on",
        N_(
            "Row {row} of {filename}: the date of death {value} in column {column} cannot be read (write it as "
            "2025-06-10). Rows with a problem: {count} (rows {rows}); nothing was written."
        ),
    ),
    (
        "died_future",
        "died_on",
        N_(
            "Row {row} of {filename}: the date of death {value} is in the future. Rows with a problem: {count} "
            "(rows {rows}); nothing was written."
        ),
    ),
    (
        "active_dead",
        "status",
        N_(
            "Row {row} of {filename}: the status is active but a date of death ({value}) is given. Rows with a "
            "problem: {count} (rows {rows}); nothing was written."
        ),
    ),
)


def _per_value(frame: pl.DataFrame, column: str, **computed: pl.Expr) -> pl.DataFrame:
    """``computed`` (expressions of ``column``) evaluated once per distinct value of ``column`` and joined back, in
    row order."""
    values = frame.select(pl.col(column).unique()).with_columns(**computed)
    return frame.join(values, on=column, how="left", maintain_order="left")


def read_participation(source: Path | bytes, *, filename: str) -> pl.DataFrame:
    """The participation list as a frame of ``row, nik, kpj, status (active|inactive|deceased), paid_until (first of
    month), died_on``, or an ``InvalidInput`` naming the column, or the first row in error and how many rows are."""
    table = read_table(source, filename=filename)
    found = _columns(table.headers, filename)

    def text(field: str) -> pl.Expr:
        header = found.get(field)
        return pl.col(header).fill_null("").str.strip_chars() if header else pl.lit("")

    frame = table.frame.select(
        pl.col("__row").alias("row"),
        text("nik").alias("nik_raw"),
        text("kpj").str.replace_all(r"\s+", "").alias("kpj"),
        text("status").alias("status_raw"),
        text("paid_until").alias("paid_raw"),
        text("died_on").alias("died_raw"),
    )
    words = pl.col("status_raw").str.to_lowercase().str.replace_all(r"[\s_\-.]+", " ").str.strip_chars()
    digits = pl.col("nik_raw")
    frame = frame.with_columns(
        # Most NIKs are 16 digits already: only the others take the regex passes.
        nik=pl.when(digits.str.contains(r"^[0-9]{16}$"))
        .then(digits)
        .otherwise(digits.str.replace(r"\.0$", "").str.replace_all(r"[ .\-]", ""))
    )
    # A list repeats a handful of statuses, months and dates a million times: each is read once and joined back.
    frame = _per_value(
        frame, "status_raw", status=words.replace_strict(STATUS_WORDS, default=None, return_dtype=pl.String)
    )
    frame = _per_value(frame, "paid_raw", paid_until=_month_expr(pl.col("paid_raw")))
    frame = _per_value(frame, "died_raw", died_on=date_expr(pl.col("died_raw")))
    problems = {
        "no_id": (pl.col("nik") == "") & (pl.col("kpj") == ""),
        "nik": (pl.col("nik") != "") & ~pl.col("nik").str.contains(r"^[0-9]{16}$"),
        "status": pl.col("status").is_null(),
        "paid_until": (pl.col("paid_raw") != "") & pl.col("paid_until").is_null(),
        "died_on": (pl.col("died_raw") != "") & pl.col("died_on").is_null(),
        "died_future": pl.col("died_on") > pl.lit(today()),
        "active_dead": (pl.col("status") == "active") & pl.col("died_on").is_not_null(),
    }
    flags = frame.select("row", *(expr.fill_null(False).alias(code) for code, expr in problems.items()))
    bad = flags.filter(pl.any_horizontal(list(problems)))
    if bad.height:
        first = bad.row(0, named=True)
        code, column, message = next(p for p in _ROW_PROBLEMS if first[p[0]])
        raw = frame.filter(pl.col("row") == first["row"]).row(0, named=True)
        value = {"nik": raw["nik_raw"], "paid_until": raw["paid_raw"]}.get(column, raw["died_raw"])
        if code == "status":
            value = raw["status_raw"]
        raise InvalidInput(
            message,
            field=column,
            column=found.get(column, column),
            row=first["row"],
            filename=filename,
            value=mask_niks(value or "-")[:100],
            valid="aktif, nonaktif, meninggal",
            problem=code,
            count=bad.height,
            rows=", ".join(str(r) for r in bad["row"].head(10).to_list()) + (", ..." if bad.height > 10 else ""),
        )
    # A death without its date is still a death: the follow-up asks for the date.
    return frame.select(
        "row",
        "nik",
        "kpj",
        pl.when(pl.col("died_on").is_not_null()).then(pl.lit("deceased")).otherwise(pl.col("status")).alias("status"),
        "paid_until",
        "died_on",
    )


# Reconcile ---------------------------------------------------------------------------------------------------------


@dataclass
class ReconcileResult:
    summary: dict[str, Any]
    run: ReconcileRun | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.summary)


_KINDS = [k.value for k in DifferenceKind]


def _registry_frame() -> pl.DataFrame:
    frame = read_frame(
        f"SELECT id AS worker_id, nik, kpj, status AS here_status, desa_code FROM {Worker._meta.db_table}",  # noqa: S608
        schema={"worker_id": pl.Int64},
    )
    return frame.with_columns(pl.col("kpj").fill_null("").str.replace_all(r"\s+", ""))


def _enrollment_frames(month: date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The active enrollments covering ``month`` (one per worker: the latest to start), every enrollment's period,
    and the months of bills paid in full per program. The enrollments are read once."""
    periods = read_frame(
        f"SELECT id AS enrollment_id, worker_id, program_id, first_month, last_month, status "  # noqa: S608
        f"FROM {Enrollment._meta.db_table}",
        schema={
            "enrollment_id": pl.Int64,
            "worker_id": pl.Int64,
            "program_id": pl.Int64,
            "first_month": pl.Date,
            "last_month": pl.Date,
        },
    )
    current = (
        periods.filter(
            (pl.col("status") == "active") & (pl.col("first_month") <= month) & (pl.col("last_month") >= month)
        )
        .sort("first_month", "enrollment_id", descending=True)
        .unique("worker_id", keep="first")
        .select("enrollment_id", "worker_id")
    )
    paid = read_frame(
        f"SELECT program_id, month FROM {Bill._meta.db_table} WHERE paid_on IS NOT NULL",  # noqa: S608
        schema={"program_id": pl.Int64, "month": pl.Date},
    )
    # Only the programs with a month paid in full can put a worker's payments ahead of BPJS's.
    periods = periods.join(paid.select("program_id").unique(), on="program_id", how="semi")
    return current, periods.select("worker_id", "program_id", "first_month", "last_month"), paid


def compare(
    listed: pl.DataFrame, *, scope: Scope, month: date, fallback_region: str
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The differences between ``listed`` (``read_participation``) and the registry and enrollments, for the rows
    inside ``scope``; and the counts. Pure over frames read in bulk: no row travels through the ORM."""
    registry = _registry_frame()
    by_nik = registry.filter(pl.col("nik") != "").unique("nik", keep="first")
    by_kpj = registry.filter(pl.col("kpj") != "").unique("kpj", keep="first").rename({"nik": "worker_nik"})
    matched_nik = listed.join(by_nik.drop("kpj"), on="nik", how="left")
    # Rows the NIK did not find are looked up by their KPJ.
    unmatched = matched_nik.filter(pl.col("worker_id").is_null() & (pl.col("kpj") != ""))
    via_kpj = (
        unmatched.select("row", "kpj")
        .join(by_kpj.select("kpj", "worker_id", "here_status", "desa_code"), on="kpj", how="inner")
        .rename({"worker_id": "k_worker", "here_status": "k_status", "desa_code": "k_desa"})
    )
    rows = matched_nik.join(via_kpj.drop("kpj"), on="row", how="left").with_columns(
        worker_id=pl.coalesce("worker_id", "k_worker"),
        here_status=pl.coalesce("here_status", "k_status"),
        desa_code=pl.coalesce("desa_code", "k_desa"),
    )
    nik_region = (
        pl.when(pl.col("nik") != "")
        .then(pl.col("nik").str.slice(0, 2) + "." + pl.col("nik").str.slice(2, 2) + "." + pl.col("nik").str.slice(4, 2))
        .otherwise(pl.lit(fallback_region))
    )
    rows = rows.with_columns(region_code=pl.coalesce("desa_code", nik_region))
    rows = rows.with_columns(inside=scope.expr("region_code"))
    outside = int(rows.height - rows["inside"].sum())
    rows = rows.filter(pl.col("inside"))

    # Not in the registry: one difference per person (the first row naming them).
    missing = rows.filter(pl.col("worker_id").is_null())
    missing = missing.with_columns(key=pl.when(pl.col("nik") != "").then("nik").otherwise("kpj")).unique(
        "key", keep="first", maintain_order=True
    )
    not_registered = missing.select(
        "row",
        pl.lit(DifferenceKind.NOT_REGISTERED.value).alias("kind"),
        pl.lit(None, pl.Int64).alias("worker_id"),
        pl.lit(None, pl.Int64).alias("enrollment_id"),
        "nik",
        "kpj",
        pl.col("status").alias("bpjs_status"),
        "paid_until",
        "died_on",
        pl.lit(None, pl.Date).alias("paid_here"),
        "region_code",
    )

    # In the registry: one verdict per worker. A person re-registered under a second KPJ appears twice: deceased on
    # any row wins, then active on any row; the latest paid-until and the earliest date of death count.
    rank = pl.col("status").replace_strict({"deceased": 0, "active": 1, "inactive": 2}, return_dtype=pl.Int8)
    found = (
        rows.filter(pl.col("worker_id").is_not_null())
        .with_columns(rank=rank)
        .group_by("worker_id", maintain_order=True)
        .agg(
            pl.col("row").min(),
            pl.col("nik").first(),
            pl.col("kpj").first(),
            pl.col("status").sort_by("rank").first(),
            pl.col("paid_until").max(),
            pl.col("died_on").min(),
            pl.col("here_status").first(),
            pl.col("region_code").first(),
        )
    )
    current, periods, paid = _enrollment_frames(month)
    paid_here = (
        periods.join(found.select("worker_id"), on="worker_id", how="semi")
        .join(paid, on="program_id", how="inner")
        .filter((pl.col("month") >= pl.col("first_month")) & (pl.col("month") <= pl.col("last_month")))
        .group_by("worker_id")
        .agg(pl.col("month").max().alias("paid_here"))
    )
    found = found.join(current, on="worker_id", how="left").join(paid_here, on="worker_id", how="left")
    dead_there = (pl.col("status") == "deceased") & (pl.col("here_status") == "active")
    inactive_there = (
        pl.col("status").is_in(["inactive", "deceased"]) & pl.col("enrollment_id").is_not_null() & ~dead_there
    )
    behind = (
        pl.col("paid_until").is_not_null()
        & pl.col("paid_here").is_not_null()
        & (pl.col("paid_here") > pl.col("paid_until"))
    )
    columns = [
        "row",
        "kind",
        "worker_id",
        "enrollment_id",
        "nik",
        "kpj",
        pl.col("status").alias("bpjs_status"),
        "paid_until",
        "died_on",
        "paid_here",
        "region_code",
    ]
    parts = [not_registered]
    for kind, condition in (
        (DifferenceKind.DEAD_THERE, dead_there),
        (DifferenceKind.INACTIVE_THERE, inactive_there),
        (DifferenceKind.PAID_BEHIND, behind),
    ):
        parts.append(found.filter(condition.fill_null(False)).with_columns(kind=pl.lit(kind.value)).select(columns))
    differences = pl.concat(parts, how="vertical_relaxed").sort("row", "kind")
    counts = dict(differences.group_by("kind").len().iter_rows())
    summary = {
        "rows": listed.height,
        "matched": found.height,
        "outside_scope": outside,
        **{kind: int(counts.get(kind, 0)) for kind in _KINDS},
        "differences": differences.height,
    }
    return differences, summary


def do_reconcile_participation(
    *, actor: Any, source: Path | bytes, filename: str, on: date | None = None, dry_run: bool = False
) -> ReconcileResult:
    """Compare the branch's participation list with the registry and the enrollments of this month (``on``: the
    day the list reflects, default today) inside the actor's registry scope, and keep the run and its differences
    (unless ``dry_run``). A file in the wrong layout is refused whole: nothing is written."""
    scope = require(actor, "registry.view")
    on = on or today()
    data = source.read_bytes() if isinstance(source, Path) else source
    listed = read_participation(data, filename=filename)
    region = "" if scope.national else sorted(scope.codes)[0]
    differences, counts = compare(listed, scope=scope, month=first_of_month(on), fallback_region=region)
    summary: dict[str, Any] = {"filename": filename, "on": on.isoformat(), **counts, "dry_run": dry_run, "run": None}
    if dry_run:
        return ReconcileResult(summary, None)
    folder = Path(settings.MEDIA_ROOT) / "bpjs"
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex}{Path(filename).suffix.lower()[:6]}"
    stored.write_bytes(data)
    try:
        with transaction.atomic():
            run = ReconcileRun.objects.create(
                filename=filename[:255],
                stored_path=str(stored),
                sha256=hashlib.sha256(data).hexdigest(),
                on=on,
                rows=listed.height,
                region_code=region,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            summary["run"] = run.pk
            run.summary = summary
            run.save(update_fields=["summary"])
            insert_frame(
                ReconcileDifference._meta.db_table,
                differences,
                constants={"run_id": run.pk, "resolution": Resolution.OPEN.value, "note": ""},
            )
            audit.record(actor=actor, action="bpjs.reconcile", obj=run, region_code=region, after=summary)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    logger.info("bpjs reconcile %s: %s rows, %s differences", run.pk, listed.height, differences.height)
    return ReconcileResult(summary, run)


# Follow-ups --------------------------------------------------------------------------------------------------------

FOLLOW_UPS = ("record_death", "end_enrollment", "review")
#: The follow-ups each kind of difference allows besides a review.
ALLOWED = {
    DifferenceKind.DEAD_THERE: "record_death",
    DifferenceKind.INACTIVE_THERE: "end_enrollment",
}


def suggested_last_month(enrollment: Enrollment) -> date:
    """Where an enrollment can end: after its last month already billed (those stay), and not before it started."""
    billed = (
        Bill.objects.filter(program_id=enrollment.program_id, lines__enrollment=enrollment)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    return max(enrollment.first_month, billed) if billed else enrollment.first_month


@audit.refusals_audited("bpjs.difference")
def do_follow_up(
    *,
    actor: Any,
    difference: ReconcileDifference,
    action: str,
    note: str = "",
    died_on: date | None = None,
    last_month: date | None = None,
) -> ReconcileDifference:
    """The one-click follow-up of a difference: ``record_death`` (dead at BPJS, active here: the registry's
    ``do_record_death`` with BPJS's date, or ``died_on``), ``end_enrollment`` (inactive at BPJS: ``do_end_enrollment``
    after ``last_month``, by default the last month billed) or ``review`` (any kind, with a note). Done once;
    the follow-up and the action it ran commit together or not at all."""
    if action not in FOLLOW_UPS:
        raise InvalidInput(
            N_("Unknown follow-up {value}; use one of {valid}."),
            field="action",
            value=action[:40],
            valid=", ".join(FOLLOW_UPS),
        )
    require(actor, "registry.view", difference.region_code)
    locked = (
        ReconcileDifference.objects.select_for_update(of=("self",))  # the joined rows may be absent (outer joins)
        .select_related("run", "worker", "enrollment__program__sponsor")
        .get(pk=difference.pk)
    )
    if locked.resolution != Resolution.OPEN:
        raise Conflict(
            N_("This difference was already followed up ({resolution}) on {when}."),
            field="action",
            resolution=locked.resolution,
            when=timezone.localtime(locked.resolved_at).strftime("%Y-%m-%d %H:%M") if locked.resolved_at else "-",
        )
    if action != "review" and ALLOWED.get(DifferenceKind(locked.kind)) != action:
        raise Conflict(
            N_("A difference of kind {kind} is followed up by {allowed}, not {value}."),
            field="action",
            kind=locked.kind,
            allowed=", ".join(a for a in (ALLOWED.get(DifferenceKind(locked.kind)), "review") if a),
            value=action,
        )
    note = note.strip()
    before = audit.snapshot(locked)
    if action == "review":
        if not note:
            raise InvalidInput(N_("Say what was checked: a review needs a note."), field="note")
        locked.resolution = Resolution.REVIEWED
    elif action == "record_death":
        from paritrana.registry.lifecycle import do_record_death

        when = died_on or locked.died_on
        if when is None or locked.worker is None:
            raise InvalidInput(
                N_("Give the date of death: the BPJS list has none for row {row}."), field="died_on", row=locked.row
            )
        do_record_death(
            actor=actor,
            worker=locked.worker,
            died_on=when,
            reason=(note or f"Daftar kepesertaan BPJS Ketenagakerjaan {locked.run.filename}, baris {locked.row}")[:500],
            source="bpjs",
        )
        locked.died_on = when
        locked.resolution = Resolution.DEATH_RECORDED
    else:
        from paritrana.sponsorship.actions import do_end_enrollment

        if locked.enrollment is None:
            raise Conflict(N_("This difference names no enrollment to end."), field="action")
        last = first_of_month(last_month) if last_month else suggested_last_month(locked.enrollment)
        do_end_enrollment(actor=actor, enrollment=locked.enrollment, last_month=last)
        locked.resolution = Resolution.ENROLLMENT_ENDED
    locked.note = note
    locked.resolved_by = actor if getattr(actor, "pk", None) else None
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["resolution", "note", "resolved_by", "resolved_at", "died_on"])
    audit.record(
        actor=actor,
        action=f"bpjs.difference.{locked.resolution}",
        obj=locked,
        region_code=locked.region_code,
        before={k: v for k, v in (before or {}).items() if k != "nik"},
        after={"resolution": locked.resolution, "note": note, "kind": locked.kind, "run": locked.run_id},
    )
    return locked
