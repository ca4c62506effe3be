"""The crosswalk from the region codes of earlier Kemendagri lists to the 2025 codes: the shipped data (what the
script derives, with its source and licence), ``paritrana regions resolve`` and ``GET /api/v1/regions/resolve``."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from django.test import Client

from paritrana.cli import main
from paritrana.core.errors import BadRequest
from paritrana.regions import crosswalk
from paritrana.regions.kemendagri import kemendagri_regions
from paritrana.regions.queries import resolve_code
from tests.conftest import client_for
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path("/work/shared/data/regions")


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "derive_region_crosswalk", ROOT / "scripts" / "derive_region_crosswalk.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the data --------------------------------------------------------------------------------------------------------


def test_the_crosswalk_holds_only_codes_the_2025_list_lacks_and_points_only_at_2025_codes() -> None:
    current = {code for code, _name, _kind, _level in kemendagri_regions()}
    changes = crosswalk.changes()
    assert changes and not (changes.keys() & current)
    for change in changes.values():
        assert change.kind in ("renamed-code", "split", "unresolvable"), change
        assert set(change.candidates) <= current, change
        assert change.level == change.code.count(".") + 1
        assert change.last_seen < change.changed_in and change.changed_in in crosswalk.EDITIONS
        assert (change.kind == "renamed-code") == (
            len(change.candidates) == 1 and change.how != "similar name, to check"
        )
        assert change.kind != "split" or len(change.candidates) > 1


def test_the_1250_codes_of_the_2023_list_gone_from_the_2025_list_are_all_there() -> None:
    gone_in_2025 = Counter(c.level for c in crosswalk.changes().values() if c.changed_in == 2025)
    assert sum(gone_in_2025.values()) == 1250  # every code of the 2023 list that the 2025 list lacks
    assert gone_in_2025[4] == 1112  # of them desa/kelurahan


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("36.02.16.2018", "36.02.28.2009"),  # Cikaratuan moved to Kec. Cigemblong (the only Banten change 2022->2025)
        ("21.02.01.2005", "21.02.14.2001"),  # Sugie moved to the new Kec. Sugie Besar
        ("91.01.01.1002", "93.01.01.1002"),  # Samkai: Merauke recoded by the Papua split
        ("91.01", "93.01"),  # Kabupaten Merauke itself
        ("32.16.01.2007", "32.16.01.1007"),  # Setia Asih became a kelurahan
        ("15.09.04.1002", "15.09.04.1009"),  # Sarana Agung renumbered within its kecamatan
    ],
)
def test_the_documented_changes_are_derived(old: str, new: str) -> None:
    change = crosswalk.changes()[old]
    assert (change.kind, change.candidates) == ("renamed-code", (new,))


def test_a_code_still_in_the_2025_list_is_never_rematched_by_name() -> None:
    # The pitfall of the data's README: 11.07.15.2044 Keurumbok (2022) is Keureumbok in 2025; another desa, once
    # Krumbok, is now Keurumbok. A name-only match would link the two.
    assert "11.07.15.2044" not in crosswalk.changes()
    assert all("11.07.15.2044" not in c.candidates for c in crosswalk.changes().values())


def test_the_data_ships_with_its_source_and_its_licence() -> None:
    data = resources.files("paritrana.regions").joinpath("data")
    licence = data.joinpath("LICENSE-cahyadsn-wilayah.txt").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Cahya DSN" in licence
    notice = data.joinpath("README.md").read_text(encoding="utf-8")
    assert "cahyadsn/wilayah" in notice and "MIT" in notice and "b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7" in notice
    assert "Modified" in notice
    upstream = SHARED / "LICENSE-cahyadsn-wilayah.txt"
    assert not upstream.exists() or licence == upstream.read_text(encoding="utf-8")  # copied verbatim


@pytest.mark.skipif(not SHARED.exists(), reason="the earlier Kemendagri lists are not on this machine")
def test_the_shipped_crosswalk_is_what_the_script_derives(tmp_path: Path) -> None:
    out = tmp_path / "crosswalk.csv.gz"
    _script().main(["--data", str(SHARED), "--out", str(out)])
    shipped = resources.files("paritrana.regions").joinpath("data", "crosswalk.csv.gz").read_bytes()
    assert out.read_bytes() == shipped  # gzip with mtime 0: the same input gives the same bytes
    assert gzip.decompress(shipped).startswith(b"code,name,level,last_seen,changed_in,kind,candidates,how\n")


def test_names_are_matched_normalised_and_kabupaten_and_kota_stay_apart() -> None:
    norm = _script().norm
    assert norm("KAB. SORONG") == norm("Kabupaten Sorong") != norm("Kota Sorong")
    assert norm("KOTA ADM. JAKARTA PUSAT") == norm("Kota Administrasi Jakarta Pusat")
    assert norm("Cigemlong") != norm("Cigemblong") and norm("Ujung Kulon") == norm("UJUNGKULON")


# --- resolve: queries, command line, API ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_resolve_says_what_became_of_a_code() -> None:
    assert resolve_code("36.03.01.2003").status == "unchanged"
    assert resolve_code("3603012003").new_code == "36.03.01.2003"
    renamed = resolve_code("3602162018")
    assert (renamed.status, renamed.new_code, renamed.changed_in) == ("renamed-code", "36.02.28.2009", 2025)
    assert renamed.candidates == (("36.02.28.2009", "Cikaratuan"),)
    split = resolve_code("91.07.03.1070")
    assert split.status == "split" and split.new_code is None and len(split.candidates) == 2
    assert {c for c, _n in split.candidates} == {"94.02.02.1021", "94.02.02.2001"}
    assert all(name == "Wurak" for _c, name in split.candidates)  # named even outside the regions loaded
    assert resolve_code("91.07.03.2050").status == "unresolvable"
    assert resolve_code("99.99.99.9999").status == "unknown"
    with pytest.raises(BadRequest):
        resolve_code("36.0x")


@pytest.mark.django_db
def test_regions_resolve_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "resolve", "36.02.16.2018", "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "renamed-code" and answer["new_code"] == "36.02.28.2009"
    assert answer["changed_in"] == 2025 and answer["changed_in_list"] == "Kepmendagri 300.2.2-2138/2025"
    assert "36.02.28.2009" in answer["message"] and "cahyadsn/wilayah" in answer["source"]

    assert main(["regions", "resolve", "91.07.03.1070"]) == 1  # split: no one code to use
    out = capsys.readouterr().out
    assert "94.02.02.1021" in out and "94.02.02.2001" in out
    assert main(["regions", "resolve", "3603012003"]) == 0
    assert "36.03.01.2003" in capsys.readouterr().out
    assert main(["regions", "resolve", "99.99.99.9999", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "unknown"


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "code"), [(["resolve"], "invalid_input"), (["resolve", "36.x"], "bad_request")])
def test_regions_resolve_without_a_good_code_exits_2(
    args: list[str], code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["regions", *args, "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().err)["code"] == code


@pytest.mark.django_db
def test_the_regions_list_still_works_beside_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "--parent", "36", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 8
    assert main(["regions", "list", "36.03", "--format", "json"]) == 2  # a code is for 'resolve' only


@pytest.mark.django_db
def test_the_api_says_what_became_of_a_code(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    answer = client.get("/api/v1/regions/resolve/3602162018")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["new_code"], body["code"]) == ("renamed-code", "36.02.28.2009", "36.02.16.2018")
    assert body["candidates"] == [{"code": "36.02.28.2009", "name": "Cikaratuan"}]
    assert body["last_seen_list"] == "Kepmendagri 100.1.1-6117/2022"
    split = client.get("/api/v1/regions/resolve/91.07.03.1070").json()
    assert split["status"] == "split" and split["new_code"] is None
    assert re.search(r"94\.02\.02\.1021.*94\.02\.02\.2001", split["message"])
    assert client.get("/api/v1/regions/resolve/36.x").status_code == 400
    assert Client().get("/api/v1/regions/resolve/3602162018").status_code == 401
    village = client_for(make_user("desa.op", "village_operator", "36.03.01.2003"))
    assert village.get("/api/v1/regions/resolve/36.72").json()["status"] == "unchanged"  # reference data for all
