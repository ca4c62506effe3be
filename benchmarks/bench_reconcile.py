"""Reconcile of the BPJS branch's participation list (issue 19 §3): a 1,000,000-row list against a registry of
1,000,000 workers with 1,000,000 enrollments, against baselines in the same run: reading the file alone (the
registry's reader, no checks) and a per-row ORM lookup on a 20,000-row sample.

The list: every worker once (one in ten by KPJ only, the others by NIK), of which 1% inactive at BPJS, 0.5%
deceased with a date, 1% with a paid-until behind the months paid here, plus 1% NIKs the registry does not hold.

    uv run python benchmarks/bench_reconcile.py                 # SQLite in a temporary folder
    scripts/with-postgres.sh uv run python benchmarks/bench_reconcile.py
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
SAMPLE = 5_000
ON_POSTGRES = os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres")
SCRATCH = tempfile.mkdtemp(prefix="paritrana-bench-")
if not ON_POSTGRES:
    os.environ["PARITRANA_DATA_DIR"] = SCRATCH
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")


def main() -> None:
    import django

    django.setup()
    import polars as pl
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from paritrana.core.bulk import insert_frame, sql_now
    from paritrana.core.permissions import SYSTEM
    from paritrana.regions.actions import do_load_regions, kemendagri_regions
    from paritrana.registry import ingest
    from paritrana.registry.models import Worker
    from paritrana.sponsorship import actions, bpjs
    from paritrana.sponsorship.models import Bill, Enrollment, ReconcileDifference

    settings.MEDIA_ROOT = str(Path(SCRATCH) / "files")  # the kept list goes to the scratch folder, never var/
    call_command("migrate", verbosity=0)
    do_load_regions(actor=None, rows=[r for r in kemendagri_regions() if r[3] <= 2])
    sponsor = actions.do_create_sponsor(actor=SYSTEM, name="Bench", kind="apbd_kabkota", region_code="36.03")
    program = actions.do_create_program(
        actor=SYSTEM, sponsor=sponsor, name="Bench", fiscal_year=2024, pagu=N * 16_800 * 12
    )
    for step in ("approved", "active"):
        program = actions.do_advance_program(actor=SYSTEM, program=program, to=step)

    # A million workers (one in ten with a KPJ number) and their enrollments, written in bulk.
    now = sql_now()
    ids = pl.int_range(0, N, eager=True)
    niks = pl.lit("360301") + ids.cast(pl.String).str.zfill(10)
    workers = pl.DataFrame({"i": ids}).select(
        nik=niks,
        name=pl.lit("Pekerja"),
        birth_date=pl.lit(date(1990, 1, 1)),
        sex=pl.lit("L"),
        desa_code=pl.lit("36.03.01.2001"),
        phone=pl.lit(""),
        occupation=pl.lit("other"),
        segment=pl.lit("bpu"),
        kpj=pl.when(pl.col("i") % 10 == 0).then(pl.lit("KPJ") + pl.col("i").cast(pl.String)).otherwise(pl.lit("")),
        status=pl.lit("active"),
        needs_review=pl.lit(False),
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
    )
    insert_frame(Worker._meta.db_table, workers)
    first_id = Worker.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    insert_frame(
        Enrollment._meta.db_table,
        pl.DataFrame(
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
        ),
    )
    # January to March billed and paid in full (their lines do not matter to the reconcile).
    for month in (1, 2, 3):
        Bill.objects.create(
            program=program,
            number=f"B-{month}",
            month=date(2024, month, 1),
            due_date=date(2024, month, 15),
            workers=N,
            amount=N * 16_800,
            paid=N * 16_800,
            paid_on=date(2024, month, 10),
            status="paid",
        )

    # The branch's list: every worker, plus 1% unknown NIKs.
    i = pl.col("i")
    known = i < N
    by_kpj = known & (i % 10 == 0)
    listed = pl.DataFrame({"i": pl.int_range(0, N + N // 100, eager=True)}).select(
        NIK=pl.when(by_kpj)
        .then(pl.lit(""))
        .when(known)
        .then(pl.lit("360301") + i.cast(pl.String).str.zfill(10))
        .otherwise(pl.lit("36030199") + i.cast(pl.String).str.zfill(8)),
        KPJ=pl.when(by_kpj).then(pl.lit("KPJ") + i.cast(pl.String)).otherwise(pl.lit("")),
        Status=pl.when(i % 100 == 1)
        .then(pl.lit("nonaktif"))
        .when(i % 200 == 3)
        .then(pl.lit("meninggal"))
        .otherwise(pl.lit("aktif")),
        **{
            "Iuran Terakhir": pl.when(i % 100 == 5).then(pl.lit("2024-01")).otherwise(pl.lit("2024-03")),
            "Tanggal Meninggal": pl.when(i % 200 == 3).then(pl.lit("2024-04-10")).otherwise(pl.lit("")),
        },
    )
    path = Path(SCRATCH) / "kepesertaan.csv"
    listed.write_csv(path, separator=";")
    size_mb = path.stat().st_size / 1e6
    on = date(2024, 6, 15)

    os.sync()
    start = time.perf_counter()
    table = ingest.read_table(path, filename=path.name)
    read = time.perf_counter() - start
    assert table.frame.height == listed.height
    del table

    os.sync()
    start = time.perf_counter()
    parsed = bpjs.read_participation(path.read_bytes(), filename=path.name)
    validate = time.perf_counter() - start
    del parsed

    os.sync()
    start = time.perf_counter()
    dry = bpjs.do_reconcile_participation(actor=SYSTEM, source=path, filename=path.name, on=on, dry_run=True)
    dry_run = time.perf_counter() - start

    os.sync()
    start = time.perf_counter()
    result = bpjs.do_reconcile_participation(actor=SYSTEM, source=path, filename=path.name, on=on)
    full = time.perf_counter() - start
    summary = result.summary
    assert summary == {**dry.summary, "dry_run": False, "run": summary["run"]}
    assert ReconcileDifference.objects.filter(run_id=summary["run"]).count() == summary["differences"]

    # Baseline: what a per-row implementation does (look the worker up by NIK, then its enrollment), on a sample of
    # the rows with a NIK (the KPJ has no index: a lookup by KPJ scans the registry, which would only widen the gap).
    sample = listed.filter(pl.col("NIK") != "").head(SAMPLE)["NIK"].to_list()
    start = time.perf_counter()
    for nik in sample:
        worker = Worker.objects.filter(nik=nik).first()
        if worker is not None:
            Enrollment.objects.filter(worker=worker, status="active", first_month__lte=on, last_month__gte=on).first()
    loop = (time.perf_counter() - start) * listed.height / len(sample)

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    counts = ", ".join(f"{summary[k]:,} {k}" for k in ("not_registered", "inactive_there", "dead_there", "paid_behind"))
    rows = [
        [f"read the file alone (registry reader, no checks; baseline), {size_mb:.0f} MB CSV", f"{read:.2f} s", ""],
        ["read + check the layout, statuses and dates", f"{validate:.2f} s", f"{validate / read:.1f}x the read"],
        [f"dry run: read + compare with {N:,} workers and {N:,} enrollments ({engine})", f"{dry_run:.2f} s", ""],
        [
            f"reconcile, run and {summary['differences']:,} differences kept ({engine})",
            f"{full:.2f} s",
            f"{full / read:.1f}x the read; {counts}",
        ],
        [
            f"per-row ORM lookup by NIK, per {listed.height:,} rows (from {len(sample):,})",
            f"{loop:.1f} s",
            f"{loop / full:.0f}x the reconcile",
        ],
    ]
    table_md = markdown_table(["step", "time", "note"], rows)
    load = os.getloadavg()[0]
    intro = (
        f"A participation list of {listed.height:,} rows ({N:,} workers of the registry, one in ten named by KPJ "
        f"only, and {N // 100:,} NIKs the registry does not hold) against {N:,} workers with {N:,} enrollments "
        "and three months paid, compared as of 2024-06-15; each timed step starts after `os.sync`. The compare "
        "reads the registry and the enrollments out of the database once each (two million rows through the "
        "driver): most of its time. "
        f"Load average at the end of the run: {load:.1f} (other work on the machine: read the ratios)."
    )
    write_section(
        f"reconcile-{engine.lower()}",
        f"BPJS participation list reconcile (issue 19, {engine})",
        intro + "\n\n" + table_md,
    )


if __name__ == "__main__":
    main()
