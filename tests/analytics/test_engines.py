"""Every indicator, on every engine, gives the figures counted by hand: DuckDB (a file and a Parquet folder),
Spark in local mode (the Parquet folder) and PostgreSQL (when the suite runs against it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from paritrana.analytics.compute import compute
from paritrana.analytics.definitions import standard_indicators
from paritrana.analytics.periods import Period
from paritrana.analytics.sources import indicator_tables, targets_for
from paritrana.analytics.store import connect
from tests.analytics.conftest import first_desa, sample_facts

DEC = Period.parse("2024-12")


def _values(store: Any, level: str = "kabupaten", period: Period = DEC, **kw: Any) -> dict[tuple[str, str], Any]:
    results = compute(
        store.con, indicator_tables(store), list(standard_indicators()), period, level, targets=targets_for(), **kw
    )
    return {(r.indicator, r.region_code, *r.by.values()): r for r in results}


def _stores(tmp_path: Path) -> dict[str, Any]:
    facts = sample_facts()
    stores = {}
    duck = connect("duckdb", str(tmp_path / "facts.duckdb"))
    duck.replace_origin("test", facts)
    stores["duckdb file"] = duck
    parquet = tmp_path / "parquet"
    writer = connect("duckdb", str(parquet))
    writer.replace_origin("test", facts)
    stores["duckdb parquet"] = writer
    url = os.environ.get("PARITRANA_DATABASE_URL", "")
    if url.startswith("postgres"):
        pg = connect("postgres", url)
        pg.replace_origin("test", facts)
        stores["postgres"] = pg
    return stores


def test_hand_counted_figures_on_duckdb(tmp_path: Path, reference: None) -> None:
    store = connect("duckdb", str(tmp_path / "facts.duckdb"))
    store.replace_origin("test", sample_facts())
    v = _values(store)
    kab = v[("coverage_workforce", "36.03")]
    assert (kab.numerator, kab.denominator, kab.value, kab.target, kab.meets_target) == (15, 100, 15.0, 20.0, False)
    tangsel = v[("coverage_workforce", "36.74")]
    assert (tangsel.numerator, tangsel.value, tangsel.target) == (3, 6.0, 10.0)  # the national target
    pandeglang = v[("coverage_workforce", "36.01")]  # a denominator, nobody covered: a true 0%
    assert (pandeglang.numerator, pandeglang.value, pandeglang.status) == (0, 0.0, "ok")
    assert v[("coverage_bpu_informal", "36.03")].value == 23.33  # 14 / 60
    assert v[("bpu_public_funded_share", "36.03")].value == 85.71  # 12 / 14
    share = v[("bpu_public_funded_share", "36.74")]  # no BPU at all: no denominator, never 0%
    assert (share.value, share.status) == (None, "no_denominator")
    assert v[("vulnerable_protected", "36.03")].value == 25.0  # 5 / 20
    assert v[("vulnerable_protected", "36.74")].status == "no_denominator"  # no vulnerable figure in Sakernas
    assert v[("growth_yoy", "36.03")].value == 50.0  # 15 against 10 a year before
    assert v[("growth_yoy", "36.74")].status == "no_baseline"
    assert v[("gap_to_target", "36.03")].value == 5.0  # 20% of 100 = 20, 15 covered
    assert v[("gap_to_target", "36.74")].value == 2.0  # 10% of 50 = 5, 3 covered
    assert v[("benefit_premium_ratio", "36.03")].denominator == 14 * 16_800
    from paritrana.regions.models import Region

    desa_count = Region.objects.filter(level=4, code__startswith="36.03.").count()
    villages = v[("villages_meeting_minimum", "36.03")]
    assert (villages.numerator, villages.denominator) == (1, desa_count)  # one desa has 15 >= 10 active


def test_roll_up_to_province_and_country_and_down_to_desa(tmp_path: Path, reference: None) -> None:
    store = connect("duckdb", str(tmp_path / "facts.duckdb"))
    store.replace_origin("test", sample_facts())
    province = _values(store, "province")[("coverage_workforce", "36")]
    assert (province.numerator, province.denominator) == (18, 160)
    nation = _values(store, "national")[("coverage_workforce", "")]
    assert (nation.numerator, nation.denominator, nation.value) == (18, 160, 11.25)
    desa = _values(store, "desa")
    row = desa[("coverage_workforce", first_desa("36.03"))]
    # Sakernas has no figures below kabupaten/kota; Tangerang Selatan's facts have no desa and are left out.
    assert (row.numerator, row.status) == (15, "no_denominator")
    assert not any(ind == "coverage_workforce" and code.startswith("36.74") for ind, code, *_ in desa)


def test_quarter_and_year_take_the_last_month_for_stocks(tmp_path: Path, reference: None) -> None:
    store = connect("duckdb", str(tmp_path / "facts.duckdb"))
    store.replace_origin("test", sample_facts())
    for label in ("2024Q4", "2024"):
        assert _values(store, period=Period.parse(label))[("coverage_workforce", "36.03")].numerator == 15
    # Flows add the months: premiums of the year 2024 are December's here.
    assert _values(store, period=Period.parse("2024"))[("benefit_premium_ratio", "36.03")].denominator == 14 * 16_800


def test_breakdown_by_funder_keeps_the_denominator(tmp_path: Path, reference: None) -> None:
    store = connect("duckdb", str(tmp_path / "facts.duckdb"))
    store.replace_origin("test", sample_facts())
    v = _values(store, by=["funder"])
    assert v[("coverage_workforce", "36.03", "apbd")].numerator == 12
    assert v[("coverage_workforce", "36.03", "mandiri")].value == 2.0  # 2 of the same 100 employed
    assert not any(key[0] == "budget_absorption" and len(key) == 2 for key in v)


def test_region_filter_keeps_only_the_region(tmp_path: Path, reference: None) -> None:
    store = connect("duckdb", str(tmp_path / "facts.duckdb"))
    store.replace_origin("test", sample_facts())
    assert {code for _, code, *_ in _values(store, region="36.74")} == {"36.74"}


@pytest.mark.slow
def test_every_indicator_is_identical_on_every_engine(tmp_path: Path, reference: None) -> None:
    # A provincial program leaves its kabupaten blank: a blank that must stay blank on every engine (through
    # pandas it would reach Spark as the text 'NaN' and count as a region of its own).
    from tests.factories import make_program

    make_program("36", kind="apbd_provinsi", fiscal_year=2024, pagu=5_000_000)
    make_program("36.03", fiscal_year=2024, pagu=1_000_000)
    stores = _stores(tmp_path)
    stores["spark"] = connect("spark", str(tmp_path / "parquet"))
    results = {}
    levels = ("province", "kabupaten", "desa", "national")
    for name, store in stores.items():
        for level in levels:
            results[(name, level)] = {k: r.as_dict() for k, r in _values(store, level).items()}
    by_funder = {name: {k: r.as_dict() for k, r in _values(s, by=["funder"]).items()} for name, s in stores.items()}
    assert results[("duckdb file", "province")][("budget_absorption", "36")]["denominator"] == 6_000_000
    assert results[("duckdb file", "kabupaten")][("budget_absorption", "36.03")]["denominator"] == 1_000_000
    for level in levels:
        reference_values = results[("duckdb file", level)]
        assert reference_values, "the reference engine computed nothing"
        for name in stores:
            assert results[(name, level)] == reference_values, f"{name} differs from DuckDB at {level}"
    for name in stores:
        assert by_funder[name] == by_funder["duckdb file"], f"{name} differs by funder"
    assert "spark" in stores and len(stores) >= 3
