"""Claims: recording a benefit paid (flagged when the worker was not covered or the amount differs from the
rules; a death claim records the death), and the claims file import with its heirs, recorded through the hook
``on_claim_heirs`` that the follow-up app registers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils.translation import gettext

from paritrana.core import audit
from paritrana.core.dates import first_of_month, today
from paritrana.core.errors import N_, ConfigurationError, InvalidInput, NotFound, OutOfRange, ParitranaError
from paritrana.core.money import parse_amount, to_rupiah
from paritrana.core.permissions import require
from paritrana.core.privacy import mask_nik
from paritrana.core.sheets import date_expr
from paritrana.registry.choices import DeathSource, WorkerStatus
from paritrana.registry.lifecycle import do_record_death
from paritrana.registry.models import Worker
from paritrana.rules.benefits import benefit
from paritrana.sponsorship.actions._common import _read_columns, _user
from paritrana.sponsorship.choices import ClaimFlag, ClaimKind
from paritrana.sponsorship.models import Claim, Enrollment, Program


def expected_benefit(kind: str, event_date: date, program: Program | None) -> Decimal | None:
    """What the rules pay for this claim, when the rules alone decide it (JKM; JKK death on the declared
    income). Beasiswa, JHT and other JKK claims depend on facts not held here: no expectation."""
    if kind == ClaimKind.JKM:
        return benefit("jkm", on=event_date).total
    if kind == ClaimKind.JKK_DEATH and program is not None:
        return benefit("jkk-death", on=event_date, wage=program.declared_income).total
    return None


def covering_enrollment(worker: Worker, month: date) -> Enrollment | None:
    return (
        Enrollment.objects.filter(worker=worker, first_month__lte=month, last_month__gte=month)
        .select_related("program__sponsor")
        .order_by("-first_month")
        .first()
    )


def do_record_claim(
    *,
    actor: Any,
    worker: Worker,
    kind: str,
    event_date: date,
    amount_paid: Any,
    paid_on: date | None = None,
    heirs: str = "",
) -> Claim:
    """Register a benefit paid; flag it when the worker was not covered (paid on time) in the event's month, or
    when the amount differs from the rules."""
    from paritrana.sponsorship.queries import coverage_of_month

    require(actor, "claims.record", worker.desa_code)
    if kind not in ClaimKind.values:
        raise InvalidInput(
            N_("Unknown claim kind {value}; use one of {valid}."),
            field="kind",
            value=kind,
            valid=", ".join(ClaimKind.values),
        )
    amount = to_rupiah(amount_paid, field="amount_paid")
    if amount < 0:
        raise OutOfRange(field="amount_paid", minimum=0, maximum="-", value=int(amount))
    if event_date > today():
        raise InvalidInput(
            N_("The event date {value} is in the future."), field="event_date", value=event_date.isoformat()
        )
    enrollment = covering_enrollment(worker, first_of_month(event_date))
    program = enrollment.program if enrollment else None
    flags: list[str] = []
    if enrollment is None or coverage_of_month(enrollment, first_of_month(event_date)) != "active":
        flags.append(ClaimFlag.NOT_COVERED)
    expected = expected_benefit(kind, event_date, program)
    if expected is not None and expected != amount:
        flags.append(ClaimFlag.AMOUNT_DIFFERS)
    with transaction.atomic():
        claim = Claim.objects.create(
            worker=worker,
            program=program,
            kind=kind,
            event_date=event_date,
            paid_on=paid_on,
            amount_paid=amount,
            expected=expected,
            heirs=heirs.strip(),
            flags=flags,
            desa_code=worker.desa_code,
            created_by=_user(actor),
        )
        audit.record(actor=actor, action="claim.record", obj=claim, region_code=worker.desa_code, after=claim)
        status = Worker.objects.filter(pk=worker.pk).values_list("status", flat=True).first()
        if kind in DEATH_CLAIMS and status not in (WorkerStatus.DECEASED, WorkerStatus.MERGED):
            # A death claim is news of a death: recorded in the same transaction (billing, enrollments and
            # candidates follow, see registry.lifecycle). A death recorded before is left as it is.
            do_record_death(
                actor=actor, worker=worker, died_on=event_date, source=DeathSource.CLAIM, evidence=f"{kind} #{claim.pk}"
            )
    return claim


#: Claims whose event is the worker's death.
DEATH_CLAIMS = (ClaimKind.JKM, ClaimKind.JKK_DEATH)


CLAIM_COLUMNS = {
    "nik": ("nik", "no ktp", "nomor ktp"),
    "kind": ("jenis", "jenis klaim", "kind", "program", "manfaat"),
    "event_date": ("tanggal kejadian", "tgl kejadian", "tanggal meninggal", "event date", "tanggal"),
    "amount_paid": ("jumlah", "jumlah dibayar", "nominal", "amount", "amount paid"),
    "paid_on": ("tanggal bayar", "tgl bayar", "paid on"),
    "heirs": ("ahli waris", "heirs", "penerima", "catatan", "note"),  # free text, kept on the claim
    # One row per heir of a death claim, the claim's columns repeated (see ``do_import_claims``).
    "heir_name": ("nama ahli waris", "heir name", "heir_name"),
    "heir_relation": ("hubungan", "hubungan ahli waris", "heir relation", "relation"),
    "heir_birth_date": ("tanggal lahir ahli waris", "tgl lahir ahli waris", "heir birth date", "heir_birth_date"),
    "heir_nik": ("nik ahli waris", "heir nik", "heir_nik"),
    "school_level": ("jenjang sekolah", "jenjang", "school level", "school_level"),
    "contribution_years": ("masa iuran", "masa iuran (tahun)", "contribution years", "contribution_years"),
}
_HEIR_COLUMNS = ("heir_name", "heir_relation", "heir_birth_date", "heir_nik", "school_level")
#: The columns that make one claim: rows that repeat them are the same claim, one heir each.
_CLAIM_KEY = ("nik_digits", "kind", "event_date", "amount_paid", "paid_on")

#: Who records the heirs a claims file names: the follow-up app, which owns heirs (a layer above), registers it in
#: its ``AppConfig.ready``. Called inside the import's transaction as ``recorder(actor=, claim=, heirs=[{name,
#: relation, birth_date, nik, school_level}], contribution_years=)``; a refusal's field is ``heirs[i].<field>``.
HeirsRecorder = Callable[..., int]
_HEIRS_RECORDERS: list[HeirsRecorder] = []


def on_claim_heirs(recorder: HeirsRecorder) -> HeirsRecorder:
    """Register the recorder of a claims file's heirs (once, however often ``ready`` runs)."""
    if recorder not in _HEIRS_RECORDERS:
        _HEIRS_RECORDERS.append(recorder)
    return recorder


