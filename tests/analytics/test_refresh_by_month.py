"""A facts refresh rebuilds only the months that changed since the last one (issue 22: a national registry bills ten
million lines a month; rebuilding every month ever billed would take longer each month). The rule that proves it:
after any change, the store refreshed month by month holds exactly what a full refresh into a new store holds."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from paritrana.analytics.actions import do_refresh_facts
from paritrana.analytics.models import FactRefresh
from paritrana.analytics.store import FACT_SCHEMA, Store, connect
from paritrana.core.dates import first_of_month, today
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.registry.lifecycle import do_record_death, do_record_move
from paritrana.sponsorship.actions import do_enroll, do_record_payment, do_run_billing, do_update_program
from tests.analytics.conftest import first_desa, sample_facts
from tests.factories import make_program, make_worker

JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)

pytestmark = pytest.mark.django_db


def _facts(location: str) -> list[tuple[Any, ...]]:
    store = connect(source=location)
    try:
        rows = store.con.to_pyarrow(store.participants().filter(lambda t: t.origin == "registry")).to_pylist()
    finally:
        store.close()
    return sorted(tuple(row[name] for name in FACT_SCHEMA.names) for row in rows)


def _as_full(tmp_path: Path) -> list[tuple[Any, ...]]:
    """What a full refresh into a new store holds now."""
    fresh = str(tmp_path / f"full-{FactRefresh.objects.count()}.duckdb")
    assert do_refresh_facts(actor=SYSTEM, source=fresh)["full"]
    return _facts(fresh)


@pytest.fixture
def billed() -> dict[str, Any]:
    """Three workers of Kabupaten Tangerang enrolled January to March 2024; January and February billed,
    January paid."""
    program = make_program(pagu=10_000_000)
    desa = first_desa("36.03")
    workers = [make_worker(desa) for _ in range(3)]
    do_enroll(actor=SYSTEM, program=program, workers=workers, first_month=JAN, last_month=MAR)
    (january,) = do_run_billing(actor=SYSTEM, month=JAN).bills
    do_record_payment(
        actor=SYSTEM, bill_number=january.number, reference="T1", paid_on=date(2024, 1, 10), amount=january.amount
    )
    (february,) = do_run_billing(actor=SYSTEM, month=FEB).bills
    return {"program": program, "workers": workers, "february": february, "desa": desa}


def _pay_february(s: dict[str, Any]) -> None:
    bill = s["february"]
    do_record_payment(
        actor=SYSTEM, bill_number=bill.number, reference="T2", paid_on=date(2024, 2, 20), amount=bill.amount
    )


def _bill_march(s: dict[str, Any]) -> None:
    do_run_billing(actor=SYSTEM, month=MAR)


def _death_in_january(s: dict[str, Any]) -> None:
    do_record_death(actor=SYSTEM, worker=s["workers"][0], died_on=date(2024, 1, 20), reason="akta kematian")


def _move(s: dict[str, Any]) -> None:
    other = first_desa("36.03", 1)
    do_record_move(actor=SYSTEM, worker=s["workers"][1], desa_code=other, moved_on=date(2024, 2, 1))


def _grace_shortened(s: dict[str, Any]) -> None:
    do_update_program(actor=SYSTEM, program=s["program"], grace_days=0)


#: Each change, and the months a refresh right after it must rebuild.
CHANGES: list[tuple[str, Callable[[dict[str, Any]], None], list[str]]] = [
    ("a payment", _pay_february, ["2024-02"]),
    ("a new month billed", _bill_march, ["2024-03"]),
    ("a death recorded late", _death_in_january, ["2024-01", "2024-02"]),
    ("a move", _move, ["2024-01", "2024-02"]),
    ("a program's grace period", _grace_shortened, ["2024-01", "2024-02"]),
]


@pytest.mark.parametrize(("change", "months"), [(c[1], c[2]) for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_a_refresh_rebuilds_the_months_a_change_touched_and_the_store_equals_a_full_refresh(
    billed: dict[str, Any],
    store_path: Path,
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    months: list[str],
) -> None:
    first = do_refresh_facts(actor=SYSTEM)
    assert (first["full"], first["months"], first["rows"]) == (True, ["2024-01", "2024-02"], 6)
    # Nothing changed: nothing rebuilt, nothing lost.
    before = _facts(str(store_path))
    nothing = do_refresh_facts(actor=SYSTEM)
    assert (nothing["full"], nothing["months"], nothing["rows"]) == (False, [], 0)
    assert _facts(str(store_path)) == before
    change(billed)
    again = do_refresh_facts(actor=SYSTEM)
    assert (again["full"], again["months"]) == (False, months)
    assert AuditEvent.objects.filter(action="facts.refresh").first().after["months"] == months
    assert _facts(str(store_path)) == _as_full(tmp_path)


def test_changes_in_a_row_keep_the_store_equal_to_a_full_refresh(
    billed: dict[str, Any], store_path: Path, tmp_path: Path
) -> None:
    do_refresh_facts(actor=SYSTEM)
    for _, change, _ in CHANGES:
        change(billed)
        do_refresh_facts(actor=SYSTEM)
        assert _facts(str(store_path)) == _as_full(tmp_path)


def test_a_month_still_in_its_grace_is_rebuilt_every_time(store_path: Path) -> None:
    """Unpaid, it counts as covered until its grace ends: time alone changes it, so it is never left as it was."""
    month = first_of_month(today())  # due on the 15th (BPU), with 60 days of grace: inside its grace today
    program = make_program(pagu=10_000_000, fiscal_year=month.year, grace_days=60)
    do_enroll(
        actor=SYSTEM, program=program, workers=[make_worker(first_desa("36.03"))], first_month=month, last_month=month
    )
    do_run_billing(actor=SYSTEM, month=month)
    do_refresh_facts(actor=SYSTEM)
    assert do_refresh_facts(actor=SYSTEM)["months"] == [month.isoformat()[:7]]


def test_full_rebuilds_every_month_and_an_emptied_store_is_rebuilt_whole(
    billed: dict[str, Any], store_path: Path
) -> None:
    do_refresh_facts(actor=SYSTEM)
    assert do_refresh_facts(actor=SYSTEM, full=True)["months"] == ["2024-01", "2024-02"]
    store_path.unlink()  # the store replaced by an empty one at the same place
    rebuilt = do_refresh_facts(actor=SYSTEM)
    assert rebuilt["full"] and rebuilt["rows"] == 6 and len(_facts(str(store_path))) == 6


def _stores(tmp_path: Path) -> list[str]:
    stores = [str(tmp_path / "facts.duckdb"), str(tmp_path / "parquet")]
    url = os.environ.get("PARITRANA_DATABASE_URL", "")
    return [*stores, url] if url.startswith("postgres") else stores


def test_every_store_replaces_the_months_given_and_keeps_the_others(tmp_path: Path) -> None:
    facts = sample_facts()
    facts = facts.set_column(facts.schema.get_field_index("origin"), "origin", pa.array(["registry"] * facts.num_rows))
    months = sorted(set(facts["month"].to_pylist()))
    assert len(months) > 1
    chosen = months[-1:]
    newer = facts.filter(pa.compute.equal(facts["month"], chosen[0]))
    newer = newer.set_column(
        newer.schema.get_field_index("premium_paid"), "premium_paid", pa.array([7] * newer.num_rows, pa.int64())
    )
    for location in _stores(tmp_path):
        store = connect(source=location)
        try:
            store.replace_origin("registry", facts)
            assert store.replace_origin("registry", newer, months=chosen) == newer.num_rows
            held = store.con.to_pyarrow(store.participants().filter(lambda t: t.origin == "registry"))
            assert held.num_rows == facts.num_rows, location
            kept = [r for r in held.to_pylist() if r["month"] != chosen[0]]
            assert len(kept) == facts.num_rows - newer.num_rows
            assert {r["premium_paid"] for r in held.to_pylist() if r["month"] == chosen[0]} == {7}
            # Rows of a month not being replaced would be doubled: refused, nothing written.
            with pytest.raises(ValueError, match="outside"):
                store.replace_origin("registry", facts, months=chosen)
            assert (
                store.con.to_pyarrow(store.participants().filter(lambda t: t.origin == "registry")).num_rows
                == facts.num_rows
            )
        finally:
            if location.startswith("postgres"):
                store.replace_origin("registry", facts.slice(0, 0))
            store.close()


def test_the_store_is_named_without_its_password() -> None:
    """The refresh's summary (and so the audit log) names the store: never with the database's password."""
    url = "postgresql://paritrana:rahasia@db:5432/facts"
    assert (
        Store(engine="postgres", location=url, kind="postgres", con=None).label
        == "postgresql://paritrana@db:5432/facts"
    )
    assert Store(engine="duckdb", location="/srv/facts.duckdb", kind="duckdb", con=None).label == "/srv/facts.duckdb"


def test_a_parquet_store_keeps_a_file_per_month_and_splits_one_written_before(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    facts = sample_facts()
    facts = facts.set_column(facts.schema.get_field_index("origin"), "origin", pa.array(["registry"] * facts.num_rows))
    months = sorted(set(facts["month"].to_pylist()))
    folder = tmp_path / "parquet" / "participants" / "origin=registry"
    folder.mkdir(parents=True)
    pq.write_table(facts.drop(["origin"]), folder / "part-0.parquet")  # as stores were written before months
    store = connect(source=str(tmp_path / "parquet"))
    try:
        newer = facts.filter(pa.compute.equal(facts["month"], months[-1]))
        store.replace_origin("registry", newer, months=months[-1:])
        assert sorted(f.name for f in folder.glob("*.parquet")) == [f"{m.isoformat()[:7]}.parquet" for m in months]
        assert store.con.to_pyarrow(store.participants()).num_rows == facts.num_rows
        before = {f.name: f.stat().st_ino for f in folder.glob("*.parquet")}
        store.replace_origin("registry", newer, months=months[-1:])
        after = {f.name: f.stat().st_ino for f in folder.glob("*.parquet")}
        # The months not replaced are the same files (linked into the new folder), the replaced one is new.
        assert [name for name in before if before[name] == after[name]] == [
            f"{m.isoformat()[:7]}.parquet" for m in months[:-1]
        ]
    finally:
        store.close()
