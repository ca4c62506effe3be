"""What a worker's death, move, merge or inactivity means for sponsorship: the hook ``registry.lifecycle`` calls
inside the action's transaction (registered in ``SponsorshipConfig.ready``; the registry never imports this layer).

- **Death, inactive, moved away**: every enrollment of the worker ends with the month of the day (its last month
  becomes that month; the months no longer covered go back to the program's pagu). Months already billed after it
  stay on the enrollment (their bill lines exist and are listed as an overpayment to recover, see
  ``queries.overpayments``); billing never adds a line after the month of death (``actions.do_run_billing``). An
  enrollment that would start after that month, with nothing billed, is withdrawn: it never covered a month.
- **Death recorded, corrected or undone** (``revived``), **merge**: the worker's bill lines are marked again
  (``BillLine.after_death``: billed for a month after the death), which is how monev finds the overpayment.
- **Move to a known desa**: the same, for the enrollments in programs whose area does not hold the new desa; the
  others go on. The program's page lists the enrollments so ended (``ended_by_worker_changes``).
- **Merge**: the other record's enrollments and claims move to the record kept; an enrollment in a program the kept
  record is already in stays with the merged record and ends with the month of the merge. Enrollments of the kept
  record in two programs over the same months are reported (both kept: a person covered twice is for the sponsors
  to settle).

Every program touched gets one audit record (``program.enrollments_end``) with the enrollments, the change and
the rupiah returned to its pagu. The work is set-based (a temporary table and a few statements), so a death list of
100,000 workers against a million enrollments ends in seconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import F

from paritrana.core import audit
from paritrana.core.bulk import analyze, drop_table, read_frame, temp_table
from paritrana.core.permissions import in_scope
from paritrana.registry.lifecycle import WorkerChange
from paritrana.sponsorship.choices import EnrollmentStatus
from paritrana.sponsorship.models import Bill, BillLine, Claim, Enrollment, Program

__all__ = ["ended_by_worker_changes", "worker_changed"]

ENROLLMENTS = Enrollment._meta.db_table
LINES = BillLine._meta.db_table
BILLS = "sponsorship_bill"
WORKERS = "registry_worker"
CHANGED = "lifecycle_changed"
#: Up to this many rows go in the statements themselves; more go through a temporary table.
SMALL = 100
ENDING = "lifecycle_ending"
MARKING = "lifecycle_marking"
#: Lines marked or unmarked at once from which PostgreSQL samples the lines again (``core.bulk.analyze``).
ANALYZE_MARKS = 1_000


def worker_changed(change: WorkerChange) -> dict[str, Any]:
    if change.kind == "death":
        effects = _end(change, change.workers)
        _mark_after_death(change.workers)
        return effects
    if change.kind == "revived":  # a death recorded by mistake undone: its lines are no overpayment any more
        _mark_after_death(change.workers)
        return {}
    if change.kind == "inactive":
        return _end(change, change.workers)
    if change.kind == "move":
        return _end(change, change.workers, staying_in=change.desa_code or None)
    if change.kind == "merge":
        return _merge(change)
    return {}


#: The enrollments a change ends, as ``_enrollments_to_end`` reads them.
SCHEMA = {
    "id": pl.Int64,
    "program_id": pl.Int64,
    "worker_id": pl.Int64,
    "first_month": pl.Date,
    "last_month": pl.Date,
    "cost": pl.Int64,
    "status": pl.String,
    "occupation": pl.String,
    "cutoff": pl.Date,
    "billed_after": pl.Date,
    "lines_after": pl.Int64,
    "amount_after": pl.Int64,
}


def _enrollments_to_end(workers: pl.DataFrame) -> pl.DataFrame:
    """The enrollments of ``workers`` (``worker_id, on``) that reach the month of ``on`` or later, with the last
    month billed after it (null when none) and the worker's occupation (the price may depend on it)."""
    # In the order of the ids: the join then walks the enrollments, workers and bill lines in index order instead
    # of jumping about.
    changed = (
        workers.select(pl.col("worker_id"), pl.col("on").dt.truncate("1mo").alias("cutoff"))
        .unique("worker_id", keep="first")
        .sort("worker_id")
    )
    if changed.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    source, params = _as_source(changed, CHANGED, "worker_id bigint PRIMARY KEY, cutoff date NOT NULL")
    # Driven by the workers changed (CROSS JOIN keeps SQLite from scanning the enrollments for them; PostgreSQL plans
    # it as any join), each enrollment with its bill lines of months after the cutoff (their last month, how many,
    # how much: the overpayment of a death); dates come as text, which Polars reads faster than drivers convert them.
    # The lines through the program's bills after the cutoff, each probed in the unique (bill, enrollment) index:
    # the lines keep no index on their enrollment (see ``BillLine``).
    lines_after = f"{BILLS} b JOIN {LINES} l ON l.bill_id = b.id"
    after_cutoff = "b.program_id = e.program_id AND b.month > c.cutoff AND l.enrollment_id = e.id"
    after = f"FROM {lines_after} WHERE {after_cutoff}"
    columns = (
        f"e.id, e.program_id, e.worker_id, {_text('e.first_month')}, {_text('e.last_month')}, e.cost, e.status, "
        f"w.occupation, {_text('c.cutoff')}"
    )
    base = (
        f"FROM {source} c CROSS JOIN {ENROLLMENTS} e JOIN {WORKERS} w ON w.id = e.worker_id "
        "WHERE e.worker_id = c.worker_id AND e.last_month >= c.cutoff"
    )
    if params:
        # A few enrollments: their lines looked up one enrollment at a time (an index each), whatever the planner
        # believes of the tables' sizes. Without statistics yet (a table just loaded) PostgreSQL may guess a large
        # cost and compile the statement (JIT): 170 ms for a query of a millisecond. Not for this transaction.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        query = (
            f"SELECT {columns}, CAST((SELECT MAX(b.month) {after}) AS TEXT) AS billed_after, "
            f"(SELECT COUNT(*) {after}) AS lines_after, (SELECT COALESCE(SUM(l.amount), 0) {after}) AS amount_after "
            f"{base}"
        )
    else:
        # A list: one pass joining the lines, grouped per enrollment.
        query = (
            f"SELECT {columns}, CAST(MAX(b.month) AS TEXT) AS billed_after, COUNT(l.id) AS lines_after, "  # noqa: S608 - names from models
            f"COALESCE(SUM(l.amount), 0) AS amount_after "
            f"FROM {source} c CROSS JOIN {ENROLLMENTS} e JOIN {WORKERS} w ON w.id = e.worker_id "
            f"LEFT JOIN ({lines_after}) ON {after_cutoff} "
            "WHERE e.worker_id = c.worker_id AND e.last_month >= c.cutoff "
            "GROUP BY e.id, e.program_id, e.worker_id, e.first_month, e.last_month, e.cost, e.status, w.occupation, "
            "c.cutoff"
        )
    frame = read_frame(query, params, schema=SCHEMA)
    if not params:
        drop_table(CHANGED)
    return frame


