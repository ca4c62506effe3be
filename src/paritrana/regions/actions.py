"""Writes on regions and region groups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, Words
from paritrana.core.stale import refuse_if_changed
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


_KIND_WORDS: dict[str, Words] = {
    RegionGroupKind.AWARD_ZONE: Words(N_("award zone")),
    RegionGroupKind.BRANCH_AREA: Words(N_("BPJS branch-office area")),
}


@transaction.atomic
def do_save_region_group(
    *,
    kind: str,
    name: str,
    region_codes: Iterable[str],
    actor: Any,
    slug: str = "",
    expected: Mapping[str, Any] | None = None,
    new: bool = False,
) -> RegionGroup:
    """Create or replace a named group (award zone or branch area) with exactly these member regions.

    From a page (see ``core.stale``): ``expected`` holds the ``name`` and ``region_codes`` the edit page showed, and
    a colleague's change since refuses the save; ``new``: the page made a new group, so one already saved under the
    same short name is refused rather than replaced."""
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
        raise InvalidInput(
            N_("A {kind} is made of {expected}; these are not: {codes}."),
            field="region_codes",
            kind=_KIND_WORDS[kind],
            expected=Words(N_("provinces") if level == 1 else N_("kabupaten/kota")),
            codes=", ".join(wrong),
        )
    slug = slug or slugify(name)[:50]
    group = RegionGroup.objects.select_for_update().filter(kind=kind, slug=slug).first()
    before = {"name": group.name, "regions": sorted(group.regions.values_list("code", flat=True))} if group else None
    if new and group is not None:
        raise Conflict(
            N_("There is already one named {name} ({kind}: {codes}): open it to change it."),
            field="name",
            kind=_KIND_WORDS[kind],
            name=group.name,
            codes=", ".join(before["regions"]) if before else "-",
        )
    if expected is not None and before is None:
        raise Conflict(
            N_("{name} ({kind}) was deleted after you opened the page: nothing was saved."),
            field="name",
            kind=_KIND_WORDS[kind],
            name=expected.get("name", name),
        )
    if expected is not None and before is not None:
        shown_name = expected.get("name", before["name"])
        refuse_if_changed("name", shown_name, before["name"], asked=name, label=Words(N_("The name")))
        shown = sorted({normalize_code(c) for c in expected.get("region_codes", before["regions"])})
        refuse_if_changed(
            "region_codes", shown, before["regions"], asked=codes, label=Words(N_("The regions")), say=", ".join
        )
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
