"""Scoped reads on sponsorship: sponsors, programs, enrollments, bills, payments and claims a user may see, and
the workers a program may enroll."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import Count, QuerySet

from paritrana.core.errors import N_, InvalidInput, NotFound
from paritrana.core.permissions import region_q, require, scoped
from paritrana.registry.choices import WorkerStatus
from paritrana.registry.models import Worker
from paritrana.sponsorship.models import Bill, Claim, Enrollment, Payment, Program, Sponsor

SPONSOR_FIELD = "sponsor__region_code"


def sponsors_for(user: Any) -> QuerySet[Sponsor]:
    return scoped(Sponsor.objects.all(), user, "sponsorship.view")


def programs_for(user: Any, capability: str = "sponsorship.view") -> QuerySet[Program]:
    return scoped(Program.objects.select_related("sponsor"), user, capability, SPONSOR_FIELD)


def get_program(user: Any, pk: int, capability: str = "sponsorship.view") -> Program:
    program = Program.objects.select_related("sponsor").filter(pk=pk).first()
    if program is None:
        raise NotFound()
    require(user, capability, program.sponsor.region_code)
    return program


def get_sponsor(user: Any, pk: int, capability: str = "sponsorship.view") -> Sponsor:
    sponsor = Sponsor.objects.filter(pk=pk).first()
    if sponsor is None:
        raise NotFound()
    require(user, capability, sponsor.region_code)
    return sponsor


def get_enrollment(user: Any, pk: int) -> Enrollment:
    enrollment = Enrollment.objects.select_related("program__sponsor").filter(pk=pk).first()
    if enrollment is None:
        raise NotFound()
    require(user, "sponsorship.view", enrollment.program.sponsor.region_code)
    require(user, "registry.view", enrollment.desa_code)
    return enrollment


def village_needs(user: Any, region: str) -> list[Any]:
    """Per desa of ``region``: the registered active workers enrolled nowhere, by poverty decile (0: unknown),
    for the planner's allocation."""
    from collections import defaultdict

    from paritrana.registry.queries import workers_for
    from paritrana.sponsorship.planner import VillageNeed

    rows = (
        workers_for(user, region=region)
        .filter(status="active")
        .exclude(enrollments__status="active")
        .values("desa_code", "poverty_decile")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_desa: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        by_desa[row["desa_code"]][row["poverty_decile"] or 0] = row["n"]
    return [VillageNeed(code=code, eligible_by_decile=deciles) for code, deciles in sorted(by_desa.items())]


def eligible_workers(program: Program, *, desa: str = "", occupation: str = "", limit: int | None = None) -> Any:
    """The active workers of the program's area its eligibility admits, poorest first, not yet in it. Age and
    double sponsorship are checked by ``do_enroll``, which names each refusal."""
    area = program.area
    qs = Worker.objects.filter(status=WorkerStatus.ACTIVE).filter(region_q("desa_code", area))
    if desa:
        qs = qs.filter(region_q("desa_code", desa))
    if occupation:
        qs = qs.filter(occupation=occupation)
    elif program.occupations:
        qs = qs.filter(occupation__in=program.occupations)
    if program.max_poverty_decile is not None:
        qs = qs.filter(poverty_decile__lte=program.max_poverty_decile)
    qs = qs.exclude(enrollments__program=program).order_by("poverty_decile", "pk")
    return qs[:limit] if limit else qs


def renewal_candidates(program: Program) -> list[Worker]:
    """The workers of the program this one renews who are still active (not dead, merged, moved away or inactive)."""
    if program.renewed_from_id is None:
        return []
    previous = Worker.objects.filter(enrollments__program_id=program.renewed_from_id)
    return list(previous.filter(status=WorkerStatus.ACTIVE).order_by("pk"))


def enrollment_candidates(
    user: Any, program: Program, worker_ids: list[int], by_filter: bool, desa: str, carry_over: bool
) -> list[Any]:
    """The workers an enrollment request names: ids inside the user's registry scope, the program's eligible
    workers (optionally of one desa), or the workers of the program it renews."""
    from paritrana.regions.queries import normalize_code
    from paritrana.registry.queries import workers_for

    if carry_over:
        return renewal_candidates(program)
    if by_filter:
        return list(eligible_workers(program, desa=normalize_code(desa) if desa else ""))
    found = {w.pk: w for w in workers_for(user).filter(pk__in=worker_ids)}
    missing = [i for i in worker_ids if i not in found]
    if missing:
        raise NotFound(N_("No worker {ids} in your scope."), field="worker_ids", ids=", ".join(map(str, missing[:10])))
    return list(found.values())


def plan(
    user: Any,
    *,
    budget: Any,
    months: int,
    on: date,
    package: str = "jkk,jkm",
    income: Any = 1_000_000,
    region: str = "",
    minimum: int = 0,
    funder: str = "apbd",
) -> tuple[Any, Any]:
    """How many workers ``budget`` covers, and, for a region, its allocation across the desa by the planner's
    solver (the registered workers enrolled nowhere, within the user's scope). Returns (answer, allocation)."""
    from paritrana.core.money import to_rupiah
    from paritrana.regions.queries import normalize_code
    from paritrana.sponsorship import planner

    answer = planner.workers_for_budget(
        budget=to_rupiah(budget, field="budget"),
        months=months,
        on=on,
        package=tuple(p.strip() for p in package.split(",") if p.strip()),
        income=to_rupiah(income, field="income"),
        funder=funder,
    )
    if not region:
        return answer, None
    allocation = planner.allocate(
        budget=answer.budget,
        months=months,
        unit_cost=answer.monthly,
        villages=village_needs(user, normalize_code(region)),
        minimum_per_village=minimum,
    )
    return answer, allocation


def bills_for(user: Any) -> QuerySet[Bill]:
    return scoped(
        Bill.objects.select_related("program__sponsor"), user, "sponsorship.view", "program__" + SPONSOR_FIELD
    )


def get_bill(user: Any, pk: int) -> Bill:
    bill = Bill.objects.select_related("program__sponsor").filter(pk=pk).first()
    if bill is None:
        raise NotFound()
    require(user, "sponsorship.view", bill.program.sponsor.region_code)
    return bill


def payments_for(user: Any) -> QuerySet[Payment]:
    return scoped(Payment.objects.select_related("bill"), user, "payments.record")


def enrollments_for(user: Any, program: Program) -> QuerySet[Enrollment]:
    """Enrollments name workers: the registry's view right is needed, and its scope applies to the desa."""
    require(user, "sponsorship.view", program.sponsor.region_code)
    return scoped(program.enrollments.select_related("worker"), user, "registry.view", "desa_code")


def claims_for(user: Any) -> QuerySet[Claim]:
    return scoped(Claim.objects.select_related("worker", "program__sponsor"), user, "registry.view", "desa_code")


def workers_in_list(user: Any, source: Path | bytes, filename: str) -> list[Any]:
    """The registered workers whose NIKs a CSV/XLSX lists (its NIK column found as the import finds it). Every
    NIK must be registered and inside the user's scope, else nothing is returned and the first ones are named."""
    import polars as pl

    from paritrana.core.privacy import mask_nik
    from paritrana.core.sheets import read_table
    from paritrana.registry.ingest import guess_mapping
    from paritrana.registry.queries import workers_for

    table = read_table(source, filename=filename)
    column = guess_mapping(table.headers).get("nik")
    if column is None:
        raise InvalidInput(N_("The file {filename} has no NIK column."), field="nik", filename=filename)
    niks = table.frame.select(pl.col(column).str.replace_all(r"\D", "")).to_series().drop_nulls().unique().to_list()
    found = {w.nik: w for w in workers_for(user).filter(nik__in=niks)}
    missing = [n for n in niks if n not in found]
    if missing:
        raise NotFound(
            N_("{count} NIKs of the list are not in the registry or lie outside your scope, e.g. {niks}."),
            field="nik",
            count=len(missing),
            niks=", ".join(mask_nik(n) for n in sorted(missing)[:5]),
        )
    return list(found.values())


def made_or_changed_by(user: Any, program: Program) -> bool:
    """Did this user create the program or change it (the audit log says)? Maker-checker: such a user does not
    approve it. The console (no user) is exempt: it is the server's administrator, audited as "system"."""
    from paritrana.core.models import AuditEvent

    user_id = getattr(user, "pk", None)
    if user_id is None:
        return False
    return (
        program.created_by_id == user_id
        or AuditEvent.objects.filter(
            object_type=Program._meta.label_lower,
            object_id=str(program.pk),
            action__in=("program.create", "program.update"),
            actor_id=user_id,
        ).exists()
    )
