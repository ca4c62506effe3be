"""The indicator pages: the scorecard coloured against targets with the status in words, the region's page, the
exports, the public dashboard with small counts suppressed, and the upload of map boundaries."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from paritrana.analytics.models import Boundary, Target, Workforce
from paritrana.analytics.store import FACT_SCHEMA, connect
from paritrana.core.config import get_settings
from paritrana.core.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MAY, APRIL = date(2024, 5, 1), date(2024, 4, 1)
#: (desa, month, active participants): Kab. Tangerang grows from 30 to 40, Kab. Serang has no workforce figure,
#: Kota Cilegon has 3 participants (too few to publish), Kota Serang 5.
FACTS = [
    ("36.03.01.2003", APRIL, 30),
    ("36.03.01.2003", MAY, 40),
    ("36.04.01.2001", MAY, 10),
    ("36.72.01.1001", MAY, 3),
    ("36.73.01.1001", MAY, 5),
]


def facts(groups: list[tuple[str, date, int]]) -> pa.Table:
    rows = [
        {
            "participant_id": f"{desa}-{n}",
            "month": month,
            "province": desa[:2],
            "kabupaten": desa[:5],
            "kecamatan": desa[:8],
            "desa": desa,
            "segment": "bpu",
            "funder": "apbd",
            "active": True,
            "vulnerable": True,
            "premium_paid": 16_800,
            "occupation": "petani_pekebun",
            "origin": "test",
        }
        for desa, month, count in groups
        for n in range(count)
    ]
    return pa.Table.from_pylist(rows, schema=FACT_SCHEMA)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Facts in a DuckDB file of this test, workforce of 2024 for three kabupaten/kota, a national target of 3%."""
    path = tmp_path / "analytics.duckdb"
    monkeypatch.setenv("PARITRANA_ANALYTICS_STORE", str(path))
    get_settings.cache_clear()
    writer = connect("duckdb", str(path))
    try:
        writer.replace_origin("test", facts(FACTS))
    finally:
        writer.close()
    for code, employed in (("36.03", 1000), ("36.72", 200), ("36.73", 200)):
        Workforce.objects.create(region_code=code, year=2024, employed=employed, formal=0, informal=employed)
    Target.objects.create(indicator="coverage_workforce", year=2024, value="3.00", source="uji")
    yield path
    get_settings.cache_clear()


