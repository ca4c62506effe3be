"""Sponsorship behaviour: programs and their status flow, enrollment against pagu, eligibility and double
sponsorship, billing runs, payments and reconciliation, coverage, lapses and claims. Figures: a BPU worker at
the minimum declared income of Rp1,000,000 pays JKK 1% (10,000) + JKM 6,800 = Rp16,800 a month
(reference/regulations.md, PP 44/2015 as amended)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from paritrana.core.errors import Conflict, InvalidInput, OutOfScope, PermissionDenied
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.regions.models import Region
from paritrana.sponsorship import queries
from paritrana.sponsorship.actions import (
    do_advance_program,
    do_create_program,
    do_create_sponsor,
    do_end_enrollment,
    do_enroll,
    do_import_payments,
    do_reconcile_bill,
    do_record_claim,
    do_record_payment,
    do_renew_program,
    do_run_billing,
    do_submit_bill,
    do_update_program,
)
from paritrana.sponsorship.models import Bill, BillLine, Enrollment, Payment, Program
from paritrana.sponsorship.queries import renewal_candidates
from tests.conftest import committed_db, needs_shared_database
from tests.factories import make_program, make_user, make_worker

pytestmark = pytest.mark.django_db
MONTHLY = Decimal(16_800)


@pytest.fixture
def desas() -> list[str]:
    return list(
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[:3]
    )


def test_sponsor_kind_must_match_its_region_level() -> None:
    with pytest.raises(InvalidInput) as caught:
        do_create_sponsor(actor=SYSTEM, name="Desa X", kind="apbdes", region_code="36.03")
    assert caught.value.details["field"] == "region_code"
    sponsor = do_create_sponsor(
        actor=SYSTEM, name="Pemkab Tangerang", kind="apbd_kabkota", region_code="3603", opd="Disnaker"
    )
    assert sponsor.region_code == "36.03" and sponsor.opd == "Disnaker"


def test_operator_cannot_create_a_sponsor_outside_the_scope(kab_operator: Any) -> None:
    with pytest.raises(OutOfScope):
        do_create_sponsor(actor=kab_operator, name="Kota Cilegon", kind="apbd_kabkota", region_code="36.72")


def test_program_months_must_end_within_the_fiscal_year() -> None:
    sponsor = do_create_sponsor(actor=SYSTEM, name="Pemkab", kind="apbd_kabkota", region_code="36.03")
    with pytest.raises(InvalidInput) as caught:
        do_create_program(actor=SYSTEM, sponsor=sponsor, name="P", fiscal_year=2024, pagu=1, first_month=7, months=12)
    assert caught.value.details == {"field": "months", "first": 7, "most": 6}


def test_program_income_outside_the_bpu_range_is_refused() -> None:
    sponsor = do_create_sponsor(actor=SYSTEM, name="Pemkab", kind="apbd_kabkota", region_code="36.03")
    with pytest.raises(InvalidInput) as caught:
        do_create_program(actor=SYSTEM, sponsor=sponsor, name="P", fiscal_year=2024, pagu=1, declared_income=500_000)
    assert caught.value.details["field"] == "income"


def test_status_flow_records_who_approved(kab_operator: Any) -> None:
    program = make_program(status="draft")
    approved = do_advance_program(actor=kab_operator, program=program, to="approved")
    assert approved.approved_by == kab_operator and approved.approved_at is not None
    with pytest.raises(Conflict):
        do_advance_program(actor=kab_operator, program=approved, to="closed")
    assert AuditEvent.objects.filter(action="program.approved", object_id=str(program.pk)).count() == 1


def test_viewer_cannot_approve() -> None:
    viewer = make_user("viewer.banten", "viewer", "36")
    with pytest.raises(PermissionDenied):
        do_advance_program(actor=viewer, program=make_program(status="draft"), to="approved")


def test_enrollment_commits_the_cost_of_its_months(kab_operator: Any, desas: list[str]) -> None:
    program = make_program(pagu=1_000_000)
    workers = [make_worker(desas[0]) for _ in range(3)]
    result = do_enroll(actor=kab_operator, program=program, workers=workers)
    assert result.enrolled == 3 and not result.refused
    assert result.cost == 3 * 12 * MONTHLY
    program.refresh_from_db()
    assert program.committed == 604_800
    assert set(Enrollment.objects.values_list("first_month", "last_month")) == {(date(2024, 1, 1), date(2024, 12, 1))}


def test_enrollment_beyond_pagu_is_refused_with_what_remains(kab_operator: Any, desas: list[str]) -> None:
    program = make_program(pagu=2 * 12 * 16_800 + 100)
    do_enroll(actor=kab_operator, program=program, workers=[make_worker(desas[0])])
    with pytest.raises(Conflict) as caught:
        do_enroll(actor=kab_operator, program=program, workers=[make_worker(desas[0]) for _ in range(2)])
    assert caught.value.details["remaining"] == 12 * 16_800 + 100
    assert caught.value.details["workers"] == 1
    assert Enrollment.objects.count() == 1
    program.refresh_from_db()
    assert program.committed == 12 * MONTHLY


def test_ineligible_workers_are_named_and_all_or_nothing_enrolls_none(kab_operator: Any, desas: list[str]) -> None:
    program = make_program(occupations=["nelayan"], max_poverty_decile=4, min_age=18, max_age=60)
    fisher = make_worker(desas[0], occupation="nelayan")
    farmer = make_worker(desas[0], occupation="petani_pekebun")
    rich = make_worker(desas[0], occupation="nelayan", poverty_decile=9)
    old = make_worker(desas[0], occupation="nelayan", birth_date=date(1950, 1, 1))
    outside = make_worker("36.72.01.1001", occupation="nelayan")
    result = do_enroll(actor=SYSTEM, program=program, workers=[fisher, farmer, rich, old, outside])
    assert result.enrolled == 0
    assert {r.worker_id: r.code for r in result.refused} == {
        farmer.pk: "occupation",
        rich.pk: "decile",
        old.pk: "age",
        outside.pk: "outside_area",
    }
    partial = do_enroll(actor=SYSTEM, program=program, workers=[fisher, farmer], mode="valid-only")
    assert partial.enrolled == 1 and [r.code for r in partial.refused] == ["occupation"]


def test_double_sponsorship_names_who_covers_the_worker(kab_operator: Any, desas: list[str]) -> None:
    apbd = make_program()
    village = make_program(desas[0], kind="apbdes", name="APBDes")
    worker = make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=village, workers=[worker], first_month=date(2024, 6, 1))
    result = do_enroll(actor=kab_operator, program=apbd, workers=[worker])
    (refusal,) = result.refused
    assert refusal.code == "double_sponsorship"
    assert refusal.details == {
        "sponsor": f"Pemda {desas[0]}",
        "program": "APBDes",
        "first": "2024-06",
        "last": "2024-12",
    }
    # Months that do not overlap are fine.
    ok = do_enroll(actor=kab_operator, program=apbd, workers=[worker], last_month=date(2024, 5, 1))
    assert ok.enrolled == 1


def test_enrollment_into_a_closed_or_draft_program_is_refused(desas: list[str]) -> None:
    for status in ("draft", "closed"):
        program = make_program(status=status)
        with pytest.raises(Conflict) as caught:
            do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desas[0])])
        assert caught.value.details["status"] == status


def test_pagu_cannot_go_below_what_is_committed(desas: list[str]) -> None:
    program = make_program(pagu=1_000_000)
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desas[0])])
    with pytest.raises(Conflict) as caught:
        do_update_program(actor=SYSTEM, program=program, pagu=100_000)
    assert caught.value.details["committed"] == 201_600
    assert do_update_program(actor=SYSTEM, program=program, pagu=201_600).pagu == 201_600
    with pytest.raises(Conflict):  # who is covered cannot change once approved
        do_update_program(actor=SYSTEM, program=program, occupations=["nelayan"])


def test_ending_an_enrollment_returns_the_unbilled_months_to_the_pagu(desas: list[str]) -> None:
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desas[0])])
    enrollment = Enrollment.objects.get()
    do_end_enrollment(actor=SYSTEM, enrollment=enrollment, last_month=date(2024, 3, 1))
    program.refresh_from_db()
    assert program.committed == 3 * MONTHLY


def test_billing_prices_each_worker_and_never_bills_a_month_twice(desas: list[str]) -> None:
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desas[0]) for _ in range(4)])
    first = do_run_billing(actor=SYSTEM, month=date(2024, 3, 1))
    (bill,) = first.bills
    assert bill.workers == 4 and bill.amount == 4 * MONTHLY
    assert bill.number == f"TAG-{program.pk:05d}-202403"
    assert bill.due_date == date(2024, 3, 15)  # BPU iuran is due by the 15th of the month it covers
    assert sorted(BillLine.objects.values_list("amount", flat=True)) == [MONTHLY] * 4
    again = do_run_billing(actor=SYSTEM, month=date(2024, 3, 15))
    assert again.bills == [] and again.already_billed == [bill.number]
    assert Bill.objects.count() == 1 and BillLine.objects.count() == 4


def test_billing_uses_the_rules_of_the_month_billed(desas: list[str]) -> None:
    """PP 49/2020: August 2020 to January 2021 JKK and JKM were discounted by 99%, and due on the 30th."""
    program = make_program(fiscal_year=2020, first_month=7, months=6)
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desas[0])])
    july = do_run_billing(actor=SYSTEM, month=date(2020, 7, 1)).bills[0]
    august = do_run_billing(actor=SYSTEM, month=date(2020, 8, 1)).bills[0]
    assert july.amount == 16_800
    assert august.amount == 168  # 1% of 10,000 + 1% of 6,800
    assert august.due_date == date(2020, 9, 30)


def _billed(desas: list[str], **program_fields: Any) -> Bill:
    program = make_program(**program_fields)
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desas[0]) for _ in range(2)])
    return do_run_billing(actor=SYSTEM, month=date(2024, 3, 1)).bills[0]


def test_partial_then_full_payment_settles_the_bill_on_the_completing_day(desas: list[str]) -> None:
    bill = _billed(desas)
    do_record_payment(actor=SYSTEM, bill_number=bill.number, reference="R1", paid_on=date(2024, 4, 5), amount=20_000)
    bill.refresh_from_db()
    assert bill.status == "pending" and bill.paid == 20_000 and bill.outstanding == 13_600
    do_record_payment(actor=SYSTEM, bill_number=bill.number, reference="R2", paid_on=date(2024, 4, 10), amount=20_000)
    bill.refresh_from_db()
    assert bill.status == "paid" and bill.paid_on == date(2024, 4, 10) and bill.overpaid == 6_400


def test_unknown_bill_number_is_kept_unmatched_and_a_reference_is_recorded_once(desas: list[str]) -> None:
    payment = do_record_payment(
        actor=SYSTEM, bill_number="TAG-99999-202403", reference="X1", paid_on=date(2024, 4, 1), amount=5
    )
    assert payment.bill is None and payment.bill_number == "TAG-99999-202403"
    with pytest.raises(Conflict):
        do_record_payment(
            actor=SYSTEM, bill_number="TAG-99999-202403", reference="X1", paid_on=date(2024, 4, 1), amount=5
        )


def test_reconciliation_flow_needs_the_bpjs_officer(kab_operator: Any, desas: list[str]) -> None:
    bill = _billed(desas)
    do_record_payment(
        actor=kab_operator, bill_number=bill.number, reference="R", paid_on=date(2024, 4, 1), amount=33_600
    )
    bill = do_submit_bill(actor=kab_operator, bill=Bill.objects.get(pk=bill.pk))
    assert bill.status == "awaiting_reconciliation"
    with pytest.raises(PermissionDenied):
        do_reconcile_bill(actor=kab_operator, bill=bill)
    officer = make_user("bpjs.tangerang", "bpjs_officer", "36.03")
    assert do_reconcile_bill(actor=officer, bill=bill).status == "reconciled"


@pytest.mark.parametrize(
    ("paid_on", "grace", "on", "state"),
    [
        (date(2024, 3, 15), 0, date(2024, 6, 1), "active"),
        (date(2024, 3, 16), 0, date(2024, 6, 1), "lapsed"),
        (date(2024, 3, 16), 7, date(2024, 6, 1), "active"),
        (None, 0, date(2024, 3, 15), "pending"),
        (None, 0, date(2024, 3, 16), "lapsed"),
        (None, 30, date(2024, 4, 14), "pending"),
    ],
)
def test_coverage_is_active_only_when_paid_by_due_date_plus_grace(
    desas: list[str], paid_on: date | None, grace: int, on: date, state: str
) -> None:
    bill = _billed(desas, grace_days=grace)
    if paid_on:
        do_record_payment(actor=SYSTEM, bill_number=bill.number, reference="R", paid_on=paid_on, amount=bill.amount)
    enrollment = Enrollment.objects.first()
    assert enrollment is not None
    assert queries.coverage_of_month(enrollment, date(2024, 3, 1), on=on) == state


def test_claims_are_checked_against_coverage_and_the_rules(desas: list[str]) -> None:
    bill = _billed(desas)
    do_record_payment(
        actor=SYSTEM, bill_number=bill.number, reference="R", paid_on=date(2024, 3, 1), amount=bill.amount
    )
    worker = Enrollment.objects.first().worker  # type: ignore[union-attr]
    good = do_record_claim(
        actor=SYSTEM, worker=worker, kind="jkm", event_date=date(2024, 3, 20), amount_paid=42_000_000, heirs="Istri"
    )
    assert good.flags == [] and good.expected == 42_000_000 and good.program is not None
    wrong = do_record_claim(
        actor=SYSTEM, worker=worker, kind="jkm", event_date=date(2024, 3, 21), amount_paid=40_000_000
    )
    assert wrong.flags == ["amount_differs"]
    uncovered = do_record_claim(
        actor=SYSTEM, worker=worker, kind="jkm", event_date=date(2024, 4, 2), amount_paid=42_000_000
    )
    assert uncovered.flags == ["not_covered"]  # April was never billed
    # 48 x Rp1,000,000 + funeral Rp10,000,000 + periodic Rp12,000,000 (PP 82/2019).
    death = do_record_claim(
        actor=SYSTEM, worker=worker, kind="jkk-death", event_date=date(2024, 3, 2), amount_paid=70_000_000
    )
    assert death.expected == 70_000_000 and death.flags == []


def test_payment_file_with_a_bad_row_writes_nothing(desas: list[str]) -> None:
    bill = _billed(desas)
    csv = (
        f"Nomor Tagihan;Referensi;Tanggal Bayar;Jumlah\n{bill.number};A1;05/04/2024;33.600\n"
        f"{bill.number};A2;kemarin;100\n"
    )
    result = do_import_payments(actor=SYSTEM, source=csv.encode(), filename="bayar.csv")
    assert result.errors == [{"row": 3, "field": "paid_on", "message": "kemarin bukan tanggal."}]
    assert Payment.objects.count() == 0


def test_payment_file_lists_unknown_partial_overpaid_and_duplicate_rows(desas: list[str]) -> None:
    first = _billed(desas)
    second = Bill.objects.create(
        program=first.program,
        number="TAG-LAIN",
        month=date(2024, 4, 1),
        due_date=date(2024, 5, 15),
        workers=2,
        amount=33_600,
    )
    csv = (
        "No Tagihan,Referensi,Tanggal,Jumlah\n"
        f"{first.number},B1,2024-04-05,40000\n"
        f"{second.number},B2,2024-05-05,10000\n"
        "TAG-TIDAK-ADA,B3,2024-05-05,16800\n"
        f"{second.number},B2,2024-05-05,10000\n"
    )
    result = do_import_payments(actor=SYSTEM, source=csv.encode("latin-1"), filename="bayar.csv")
    assert result.matched == 2
    assert result.overpaid == [first.number] and result.partial == [second.number]
    assert result.unknown == [{"row": 4, "bill_number": "TAG-TIDAK-ADA", "amount": 16_800}]
    assert result.duplicates == [{"row": 5, "reference": "B2"}]
    assert Payment.objects.count() == 3  # the unknown one is kept, to be matched


def test_monev_shows_absorption_lapses_and_villages_below_minimum(desas: list[str]) -> None:
    program = make_program(region_code=desas[0][:8], pagu=1_008_000, target_workers=5, min_workers_per_desa=2)
    do_enroll(
        actor=SYSTEM, program=program, workers=[make_worker(desas[0]) for _ in range(2)] + [make_worker(desas[1])]
    )
    march, april = (do_run_billing(actor=SYSTEM, month=date(2024, m, 1)).bills[0] for m in (3, 4))
    do_record_payment(
        actor=SYSTEM, bill_number=march.number, reference="R", paid_on=date(2024, 3, 1), amount=march.amount
    )
    report = queries.monev(SYSTEM, program=program.pk, on=date(2024, 6, 1))
    (row,) = report.rows
    assert row.pagu == 1_008_000 and row.committed == 3 * 12 * MONTHLY and row.billed == 2 * 3 * MONTHLY
    assert row.paid == 3 * MONTHLY and round(row.absorption_pct, 2) == 5.0
    assert row.lapsed_workers == 3  # April unpaid after 15 May
    assert [m.coverage for m in row.months[2:5]] == ["active", "lapsed", "not_billed"]
    assert row.workers == 3 and row.target_workers == 5
    below = {v["code"]: v["workers"] for v in row.villages_below_minimum}
    assert below[desas[1]] == 1 and desas[0] not in below
    assert report.totals["absorption_pct"] == 5.0


def test_renewal_carries_over_the_workers_who_still_qualify(desas: list[str]) -> None:
    program = make_program(max_poverty_decile=4)
    stays, leaves = make_worker(desas[0]), make_worker(desas[0])
    do_enroll(actor=SYSTEM, program=program, workers=[stays, leaves])
    leaves.poverty_decile = 8
    leaves.save()
    renewal = do_renew_program(actor=SYSTEM, program=program, pagu=500_000)
    assert renewal.fiscal_year == 2025 and renewal.status == "draft" and renewal.max_poverty_decile == 4
    renewal = do_advance_program(actor=SYSTEM, program=renewal, to="approved")
    result = do_enroll(actor=SYSTEM, program=renewal, workers=renewal_candidates(renewal), mode="valid-only")
    assert result.enrolled == 1 and [r.worker_id for r in result.refused] == [leaves.pk]
    with pytest.raises(Conflict):
        do_renew_program(actor=SYSTEM, program=program, pagu=500_000)


@needs_shared_database
@committed_db("registry", "sponsorship")
def test_two_operators_enrolling_the_last_budget_exactly_one_wins() -> None:
    desas = list(Region.objects.filter(level=4, code__startswith="36.03.01.").values_list("code", flat=True)[:1])
    program = make_program(pagu=12 * 16_800)
    workers = [make_worker(desas[0]), make_worker(desas[0])]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def enroll(worker: Any) -> None:
        from django.db import connection as conn

        barrier.wait()
        try:
            result = do_enroll(actor=SYSTEM, program=program, workers=[worker])
            outcomes.append("won" if result.enrolled else "refused")
        except Conflict:
            outcomes.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=enroll, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "won"]
    assert Enrollment.objects.count() == 1
    assert Program.objects.get(pk=program.pk).committed == 12 * MONTHLY


def test_claims_file_is_checked_row_by_row_and_a_bad_row_writes_nothing(desas: list[str]) -> None:
    from paritrana.sponsorship.actions import do_import_claims
    from paritrana.sponsorship.models import Claim

    bill = _billed(desas)
    do_record_payment(
        actor=SYSTEM, bill_number=bill.number, reference="R", paid_on=date(2024, 3, 1), amount=bill.amount
    )
    worker = Enrollment.objects.first().worker  # type: ignore[union-attr]
    head = "NIK;Jenis;Tanggal Kejadian;Jumlah;Ahli Waris\n"
    bad = head + f"{worker.nik};jkm;10/03/2024;42.000.000;Istri\n9999999999999999;jkm;10/03/2024;1;-\n"
    result = do_import_claims(actor=SYSTEM, source=bad.encode(), filename="klaim.csv")
    assert [e["row"] for e in result.errors] == [3] and result.errors[0]["field"] == "nik"
    assert "9999" in result.errors[0]["message"] and "9999999999999999" not in result.errors[0]["message"]
    assert not Claim.objects.exists()
    good = head + f"{worker.nik};jkm;10/03/2024;42.000.000;Istri\n{worker.nik};jkm;10 Mei 2024;42.000.000;Istri\n"
    result = do_import_claims(actor=SYSTEM, source=good.encode(), filename="klaim.csv")
    assert result.recorded == 2 and result.flagged == [{"row": 3, "flags": ["not_covered"]}]


@pytest.mark.django_db
def test_grace_days_beyond_a_year_are_refused_naming_the_field_and_a_year_is_kept() -> None:
    """Before: 100,000 passed the action and overflowed PostgreSQL's small integer column (a 500 on that engine)."""
    with pytest.raises(InvalidInput) as refused:
        make_program(grace_days=366)
    assert refused.value.details["field"] == "grace_days" and not Program.objects.exists()
    assert make_program("36.71", grace_days=365).grace_days == 365
