"""The heirs of a death claim: one by one, or as rows entered with the claim (the claim form, the claims file)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from paritrana.core import audit
from paritrana.core.errors import (
    N_,
    InvalidInput,
    NotAuthenticated,
    OutOfRange,
    ParitranaError,
    PermissionDenied,
)
from paritrana.core.permissions import require
from paritrana.followup.actions._common import (
    DEATH_KINDS,
    _choice,
    _date,
    _death_claim,
    _not_future,
    _optional_date,
    _text,
    _user,
)
from paritrana.followup.actions.scholarships import _child_values, do_flag_scholarship_child
from paritrana.followup.choices import (
    RELATION_WORDS,
    SCHOOL_LEVEL_WORDS,
    Relation,
)
from paritrana.followup.models import (
    Heir,
)
from paritrana.registry.models import Worker
from paritrana.registry.nik import check_nik
from paritrana.sponsorship.models import Claim

logger = logging.getLogger(__name__)


def _heir_audit(heir: Heir) -> dict[str, Any]:
    """The heir as the audit log keeps it: the NIK masked."""
    return {**(audit.snapshot(heir) or {}), "nik": heir.masked_nik}


def _heir_nik(value: Any) -> str:
    """An heir's NIK (optional), checked as the registry checks a worker's (``registry.nik``)."""
    return check_nik(value)


def _heir_values(*, name: Any, relation: Any, birth_date: Any, nik: Any = "") -> dict[str, Any]:
    """An heir's fields checked (each refusal names its field), before anything is written."""
    word = str(relation or "").strip().lower()
    relation = _choice(RELATION_WORDS.get(word, word), Relation, "relation")
    born = _date(birth_date, "birth_date")
    _not_future(born, "birth_date")
    return {"name": _text(name, "name"), "relation": relation, "birth_date": born, "nik": _heir_nik(nik)}


def do_add_heir(*, actor: Any, claim: Claim, name: str, relation: str, birth_date: Any, nik: str = "") -> Heir:
    """An heir of a JKM or JKK death claim. A claim that is not a death is refused."""
    require(actor, "heirs.manage", claim.desa_code)
    _death_claim(claim)
    values = _heir_values(name=name, relation=relation, birth_date=birth_date, nik=nik)
    with transaction.atomic():
        heir = Heir.objects.create(claim=claim, created_by=_user(actor), **values)
        audit.record(
            actor=actor, action="followup.heir.create", obj=heir, region_code=claim.desa_code, after=_heir_audit(heir)
        )
    return heir


#: The most heirs one claim entry takes (a family, not a list: a longer one is a file to import).
MAX_HEIRS = 20


#: ``school_level`` of an heir row for a child who receives the scholarship at the level of their age (not yet in
#: school, or the level not known); blank: the heir does not (yet) receive it.
BY_AGE = "age"


class _Problem:
    """An heir row's refusal inside the message that names the row, translated when the message is rendered."""

    def __init__(self, error: ParitranaError) -> None:
        self.error = error

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return self.error.render_message(gettext)


@contextmanager
def _heir_row(index: int) -> Iterator[None]:
    """A refusal raised for heir row ``index`` (0-based) names the row (1-based) and its field (``heirs[0].nik``);
    ``heir_index`` keeps the position for a caller that maps it back to its own rows (a claims file)."""
    try:
        yield
    except (PermissionDenied, NotAuthenticated):
        raise
    except ParitranaError as error:
        field = str(error.details.get("field") or "")
        raise type(error)(
            N_("Heir {row}: {problem}"),
            row=index + 1,
            heir_index=index,
            field=f"heirs[{index}].{field}",
            problem=_Problem(error),
        ) from error


