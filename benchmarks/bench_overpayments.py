"""Overpayments at national scale (issue 22): the monev page of a province lists the bill lines billed for months
after a death recorded late. Until the lines were marked (``BillLine.after_death``), monev found them from the dead
workers' enrollments in scope: a list of ids up to 5,000 of them, a subquery beyond, 2.4 s for a province.

Generates the national registry of ``bench_national`` (seeded; ``BENCH_WORKERS``, default 1,000,000), one program a
kabupaten a year for two years (about 2,000 programs) with every active worker enrolled, and bills 15 months. Then
a death list recorded through the app (``do_import_deaths``): ``BENCH_DEAD_SHARE`` (default 10%) of the workers
enrolled in the first year, died between February and November of it. With a million workers that puts about
11,000 dead enrollments in East Java, what the largest province of a national registry would hold after a year at
1% dying. Measured for a province operator and a kabupaten operator, in the same run:

- baseline: the query as the app ran it before, from the dead workers' enrollments (both of its ways), with
  the bill lines' index on their enrollment it relied on (built for the measure: the app no longer keeps it);
- the marked lines through their partial index, as the app runs it now;
- the death list's apply, and the marking alone within it.

    scripts/with-postgres.sh uv run python benchmarks/bench_overpayments.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_WORKERS", "1000000")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
if not os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres"):
    sys.exit("PostgreSQL only (the national generator writes SQL of its own): run it under scripts/with-postgres.sh")
FOLDER = Path(tempfile.mkdtemp(prefix="paritrana-bench-overpay-"))
os.environ.setdefault("PARITRANA_DATA_DIR", str(FOLDER))
DEAD_SHARE = float(os.environ.get("BENCH_DEAD_SHARE", "0.10"))
PROVINCE, KABUPATEN = "35", "35.01"  # East Java, the largest province, and its first kabupaten
#: How the app found the lines before (kept here as the baseline): the dead workers' enrollments as a list of ids
#: up to this many, a subquery beyond.
FEW_DEAD = 5_000


def _before(user: Any, fiscal_year: int | None, program: int | None, region: str, sponsor: Any = None, opd: str = ""):  # type: ignore[no-untyped-def]
    """The lines as the app found them before the marks (``queries/overpayments.py`` until issue 22's change)."""
    from django.db.models import F

    from paritrana.sponsorship.models import BillLine, Enrollment
    from paritrana.sponsorship.queries.budget import _monev_programs

    programs = _monev_programs(user, fiscal_year, program, region, sponsor, opd)
    of_the_dead: Any = Enrollment.objects.filter(worker__died_on__isnull=False, program__in=programs).values("pk")
    few = list(of_the_dead.order_by().values_list("pk", flat=True)[: FEW_DEAD + 1])
    if len(few) <= FEW_DEAD:
        of_the_dead = few
    return BillLine.objects.filter(enrollment__in=of_the_dead, bill__month__gt=F("enrollment__worker__died_on"))


def _upgrade_steps() -> list[tuple[str, float]]:
    """The steps of migrations sponsorship 0006 and 0007 on this database, timed (for docs/deployment.md): the lines
    billed after a recorded death marked from scratch, the two partial indexes built, the enrollment index dropped
    (built again first, as a database of the previous release has it)."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    migration = importlib.import_module("paritrana.sponsorship.migrations.0006_mark_lines_billed_after_death")
    steps = []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sponsorship_billline SET after_death = false WHERE after_death")
        cursor.execute("DROP INDEX billline_after_death")
        cursor.execute("DROP INDEX billline_after_death_enr")
        cursor.execute("CREATE INDEX sponsorship_billline_enrollment_id ON sponsorship_billline (enrollment_id)")
        cursor.execute("VACUUM ANALYZE sponsorship_billline")
        for step, statement in (
            ("0006 marks the lines billed after a recorded death", None),
            (
                "0006 builds the index of the marked lines by bill",
                'CREATE INDEX "billline_after_death" ON "sponsorship_billline" ("bill_id") WHERE "after_death"',
            ),
            (
                "0006 builds the index of the marked lines by enrollment",
                'CREATE INDEX "billline_after_death_enr" '
                'ON "sponsorship_billline" ("enrollment_id") WHERE "after_death"',
            ),
            ("0007 drops the enrollment index", "DROP INDEX sponsorship_billline_enrollment_id"),
        ):
            start = time.perf_counter()
            if statement is None:
                migration.mark_lines_after_death(None, SimpleNamespace(execute=cursor.execute))
            else:
                cursor.execute(statement)
            steps.append((step, time.perf_counter() - start))
    return steps


def _timed(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    """Best of ``repeat`` after one warm-up run (the pages are read again and again), and the answer."""
    answer = fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        answer = fn()
        best = min(best, time.perf_counter() - start)
    return best, answer


def main() -> None:
    import django

    django.setup()
    import importlib

    import polars as pl
    from _report import markdown_table, write_section
    from bench_deaths import write_death_list
    from bench_national import generate_registry, regions_by_kab
    from bench_national_billing import YEAR, _enroll, _programs
    from django.db import connection

    from paritrana.accounts.actions import do_create_user
    from paritrana.core.bulk import read_frame
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.lifecycle import do_import_deaths
    from paritrana.sponsorship import lifecycle
    from paritrana.sponsorship.actions import do_run_billing
    from paritrana.sponsorship.models import BillLine, Enrollment

    overpayments = importlib.import_module("paritrana.sponsorship.queries.overpayments")
    overpayment_lines = overpayments.overpayment_lines
    first_year = YEAR - 1
    desa = regions_by_kab()
    generate_registry(desa)
    for year in (first_year, YEAR):
        _programs(desa, year)
    enrolled = sum(_enroll(year=year) for year in (first_year, YEAR))
    months = [date(first_year, m, 1) for m in range(1, 13)] + [date(YEAR, m, 1) for m in range(1, 4)]
    for month in months:
        do_run_billing(actor=SYSTEM, month=month)
        print(f"billed {month:%Y-%m}", flush=True)

    # The death list: every n-th worker enrolled in the first year, died between February and November of it.
    step = round(1 / DEAD_SHARE)
    chosen = read_frame(
        "SELECT w.nik, w.name, w.id FROM registry_worker w JOIN sponsorship_enrollment e ON e.worker_id = w.id "  # noqa: S608
        f"JOIN sponsorship_program p ON p.id = e.program_id WHERE p.fiscal_year = %s AND w.id %% {step} = 7",
        [first_year],
        schema={"nik": pl.String, "name": pl.String, "id": pl.Int64},
    )
    died = pl.select(pl.lit(date(first_year, 2, 1)) + pl.duration(days=chosen["id"] % 300)).to_series()
    deaths = write_death_list(FOLDER / "kematian.csv", chosen, died)
    start = time.perf_counter()
    done = do_import_deaths(actor=SYSTEM, source=deaths, filename=deaths.name)
    apply = time.perf_counter() - start
    assert done.summary["recorded"] == chosen.height, done.summary
    # The marking alone: the same workers' marks cleared, then set again as the death list did.
    ids = chosen.select(pl.col("id").alias("worker_id"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sponsorship_billline SET after_death = false WHERE after_death")
        cursor.execute("VACUUM ANALYZE sponsorship_billline")
    start = time.perf_counter()
    lifecycle._mark_after_death(ids)
    marking = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sponsorship_billline")
        cursor.execute("VACUUM ANALYZE registry_worker")
    marked = BillLine.objects.filter(after_death=True).count()

    throwaway = "bench-password-123"
    users = {
        who: do_create_user(
            username=f"bench.op{region}",
            password=throwaway,
            full_name="Bench",
            roles=[("regional_operator", region)],
            actor=None,
            check_password=False,
        )
        for who, region in (("province", PROVINCE), ("kabupaten", KABUPATEN))
    }
    now_way = overpayments._overpaid_lines
    dead = {
        who: Enrollment.objects.filter(
            worker__died_on__isnull=False, program__fiscal_year=first_year, desa_code__startswith=region + "."
        ).count()
        for who, region in (("province", PROVINCE), ("kabupaten", KABUPATEN))
    }
    answers: dict[tuple[str, str], Any] = {}
    times: dict[tuple[str, str], tuple[float, float]] = {}
    # The baseline as the app ran it: with the lines' index on their enrollment, which the app no longer keeps.
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX bench_lines_by_enrollment ON sponsorship_billline (enrollment_id)")
        cursor.execute("ANALYZE sponsorship_billline")
    for label, finder in (("before", _before), ("marked", now_way)):
        if label == "marked":
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX bench_lines_by_enrollment")
        overpayments._overpaid_lines = finder
        try:
            for who, user in users.items():
                summary_s, summary = _timed(lambda u=user: overpayments.overpayments(u, fiscal_year=first_year))
                lines_s, lines = _timed(lambda u=user: overpayment_lines(u, fiscal_year=first_year), 2)
                answers[who, label], times[who, label] = (summary, lines), (summary_s * 1000, lines_s * 1000)
        finally:
            overpayments._overpaid_lines = now_way
    rows = []
    for who in users:
        for label in ("before", "marked"):
            summary, lines = answers[who, label]
            summary_ms, lines_ms = times[who, label]
            way = label if label == "before" else f"marked ({times[who, 'before'][0] / summary_ms:.0f}x faster)"
            counted = sum(r["lines"] for r in summary)
            rows.append(
                [
                    who,
                    f"{dead[who]:,}",
                    way,
                    f"{summary_ms:,.0f} ms",
                    f"{lines_ms:,.0f} ms",
                    f"{counted:,}",
                    f"{len(lines):,}",
                ]
            )
        if answers[who, "before"] != answers[who, "marked"]:
            for label in ("before", "marked"):
                (FOLDER / f"{who}-{label}.txt").write_text("\n".join(map(str, answers[who, label][1])))
            print(markdown_table(["operator", "dead", "way", "ms", "lines ms", "counted", "listed"], rows))
            sys.exit(f"the two ways disagree for the {who}: the lines are in {FOLDER}")

    sql, params = now_way(users["province"], first_year, None, "", None, "").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    lines_total = BillLine.objects.count()
    upgrade = _upgrade_steps()
    table = markdown_table(
        [
            "operator",
            "dead enrollments in scope",
            "way",
            "overpayments (monev)",
            "overpaid lines list",
            "lines counted",
            "lines listed",
        ],
        rows,
    )
    deaths_table = markdown_table(
        ["step", "time"],
        [
            [
                f"death list apply, {chosen.height:,} workers ({done.summary['overpaid_lines']:,} overpaid lines)",
                f"{apply:.1f} s",
            ],
            [f"of it the marking ({marked:,} lines marked)", f"{marking:.1f} s"],
            *([f"upgrade: {step}", f"{seconds:.1f} s"] for step, seconds in upgrade),
        ],
    )
    body = (
        f"{int(os.environ['BENCH_WORKERS']):,} workers, {enrolled:,} enrollments in two years of one program a "
        f"kabupaten, {lines_total:,} bill lines (15 months); {chosen.height:,} deaths of {first_year} recorded "
        f"after the billing through the death list. PostgreSQL {connection.pg_version // 10000} (the throwaway "
        "cluster, tuned settings of docs/deployment.md). Best of three after a warm-up (the lines list: best of "
        "two). Both ways give the same answers (checked in the run).\n\n"
        + table
        + "\n\n"
        + deaths_table
        + "\n\nPlan of the province's overpaid lines (marked):\n\n```\n"
        + plan
        + "\n```"
    )
    write_section("overpayments", "Overpayments of a province at national scale (issue 22, PostgreSQL)", body)


if __name__ == "__main__":
    main()
