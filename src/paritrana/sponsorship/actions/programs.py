"""Sponsors and programs: creating them, the fields of a program (pagu, package, eligibility) and what may
still change in each status, the status flow draft -> approved -> active -> closed, and the renewal for the next
fiscal year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from lokal import format_rupiah

from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, MakerChecker, OutOfRange
from paritrana.core.money import to_rupiah
from paritrana.core.permissions import in_scope, require, require_owner
from paritrana.core.stale import refuse_if_changed
from paritrana.regions.queries import get_region, normalize_code
from paritrana.registry.choices import Occupation
from paritrana.sponsorship.actions._common import _user
from paritrana.sponsorship.actions.billing import month_price, program_funder
from paritrana.sponsorship.choices import NEXT_STATUS, Package, ProgramStatus, SponsorKind
from paritrana.sponsorship.models import Program, Sponsor
from paritrana.sponsorship.queries import made_or_changed_by

#: The level of region each kind of sponsor belongs to (None: any level).
SPONSOR_LEVEL = {"apbd_provinsi": 1, "apbd_kabkota": 2, "apbdes": 4}


def do_create_sponsor(*, actor: Any, name: str, kind: str, region_code: str, opd: str = "") -> Sponsor:
    if kind not in SponsorKind.values:
        raise InvalidInput(
            N_("Unknown sponsor kind {value}; use one of {valid}."),
            field="kind",
            value=kind,
            valid=", ".join(SponsorKind.values),
        )
    if not name.strip():
        raise InvalidInput(N_("Give the sponsor a name."), field="name")
    region = get_region(normalize_code(region_code))
    require(actor, "sponsorship.manage", region.code)
    level = SPONSOR_LEVEL.get(kind)
    if level is not None and region.level != level:
        raise InvalidInput(
            N_("A sponsor of kind {kind} belongs to a region of level {level}; {region} is level {actual}."),
            field="region_code",
            kind=kind,
            level=level,
            region=region.code,
            actual=region.level,
        )
    with transaction.atomic():
        sponsor = Sponsor.objects.create(name=name.strip(), kind=kind, region_code=region.code, opd=opd.strip())
        audit.record(actor=actor, action="sponsor.create", obj=sponsor, region_code=region.code, after=sponsor)
    return sponsor


PROGRAM_FIELDS = (
    "name",
    "fiscal_year",
    "pagu",
    "package",
    "declared_income",
    "first_month",
    "months",
    "target_workers",
    "region_code",
    "occupations",
    "max_poverty_decile",
    "min_age",
    "max_age",
    "min_workers_per_desa",
    "grace_days",
)
#: What may still change once a program is approved: the money and the targets, not who or what it covers.
CHANGEABLE_WHEN_OPEN = ("name", "pagu", "target_workers", "min_workers_per_desa", "grace_days")


def _int(value: Any, name: str, minimum: int, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(N_("{field} must be a whole number; got {value}."), field=name, value=value) from None
    if not minimum <= number <= maximum:
        raise OutOfRange(field=name, minimum=minimum, maximum=maximum, value=number)
    return number


def _clean_program(sponsor: Sponsor, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise program fields; every problem names its field."""
    out = dict(values)
    if "name" in out and not str(out["name"]).strip():
        raise InvalidInput(N_("Give the program a name."), field="name")
    if "fiscal_year" in out:
        out["fiscal_year"] = _int(out["fiscal_year"], "fiscal_year", 2015, 2100)
    if "pagu" in out:
        out["pagu"] = to_rupiah(out["pagu"], field="pagu")
        if out["pagu"] < 0:
            raise OutOfRange(field="pagu", minimum=0, maximum="-", value=int(out["pagu"]))
    if "declared_income" in out:
        out["declared_income"] = to_rupiah(out["declared_income"], field="declared_income")
    if "package" in out and out["package"] not in Package.values:
        raise InvalidInput(
            N_("Unknown package {value}; use one of {valid}."),
            field="package",
            value=out["package"],
            valid=", ".join(Package.values),
        )
    for name, low, high in (("first_month", 1, 12), ("months", 1, 12), ("target_workers", 0, 100_000_000)):
        if name in out:
            out[name] = _int(out[name], name, low, high)
    for name, low, high in (("max_poverty_decile", 1, 10), ("min_age", 0, 120), ("max_age", 0, 120)):
        if out.get(name) not in (None, ""):
            out[name] = _int(out[name], name, low, high)
        elif name in out:
            out[name] = None
    # Grace beyond a year would keep an unpaid bill "covered" into the next fiscal year (and overflows the column).
    for name, high in (("min_workers_per_desa", 100_000), ("grace_days", 365)):
        if name in out:
            out[name] = _int(out[name], name, 0, high)
    if "occupations" in out:
        wrong = [o for o in out["occupations"] or [] if o not in Occupation.values]
        if wrong:
            raise InvalidInput(N_("Unknown occupations: {value}."), field="occupations", value=", ".join(wrong))
        out["occupations"] = sorted(set(out["occupations"] or []))
    if out.get("region_code"):
        code = get_region(normalize_code(out["region_code"])).code
        if not in_scope(code, sponsor.region_code):
            raise InvalidInput(
                N_("The eligible area {region} lies outside the sponsor's region {sponsor_region}."),
                field="region_code",
                region=code,
                sponsor_region=sponsor.region_code,
            )
        out["region_code"] = code
    return out


