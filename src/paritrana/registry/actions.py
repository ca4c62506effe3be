"""Writes on the registry: importing a worker list (upsert by NIK) and revealing a full NIK (audited)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from paritrana.core import audit
from paritrana.core.dates import today
from paritrana.core.errors import InvalidInput
from paritrana.core.permissions import Scope, require
from paritrana.registry import ingest
from paritrana.registry.choices import ImportMode
from paritrana.registry.models import Worker

__all__ = ["ImportResult", "do_import_workers", "do_reveal_nik"]

logger = logging.getLogger(__name__)

#: Columns compared and written; a re-import that changes none of them leaves the worker untouched.
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
        return ingest.error_report(self.table, self.issues, fmt=fmt)


def _out_of_scope(valid: pl.DataFrame, scope: Scope) -> pl.DataFrame:
    """Rows whose desa lies outside the importer's region scope (refused: one place decides scope)."""
    if scope.national:
        return valid.head(0)
    inside = pl.lit(False)
    for code in scope.codes:
        inside = inside | (pl.col("desa_code") == code) | pl.col("desa_code").str.starts_with(code + ".")
    return valid.filter(~inside)


def _row_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {f: row.get(f) for f in FIELDS}
    for text in ("phone", "kpj"):
        values[text] = values[text] or ""
    return values


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
    the registry is never half-changed: the writes are one transaction, so a crash leaves it as it was.
    """
    scope = require(actor, "registry.import")
    if mode not in ImportMode.values:
        raise InvalidInput(field="mode", value=mode)
    table = ingest.read_table(source, filename=filename, sheet=sheet)
    columns = ingest.check_mapping(mapping or ingest.guess_mapping(table.headers), table.headers)
    checked = ingest.validate(table, columns, today=on or today())
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
        "flagged": issues.filter(pl.col("code") == "possible_duplicate")["row"].n_unique(),
        "warnings": issues.filter(pl.col("severity") == "warning").height,
        "blank_rows": table.blank_rows,
        "mode": mode,
        "dry_run": dry_run,
        "mapping": columns,
    }
    if rejected and mode == ImportMode.ALL_OR_NOTHING:
        summary["rejected"] = checked.rows  # nothing is imported
        summary["status"] = "rejected"
        return ImportResult(summary, issues, table, written=False)

    flagged_rows = set(issues.filter(pl.col("code") == "possible_duplicate")["row"].to_list())
    rows = valid.to_dicts()
    existing: dict[str, dict[str, Any]] = {}
    for start in range(0, len(rows), CHUNK):
        niks = [r["nik"] for r in rows[start : start + CHUNK]]
        for w in Worker.objects.filter(nik__in=niks).values("id", "nik", *FIELDS):
            existing[w["nik"]] = w
    new, changed = [], []
    for r in rows:
        values = _row_values(r)
        old = existing.get(r["nik"])
        if old is None:
            new.append(Worker(nik=r["nik"], needs_review=r["row"] in flagged_rows, **values))
        else:
            diff = {f: (old[f], v) for f, v in values.items() if old[f] != v}
            if diff:
                changed.append((old["id"], r["nik"], values, diff))
    summary.update(
        created=len(new),
        updated=len(changed),
        unchanged=len(rows) - len(new) - len(changed),
        status="dry-run" if dry_run else "done",
    )
    if dry_run:
        return ImportResult(summary, issues, table, written=False)

    with transaction.atomic():
        total = len(new) + len(changed)
        for start in range(0, len(new), CHUNK):
            Worker.objects.bulk_create(new[start : start + CHUNK])
            if progress:
                progress(min(start + CHUNK, len(new)), total)
        for done, (pk, nik, values, diff) in enumerate(changed, start=1):
            Worker.objects.filter(pk=pk).update(**values, updated_at=timezone.now())
            audit.record(
                actor=actor,
                action="worker.update",
                object_type="registry.worker",
                object_id=pk,
                region_code=values["desa_code"],
                before={"nik": ingest.mask_nik(nik), **{f: d[0] for f, d in diff.items()}},
                after={"nik": ingest.mask_nik(nik), **{f: d[1] for f, d in diff.items()}},
            )
            if progress and done % CHUNK == 0:
                progress(len(new) + done, total)
        audit.record(
            actor=actor,
            action="workers.import",
            object_type="registry.importjob",
            object_id=filename[:64],
            region_code=next(iter(sorted(scope.codes)), "") if not scope.national else "",
            after={k: v for k, v in summary.items() if k != "mapping"},
        )
    logger.info("import %s: %s created, %s updated, %s rejected", filename, len(new), len(changed), rejected)
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