def _as_source(frame: pl.DataFrame, table: str, columns: str) -> tuple[str, list[Any]]:
    """``frame`` as a table to join, and its parameters: a few rows (a change by hand) in the statement itself, more
    (a list) through the temporary table ``table`` (``columns`` as SQL), since creating one costs more than the
    query for a single worker on PostgreSQL. No parameters: the caller drops ``table`` when done."""
    if frame.height > SMALL:
        temp_table(table, columns, frame)
        return table, []
    names = ", ".join(f"column{i} AS {name}" for i, name in enumerate(frame.columns, start=1))
    rows = ", ".join(["(" + ", ".join(["%s"] * frame.width) + ")"] * frame.height)
    source = f"(SELECT {names} FROM (VALUES {rows}) AS v)"  # noqa: S608 - column names and placeholders
    return source, [value for row in frame.iter_rows() for value in row]


def _mark_after_death(workers: pl.DataFrame) -> None:
    """Mark the bill lines of the enrollments of ``workers`` (``worker_id``) billed for a month that began after
    the worker's death, and unmark the others: ``BillLine.after_death``, the overpayments monev lists. Worked out
    again from the dates recorded, so a death recorded, corrected to another day or undone, and enrollments moved
    by a merge all come out right; only the lines whose mark is wrong are written."""
    ids = workers.select(pl.col("worker_id").cast(pl.Int64)).unique().sort("worker_id")
    if ids.height == 0:
        return
    if ids.height <= SMALL:
        changed = sum(
            _mark_enrollment(*row)
            for row in Enrollment.objects.filter(worker_id__in=ids["worker_id"].to_list()).values_list(
                "pk", "program_id", "worker__died_on"
            )
        )
    else:
        changed = _mark_list(ids)
    if changed >= ANALYZE_MARKS:
        # The planner told how many lines are marked now: believing none, it read every marked line for each
        # death recorded after a long list instead of the worker's own (27 ms a death, not 10; docs/performance.md).
        analyze(LINES)


