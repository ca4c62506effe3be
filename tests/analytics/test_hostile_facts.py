"""Facts files that would take the indicators down, and origins that would write outside the store.

A bulk file is checked for plausible values, not only for their form (a premium of one worker-month up to
``PREMIUM_CEILING``, months from July 2015 to December of next year), Parquet columns for their types (plain values;
a list only in ``programs``), and an origin for being a plain name: each refused whole, naming the column or the
row, with the store left as it was. What is stored is summed in a wide type, so even facts written past these
checks cannot make a page or the API fail."""

from __future__ import annotations

import io
import json
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from paritrana.analytics.actions import do_import_workforce, do_load_facts
from paritrana.analytics.ingest import FIRST_MONTH, PREMIUM_CEILING, WORKFORCE_CEILING, last_month_allowed
from paritrana.analytics.periods import Period
from paritrana.analytics.queries import run
from paritrana.analytics.sources import pick_indicators
from paritrana.analytics.store import FACT_SCHEMA, check_origin, connect, origin_from_filename
from paritrana.cli import main
from paritrana.core.dates import today
from paritrana.core.errors import InvalidInput
from paritrana.core.permissions import SYSTEM
from tests.analytics.conftest import DEC_2024, fact, first_desa
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

HEADER = "participant_id,region_code,month,segment,funder,active,premium_paid\n"
GOOD = "OK1,3603,2024-12,bpu,apbd,true,16800\n"
NIK = 3603015501900001
SHIFTED_ROWS = 5_000  # 5,000 NIKs add up to about 1.8e19: past the 9.2e18 of a signed 64-bit integer


def _csv(tmp_path: Path, body: str, name: str = "bpjs.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _shifted_niks(tmp_path: Path) -> Path:
    """A file whose premium_paid column holds NIKs (a column shifted by one), after one good row."""
    body = GOOD + "".join(f"N{i},3603,2024-12,bpu,apbd,true,{NIK + i}\n" for i in range(SHIFTED_ROWS))
    return _csv(tmp_path, body, "shifted.csv")


def _snapshot(location: Path) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """What the store holds (per origin) and, for a Parquet store, every file's bytes."""
    store = connect("duckdb", str(location))
    try:
        origins = store.origins()
    finally:
        store.close()
    files = (
        {str(p.relative_to(location)): p.read_bytes() for p in location.rglob("*") if p.is_file()}
        if location.is_dir()
        else {}
    )
    return origins, files


@pytest.fixture(params=["duckdb", "parquet"])
def kept_store(request: pytest.FixtureRequest, tmp_path: Path, store_path: Path) -> Path:
    """A store (the configured DuckDB file, or a Parquet folder) already holding the origin ``kept``."""
    location = store_path if request.param == "duckdb" else tmp_path / "parquet-store"
    good = _csv(tmp_path, GOOD + "OK2,3603,2024-12,bpu,apbd,true,16800\n", "good.csv")
    do_load_facts(path=good, actor=SYSTEM, origin="kept", source=str(location))
    return location


# --- values out of range -----------------------------------------------------------------------------------------


def test_a_column_of_niks_in_premium_paid_is_refused_naming_the_rows(tmp_path: Path, kept_store: Path) -> None:
    before = _snapshot(kept_store)
    for origin in ("kept", "shifted"):  # replacing what is there, or adding to it: neither happens
        with pytest.raises(InvalidInput) as error:
            do_load_facts(path=_shifted_niks(tmp_path), actor=SYSTEM, origin=origin, source=str(kept_store))
        details = error.value.details
        first = details["errors"][0]
        assert (first["row"], first["column"], first["value"]) == (3, "premium_paid", str(NIK))
        assert "NIK" in first["reason"] and "100.000.000" in first["reason"]
        assert details["rows"] == SHIFTED_ROWS and "nothing was loaded" in str(error.value)
        assert _snapshot(kept_store) == before


def test_a_premium_up_to_the_ceiling_loads_and_one_rupiah_more_does_not(tmp_path: Path, store_path: Path) -> None:
    ceiling = _csv(tmp_path, f"A1,3603,2024-12,pu,employer,true,{PREMIUM_CEILING}\n")
    assert do_load_facts(path=ceiling, actor=SYSTEM)["rows"] == 1
    over = _csv(tmp_path, f"A1,3603,2024-12,pu,employer,true,{PREMIUM_CEILING + 1}\n")
    with pytest.raises(InvalidInput, match="premium_paid"):
        do_load_facts(path=over, actor=SYSTEM)


def test_the_cli_refuses_the_shifted_file_with_exit_2_and_names_the_row(
    tmp_path: Path, kept_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(kept_store)
    path = _shifted_niks(tmp_path)
    assert main(["facts", "load", str(path), "--origin", "kept", "--source", str(kept_store)]) == 2
    err = capsys.readouterr().err
    assert "premium_paid" in err and "3" in err and str(NIK) in err
    assert main(["facts", "load", str(path), "--source", str(kept_store), "--format", "json"]) == 2
    body = json.loads(capsys.readouterr().err)
    assert body["code"] == "invalid_input" and body["details"]["errors"][0]["column"] == "premium_paid"
    assert _snapshot(kept_store) == before


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "0001-01-01", "2015-06", "1970-01"])
def test_a_month_outside_the_programs_years_is_refused(tmp_path: Path, store_path: Path, month: str) -> None:
    with pytest.raises(InvalidInput) as error:
        do_load_facts(path=_csv(tmp_path, GOOD + f"A1,3603,{month},bpu,apbd,true,0\n"), actor=SYSTEM)
    first = error.value.details["errors"][0]
    assert (first["row"], first["column"], first["value"]) == (3, "month", month)
    assert "2015-07" in first["reason"]
    assert _snapshot(store_path)[0] == []


