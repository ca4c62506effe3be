"""The facts refresh as 24 months of bills pile up (issue 22: "facts refresh from 24 months of bills into the fact
store under 2 minutes"). On PostgreSQL.

Generates the registry of ``bench_national`` (``BENCH_WORKERS``, default 2,200,000), the 2,000 programs of
``bench_national_billing`` for each of two fiscal years with every active worker enrolled in one of each year, then
bills ``BENCH_MONTHS`` months (default 24, January of the first year on) one after another with ``do_run_billing``
and, after each, refreshes the fact store as the scheduled job does (``do_refresh_facts``: the months that changed).
Then, in the same run:

* the full rebuild of every month (``full=True``, the baseline: what a refresh cost before it went month by month);
* the bills of an old month paid (the third month, through ``do_record_payment``), and the refresh that follows;
* a refresh with nothing changed.

A national month is ten million lines, five times the default set's; the table projects each refresh to that size
by its time per line. ``BENCH_WORKERS=11000000`` is the national set itself (10.2 million enrollments a year, 245
million lines over 24 months: 44 GB of database and 75 minutes on two cores; it ran with ``max_wal_size=8GB`` to
leave the disk room). Writes the table into docs/performance.md.

``BENCH_REFRESH=0`` bills the months alone, a checkpoint before each and no refresh, and writes the runs and the
bill-line indexes' sizes into their own section (billing-24-months): the billing target at 24 months held in
about half the time.

    PARITRANA_PG_OPTIONS="-c shared_buffers=4GB -c work_mem=64MB -c maintenance_work_mem=2GB -c max_wal_size=16GB \
      -c effective_cache_size=16GB" scripts/with-postgres.sh uv run python benchmarks/bench_facts_history.py

Not part of ``make test``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("BENCH_WORKERS", "2200000")
os.environ.setdefault("PARITRANA_DATA_DIR", tempfile.mkdtemp(prefix="paritrana-facts-history-"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section
from bench_national import generate_registry, regions_by_kab
from bench_national_billing import YEAR, _enroll, _programs

MONTHS = int(os.environ.get("BENCH_MONTHS", "24"))
#: ``BENCH_REFRESH=0``: the months billed one after another and nothing else (no refresh between them), the run's
#: time and the bill-line indexes' sizes written into their own section.
REFRESH = os.environ.get("BENCH_REFRESH", "1") != "0"
BILLING_TARGET = 60  # seconds, issue 22
FIRST_YEAR = YEAR - 1
NATIONAL_MONTH = 10_229_750  # lines of a national month (bench_national_billing)
TARGET = 120  # seconds


def _months() -> list[date]:
    return [date(FIRST_YEAR + m // 12, m % 12 + 1, 1) for m in range(MONTHS)]


def _lines(months: list[str]) -> int:
    from paritrana.sponsorship.models import BillLine

    wanted = [date.fromisoformat(m + "-01") for m in months]
    return BillLine.objects.filter(bill__month__in=wanted).count()


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench_facts_history runs on PostgreSQL: scripts/with-postgres.sh uv run python " + __file__)
    from paritrana.analytics.actions import do_refresh_facts
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.models import Worker
    from paritrana.sponsorship.actions import do_record_payment, do_run_billing
    from paritrana.sponsorship.models import Bill, BillLine

    desa_by_kab = regions_by_kab()
    generate_registry(desa_by_kab)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_worker")
    programs = [p for year in (FIRST_YEAR, YEAR) for p in _programs(desa_by_kab, year)]
    enrolled = sum(_enroll(year=year) for year in (FIRST_YEAR, YEAR))
    print(f"{Worker.objects.count():,} workers, {len(programs):,} programs, {enrolled:,} enrollments", flush=True)

    if not REFRESH:
        _billing_only(programs, enrolled)
        return
    rows = []
    held = 0
    for month in _months():
        start = time.perf_counter()
        billed = sum(b.workers for b in do_run_billing(actor=SYSTEM, month=month).bills)
        billing = time.perf_counter() - start
        held += billed
        start = time.perf_counter()
        refreshed = do_refresh_facts(actor=SYSTEM)
        refresh = time.perf_counter() - start
        rebuilt = _lines(refreshed["months"])
        rows.append((month, held, billing, refresh, refreshed["months"], rebuilt))
        print(
            f"  {month:%Y-%m}: {billed:,} lines billed in {billing:.1f} s; refresh {refreshed['months']} "
            f"({rebuilt:,} lines) in {refresh:.1f} s",
            flush=True,
        )

    total = BillLine.objects.count()
    start = time.perf_counter()
    whole = do_refresh_facts(actor=SYSTEM, full=True)
    full = time.perf_counter() - start
    print(f"full rebuild: {len(whole['months'])} months, {total:,} lines in {full:.1f} s", flush=True)

    old = _months()[2]
    for bill in Bill.objects.filter(month=old):
        do_record_payment(
            actor=SYSTEM, bill_number=bill.number, reference=f"R-{bill.pk}", paid_on=bill.due_date, amount=bill.amount
        )
    start = time.perf_counter()
    after_payment = do_refresh_facts(actor=SYSTEM)
    paid_refresh = time.perf_counter() - start
    paid_lines = _lines(after_payment["months"])
    start = time.perf_counter()
    unchanged = do_refresh_facts(actor=SYSTEM)
    nothing = time.perf_counter() - start
    unchanged_lines = _lines(unchanged["months"])
    print(f"after {old:%Y-%m} paid: {after_payment['months']} in {paid_refresh:.1f} s; nothing: {nothing:.1f} s")

    def projected(seconds: float, lines: int, months: int) -> str:
        """The same refresh at national size: ``months`` national months at this run's pace per line."""
        if not lines:
            return ""
        at_scale = seconds / lines * NATIONAL_MONTH * months
        return f"{at_scale:.0f} s ({'met' if at_scale < TARGET else 'NOT met'})"

    table = [
        [
            f"{month:%Y-%m}",
            f"{lines:,}",
            f"{billing:.1f} s",
            ", ".join(months),
            f"{rebuilt:,}",
            f"{refresh:.1f} s",
            projected(refresh, rebuilt, len(months)),
        ]
        for month, lines, billing, refresh, months, rebuilt in rows
    ]
    table += [
        [
            "full rebuild (baseline)",
            f"{total:,}",
            "",
            f"all {len(whole['months'])} months",
            f"{total:,}",
            f"{full:.1f} s",
            projected(full, total, len(whole["months"])),
        ],
        [
            f"{old:%Y-%m} paid",
            f"{total:,}",
            "",
            ", ".join(after_payment["months"]),
            f"{paid_lines:,}",
            f"{paid_refresh:.1f} s",
            projected(paid_refresh, paid_lines, len(after_payment["months"])),
        ],
        [
            "nothing changed (a month inside its grace is rebuilt all the same)",
            f"{total:,}",
            "",
            ", ".join(unchanged["months"]) or "none",
            f"{unchanged_lines:,}",
            f"{nothing:.1f} s",
            projected(nothing, unchanged_lines, len(unchanged["months"])),
        ],
    ]
    body = (
        f"{Worker.objects.count():,} workers, {len(programs):,} programs over two fiscal years, {enrolled:,} "
        f"enrollments (`benchmarks/bench_facts_history.py`); PostgreSQL settings "
        f"`{os.environ.get('PARITRANA_PG_OPTIONS', '(defaults)')}`; the fact store is the default DuckDB file. Each "
        "month is billed (`do_run_billing`), then the store refreshed as the scheduled job does (`do_refresh_facts`: "
        "the months that changed since the last refresh). The last column projects a refresh to national size "
        f"({NATIONAL_MONTH:,} lines a month) at this run's time per line, against the target of {TARGET} s.\n\n"
        + markdown_table(
            [
                "step",
                "bill lines held",
                "billing run",
                "months refreshed",
                "their lines",
                "refresh",
                "at national size",
            ],
            table,
        )
    )
    write_section("facts-history", "The facts refresh as 24 months of bills pile up (issue 22)", body)


