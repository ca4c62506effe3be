"""Death list (issue 19): 100,000 deaths against a registry of 1,000,000 workers with 1,000,000 enrollments (two
months already billed), dry run and apply, each under 10 s on SQLite and PostgreSQL. Baselines in the same run: the
plain worker import of the same 100,000 workers (a re-import: read, validate, compare with the registry, nothing to
write), and the death recorded worker by worker through ``do_record_death`` on a sample, per 100,000.

    uv run python benchmarks/bench_deaths.py                 # SQLite in a temporary folder
    scripts/with-postgres.sh uv run python benchmarks/bench_deaths.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import polars as pl
from _report import markdown_table, write_section

N = int(os.environ.get("BENCH_ROWS", "1000000"))
DEATHS = N // 10
SAMPLE = min(500, DEATHS)
DESA = "36.03.01.2003"
ON_POSTGRES = os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres")
FOLDER = Path(tempfile.mkdtemp(prefix="paritrana-bench-deaths-"))
if not ON_POSTGRES:
    os.environ["PARITRANA_DATA_DIR"] = str(FOLDER)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")


def settle() -> None:
    """Flush the writes of the step before, so that a timed step does not pay for them."""
    os.sync()
    time.sleep(2)


def write_death_list(path: Path, workers: pl.DataFrame, died: pl.Series) -> Path:
    """A death list as Dukcapil sends one (NIK, name, date of death, source; semicolons) of ``workers`` (``nik``,
    ``name``), who died on ``died``."""
    workers.select(
        pl.col("nik").alias("NIK"),
        pl.col("name").alias("Nama"),
        died.dt.strftime("%d/%m/%Y").alias("Tanggal Meninggal"),
        pl.lit("Dukcapil").alias("Sumber"),
    ).write_csv(path, separator=";")
    return path


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from paritrana.core.bulk import insert_frame, sql_now
    from paritrana.core.permissions import SYSTEM
    from paritrana.regions.actions import do_load_regions, kemendagri_regions
    from paritrana.registry.actions import do_import_workers
    from paritrana.registry.lifecycle import do_import_deaths, do_record_death
    from paritrana.registry.models import Worker
    from paritrana.sponsorship import actions
    from paritrana.sponsorship.models import BillLine, Enrollment, Program

    call_command("migrate", verbosity=0)
    do_load_regions(actor=None, rows=[r for r in kemendagri_regions() if r[3] <= 2 or r[0].startswith("36.03.01")])
    sponsor = actions.do_create_sponsor(actor=SYSTEM, name="Bench", kind="apbd_kabkota", region_code="36.03")
    program = actions.do_create_program(
        actor=SYSTEM, sponsor=sponsor, name="Bench", fiscal_year=2024, pagu=N * 16_800 * 12
    )
    for step in ("approved", "active"):
        program = actions.do_advance_program(actor=SYSTEM, program=program, to=step)

    # A million workers with NIKs a worker list accepts (kecamatan 36.03.01, birth date and sex inside the NIK).
    i = pl.int_range(0, N, eager=True)
    birth = pl.select(pl.lit(date(1960, 1, 1)) + pl.duration(days=i % 16_000)).to_series()
    frame = pl.DataFrame({"i": i, "birth_date": birth}).with_columns(
        nik=pl.concat_str(
            pl.lit("360301"),
            pl.col("birth_date").dt.strftime("%d%m%y"),
            (1000 + pl.col("i") // 16_000).cast(pl.String).str.zfill(4),
        ),
        name=pl.lit("Pekerja ") + pl.col("i").cast(pl.String),
    )
    now = sql_now()
    workers = frame.select("nik", "name", "birth_date").with_columns(
        sex=pl.lit("L"),
        desa_code=pl.lit(DESA),
        phone=pl.lit(""),
        occupation=pl.lit("petani_pekebun"),
        segment=pl.lit("bpu"),
        kpj=pl.lit(""),
        status=pl.lit("active"),
        needs_review=pl.lit(False),
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
    )
    insert_frame(Worker._meta.db_table, workers)
    first_id = Worker.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    enrollments = pl.DataFrame(
        {
            "program_id": program.pk,
            "worker_id": i + first_id,
            "desa_code": DESA,
            "first_month": date(2024, 1, 1),
            "last_month": date(2024, 12, 1),
            "cost": 201_600,
            "status": "active",
            "created_at": now,
        }
    )
    insert_frame(Enrollment._meta.db_table, enrollments)
    Program.objects.filter(pk=program.pk).update(committed=N * 201_600)
    for month in (1, 2):
        actions.do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    lines = BillLine.objects.count()

    # The list: every tenth worker, died between January and June 2024 (January's dead have a February line: an
    # overpayment), from Dukcapil; the same workers as a worker list for the baseline.
    chosen = frame.filter(pl.col("i") % 10 == 0)
    died = pl.select(pl.lit(date(2024, 1, 1)) + pl.duration(days=chosen["i"] // 10 % 180)).to_series()
    deaths = write_death_list(FOLDER / "kematian.csv", chosen, died)
    listed = FOLDER / "pekerja.csv"
    chosen.select(
        pl.col("nik").alias("NIK"),
        pl.col("name").alias("Nama"),
        pl.col("birth_date").dt.strftime("%d/%m/%Y").alias("Tgl Lahir"),
        pl.lit("L").alias("JK"),
        pl.lit(DESA.replace(".", "")).alias("Kode Desa"),
    ).write_csv(listed, separator=";")

    settle()
    start = time.perf_counter()
    baseline = do_import_workers(source=listed, filename=listed.name, actor=SYSTEM)
    reimport = time.perf_counter() - start
    assert baseline.summary["unchanged"] == DEATHS, baseline.summary

    settle()
    start = time.perf_counter()
    dry = do_import_deaths(actor=SYSTEM, source=deaths, filename=deaths.name, dry_run=True)
    dry_run = time.perf_counter() - start
    assert dry.summary["recorded"] == DEATHS and not dry.summary["rejected"], dry.summary

    settle()
    start = time.perf_counter()
    done = do_import_deaths(actor=SYSTEM, source=deaths, filename=deaths.name)
    apply = time.perf_counter() - start
    assert done.summary["recorded"] == DEATHS, done.summary
    assert Worker.objects.filter(status="deceased").count() == DEATHS
    ended = Enrollment.objects.filter(status="ended").count()
    assert ended == DEATHS

    # Baseline: the same action one worker at a time, as a page would call it for each row, on a sample.
    others = list(Worker.objects.filter(status="active").order_by("pk")[:SAMPLE])
    start = time.perf_counter()
    for worker in others:
        do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 3, 1) + timedelta(days=worker.pk % 20))
    one_by_one = (time.perf_counter() - start) * DEATHS / SAMPLE

    engine = f"PostgreSQL {connection.pg_version // 10000}" if ON_POSTGRES else "SQLite"
    rows = [
        [
            f"worker import of the same {DEATHS:,} workers (baseline: re-import, nothing to write)",
            f"{reimport:.2f} s",
            "",
        ],
        [
            f"death list, {DEATHS:,} rows, dry run",
            f"{dry_run:.2f} s",
            f"{dry_run / reimport:.2f}x the baseline; target < 10 s: " + ("met" if dry_run < 10 else "NOT met"),
        ],
        [
            f"death list, {DEATHS:,} rows, apply ({done.summary['enrollments_ended']:,} enrollments ended, "
            f"{done.summary['overpaid_lines']:,} overpaid lines found)",
            f"{apply:.2f} s",
            f"{apply / reimport:.2f}x the baseline; target < 10 s: " + ("met" if apply < 10 else "NOT met"),
        ],
        [
            f"do_record_death one worker at a time, per {DEATHS:,} (from {SAMPLE:,})",
            f"{one_by_one:.1f} s",
            f"{one_by_one / apply:.0f}x the list",
        ],
    ]
    table = markdown_table(["step", "time", "note"], rows)
    body = (
        f"A registry of {N:,} workers, {N:,} enrollments in one program of 2024 and {lines:,} bill lines (January "
        f"and February billed); the list names every tenth worker (NIK, name, date of death between January and June "
        f"2024, source), so the apply writes {DEATHS:,} workers, {DEATHS:,} history entries, ends {DEATHS:,} "
        "enrollments (returning their unbilled months to the pagu) and counts the February lines of January's dead. "
        "Before each timed step the writes of the step before are flushed.\n\n" + table
    )
    print(table)
    name = "postgresql" if ON_POSTGRES else "sqlite"
    write_section(f"deaths-{name}", f"Death list (issue 19, {engine})", body)


if __name__ == "__main__":
    main()