def test_the_months_allowed_run_from_july_2015_to_december_of_next_year(tmp_path: Path, store_path: Path) -> None:
    last = last_month_allowed()
    assert last == date(today().year + 1, 12, 1)
    body = f"A1,3603,{FIRST_MONTH:%Y-%m},bpu,apbd,true,0\nA2,3603,{last:%Y-%m},bpu,apbd,true,0\n"
    assert do_load_facts(path=_csv(tmp_path, body), actor=SYSTEM)["rows"] == 2
    after = last + timedelta(days=31)
    with pytest.raises(InvalidInput, match=f"{after:%Y-%m}"):
        do_load_facts(path=_csv(tmp_path, f"A1,3603,{after:%Y-%m},bpu,apbd,true,0\n"), actor=SYSTEM)


def test_a_parquet_date_in_year_1_or_9999_is_refused(tmp_path: Path, store_path: Path) -> None:
    path = tmp_path / "dates.parquet"
    pl.DataFrame(
        {
            "participant_id": ["P1", "P2", "P3"],
            "region_code": ["3603"] * 3,
            "month": [date(2024, 12, 1), date(1, 1, 1), date(9999, 12, 1)],
            "segment": ["bpu"] * 3,
            "funder": ["apbd"] * 3,
            "active": [True] * 3,
        }
    ).write_parquet(path)
    with pytest.raises(InvalidInput) as error:
        do_load_facts(path=path, actor=SYSTEM)
    refused = [(e["row"], e["column"], e["value"]) for e in error.value.details["errors"]]
    assert refused == [(2, "month", "0001-01-01"), (3, "month", "9999-12-01")]  # Parquet rows count from 1
    assert _snapshot(store_path)[0] == []


# --- Parquet column types ----------------------------------------------------------------------------------------


def _parquet(tmp_path: Path, name: str = "typed.parquet", **columns: pa.Array) -> Path:
    """A participant file of two good rows, with ``columns`` added or put in place of the plain ones."""
    plain: dict[str, pa.Array] = {
        "participant_id": pa.array(["P1", "P2"]),
        "region_code": pa.array(["3603", "36.74"]),
        "month": pa.array(["2024-12", "2024-12"]),
        "segment": pa.array(["bpu", "pu"]),
        "funder": pa.array(["apbd", "employer"]),
        "active": pa.array([True, False]),
        "premium_paid": pa.array([16_800, 0], pa.int64()),
    }
    plain.update(columns)
    path = tmp_path / name
    pq.write_table(pa.table(plain), path)
    return path