@dataclass
class ClaimImportResult:
    rows: int
    recorded: int
    flagged: list[dict[str, Any]]
    errors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "recorded": self.recorded, "flagged": self.flagged, "errors": self.errors}


def do_import_claims(*, actor: Any, source: Path | bytes, filename: str) -> ClaimImportResult:
    """Import claims paid (NIK, kind, event date, amount; optionally payment date, a note and heirs), each checked as
    ``do_record_claim`` checks one. Heirs of a death claim come one per row: the claim's columns repeated, with the
    heir's name, relation (istri, suami, anak, orang tua, ...), birth date, NIK and, for a child who receives the
    scholarship, the school level; they reach the heirs page and the scholarship schedule. Any row in error refuses
    the whole file: nothing is written."""
    from paritrana.registry.queries import workers_for

    require(actor, "claims.record")
    optional = ("paid_on", "heirs", "contribution_years", *_HEIR_COLUMNS)
    frame = _read_columns(source, filename, CLAIM_COLUMNS, optional=optional).with_columns(
        event=date_expr(pl.col("event_date")),
        paid=date_expr(pl.col("paid_on")),
        born=date_expr(pl.col("heir_birth_date")),
        nik_digits=pl.col("nik").str.replace_all(r"\D", ""),
        kind=pl.col("kind").str.to_lowercase(),
    )
    workers = {w.nik: w for w in workers_for(actor).filter(nik__in=frame["nik_digits"].unique().to_list())}
    errors: list[dict[str, Any]] = []
    recorded = 0
    flagged: list[dict[str, Any]] = []

    def refused(row: int, error: ParitranaError) -> None:
        errors.append({"row": row, "field": error.details.get("field"), "message": error.render_message(gettext)})

    with transaction.atomic():
        for rows in _claims_of(frame, refused):
            item = rows[0]
            try:
                claim = _record_claim_row(actor, item, workers.get(item["nik_digits"]))
            except ParitranaError as error:
                refused(item["row"], error)
                continue
            heir_rows = [r for r in rows if r["heir_name"] or any(r[c] for c in _HEIR_COLUMNS)]
            heirs = [_heir_of(r) for r in heir_rows]
            if heirs:
                try:
                    if not _HEIRS_RECORDERS:  # never dropped silently: the follow-up app records heirs
                        raise ConfigurationError(N_("Heirs cannot be recorded: the follow-up app is not installed."))
                    for recorder in _HEIRS_RECORDERS:
                        recorder(actor=actor, claim=claim, heirs=heirs, contribution_years=item["contribution_years"])
                except ParitranaError as error:
                    refused(_heir_file_row(heir_rows, error, item), error)
                    continue
            recorded += 1
            if claim.flags:
                flagged.append({"row": item["row"], "flags": claim.flags})
        if errors:
            transaction.set_rollback(True)
            return ClaimImportResult(frame.height, 0, [], sorted(errors, key=lambda e: e["row"]))
    return ClaimImportResult(frame.height, recorded, flagged, [])


