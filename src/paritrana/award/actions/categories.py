"""Categories: their criteria framework and the regions invited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paritrana.award import scoring
from paritrana.award.actions._common import _fresh, _manage, _refusals_audited, _unlocked
from paritrana.award.actions.zones import _refresh_zones, _zones
from paritrana.award.models import (
    Category,
    Edition,
    Participant,
    Result,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput
from paritrana.regions.choices import LEVEL_DEPTH


@_refusals_audited("award.category")
def do_save_category(
    *,
    actor: Any,
    edition: Edition,
    key: str,
    name: str,
    participant_level: str,
    framework: Mapping[str, Any] | str,
    titles: list[str] | None = None,
    by_zone: bool = False,
    normalise_judges: bool = False,
) -> Category:
    """Create or replace a category and its criteria (YAML/JSON text or a parsed mapping)."""
    _manage(actor, edition)
    if participant_level not in LEVEL_DEPTH:
        raise InvalidInput(
            N_("Participants are provinces, kabupaten/kota or desa, not '{value}'."),
            field="participant_level",
            value=participant_level,
        )
    from paritrana.analytics.definitions import load_yaml

    data: Any = load_yaml(framework) if isinstance(framework, str) else framework
    if not isinstance(data, Mapping):
        raise InvalidInput(N_("The criteria framework is not a mapping of fields."), field="framework")
    parsed = scoring.parse_framework(data)  # validates: weights sum to 100 at every level, ...
    existing = Category.objects.filter(edition=edition, key=key).first()
    if existing is not None:
        _fresh(existing)
        _unlocked(existing)
        if existing.panel_locked_at:
            raise Conflict(
                N_("The panel of {category} has locked its scores: the criteria cannot change."), category=str(existing)
            )
    category, created = Category.objects.update_or_create(
        edition=edition,
        key=key,
        defaults={
            "name": name,
            "participant_level": participant_level,
            "framework": scoring.framework_to_dict(parsed),
            "titles": list(titles or ["Terbaik I", "Terbaik II", "Terbaik III"]),
            "by_zone": by_zone,
            "normalise_judges": normalise_judges,
        },
    )
    audit.record(
        actor=actor,
        action="award.category.create" if created else "award.category.update",
        obj=category,
        region_code=edition.region_code,
        after={"key": key, "name": name, "framework": category.framework},
    )
    return category


@_refusals_audited("award.invite")
def do_invite(*, actor: Any, category: Category, winners_of: int | None = None) -> dict[str, int]:
    """Invite every region of the category's level inside the edition's round (idempotent). ``winners_of`` (a
    year; national rounds): only the regions that won a title in the published provincial rounds of that year, in
    the category with the same key - the provincial round leads to the national round."""
    from paritrana.regions.models import Region

    edition = category.edition
    _manage(actor, edition)
    if winners_of is not None and edition.region_code:
        raise Conflict(N_("Only a national round invites the winners of the provincial rounds."))
    _fresh(category)
    _unlocked(category)
    regions = Region.objects.filter(level=LEVEL_DEPTH[category.participant_level])
    if edition.region_code:
        regions = regions.filter(code__startswith=edition.region_code + ".")
    if winners_of is not None:
        titled = Result.objects.filter(
            participant__category__key=category.key,
            participant__category__edition__year=winners_of,
            participant__category__published_at__isnull=False,
            participant__category__edition__region_code__gt="",
        ).exclude(title="")
        regions = regions.filter(code__in=titled.values("participant__region_code"))
    zones = _zones()
    existing = set(category.participants.values_list("region_code", flat=True))
    new = [
        Participant(category=category, region_code=r.code, name=r.name, zone=zones.get(r.code.split(".")[0], ""))
        for r in regions
        if r.code not in existing
    ]
    Participant.objects.bulk_create(new)
    counts = {"invited": len(new), "already": len(existing), "zones_updated": _refresh_zones(category.participants)}
    audit.record(actor=actor, action="award.invite", obj=category, region_code=edition.region_code, after=counts)
    return counts
