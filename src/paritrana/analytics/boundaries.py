"""Region boundaries for the choropleth maps: one GeoJSON FeatureCollection per level.

The province and kabupaten/kota boundaries of the whole country ship with Paritrana (``data/boundaries``, simplified
from cahyadsn/wilayah_boundaries, MIT, see NOTICE.md there): ``do_load_packaged_boundaries`` loads them, from
``paritrana demo`` and ``paritrana boundaries packaged`` on a real installation, so the map draws out of the box. An
administrator may load another file per level instead (the boundaries page, ``paritrana boundaries load``): it
replaces that level's shapes, and the packaged ones never overwrite it unless asked to (``--replace``).

``do_load_boundary`` validates the whole file before it writes anything: a FeatureCollection, the code property on
every feature, every code a Kemendagri code of that level that the region list knows. A refusal names the features
or codes at fault (the first few of them), so the administrator can fix the file; nothing is saved on error.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import Any

from django.db import transaction

from paritrana.analytics.definitions import LEVELS
from paritrana.analytics.models import Boundary
from paritrana.core import audit
from paritrana.core.errors import N_, InvalidInput, ParitranaError, PayloadTooLarge
from paritrana.core.permissions import require_national

__all__ = [
    "ATTRIBUTION",
    "BOUNDARY_LEVELS",
    "MAX_BOUNDARY_BYTES",
    "PACKAGED",
    "attribution",
    "do_load_boundary",
    "do_load_packaged_boundaries",
    "feature_code",
    "packaged_boundary",
]

#: The levels a map can be drawn at (the country is one shape, not a map of regions).
BOUNDARY_LEVELS = LEVELS[1:]
#: Largest GeoJSON accepted: simplified kabupaten/kota boundaries of the whole country are a few megabytes.
MAX_BOUNDARY_BYTES = 64 * 1024 * 1024
#: How many offending features or codes an error message lists.
SHOWN = 10
#: The boundary files that ship with Paritrana, by level (2025 Kemendagri codes in the property "code").
PACKAGED = {"province": "provinsi.geojson.gz", "kabupaten": "kabkota.geojson.gz"}
#: The credit the MIT licence and the data's author ask for, shown under every map drawn from the packaged files.
ATTRIBUTION = (
    "Batas wilayah: cahyadsn/wilayah_boundaries (MIT), © Cahya DSN; disederhanakan untuk Paritrana. "
    "Indikatif, bukan batas resmi."
)
#: A FeatureCollection may carry its credit in this member (GeoJSON allows foreign members): it is shown under the map.
ATTRIBUTION_MEMBER = "attribution"


def _listed(items: list[str]) -> str:
    more = len(items) - SHOWN
    return ", ".join(items[:SHOWN]) + (f" (+{more})" if more > 0 else "")


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _parse(geojson: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(geojson, dict):
        return geojson
    if len(geojson) > MAX_BOUNDARY_BYTES:
        raise PayloadTooLarge(limit=MAX_BOUNDARY_BYTES)
    try:
        # NaN and Infinity are not JSON (PostgreSQL refuses them in jsonb), nor are lone surrogates in text.
        data = json.loads(geojson, parse_constant=_not_json)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError) as error:
        raise InvalidInput(
            N_("The file is not valid JSON: {problem}"), field="geojson", problem=str(error)[:200]
        ) from None
    except RecursionError:
        raise InvalidInput(
            N_("The file is not valid JSON: {problem}"), field="geojson", problem="nested too deeply"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(N_("The file is not a GeoJSON FeatureCollection."), field="geojson")
    return data


def feature_code(feature: dict[str, Any], code_property: str) -> str:
    """The dotted Kemendagri code of a feature (``3603`` and ``36.03`` alike); raises BadRequest when it is not one."""
    from paritrana.regions.queries import normalize_code

    return normalize_code(str(feature["properties"][code_property]).strip())


def _check(data: dict[str, Any], level: str, code_property: str) -> list[str]:
    """The codes of the features, or an InvalidInput naming what is wrong."""
    from paritrana.regions.models import Region

    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise InvalidInput(N_("The file is not a GeoJSON FeatureCollection."), field="geojson")
    features = data["features"]
    if not features:
        raise InvalidInput(N_("The FeatureCollection has no features."), field="geojson")
    shapeless = [
        str(n)
        for n, f in enumerate(features, start=1)
        if not isinstance(f, dict) or not isinstance(f.get("geometry"), dict)
    ]
    if shapeless:
        raise InvalidInput(
            N_("These features have no geometry: {features}."), field="geojson", features=_listed(shapeless)
        )
    missing = [
        str(n)
        for n, f in enumerate(features, start=1)
        if not isinstance(f.get("properties"), dict) or f["properties"].get(code_property) in (None, "")
    ]
    if missing:
        known = sorted({k for f in features if isinstance(f.get("properties"), dict) for k in f["properties"]})
        raise InvalidInput(
            N_("The property '{property}' is missing on features {features}; the features have: {known}."),
            field="code_property",
            property=code_property,
            features=_listed(missing),
            known=", ".join(known[:30]) or "-",
        )
    codes, malformed = [], []
    for feature in features:
        try:
            codes.append(feature_code(feature, code_property))
        except ParitranaError:
            malformed.append(str(feature["properties"][code_property])[:40])
    if malformed:
        raise InvalidInput(
            N_("These values of '{property}' are not Kemendagri region codes: {codes}."),
            field="code_property",
            property=code_property,
            codes=_listed(malformed),
        )
    depth = LEVELS.index(level)
    wrong = [c for c in codes if c.count(".") + 1 != depth]
    if wrong:
        raise InvalidInput(
            N_("These codes are not of the {level} level: {codes}."),
            field="level",
            level=level,
            codes=_listed(sorted(set(wrong))),
        )
    found = set(Region.objects.filter(code__in=set(codes)).values_list("code", flat=True))
    unknown = sorted({c for c in codes if c not in found})
    if unknown:
        raise InvalidInput(
            N_("Unknown region codes in '{property}': {codes}."),
            field="code_property",
            property=code_property,
            codes=_listed(unknown),
        )
    return codes


@transaction.atomic
def do_load_boundary(*, level: str, geojson: str | bytes | dict[str, Any], code_property: str, actor: Any) -> Boundary:
    """Replace the boundaries of ``level`` with ``geojson`` (text, bytes or parsed), whose features carry their
    region code in the property ``code_property``. Everything is checked first; a refusal writes nothing."""
    if actor is not None:
        require_national(actor, "indicators.manage")
    if level not in BOUNDARY_LEVELS:
        raise InvalidInput(
            N_("Unknown level '{level}'; use one of {levels}."),
            field="level",
            level=level,
            levels=", ".join(BOUNDARY_LEVELS),
        )
    code_property = code_property.strip()
    if not code_property:
        raise InvalidInput(N_("Name the property that holds the region code."), field="code_property")
    data = _parse(geojson)
    codes = _check(data, level, code_property)
    previous = Boundary.objects.filter(level=level).first()
    before = (
        {"level": level, "code_property": previous.code_property, "features": previous.features} if previous else None
    )
    boundary, _ = Boundary.objects.update_or_create(
        level=level, defaults={"geojson": data, "code_property": code_property, "features": len(codes)}
    )
    after = {"level": level, "code_property": code_property, "features": len(codes), "regions": len(set(codes))}
    audit.record(actor=actor, action="boundary.load", obj=boundary, object_id=level, before=before, after=after)
    return boundary


def packaged_boundary(level: str) -> dict[str, Any]:
    """The packaged FeatureCollection of ``level`` ("province" or "kabupaten"), with its credit."""
    if level not in PACKAGED:
        raise InvalidInput(
            N_("No boundaries ship for the level '{level}'; they ship for: {levels}."),
            field="level",
            level=level,
            levels=", ".join(PACKAGED),
        )
    packed = resources.files("paritrana.analytics").joinpath("data", "boundaries", PACKAGED[level]).read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(packed))
    data[ATTRIBUTION_MEMBER] = ATTRIBUTION
    return data


def attribution(geojson: Any) -> str:
    """The credit a loaded FeatureCollection carries ("" when it carries none)."""
    credit = geojson.get(ATTRIBUTION_MEMBER, "") if isinstance(geojson, dict) else ""
    return credit[:300] if isinstance(credit, str) else ""


def do_load_packaged_boundaries(
    *, actor: Any, levels: tuple[str, ...] = tuple(PACKAGED), replace: bool = False
) -> dict[str, dict[str, Any]]:
    """Load the boundaries that ship with Paritrana for ``levels``. A level that already has boundaries (an
    administrator's upload, or an earlier load) is left alone unless ``replace``. Features whose region the region
    list does not know (an older or newer Kemendagri edition) are left out and counted, not refused: the map then
    draws every region it can. Returns, per level, what was done."""
    from paritrana.regions.models import Region

    if actor is not None:
        require_national(actor, "indicators.manage")
    done: dict[str, dict[str, Any]] = {}
    for level in levels:
        data = packaged_boundary(level)
        if not replace and Boundary.objects.filter(level=level).exists():
            done[level] = {"status": "kept", "features": Boundary.objects.get(level=level).features}
            continue
        depth = LEVELS.index(level)
        known = set(Region.objects.filter(level=depth).values_list("code", flat=True))
        features = [f for f in data["features"] if f["properties"]["code"] in known]
        skipped = sorted(f["properties"]["code"] for f in data["features"] if f["properties"]["code"] not in known)
        if not features:
            done[level] = {"status": "no_regions", "features": 0, "skipped": len(skipped)}
            continue
        boundary = do_load_boundary(
            level=level, geojson={**data, "features": features}, code_property="code", actor=actor
        )
        done[level] = {"status": "loaded", "features": boundary.features, "skipped": len(skipped)}
    return done
