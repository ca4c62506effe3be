"""A worker's death, move, merge and inactivity as sponsorship sees them: no bill line after the month of death,
enrollments end (the unbilled months back to the pagu), the dead, merged and moved-away are never candidates again,
lines already billed after a death are an overpayment per sponsor and program, a death claim records the death, a
merge moves enrollments and claims and reports overlaps. Figures: Rp16,800 a worker-month (JKK + JKM at the
minimum income)."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.regions.models import Region
from paritrana.registry.choices import WorkerStatus
from paritrana.registry.lifecycle import (
    do_merge_workers,
    do_record_death,
    do_record_move,
    do_set_worker_status,
)
from paritrana.sponsorship import queries
from paritrana.sponsorship.actions import (
    do_enroll,
    do_record_claim,
    do_renew_program,
    do_run_billing,
)
from paritrana.sponsorship.lifecycle import ended_by_worker_changes
from paritrana.sponsorship.models import Bill, BillLine, Enrollment, Program
from paritrana.sponsorship.queries import eligible_workers, renewal_candidates
from tests.factories import make_program, make_worker

pytestmark = pytest.mark.django_db
MONTHLY = Decimal(16_800)


@pytest.fixture
def desas() -> list[str]:
    return list(
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[:3]
    )


def _enrolled(desa: str, *, year: int = 2024, **fields: Any) -> tuple[Program, Any]:
    program = make_program("36.03", fiscal_year=year, pagu=100_000_000)
    worker = make_worker(desa, **fields)
    result = do_enroll(actor=SYSTEM, program=program, workers=[worker], first_month=date(year, 1, 1))
    assert result.enrolled == 1
    program.refresh_from_db()
    return program, worker


def test_no_bill_line_from_the_month_after_death(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    other = make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=program, workers=[other], first_month=date(2024, 1, 1))
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 6, 10))
    for month in (6, 7):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    june, july = (Bill.objects.get(program=program, month=date(2024, m, 1)) for m in (6, 7))
    assert june.workers == 2 and june.amount == 2 * MONTHLY  # the month of death is billed
    assert july.workers == 1 and july.amount == MONTHLY
    assert not BillLine.objects.filter(bill=july, enrollment__worker=worker).exists()


def test_death_ends_the_enrollment_and_returns_the_unbilled_months_to_the_pagu(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    committed = program.committed
    assert committed == 12 * MONTHLY
    died = do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 6, 10), source="dukcapil")
    enrollment = Enrollment.objects.get(worker=worker)
    assert (enrollment.status, enrollment.last_month, enrollment.cost) == ("ended", date(2024, 6, 1), 6 * MONTHLY)
    program.refresh_from_db()
    assert program.committed == 6 * MONTHLY
    assert died.effects == {  # type: ignore[attr-defined]
        "enrollments_ended": 1,
        "enrollments_withdrawn": 0,
        "committed_returned": int(6 * MONTHLY),
        "overpaid_lines": 0,
        "overpaid_amount": 0,
    }
    told = ended_by_worker_changes(program)
    assert told[0]["change"] == "death" and told[0]["count"] == 1 and told[0]["returned"] == int(6 * MONTHLY)


def test_the_dead_are_never_candidates_again(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 3, 2))
    renewal = do_renew_program(actor=SYSTEM, program=program, pagu=10_000_000)
    assert renewal_candidates(renewal) == []
    fresh = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    assert worker not in list(eligible_workers(fresh))
    result = do_enroll(actor=SYSTEM, program=fresh, workers=[worker], mode="valid-only")
    assert result.enrolled == 0 and result.refused[0].code == "not_active"


def test_an_enrollment_of_next_year_is_withdrawn_on_death(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    later = make_program("36.03", fiscal_year=2025, pagu=10_000_000)
    do_enroll(actor=SYSTEM, program=later, workers=[worker], first_month=date(2025, 1, 1))
    later.refresh_from_db()
    assert later.committed == 12 * MONTHLY
    died = do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 11, 20))
    assert not Enrollment.objects.filter(program=later).exists()
    later.refresh_from_db()
    assert later.committed == 0
    assert died.effects["enrollments_withdrawn"] == 1  # type: ignore[attr-defined]


def test_lines_billed_after_a_death_learnt_late_are_an_overpayment_per_program(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    for month in range(1, 9):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    died = do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 5, 31))
    # June, July and August were billed before anyone knew: they stay on the bills, to recover.
    assert died.effects["overpaid_lines"] == 3  # type: ignore[attr-defined]
    assert died.effects["overpaid_amount"] == int(3 * MONTHLY)  # type: ignore[attr-defined]
    enrollment = Enrollment.objects.get(worker=worker)
    assert (enrollment.status, enrollment.last_month) == ("ended", date(2024, 8, 1))
    do_run_billing(actor=SYSTEM, month=date(2024, 9, 1))
    assert not Bill.objects.filter(program=program, month=date(2024, 9, 1)).exists()  # nobody left to bill
    rows = queries.overpayments(SYSTEM)
    assert [(r["program_id"], r["lines"], r["workers"], r["amount"]) for r in rows] == [
        (program.pk, 3, 1, int(3 * MONTHLY))
    ]
    lines = queries.overpayment_lines(SYSTEM)
    assert [(line["month"], line["amount"]) for line in lines] == [
        ("2024-06", 16_800),
        ("2024-07", 16_800),
        ("2024-08", 16_800),
    ]
    assert lines[0]["nik"].count("*") == 10  # masked
    assert _marked() == ["2024-06", "2024-07", "2024-08"]  # what monev reads them by


def _marked() -> list[str]:
    """The months of the bill lines marked as billed after the worker's death."""
    lines = BillLine.objects.filter(after_death=True).order_by("bill__month")
    return [m.isoformat()[:7] for m in lines.values_list("bill__month", flat=True)]