def _claims_of(frame: pl.DataFrame, refused: Callable[[int, ParitranaError], None]) -> list[list[dict[str, Any]]]:
    """The file's rows grouped into claims, in file order: rows repeating a claim's columns are its heirs. A repeat
    without an heir is a duplicate claim, refused with both rows named."""
    claims: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item in frame.iter_rows(named=True):
        key = tuple(item[c] for c in _CLAIM_KEY)
        first = claims.setdefault(key, [item])[0]
        if first is item:
            continue
        if not (item["heir_name"] and first["heir_name"]):
            refused(
                item["row"],
                InvalidInput(
                    N_(
                        "Row {row} repeats the claim of row {first} (same NIK, kind, dates and amount) without naming "
                        "an heir on both: a claim is entered once, with one row per heir."
                    ),
                    field="heir_name",
                    row=item["row"],
                    first=first["row"],
                ),
            )
            continue
        claims[key].append(item)
    return list(claims.values())


def _record_claim_row(actor: Any, item: dict[str, Any], worker: Worker | None) -> Claim:

    if worker is None:
        raise NotFound(
            N_("NIK {nik} is not in the registry or lies outside your scope."),
            field="nik",
            nik=mask_nik(item["nik_digits"]),
        )
    if item["event"] is None:
        raise InvalidInput(N_("{value} is not a date."), field="event_date", value=item["event_date"] or "-")
    if item["paid_on"] and item["paid"] is None:
        raise InvalidInput(N_("{value} is not a date."), field="paid_on", value=item["paid_on"])
    return do_record_claim(
        actor=actor,
        worker=worker,
        kind=item["kind"],
        event_date=item["event"],
        amount_paid=parse_amount(item["amount_paid"], field="amount_paid", row=item["row"]),
        paid_on=item["paid"],
        heirs=item["heirs"],
    )


def _heir_of(item: dict[str, Any]) -> dict[str, Any]:
    """A file row's heir as the recorder takes it; a birth date that is not a date is passed on as written, so that
    its refusal names it."""
    return {
        "name": item["heir_name"],
        "relation": item["heir_relation"],
        "birth_date": item["born"] or item["heir_birth_date"],
        "nik": item["heir_nik"],
        "school_level": item["school_level"],
    }


def _heir_file_row(heir_rows: list[dict[str, Any]], error: ParitranaError, claim: dict[str, Any]) -> int:
    """The file row of the heir a refusal names (its ``heir_index`` among the rows that carry an heir), else the
    claim's first row."""
    index = error.details.get("heir_index")
    return int(heir_rows[index]["row"]) if isinstance(index, int) and index < len(heir_rows) else int(claim["row"])
