"""Spreadsheets in and out: committees work in spreadsheets today, so an edition can start from what they have.

Long format, one row per participant and criterion (documented in docs/award.md):

    indicator values   region_code, criterion, value[, target]
    answers            region_code, criterion, value[, score]          (score: the committee's, for text answers)
    jury scores        judge, region_code, criterion, score[, comment]

An import is all or nothing: a bad row (unknown region, criterion or judge, a value of the wrong kind, a score off
the scale, a conflicted judge) refuses the file naming the row, and nothing is written. It runs in one transaction
holding the category's row (as every action on the category does), so a panel lock committed by another member
just before is seen and refuses the file, and a lock asked for during the import waits until it has committed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from paritrana.award import scoring
from paritrana.award.actions._common import _fresh, _manage, _refusals_audited, _unlocked
from paritrana.award.actions.assessment import _checked_answer
from paritrana.award.actions.jury import inputs_open, scorable
from paritrana.award.models import (
    Answer,
    Category,
    ConflictOfInterest,
    IndicatorScore,
    JuryScore,
    PanelMember,
    Result,
)
from paritrana.core import audit
from paritrana.core.errors import N_, InvalidInput, ParitranaError
from paritrana.core.sheets import read_table
from paritrana.core.tables import rows_csv, rows_xlsx

__all__ = ["KINDS", "do_import_sheet", "export_rows", "rows_to_csv", "rows_to_xlsx"]

# The one spreadsheet writer (core.tables), under the names the award's callers use.
rows_to_csv = rows_csv
rows_to_xlsx = rows_xlsx

KINDS = {
    "indicators": (("region_code", "criterion", "value"), ("target",)),
    "answers": (("region_code", "criterion", "value"), ("score",)),
    "scores": (("judge", "region_code", "criterion", "score"), ("comment", "conflict")),
}


def _read(data: bytes, filename: str, kind: str) -> list[dict[str, Any]]:
    table = read_table(data, filename=filename)
    frame = table.frame.rename({c: c.strip().lower().replace(" ", "_") for c in table.frame.columns if c != "__row"})
    required, _optional = KINDS[kind]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InvalidInput(
            N_("{filename} lacks the column(s) {missing}."), field="file", filename=filename, missing=", ".join(missing)
        )
    return [r for r in frame.to_dicts() if any(v not in (None, "") for k, v in r.items() if k != "__row")]


def _bad(row: dict[str, Any], column: str, problem: str) -> InvalidInput:
    return InvalidInput(
        N_("Row {row}, {column}: {problem}. Nothing was imported."),
        field="file",
        row=row["__row"],
        column=column,
        problem=problem,
    )


def _number(row: dict[str, Any], column: str) -> float | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise _bad(row, column, f"'{text}' is not a number") from None


@_refusals_audited("award.import")
def do_import_sheet(*, actor: Any, category: Category, kind: str, data: bytes, filename: str) -> dict[str, int]:
    """Import indicator values, answers or jury scores into ``category`` from CSV/XLSX."""
    _manage(actor, category.edition)
    _fresh(category)  # a lock committed a moment ago by another committee member is seen here, and waited for
    _unlocked(category)
    if kind not in KINDS:
        raise InvalidInput(N_("Import indicators, answers or scores, not '{value}'."), field="kind", value=kind)
    # The rules of the state hold here as in the actions a judge or an operator uses: a locked panel takes no score,
    # no indicator value and no answer from a spreadsheet either.
    inputs_open(category)
    rows = _read(data, filename, kind)
    leaves = {c.key: c for c in scoring.leaves(scoring.parse_framework(category.framework))}
    participants = {p.region_code.replace(".", ""): p for p in category.participants.all()}
    panel = {m.user.get_username(): m for m in PanelMember.objects.filter(category=category).select_related("user")}
    conflicts = set(
        ConflictOfInterest.objects.active().filter(member__category=category).values_list("member_id", "participant_id")
    )
    method = {"indicators": "indicator", "answers": "question", "scores": "jury"}[kind]
    writes: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    for row in rows:
        participant = participants.get((row.get("region_code") or "").strip().replace(".", ""))
        if kind == "scores" and (row.get("conflict") or "").strip():
            # A conflict row of an exported sheet: it must match a conflict on record (the committee records new
            # ones with their signed form, on the page or the API), and it carries no score.
            member = panel.get((row.get("judge") or "").strip())
            if participant is None or member is None or (member.pk, participant.pk) not in conflicts:
                raise _bad(row, "conflict", "no such conflict is on record: record it first (Catat konflik)")
            if (row.get("score") or "").strip():
                raise _bad(row, "score", "a judge with a conflict gives no score")
            continue
        if participant is None:
            raise _bad(row, "region_code", f"'{row.get('region_code')}' is not a participant of {category}")
        leaf = leaves.get((row.get("criterion") or "").strip())
        if leaf is None or leaf.method != method:
            known = ", ".join(k for k, c in leaves.items() if c.method == method) or "-"
            raise _bad(row, "criterion", f"'{row.get('criterion')}' is not a {method} criterion (known: {known})")
        if kind == "indicators":
            writes.append(
                (
                    IndicatorScore,
                    {"participant": participant, "criterion": leaf.key},
                    {"value": _number(row, "value"), "target": _number(row, "target"), "source": "imported"},
                )
            )
        elif kind == "answers":
            try:
                value = _checked_answer(leaf, row.get("value"))
            except ParitranaError as error:
                raise _bad(row, "value", error.render_message().rstrip(".")) from None
            score = _number(row, "score")
            if score is not None and not 0 <= score <= 100:
                raise _bad(row, "score", "a score is between 0 and 100")
            writes.append(
                (Answer, {"participant": participant, "criterion": leaf.key}, {"value": value, "score": score})
            )
        else:
            member = panel.get((row.get("judge") or "").strip())
            if member is None:
                raise _bad(row, "judge", f"'{row.get('judge')}' is not on the panel of {category}")
            if (member.pk, participant.pk) in conflicts:
                raise _bad(row, "judge", f"{member.user.get_username()} declared a conflict with {participant.name}")
            try:
                scorable(category, member, participant)  # stage, lock, verification: as for the judge
            except ParitranaError as error:
                raise _bad(row, "region_code", error.render_message().rstrip(".")) from None
            score = _number(row, "score")
            low, high = leaf.scale
            if score is None or not low <= score <= high:
                raise _bad(row, "score", f"a score is between {low:g} and {high:g}")
            writes.append(
                (
                    JuryScore,
                    {"member": member, "participant": participant, "criterion": leaf.key},
                    {"score": score, "comment": row.get("comment") or ""},
                )
            )
    with transaction.atomic():
        for model, keys, values in writes:
            model.objects.update_or_create(**keys, defaults=values)
        audit.record(
            actor=actor, action=f"award.import.{kind}", obj=category, after={"rows": len(writes), "file": filename}
        )
    return {"rows": len(writes)}


def export_rows(category: Category, kind: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The rows of ``kind`` (indicators, answers, scores, results), in the import format where there is one."""
    if kind == "indicators":
        columns = ["region_code", "name", "criterion", "value", "target"]
        objects = IndicatorScore.objects.filter(participant__category=category).select_related("participant")
        rows = [
            {
                "region_code": o.participant.region_code,
                "name": o.participant.name,
                "criterion": o.criterion,
                "value": o.value,
                "target": o.target,
            }
            for o in objects
        ]
    elif kind == "answers":
        columns = ["region_code", "name", "criterion", "value", "score"]
        answers = Answer.objects.filter(participant__category=category).select_related("participant")
        rows = [
            {
                "region_code": o.participant.region_code,
                "name": o.participant.name,
                "criterion": o.criterion,
                "value": o.value,
                "score": o.score,
            }
            for o in answers
        ]
    elif kind == "scores":
        columns = ["judge", "region_code", "name", "criterion", "score", "comment", "conflict"]
        scores = JuryScore.objects.filter(participant__category=category).select_related("participant", "member__user")
        rows = [
            {
                "judge": o.member.user.get_username(),
                "region_code": o.participant.region_code,
                "name": o.participant.name,
                "criterion": o.criterion,
                "score": o.score,
                "comment": o.comment,
                "conflict": "",
            }
            for o in scores
        ]
        # A judge with a conflict gives no score: one row says so, with the reason (no criterion, no score).
        conflicts = (
            ConflictOfInterest.objects.active()
            .filter(member__category=category)
            .select_related("participant", "member__user")
        )
        rows += [
            {
                "judge": c.member.user.get_username(),
                "region_code": c.participant.region_code,
                "name": c.participant.name,
                "criterion": "",
                "score": None,
                "comment": "",
                "conflict": c.reason,
            }
            for c in conflicts
        ]
    else:
        leaves = [c.key for c in scoring.leaves(scoring.parse_framework(category.framework))]
        columns = ["rank", "zone_rank", "title", "region_code", "name", "zone", "total", "shared", *leaves]
        rows = []
        for r in Result.objects.filter(participant__category=category).select_related("participant").order_by("rank"):
            points = {leaf["key"]: round(leaf["points"], 4) for leaf in r.breakdown.get("leaves", [])}
            rows.append(
                {
                    "rank": r.rank,
                    "zone_rank": r.zone_rank,
                    "title": r.title,
                    "region_code": r.participant.region_code,
                    "name": r.participant.name,
                    "zone": r.participant.zone,
                    "total": round(r.total, 4),
                    "shared": r.shared,
                    **points,
                }
            )
    return columns, sorted(rows, key=lambda r: (r.get("rank") or 0, r.get("region_code", ""), r.get("criterion", "")))
