"""Region-scoped access, enforced here and only here.

A user holds roles (``accounts.RoleAssignment``), each inside a region: a blank region is the whole country,
``36`` is Banten and everything in it, ``36.03.01.2001`` one desa. What a role may do is the table
``CAPABILITIES``. Views, API endpoints and the command line ask ``require`` (one object) or ``scoped``
(a queryset); ``tests/test_access_matrix.py`` calls every URL as every role, inside and outside its scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from paritrana.core.errors import NotAuthenticated, NotOwner, OutOfScope, PermissionDenied
from paritrana.core.roles import Role

__all__ = [
    "CAPABILITIES",
    "Scope",
    "can",
    "in_scope",
    "owns",
    "region_q",
    "require",
    "require_national",
    "require_owner",
    "scope_for",
    "scoped",
]

_ALL = frozenset(Role)
CAPABILITIES: dict[str, frozenset[Role]] = {
    # Reference data and dashboards, within the scope of any role.
    "regions.view": _ALL,
    # Editing award zones and BPJS branch-office areas, users and roles; reading the audit log.
    "regions.manage": frozenset({Role.SYSTEM_ADMIN}),
    "users.manage": frozenset({Role.SYSTEM_ADMIN}),
    "audit.view": frozenset({Role.SYSTEM_ADMIN}),
    # The worker registry: personal data. Lists show masked NIKs; the full NIK is for roles that act on it.
    "registry.view": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.VILLAGE_OPERATOR, Role.BPJS_OFFICER}),
    "registry.import": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.VILLAGE_OPERATOR}),
    "registry.view_nik": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.BPJS_OFFICER}),
    # Sponsorship: sponsors, programs, bills and monev figures carry no personal data; enrollments and claims
    # name workers, so their lists also need registry.view.
    "sponsorship.view": _ALL - {Role.JURY},
    "sponsorship.manage": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.VILLAGE_OPERATOR}),
    "sponsorship.approve": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.VILLAGE_OPERATOR}),
    "payments.record": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.VILLAGE_OPERATOR, Role.BPJS_OFFICER}),
    "payments.reconcile": frozenset({Role.SYSTEM_ADMIN, Role.BPJS_OFFICER}),
    "claims.record": frozenset({Role.SYSTEM_ADMIN, Role.BPJS_OFFICER}),
    # Coverage indicators: aggregates, no personal data. Every role reads them in its scope (the public sees
    # the published dashboard, with small counts suppressed); refreshing facts and editing the reference data
    # (workforce, targets, indicator definitions, boundaries) is for operators and administrators.
    "indicators.view": _ALL,
    "indicators.manage": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.BPJS_OFFICER}),
    # The award. The committee of a round (national, or a province's) runs it; a region's operators answer its
    # self-assessment; judges score the categories they sit on; results are public once published.
    "award.view": _ALL,
    "award.manage": frozenset({Role.SYSTEM_ADMIN, Role.AWARD_COMMITTEE}),
    "award.submit": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.VILLAGE_OPERATOR}),
    "award.judge": frozenset({Role.JURY}),
    # Asistensi and monev sessions, findings and follow-ups (issue 9): the BPJS branch and the region's agencies.
    # Read by every role that works a region or runs the award (attendees are named people, so not the viewer;
    # the jury scores from the committee's indicators, not from the sessions). Heirs are personal data (names,
    # birth dates of children): read by the roles that act on them; BPJS pays the scholarship and records it;
    # Disnaker also refers heirs to training.
    "followup.view": frozenset(
        {Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.VILLAGE_OPERATOR, Role.BPJS_OFFICER, Role.AWARD_COMMITTEE}
    ),
    "followup.manage": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.BPJS_OFFICER}),
    "heirs.view": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.BPJS_OFFICER}),
    "heirs.manage": frozenset({Role.SYSTEM_ADMIN, Role.BPJS_OFFICER}),
    "heirs.refer": frozenset({Role.SYSTEM_ADMIN, Role.REGIONAL_OPERATOR, Role.BPJS_OFFICER}),
}


def in_scope(code: str, scope_code: str) -> bool:
    """True when region ``code`` is ``scope_code`` or lies below it (blank scope = the whole country)."""
    return not scope_code or code == scope_code or code.startswith(scope_code + ".")


def region_q(field: str, scope_code: str) -> Q:
    """Rows whose ``field`` lies inside ``scope_code``: the code itself and every code under it ("36.03" and
    "36.03.01.2001", never "36.031"), as one range on the dotted code, ``scope_code <= field < scope_code + "/"`` ('/'
    sorts right after '.', and a code holds only digits and dots). One range, not "equal or under": a B-tree index
    serves both of its ends on SQLite and PostgreSQL alike, so a list read in index order stops at the scope's last
    row instead of reading the rest of the country (issue 22: the last page of a kabupaten)."""
    if not scope_code:
        return Q()
    low, high = region_range(scope_code)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def region_range(scope_code: str) -> tuple[str, str]:
    """The codes inside ``scope_code`` as one half-open range ``[low, high)``: '/' sorts right after '.', and a
    code holds only digits and dots. The one statement of "inside a region" that ``region_q`` (Django),
    ``Scope.sql`` (raw SQL) and ``Scope.expr`` (Polars) read."""
    return scope_code, scope_code + "/"


@dataclass(frozen=True)
class Scope:
    """The regions in which a user holds a capability; ``national`` means everywhere."""

    codes: frozenset[str]
    national: bool

    def contains(self, code: str) -> bool:
        return self.national or any(in_scope(code, c) for c in self.codes)

    def q(self, field: str) -> Q:
        if self.national:
            return Q()
        q = Q(pk__in=[])
        for code in sorted(self.codes):
            q |= region_q(field, code)
        return q

    def sql(self, column: str) -> tuple[str, list[Any]]:
        """``column`` inside the scope as a raw SQL condition and its parameters (for ``read_frame``)."""
        if self.national:
            return "1 = 1", []
        if not self.codes:
            return "1 = 0", []
        ranges = [region_range(code) for code in sorted(self.codes)]
        where = " OR ".join(f"({column} >= %s AND {column} < %s)" for _ in ranges)
        return f"({where})", [bound for pair in ranges for bound in pair]

    def expr(self, column: str) -> Any:
        """``column`` inside the scope as a Polars expression (for a file read into a frame)."""
        import polars as pl

        if self.national:
            return pl.lit(True)
        col = pl.col(column)
        ranges = [region_range(code) for code in sorted(self.codes)]
        return pl.any_horizontal([(col >= low) & (col < high) for low, high in ranges]) if ranges else pl.lit(False)

    @property
    def empty(self) -> bool:
        return not self.national and not self.codes


def _assignments(user: Any) -> list[tuple[str, str]]:
    cached = getattr(user, "_paritrana_roles", None)
    if cached is None:
        cached = list(user.roles.values_list("role", "region_code")) if user.is_authenticated else []
        user._paritrana_roles = cached
    return cached


def scope_for(user: Any, capability: str) -> Scope:
    """Where ``user`` holds ``capability``. Django superusers are system admins everywhere."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Scope(frozenset(), national=True)
    allowed = CAPABILITIES[capability]
    codes = {code for role, code in _assignments(user) if role in allowed}
    return Scope(frozenset(c for c in codes if c), national="" in codes)


