"""Enrollment: why a worker may not join a program (eligibility, scope, double sponsorship), enrolling workers
within the pagu (all-or-nothing or valid-only), and ending an enrollment early."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from paritrana.core import audit
from paritrana.core.dates import first_of_month, today
from paritrana.core.errors import N_, Conflict, InvalidInput, ParitranaError
from paritrana.core.permissions import in_scope, require, require_owner
from paritrana.registry.choices import WorkerStatus
from paritrana.registry.models import Worker
from paritrana.sponsorship.actions._common import _user
from paritrana.sponsorship.actions.billing import period_cost
from paritrana.sponsorship.choices import OPEN_FOR_ENROLLMENT, EnrollmentStatus
from paritrana.sponsorship.models import Bill, Enrollment, Program

CHUNK = 5000


@dataclass(frozen=True)
class Refusal:
    worker_id: int | None
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message in the active language, its placeholders filled."""
        return ParitranaError(self.message, **self.details).render_message(gettext)


@dataclass
class EnrollResult:
    enrolled: int
    cost: Decimal
    refused: list[Refusal]
    remaining: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "enrolled": self.enrolled,
            "cost": int(self.cost),
            "remaining": int(self.remaining),
            "refused": [
                {"worker_id": r.worker_id, "code": r.code, "message": r.message, **r.details} for r in self.refused
            ],
        }


def _age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def eligibility_problem(program: Program, worker: Worker, on: date) -> Refusal | None:
    """Why ``worker`` may not join ``program`` on ``on``, or None."""

    def refuse(code: str, message: str, **details: Any) -> Refusal:
        return Refusal(worker.pk, code, message, details)

    area = program.area
    if worker.status != WorkerStatus.ACTIVE:
        return refuse("not_active", N_("The worker's status is {status}."), status=worker.status)
    if not in_scope(worker.desa_code, area):
        return refuse(
            "outside_area",
            N_("The worker lives in {desa}, outside the program's area {area}."),
            desa=worker.desa_code,
            area=area,
        )
    if program.occupations and worker.occupation not in program.occupations:
        return refuse("occupation", N_("The occupation {occupation} is not eligible."), occupation=worker.occupation)
    if program.max_poverty_decile is not None and (
        worker.poverty_decile is None or worker.poverty_decile > program.max_poverty_decile
    ):
        return refuse(
            "decile",
            N_("The program covers poverty deciles 1 to {maximum}; the worker's is {decile}."),
            maximum=program.max_poverty_decile,
            decile=worker.poverty_decile if worker.poverty_decile is not None else "-",
        )
    age = _age_on(worker.birth_date, on)
    if (program.min_age is not None and age < program.min_age) or (
        program.max_age is not None and age > program.max_age
    ):
        return refuse(
            "age",
            N_("The worker is {age}; the program covers ages {minimum} to {maximum}."),
            age=age,
            minimum=program.min_age if program.min_age is not None else 0,
            maximum=program.max_age if program.max_age is not None else "-",
        )
    return None


def _double_sponsorship(program: Program, worker_ids: list[int], first: date, last: date) -> dict[int, Enrollment]:
    """Other programs' enrollments of these workers overlapping ``first``..``last``: the costliest real error."""
    found: dict[int, Enrollment] = {}
    for start in range(0, len(worker_ids), CHUNK):
        overlapping = (
            Enrollment.objects.filter(worker_id__in=worker_ids[start : start + CHUNK], status=EnrollmentStatus.ACTIVE)
            .filter(first_month__lte=last, last_month__gte=first)
            .exclude(program=program)
            .select_related("program__sponsor")
        )
        for enrollment in overlapping:
            found.setdefault(enrollment.worker_id, enrollment)
    return found


