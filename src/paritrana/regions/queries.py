"""Reads on regions. Region lists are reference data; what a user may open is decided by core.permissions."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from paritrana.core.errors import N_, BadRequest, NotFound
from paritrana.core.permissions import region_q
from paritrana.regions.models import Region

__all__ = ["children_of", "descendants_of", "get_region", "normalize_code"]

_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


def normalize_code(code: str) -> str:
    """Accept ``3603``, ``36.03``, ``3603012001`` or ``36.03.01.2001``; return the dotted form or raise BadRequest."""
    raw = str(code).strip()
    if "." not in raw and raw.isdigit() and len(raw) in (2, 4, 6, 10):
        raw = ".".join(p for p in (raw[0:2], raw[2:4], raw[4:6], raw[6:10]) if p)
    if not _CODE.match(raw):
        raise BadRequest(
            N_("{value} is not a Kemendagri region code (e.g. 36, 36.03, 36.03.01 or 36.03.01.2001)."),
            field="code",
            value=str(code)[:40],
        )
    return raw


def get_region(code: str) -> Region:
    dotted = normalize_code(code)
    region = Region.objects.filter(code=dotted).first()
    if region is None:
        raise NotFound(N_("There is no region with code {code}."), code=dotted)
    return region


def children_of(code: str | None) -> QuerySet[Region]:
    """Direct children of a region; no code gives the provinces."""
    if not code:
        return Region.objects.filter(level=1)
    parent = get_region(code)
    return Region.objects.filter(parent=parent)


def descendants_of(code: str, *, level: int | None = None) -> QuerySet[Region]:
    """Every region below ``code`` (not itself), optionally of one level only."""
    qs = Region.objects.filter(region_q("code", normalize_code(code))).exclude(code=normalize_code(code))
    return qs.filter(level=level) if level else qs