def _mark_enrollment(enrollment_id: int, program_id: int, died_on: Any) -> int:
    """One enrollment's marks, in statements on one table each: whatever PostgreSQL believes of the tables' sizes
    (none yet, right after a load) it cannot join them the wrong way round."""
    after = Bill.objects.filter(program_id=program_id, month__gt=died_on) if died_on else Bill.objects.none()
    lines = BillLine.objects.filter(enrollment_id=enrollment_id)
    marked = lines.filter(bill__in=after, after_death=False).update(after_death=True) if died_on else 0
    return marked + lines.filter(after_death=True).exclude(bill__in=after).update(after_death=False)


def _mark_list(ids: pl.DataFrame) -> int:
    """The marks of a list of workers, set-based through a temporary table."""
    temp_table(MARKING, "worker_id bigint PRIMARY KEY", ids)
    of_workers = f"{MARKING} c CROSS JOIN {ENROLLMENTS} e JOIN {WORKERS} w ON w.id = e.worker_id"
    after_death = "w.died_on IS NOT NULL AND b.month > w.died_on"
    # To mark: the lines of the program's bills after the death, each probed in the unique (bill, enrollment) index
    # (the lines keep no index on their enrollment, see ``BillLine``): none at all for a death recorded in time.
    # To unmark: the marked lines, through their own small index.
    to_mark = (
        f"SELECT l.id FROM {of_workers} JOIN {BILLS} b ON b.program_id = e.program_id AND {after_death} "  # noqa: S608 - names from models
        f"JOIN {LINES} l ON l.bill_id = b.id AND l.enrollment_id = e.id WHERE e.worker_id = c.worker_id "
        "AND NOT l.after_death"
    )
    to_unmark = (
        f"SELECT l.id FROM {of_workers} JOIN {LINES} l ON l.enrollment_id = e.id AND l.after_death "  # noqa: S608 - names from models
        f"JOIN {BILLS} b ON b.id = l.bill_id WHERE e.worker_id = c.worker_id AND NOT ({after_death})"
    )
    changed = 0
    with connection.cursor() as cursor:
        for mark, lines in ((True, to_mark), (False, to_unmark)):
            cursor.execute(f"UPDATE {LINES} SET after_death = %s WHERE id IN ({lines})", [mark])  # noqa: S608
            changed += max(cursor.rowcount, 0)
    drop_table(MARKING)
    return changed


def _text(column: str) -> str:
    """A date column as ISO text, under its own name."""
    return f"CAST({column} AS TEXT) AS {column.split('.')[-1]}"


def _areas(program_ids: list[int]) -> dict[int, Program]:
    return {p.pk: p for p in Program.objects.filter(pk__in=program_ids).select_related("sponsor")}


