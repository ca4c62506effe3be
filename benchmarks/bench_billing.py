"""Billing run for 1,000,000 active enrollments (issue 5: target under 10 s), against a plain Django ORM loop
creating the same bill lines on a 20,000-row sample, in the same run; and the monev figures of the program.
Issue 16: one worker in ten drives an ojek, so a CSR program's February 2026 bill prices lines by occupation
(PP 50/2025, a CASE per line) while the APBD program's bill has one price: both are timed in the same run.

    uv run python benchmarks/bench_billing.py                 # SQLite in a temporary folder
    scripts/with-postgres.sh uv run python benchmarks/bench_billing.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section

N = int(os.environ.get("BENCH_ROWS", "1000000"))
SAMPLE = 20_000
ON_POSTGRES = os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres")
if not ON_POSTGRES:
    os.environ["PARITRANA_DATA_DIR"] = tempfile.mkdtemp(prefix="paritrana-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")


def main() -> None:
    import django

    django.setup()
    import polars as pl
    from django.core.management import call_command
    from django.db import connection

    from paritrana.core.bulk import insert_frame, sql_now
    from paritrana.core.permissions import SYSTEM
    from paritrana.regions.actions import do_load_regions, kemendagri_regions
    from paritrana.registry.models import Worker
    from paritrana.sponsorship import actions, queries
    from paritrana.sponsorship.models import Bill, BillLine, Enrollment

    call_command("migrate", verbosity=0)
    do_load_regions(actor=None, rows=[r for r in kemendagri_regions() if r[3] <= 2])
    sponsor = actions.do_create_sponsor(actor=SYSTEM, name="Bench", kind="apbd_kabkota", region_code="36.03")
    program = actions.do_create_program(
        actor=SYSTEM, sponsor=sponsor, name="Bench", fiscal_year=2024, pagu=N * 16_800 * 12
    )
    for step in ("approved", "active"):
        program = actions.do_advance_program(actor=SYSTEM, program=program, to=step)
    # A million workers and enrollments, written in bulk (the registry import has its own benchmark).
    now = sql_now()
    ids = pl.int_range(0, N, eager=True)
    workers = pl.DataFrame(
        {
            "nik": ids.cast(pl.String).str.zfill(16),
            "name": "Pekerja",
            "birth_date": date(1990, 1, 1),
            "sex": "L",
            "desa_code": "36.03.01.2001",
            "phone": "",
            "occupation": pl.select(
                pl.when(ids % 10 == 0).then(pl.lit("ojek_pengemudi")).otherwise(pl.lit("other"))
            ).to_series(),
            "segment": "bpu",
            "kpj": "",
            "status": "active",
            "needs_review": False,
            "created_at": now,
            "updated_at": now,
        }
    )
    insert_frame(Worker._meta.db_table, workers)
    first_id = Worker.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    enrollments = pl.DataFrame(
        {
            "program_id": program.pk,
            "worker_id": ids + first_id,
            "desa_code": "36.03.01.2001",
            "first_month": date(2024, 1, 1),
            "last_month": date(2024, 12, 1),
            "cost": 201_600,
            "status": "active",
            "created_at": now,
        }
    )
    insert_frame(Enrollment._meta.db_table, enrollments)
    program.committed = program.pagu
    program.save(update_fields=["committed"])

    start = time.perf_counter()
    result = actions.do_run_billing(actor=SYSTEM, month=date(2024, 3, 1))
    billing = time.perf_counter() - start
    assert result.bills[0].workers == N

    start = time.perf_counter()
    again = actions.do_run_billing(actor=SYSTEM, month=date(2024, 3, 1))
    rerun = time.perf_counter() - start
    assert again.already_billed

    # Baseline: the ORM loop a straightforward implementation would write, on a sample.
    bill = Bill.objects.create(
        program=program, number="LOOP", month=date(2024, 4, 1), due_date=date(2024, 5, 15), workers=0, amount=0
    )
    start = time.perf_counter()
    for enrollment in Enrollment.objects.filter(program=program)[:SAMPLE]:
        BillLine.objects.create(bill=bill, enrollment=enrollment, amount=16_800)
    loop = (time.perf_counter() - start) * N / SAMPLE

    # Issue 16: the same million workers in a CSR program of 2026; February is discounted for drivers only.
    csr = actions.do_create_sponsor(actor=SYSTEM, name="Bench CSR", kind="csr", region_code="36.03")
    by_job = actions.do_create_program(
        actor=SYSTEM, sponsor=csr, name="Bench CSR", fiscal_year=2026, pagu=N * 16_800 * 12
    )
    for step in ("approved", "active"):
        by_job = actions.do_advance_program(actor=SYSTEM, program=by_job, to=step)
    insert_frame(
        Enrollment._meta.db_table,
        enrollments.with_columns(
            program_id=pl.lit(by_job.pk), first_month=pl.lit(date(2026, 1, 1)), last_month=pl.lit(date(2026, 12, 1))
        ),
    )
    start = time.perf_counter()
    (priced,) = actions.do_run_billing(actor=SYSTEM, month=date(2026, 2, 1), programs=[by_job]).bills
    per_occupation = time.perf_counter() - start
    assert priced.amount == (N // 10 + (N % 10 > 0)) * 8_400 + (N - N // 10 - (N % 10 > 0)) * 16_800

    queries.monev_row(program)  # warm
    start = time.perf_counter()
    queries.monev_row(program)
    monev = time.perf_counter() - start

    # The monev page of a sponsor with 200,000 enrollments (the target's size), as its Disnaker operator opens it.
    page_rows = min(N, 200_000)
    other = actions.do_create_sponsor(actor=SYSTEM, name="Bench 2", kind="apbd_kabkota", region_code="36.03")
    second = actions.do_create_program(
        actor=SYSTEM, sponsor=other, name="Bench 2", fiscal_year=2025, pagu=page_rows * 16_800 * 12
    )
    for step in ("approved", "active"):
        second = actions.do_advance_program(actor=SYSTEM, program=second, to=step)
    insert_frame(
        Enrollment._meta.db_table,
        enrollments.head(page_rows).with_columns(
            program_id=pl.lit(second.pk), first_month=pl.lit(date(2025, 1, 1)), last_month=pl.lit(date(2025, 12, 1))
        ),
    )
    for month in (1, 2, 3):
        actions.do_run_billing(actor=SYSTEM, month=date(2025, month, 1), programs=[second])
    from django.test import Client

    from paritrana.accounts.actions import do_create_user

    operator = do_create_user(
        username="bench.operator",
        password="bench-password-123",  # noqa: S106 - a throwaway benchmark database
        full_name="Bench",
        roles=[("regional_operator", "36.03")],
        actor=None,
        check_password=False,
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(operator)
    url = f"/programs/monev/?fiscal_year=2025&sponsor={other.pk}"  # monev shows one fiscal year (issue 21)
    assert client.get(url).status_code == 200
    start = time.perf_counter()
    for _ in range(5):
        client.get(url)
    page = (time.perf_counter() - start) / 5

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    rows = [
        [
            f"billing run, {N:,} enrollments ({engine})",
            f"{billing:.2f} s",
            "target < 10 s: " + ("met" if billing < 10 else "NOT met"),
        ],
        [f"same month again (refused, idempotent) ({engine})", f"{rerun:.3f} s", ""],
        [
            f"billing run, {N:,} enrollments priced by occupation (PP 50/2025, CSR, Feb 2026) ({engine})",
            f"{per_occupation:.2f} s",
            f"{per_occupation / billing:.2f}x the one-price run; target < 10 s: "
            + ("met" if per_occupation < 10 else "NOT met"),
        ],
        [f"Django ORM loop, per {N:,} (from {SAMPLE:,} rows)", f"{loop:.1f} s", f"{loop / billing:.0f}x slower"],
        [f"monev figures of the program, {N:,} enrollments (warm)", f"{monev * 1000:.0f} ms", ""],
        [
            f"monev page of a sponsor with {page_rows:,} enrollments, 3 months billed (warm, server time)",
            f"{page * 1000:.0f} ms",
            "target < 300 ms: " + ("met" if page < 0.3 else "NOT met"),
        ],
    ]
    table = markdown_table(["step", "time", "note"], rows)
    print(table)
    write_section(f"billing-{engine.lower()}", f"Billing run (issue 5, {engine})", table)


if __name__ == "__main__":
    main()
