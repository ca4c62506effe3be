"""Writing what the indicators stand on: bulk participant files, workforce figures, targets, definitions, and the
facts refreshed from sponsorship. Bad input names the row and column and writes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from paritrana.analytics.actions import (
    do_define_indicators,
    do_import_workforce,
    do_load_facts,
    do_refresh_facts,
    do_save_target,
)
from paritrana.analytics.models import IndicatorDefinition, Target, Workforce
from paritrana.analytics.periods import Period
from paritrana.analytics.queries import run
from paritrana.analytics.sources import pick_indicators
from paritrana.analytics.store import connect
from paritrana.core.audit import AuditEvent
from paritrana.core.errors import Conflict, InvalidInput, NotFound, OutOfScope, PermissionDenied
from paritrana.core.permissions import SYSTEM
from tests.analytics.conftest import first_desa
from tests.factories import make_program, make_user, make_worker

HEADER = "participant_id,region_code,month,segment,funder,active,premium_paid\n"


def _file(tmp_path: Path, text: str, name: str = "bpjs.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _rows(store_path: Path) -> list[dict[str, Any]]:
    store = connect("duckdb", str(store_path))
    try:
        return store.origins()
    finally:
        store.close()


def test_a_bulk_file_in_the_forms_people_send_loads(db: Any, tmp_path: Path, store_path: Path) -> None:
    desa = first_desa("36.03").replace(".", "")
    text = (
        "\ufeffParticipant ID;Region Code;Month;Segment;Funder;Active;Premium Paid\n"
        f"A1;{desa};2024-12;BPU;APBD;ya;16.800\n"
        "A2;36.74;2024-12-01;pu;employer;TRUE;0\n"
        ";;;;;;\n"
        "A3;3603;2024-12;bpu;apbdes;0;\n"
    )
    summary = do_load_facts(path=_file(tmp_path, text, encoding="utf-8"), actor=SYSTEM)
    assert summary["rows"] == 3 and summary["origin"] == "bpjs"
    (origin,) = _rows(store_path)
    assert (origin["rows"], origin["first_month"], origin["kabupaten"]) == (3, date(2024, 12, 1), 2)
    store = connect("duckdb", str(store_path))
    facts = pl.from_arrow(store.con.to_pyarrow(store.participants().order_by("participant_id")))
    store.close()
    assert facts["desa"].to_list()[0] == first_desa("36.03") and facts["desa"].to_list()[2] is None
    assert facts["premium_paid"].to_list() == [16_800, 0, 0] and facts["active"].to_list() == [True, True, False]


def test_loading_the_same_origin_again_replaces_it(db: Any, tmp_path: Path, store_path: Path) -> None:
    do_load_facts(
        path=_file(tmp_path, HEADER + "A1,3603,2024-12,bpu,apbd,true,0\nA2,3603,2024-12,bpu,apbd,true,0\n"),
        actor=SYSTEM,
    )
    do_load_facts(path=_file(tmp_path, HEADER + "A1,3603,2024-12,bpu,apbd,true,0\n"), actor=SYSTEM)
    assert [o["rows"] for o in _rows(store_path)] == [1]
    assert AuditEvent.objects.filter(action="facts.load").count() == 2


@pytest.mark.parametrize(
    ("body", "column", "reason"),
    [
        ("A1,9999,2024-12,bpu,apbd,true,0\n", "region_code", "no such region"),
        ("A1,36,2024-12,bpu,apbd,true,0\n", "region_code", "4, 6 or 10 digits"),
        ("A1,3603,Des 2024,bpu,apbd,true,0\n", "month", "YYYY-MM"),
        ("A1,3603,2024-12,petani,apbd,true,0\n", "segment", "not a segment"),
        ("A1,3603,2024-12,bpu,pemda,true,0\n", "funder", "not a funder"),
        ("A1,3603,2024-12,bpu,apbd,maybe,0\n", "active", "true or false"),
        ("A1,3603,2024-12,bpu,apbd,true,-5\n", "premium_paid", "whole number"),
        ("A1,3603,2024-12,bpu,apbd,true,0\nA1,3603,2024-12,pu,employer,true,0\n", "participant_id", "twice"),
        (",3603,2024-12,bpu,apbd,true,0\n", "participant_id", "empty"),
    ],
)
def test_a_bad_row_refuses_the_file_and_says_where(
    db: Any, tmp_path: Path, store_path: Path, body: str, column: str, reason: str
) -> None:
    good = "OK1,3603,2024-12,bpu,apbd,true,0\n"
    with pytest.raises(InvalidInput) as error:
        do_load_facts(path=_file(tmp_path, HEADER + good + body), actor=SYSTEM)
    first = error.value.details["errors"][0]
    assert first["column"] == column and reason in first["reason"] and first["row"] == 3
    assert "nothing was loaded" in str(error.value)
    assert _rows(store_path) == []


def test_a_file_missing_a_column_names_it(db: Any, tmp_path: Path, store_path: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        do_load_facts(path=_file(tmp_path, "participant_id,region_code,month\nA1,3603,2024-12\n"), actor=SYSTEM)
    assert "segment, funder, active" in str(error.value)


def test_a_parquet_file_loads_like_a_csv(db: Any, tmp_path: Path, store_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "participant_id": ["P1", "P2"],
            "region_code": ["36.03", "36.74"],
            "month": ["2024-11", "2024-12"],
            "segment": ["bpu", "pu"],
            "funder": ["apbd", "employer"],
            "active": [True, False],
        }
    )
    path = tmp_path / "export.parquet"
    frame.write_parquet(path)
    assert do_load_facts(path=path, actor=SYSTEM)["rows"] == 2
    frame.with_columns(pl.lit("2024-13").alias("month")).write_parquet(path)
    with pytest.raises(InvalidInput, match="month"):
        do_load_facts(path=path, actor=SYSTEM)
    assert [o["rows"] for o in _rows(store_path)] == [2]


def test_only_national_managers_load_facts(db: Any, tmp_path: Path, store_path: Path) -> None:
    operator = make_user("op.load", "regional_operator", "36.03")
    with pytest.raises(PermissionDenied):
        do_load_facts(path=_file(tmp_path, HEADER + "A1,3603,2024-12,bpu,apbd,true,0\n"), actor=operator)
    assert _rows(store_path) == []


WORKFORCE = "Region Code,Year,Employed,Formal,Informal,Vulnerable,Source\n"


def test_workforce_import_creates_updates_and_audits(db: Any) -> None:
    first = do_import_workforce(
        source=(
            WORKFORCE + "3603,2024,1.600.000,880.000,720.000,,BPS Banten\n36.74,2024,680000,455600,224400,,BPS\n"
        ).encode(),
        filename="sakernas.csv",
        actor=SYSTEM,
    )
    assert first == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert Workforce.objects.get(region_code="36.03").employed == 1_600_000
    again = do_import_workforce(
        source=(
            WORKFORCE + "3603,2024,1600000,880000,720000,300000,BPS Banten\n36.74,2024,680000,455600,224400,,BPS\n"
        ).encode(),
        filename="sakernas.csv",
        actor=SYSTEM,
    )
    assert (again["updated"], again["unchanged"]) == (1, 1)
    change = AuditEvent.objects.get(action="workforce.update")
    assert change.before["vulnerable"] is None and change.after["vulnerable"] == 300_000


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("9999,2024,10,5,5,,x\n", "no such kabupaten/kota"),
        ("36,2024,10,5,5,,x\n", "no such kabupaten/kota"),
        ("3603,2024,10,5,5,,x\n3603,2024,10,5,5,,x\n", "appear twice"),
        ("3603,2024,100,10,10,,x\n", "differ from employed"),
        ("3603,twenty,10,5,5,,x\n", "not a year"),
        ("3603,2024,-10,-5,-5,,x\n", "whole number"),
    ],
)
def test_a_bad_workforce_file_writes_nothing(db: Any, body: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as error:
        do_import_workforce(
            source=(WORKFORCE + "3601,2024,10,5,5,,x\n" + body).encode(), filename="w.csv", actor=SYSTEM
        )
    assert reason in error.value.details["errors"][0]["reason"]
    assert Workforce.objects.count() == 0


def test_a_regional_operator_imports_only_its_own_figures(db: Any) -> None:
    operator = make_user("op.wf", "regional_operator", "36.03")
    assert (
        do_import_workforce(source=(WORKFORCE + "3603,2024,10,5,5,,x\n").encode(), filename="w.csv", actor=operator)[
            "created"
        ]
        == 1
    )
    with pytest.raises(OutOfScope):
        do_import_workforce(source=(WORKFORCE + "3674,2024,10,5,5,,x\n").encode(), filename="w.csv", actor=operator)


def test_targets_are_set_with_their_source_and_scope(db: Any) -> None:
    target = do_save_target(
        indicator="coverage_workforce", year=2025, value="32.15", source="RPJMN 2025-2029", actor=SYSTEM
    )
    assert str(target.value) == "32.15"
    do_save_target(indicator="coverage_workforce", year=2025, value=33, source="RPJMN (revised)", actor=SYSTEM)
    assert Target.objects.get().source == "RPJMN (revised)"
    operator = make_user("op.target", "regional_operator", "36.03")
    with pytest.raises(OutOfScope):  # the national target is not a kabupaten's to change
        do_save_target(indicator="coverage_workforce", year=2025, value=1, source="x", actor=operator)
    do_save_target(
        indicator="coverage_workforce", year=2025, region_code="36.03", value=40, source="RPJMD", actor=operator
    )
    for bad in ({"indicator": "nope"}, {"value": "banyak"}, {"value": -1}, {"source": " "}, {"region_code": "99.99"}):
        values = {"indicator": "coverage_workforce", "year": 2025, "value": 1, "source": "x", **bad}
        with pytest.raises((InvalidInput, NotFound)):
            do_save_target(actor=SYSTEM, **values)
    assert Target.objects.count() == 2


def test_a_user_defined_indicator_is_computed_without_code(db: Any, filled_store: Path) -> None:
    text = """
