"""The load test at national size (issue 22): the user mix of ``bench_load`` (50 users: 4 Disnaker operators in the
browser to 1 API client, 0.5-2 s of think time) against the national registry of ``bench_national`` (seeded,
``BENCH_WORKERS``, default 11,000,000, over the 514 kabupaten/kota) with 2,000 programs and every active worker
enrolled (``bench_national_billing``), on PostgreSQL and gunicorn on loopback.

The operator is a Disnaker operator of Kabupaten Tangerang (36.03): the dashboard, worker search by name, a worker's
page, the load-test program's page and enrolling one worker; the API client searches, reads a worker, lists
programs and enrolls. One worker in five of Kabupaten Tangerang is left out of the national enrollment: they are
the pool the mix enrolls from, so that no enrollment is refused. The baseline, in the same run and against the same
server: the same users requesting only the login page anonymously (the floor of the server and this machine).

Targets (issue 22): p95 under 500 ms over all requests, no errors.

    PARITRANA_PG_OPTIONS="-c shared_buffers=4GB -c work_mem=64MB -c maintenance_work_mem=2GB -c max_wal_size=16GB \
      -c effective_cache_size=16GB" scripts/with-postgres.sh uv run python benchmarks/bench_national_load.py
    BENCH_WORKERS=1100000 scripts/with-postgres.sh uv run python benchmarks/bench_national_load.py --duration 30

Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("BENCH_WORKERS", "11000000")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section
from bench_load import (
    BASELINE_CLASSES,
    MIX_CLASSES,
    TARGET_P95_MS,
    WARM_UP,
    RssSampler,
    aggregated,
    mix_setup,
    pool_slice,
    run_locust,
    server,
    stats_table,
)

KAB = "36.03"  # Kabupaten Tangerang: the operator's region, and where the pool is left unenrolled
YEAR = 2026  # the fiscal year of bench_national_billing's programs
USERNAME, PASSWORD = "disnaker.kabtangerang", "bench-password-123"


def prepare_data(out: Path) -> None:
    """In this process: the national registry, its programs and enrollments, the operator, a token, the load-test
    program and its pool; writes what locust needs to ``out``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
    import django

    django.setup()
    from bench_national import generate_registry, regions_by_kab
    from bench_national_billing import _enroll, _programs

    from paritrana.accounts.actions import do_create_user
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.models import Worker
    from paritrana.sponsorship import actions

    started = time.perf_counter()
    desa_by_kab = regions_by_kab()
    generate_registry(desa_by_kab)
    programs = _programs(desa_by_kab)
    enrolled = _enroll(leave_free_in=KAB)  # one worker in five of KAB: the pool the mix enrolls
    user = do_create_user(
        username=USERNAME,
        password=PASSWORD,
        full_name="Disnaker Kabupaten Tangerang",
        roles=[("regional_operator", KAB)],
        actor=None,
        check_password=False,
    )
    sponsor = actions.do_create_sponsor(
        actor=SYSTEM, name="Pemerintah Kabupaten Tangerang (uji beban)", kind="apbd_kabkota", region_code=KAB
    )
    free = Worker.objects.filter(desa_code__startswith=KAB + ".", status="active", enrollments__isnull=True).count()
    program = actions.do_create_program(
        actor=SYSTEM,
        sponsor=sponsor,
        name="Uji beban nasional",
        fiscal_year=YEAR,
        pagu=(free + 1) * 16_800 * 12,
        target_workers=free,
    )
    setup = {
        **mix_setup(user, PASSWORD, program),
        "workers": Worker.objects.count(),
        "programs": len(programs) + 1,
        "enrollments": enrolled,
        "seconds": time.perf_counter() - started,
    }
    out.write_text(json.dumps(setup), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=180, help="seconds of the mixed load")
    parser.add_argument("--baseline-duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_data(args.prepare)
        return 0
    if not os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench_national_load runs on PostgreSQL: scripts/with-postgres.sh uv run python " + __file__)
    with tempfile.TemporaryDirectory(prefix="paritrana-national-load-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "PARITRANA_DATA_DIR": str(folder / "data")}
        done = subprocess.run(  # noqa: S603 - ourselves
            [sys.executable, __file__, "--prepare", str(folder / "setup.json")], env=env, check=False
        )
        if done.returncode != 0:
            return 2
        setup: dict[str, Any] = json.loads((folder / "setup.json").read_text(encoding="utf-8"))
        print(
            f"prepared in {setup['seconds']:.0f} s: {setup['workers']:,} workers, {setup['enrollments']:,} "
            f"enrollments, {len(setup['pool']):,} workers free to enroll",
            flush=True,
        )
        load_start = os.getloadavg()[0]
        with server(env, workers=args.workers, log=folder / "server.log") as (url, pid):
            run_locust(
                host=url,
                classes=MIX_CLASSES,
                users=10,
                spawn_rate=10,
                seconds=WARM_UP,
                csv_prefix=folder / "warm-up",
                setup_file=pool_slice(setup, folder / "warm-up.json", warm_up=True),
            )
            base_code, base_stats, base_failures = run_locust(
                host=url,
                classes=BASELINE_CLASSES,
                users=args.users,
                spawn_rate=10,
                seconds=args.baseline_duration,
                csv_prefix=folder / "baseline",
                setup_file=None,
            )
            sampler = RssSampler(pid)
            sampler.start()
            code, stats, failures = run_locust(
                host=url,
                classes=MIX_CLASSES,
                users=args.users,
                spawn_rate=10,
                seconds=args.duration,
                csv_prefix=folder / "mix",
                setup_file=pool_slice(setup, folder / "mix.json", warm_up=False),
            )
            sampler.stop()
        load_end = os.getloadavg()[0]
    total = aggregated(stats)
    errors = int(total["Failure Count"]) + int(aggregated(base_stats)["Failure Count"])
    p95 = float(total["95%"])
    headers, rows = stats_table(stats)
    base_rows = stats_table(base_stats)[1][:1]
    base_rows[0][0] = "baseline: anonymous login page only (same users, same think time)"
    options = os.environ.get("PARITRANA_PG_OPTIONS", "(the throwaway cluster's defaults)")
    body = [
        f"**Targets:** p95 under {TARGET_P95_MS} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'} (p95 {p95:,.0f} ms "
        f"over all requests); zero errors: {'met' if errors == 0 else 'NOT met'} ({errors} failed requests).",
        "",
        f"{args.users} users for {args.duration} s against `paritrana serve --workers {args.workers} --no-worker` "
        f"on loopback, PostgreSQL on loopback (`{options}`), {setup['workers']:,} workers over the 514 "
        f"kabupaten/kota, {setup['programs']:,} programs and {setup['enrollments']:,} enrollments (prepared in "
        f"{setup['seconds']:.0f} s). The mix of the load test above (`benchmarks/loadtest/locustfile.py`), as a "
        f"Disnaker operator of Kabupaten Tangerang and an API client; every enrollment takes a worker in no program. "
        f"Load average {load_start:.1f} before, {load_end:.1f} at the end; gunicorn's summed RSS "
        f"{sampler.window(first=True):,.0f} MB in the first minute, {sampler.window(first=False):,.0f} MB in the last.",
        "",
        markdown_table(headers, rows + base_rows),
    ]
    failure_lines = [
        f"- {f['Method']} {f['Name']}: {f['Occurrences']} x {f['Error']}" for f in failures + base_failures
    ]
    if failure_lines:
        body += ["", "Failures:", "", *failure_lines[:20]]
    write_section("national-load", "Load test at national size (issue 22)", "\n".join(body))
    print("\n".join(body))
    if code not in (0, 1) or base_code not in (0, 1):
        return 2
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