HOSTILE_COLUMNS = {
    "struct": ("region_code", pa.array([{"p": "36", "k": "03"}, {"p": "36", "k": "74"}])),
    "map": ("occupation", pa.array([[("a", 1)], [("b", 2)]], pa.map_(pa.string(), pa.int64()))),
    "binary": ("participant_id", pa.array([b"P1", b"P2"], pa.binary())),
    "duration": ("premium_paid", pa.array([1, 2], pa.duration("s"))),
    "time": ("month", pa.array([1, 2], pa.time32("s"))),
    "list": ("occupation", pa.array([["petani"], ["nelayan"]], pa.list_(pa.string()))),
    "list<struct>": ("programs", pa.array([[{"k": "JKK"}], [{"k": "JKM"}]])),
}


@pytest.mark.parametrize("kind", list(HOSTILE_COLUMNS))
def test_a_parquet_column_that_is_not_a_plain_value_is_refused_naming_it(
    tmp_path: Path, kept_store: Path, kind: str
) -> None:
    column, values = HOSTILE_COLUMNS[kind]
    before = _snapshot(kept_store)
    with pytest.raises(InvalidInput) as error:
        do_load_facts(path=_parquet(tmp_path, **{column: values}), actor=SYSTEM, origin="kept", source=str(kept_store))
    message = str(error.value)
    assert f"{column} (" in message and kind.split("<")[0] in message and "Nothing was loaded" in message
    assert error.value.details["columns"].startswith(column)
    assert _snapshot(kept_store) == before