def _cell(html: str, region: str, indicator: str) -> str:
    row = re.search(rf'<tr class="[^"]*" data-region="{re.escape(region)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {region}"
    cell = re.search(
        rf'<td class="([^"]*)" data-indicator="{indicator}" data-status="([^"]*)"[^>]*>(.*?)</td>', row[1], re.S
    )
    assert cell, f"no cell {indicator} for {region}"
    return f"{cell[1]}|{cell[2]}|{' '.join(re.sub(r'<[^>]+>', ' ', cell[3]).split())}"


def _regions_in_order(html: str) -> list[str]:
    return re.findall(r'<tr class="" data-region="([^"]*)">', html)


def test_scorecard_colours_cells_against_the_target_and_says_when_there_is_no_denominator(
    store: Path, admin_user: Any
) -> None:
    page = client_for(admin_user).get("/indicators/", {"period": "2024-05", "region": "36", "level": "kabupaten"})
    assert page.status_code == 200
    html = page.content.decode()
    met = _cell(html, "36.03", "coverage_workforce")
    assert met.startswith("num cell-meets|ok|4,00%") and "▲" in met  # 3% in April
    assert _cell(html, "36.73", "coverage_workforce").startswith("num cell-near|ok|2,50%")
    assert _cell(html, "36.72", "coverage_workforce").startswith("num cell-below|ok|1,50%")
    missing = _cell(html, "36.04", "coverage_workforce")
    assert missing.startswith("num cell-none|no_denominator|tidak ada penyebut")
    assert "%" not in missing.split("target")[0]  # never "0%"
    assert "Kabupaten Tangerang" in html and "target 3,00%" in met


def test_scorecard_defaults_to_the_level_below_the_users_region(store: Path, kab_operator: Any) -> None:
    html = client_for(kab_operator).get("/indicators/", {"period": "2024-05"}).content.decode()
    assert 'data-level="kecamatan"' in html and 'data-region="36.03.01"' in html
    assert "36.72" not in html.split('data-testid="scorecard"')[1]  # another kabupaten's figures stay out


def test_scorecard_sorts_by_any_column_and_answers_htmx_with_the_table_only(store: Path, admin_user: Any) -> None:
    client = client_for(admin_user)
    query = {"period": "2024-05", "region": "36", "level": "kabupaten", "sort": "coverage_workforce", "desc": "1"}
    partial = client.get("/indicators/", query, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-testid="scorecard"' in partial
    order = _regions_in_order(partial)
    assert order[:3] == ["36.03", "36.73", "36.72"] and "36.04" in order[3:]  # no value: after every value
    ascending = client.get("/indicators/", {**query, "desc": "0"}).content.decode()
    assert _regions_in_order(ascending)[:3] == ["36.72", "36.73", "36.03"]
    by_name = client.get("/indicators/", {**query, "sort": "region", "desc": "0"}).content.decode()
    assert _regions_in_order(by_name)[0] == "36.02"  # Kabupaten Lebak


def test_a_region_outside_the_scope_is_refused(store: Path, kab_operator: Any) -> None:
    client = client_for(kab_operator)
    assert client.get("/indicators/", {"region": "36.72"}).status_code == 403
    assert client.get("/indicators/region/36.72/").status_code == 403
    assert client.get("/indicators/export.csv", {"region": "36.72"}).status_code == 403


def test_a_level_above_the_region_is_explained_not_computed(store: Path, kab_operator: Any) -> None:
    page = client_for(kab_operator).get("/indicators/", {"level": "province"})
    assert page.status_code == 422 and 'data-testid="error"' in page.content.decode()


def test_region_page_shows_value_target_counts_and_charts(store: Path, kab_operator: Any) -> None:
    page = client_for(kab_operator).get("/indicators/region/36.03/", {"period": "2024-05"})
    assert page.status_code == 200
    html = page.content.decode()
    row = re.search(r'<tr data-indicator="coverage_workforce">(.*?)</tr>', html, re.S)
    assert row
    text = " ".join(re.sub(r"<[^>]+>", " ", row[1]).split())
    assert "4,00%" in text and "3,00%" in text and "40" in text and "1.000" in text
    assert 'hx-trigger="load" hx-swap="innerHTML" data-testid="charts"' in html and "<svg" not in html  # drawn later
    charts = client_for(kab_operator).get(
        "/indicators/region/36.03/",
        {"period": "2024-05", "indicator": "coverage_workforce", "part": "charts"},
        HTTP_HX_REQUEST="true",
    )
    drawn = charts.content.decode()
    assert charts.status_code == 200 and "<html" not in drawn
    assert 'data-testid="chart-value"' in drawn and 'data-testid="chart-counts"' in drawn and "<svg" in drawn


def test_exports_open_in_their_programs(store: Path, admin_user: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    client = client_for(admin_user)
    query = {"period": "2024-05", "region": "36", "level": "kabupaten"}
    xlsx = client.get("/indicators/export.xlsx", query)
    assert xlsx.status_code == 200 and "kartu-skor-2024-05-kabupaten-36.xlsx" in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Kartu skor", "Data", "Indikator"]
    sheet = book["Kartu skor"]
    cells = {(row[0], row[1]): row[2] for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    assert cells[("36.03", "Kabupaten Tangerang")] == 4.0
    assert cells[("36.04", "Kabupaten Serang")] == "tidak ada penyebut"

    text = client.get("/indicators/export.csv", query).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    mine = next(r for r in rows if r["indicator"] == "coverage_workforce" and r["region_code"] == "36.03")
    assert (mine["numerator"], mine["denominator"], mine["value"], mine["status"]) == ("40", "1000", "4.0", "ok")

    pdf = client.get("/indicators/export.pdf", query)
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    (tmp_path / "k.pdf").write_bytes(pdf.content)
    shown = subprocess.run(  # noqa: S603 - a fixed command on our own file
        ["/usr/bin/pdftotext", "-layout", str(tmp_path / "k.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Kartu skor cakupan jaminan sosial ketenagakerjaan" in shown
    (tmp_path / "k.txt").write_text(shown)
    assert "Mei 2024" in shown and "kabupaten/kota" in shown and "Tangerang" in shown and "tidak ada penyebut" in shown
    assert "9. Pekerja yang" in shown  # every column fits on the landscape page


def test_public_dashboard_needs_no_login_and_hides_small_counts(store: Path, client: Any) -> None:
    page = client.get("/publik/", {"period": "2024-05", "province": "36"})
    assert page.status_code == 200
    html = page.content.decode()
    assert _cell(html, "36.72", "coverage_workforce").startswith("num cell-none|suppressed|disembunyikan")
    assert "1,50%" not in html  # 3 of 200 in Kota Cilegon
    assert _cell(html, "36.03", "coverage_workforce").startswith("num cell-meets|ok|4,00%")
    assert 'data-region="36"' in html  # the province's total
    national = client.get("/publik/", {"period": "2024-05"}).content.decode()
    assert 'data-region=""' in national and 'data-region="36"' in national


def _geojson(codes: list[Any], prop: str = "KODE") -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {prop: code, "NAMA": f"wilayah {n}"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[106 + n, -6.5], [106.5 + n, -6.5], [106.5 + n, -6.0], [106 + n, -6.0], [106 + n, -6.5]]
                ],
            },
        }
        for n, code in enumerate(codes)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _upload(client: Any, body: bytes, level: str = "kabupaten", prop: str = "KODE") -> Any:
    upload = SimpleUploadedFile("batas.geojson", body, content_type="application/geo+json")
    return client.post("/indicators/boundaries/", {"level": level, "code_property": prop, "file": upload})


def test_boundary_upload_is_audited_and_draws_the_map(store: Path, admin_user: Any) -> None:
    client = client_for(admin_user)
    assert client.get("/indicators/boundaries/").status_code == 200
    response = _upload(client, _geojson(["3603", "36.72", 3673]))
    assert response.status_code == 302
    boundary = Boundary.objects.get(level="kabupaten")
    assert (boundary.features, boundary.code_property) == (3, "KODE")
    event = AuditEvent.objects.get(action="boundary.load")
    assert event.after == {"level": "kabupaten", "code_property": "KODE", "features": 3, "regions": 3}
    page = client.get("/indicators/", {"period": "2024-05", "region": "36", "level": "kabupaten"}).content.decode()
    assert 'data-testid="map" data-indicator="coverage_workforce"' in page and "<svg" in page
    public = client.get("/publik/", {"period": "2024-05", "province": "36"}).content.decode()
    assert 'data-testid="map"' in public


def test_boundary_upload_refuses_unknown_codes_and_missing_properties_saving_nothing(admin_user: Any) -> None:
    client = client_for(admin_user)
    unknown = _upload(client, _geojson(["3603", "3699"]))
    assert unknown.status_code == 422 and "36.99" in unknown.content.decode()
    missing = _upload(client, _geojson(["3603"]), prop="KODE_KAB")
    text = missing.content.decode()
    assert missing.status_code == 422 and "KODE_KAB" in text and "NAMA" in text
    wrong_level = _upload(client, _geojson(["36"]))
    assert wrong_level.status_code == 422 and "36" in wrong_level.content.decode()
    not_json = _upload(client, b"{nope")
    assert not_json.status_code == 422
    assert not Boundary.objects.exists() and not AuditEvent.objects.filter(action="boundary.load").exists()


def test_boundary_upload_is_for_national_administrators(kab_operator: Any) -> None:
    assert client_for(kab_operator).get("/indicators/boundaries/").status_code == 403
    officer = make_user("bpjs.nasional.viewer", "viewer")
    assert client_for(officer).get("/indicators/boundaries/").status_code == 403


def test_map_winds_outer_rings_clockwise_as_vega_draws_them() -> None:
    from paritrana.analytics.definitions import standard_indicators
    from paritrana.analytics.reports import map_spec

    square = [[106, -6.5], [106.5, -6.5], [106.5, -6], [106, -6], [106, -6.5]]  # counter-clockwise (RFC 7946)
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"k": "3603"}, "geometry": {"type": "Polygon", "coordinates": [square]}}
        ],
    }
    rows = [
        {"indicator": "coverage_workforce", "region_code": "36.03", "region_name": "Kab", "value": 4.0, "status": "ok"}
    ]
    spec = map_spec(geojson, "k", rows, standard_indicators()[0], region="36")
    assert spec is not None
    feature = spec["data"]["values"][0] if "data" in spec else spec["datasets"][next(iter(spec["datasets"]))][0]
    assert feature["geometry"]["coordinates"][0] == list(reversed(square))
    assert feature["properties"] == {"code": "36.03", "name": "Kab", "value": 4.0}
    assert map_spec(geojson, "k", rows, standard_indicators()[0], region="36.72") is None  # outside the region
