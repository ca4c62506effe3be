"""Sponsorship at national scale on PostgreSQL (issue 22): ten million enrollments over 2,000 programs.

Generates the national registry of ``bench_national`` (seeded; ``BENCH_WORKERS``, default 11,000,000 so that about
10,000,000 are active), 2,000 APBD programs of fiscal year 2026 spread over the 514 kabupaten/kota by their number of
workers (at least one each), and enrolls every active worker in one program of its kabupaten. Then times, through
the app's own actions and queries:

* the monthly billing run of every program (``do_run_billing``, target < 60 s), against a baseline in the same run:
  the run of a tenth of the programs for the month before (linear cost means the full run is about ten times it);
* monev of the largest province (``sponsorship.queries.monev`` as its Disnaker operator, target < 500 ms), against
  its rows read program by program (``monev_row`` each: how monev read them before) and the monev of its largest
  kabupaten, p50 and p95 of 10 after a warm-up;
* the operator's dashboard ``/`` (whole request, target < 300 ms);
* the BPJS participation reconcile of 1,000,000 rows (``do_reconcile_participation``, target < 30 s);
* the facts refresh from the bills into the fact store (``do_refresh_facts``, target < 2 minutes): the full
  refresh of the two months billed here (baseline), then the refresh by month after October's bills are paid
  (it rebuilds October only), and one with nothing changed;

and writes the table into docs/performance.md.

    PARITRANA_PG_OPTIONS="-c shared_buffers=4GB -c work_mem=64MB -c maintenance_work_mem=2GB -c max_wal_size=16GB \
      -c effective_cache_size=16GB" scripts/with-postgres.sh uv run python benchmarks/bench_national_billing.py
    BENCH_WORKERS=1100000 scripts/with-postgres.sh uv run python benchmarks/bench_national_billing.py  # a trial

Not part of ``make test``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("BENCH_WORKERS", "11000000")
os.environ.setdefault("PARITRANA_DATA_DIR", tempfile.mkdtemp(prefix="paritrana-national-"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section
from bench_national import generate_registry, regions_by_kab

PROGRAMS = 2_000
RECONCILE_ROWS = int(os.environ.get("BENCH_RECONCILE", "1000000"))
YEAR = 2026
BASELINE_MONTH, MONTH = date(YEAR, 10, 1), date(YEAR, 11, 1)


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, round(q * (len(values) - 1)))]


def _timed(run: Any, times: int = 10) -> tuple[float, float]:
    run()  # warm-up
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1000, _p(seconds, 0.95) * 1000


def _programs(desa_by_kab: dict[str, list[str]], year: int = YEAR) -> list[Any]:
    """``PROGRAMS`` active APBD programs of ``year``, shared out over the kabupaten by their workers (at least one
    each), through the app's actions (sponsor, program, approve, activate)."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.models import Worker
    from paritrana.sponsorship import actions
    from paritrana.sponsorship.models import Sponsor

    workers = dict(
        Worker.objects.filter(status="active")
        .annotate(kab=Substr("desa_code", 1, 5))
        .values_list("kab")
        .annotate(n=Count("id"))
        .values_list("kab", "n")
    )
    total = sum(workers.values())
    kabs = sorted(k for k in desa_by_kab if workers.get(k))
    share = {k: max(1, round(PROGRAMS * workers[k] / total)) for k in kabs}
    while sum(share.values()) > PROGRAMS:  # rounding: take back from the largest
        share[max(share, key=lambda k: share[k])] -= 1
    while sum(share.values()) < PROGRAMS:
        share[max(kabs, key=lambda k: workers[k] / share[k])] += 1
    made = []
    for kab in kabs:
        # A kabupaten's sponsor funds its programs of every year.
        sponsor = Sponsor.objects.filter(region_code=kab, kind="apbd_kabkota").first() or actions.do_create_sponsor(
            actor=SYSTEM, name=f"Pemkab {kab}", kind="apbd_kabkota", region_code=kab
        )
        for i in range(share[kab]):
            program = actions.do_create_program(
                actor=SYSTEM,
                sponsor=sponsor,
                name=f"JKK-JKM {kab} {i + 1} ({year})",
                fiscal_year=year,
                pagu=(2 * workers[kab] // share[kab] + 100) * 16_800 * 12,  # headroom: ids share out unevenly
            )
            for step in ("approved", "active"):
                program = actions.do_advance_program(actor=SYSTEM, program=program, to=step)
            made.append(program)
    return made


def _enroll(leave_free_in: str = "", year: int = YEAR) -> int:
    """Every active worker in one program of ``year`` of its kabupaten (the worker's id picks which), for the whole
    year, in one statement; ``leave_free_in``: a kabupaten where one worker in five is left in no program (the load
    test's pool)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH p AS (
                SELECT pr.id, s.region_code AS kab,
                       ROW_NUMBER() OVER (PARTITION BY s.region_code ORDER BY pr.id) - 1 AS slot,
                       COUNT(*) OVER (PARTITION BY s.region_code) AS slots
                FROM sponsorship_program pr JOIN sponsorship_sponsor s ON s.id = pr.sponsor_id
                WHERE pr.fiscal_year = %s
            )
            INSERT INTO sponsorship_enrollment
                (program_id, worker_id, desa_code, first_month, last_month, cost, status, created_at)
            SELECT p.id, w.id, w.desa_code, %s, %s, 201600, 'active', now()
            FROM registry_worker w JOIN p ON p.kab = substr(w.desa_code, 1, 5) AND p.slot = w.id %% p.slots
            WHERE w.status = 'active' AND NOT (substr(w.desa_code, 1, 5) = %s AND w.id %% 5 = 0)
            """,
            [year, date(year, 1, 1), date(year, 12, 1), leave_free_in],
        )
        enrolled = cursor.rowcount
        cursor.execute(
            "UPDATE sponsorship_program pr SET committed = 201600 * "
            "(SELECT COUNT(*) FROM sponsorship_enrollment e WHERE e.program_id = pr.id) WHERE pr.fiscal_year = %s",
            [year],
        )
        # What autovacuum does after a large insert: statistics, and the visibility map index-only scans need.
        cursor.execute("VACUUM (ANALYZE) sponsorship_enrollment")
        cursor.execute("VACUUM (ANALYZE) registry_worker")
        cursor.execute("ANALYZE sponsorship_program")
    return enrolled


