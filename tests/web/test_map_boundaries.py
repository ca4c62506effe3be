"""Issue 21 §8: the map works out of the box. Province and kabupaten/kota boundaries ship with the app (simplified,
with their credit and licence), loaded by the demo and by a command; an uploaded GeoJSON still replaces them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from paritrana.analytics.boundaries import (
    ATTRIBUTION,
    PACKAGED,
    attribution,
    do_load_packaged_boundaries,
    packaged_boundary,
)
from paritrana.analytics.geometry import douglas_peucker, for_scale, ring_area
from paritrana.analytics.models import Boundary
from paritrana.cli import main
from paritrana.core.errors import InvalidInput, OutOfScope
from paritrana.core.models import AuditEvent
from paritrana.regions.models import Region
from tests.conftest import client_for
from tests.factories import make_user

DATA = Path(__file__).resolve().parents[2] / "src" / "paritrana" / "analytics" / "data" / "boundaries"


def test_the_boundaries_ship_in_the_package_with_their_licence_and_stay_small() -> None:
    files = {p.name: p.stat().st_size for p in DATA.iterdir()}
    assert set(PACKAGED.values()) <= set(files)
    assert "LICENSE-cahyadsn-wilayah_boundaries.txt" in files and "NOTICE.md" in files
    assert "Copyright (c) 2024 Cahya DSN" in (DATA / "LICENSE-cahyadsn-wilayah_boundaries.txt").read_text()
    notice = (DATA / "NOTICE.md").read_text()
    assert "cahyadsn/wilayah_boundaries" in notice and "simplified" in notice
    assert sum(files[name] for name in PACKAGED.values()) < 1_000_000  # the wheel grows by less than a megabyte
    for name in PACKAGED.values():
        assert gzip.decompress((DATA / name).read_bytes())  # gzip, read as it is


@pytest.mark.django_db
@pytest.mark.parametrize(("level", "count", "depth"), [("province", 38, 1), ("kabupaten", 514, 2)])
def test_every_shipped_shape_is_a_region_of_its_level_with_its_name(level: str, count: int, depth: int) -> None:
    data = packaged_boundary(level)
    names = dict(Region.objects.filter(level=depth).values_list("code", "name"))
    codes = [f["properties"]["code"] for f in data["features"]]
    assert len(codes) == len(set(codes)) == count
    assert {c: f["properties"]["name"] for c, f in zip(codes, data["features"], strict=True)} == {
        c: names[c] for c in codes
    }
    assert attribution(data) == ATTRIBUTION
    for feature in data["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.django_db
def test_loading_the_shipped_boundaries_is_audited_and_never_overwrites_an_upload(admin_user: Any) -> None:
    first = do_load_packaged_boundaries(actor=None)
    assert first == {
        "province": {"status": "loaded", "features": 38, "skipped": 0},
        "kabupaten": {"status": "loaded", "features": 514, "skipped": 0},
    }
    assert AuditEvent.objects.filter(action="boundary.load").count() == 2
    assert do_load_packaged_boundaries(actor=None)["kabupaten"]["status"] == "kept"  # idempotent, as the demo is

    upload = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kode": "3603"},
                "geometry": {"type": "Polygon", "coordinates": [[[106, -6], [107, -6], [107, -7], [106, -6]]]},
            }
        ],
    }
    body = SimpleUploadedFile("batas.geojson", json.dumps(upload).encode(), content_type="application/geo+json")
    client = client_for(admin_user)
    sent = client.post("/indicators/boundaries/", {"level": "kabupaten", "code_property": "kode", "file": body})
    assert sent.status_code == 302
    assert Boundary.objects.get(level="kabupaten").features == 1  # the upload replaced the shipped shapes
    assert do_load_packaged_boundaries(actor=None)["kabupaten"]["status"] == "kept"  # and the demo keeps it
    assert Boundary.objects.get(level="kabupaten").features == 1
    page = client.get("/indicators/boundaries/").content.decode()
    assert page.count("<td>") and 'data-testid="packaged-form"' in page

    again = client.post("/indicators/boundaries/", {"form": "packaged"})  # asked for: the shipped ones come back
    assert again.status_code == 302
    assert Boundary.objects.get(level="kabupaten").features == 514


@pytest.mark.django_db
def test_a_region_the_region_list_lacks_is_left_out_not_refused() -> None:
    Region.objects.filter(code="31.01").delete()  # Kepulauan Seribu, as on a site with another decree edition
    done = do_load_packaged_boundaries(actor=None, levels=("kabupaten",))
    assert done["kabupaten"] == {"status": "loaded", "features": 513, "skipped": 1}


@pytest.mark.django_db
def test_only_a_national_administrator_loads_them(kab_operator: Any) -> None:
    with pytest.raises(OutOfScope):
        do_load_packaged_boundaries(actor=make_user("admin.banten", "system_admin", "36"))
    assert client_for(kab_operator).post("/indicators/boundaries/", {"form": "packaged"}).status_code == 403
    with pytest.raises(InvalidInput):
        do_load_packaged_boundaries(actor=None, levels=("desa",))
    assert not Boundary.objects.exists()


@pytest.mark.django_db
def test_the_command_loads_lists_and_replaces(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["boundaries", "packaged", "--level", "province", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"level": "province", "status": "loaded", "features": 38, "skipped": 0}
    ]
    own = tmp_path / "prov.geojson"
    feature = {
        "type": "Feature",
        "properties": {"KD": "36"},
        "geometry": {"type": "Polygon", "coordinates": [[[106, -6], [107, -6], [107, -7], [106, -6]]]},
    }
    own.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert main(["boundaries", "load", str(own), "--level", "province", "--code-property", "KD"]) == 0
    assert Boundary.objects.get(level="province").features == 1
    assert main(["boundaries", "packaged", "--level", "province"]) == 0  # kept
    assert Boundary.objects.get(level="province").features == 1
    assert main(["boundaries", "packaged", "--level", "province", "--replace"]) == 0
    assert Boundary.objects.get(level="province").features == 38
    capsys.readouterr()
    assert main(["boundaries", "--format", "json"]) == 0
    assert [r["level"] for r in json.loads(capsys.readouterr().out)] == ["province"]
    assert main(["boundaries", "load", str(own), "--level", "kabupaten", "--code-property", "KD"]) == 2


@pytest.mark.django_db
def test_the_demo_draws_a_map_with_its_credit_without_any_upload(admin_user: Any) -> None:
    from paritrana.demo.load import load_demo

    load_demo()
    assert set(Boundary.objects.values_list("level", flat=True)) == {"province", "kabupaten"}
    page = client_for(admin_user).get("/indicators/", {"level": "kabupaten", "region": "36"}).content.decode()
    assert 'data-testid="map"' in page and "<svg" in page
    assert 'data-testid="map-credit"' in page and "cahyadsn/wilayah_boundaries" in page


# --- the geometry that draws them at the detail a map can show -----------------------------------------------------

points = st.lists(
    st.tuples(st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False)), min_size=2, max_size=60
)


def _distance(p: Any, a: Any, b: Any) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length))
    return float(((p[0] - a[0] - t * dx) ** 2 + (p[1] - a[1] - t * dy) ** 2) ** 0.5)


@given(points, st.floats(0, 5))
def test_simplification_keeps_the_ends_and_drops_only_points_within_the_tolerance(
    line: list[Any], tolerance: float
) -> None:
    kept = douglas_peucker(line, tolerance)
    assert kept[0] == line[0] and kept[-1] == line[-1]
    positions = [next(i for i in range(len(line)) if line[i] is p) for p in kept]
    assert positions == sorted(positions)
    for before, after in zip(positions, positions[1:], strict=False):
        for dropped in line[before + 1 : after]:
            assert _distance(dropped, line[before], line[after]) <= tolerance * (1 + 1e-9) + 1e-9


def _square(x: float, y: float, side: float) -> list[list[float]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


def test_a_map_drops_islands_smaller_than_a_pixel_but_keeps_the_largest_part() -> None:
    mainland, islet = _square(0, 0, 1), _square(2, 2, 0.001)
    drawn = for_scale({"type": "MultiPolygon", "coordinates": [[islet], [mainland]]}, tolerance=0.01)
    assert drawn == {"type": "Polygon", "coordinates": [mainland]}
    only_islet = for_scale({"type": "Polygon", "coordinates": [islet]}, tolerance=0.01)
    assert only_islet["coordinates"] == [islet]  # a kabupaten of one islet still shows
    assert ring_area(mainland) == pytest.approx(1)