def test_the_cli_names_a_struct_column_with_exit_2(
    tmp_path: Path, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _parquet(tmp_path, extra=pa.array([{"a": 1}, {"a": 2}]))
    assert main(["facts", "load", str(path)]) == 2
    err = capsys.readouterr().err
    assert "extra (struct<a: int64>)" in err
    assert _snapshot(store_path)[0] == []


@pytest.mark.parametrize("list_type", [pa.list_(pa.string()), pa.large_list(pa.string())])
def test_a_list_of_programs_loads(tmp_path: Path, store_path: Path, list_type: pa.DataType) -> None:
    path = _parquet(tmp_path, programs=pa.array([["JKK", "JKM"], []], list_type))
    assert do_load_facts(path=path, actor=SYSTEM)["rows"] == 2


def test_plain_parquet_types_people_export_load(tmp_path: Path, store_path: Path) -> None:
    """Categories, dates, timestamps (a time zone is read in Jakarta), floats and decimals with whole values."""
    jakarta_midnight = pa.array([1732986000_000_000, 1732986000_000_000], pa.timestamp("us", tz="UTC"))  # 2024-12-01
    path = _parquet(
        tmp_path,
        segment=pa.array(["bpu", "pu"]).dictionary_encode(),
        month=jakarta_midnight,
        premium_paid=pa.array([16_800.0, None], pa.float64()),
        vulnerable=pa.array([True, None]),
    )
    assert do_load_facts(path=path, actor=SYSTEM)["rows"] == 2
    store = connect("duckdb", str(store_path))
    facts = pl.from_arrow(store.con.to_pyarrow(store.participants().order_by("participant_id")))
    store.close()
    assert isinstance(facts, pl.DataFrame)
    assert facts["month"].to_list() == [DEC_2024, DEC_2024] and facts["premium_paid"].to_list() == [16_800, 0]
    decimals = _parquet(tmp_path, premium_paid=pa.array([Decimal("16800.00"), Decimal("5")], pa.decimal128(12, 2)))
    assert do_load_facts(path=decimals, actor=SYSTEM)["rows"] == 2
    fraction = _parquet(tmp_path, premium_paid=pa.array([16_800.5, 0.0], pa.float64()))
    with pytest.raises(InvalidInput, match="premium_paid"):
        do_load_facts(path=fraction, actor=SYSTEM)


# --- origins -----------------------------------------------------------------------------------------------------

TMP_X = "/tmp/x"  # noqa: S108 - the path of the issue: the test checks that nothing is written there
BAD_ORIGINS = ["../x", "a/b", TMP_X, "", "..", ".", "a\\b", "x/../../y", "origin=x", "-x", "a b", "x" * 65]


@pytest.mark.parametrize("origin", BAD_ORIGINS)
def test_an_origin_that_is_not_a_plain_name_is_refused(origin: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check_origin(origin)
    assert error.value.details["field"] == "origin"


@pytest.mark.parametrize("origin", ["bpjs-2024-12", "BPJS_Des.2024", "2024", "a", "x" * 64])
def test_a_plain_origin_is_allowed(origin: str) -> None:
    assert check_origin(origin) == origin


@pytest.mark.parametrize("origin", ["../x", "a/b", TMP_X, "", "../../../escaped"])
def test_the_cli_refuses_an_unsafe_origin_and_writes_nothing_outside_the_store(
    tmp_path: Path, origin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    store = work / "store"
    store.mkdir(parents=True)
    path = _csv(tmp_path, GOOD, "good.csv")
    assert main(["facts", "load", str(path), "--source", str(store)]) == 0  # an origin "good" to be kept
    capsys.readouterr()
    outside = tmp_path / "outside"  # an absolute origin too, in a folder this test owns
    tmp_x_existed = Path(TMP_X).exists()
    before = sorted(p for p in tmp_path.rglob("*"))
    for tried in (origin, str(outside)):
        args = ["facts", "load", str(path), "--source", str(store), "--origin", tried]
        assert main(args) == 2
        assert f"'{tried}'" in capsys.readouterr().err  # the message names the origin refused
        assert main([*args, "--format", "json"]) == 2
        body = json.loads(capsys.readouterr().err)
        assert (body["code"], body["details"]) == ("invalid_input", {"field": "origin", "origin": tried})
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert not outside.exists() and Path(TMP_X).exists() == tmp_x_existed
    assert [o["origin"] for o in _snapshot(store)[0]] == ["good"]


@pytest.mark.parametrize("kind", ["duckdb", "parquet"])
def test_every_writer_goes_through_the_origin_check(tmp_path: Path, db: Any, kind: str) -> None:
    """The store itself refuses, so a door that forgot to check (a script, a future page) still cannot escape."""
    location = tmp_path / ("f.duckdb" if kind == "duckdb" else "store")
    store = connect("duckdb", str(location))
    rows = pa.Table.from_pylist([fact("x", DEC_2024, "36.03", "bpu", "apbd")], schema=FACT_SCHEMA)
    try:
        for origin in ("../x", "a/b", str(tmp_path / "abs"), ""):
            with pytest.raises(InvalidInput, match="not allowed"):
                store.replace_origin(origin, rows)
        assert store.origins() == []
    finally:
        store.close()
    assert not (tmp_path / "x").exists() and not (tmp_path / "abs").exists()
    assert not (tmp_path / "a").exists()


def test_the_action_refuses_an_unsafe_origin_before_reading_the_file(tmp_path: Path, store_path: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        do_load_facts(path=tmp_path / "not-even-there.csv", actor=SYSTEM, origin="../x")
    assert error.value.details == {"field": "origin", "origin": "../x"}


@pytest.mark.parametrize(
    ("filename", "origin"),
    [
        ("bpjs-2024-12.parquet", "bpjs-2024-12"),
        ("Data BPJS (Des 2024).csv", "Data-BPJS-Des-2024"),
        ("x..y.csv", "x.y"),
        ("_peserta_.csv", "peserta"),
    ],
)
def test_a_file_name_becomes_a_plain_origin(filename: str, origin: str) -> None:
    assert origin_from_filename(filename) == origin


def test_a_file_name_with_nothing_to_keep_asks_for_an_origin() -> None:
    with pytest.raises(InvalidInput, match="--origin"):
        origin_from_filename("(((.csv")


# --- reading: sums wider than 64 bits ----------------------------------------------------------------------------


def _huge_facts(n: int = 3_000) -> pa.Table:
    """Facts written past the checks (an old store, a script): n premiums of a NIK, 1.08e19 in all."""
    desa = first_desa("36.03")
    rows = [fact(f"n{i}", DEC_2024, desa, "bpu", "apbd", premium_paid=NIK) for i in range(n)]
    return pa.Table.from_pylist([{**r, "origin": "huge"} for r in rows], schema=FACT_SCHEMA)


def test_stored_facts_that_sum_past_64_bits_do_not_break_pages_or_the_api(store_path: Path, reference: None) -> None:
    store = connect("duckdb", str(store_path))
    store.replace_origin("huge", _huge_facts())
    store.close()
    values = run(pick_indicators(["benefit_premium_ratio"]), Period.parse("2024-12"), "kabupaten")
    ratio = next(v for v in values if v.region_code == "36.03")
    assert ratio.denominator == 3_000 * NIK and ratio.denominator > 2**63
    assert Client().get("/publik/", {"period": "2024-12"}).status_code == 200
    assert Client().get("/api/v1/public/indicators", {"period": "2024-12"}).status_code == 200
    admin = make_user("admin.huge", "system_admin")
    response = client_for(admin).get(
        "/api/v1/indicators/values", {"period": "2024-12", "level": "kabupaten", "indicator": "benefit_premium_ratio"}
    )
    assert response.status_code == 200
    assert {r["region_code"]: r["denominator"] for r in response.json()}["36.03"] == 3_000 * NIK


def _premiums_of_banten(engine: str, source: str) -> int:
    values = run(
        pick_indicators(["benefit_premium_ratio"]), Period.parse("2024-12"), "province", engine=engine, source=source
    )
    return sum(v.denominator or 0 for v in values if v.region_code == "36")


@pytest.mark.slow
def test_wide_sums_on_every_engine(tmp_path: Path, reference: None) -> None:
    facts = _huge_facts()
    parquet = tmp_path / "parquet"
    writer = connect("duckdb", str(parquet))
    writer.replace_origin("huge", facts)
    writer.close()
    for engine in ("duckdb", "spark"):
        assert _premiums_of_banten(engine, str(parquet)) == 3_000 * NIK, engine
    url = os.environ.get("PARITRANA_DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    # The PostgreSQL store outlives a test and may hold other tests' facts: count what this one adds, then remove it.
    before = _premiums_of_banten("postgres", url)
    pg = connect("postgres", url)
    try:
        pg.replace_origin("huge", facts)
        assert _premiums_of_banten("postgres", url) - before == 3_000 * NIK
    finally:
        pg.replace_origin("huge", FACT_SCHEMA.empty_table())
        pg.close()


# --- workforce counts --------------------------------------------------------------------------------------------


def test_a_workforce_count_beyond_any_kabupaten_is_refused(db: Any) -> None:
    from paritrana.analytics.models import Workforce

    text = f"region_code,year,employed,formal,informal\n3603,2024,{NIK},{NIK},0\n"
    with pytest.raises(InvalidInput) as error:
        do_import_workforce(source=text.encode(), filename="w.csv", actor=SYSTEM)
    first = error.value.details["errors"][0]
    assert (first["row"], first["column"]) == (2, "employed") and f"{WORKFORCE_CEILING:,}".replace(",", ".") in (
        first["reason"]
    )
    assert Workforce.objects.count() == 0


def test_the_api_refuses_a_workforce_file_of_niks_whole(db: Any) -> None:
    from paritrana.analytics.models import Workforce

    admin = make_user("admin.wf.nik", "system_admin")
    upload = io.BytesIO(f"region_code,year,employed,formal,informal\n3603,2024,10,5,5\n3671,2024,{NIK},5,5\n".encode())
    upload.name = "w.csv"
    response = client_for(admin).post("/api/v1/indicators/workforce/import", {"file": upload})
    assert response.status_code == 422
    first = response.json()["details"]["errors"][0]
    assert (first["row"], first["column"]) == (3, "employed")
    assert Workforce.objects.count() == 0