def _heir_row_values(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An heir row's heir fields, and its scholarship (level and year within it) when a school level is given."""
    fields = ("name", "relation", "birth_date", "nik", "school_level", "grade")
    unknown = sorted(set(row) - set(fields))
    if unknown:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."), field="field", value=unknown[0], valid=", ".join(fields)
        )
    values = _heir_values(
        name=row.get("name"), relation=row.get("relation"), birth_date=row.get("birth_date"), nik=row.get("nik")
    )
    level = str(row.get("school_level") or "").strip().lower()
    level = SCHOOL_LEVEL_WORDS.get(level, level)
    if not level:
        return values, None
    if values["relation"] != Relation.CHILD:
        raise InvalidInput(
            N_("Only a child of the worker receives the scholarship; leave the school level empty for {name}."),
            field="school_level",
            name=values["name"],
        )
    scholarship = _child_values({"level": "" if level == BY_AGE else level, "grade": row.get("grade") or 1})
    if not 1 <= scholarship["grade"] <= 6:
        raise OutOfRange(field="grade", minimum=1, maximum=6, value=scholarship["grade"])
    return values, scholarship


def do_record_claim_with_heirs(
    *,
    actor: Any,
    worker: Worker,
    kind: str,
    event_date: Any,
    amount_paid: Any,
    paid_on: Any = None,
    heirs: Iterable[Mapping[str, Any]] = (),
    contribution_years: Any = None,
    note: str = "",
) -> Claim:
    """Register a claim (``sponsorship.actions.do_record_claim``: checked against coverage and the rules; a death
    claim records the death) and, for a JKM or JKK death, its heirs as rows (name, relation, birth date, NIK
    optional, and a school level for a child who receives the scholarship), in one transaction: the heirs are those
    of the heirs page and the children's scholarship schedule. ``contribution_years``: the worker's years of
    contributions, which a JKM death's scholarship needs. ``note``: free text kept on the claim (what the old
    ``heirs`` field held). A refusal in any heir row names the row and its field, and nothing is written: no claim,
    no heir, no audit entry."""
    from paritrana.sponsorship.actions import do_record_claim

    checked = _checked_heirs(actor, worker.desa_code, kind, heirs)
    event = _date(event_date, "event_date")
    paid = _optional_date(paid_on, "paid_on")
    with transaction.atomic():
        claim = do_record_claim(
            actor=actor,
            worker=worker,
            kind=kind,
            event_date=event,
            amount_paid=amount_paid,
            paid_on=paid,
            heirs=_text(note, "note", required=False, limit=2000),
        )
        _write_heirs(actor, claim, checked, contribution_years)
    return claim


def record_claim_heirs(
    *, actor: Any, claim: Claim, heirs: Iterable[Mapping[str, Any]], contribution_years: Any = None
) -> int:
    """The heirs of a claim just recorded (a claims file with heir columns, ``sponsorship.actions.on_claim_heirs``),
    checked and written as ``do_record_claim_with_heirs`` does, inside the caller's transaction. Returns how many."""
    checked = _checked_heirs(actor, claim.desa_code, claim.kind, heirs)
    _write_heirs(actor, claim, checked, contribution_years)
    return len(checked)


def _checked_heirs(
    actor: Any, desa_code: str, kind: str, heirs: Iterable[Mapping[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Every heir row checked before anything is written; a refusal names the row and its field."""
    rows = list(heirs or ())
    if rows and kind not in DEATH_KINDS:
        raise InvalidInput(
            N_("Heirs are recorded on a death claim (JKM or JKK death) only; this is a {kind} claim."),
            field="heirs",
            kind=kind,
        )
    if len(rows) > MAX_HEIRS:
        raise OutOfRange(field="heirs", minimum=0, maximum=MAX_HEIRS, value=len(rows))
    if rows:
        require(actor, "heirs.manage", desa_code)
    checked = []
    for index, row in enumerate(rows):
        with _heir_row(index):
            checked.append(_heir_row_values(row))
    return checked


def _write_heirs(
    actor: Any, claim: Claim, checked: list[tuple[dict[str, Any], dict[str, Any] | None]], contribution_years: Any
) -> None:
    for index, (values, scholarship) in enumerate(checked):
        with _heir_row(index):
            heir = do_add_heir(actor=actor, claim=claim, **values)
            if scholarship is not None:
                do_flag_scholarship_child(actor=actor, heir=heir, contribution_years=contribution_years, **scholarship)
    logger.info("claim %s recorded with %s heirs", claim.pk, len(checked))