def _check_period(program: Program) -> None:
    if program.first_month + program.months - 1 > 12:
        raise InvalidInput(
            N_("The months covered must end within the fiscal year: from month {first}, at most {most} months."),
            field="months",
            first=program.first_month,
            most=13 - program.first_month,
        )
    if program.min_age is not None and program.max_age is not None and program.min_age > program.max_age:
        raise InvalidInput(N_("The minimum age is above the maximum age."), field="min_age")
    # income in the valid range, rules in force
    month_price(program.package, program.declared_income, program.start, program_funder(program))


def do_create_program(*, actor: Any, sponsor: Sponsor, **values: Any) -> Program:
    require_owner(actor, "sponsorship.manage", sponsor.region_code)
    unknown = set(values) - set(PROGRAM_FIELDS)
    if unknown:
        raise InvalidInput(
            N_("Unknown program fields: {value}."), field=sorted(unknown)[0], value=", ".join(sorted(unknown))
        )
    for name in ("name", "fiscal_year", "pagu"):
        if values.get(name) in (None, ""):
            raise InvalidInput(N_("{field} is required."), field=name)
    program = Program(sponsor=sponsor, created_by=_user(actor), **_clean_program(sponsor, values))
    _check_period(program)
    with transaction.atomic():
        program.save()
        audit.record(actor=actor, action="program.create", obj=program, region_code=sponsor.region_code, after=program)
    return program


def _said(value: Any) -> str:
    """A value as a message says it: an amount in Rupiah."""
    return format_rupiah(value) if isinstance(value, Decimal) else str(value)


@audit.refusals_audited("program.update")
def do_update_program(
    *, actor: Any, program: Program, expected: dict[str, Any] | None = None, **changes: Any
) -> Program:
    """Change the fields of a program its status allows. ``expected``: the values the caller's page showed for the
    fields it changes; when one has changed since (a colleague, another tab), nothing is saved."""
    require_owner(actor, "sponsorship.manage", program.sponsor.region_code)
    with transaction.atomic():
        # The status read under the lock, not the caller's copy: a page opened before the program was approved or
        # closed must not change what the new status forbids.
        locked = Program.objects.select_for_update().select_related("sponsor").get(pk=program.pk)
        clean = _clean_program(locked.sponsor, changes)
        for name, shown in _clean_program(locked.sponsor, expected or {}).items():
            refuse_if_changed(name, shown, getattr(locked, name), asked=clean.get(name, shown), say=_said)
        allowed: tuple[str, ...] = PROGRAM_FIELDS if locked.status == ProgramStatus.DRAFT else CHANGEABLE_WHEN_OPEN
        if locked.status == ProgramStatus.CLOSED:
            allowed = ()
        refused = sorted(set(changes) - set(allowed))
        if refused:
            raise Conflict(
                N_("{fields} cannot change while the program is {status}."),
                field=refused[0],
                fields=", ".join(refused),
                status=locked.status,
            )
        before = audit.snapshot(locked)
        for name, value in clean.items():
            setattr(locked, name, value)
        if locked.pagu < locked.committed:
            raise Conflict(
                N_("The pagu cannot go below what is already committed: {committed} (asked {pagu})."),
                field="pagu",
                committed=int(locked.committed),
                pagu=int(locked.pagu),
            )
        _check_period(locked)
        locked.save()
        audit.record(
            actor=actor,
            action="program.update",
            obj=locked,
            region_code=locked.sponsor.region_code,
            before=before,
            after=locked,
        )
    return locked


@audit.refusals_audited("program.advance")
def do_advance_program(*, actor: Any, program: Program, to: str) -> Program:
    """draft -> approved -> active -> closed, one step at a time; who did it and when is kept."""
    capability = "sponsorship.approve" if to == ProgramStatus.APPROVED else "sponsorship.manage"
    require_owner(actor, capability, program.sponsor.region_code)
    with transaction.atomic():
        locked = Program.objects.select_for_update().select_related("sponsor").get(pk=program.pk)
        if NEXT_STATUS.get(locked.status) != to:
            raise Conflict(
                N_("A program that is {status} cannot become {to}."), field="status", status=locked.status, to=to
            )
        if to == ProgramStatus.APPROVED and made_or_changed_by(actor, locked):
            raise MakerChecker(region=locked.sponsor.region_code)
        before = audit.snapshot(locked)
        now = timezone.now()
        locked.status = to
        if to == ProgramStatus.APPROVED:
            locked.approved_by, locked.approved_at = _user(actor), now
        elif to == ProgramStatus.ACTIVE:
            locked.activated_at = now
        else:
            locked.closed_at = now
        locked.save()
        audit.record(
            actor=actor,
            action=f"program.{to}",
            obj=locked,
            region_code=locked.sponsor.region_code,
            before=before,
            after=locked,
        )
    return locked


def do_renew_program(*, actor: Any, program: Program, pagu: Any, fiscal_year: int | None = None) -> Program:
    """A draft copy of ``program`` for the next fiscal year within its new pagu. Once approved, its workers who
    still qualify are carried over with ``do_enroll(workers=queries.renewal_candidates(new))``."""
    values = {name: getattr(program, name) for name in PROGRAM_FIELDS}
    values.update(pagu=pagu, fiscal_year=fiscal_year or program.fiscal_year + 1)
    if Program.objects.filter(renewed_from=program, fiscal_year=values["fiscal_year"]).exists():
        raise Conflict(
            N_("This program was already renewed for {year}."), field="fiscal_year", year=values["fiscal_year"]
        )
    new = do_create_program(actor=actor, sponsor=program.sponsor, **values)
    new.renewed_from = program
    new.save(update_fields=["renewed_from"])
    return new
