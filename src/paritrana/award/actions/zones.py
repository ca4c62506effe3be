"""Award zones (sets of provinces) and moving participants into them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paritrana.award.actions._common import _manage_national, _refusals_audited
from paritrana.award.models import (
    Participant,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, NotFound


def _zones() -> dict[str, str]:
    """Province code -> the name of its award zone."""
    from paritrana.regions.models import RegionGroup

    return {
        code: group.name
        for group in RegionGroup.objects.filter(kind="award_zone").prefetch_related("regions")
        for code in group.regions.values_list("code", flat=True)
    }


def _refresh_zones(participants: Any) -> int:
    """Set each participant's zone from the award zones of its province; how many changed."""
    zones = _zones()
    changed = []
    for p in participants.only("pk", "region_code", "zone"):
        zone = zones.get(p.region_code.split(".")[0], "")
        if p.zone != zone:
            p.zone = zone
            changed.append(p)
    Participant.objects.bulk_update(changed, ["zone"], batch_size=2000)
    return len(changed)


@_refusals_audited("award.zone")
def do_save_zone(
    *,
    actor: Any,
    name: str,
    region_codes: list[str],
    slug: str = "",
    shown: Mapping[str, Mapping[str, Any]] | None = None,
) -> Any:
    """Create or replace an award zone (a named set of provinces) and move the participants of every category not
    yet approved into their zones. A province belongs to one zone only. ``shown``: the zones the caller's page
    listed (slug: name and region codes); a zone changed since, or made since under the same short name, is refused
    rather than replaced (``core.stale``)."""
    from django.utils.text import slugify

    from paritrana.regions.actions import do_save_region_group
    from paritrana.regions.models import RegionGroup
    from paritrana.regions.queries import normalize_code

    _manage_national(actor)
    slug = slug or slugify(name)[:50]
    codes = {normalize_code(c) for c in region_codes if str(c).strip()}
    if not codes:
        raise InvalidInput(N_("Name the provinces of the zone (e.g. 31, 32, 36)."), field="region_codes")
    elsewhere = sorted(
        f"{code} ({group.name})"
        for group in RegionGroup.objects.filter(kind="award_zone").exclude(slug=slug).prefetch_related("regions")
        for code in group.regions.values_list("code", flat=True)
        if code in codes
    )
    if elsewhere:
        raise Conflict(
            N_("A province belongs to one zone only; already in another zone: {codes}."),
            field="region_codes",
            codes=", ".join(elsewhere),
        )
    group = do_save_region_group(
        kind="award_zone",
        name=name,
        region_codes=sorted(codes),
        actor=actor,
        slug=slug,
        expected=None if shown is None else shown.get(slug),
        new=shown is not None and slug not in shown,
    )
    moved = _refresh_zones(Participant.objects.filter(category__approved_at__isnull=True))
    audit.record(
        actor=actor,
        action="award.zone.save",
        obj=group,
        after={"name": group.name, "slug": group.slug, "regions": sorted(codes), "participants_moved": moved},
    )
    return group


@_refusals_audited("award.zone")
def do_delete_zone(*, actor: Any, slug: str) -> int:
    """Remove an award zone; the participants of categories not yet approved lose it (a category ranked per zone
    then refuses to rank them until they have a zone again). How many participants changed."""
    from paritrana.regions.actions import do_delete_region_group
    from paritrana.regions.models import RegionGroup

    _manage_national(actor)
    group = RegionGroup.objects.filter(kind="award_zone", slug=slug).first()
    if group is None:
        raise NotFound(N_("There is no award zone '{slug}'."), slug=slug)
    name = group.name
    do_delete_region_group(group=group, actor=actor)
    moved = _refresh_zones(Participant.objects.filter(category__approved_at__isnull=True))
    audit.record(
        actor=actor,
        action="award.zone.delete",
        object_type="regions.regiongroup",
        object_id=f"award_zone:{slug}",
        after={"name": name, "participants_moved": moved},
    )
    return moved
