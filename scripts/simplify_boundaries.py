"""Make the boundary files that ship with Paritrana from the converted upstream files (see
``src/paritrana/analytics/data/boundaries/NOTICE.md``). Repeatable: the same input gives the same bytes.

    python scripts/simplify_boundaries.py /path/to/shared/data/boundaries src/paritrana/analytics/data/boundaries

What it does to each feature, in pure Python (no GIS library needed):
1. keeps every polygon part of at least MIN_PART_AREA square degrees (about 1.2 km2 at the equator), and the
   KEEP_LARGEST largest parts of a feature whatever their size (a kabupaten of islets keeps its islands);
2. drops holes below MIN_PART_AREA;
3. simplifies every ring with Douglas-Peucker at TOLERANCE degrees (about 110 m), never below 4 points;
4. rounds coordinates to DECIMALS places (about 11 m) and drops repeated points.
A choropleth of a province or of the country draws the same; the files are a third of the size.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

TOLERANCE = 0.001
MIN_PART_AREA = 0.0001
KEEP_LARGEST = 10
DECIMALS = 4
FILES = {"kabkota.geojson.gz": "kabkota.geojson.gz", "provinsi.geojson.gz": "provinsi.geojson.gz"}

Point = tuple[float, float]


def ring_area(ring: list[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))) / 2


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """The points of an open line that lie farther than ``tolerance`` from the simplified line (iterative)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = dx * dx + dy * dy
        farthest, index = -1.0, -1
        for k in range(first + 1, last):
            px, py = points[k]
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length))
            distance = (px - x1 - t * dx) ** 2 + (py - y1 - t * dy) ** 2
            if distance > farthest:
                farthest, index = distance, k
        if farthest > tolerance * tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: list[Point], tolerance: float) -> list[Point]:
    """A closed ring simplified in two halves (split at the point farthest from the start), still closed."""
    open_ring = ring[:-1]
    if len(open_ring) < 4:
        return ring
    far = max(range(len(open_ring)), key=lambda k: (open_ring[k][0] - ring[0][0]) ** 2 + (open_ring[k][1] - ring[0][1]) ** 2)
    head = douglas_peucker(open_ring[: far + 1], tolerance)
    tail = douglas_peucker([*open_ring[far:], open_ring[0]], tolerance)
    out = head[:-1] + tail
    return out if len(out) >= 4 else ring


def rounded(ring: list[Point]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def reduce_feature(geometry: dict[str, Any]) -> dict[str, Any]:
    parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    parts = sorted(parts, key=lambda p: -ring_area([tuple(pt) for pt in p[0]]))
    polygons = []
    for n, part in enumerate(parts):
        outer = [tuple(pt) for pt in part[0]]
        if n >= KEEP_LARGEST and ring_area(outer) < MIN_PART_AREA:
            continue
        rings = [rounded(simplify_ring(outer, TOLERANCE))]
        for hole in part[1:]:
            inner = [tuple(pt) for pt in hole]
            if ring_area(inner) >= MIN_PART_AREA:
                rings.append(rounded(simplify_ring(inner, TOLERANCE)))
        if len(rings[0]) >= 4:
            polygons.append(rings)
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def main(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, out_name in FILES.items():
        collection = json.loads(gzip.decompress((source / name).read_bytes()))
        for feature in collection["features"]:
            feature["geometry"] = reduce_feature(feature["geometry"])
            feature["properties"] = {"code": feature["properties"]["code"], "name": feature["properties"]["name"]}
        data = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        (target / out_name).write_bytes(packed)
        vertices = sum(
            len(ring)
            for f in collection["features"]
            for part in ([f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Polygon" else f["geometry"]["coordinates"])
            for ring in part
        )
        sys.stdout.write(f"{out_name}: {len(collection['features'])} features, {vertices} points, {len(packed)} bytes\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
