"""Issue 16 in billing and the pagu: who pays and the worker's occupation price each bill line, each line says which
rule applied, each bill which rule book, and re-pricing a past month reproduces what was billed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from paritrana.core.permissions import SYSTEM
from paritrana.regions.models import Region
from paritrana.rules import book as rulebook
from paritrana.rules import load_rules
from paritrana.sponsorship.actions import do_enroll, do_run_billing, month_quote
from paritrana.sponsorship.models import BillLine, Enrollment, Program
from tests.factories import make_program, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def desa() -> str:
    return (
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[0]
    )


def _program_2026(kind: str) -> Program:
    return make_program(kind=kind, fiscal_year=2026, pagu=10_000_000)


def _lines(program: Program, month: date) -> dict[str, tuple[int, str]]:
    (bill,) = do_run_billing(actor=SYSTEM, month=month, programs=[program]).bills
    lines = BillLine.objects.filter(bill=bill).select_related("enrollment__worker")
    assert bill.amount == sum(line.amount for line in lines)
    assert bill.rule_book == load_rules().label
    return {line.enrollment.worker.occupation: (int(line.amount), line.rule) for line in lines}


@pytest.mark.parametrize(
    ("kind", "month", "driver", "farmer"),
    [
        ("csr", date(2026, 2, 1), (8_400, "discount.pp50_2025_transport"), (16_800, "")),
        ("csr", date(2026, 6, 1), (8_400, "discount.pp50_2025_transport"), (8_400, "discount.pp50_2025_other")),
        ("mandiri", date(2026, 6, 1), (8_400, "discount.pp50_2025_transport"), (8_400, "discount.pp50_2025_other")),
        ("apbd_kabkota", date(2026, 6, 1), (16_800, ""), (16_800, "")),
    ],
)
def test_a_2026_bill_prices_each_line_by_funder_and_occupation(
    desa: str, kind: str, month: date, driver: tuple[int, str], farmer: tuple[int, str]
) -> None:
    program = _program_2026(kind)
    workers = [make_worker(desa, occupation="ojek_pengemudi"), make_worker(desa, occupation="petani_pekebun")]
    do_enroll(actor=SYSTEM, program=program, workers=workers, first_month=date(2026, 1, 1))
    assert _lines(program, month) == {"ojek_pengemudi": driver, "petani_pekebun": farmer}


def test_an_occupation_outside_the_vocabulary_is_billed_at_the_price_of_other(desa: str) -> None:
    """History may hold an occupation the vocabulary no longer has: its line is priced as "other", never left
    unpriced, and the bill's totals are its lines'."""
    from paritrana.registry.models import Worker

    program = _program_2026("csr")
    workers = [make_worker(desa, occupation="ojek_pengemudi"), make_worker(desa, occupation="other")]
    do_enroll(actor=SYSTEM, program=program, workers=workers, first_month=date(2026, 1, 1))
    Worker.objects.filter(pk=workers[1].pk).update(occupation="juru_parkir_lama")  # written around the vocabulary
    other = month_quote(program.package, program.declared_income, date(2026, 2, 1), "csr", "other")
    lines = _lines(program, date(2026, 2, 1))
    assert lines == {"ojek_pengemudi": (8_400, "discount.pp50_2025_transport"), "juru_parkir_lama": (16_800, "")}
    assert lines["juru_parkir_lama"] == (int(other.price), other.rule)


def test_a_program_with_nobody_covered_in_the_month_gets_no_bill(desa: str) -> None:
    program = _program_2026("apbd_kabkota")
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desa)], first_month=date(2026, 6, 1))
    result = do_run_billing(actor=SYSTEM, month=date(2026, 3, 1), programs=[program])
    assert result.bills == [] and not program.bills.exists()


def test_the_pagu_is_committed_at_the_discounted_prices_of_each_worker(desa: str) -> None:
    program = _program_2026("csr")
    driver, farmer = make_worker(desa, occupation="ojek_pengemudi"), make_worker(desa, occupation="petani_pekebun")
    result = do_enroll(actor=SYSTEM, program=program, workers=[driver, farmer], first_month=date(2026, 1, 1))
    # driver: 12 months at 8,400; farmer: January - March 16,800, April - December 8,400
    assert {e.worker_id: e.cost for e in Enrollment.objects.all()} == {
        driver.pk: Decimal(12 * 8_400),
        farmer.pk: Decimal(3 * 16_800 + 9 * 8_400),
    }
    program.refresh_from_db()
    assert result.cost == program.committed == Decimal(12 * 8_400 + 3 * 16_800 + 9 * 8_400)


def test_repricing_a_past_month_reproduces_what_was_billed_even_after_a_site_rule_file(
    desa: str, tmp_path: Path
) -> None:
    program = _program_2026("csr")
    do_enroll(
        actor=SYSTEM, program=program, workers=[make_worker(desa, occupation="nelayan")], first_month=date(2026, 1, 1)
    )
    billed = _lines(program, date(2026, 6, 1))["nelayan"]
    site = tmp_path / "rules.toml"
    site.write_text(
        '[[entry]]\nkey = "bpu.jkm"\nvalue = "7500"\neffective_from = 2027-01-01\n'
        'regulation = "PP 99/2026 (example)"\narticle = "Pasal 1"\nstatus = "confirmed"\n',
        encoding="utf-8",
    )
    rulebook.configure(site)
    try:
        again = month_quote(program.package, program.declared_income, date(2026, 6, 1), "csr", "nelayan")
        assert (int(again.price), again.rule) == billed
        assert again.book != load_rules().version  # a new book, the same price for the past month
        later = month_quote(program.package, program.declared_income, date(2027, 1, 1), "csr", "nelayan")
        assert later.price == 17_500
    finally:
        rulebook.configure(None)
