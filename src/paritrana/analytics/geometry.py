"""Pure geometry for the maps (no Django, no GIS library): polygon areas and Douglas-Peucker simplification of
GeoJSON polygons, to draw a map at the detail its size can show.

A map 700 pixels wide of the whole country shows about 0.07 degree per pixel; drawing every point of the
kabupaten/kota boundaries there (75,000 of them) makes an SVG of more than a megabyte and takes seconds. ``for_scale``
drops what a pixel cannot show: points closer than ``tolerance`` to the simplified line, islands smaller than a pixel
(a feature keeps its largest part whatever its size).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["douglas_peucker", "for_scale", "geometry_bounds", "ring_area", "simplify_ring"]

Point = Sequence[float]


def ring_area(ring: Sequence[Point]) -> float:
    """The area of a closed ring (square degrees), whatever its winding."""
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False))) / 2


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """The points of an open line farther than ``tolerance`` from the line through the points kept (iterative, so a
    ring of 50,000 points does not exhaust the stack)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    limit = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        x1, y1 = points[first][0], points[first][1]
        dx, dy = points[last][0] - x1, points[last][1] - y1
        length = dx * dx + dy * dy
        farthest, index = -1.0, -1
        for k in range(first + 1, last):
            px, py = points[k][0] - x1, points[k][1] - y1
            t = 0.0 if length == 0 else max(0.0, min(1.0, (px * dx + py * dy) / length))
            distance = (px - t * dx) ** 2 + (py - t * dy) ** 2
            if distance > farthest:
                farthest, index = distance, k
        if farthest > limit:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: Sequence[Point], tolerance: float) -> list[Point]:
    """A closed ring simplified in two halves (split at the point farthest from the start), still closed and never
    below four points (the ring comes back as it was when it would)."""
    open_ring = list(ring[:-1])
    if len(open_ring) < 4:
        return list(ring)
    x0, y0 = open_ring[0][0], open_ring[0][1]
    far = max(range(len(open_ring)), key=lambda k: (open_ring[k][0] - x0) ** 2 + (open_ring[k][1] - y0) ** 2)
    head = douglas_peucker(open_ring[: far + 1], tolerance)
    tail = douglas_peucker([*open_ring[far:], open_ring[0]], tolerance)
    out = head[:-1] + tail
    return out if len(out) >= 4 else list(ring)


def _parts(geometry: dict[str, Any]) -> list[Any]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def geometry_bounds(geometries: Sequence[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the outer rings of ``geometries``; None when there is no point."""
    xs, ys = [], []
    for geometry in geometries:
        for part in _parts(geometry):
            if part:
                xs += [p[0] for p in part[0]]
                ys += [p[1] for p in part[0]]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def for_scale(geometry: dict[str, Any], tolerance: float) -> dict[str, Any]:
    """``geometry`` (Polygon or MultiPolygon) as a map can show it when a pixel spans ``tolerance`` degrees: rings
    simplified, parts and holes smaller than a pixel dropped (the largest part always stays). Other geometry types
    come back unchanged."""
    parts = _parts(geometry)
    if not parts or tolerance <= 0:
        return geometry
    pixel = tolerance * tolerance
    ordered = sorted(parts, key=lambda p: -ring_area(p[0]) if p else 0.0)
    polygons = []
    for n, part in enumerate(ordered):
        if not part or (n > 0 and ring_area(part[0]) < pixel):
            continue
        rings = [simplify_ring(part[0], tolerance)]
        rings += [simplify_ring(hole, tolerance) for hole in part[1:] if ring_area(hole) >= pixel]
        polygons.append(rings)
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}
