"""Workers over time: a death, a move, a correction, a NIK correction, a merge and a status change, each an action
with its date, a reason, where it was learnt, optional evidence, a history entry (``WorkerEvent``, shown on the
worker page) and an audit record, written in one transaction.

Every door goes through these: the worker page, the API, ``paritrana workers death|deaths|move|correct|nik|merge|
status``, a death claim (``sponsorship.actions.do_record_claim``) and the BPJS reconciliation.

What a change means for sponsorship (enrollments end or move, bills stop) is sponsorship's business, a layer above
this one: it registers a hook with ``on_worker_change`` in its ``AppConfig.ready`` and every action calls the hooks
inside its own transaction, so a death or a merge is written whole or not at all. A hook receives a
``WorkerChange`` and returns what it did (counts, overlaps), which the action hands back to its caller.

Who may do what (``core.permissions``; the worker's desa must lie inside the scope):

- a death: the roles that import worker lists (``registry.import``) or record claims (``claims.record``: the BPJS
  branch learns of deaths from JKM claims and its own lists);
- a move, a correction, a merge, a status: ``registry.import``;
- a NIK correction: ``registry.import`` and ``registry.view_nik`` (only roles that may see full NIKs).

Dates: a death, a move or a status takes effect on its day; sponsorship counts by month, so the worker's months
end with the month of that day ("from the month after death: no new bill lines").

Why one module of this size: every change of a worker's life takes the same row lock, writes the same event record,
calls the same hooks inside its transaction and is refused by the same checks; apart, those rules would be written
once per change.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction

from paritrana.core import audit
from paritrana.core.bulk import insert_frame, read_by_keys, sql_now
from paritrana.core.config import get_settings
from paritrana.core.dates import today
from paritrana.core.digits import NON_ASCII_DIGIT
from paritrana.core.errors import N_, Conflict, InvalidInput, NotFound, PayloadTooLarge, PermissionDenied
from paritrana.core.permissions import Scope, can, require, scope_for
from paritrana.core.privacy import mask_nik
from paritrana.core.stale import refuse_if_not_seen
from paritrana.registry import ingest
from paritrana.registry.choices import (
    DRY_RUN,
    DeathSource,
    ImportMode,
    ImportStatus,
    Occupation,
    Sex,
    WorkerEventKind,
    WorkerStatus,
)
from paritrana.registry.models import Worker, WorkerEvent, lock_registry_for_writing
from paritrana.registry.nik import check_nik

__all__ = [
    "DEATH_COLUMNS",
    "CORRECTABLE",
    "DeathListResult",
    "EvidenceFile",
    "MergeResult",
    "WorkerChange",
    "do_correct_nik",
    "do_correct_worker",
    "check_death_list",
    "do_import_deaths",
    "do_merge_workers",
    "do_record_death",
    "do_record_move",
    "do_set_worker_status",
    "on_worker_change",
]

logger = logging.getLogger(__name__)

# Hooks ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerChange:
    """What happened, for the hooks of the layers above.

    ``kind``: ``death`` (``workers.on`` is the day of death), ``move`` (to ``desa_code``; empty: moved away to a place
    the registry does not hold), ``merge`` (the one worker of ``workers`` was merged into ``into``), ``inactive``
    (the status became inactive on ``workers.on``), ``revived`` (a death recorded by mistake undone on
    ``workers.on``: active again, no date of death). ``workers`` has the columns ``worker_id`` (Int64) and ``on``
    (Date): one row for a change by hand, a row per worker for a death list."""

    kind: str
    workers: pl.DataFrame
    actor: Any
    reason: str = ""
    into: int | None = None
    desa_code: str = ""


Hook = Callable[[WorkerChange], dict[str, Any] | None]
_HOOKS: list[Hook] = []


def on_worker_change(hook: Hook) -> Hook:
    """Register ``hook`` (once, however often ``ready`` runs); usable as a decorator."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def _notify(change: WorkerChange) -> dict[str, Any]:
    """Call every hook inside the caller's transaction; their answers merged (numbers added, lists joined)."""
    effects: dict[str, Any] = {}
    for hook in _HOOKS:
        for key, value in (hook(change) or {}).items():
            if type(value) in (int, list) and type(effects.get(key)) is type(value):
                effects[key] += value
            else:
                effects[key] = value
    return effects


def _one(worker_id: int, on: date) -> pl.DataFrame:
    return pl.DataFrame({"worker_id": [worker_id], "on": [on]}, schema={"worker_id": pl.Int64, "on": pl.Date})


# Checks ---------------------------------------------------------------------------------------------------------

REASON_MAX = 500
SOURCE_MAX = 200
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceFile:
    """A document given as evidence (a death certificate, the desa's letter): PDF, PNG or JPEG, at most 10 MB."""

    name: str
    data: bytes


def _require_any(actor: Any, capabilities: Sequence[str], region_code: str) -> None:
    """Pass when ``actor`` holds one of ``capabilities`` at ``region_code``; else the refusal of the first."""
    if any(can(actor, c, region_code) for c in capabilities if actor is not None and actor.is_authenticated):
        return
    require(actor, capabilities[0], region_code)
    raise PermissionDenied()  # pragma: no cover - require raised already


def _death_scope(actor: Any) -> Scope:
    """Where ``actor`` may record deaths: the union of the scopes of the two capabilities."""
    if actor is None or not actor.is_authenticated:
        require(actor, "registry.import")
    scopes = [scope_for(actor, c) for c in ("registry.import", "claims.record")]
    if all(s.empty for s in scopes):
        raise PermissionDenied()
    return Scope(frozenset().union(*(s.codes for s in scopes)), national=any(s.national for s in scopes))


def check_death_list(actor: Any, list_source: str) -> str:
    """Before a death list is queued: whether ``actor`` may record deaths anywhere, and its source cleaned (refused
    when too long). The list's rows are checked when it runs (``do_import_deaths``)."""
    _death_scope(actor)
    return _text(list_source, "source", SOURCE_MAX)