def do_enroll(
    *,
    actor: Any,
    program: Program,
    workers: Iterable[Worker],
    first_month: date | None = None,
    last_month: date | None = None,
    mode: str = "all-or-nothing",
) -> EnrollResult:
    """Enroll ``workers`` in ``program`` from ``first_month`` (default: this month while the program runs, else
    its start) to ``last_month`` (default: its end). All-or-nothing refuses everything when one worker is refused;
    ``valid-only`` enrolls the eligible ones and lists the others. The pagu is never exceeded: the whole cost is
    committed by one conditional UPDATE, so of two operators spending the last rupiah at once exactly one wins."""
    if mode not in ("all-or-nothing", "valid-only"):
        raise InvalidInput(N_("Unknown mode {value}."), field="mode", value=mode)
    require_owner(actor, "sponsorship.manage", program.sponsor.region_code)
    program = Program.objects.select_related("sponsor").get(pk=program.pk)
    if program.status not in OPEN_FOR_ENROLLMENT:
        raise Conflict(
            N_("The program is {status}: workers can be enrolled only while it is approved or active."),
            field="program",
            status=program.status,
        )
    this_month = first_of_month(today())
    default_first = this_month if program.start <= this_month <= program.end else program.start
    first = first_of_month(first_month) if first_month else default_first
    last = first_of_month(last_month) if last_month else program.end
    if first < program.start or last > program.end or first > last:
        raise InvalidInput(
            N_("The period {first} to {last} must lie within the program's months {start} to {end}."),
            field="first_month",
            first=first.isoformat()[:7],
            last=last.isoformat()[:7],
            start=program.start.isoformat()[:7],
            end=program.end.isoformat()[:7],
        )
    chosen = list({w.pk: w for w in workers}.values())
    if not chosen:
        raise InvalidInput(N_("No worker to enroll."), field="workers")
    scope = require(actor, "registry.view")
    # The price of the period for each occupation among the workers (discounts may depend on it).
    unit_of = {job: period_cost(program, first, last, job) for job in {w.occupation for w in chosen}}
    unit = max(unit_of.values())
    with transaction.atomic():
        # Lock the workers (PostgreSQL) so that two programs cannot take the same worker at once.
        ids = [w.pk for w in chosen]
        status: dict[int, str] = {}
        for start in range(0, len(ids), CHUNK):
            status.update(
                Worker.objects.select_for_update().filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "status")
            )
        # The status as it is now, under the lock (the objects given may predate a death or a merge).
        for worker in chosen:
            worker.status = status.get(worker.pk, worker.status)
        refused: list[Refusal] = []
        already = (
            set(Enrollment.objects.filter(program=program, worker_id__in=ids).values_list("worker_id", flat=True))
            if len(ids) <= CHUNK
            else set(Enrollment.objects.filter(program=program).values_list("worker_id", flat=True))
        )
        others = _double_sponsorship(program, ids, first, last)
        accepted: list[Worker] = []
        for worker in chosen:
            problem: Refusal | None
            if not scope.contains(worker.desa_code):
                problem = Refusal(worker.pk, "out_of_scope", N_("The worker lies outside your region scope."))
            elif worker.pk in already:
                problem = Refusal(worker.pk, "already_enrolled", N_("The worker is already in this program."))
            elif worker.pk in others:
                other = others[worker.pk]
                problem = Refusal(
                    worker.pk,
                    "double_sponsorship",
                    N_("Already covered by {sponsor} ({program}) from {first} to {last}."),
                    {
                        "sponsor": other.program.sponsor.name,
                        "program": other.program.name,
                        "first": other.first_month.isoformat()[:7],
                        "last": other.last_month.isoformat()[:7],
                    },
                )
            else:
                problem = eligibility_problem(program, worker, first)
            if problem:
                refused.append(problem)
            else:
                accepted.append(worker)
        if refused and mode == "all-or-nothing":
            return EnrollResult(0, Decimal(0), refused, program.remaining)
        cost = sum((unit_of[w.occupation] for w in accepted), Decimal(0))
        if accepted:
            _commit(program, cost, unit)
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        program=program,
                        worker=w,
                        desa_code=w.desa_code,
                        first_month=first,
                        last_month=last,
                        cost=unit_of[w.occupation],
                        created_by=_user(actor),
                    )
                    for w in accepted
                ],
                batch_size=2000,
            )
            audit.record(
                actor=actor,
                action="program.enroll",
                obj=program,
                region_code=program.sponsor.region_code,
                after={
                    "workers": [w.pk for w in accepted],
                    "first_month": first,
                    "last_month": last,
                    "cost": cost,
                },
            )
        program.refresh_from_db(fields=["committed"])
    return EnrollResult(len(accepted), cost, refused, program.remaining)


def _commit(program: Program, cost: Decimal, unit: Decimal) -> None:
    """Add ``cost`` to the committed amount only if it still fits under the pagu and the program is still open for
    enrollment (it may have been closed since it was read), in one statement."""
    changed = Program.objects.filter(
        pk=program.pk, committed__lte=F("pagu") - cost, status__in=OPEN_FOR_ENROLLMENT
    ).update(committed=F("committed") + cost)
    if changed:
        return
    program.refresh_from_db(fields=["committed", "pagu", "status"])
    if program.status not in OPEN_FOR_ENROLLMENT:
        raise Conflict(
            N_("The program is {status}: workers can be enrolled only while it is approved or active."),
            field="program",
            status=program.status,
        )
    remaining = program.pagu - program.committed
    raise Conflict(
        N_(
            "This would commit {cost} but only {remaining} of the pagu remains, enough for {workers} workers "
            "for this period."
        ),
        field="pagu",
        cost=int(cost),
        remaining=int(remaining),
        workers=int(remaining // unit) if unit else 0,
        pagu=int(program.pagu),
    )


def do_end_enrollment(*, actor: Any, enrollment: Enrollment, last_month: date) -> Enrollment:
    """End an enrollment after ``last_month`` (the worker moved, died, found a job); the months not yet billed
    go back to the pagu."""
    require_owner(actor, "sponsorship.manage", enrollment.program.sponsor.region_code)
    last = first_of_month(last_month)
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().select_related("program").get(pk=enrollment.pk)
        billed = Bill.objects.filter(program=locked.program, month__gt=last, lines__enrollment=locked).exists()
        if last < locked.first_month or last >= locked.last_month or billed:
            raise Conflict(
                N_(
                    "The enrollment runs {first} to {last}; it can end only before its last month and after the "
                    "months already billed."
                ),
                field="last_month",
                first=locked.first_month.isoformat()[:7],
                last=locked.last_month.isoformat()[:7],
            )
        before = audit.snapshot(locked)
        occupation = Worker.objects.filter(pk=locked.worker_id).values_list("occupation", flat=True).first()
        new_cost = period_cost(locked.program, locked.first_month, last, occupation)
        Program.objects.filter(pk=locked.program_id).update(committed=F("committed") - (locked.cost - new_cost))
        locked.last_month, locked.cost, locked.status = last, new_cost, EnrollmentStatus.ENDED
        locked.save()
        audit.record(
            actor=actor, action="enrollment.end", obj=locked, region_code=locked.desa_code, before=before, after=locked
        )
    return locked