def _end(change: WorkerChange, workers: pl.DataFrame, *, staying_in: str | None = None) -> dict[str, Any]:
    """End the enrollments of ``workers`` with the month of their ``on`` (only those in programs whose area does not
    hold ``staying_in``, when given)."""
    from paritrana.sponsorship.actions import period_cost

    found = _enrollments_to_end(workers)
    if found.height == 0:
        return {"enrollments_ended": 0, "enrollments_withdrawn": 0, "committed_returned": 0}
    programs = _areas(found["program_id"].unique().to_list())
    if staying_in:
        leaving = [pk for pk, p in programs.items() if not in_scope(staying_in, p.area)]
        found = found.filter(pl.col("program_id").is_in(leaving))
    # The new last month: the month of the change, or the last month already billed after it (those lines stay and
    # are the overpayment); before the first month and nothing billed: withdrawn.
    found = found.with_columns(
        new_last=pl.max_horizontal(pl.col("cutoff"), pl.col("billed_after").fill_null(pl.col("cutoff")))
    ).with_columns(
        withdraw=pl.col("new_last") < pl.col("first_month"),
        new_last=pl.min_horizontal(pl.col("new_last"), pl.col("last_month")),
    )
    ended = found.filter(~pl.col("withdraw"))
    keys = ["program_id", "first_month", "new_last", "occupation"]
    combos = ended.select(keys).unique()
    prices = combos.with_columns(
        new_cost=pl.Series(
            [int(period_cost(programs[p], first, last, job)) for p, first, last, job in combos.iter_rows()],
            dtype=pl.Int64,
        )
    )
    ended = ended.join(prices, on=keys, how="left", nulls_equal=True)
    # Rows that change nothing (ended before, on the same month) are left alone and not counted.
    ended = ended.filter(
        (pl.col("new_last") != pl.col("last_month"))
        | (pl.col("new_cost") != pl.col("cost"))
        | (pl.col("status") != EnrollmentStatus.ENDED)
    )
    withdrawn = found.filter(pl.col("withdraw"))
    if 0 < ended.height <= SMALL:
        for enrollment_id, last_month, cost in ended.select("id", "new_last", "new_cost").iter_rows():
            Enrollment.objects.filter(pk=enrollment_id).update(
                last_month=last_month, cost=cost, status=EnrollmentStatus.ENDED
            )
    elif ended.height:
        temp_table(
            ENDING,
            "id bigint PRIMARY KEY, last_month date NOT NULL, cost bigint NOT NULL",
            ended.select("id", pl.col("new_last").alias("last_month"), pl.col("new_cost").alias("cost")).sort("id"),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ENROLLMENTS} SET last_month = t.last_month, cost = t.cost, status = %s "  # noqa: S608
                f"FROM {ENDING} t WHERE {ENROLLMENTS}.id = t.id",
                [EnrollmentStatus.ENDED],
            )
        drop_table(ENDING)
    # Withdrawn: nothing billed after the cutoff, which comes before the first month, so never billed at all. Django
    # does not look for lines when deleting an enrollment (see ``BillLine``); this is why it need not.
    ids = withdrawn["id"].to_list()
    for start in range(0, len(ids), 5000):
        Enrollment.objects.filter(pk__in=ids[start : start + 5000]).delete()
    returned = pl.concat(
        [
            ended.select("program_id", (pl.col("cost") - pl.col("new_cost")).alias("returned"), "id"),
            withdrawn.select("program_id", pl.col("cost").alias("returned"), "id"),
        ]
    )
    by_program = returned.group_by("program_id").agg(pl.col("returned").sum(), pl.col("id").sort())
    for program_id, amount, enrollment_ids in by_program.sort("program_id").iter_rows():
        program = programs[program_id]
        if amount:
            Program.objects.filter(pk=program_id).update(committed=F("committed") - Decimal(amount))
        audit.record(
            actor=change.actor,
            action="program.enrollments_end",
            obj=program,
            region_code=program.sponsor.region_code,
            after={
                "change": change.kind,
                "reason": change.reason,
                "enrollments": enrollment_ids,
                "withdrawn": sorted(set(enrollment_ids) & set(ids)),
                "returned": int(amount),
            },
        )
    effects = {
        "enrollments_ended": ended.height,
        "enrollments_withdrawn": withdrawn.height,
        "committed_returned": int(returned["returned"].sum() or 0),
    }
    if change.kind == "death":  # lines of months after the month of death: billed before it was known
        effects.update(
            overpaid_lines=int(found["lines_after"].sum() or 0), overpaid_amount=int(found["amount_after"].sum() or 0)
        )
    return effects


