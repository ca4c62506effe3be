"""Writes on regions and region groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from paritrana.core import audit
from paritrana.core.errors import N_, InvalidInput
from paritrana.regions.choices import GROUP_MEMBER_LEVEL, RegionGroupKind
from paritrana.regions.kemendagri import kemendagri_regions
from paritrana.regions.models import Region, RegionGroup
from paritrana.regions.queries import normalize_code

__all__ = ["do_delete_region_group", "do_load_regions", "do_save_region_group", "kemendagri_regions"]


@transaction.atomic
def do_load_regions(*, actor: Any, rows: Iterable[tuple[str, str, str, int]] | None = None) -> dict[str, int]:
    """Insert missing regions and rename changed ones; idempotent. Returns counts per action."""
    wanted = list(rows if rows is not None else kemendagri_regions())
    existing = dict(Region.objects.values_list("code", "name"))
    new = [
        Region(code=c, name=n, kind=k, level=lv, parent_id=c.rsplit(".", 1)[0] if "." in c else None)
        for c, n, k, lv in wanted
        if c not in existing
    ]
    renamed = [Region(code=c, name=n) for c, n, _k, _lv in wanted if c in existing and existing[c] != n]
    Region.objects.bulk_create(new, batch_size=5000)
    Region.objects.bulk_update(renamed, ["name"], batch_size=5000)
    counts = {"created": len(new), "renamed": len(renamed), "unchanged": len(wanted) - len(new) - len(renamed)}
    if new or renamed:
        audit.record(actor=actor, action="regions.load", object_type="regions.region", after=counts)
    return counts


@transaction.atomic
def do_save_region_group(
    *, kind: str, name: str, region_codes: Iterable[str], actor: Any, slug: str = ""
) -> RegionGroup:
    """Create or replace a named group (award zone or branch area) with exactly these member regions."""
    if kind not in RegionGroupKind.values:
        raise InvalidInput(field="kind", value=kind)
    if not name.strip():
        raise InvalidInput(N_("Give the group a name."), field="name")
    codes = sorted({normalize_code(c) for c in region_codes})
    level = GROUP_MEMBER_LEVEL[RegionGroupKind(kind)]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise InvalidInput(N_("Unknown region codes: {codes}."), field="region_codes", codes=", ".join(unknown))
    wrong = [c for c in codes if found[c].level != level]
    if wrong:
        expected = N_("provinces") if level == 1 else N_("kabupaten/kota")
        raise InvalidInput(
            N_("A {kind} is made of {expected}; these are not: {codes}."),
            field="region_codes",
            kind=kind,
            expected=expected,
            codes=", ".join(wrong),
        )
    slug = slug or slugify(name)[:50]
    group = RegionGroup.objects.filter(kind=kind, slug=slug).first()
    before = {"name": group.name, "regions": sorted(group.regions.values_list("code", flat=True))} if group else None
    if group is None:
        group = RegionGroup.objects.create(kind=kind, slug=slug, name=name)
    elif group.name != name:
        group.name = name
        group.save(update_fields=["name"])
    group.regions.set(found.values())
    after = {"name": name, "regions": codes}
    if before != after:
        audit.record(
            actor=actor, action="region_group.save", obj=group, object_id=f"{kind}:{slug}", before=before, after=after
        )
    return group


@transaction.atomic
def do_delete_region_group(*, group: RegionGroup, actor: Any) -> None:
    before = {"name": group.name, "kind": group.kind, "regions": sorted(group.regions.values_list("code", flat=True))}
    audit.record(
        actor=actor, action="region_group.delete", obj=group, object_id=f"{group.kind}:{group.slug}", before=before
    )
    group.delete()