def _billing_only(programs: list[Any], enrolled: int) -> None:
    from django.db import connection

    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.models import Worker
    from paritrana.sponsorship.actions import do_run_billing

    rows, held = [], 0
    for month in _months():
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")  # each run starts without the dirty pages of the one before
        start = time.perf_counter()
        billed = sum(b.workers for b in do_run_billing(actor=SYSTEM, month=month).bills)
        billing = time.perf_counter() - start
        held += billed
        rows.append(
            [f"{month:%Y-%m}", f"{held:,}", f"{billing:.1f} s", "met" if billing < BILLING_TARGET else "NOT met"]
        )
        print(f"  {month:%Y-%m}: {billed:,} lines billed in {billing:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c WHERE c.oid = 'sponsorship_billline'::regclass "
            "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'sponsorship_billline'::regclass) "
            "ORDER BY 2 DESC"
        )
        sizes = ", ".join(f"{name} {size / 2**30:.1f} GB" for name, size in cursor.fetchall())
    body = (
        f"{Worker.objects.count():,} workers, {len(programs):,} programs over two fiscal years, {enrolled:,} "
        f"enrollments (`BENCH_REFRESH=0 benchmarks/bench_facts_history.py`); PostgreSQL settings "
        f"`{os.environ.get('PARITRANA_PG_OPTIONS', '(defaults)')}`. The months billed one after another with "
        f"`do_run_billing`, a checkpoint before each and nothing in between, against the target of "
        f"{BILLING_TARGET} s. The bill lines in the end: {sizes}.\n\n"
        + markdown_table(["month billed", "bill lines held after it", "billing run", "target"], rows)
    )
    write_section("billing-24-months", "Billing as 24 national months pile up (issue 22)", body)


if __name__ == "__main__":
    main()
