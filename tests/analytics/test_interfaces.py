"""The indicators through the command line and the API: the same figures, the same errors, the user's scope."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from paritrana.analytics.models import Target
from paritrana.cli import main
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_cli_computes_json_csv_and_xlsx(filled_store: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = ["indicators", "compute", "--period", "2024-12", "--level", "kabupaten", "--indicator", "coverage_workforce"]
    assert main([*args, "--format", "json"]) == 0
    rows = {r["region_code"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["36.03"]["value"] == 15.0 and rows["36.03"]["region_name"] == "Kabupaten Tangerang"
    assert main([*args, "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["region_code"]: r["value"] for r in table}["36.74"] == "6.0"
    out = tmp_path / "ind.xlsx"
    assert main([*args, "--format", "xlsx", "--output", str(out)]) == 0
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert sheet is not None and any("Kabupaten Tangerang" in str(c.value) for row in sheet.iter_rows() for c in row)


def test_cli_errors_are_one_line_and_exit_2(filled_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "--period", "Desember", "--format", "json"]) == 2
    body = json.loads(capsys.readouterr().err)
    assert body["code"] == "invalid_input" and body["details"]["field"] == "period"
    assert main(["indicators", "--period", "2024-12", "--indicator", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_cli_as_a_user_stays_in_its_scope(filled_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_user("op.cli", "regional_operator", "36.03")
    assert main(["indicators", "--period", "2024-12", "--user", "op.cli", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["region_code"][:5] for r in rows} == {"36.03"}
    assert main(["indicators", "--period", "2024-12", "--user", "op.cli", "--region", "36.74"]) == 2


def test_cli_loads_facts_and_reports_the_store(db: Any, store_path: Path, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "bpjs-2024.csv"
    path.write_text("participant_id,region_code,month,segment,funder,active\nA,3603,2024-12,bpu,apbd,true\n")
    assert main(["facts", "load", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 1
    assert main(["facts", "status", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["origin"] == "bpjs-2024"
    assert main(["facts", "refresh", "--format", "json"]) == 0


def test_cli_targets_and_workforce(db: Any, tmp_path: Path, capsys: Any) -> None:
    assert (
        main(
            [
                "targets",
                "set",
                "--indicator",
                "coverage_workforce",
                "--year",
                "2025",
                "--value",
                "32.15",
                "--source",
                "RPJMN 2025-2029",
            ]
        )
        == 0
    )
    assert Target.objects.get().source == "RPJMN 2025-2029"
    path = tmp_path / "w.csv"
    path.write_text("kode;tahun\n3603;2024\n")
    assert main(["workforce", "import", str(path)]) == 2
    assert "employed" in capsys.readouterr().err


def test_api_values_in_scope(filled_store: Path) -> None:
    operator = make_user("op.api", "regional_operator", "36.03")
    client = client_for(operator)
    response = client.get("/api/v1/indicators/values", {"period": "2024-12", "indicator": "coverage_workforce"})
    assert response.status_code == 200
    rows = response.json()
    assert [r["region_code"] for r in rows] == [] or all(r["region_code"].startswith("36.03") for r in rows)
    kab = client.get("/api/v1/indicators/values", {"period": "2024-12", "level": "kabupaten", "region": "36.03"}).json()
    assert {r["indicator"]: r["value"] for r in kab}["coverage_workforce"] == 15.0
    outside = client.get("/api/v1/indicators/values", {"period": "2024-12", "region": "36.74"})
    assert outside.status_code == 403 and outside.json()["code"] == "out_of_scope"
    bad = client.get("/api/v1/indicators/values", {"period": "2024-12", "region": "36.03", "level": "dusun"})
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "level"


def test_api_public_aggregates_hide_small_counts(filled_store: Path) -> None:
    rows = Client().get("/api/v1/public/indicators", {"period": "2024-12", "level": "kabupaten", "region": "36"}).json()
    tangsel = next(r for r in rows if r["indicator"] == "coverage_workforce" and r["region_code"] == "36.74")
    assert (tangsel["numerator"], tangsel["value"], tangsel["status"]) == (None, None, "suppressed")  # 3 people
    kab = next(r for r in rows if r["indicator"] == "coverage_workforce" and r["region_code"] == "36.03")
    assert kab["value"] == 15.0


def test_api_series_definitions_and_targets(filled_store: Path) -> None:
    admin = make_user("admin.api", "system_admin")
    client = client_for(admin)
    series = client.get(
        "/api/v1/indicators/series",
        {"indicator": "coverage_workforce", "region": "36.03", "last": "2024-12", "periods": 3},
    ).json()
    assert [r["period"] for r in series] == ["2024-10", "2024-11", "2024-12"]
    assert series[-1]["value"] == 15.0
    definitions = client.get("/api/v1/indicators/definitions").json()
    assert len(definitions) == 9 and definitions[0]["definition"]["numerator"]["source"] == "participants"
    bad = client.post(
        "/api/v1/indicators/definitions",
        {"text": "{id: xx, name: {id: a, en: b}, numerator: {source: nope}}"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "nope" in bad.json()["message"]
    put = client.put(
        "/api/v1/indicators/targets",
        {"indicator": "coverage_workforce", "year": 2024, "region_code": "36.74", "value": 12.5, "source": "RPJMD"},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["value"] == 12.5
    gone = client.delete(f"/api/v1/indicators/targets/{put.json()['id']}")
    assert gone.status_code == 204


def test_api_workforce_import_refuses_a_bad_file_whole(db: Any) -> None:
    admin = make_user("admin.wf", "system_admin")
    upload = io.BytesIO(b"region_code,year,employed,formal,informal\n3603,2024,10,5,5\n9999,2024,10,5,5\n")
    upload.name = "w.csv"
    response = client_for(admin).post("/api/v1/indicators/workforce/import", {"file": upload})
    assert response.status_code == 422 and response.json()["details"]["errors"][0]["row"] == 3
    from paritrana.analytics.models import Workforce

    assert Workforce.objects.count() == 0