def _text(value: str | None, name: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", value or "").strip()
    if len(text) > limit:
        raise InvalidInput(N_("{field} is longer than {limit} characters."), field=name, limit=limit)
    return text


def _reason(value: str | None, *, required: bool = False) -> str:
    text = _text(value, "reason", REASON_MAX)
    if required and not text:
        raise InvalidInput(N_("Give the reason for this change."), field="reason")
    return text


#: field -> (in the future, before the birth date): the refusals of a date of the worker's life.
_DAY_MESSAGES = {
    "died_on": (
        N_("The date of death {value} is in the future."),
        N_("The date of death {value} is before the worker's birth date {birth}."),
    ),
    "moved_on": (
        N_("The date of the move {value} is in the future."),
        N_("The date of the move {value} is before the worker's birth date {birth}."),
    ),
    "on": (
        N_("The date {value} is in the future."),
        N_("The date {value} is before the worker's birth date {birth}."),
    ),
}


def _day(value: Any, name: str, worker: Worker) -> date:
    """A date of the worker's life: a date, not in the future, not before the birth date."""
    if not isinstance(value, date):
        raise InvalidInput(N_("{field} must be a date (YYYY-MM-DD)."), field=name)
    future, before_birth = _DAY_MESSAGES[name]
    if value > today():
        raise InvalidInput(future, field=name, value=value.isoformat())
    if value < worker.birth_date:
        raise InvalidInput(before_birth, field=name, value=value.isoformat(), birth=worker.birth_date.isoformat())
    return value


def _not_merged(worker: Worker) -> None:
    if worker.status == WorkerStatus.MERGED:
        raise Conflict(
            N_("This record was merged into worker {into}: record changes there."),
            field="worker",
            into=worker.merged_into_id,
        )


def _evidence(evidence: Any) -> tuple[str, str, str]:
    """(text, stored file, file name) of ``evidence``: None, a reference (a document number, a letter) or a file."""
    if evidence is None or evidence == "":
        return "", "", ""
    if isinstance(evidence, str):
        return _text(evidence, "evidence", 500), "", ""
    if not isinstance(evidence, EvidenceFile):
        raise InvalidInput(N_("Evidence is a reference (text) or a PDF, PNG or JPEG file."), field="evidence")
    name = Path(evidence.name or "bukti").name[:255]
    if len(evidence.data) > EVIDENCE_MAX_BYTES:
        raise PayloadTooLarge(
            N_("{filename} is {size} bytes; the limit is {limit} bytes."),
            filename=name,
            size=len(evidence.data),
            limit=EVIDENCE_MAX_BYTES,
        )
    kinds = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
    extension = next((ext for magic, ext in kinds.items() if evidence.data.startswith(magic)), None)
    if extension is None:
        raise InvalidInput(N_("{filename} is not a PDF or an image (PNG, JPEG)."), field="evidence", filename=name)
    digest = hashlib.sha256(evidence.data).hexdigest()
    relative = f"workers/{digest}.{extension}"
    path = evidence_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # content-addressed: the same document twice is kept once
        path.write_bytes(evidence.data)
    return "", relative, name


def evidence_root() -> Path:
    """Evidence documents, outside the web root (served by a view that checks the worker's scope)."""
    return get_settings().data_dir / "evidence"


def _actor_fields(actor: Any) -> dict[str, Any]:
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return {
        "actor": actor if authenticated and getattr(actor, "pk", None) else None,
        "actor_name": actor.get_username() if authenticated else "system",
    }


def _event(
    worker: Worker,
    kind: str,
    on: date,
    actor: Any,
    *,
    reason: str = "",
    source: str = "",
    evidence: tuple[str, str, str] = ("", "", ""),
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> WorkerEvent:
    text, stored, name = evidence
    return WorkerEvent.objects.create(
        worker=worker,
        kind=kind,
        happened_on=on,
        reason=reason,
        source=source,
        evidence=text,
        evidence_file=stored,
        evidence_name=name,
        before=audit.snapshot(before) or {},
        after=audit.snapshot(after) or {},
        **_actor_fields(actor),
    )


def _lock(worker: Worker, seen: datetime | None = None) -> Worker:
    """The worker's row, locked. ``seen``: when it was last changed as the caller's page showed it; a change made
    since (in another tab, by a colleague) refuses this one rather than silently overwriting it."""
    found = Worker.objects.select_for_update().filter(pk=worker.pk).first()
    if found is None:
        raise NotFound(N_("There is no worker {id}."), id=worker.pk)
    refuse_if_not_seen(
        seen,
        found.updated_at,
        N_(
            "{name} was changed at {when}, after you opened the page: nothing was saved. Reload the page to see "
            "the change, then make yours again if it is still needed."
        ),
        name=found.name,
    )
    return found


def _state(worker: Worker) -> dict[str, Any]:
    return {"status": worker.status, "status_on": worker.status_on, "died_on": worker.died_on}


def _with_effects(worker: Worker, effects: dict[str, Any]) -> Worker:
    setattr(worker, "effects", effects)  # noqa: B010 - what the hooks did, for the caller to show (not a field)
    return worker


# Death ----------------------------------------------------------------------------------------------------------


@audit.refusals_audited("worker.death")
def do_record_death(
    *,
    actor: Any,
    worker: Worker,
    died_on: date,
    reason: str = "",
    source: str = "",
    evidence: Any = None,
    seen: datetime | None = None,
) -> Worker:
    """Record that ``worker`` died on ``died_on``. From the month after, the worker is not billed, enrollments end
    and the worker is never a candidate again (the hooks of sponsorship do that, in this transaction). Recording the
    same day again changes nothing; another day corrects the recorded one and needs a reason. ``worker.effects``
    tells what the hooks did (enrollments ended, bill lines already issued after the death)."""
    _require_any(actor, ("registry.import", "claims.record"), worker.desa_code)
    reason = _reason(reason)
    source = _text(source, "source", SOURCE_MAX) or DeathSource.HAND
    locked = _lock(worker, seen)
    _not_merged(locked)
    died_on = _day(died_on, "died_on", locked)
    if locked.status == WorkerStatus.DECEASED and locked.died_on == died_on:
        return _with_effects(locked, {})
    if locked.status == WorkerStatus.DECEASED and not reason:
        raise Conflict(
            N_("The worker's death is recorded on {recorded}; to correct it to {value}, give the reason."),
            field="reason",
            recorded=locked.died_on.isoformat() if locked.died_on else "-",
            value=died_on.isoformat(),
        )
    kept = _evidence(evidence)
    before = _state(locked)
    locked.status, locked.status_on, locked.died_on = WorkerStatus.DECEASED, died_on, died_on
    locked.save(update_fields=["status", "status_on", "died_on", "updated_at"])
    after = _state(locked)
    _event(
        locked,
        WorkerEventKind.DEATH,
        died_on,
        actor,
        reason=reason,
        source=source,
        evidence=kept,
        before=before,
        after=after,
    )
    effects = _notify(WorkerChange("death", _one(locked.pk, died_on), actor, reason=reason))
    audit.record(
        actor=actor,
        action="worker.death",
        obj=locked,
        region_code=locked.desa_code,
        before={"nik": locked.masked_nik, **before},
        after={"nik": locked.masked_nik, **after, "source": source, "reason": reason, "effects": effects},
    )
    logger.info("death of worker %s recorded (%s)", locked.pk, source)
    return _with_effects(locked, effects)


#: header synonyms of a death list (compared without case, spaces and punctuation). "alasan" and "reason" are left
#: out on purpose: they are the columns an error report adds.
DEATH_COLUMNS: dict[str, tuple[str, ...]] = {
    "nik": ingest.FIELDS["nik"],
    "died_on": (
        "tanggal meninggal",
        "tgl meninggal",
        "tanggal meninggal dunia",
        "tanggal kematian",
        "tgl kematian",
        "tanggal wafat",
        "tgl wafat",
        "meninggal",
        "date of death",
        "death date",
        "died on",
    ),
    "source": ("sumber", "sumber data", "asal data", "source"),
    "note": ("keterangan", "catatan", "sebab kematian", "penyebab", "note", "notes"),
    "name": ingest.FIELDS["name"],
}
DEATH_REQUIRED = ("nik", "died_on")

#: code -> (Bahasa Indonesia, English): the reasons a row of a death list is refused or warned about.
DEATH_MESSAGES: dict[str, tuple[str, str]] = {
    "nik_missing": ("NIK kosong.", "NIK is empty."),
    "nik_invalid": ("NIK harus 16 digit angka 0-9.", "The NIK must be 16 digits 0-9."),
    "nik_non_ascii": (
        "NIK memuat angka selain 0-9 (mis. angka Arab atau lebar penuh): ketik ulang dengan 0-9.",
        "The NIK holds digits other than 0-9 (Arabic-Indic, full-width...): retype it with 0-9.",
    ),
    "nik_unknown": (
        "NIK tidak terdaftar di registri atau di luar cakupan wilayah Anda.",
        "The NIK is not in the registry or lies outside your region scope.",
    ),
    "died_on_missing": ("Tanggal meninggal kosong.", "The date of death is empty."),
    "died_on_invalid": (
        "Tanggal meninggal tidak terbaca (tulis 2025-06-10 atau 10/06/2025).",
        "The date of death cannot be read (write 2025-06-10 or 10/06/2025).",
    ),
    "died_on_future": ("Tanggal meninggal di masa depan.", "The date of death is in the future."),
    "died_before_birth": (
        "Tanggal meninggal sebelum tanggal lahir pekerja.",
        "The date of death is before the worker's birth date.",
    ),
    "nik_repeated": (
        "NIK yang sama muncul lagi dengan tanggal meninggal lain.",
        "The same NIK appears again with another date of death.",
    ),
    "nik_repeated_same": (
        "NIK yang sama muncul lagi dengan tanggal yang sama; dicatat sekali.",
        "The same NIK appears again with the same date; recorded once.",
    ),
    "death_date_differs": (
        "Kematian pekerja ini sudah tercatat dengan tanggal lain; koreksi di halaman pekerja bila perlu.",
        "This worker's death is already recorded on another date; correct it on the worker's page if needed.",
    ),
    "merged": (
        "Catatan ini sudah digabung ke catatan lain; catat kematian di catatan yang dipertahankan.",
        "This record was merged into another; record the death on the record kept.",
    ),
    "name_differs": (
        "Nama di daftar berbeda dengan nama di registri: periksa apakah NIK-nya benar.",
        "The name in the list differs from the name in the registry: check that the NIK is right.",
    ),
    "text_too_long": ("Teks lebih dari 200 karakter.", "The text is longer than 200 characters."),
}


def _norm_header(text: str) -> str:
    return re.sub(r"[^a-z0-9/]+", " ", text.lower()).strip()


def death_mapping(headers: list[str]) -> dict[str, str]:
    """field -> header of a death list, found by synonyms; a missing NIK or date column is an error naming them."""
    found: dict[str, str] = {}
    normalised = {_norm_header(h): h for h in headers}
    for name, synonyms in DEATH_COLUMNS.items():
        for synonym in synonyms:
            header = normalised.get(_norm_header(synonym))
            if header is not None and header not in found.values():
                found[name] = header
                break
    missing = [f for f in DEATH_REQUIRED if f not in found]
    if missing:
        raise InvalidInput(
            N_(
                "A death list needs a NIK column and a date-of-death column (e.g. NIK, Tanggal Meninggal, Sumber); "
                "the file's columns: {headers}."
            ),
            field=missing[0],
            headers=", ".join(headers)[:300],
        )
    return found


@dataclass
class DeathListResult:
    summary: dict[str, Any]
    issues: pl.DataFrame
    table: ingest.RawTable
    written: bool
    effects: dict[str, Any] = field(default_factory=dict)

    def report(self, fmt: str = "xlsx") -> bytes:
        """The rows refused or warned about, as the file gave them, with the reasons (``ingest.error_report``)."""
        return ingest.error_report(self.table, self.issues, fmt=fmt)

    def as_dict(self, limit: int = 200) -> dict[str, Any]:
        issues = self.issues.head(limit).select("row", "field", "code", "severity", "value", "message_en")
        return {**self.summary, "issues": issues.rename({"message_en": "message"}).to_dicts()}


_ISSUE_SCHEMA = {
    "row": pl.Int64,
    "field": pl.String,
    "code": pl.String,
    "severity": pl.String,
    "value": pl.String,
    "message_id": pl.String,
    "message_en": pl.String,
}


def _issues(frame: pl.DataFrame, code: str, field_name: str, value: str, severity: str = "error") -> pl.DataFrame:
    message_id, message_en = DEATH_MESSAGES[code]
    return frame.select(
        pl.col("row"),
        pl.lit(field_name).alias("field"),
        pl.lit(code).alias("code"),
        pl.lit(severity).alias("severity"),
        pl.col(value).cast(pl.String).alias("value"),
        pl.lit(message_id).alias("message_id"),
        pl.lit(message_en).alias("message_en"),
    )


def _note_issues(table: ingest.RawTable, mapping: dict[str, str]) -> list[pl.DataFrame]:
    """What the reader noticed (Windows-1252 bytes, a hidden sheet, TRUE/FALSE cells...) as warnings."""
    read = set(mapping.values())
    frames = []
    for note in table.notes:
        if note.column and note.column not in read:
            continue
        message_id, message_en = ingest.MESSAGES.get(note.code, (note.code, note.code))
        frames.append(
            pl.DataFrame({"row": list(note.rows or (1,))}, schema={"row": pl.Int64}).select(
                "row",
                pl.lit("file").alias("field"),
                pl.lit(note.code).alias("code"),
                pl.lit("warning").alias("severity"),
                pl.lit(note.detail or None, pl.String).alias("value"),
                pl.lit(message_id).alias("message_id"),
                pl.lit(message_en).alias("message_en"),
            )
        )
    return frames


def _read_deaths(table: ingest.RawTable, mapping: dict[str, str], source: str, on: date) -> pl.DataFrame:
    """The rows as ``row, nik, died_on, source, note, name`` plus the raw values, and the problems of each row that
    do not depend on the registry (``problem``: a code of ``DEATH_MESSAGES``, null when fine)."""

    def column(name: str) -> pl.Expr | pl.Series:
        header = mapping.get(name)
        if header is None:
            return pl.lit(None, pl.String)
        return table.frame.get_column(header).str.strip_chars().replace("", None).alias(name)

    frame = pl.DataFrame({"row": table.frame["__row"]}).with_columns(
        raw_nik=column("nik"),
        raw_died_on=column("died_on"),
        raw_source=column("source"),
        note=column("note"),
        list_name=column("name"),
    )
    as_number = pl.col("raw_nik").str.extract(r"^'?([0-9]{16})[.,]0+$", 1)
    frame = frame.with_columns(
        nik=pl.coalesce(as_number, pl.col("raw_nik").str.replace_all(r"^'|[\s.\-]", "")),
        died_on=ingest.date_expr(pl.col("raw_died_on")),
        source=pl.coalesce(pl.col("raw_source"), pl.lit(source or None, pl.String)).fill_null(""),
    )
    problem = (
        pl.when(pl.col("raw_nik").is_null())
        .then(pl.lit("nik_missing"))
        .when(pl.col("raw_nik").str.contains(NON_ASCII_DIGIT))
        .then(pl.lit("nik_non_ascii"))
        .when(~pl.col("nik").str.contains(r"^[0-9]{16}$"))
        .then(pl.lit("nik_invalid"))
        .when(pl.col("raw_died_on").is_null())
        .then(pl.lit("died_on_missing"))
        .when(pl.col("died_on").is_null())
        .then(pl.lit("died_on_invalid"))
        .when(pl.col("died_on") > pl.lit(on))
        .then(pl.lit("died_on_future"))
        .when(
            (pl.col("source").str.len_chars() > SOURCE_MAX)
            | (pl.col("note").str.len_chars() > SOURCE_MAX).fill_null(False)
        )
        .then(pl.lit("text_too_long"))
        .otherwise(pl.lit(None, pl.String))
    )
    return frame.with_columns(problem=problem)


def _registered(niks: pl.Series) -> pl.DataFrame:
    """``id, nik, birth_date, status, died_on, desa_code, name`` of the registered workers with these NIKs."""
    schema = {
        "id": pl.Int64,
        "nik": pl.String,
        "birth_date": pl.Date,
        "status": pl.String,
        "died_on_old": pl.Date,
        "desa_code": pl.String,
        "name": pl.String,
    }
    table = Worker._meta.db_table
    # Dates as text: Polars reads them faster than the SQLite driver converts them one by one.
    select = (
        "SELECT id, nik, CAST(birth_date AS TEXT) AS birth_date, status, CAST(died_on AS TEXT) AS died_on_old, "  # noqa: S608
        f"desa_code, name FROM {table}"
    )
    return read_by_keys(select, "nik", niks.to_list(), schema=schema)


def _plan_deaths(rows: pl.DataFrame, scope: Scope) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(the deaths to record: ``row, worker_id, died_on, source, note, before``, the issues that depend on the
    registry, how many rows are already recorded as they are)."""
    good = rows.filter(pl.col("problem").is_null())
    registered = _registered(good["nik"])
    if not scope.national:
        registered = registered.filter(
            scope.expr("desa_code")
        )  # outside the scope: as unknown, nothing said about the worker
    joined = good.join(registered, on="nik", how="left")
    name_key = pl.col("list_name").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    stored_key = pl.col("name").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    state = (
        pl.when(pl.col("id").is_null())
        .then(pl.lit("nik_unknown"))
        .when(pl.col("status") == WorkerStatus.MERGED)
        .then(pl.lit("merged"))
        .when(pl.col("died_on") < pl.col("birth_date"))
        .then(pl.lit("died_before_birth"))
        .when((pl.col("status") == WorkerStatus.DECEASED) & (pl.col("died_on_old") != pl.col("died_on")))
        .then(pl.lit("death_date_differs"))
        .otherwise(pl.lit(None, pl.String))
    )
    joined = joined.with_columns(state=state)
    # The same NIK twice: once is enough when the dates agree (a warning), an error on every row when they differ.
    dates = joined.filter(pl.col("state").is_null()).group_by("nik").agg(dates=pl.col("died_on").n_unique())
    joined = joined.join(dates, on="nik", how="left").with_columns(
        state=pl.when(pl.col("state").is_null() & (pl.col("dates") > 1))
        .then(pl.lit("nik_repeated"))
        .otherwise(pl.col("state"))
    )
    issues = [
        _issues(
            joined.filter(pl.col("state") == code),
            code,
            field_name,
            "raw_nik" if field_name == "nik" else "raw_died_on",
        )
        for code, field_name in (
            ("nik_unknown", "nik"),
            ("merged", "nik"),
            ("died_before_birth", "died_on"),
            ("death_date_differs", "died_on"),
            ("nik_repeated", "nik"),
        )
    ]
    fine = joined.filter(pl.col("state").is_null())
    repeated = fine.filter(pl.col("nik").is_duplicated() & ~pl.col("nik").is_first_distinct())
    issues.append(_issues(repeated, "nik_repeated_same", "nik", "raw_nik", "warning"))
    fine = fine.filter(pl.col("nik").is_first_distinct())
    differs = fine.filter(pl.col("list_name").is_not_null() & (name_key != stored_key) & (name_key.str.len_chars() > 0))
    issues.append(_issues(differs, "name_differs", "name", "list_name", "warning"))
    already = fine.filter(pl.col("status") == WorkerStatus.DECEASED).height
    todo = fine.filter(pl.col("status") != WorkerStatus.DECEASED).select(
        "row",
        pl.col("id").alias("worker_id"),
        "died_on",
        "source",
        pl.col("note").fill_null(""),
        "status",
        "desa_code",
    )
    return todo, pl.concat(issues) if issues else pl.DataFrame(schema=_ISSUE_SCHEMA), already


def _write_deaths(todo: pl.DataFrame, actor: Any) -> None:
    """The workers' status and date of death by one UPDATE joined to a temporary table, and one history entry each,
    in bulk (``core.bulk``): a list of 100,000 deaths is a few statements, not 200,000."""
    workers = Worker._meta.db_table
    temp = "lifecycle_deaths"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} (worker_id bigint PRIMARY KEY, died_on date NOT NULL)")
        insert_frame(temp, todo.select("worker_id", "died_on").sort("worker_id"))  # in index order: see sponsorship
        if connection.vendor == "postgresql":  # autovacuum never sees a temporary table: its size, for the planner
            cursor.execute(f"ANALYZE {temp}")
        now = sql_now()
        cursor.execute(
            f"UPDATE {workers} SET status = %s, died_on = t.died_on, status_on = t.died_on, updated_at = %s "  # noqa: S608
            f"FROM {temp} t WHERE {workers}.id = t.worker_id",
            [WorkerStatus.DECEASED, now],
        )
        cursor.execute(f"DROP TABLE {temp}")
    fields = _actor_fields(actor)
    before = pl.concat_str([pl.lit('{"status": "'), pl.col("status"), pl.lit('", "status_on": null, "died_on": null}')])
    after = pl.concat_str(
        [
            pl.lit('{"status": "deceased", "status_on": "'),
            pl.col("died_on").cast(pl.String),
            pl.lit('", "died_on": "'),
            pl.col("died_on").cast(pl.String),
            pl.lit('"}'),
        ]
    )
    events = todo.select(
        "worker_id",
        pl.col("died_on").alias("happened_on"),
        pl.col("note").str.slice(0, REASON_MAX).alias("reason"),
        pl.when(pl.col("source") == "")
        .then(pl.lit(DeathSource.DESA.value))
        .otherwise(pl.col("source"))
        .alias("source"),
        before.alias("before"),
        after.alias("after"),
    )
    constants = {
        "kind": WorkerEventKind.DEATH.value,
        "evidence": "",
        "evidence_file": "",
        "evidence_name": "",
        "actor_id": fields["actor"].pk if fields["actor"] is not None else None,
        "actor_name": fields["actor_name"],
        "at": sql_now(),
    }
    insert_frame(WorkerEvent._meta.db_table, events, constants=constants)


def do_import_deaths(
    *,
    actor: Any,
    source: Path | bytes,
    filename: str,
    mode: str = ImportMode.ALL_OR_NOTHING,
    dry_run: bool = False,
    sheet: str | None = None,
    list_source: str = "",
    on: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeathListResult:
    """Record the deaths of a list (CSV/XLSX: NIK, date of death, optionally source, note and name) in one
    transaction, as ``do_record_death`` records one: the same checks, the same hooks, a history entry per worker and
    one audit record for the list (with the ids of the workers).

    As the worker import: ``all-or-nothing`` writes nothing when a row is refused, ``valid-only`` records the valid
    rows and reports the others (a NIK the registry does not know, a date before the birth date...); ``dry_run``
    writes nothing and counts. ``list_source`` is the source of rows whose own source cell is empty (e.g.
    "Dukcapil"). A NIK outside the actor's scope is reported as unknown: nothing is said about that worker.
    ``progress(done, total)`` hears of the rows read, then of the rows recorded."""
    scope = _death_scope(actor)
    if mode not in ImportMode.values:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field="mode",
            value=str(mode)[:40],
            valid=", ".join(ImportMode.values),
        )
    list_source = _text(list_source, "source", SOURCE_MAX)
    table = ingest.read_table(source, filename=filename, sheet=sheet)
    mapping = death_mapping(table.headers)
    rows = _read_deaths(table, mapping, list_source, on or today())
    if progress:
        progress(0, rows.height)
    issues = [
        _issues(rows.filter(pl.col("problem") == code), code, field_name, raw)
        for code, field_name, raw in (
            ("nik_missing", "nik", "raw_nik"),
            ("nik_non_ascii", "nik", "raw_nik"),
            ("nik_invalid", "nik", "raw_nik"),
            ("died_on_missing", "died_on", "raw_died_on"),
            ("died_on_invalid", "died_on", "raw_died_on"),
            ("died_on_future", "died_on", "raw_died_on"),
            ("text_too_long", "source", "raw_source"),
        )
    ]
    issues += _note_issues(table, mapping)

    def finish(todo: pl.DataFrame, more: pl.DataFrame, already: int) -> tuple[pl.DataFrame, dict[str, Any]]:
        found = pl.concat([*issues, more], how="vertical_relaxed").sort("row", "field")
        # A NIK is shown masked wherever it may appear (the NIK column, or a NIK typed into another).
        found = found.with_columns(
            value=pl.when(pl.col("field") == "nik")
            .then(pl.col("value").map_elements(mask_nik, return_dtype=pl.String))
            .otherwise(pl.col("value").str.replace_all(r"[0-9]{12,}", "****"))
        )
        errors = found.filter(pl.col("severity") == "error")
        summary: dict[str, Any] = {
            "rows": rows.height,
            "recorded": todo.height,
            "unchanged": already,
            "rejected": errors["row"].n_unique(),
            "unknown": errors.filter(pl.col("code") == "nik_unknown")["row"].n_unique(),
            "warnings": found.filter(pl.col("severity") == "warning").height,
            "blank_rows": table.blank_rows,
            "mode": mode,
            "dry_run": dry_run,
            "mapping": mapping,
        }
        return found, summary

    if dry_run:
        todo, more, already = _plan_deaths(rows, scope)
        found, summary = finish(todo, more, already)
        if summary["rejected"] and mode == ImportMode.ALL_OR_NOTHING:
            summary.update(recorded=0, status=ImportStatus.REJECTED)
        else:
            summary["status"] = DRY_RUN
        return DeathListResult(summary, found, table, written=False)

    with transaction.atomic():
        # What is registered is read once the registry is ours: a worker import or another death list running at
        # the same time either committed before or waits.
        lock_registry_for_writing()
        todo, more, already = _plan_deaths(rows, scope)
        found, summary = finish(todo, more, already)
        if summary["rejected"] and mode == ImportMode.ALL_OR_NOTHING:
            summary.update(recorded=0, status=ImportStatus.REJECTED)
            return DeathListResult(summary, found, table, written=False)
        effects: dict[str, Any] = {}
        if todo.height:
            _write_deaths(todo, actor)
            change = WorkerChange("death", todo.select("worker_id", pl.col("died_on").alias("on")), actor)
            effects = _notify(change)
        summary.update(status=ImportStatus.DONE, **{k: v for k, v in effects.items() if isinstance(v, int)})
        if progress:
            progress(rows.height, rows.height)
        audit.record(
            actor=actor,
            action="workers.deaths",
            object_type="registry.importjob",
            object_id=filename[:64],
            region_code="" if scope.national else next(iter(sorted(scope.codes)), ""),
            after={
                **{k: v for k, v in summary.items() if k != "mapping"},
                "workers": todo["worker_id"].to_list(),
            },
        )
    logger.info("death list %s: %s recorded, %s rejected", filename, summary["recorded"], summary["rejected"])
    return DeathListResult(summary, found, table, written=True, effects=effects)


# Move -----------------------------------------------------------------------------------------------------------


def _desa(code: str) -> str:
    """A desa/kelurahan of the regions table, by its code (``36.03.01.2001`` or ``3603012001``)."""
    from paritrana.regions.models import Region
    from paritrana.regions.queries import normalize_code

    dotted = normalize_code(code)
    region = Region.objects.filter(code=dotted).first()
    if region is None or region.level != 4:
        raise InvalidInput(
            N_("{value} is not a desa/kelurahan of the Kemendagri list; give the 10-digit code of a desa."),
            field="desa_code",
            value=dotted,
        )
    return region.code


@audit.refusals_audited("worker.move")
def do_record_move(
    *,
    actor: Any,
    worker: Worker,
    desa_code: str,
    moved_on: date,
    reason: str = "",
    source: str = "",
    evidence: Any = None,
    seen: datetime | None = None,
) -> Worker:
    """The worker moved to ``desa_code`` on ``moved_on``: the desa changes and the worker stays active there, a
    candidate for its programs. Enrollments in programs of a region the worker left end with the month of the move
    (sponsorship's hook; the program's page says so). An empty ``desa_code`` records a move away to a place the
    registry does not hold (abroad, not known): the status becomes "moved away" and every enrollment ends."""
    require(actor, "registry.import", worker.desa_code)
    reason, source = _reason(reason), _text(source, "source", SOURCE_MAX)
    new_desa = _desa(desa_code) if desa_code and desa_code.strip() else ""
    locked = _lock(worker, seen)
    _not_merged(locked)
    if locked.status == WorkerStatus.DECEASED:
        raise Conflict(N_("The worker is recorded as deceased; a move cannot be recorded."), field="worker")
    moved_on = _day(moved_on, "moved_on", locked)
    if new_desa and new_desa == locked.desa_code:
        raise InvalidInput(N_("The worker already lives in {desa}."), field="desa_code", desa=new_desa)
    if not new_desa and locked.status == WorkerStatus.MOVED:
        raise Conflict(N_("The worker is already recorded as moved away."), field="desa_code")
    kept = _evidence(evidence)
    before = {"desa_code": locked.desa_code, **_state(locked)}
    if new_desa:
        locked.desa_code = new_desa
        if locked.status == WorkerStatus.MOVED:  # back from away: active in the new desa
            locked.status, locked.status_on = WorkerStatus.ACTIVE, moved_on
    else:
        locked.status, locked.status_on = WorkerStatus.MOVED, moved_on
    locked.save(update_fields=["desa_code", "status", "status_on", "updated_at"])
    after = {"desa_code": locked.desa_code, **_state(locked)}
    _event(
        locked,
        WorkerEventKind.MOVE,
        moved_on,
        actor,
        reason=reason,
        source=source,
        evidence=kept,
        before=before,
        after=after,
    )
    effects = _notify(WorkerChange("move", _one(locked.pk, moved_on), actor, reason=reason, desa_code=new_desa))
    audit.record(
        actor=actor,
        action="worker.move",
        obj=locked,
        region_code=before["desa_code"],
        before={"nik": locked.masked_nik, **before},
        after={"nik": locked.masked_nik, **after, "reason": reason, "effects": effects},
    )
    return _with_effects(locked, effects)


# Corrections ----------------------------------------------------------------------------------------------------

#: The fields a correction may change (the NIK has its own action).
CORRECTABLE = ("name", "birth_date", "sex", "desa_code", "occupation")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x1f\x7f]")


def _clean_correction(worker: Worker, changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise InvalidInput(
            N_("{fields} cannot be corrected here; correctable: {valid}."),
            field=unknown[0],
            fields=", ".join(unknown),
            valid=", ".join(CORRECTABLE),
        )
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None or value == "":
            continue
        if name == "name":
            text = re.sub(r"\s+", " ", _INVISIBLE.sub("", str(value))).strip()
            if not text:
                raise InvalidInput(N_("Give the worker's name."), field="name")
            if len(text) > ingest.NAME_MAX:
                raise InvalidInput(
                    N_("{field} is longer than {limit} characters."), field="name", limit=ingest.NAME_MAX
                )
            out[name] = text
        elif name == "birth_date":
            if not isinstance(value, date):
                raise InvalidInput(N_("{field} must be a date (YYYY-MM-DD)."), field="birth_date")
            if value > today():
                raise InvalidInput(N_("The birth date {value} is in the future."), field=name, value=value.isoformat())
            if worker.died_on and value > worker.died_on:
                raise InvalidInput(
                    N_("The birth date {value} is after the recorded date of death {died}."),
                    field=name,
                    value=value.isoformat(),
                    died=worker.died_on.isoformat(),
                )
            out[name] = value
        elif name == "sex":
            if value not in Sex.values:
                raise InvalidInput(
                    N_("Unknown {field} {value}; use one of {valid}."),
                    field="sex",
                    value=str(value)[:10],
                    valid=", ".join(Sex.values),
                )
            out[name] = value
        elif name == "occupation":
            if value not in Occupation.values:
                raise InvalidInput(
                    N_("Unknown {field} {value}; use one of {valid}."),
                    field="occupation",
                    value=str(value)[:40],
                    valid=", ".join(Occupation.values),
                )
            out[name] = value
        elif name == "desa_code":
            out[name] = _desa(str(value))
    return {k: v for k, v in out.items() if getattr(worker, k) != v}


@audit.refusals_audited("worker.correct")
def do_correct_worker(
    *,
    actor: Any,
    worker: Worker,
    reason: str,
    evidence: Any = None,
    seen: datetime | None = None,
    on: date | None = None,
    **changes: Any,
) -> Worker:
    """Correct what was recorded wrongly (``CORRECTABLE``: name, birth date, sex, desa, occupation), with the reason;
    the worker page shows each correction before and after. A corrected desa is not a move: the worker always lived
    there, and enrollments stay (record a move for a worker who moved). A birth date corrected by Dukcapil keeps the
    NIK (PP 40/2019)."""
    require(actor, "registry.import", worker.desa_code)
    reason = _reason(reason, required=True)
    locked = _lock(worker, seen)
    _not_merged(locked)
    clean = _clean_correction(locked, changes)
    if not clean:
        raise InvalidInput(N_("Nothing to correct: the values given are the ones recorded."), field="changes")
    if "desa_code" in clean:
        require(actor, "registry.import", clean["desa_code"])
    kept = _evidence(evidence)
    before = {k: getattr(locked, k) for k in clean}
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*clean, "updated_at"])
    _event(
        locked,
        WorkerEventKind.CORRECTION,
        on or today(),
        actor,
        reason=reason,
        evidence=kept,
        before=before,
        after=clean,
    )
    audit.record(
        actor=actor,
        action="worker.correct",
        obj=locked,
        region_code=locked.desa_code,
        before={"nik": locked.masked_nik, **before},
        after={"nik": locked.masked_nik, **clean, "reason": reason},
    )
    return _with_effects(locked, {})


@audit.refusals_audited("worker.correct_nik")
def do_correct_nik(
    *, actor: Any, worker: Worker, nik: str, reason: str, evidence: Any = None, seen: datetime | None = None
) -> Worker:
    """Correct a NIK typed wrongly, for roles that may see full NIKs. The NIK is a person's key: a NIK another
    worker holds is refused (the two are then probably one person: merge them). History and audit show it masked."""
    require(actor, "registry.import", worker.desa_code)
    require(actor, "registry.view_nik", worker.desa_code)
    reason = _reason(reason, required=True)
    text = check_nik(nik)
    if not text:
        raise InvalidInput(N_("The NIK must be 16 digits 0-9."), field="nik")
    locked = _lock(worker, seen)
    _not_merged(locked)
    if text == locked.nik:
        raise InvalidInput(N_("Nothing to correct: the values given are the ones recorded."), field="nik")
    other = Worker.objects.filter(nik=text).exclude(pk=locked.pk).values_list("pk", flat=True).first()
    if other is not None:
        raise Conflict(
            N_("Worker {other} already holds the NIK {nik}: if they are the same person, merge the two records."),
            field="nik",
            other=other,
            nik=mask_nik(text),
        )
    kept = _evidence(evidence)
    before, after = {"nik": mask_nik(locked.nik)}, {"nik": mask_nik(text)}
    locked.nik = text
    locked.save(update_fields=["nik", "updated_at"])
    _event(
        locked, WorkerEventKind.NIK_CORRECTION, today(), actor, reason=reason, evidence=kept, before=before, after=after
    )
    audit.record(
        actor=actor,
        action="worker.correct_nik",
        obj=locked,
        region_code=locked.desa_code,
        before=before,
        after={**after, "reason": reason},
    )
    return _with_effects(locked, {})


# Merge ----------------------------------------------------------------------------------------------------------

#: Fields the record kept takes from the other when it has none of its own.
FILLED_BY_MERGE = ("phone", "kpj", "poverty_decile")


@dataclass
class MergeResult:
    kept: Worker
    merged: Worker
    filled: dict[str, Any]
    effects: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kept": self.kept.pk,
            "merged": self.merged.pk,
            "filled": sorted(self.filled),
            **self.effects,
        }


@audit.refusals_audited("worker.merge")
def do_merge_workers(
    *, actor: Any, keep: Worker, other: Worker, reason: str, on: date | None = None, evidence: Any = None
) -> MergeResult:
    """``other`` is the same person as ``keep``: ``keep`` stays, ``other`` becomes "merged" into it and is kept,
    never deleted. Enrollments, claims and history move to ``keep`` (sponsorship's hook moves what is its own),
    fields ``keep`` lacks (phone, KPJ, decile) are taken from ``other``; records merged into ``other`` earlier now
    point to ``keep``. Enrollments of the two in different programs over the same months are both kept and reported
    (``effects["overlaps"]``); an enrollment of ``other`` in a program ``keep`` is already in stays with ``other``
    and ends with the month of the merge. All in one transaction."""
    for worker in (keep, other):
        require(actor, "registry.import", worker.desa_code)
    reason = _reason(reason, required=True)
    on = on or today()
    if keep.pk == other.pk:
        raise InvalidInput(N_("A worker cannot be merged with itself."), field="other")
    # Locked in the order of their ids: two merges of the same pair in opposite directions never deadlock.
    locked = {w.pk: w for w in Worker.objects.select_for_update().filter(pk__in=[keep.pk, other.pk]).order_by("pk")}
    if len(locked) != 2:
        raise NotFound(N_("There is no worker {id}."), id=other.pk if keep.pk in locked else keep.pk)
    kept, gone = locked[keep.pk], locked[other.pk]
    _not_merged(kept)
    _not_merged(gone)
    if gone.status == WorkerStatus.DECEASED and kept.status != WorkerStatus.DECEASED:
        raise Conflict(
            N_(
                "Worker {other} is recorded as deceased and {keep} is not: keep the record of the death (merge "
                "{keep} into {other}), or correct the death first."
            ),
            field="other",
            other=gone.pk,
            keep=kept.pk,
        )
    kept_evidence = _evidence(evidence)
    filled = {
        f: getattr(gone, f)
        for f in FILLED_BY_MERGE
        if getattr(kept, f) in (None, "") and getattr(gone, f) not in (None, "")
    }
    before_kept = {"nik": kept.masked_nik, **{f: getattr(kept, f) for f in filled}}
    before_gone = {"nik": gone.masked_nik, **_state(gone), "merged_into": None}
    for name, value in filled.items():
        setattr(kept, name, value)
    kept.needs_review = False
    kept.save(update_fields=[*filled, "needs_review", "updated_at"])
    gone.status, gone.status_on, gone.merged_into, gone.needs_review = WorkerStatus.MERGED, on, kept, False
    gone.save(update_fields=["status", "status_on", "merged_into", "needs_review", "updated_at"])
    # Records merged into the other one earlier now point at the record kept (no chains).
    Worker.objects.filter(merged_into=gone).update(merged_into=kept)
    WorkerEvent.objects.filter(worker=gone, merged_from__isnull=True).update(merged_from=gone)
    moved = WorkerEvent.objects.filter(worker=gone).update(worker=kept)
    effects = _notify(WorkerChange("merge", _one(gone.pk, on), actor, reason=reason, into=kept.pk))
    effects["history_moved"] = moved
    summary = {"merged": gone.pk, "merged_nik": gone.masked_nik, **effects}
    _event(
        kept,
        WorkerEventKind.MERGE,
        on,
        actor,
        reason=reason,
        evidence=kept_evidence,
        before=before_kept,
        after={**summary, **filled},
    )
    _event(
        gone,
        WorkerEventKind.MERGE,
        on,
        actor,
        reason=reason,
        evidence=kept_evidence,
        before=before_gone,
        after={**_state(gone), "merged_into": kept.pk, "kept_nik": kept.masked_nik},
    )
    audit.record(
        actor=actor,
        action="worker.merge",
        obj=kept,
        region_code=kept.desa_code,
        before={"kept": before_kept, "merged": before_gone},
        after={"kept": kept.pk, "merged": gone.pk, "filled": filled, "reason": reason, "effects": effects},
    )
    return MergeResult(kept, gone, filled, effects)


def duplicate_candidates(worker: Worker, limit: int = 10) -> list[Worker]:
    """Records that may be the same person: the same name (case ignored) and birth date, or the same KPJ number;
    not merged away. For the worker page's merge form."""
    from django.db.models import Q

    same = Q(name__iexact=worker.name, birth_date=worker.birth_date)
    if worker.kpj:
        same |= Q(kpj=worker.kpj)
    return list(
        Worker.objects.filter(same).exclude(pk=worker.pk).exclude(status=WorkerStatus.MERGED).order_by("pk")[:limit]
    )


# Status ---------------------------------------------------------------------------------------------------------

SETTABLE = (WorkerStatus.ACTIVE, WorkerStatus.INACTIVE)


@audit.refusals_audited("worker.status")
def do_set_worker_status(
    *,
    actor: Any,
    worker: Worker,
    status: str,
    on: date,
    reason: str = "",
    evidence: Any = None,
    seen: datetime | None = None,
) -> Worker:
    """Make a worker inactive (no longer a pekerja rentan: a wage job, retired) or active again, from ``on``. An
    inactive worker is not a candidate and the enrollments end with the month of ``on``. A death recorded by mistake
    is undone here (back to active, with the reason); enrollments ended by it do not come back by themselves. A
    merged record stays merged."""
    require(actor, "registry.import", worker.desa_code)
    if status not in SETTABLE:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field="status",
            value=str(status)[:20],
            valid=", ".join(s.value for s in SETTABLE),
        )
    locked = _lock(worker, seen)
    _not_merged(locked)
    reason = _reason(reason, required=locked.status == WorkerStatus.DECEASED)
    on = _day(on, "on", locked)
    if locked.status == status:
        raise Conflict(N_("The worker is already {status}."), field="status", status=status)
    kept = _evidence(evidence)
    before = _state(locked)
    revived = locked.died_on is not None and status == WorkerStatus.ACTIVE
    locked.status, locked.status_on = status, on
    if status == WorkerStatus.ACTIVE:
        locked.died_on = None
    locked.save(update_fields=["status", "status_on", "died_on", "updated_at"])
    after = _state(locked)
    _event(locked, WorkerEventKind.STATUS, on, actor, reason=reason, evidence=kept, before=before, after=after)
    kind = "inactive" if status == WorkerStatus.INACTIVE else "revived" if revived else ""
    effects = _notify(WorkerChange(kind, _one(locked.pk, on), actor, reason=reason)) if kind else {}
    audit.record(
        actor=actor,
        action="worker.status",
        obj=locked,
        region_code=locked.desa_code,
        before={"nik": locked.masked_nik, **before},
        after={"nik": locked.masked_nik, **after, "reason": reason, "effects": effects},
    )
    return _with_effects(locked, effects)


def history(worker: Worker) -> list[WorkerEvent]:
    """The worker's changes, newest first (with those of records merged into it)."""
    return list(worker.events.select_related("merged_from").order_by("-at", "-pk"))
