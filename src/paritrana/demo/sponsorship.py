"""Demo sponsorship for Banten, modelled on the articles: Kabupaten Tangerang's APBD program and a village APBDes
program (at least 50 workers per desa), Kota Tangerang Selatan, and Kota Cilegon's job-training trainees; 2025 a
full year of bills and payments with a late month and an unpaid one, renewed into the current year; two claims."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from paritrana.core.dates import today
from paritrana.core.permissions import SYSTEM
from paritrana.demo.load import first_desa
from paritrana.sponsorship import actions, queries
from paritrana.sponsorship.models import Bill, Enrollment, Sponsor

MONTHLY = 16_800


def load_sponsorship(*, actor: Any = None) -> dict[str, int]:
    """Idempotent: does nothing once the demo sponsors exist."""
    actor = actor or SYSTEM
    if Sponsor.objects.filter(name="Pemerintah Kabupaten Tangerang").exists():
        return {"programs": 0, "enrollments": 0, "bills": 0}
    desa = first_desa()
    kab = actions.do_create_sponsor(
        actor=actor,
        name="Pemerintah Kabupaten Tangerang",
        kind="apbd_kabkota",
        region_code="36.03",
        opd="Dinas Tenaga Kerja",
    )
    village = actions.do_create_sponsor(actor=actor, name=f"Pemerintah Desa {desa}", kind="apbdes", region_code=desa)
    tangsel = actions.do_create_sponsor(
        actor=actor, name="Pemerintah Kota Tangerang Selatan", kind="apbd_kabkota", region_code="36.74", opd="Disnaker"
    )
    cilegon = actions.do_create_sponsor(
        actor=actor, name="Pemerintah Kota Cilegon", kind="apbd_kabkota", region_code="36.72", opd="UPTD BLK Cilegon"
    )
    year = today().year - 1

    def program(sponsor: Sponsor, name: str, workers: int, **extra: Any) -> Any:
        created = actions.do_create_program(
            actor=actor,
            sponsor=sponsor,
            name=name,
            fiscal_year=year,
            pagu=workers * MONTHLY * 12,
            target_workers=workers,
            **extra,
        )
        created = actions.do_advance_program(actor=actor, program=created, to="approved")
        return actions.do_advance_program(actor=actor, program=created, to="active")

    apbdes = program(village, "Perlindungan Pekerja Rentan APBDes", 60, min_workers_per_desa=50)
    apbd = program(kab, "Perlindungan Pekerja Rentan APBD", 1_800, grace_days=5)
    program(tangsel, "Perlindungan Pekerja Rentan Tangerang Selatan", 500)
    program(cilegon, "Peserta Pelatihan BLK Cilegon", 120, occupations=["buruh_harian_lepas", "other"])

    actions.do_enroll(
        actor=actor, program=apbdes, workers=list(queries.eligible_workers(apbdes, limit=60)), mode="valid-only"
    )
    actions.do_enroll(
        actor=actor, program=apbd, workers=list(queries.eligible_workers(apbd, limit=1_800)), mode="valid-only"
    )
    bills = _bill_and_pay(actor, year, last_month=12, late=10, unpaid=12)

    renewal = actions.do_renew_program(actor=actor, program=apbd, pagu=apbd.pagu)
    renewal = actions.do_advance_program(actor=actor, program=renewal, to="approved")
    renewal = actions.do_advance_program(actor=actor, program=renewal, to="active")
    actions.do_enroll(
        actor=actor,
        program=renewal,
        workers=queries.renewal_candidates(renewal),
        first_month=date(year + 1, 1, 1),
        mode="valid-only",
    )
    bills += _bill_and_pay(actor, year + 1, last_month=max(today().month - 1, 1), late=None, unpaid=None)

    covered = Enrollment.objects.filter(program=apbd).select_related("worker").order_by("pk")
    first, second = covered[0].worker, covered[1].worker
    actions.do_record_claim(
        actor=actor,
        worker=first,
        kind="jkm",
        event_date=date(year, 6, 10),
        amount_paid=42_000_000,
        paid_on=date(year, 7, 1),
        heirs="Istri dan dua anak",
    )
    actions.do_record_claim(
        actor=actor,
        worker=second,
        kind="jkk-death",
        event_date=date(year, 3, 3),
        amount_paid=70_000_000,
        paid_on=date(year, 4, 2),
        heirs="Suami",
    )
    return {"programs": 5, "enrollments": Enrollment.objects.count(), "bills": bills}


def _bill_and_pay(actor: Any, year: int, *, last_month: int, late: int | None, unpaid: int | None) -> int:
    """Bill each month; pay five days before the due date, ``late`` month ten days after it, ``unpaid`` never."""
    count = 0
    for month in range(1, last_month + 1):
        for bill in actions.do_run_billing(actor=actor, month=date(year, month, 1)).bills:
            count += 1
            if month == unpaid:
                continue
            paid_on = bill.due_date + timedelta(days=10 if month == late else -5)
            if paid_on > today():
                continue
            actions.do_record_payment(
                actor=actor,
                bill_number=bill.number,
                reference=f"BPJS-{bill.number}",
                paid_on=paid_on,
                amount=bill.amount,
                source="bpjs_receipt",
            )
            if month < 6:
                actions.do_submit_bill(actor=actor, bill=Bill.objects.get(pk=bill.pk))
    return count