def _merge(change: WorkerChange) -> dict[str, Any]:
    """Move the enrollments and claims of the merged record (``workers``) to the record kept (``into``)."""
    gone = int(change.workers["worker_id"][0])
    on = change.workers["on"][0]
    kept = change.into
    if kept is None:
        return {}
    kept_programs = set(Enrollment.objects.filter(worker_id=kept).values_list("program_id", flat=True))
    staying = Enrollment.objects.filter(worker_id=gone, program_id__in=kept_programs)
    same_program = list(staying.values_list("pk", flat=True))
    moved_ids = list(
        Enrollment.objects.filter(worker_id=gone).exclude(pk__in=same_program).values_list("pk", flat=True)
    )
    moved = Enrollment.objects.filter(pk__in=moved_ids).update(worker_id=kept)
    claims = Claim.objects.filter(worker_id=gone).update(worker_id=kept)
    effects: dict[str, Any] = {"enrollments_moved": moved, "claims_moved": claims}
    if same_program:
        ended = _end(
            change, pl.DataFrame({"worker_id": [gone], "on": [on]}, schema={"worker_id": pl.Int64, "on": pl.Date})
        )
        effects.update(ended, enrollments_same_program=len(same_program))
    from paritrana.registry.models import Worker

    died_on = Worker.objects.filter(pk=kept).values_list("died_on", flat=True).first()
    if died_on is not None and moved:  # the record kept is of a dead person: what moved ends too
        more = _end(
            change, pl.DataFrame({"worker_id": [kept], "on": [died_on]}, schema={"worker_id": pl.Int64, "on": pl.Date})
        )
        for key in ("enrollments_ended", "enrollments_withdrawn", "committed_returned"):
            effects[key] = effects.get(key, 0) + more.get(key, 0)
    _mark_after_death(pl.DataFrame({"worker_id": [gone, kept]}, schema={"worker_id": pl.Int64}))
    effects["overlaps"] = _overlaps(kept, set(moved_ids))
    return effects


def _overlaps(worker_id: int, moved: set[int]) -> list[dict[str, Any]]:
    """Pairs of active enrollments of the worker in different programs over the same months, one of them moved."""
    rows = list(
        Enrollment.objects.filter(worker_id=worker_id, status=EnrollmentStatus.ACTIVE)
        .select_related("program__sponsor")
        .order_by("first_month", "pk")
    )
    found = []
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if a.program_id == b.program_id or not (a.pk in moved or b.pk in moved):
                continue
            if a.first_month <= b.last_month and b.first_month <= a.last_month:
                found.append(
                    {
                        "programs": [a.program_id, b.program_id],
                        "names": [
                            f"{a.program.name} ({a.program.sponsor.name})",
                            f"{b.program.name} ({b.program.sponsor.name})",
                        ],
                        "first": max(a.first_month, b.first_month).isoformat()[:7],
                        "last": min(a.last_month, b.last_month).isoformat()[:7],
                    }
                )
    return found


def ended_by_worker_changes(program: Program, limit: int = 20) -> list[dict[str, Any]]:
    """What the program's owner is told on its page: enrollments ended because their worker died, moved away or was
    merged, newest first (from the audit log, which records each such end)."""
    from paritrana.core.models import AuditEvent

    events = AuditEvent.objects.filter(
        object_type=Program._meta.label_lower, object_id=str(program.pk), action="program.enrollments_end"
    ).order_by("-at")[:limit]
    return [
        {
            "at": e.at,
            "change": (e.after or {}).get("change", ""),
            "reason": (e.after or {}).get("reason", ""),
            "count": len((e.after or {}).get("enrollments", [])),
            "withdrawn": len((e.after or {}).get("withdrawn", [])),
            "returned": (e.after or {}).get("returned", 0),
            "by": e.actor_name,
        }
        for e in events
    ]