def _overpaid_months() -> list[str]:
    return sorted(line["month"] for line in queries.overpayment_lines(SYSTEM))


def test_the_overpayment_follows_a_death_corrected_or_undone(desas: list[str]) -> None:
    _, worker = _enrolled(desas[0])
    for month in range(1, 9):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    worker = do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 5, 31))
    assert _overpaid_months() == _marked() == ["2024-06", "2024-07", "2024-08"]
    worker = do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 6, 30), reason="akta kematian")
    assert _overpaid_months() == _marked() == ["2024-07", "2024-08"]  # June was a month of life after all
    worker = do_set_worker_status(
        actor=SYSTEM, worker=worker, status=WorkerStatus.ACTIVE, on=date(2024, 9, 2), reason="salah orang"
    )
    assert _overpaid_months() == _marked() == []  # no death, nothing to recover
    assert queries.overpayments(SYSTEM) == []
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 3, 31), reason="akta kematian yang benar")
    assert _overpaid_months() == _marked() == ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08"]


def test_a_merge_into_the_record_of_a_death_makes_the_moved_months_an_overpayment(desas: list[str]) -> None:
    program = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    keep, other = make_worker(desas[0]), make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=program, workers=[other], first_month=date(2024, 1, 1))
    for month in range(1, 5):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    keep = do_record_death(actor=SYSTEM, worker=keep, died_on=date(2024, 2, 10))
    assert _marked() == []  # the record of the death had no enrollment
    do_merge_workers(actor=SYSTEM, keep=keep, other=other, reason="satu orang, dua NIK", on=date(2024, 4, 20))
    assert _overpaid_months() == _marked() == ["2024-03", "2024-04"]