- id: coverage_mandiri
  name: {id: Peserta mandiri, en: Self-paid participants}
  numerator: {source: participants, filter: {active: true, funder: mandiri}}
  denominator: {source: participants, filter: {active: true}}
"""
    assert do_define_indicators(text=text, actor=SYSTEM) == ["coverage_mandiri"]
    assert IndicatorDefinition.objects.get().definition["numerator"]["filter"] == {"active": True, "funder": "mandiri"}
    (row,) = [
        v
        for v in run(pick_indicators(["coverage_mandiri"]), Period.parse("2024-12"), "kabupaten")
        if v.region_code == "36.03"
    ]
    assert (row.numerator, row.denominator, row.value) == (2, 15, 13.33)
    with pytest.raises(Conflict):
        do_define_indicators(text=text.replace("coverage_mandiri", "coverage_workforce"), actor=SYSTEM)


def test_refresh_turns_bills_payments_and_claims_into_indicators(db: Any, store_path: Path) -> None:
    from paritrana.sponsorship.actions import do_enroll, do_record_claim, do_record_payment, do_run_billing

    Workforce.objects.create(region_code="36.03", year=2024, employed=100, formal=40, informal=60)
    program = make_program(pagu=1_000_000)
    desa = first_desa("36.03")
    workers = [make_worker(desa) for _ in range(3)]
    do_enroll(actor=SYSTEM, program=program, workers=workers, first_month=date(2024, 1, 1), last_month=date(2024, 3, 1))
    (bill,) = do_run_billing(actor=SYSTEM, month=date(2024, 1, 1)).bills
    do_record_payment(
        actor=SYSTEM, bill_number=bill.number, reference="TRX1", paid_on=date(2024, 1, 10), amount=bill.amount
    )
    do_run_billing(actor=SYSTEM, month=date(2024, 2, 1))  # February billed, never paid: lapsed
    do_record_claim(
        actor=SYSTEM,
        worker=workers[0],
        kind="jkk",
        event_date=date(2024, 1, 25),
        amount_paid=500_000,
        paid_on=date(2024, 1, 30),
    )
    summary = do_refresh_facts(actor=SYSTEM)
    assert summary["rows"] == 6
    values = {
        (v.indicator, v.period): v
        for p in ("2024-01", "2024-02")
        for v in run(pick_indicators(None), Period.parse(p), "kabupaten")
        if v.region_code == "36.03"
    }
    assert values[("coverage_workforce", "2024-01")].numerator == 3
    assert values[("coverage_workforce", "2024-02")].numerator == 0  # lapsed
    absorption = values[("budget_absorption", "2024-02")]
    assert (absorption.numerator, absorption.denominator) == (int(bill.amount), 1_000_000)
    ratio = values[("benefit_premium_ratio", "2024-01")]
    assert (ratio.numerator, ratio.denominator) == (500_000, int(bill.amount))
    assert AuditEvent.objects.filter(action="facts.refresh").exists()