def can(user: Any, capability: str, region_code: str | None = None) -> bool:
    scope = scope_for(user, capability)
    return not scope.empty if region_code is None else scope.contains(region_code)


def require(user: Any, capability: str, region_code: str | None = None) -> Scope:
    """Raise unless ``user`` may use ``capability`` (at ``region_code``, when given); return the scope."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    scope = scope_for(user, capability)
    if scope.empty:
        raise PermissionDenied()
    if region_code is not None and not scope.contains(region_code):
        raise OutOfScope(region=region_code)
    return scope


def owns(user: Any, capability: str, region_code: str) -> bool:
    """Whether ``require_owner`` would let ``user`` write into what ``region_code`` owns (for pages: which buttons)."""
    if user is None or not user.is_authenticated:
        return False
    scope = scope_for(user, capability)
    return scope.national or region_code in scope.codes


def require_owner(user: Any, capability: str, region_code: str) -> Scope:
    """Like ``require``, for writes into what a region's own government owns (its programs): the user must hold
    ``capability`` in that very region (or nationally). Containment is not ownership: a province's operator reads
    and advises on a kabupaten's program but does not change it, unless granted a role in that kabupaten."""
    scope = require(user, capability, region_code)
    if not scope.national and region_code not in scope.codes:
        raise NotOwner(region=region_code)
    return scope


def require_national(user: Any, capability: str) -> Scope:
    """Like ``require``, for things that belong to the whole country (award zones, users): national scope only."""
    scope = require(user, capability)
    if not scope.national:
        raise OutOfScope(region="*")
    return scope


def scoped(queryset: QuerySet[Any], user: Any, capability: str, field: str = "region_code") -> QuerySet[Any]:
    """``queryset`` cut down to the rows inside the user's scope for ``capability``."""
    return queryset.filter(require(user, capability).q(field))


class SystemActor:
    """The console: the command line acts with national scope and is audited as "system" (or ``--user``)."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True

    def get_username(self) -> str:
        return "system"


SYSTEM = SystemActor()
