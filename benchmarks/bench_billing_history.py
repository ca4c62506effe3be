"""Does a billing run slow down as the months billed pile up, and would partitioning bill lines by month pay?
(issue 22) On PostgreSQL.

Generates the registry of ``bench_national`` (``BENCH_WORKERS``, default 2,200,000), the 2,000 programs and the
enrollments of ``bench_national_billing``, then bills ``BENCH_MONTHS`` months (default 12) one after another with
``do_run_billing``, timing each. Then, in the same run, what the index on the line's enrollment costs: every bill
removed, that index dropped, and the same months billed again. Writes the table into docs/performance.md.

Why this answers the partitioning question: partitioning by month pays when writing a month touches index pages
spread over every month before it, so that the work grows with the history. The table shows whether it does.

    PARITRANA_PG_OPTIONS="-c shared_buffers=4GB -c work_mem=64MB -c maintenance_work_mem=2GB -c max_wal_size=16GB \
      -c effective_cache_size=16GB" scripts/with-postgres.sh uv run python benchmarks/bench_billing_history.py

Not part of ``make test``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("BENCH_WORKERS", "2200000")
os.environ.setdefault("PARITRANA_DATA_DIR", tempfile.mkdtemp(prefix="paritrana-history-"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section
from bench_national import generate_registry, regions_by_kab
from bench_national_billing import YEAR, _enroll, _programs

MONTHS = int(os.environ.get("BENCH_MONTHS", "12"))


def _bill_months() -> list[tuple[int, float]]:
    """Each month of ``YEAR`` up to ``MONTHS`` billed in turn: (lines, seconds)."""
    from django.db import connection

    from paritrana.core.permissions import SYSTEM
    from paritrana.sponsorship.actions import do_run_billing

    runs = []
    for month in range(1, MONTHS + 1):
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")  # the month before's writes flushed, not paid by this one
        start = time.perf_counter()
        result = do_run_billing(actor=SYSTEM, month=date(YEAR, month, 1))
        runs.append((sum(b.workers for b in result.bills), time.perf_counter() - start))
        print(f"  {YEAR}-{month:02d}: {runs[-1][0]:,} lines in {runs[-1][1]:.1f} s", flush=True)
    return runs


def _size(relation: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_relation_size(%s))", [relation])
        return str(cursor.fetchone()[0])


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench_billing_history runs on PostgreSQL: scripts/with-postgres.sh uv run python " + __file__)
    from paritrana.registry.models import Worker

    desa_by_kab = regions_by_kab()
    generate_registry(desa_by_kab)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_worker")
    programs = _programs(desa_by_kab)
    enrolled = _enroll()
    print(f"{Worker.objects.count():,} workers, {len(programs):,} programs, {enrolled:,} enrollments", flush=True)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'sponsorship_billline' "
            "AND indexdef LIKE '%%(enrollment_id)'"
        )
        (enrollment_index,) = cursor.fetchone()
    print("now (the app's indexes):", flush=True)
    now = _bill_months()
    sizes_now, size_enrollment = _size("one_line_per_enrollment"), _size(enrollment_index)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sponsorship_billline")
        cursor.execute("DELETE FROM sponsorship_bill")
        cursor.execute(f"DROP INDEX {enrollment_index}")
        cursor.execute("VACUUM ANALYZE sponsorship_bill")
    print("without the index on the line's enrollment:", flush=True)
    bare = _bill_months()

    held = [sum(lines for lines, _ in now[: i + 1]) for i in range(len(now))]
    rows = [
        [
            f"{YEAR}-{i + 1:02d}",
            f"{held[i]:,}",
            f"{seconds:.1f} s",
            f"{seconds / lines * 1e6:.2f} µs",
            f"{then:.1f} s",
        ]
        for i, ((lines, seconds), (_, then)) in enumerate(zip(now, bare, strict=True))
    ]
    first, last = now[0][1] / now[0][0], now[-1][1] / now[-1][0]
    bare_first, bare_last = bare[0][1] / bare[0][0], bare[-1][1] / bare[-1][0]
    body = (
        f"{Worker.objects.count():,} workers, {len(programs):,} programs, {enrolled:,} enrollments "
        f"(`benchmarks/bench_billing_history.py`); PostgreSQL settings "
        f"`{os.environ.get('PARITRANA_PG_OPTIONS', '(defaults)')}`. The months of {YEAR} billed one after another "
        "with `do_run_billing` (a checkpoint before each); then, in the same run, every bill removed, the index on the "
        "line's enrollment dropped, and the same months billed again (what that index costs).\n\n"
        + markdown_table(
            [
                "month billed",
                "lines in the table after it",
                "run now",
                "now, per line",
                "run without the enrollment index",
            ],
            rows,
        )
        + f"\n\nPer line, the first month against the last: {first * 1e6:.2f} → {last * 1e6:.2f} µs now, "
        f"{bare_first * 1e6:.2f} → {bare_last * 1e6:.2f} µs without the enrollment index. After {MONTHS} months "
        f"the unique (bill, enrollment) index is {sizes_now} and the enrollment index {size_enrollment}."
    )
    write_section("billing-history", "Billing as the months pile up: is partitioning worth it? (issue 22)", body)


if __name__ == "__main__":
    main()