@pytest.mark.parametrize("one_statement", [True, False], ids=["few workers", "a list"])
def test_lines_after_a_death_are_found_in_each_program_that_billed_them(
    desas: list[str], one_statement: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker of two programs (2024 and 2025), billed on in both after a death learnt late: each program's lines
    after the death are found, counted and reported under that program."""
    if not one_statement:
        monkeypatch.setattr(importlib.import_module("paritrana.sponsorship.lifecycle"), "SMALL", 0)
    program, worker = _enrolled(desas[0])
    later = make_program("36.03", fiscal_year=2025, pagu=10_000_000)
    do_enroll(actor=SYSTEM, program=later, workers=[worker], first_month=date(2025, 1, 1))
    bystander = make_worker(desas[1])
    do_enroll(actor=SYSTEM, program=later, workers=[bystander], first_month=date(2025, 1, 1))
    for month in [date(2024, m, 1) for m in range(1, 13)] + [date(2025, 1, 1), date(2025, 2, 1)]:
        do_run_billing(actor=SYSTEM, month=month)
    died = do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 5, 31))
    assert died.effects["overpaid_lines"] == 7 + 2  # type: ignore[attr-defined]
    assert died.effects["overpaid_amount"] == int(9 * MONTHLY)  # type: ignore[attr-defined]
    assert died.effects["enrollments_withdrawn"] == 0  # type: ignore[attr-defined]
    ended = Enrollment.objects.filter(worker=worker).order_by("first_month")
    assert [(e.status, e.last_month) for e in ended] == [("ended", date(2024, 12, 1)), ("ended", date(2025, 2, 1))]
    assert Enrollment.objects.get(worker=bystander).status == "active"
    rows = queries.overpayments(SYSTEM)
    assert sorted((r["program_id"], r["lines"], r["workers"], r["amount"]) for r in rows) == [
        (program.pk, 7, 1, int(7 * MONTHLY)),
        (later.pk, 2, 1, int(2 * MONTHLY)),
    ]
    months = [f"2024-{m:02d}" for m in range(6, 13)] + ["2025-01", "2025-02"]
    assert _overpaid_months() == _marked() == months


def test_a_death_claim_records_the_death(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    do_run_billing(actor=SYSTEM, month=date(2024, 1, 1))
    do_record_claim(actor=SYSTEM, worker=worker, kind="jkm", event_date=date(2024, 6, 10), amount_paid=42_000_000)
    worker.refresh_from_db()
    assert (worker.status, worker.died_on) == (WorkerStatus.DECEASED, date(2024, 6, 10))
    event = worker.events.get()
    assert (event.kind, event.source) == ("death", "claim")
    assert Enrollment.objects.get(worker=worker).last_month == date(2024, 6, 1)


def test_a_move_ends_enrollments_of_the_region_left_and_makes_a_candidate_where_the_worker_lives(
    desas: list[str],
) -> None:
    village = make_program(desas[0], kind="apbdes", fiscal_year=2024, pagu=10_000_000)
    kabupaten = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    worker = make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=village, workers=[worker], first_month=date(2024, 1, 1))
    moved = do_record_move(actor=SYSTEM, worker=worker, desa_code=desas[1], moved_on=date(2024, 4, 15))
    assert moved.desa_code == desas[1] and moved.status == WorkerStatus.ACTIVE
    enrollment = Enrollment.objects.get(worker=worker)
    assert (enrollment.status, enrollment.last_month) == ("ended", date(2024, 4, 1))
    assert ended_by_worker_changes(village)[0]["change"] == "move"
    assert worker.pk in {w.pk for w in eligible_workers(kabupaten, desa=desas[1])}
    assert worker.pk not in {w.pk for w in eligible_workers(village)}


def test_a_move_inside_the_programs_area_keeps_the_enrollment(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    do_record_move(actor=SYSTEM, worker=worker, desa_code=desas[1], moved_on=date(2024, 4, 15))
    enrollment = Enrollment.objects.get(worker=worker)
    assert (enrollment.status, enrollment.last_month) == ("active", date(2024, 12, 1))


def test_moved_away_and_inactive_workers_are_not_candidates(desas: list[str]) -> None:
    program, worker = _enrolled(desas[0])
    other = make_worker(desas[0])
    do_record_move(actor=SYSTEM, worker=worker, desa_code="", moved_on=date(2024, 2, 1))
    do_set_worker_status(actor=SYSTEM, worker=other, status="inactive", on=date(2024, 2, 1), reason="kerja formal")
    fresh = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    candidates = {w.pk for w in eligible_workers(fresh)}
    assert worker.pk not in candidates and other.pk not in candidates
    assert Enrollment.objects.get(worker=worker).last_month == date(2024, 2, 1)


def test_a_merge_moves_enrollments_and_claims_and_reports_overlaps(desas: list[str]) -> None:
    kabupaten = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    village = make_program(desas[0], kind="apbdes", fiscal_year=2024, pagu=10_000_000)
    keep = make_worker(desas[0], name="Siti Aminah", kpj="")
    other = make_worker(desas[0], name="Siti Aminah", kpj="KPJ-77")
    do_enroll(actor=SYSTEM, program=kabupaten, workers=[keep], first_month=date(2024, 1, 1))
    do_enroll(actor=SYSTEM, program=village, workers=[other], first_month=date(2024, 1, 1))  # the same person, twice
    result = do_merge_workers(actor=SYSTEM, keep=keep, other=other, reason="satu orang, dua NIK", on=date(2024, 3, 1))
    assert Enrollment.objects.filter(worker=keep).count() == 2
    assert result.effects["enrollments_moved"] == 1
    assert result.effects["overlaps"] == [
        {
            "programs": [kabupaten.pk, village.pk],
            "names": [
                f"{kabupaten.name} ({kabupaten.sponsor.name})",
                f"{village.name} ({village.sponsor.name})",
            ],
            "first": "2024-01",
            "last": "2024-12",
        }
    ]
    other.refresh_from_db()
    keep.refresh_from_db()
    assert (other.status, other.merged_into_id) == (WorkerStatus.MERGED, keep.pk)
    assert keep.kpj == "KPJ-77"  # filled from the other record
    assert AuditEvent.objects.filter(action="worker.merge", object_id=str(keep.pk)).exists()


def test_a_merge_of_two_records_in_the_same_program_ends_the_duplicate(desas: list[str]) -> None:
    program = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    keep, other = make_worker(desas[0]), make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=program, workers=[keep, other], first_month=date(2024, 1, 1))
    do_run_billing(actor=SYSTEM, month=date(2024, 1, 1))
    do_merge_workers(actor=SYSTEM, keep=keep, other=other, reason="duplikat", on=date(2024, 2, 10))
    duplicate = Enrollment.objects.get(worker=other)
    assert (duplicate.status, duplicate.last_month) == ("ended", date(2024, 2, 1))
    program.refresh_from_db()
    assert program.committed == 12 * MONTHLY + 2 * MONTHLY


def test_coverage_facts_stop_counting_the_worker_after_the_month_of_death(desas: list[str]) -> None:
    from paritrana.analytics.sources import registry_facts

    program, worker = _enrolled(desas[0])
    other = make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=program, workers=[other], first_month=date(2024, 1, 1))
    for month in range(1, 5):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 2, 14))  # March and April were billed already
    facts = registry_facts(on=date(2024, 5, 1)).to_pylist()
    months = sorted(f["month"] for f in facts if f["participant_id"] == str(worker.pk))
    assert months == [date(2024, 1, 1), date(2024, 2, 1)]
    assert len([f for f in facts if f["participant_id"] == str(other.pk)]) == 4


def test_a_long_death_list_ends_every_enrollment_and_counts_its_overpaid_lines(desas: list[str]) -> None:
    """More deaths than go in one statement: the temporary-table path of the hook gives the same as one by one."""
    from paritrana.registry.lifecycle import do_import_deaths
    from paritrana.sponsorship.lifecycle import SMALL

    program = make_program("36.03", fiscal_year=2024, pagu=1_000_000_000)
    workers = [make_worker(desas[i % 3]) for i in range(SMALL + 20)]
    do_enroll(actor=SYSTEM, program=program, workers=workers, first_month=date(2024, 1, 1))
    for month in (1, 2, 3):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    dying = workers[: SMALL + 10]
    rows = "\n".join(f"{w.nik};{'15/01/2024' if i % 2 else '20/02/2024'};Dukcapil" for i, w in enumerate(dying))
    result = do_import_deaths(actor=SYSTEM, source=f"NIK;Tanggal Meninggal;Sumber\n{rows}\n".encode(), filename="m.csv")
    january = len([i for i in range(len(dying)) if i % 2])
    february = len(dying) - january
    assert result.summary["enrollments_ended"] == len(dying)
    assert result.summary["overpaid_lines"] == 2 * january + february  # Feb and Mar; Mar
    assert result.summary["overpaid_amount"] == int((2 * january + february) * MONTHLY)
    ended = Enrollment.objects.filter(worker__in=dying)
    assert set(ended.values_list("status", "last_month")) == {("ended", date(2024, 3, 1))}
    program.refresh_from_db()
    left = len(workers) - len(dying)
    assert program.committed == (12 * left + 3 * len(dying)) * MONTHLY
    overpaid = queries.overpayments(SYSTEM)
    assert overpaid[0]["lines"] == 2 * january + february and overpaid[0]["workers"] == len(dying)