def _participation_list(path: Path, rows: int) -> None:
    """The branch's list: ``rows`` enrolled workers (one in a hundred inactive there) and 1% unknown NIKs."""
    import polars as pl

    from paritrana.core.bulk import read_frame

    niks = read_frame(
        "SELECT w.nik FROM sponsorship_enrollment e JOIN registry_worker w ON w.id = e.worker_id "
        "ORDER BY e.id LIMIT %s",
        [rows],
        schema={"nik": pl.String},
    )["nik"]
    i = pl.int_range(0, niks.len() + rows // 100, eager=True)
    pl.DataFrame({"i": i}).select(
        NIK=pl.when(pl.col("i") < niks.len())
        .then(pl.col("i").map_elements(lambda n: niks[n], return_dtype=pl.String))
        .otherwise(pl.lit("36030199") + pl.col("i").cast(pl.String).str.zfill(8)),
        Status=pl.when(pl.col("i") % 100 == 1).then(pl.lit("nonaktif")).otherwise(pl.lit("aktif")),
        **{"Iuran Terakhir": pl.lit(f"{MONTH:%Y-%m}")},
    ).write_csv(path, separator=";")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    if connection.vendor != "postgresql":
        sys.exit("bench_national_billing runs on PostgreSQL: scripts/with-postgres.sh uv run python " + __file__)
    from paritrana.accounts.actions import do_create_user
    from paritrana.analytics.actions import do_refresh_facts
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.models import Worker
    from paritrana.sponsorship import actions, bpjs, queries
    from paritrana.sponsorship.models import BillLine, Enrollment

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    desa_by_kab = regions_by_kab()
    generated = generate_registry(desa_by_kab)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_worker")
    print(f"registry: {Worker.objects.count():,} workers in {generated:.0f} s", flush=True)

    start = time.perf_counter()
    programs = _programs(desa_by_kab)
    made_programs = time.perf_counter() - start
    start = time.perf_counter()
    enrolled = _enroll()
    enrolling = time.perf_counter() - start
    print(f"{len(programs):,} programs in {made_programs:.0f} s; {enrolled:,} enrollments in {enrolling:.0f} s")

    tenth = [p for p in programs if p.pk % 10 == 0]
    tenth_rows = Enrollment.objects.filter(program__in=tenth).count()
    start = time.perf_counter()
    actions.do_run_billing(actor=SYSTEM, month=BASELINE_MONTH, programs=tenth)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    result = actions.do_run_billing(actor=SYSTEM, month=MONTH)
    billing = time.perf_counter() - start
    billed = sum(b.workers for b in result.bills)
    print(f"billing: {billed:,} lines in {billing:.1f} s (a tenth: {tenth_rows:,} in {baseline:.1f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sponsorship_billline")
        cursor.execute("ANALYZE sponsorship_bill")

    # The largest province and its largest kabupaten, by enrollments.
    by_kab: dict[str, int] = {}
    for desa, n in Enrollment.objects.values_list("desa_code").annotate(n=Count("id")).values_list("desa_code", "n"):
        by_kab[desa[:5]] = by_kab.get(desa[:5], 0) + n
    by_province: dict[str, int] = {}
    for kab, n in by_kab.items():
        by_province[kab[:2]] = by_province.get(kab[:2], 0) + n
    province = max(by_province, key=lambda k: by_province[k])
    kab = max((k for k in by_kab if k.startswith(province + ".")), key=lambda k: by_kab[k])
    throwaway = "bench-password-123"

    def user(name: str, region: str) -> Any:
        return do_create_user(
            username=name,
            password=throwaway,
            full_name="Bench",
            roles=[("regional_operator", region)],
            actor=None,
            check_password=False,
        )

    province_operator, kab_operator = user("bench.prov", province), user("bench.kab", kab)
    province_programs = sum(1 for p in programs if p.sponsor.region_code.startswith(province + "."))
    monev_province = _timed(lambda: queries.monev(province_operator, fiscal_year=YEAR, on=date(YEAR, 12, 4)))
    monev_kab = _timed(lambda: queries.monev(kab_operator, fiscal_year=YEAR, on=date(YEAR, 12, 4)))
    in_province = list(queries.programs_for(province_operator).filter(fiscal_year=YEAR))
    one_by_one = _timed(lambda: [queries.monev_row(p, date(YEAR, 12, 4)) for p in in_province], times=3)
    client = Client()
    client.force_login(kab_operator)

    def dashboard() -> None:
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    dashboard_ms = _timed(dashboard)
    print(f"monev {province}: {monev_province}; {kab}: {monev_kab}; dashboard {dashboard_ms}", flush=True)

    scratch = Path(tempfile.mkdtemp(prefix="paritrana-reconcile-"))
    listed = scratch / "kepesertaan.csv"
    _participation_list(listed, RECONCILE_ROWS)
    start = time.perf_counter()
    reconciled = bpjs.do_reconcile_participation(
        actor=SYSTEM, source=listed, filename=listed.name, on=date(YEAR, 11, 20)
    )
    reconcile = time.perf_counter() - start
    print(f"reconcile: {RECONCILE_ROWS:,} rows in {reconcile:.1f} s", flush=True)

    lines = BillLine.objects.count()
    start = time.perf_counter()
    refreshed = do_refresh_facts(actor=SYSTEM)
    refresh = time.perf_counter() - start
    print(f"facts refresh: {lines:,} bill lines in {refresh:.1f} s ({refreshed})", flush=True)
    # October's bills paid (the tenth of the programs): the next refresh rebuilds October only.
    from paritrana.sponsorship.models import Bill

    for bill in Bill.objects.filter(month=BASELINE_MONTH):
        actions.do_record_payment(
            actor=SYSTEM,
            bill_number=bill.number,
            reference=f"R-{bill.pk}",
            paid_on=date(YEAR, 10, 10),
            amount=bill.amount,
        )
    october_lines = BillLine.objects.filter(bill__month=BASELINE_MONTH).count()
    start = time.perf_counter()
    by_month = do_refresh_facts(actor=SYSTEM)
    month_refresh = time.perf_counter() - start
    start = time.perf_counter()
    unchanged = do_refresh_facts(actor=SYSTEM)
    nothing_refresh = time.perf_counter() - start
    print(
        f"refresh by month: {by_month['months']} in {month_refresh:.1f} s; nothing changed: {nothing_refresh:.1f} s "
        f"({unchanged['months']})",
        flush=True,
    )

    def met(seconds: float, target: float) -> str:
        return f"target < {target:g} s: {'met' if seconds < target else 'NOT met'}"

    def met_ms(p95: float, target: float) -> str:
        return f"target p95 < {target:g} ms: {'met' if p95 < target else 'NOT met'}"

    per_million = refresh / max(lines, 1) * 1_000_000
    rows = [
        ["billing run, a tenth of the programs (baseline)", f"{baseline:.1f} s", f"{tenth_rows:,} lines", ""],
        ["billing run, every program (`do_run_billing`)", f"{billing:.1f} s", f"{billed:,} lines", met(billing, 60)],
        [
            f"monev of the largest province ({province}, {province_programs} programs)",
            f"{monev_province[0]:.0f} ms",
            f"p95 {monev_province[1]:.0f} ms",
            met_ms(monev_province[1], 500),
        ],
        [
            "the province's monev rows program by program (baseline: three queries each, as before)",
            f"{one_by_one[0]:.0f} ms",
            f"p95 {one_by_one[1]:.0f} ms",
            "",
        ],
        [
            f"monev of its largest kabupaten ({kab}, baseline)",
            f"{monev_kab[0]:.0f} ms",
            f"p95 {monev_kab[1]:.0f} ms",
            "",
        ],
        [
            "operator's dashboard `/` (whole request)",
            f"{dashboard_ms[0]:.0f} ms",
            f"p95 {dashboard_ms[1]:.0f} ms",
            met_ms(dashboard_ms[1], 300),
        ],
        [
            f"BPJS reconcile of {RECONCILE_ROWS + RECONCILE_ROWS // 100:,} rows (`do_reconcile_participation`)",
            f"{reconcile:.1f} s",
            ", ".join(f"{k} {v:,}" for k, v in reconciled.summary.items() if isinstance(v, int)),
            met(reconcile, 30),
        ],
        [
            f"facts refresh, full (baseline): {lines:,} bill lines of {len(refreshed['months'])} months",
            f"{refresh:.1f} s",
            f"{per_million:.1f} s per million lines",
            f"24 months of {billed:,} rebuilt whole: about {per_million * billed * 24 / 1_000_000 / 60:.0f} min",
        ],
        [
            f"facts refresh after October's bills were paid: months {', '.join(by_month['months'])}",
            f"{month_refresh:.1f} s",
            f"{october_lines:,} lines, {month_refresh / max(october_lines, 1) * 1_000_000:.1f} s per million",
            f"a national month of {billed:,} lines: about "
            f"{month_refresh / max(october_lines, 1) * billed:.0f} s; target < 2 min: "
            f"{'met' if month_refresh / max(october_lines, 1) * billed < 120 else 'NOT met'}",
        ],
        ["facts refresh, nothing changed", f"{nothing_refresh:.1f} s", f"months {unchanged['months']}", ""],
    ]
    options = os.environ.get("PARITRANA_PG_OPTIONS", "(the throwaway cluster's defaults)")
    body = (
        f"PostgreSQL server settings: `{options}`. {Worker.objects.count():,} workers "
        f"(generated in {generated:.0f} s), "
        f"{len(programs):,} programs made through the app's actions in {made_programs:.0f} s, {enrolled:,} "
        f"enrollments written in one statement in {enrolling:.0f} s.\n\n"
        + markdown_table(["step", "time", "outcome", "against issue 22"], rows)
    )
    write_section("national-billing", f"National scale on PostgreSQL: {enrolled:,} enrollments (issue 22)", body)


if __name__ == "__main__":
    main()
