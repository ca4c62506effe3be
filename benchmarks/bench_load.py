"""Load test (issue 8): 50 concurrent users mixing the dashboard, worker search, worker pages, enrollment and the
API against PostgreSQL and gunicorn on loopback, for 5 minutes; p50/p95/p99, errors and the server's memory.

Targets: p95 under 500 ms, zero errors, memory flat. Everything is throwaway: unless ``PARITRANA_DATABASE_URL``
already points at a PostgreSQL server (or ``--sqlite`` is given), the script re-runs itself under
``scripts/with-postgres.sh``, which starts a PostgreSQL cluster on loopback and removes it afterwards; the data
go into a temporary folder. Steps: ``migrate`` + the demo data, a few thousand more workers of Kabupaten
Tangerang (so enrollment never runs out of eligible workers), a program with room for all of them, an API token;
then ``paritrana serve --workers N --no-worker`` (gunicorn) on a free loopback port, and locust headless with
the user mix of ``benchmarks/loadtest/locustfile.py`` (its docstring gives the weights and the think time).

The baseline, in the same run and against the same server: the same number of users with the same think time
requesting only the login page as anonymous visitors: a template rendered by the whole middleware stack, with
no session and no database query. It shows the floor of the server and this machine (gunicorn, Django, locust
itself on the same two cores), to read the mix's figures against.

Memory: the resident set (VmRSS from /proc) of the gunicorn master and its workers, summed, every 5 s; the sum
counts pages the forked workers share more than once, so it overstates the total but moves with it. Reported:
the median of the first and of the last minute.

    .tools/bin/uv run --frozen python benchmarks/bench_load.py [--users 50] [--duration 300] [--workers 4]

The functions are reused by ``tests/test_load.py`` (the short form in ``make test``). Exits non-zero when a
request failed (wrong status or content) in the mix or the baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "benchmarks" / "loadtest" / "locustfile.py"
MIX_CLASSES = ("OperatorUser", "ApiClient")
BASELINE_CLASSES = ("BaselineUser",)
TARGET_P95_MS = 500
FLAT_TOLERANCE = 0.10  # memory is "flat" when the last minute's median is within 10% of the first minute's
RSS_EVERY = 5.0
WARM_UP = 20  # seconds of a light mix (10 users) before the measured runs
WARM_UP_POOL = 200  # workers the warm-up may enroll


# Data -----------------------------------------------------------------------------------------------------------


def prepare_data(out: Path, extra_workers: int, *, light: bool = False) -> None:
    """In this process (the environment names the database): migrate, the demo, ``extra_workers`` more workers of
    Kabupaten Tangerang, a program with room for all of them, an API token; writes what locust needs to ``out``.
    ``light`` (the short test) leaves out the demo's coverage facts and award edition, which no request of the mix
    reads and which take half the demo's time."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from paritrana.core.dates import today
    from paritrana.core.permissions import SYSTEM
    from paritrana.demo.load import DEMO_PASSWORD, load_demo
    from paritrana.registry.models import Worker
    from paritrana.sponsorship import actions
    from paritrana.sponsorship.models import Sponsor

    call_command("migrate", interactive=False, verbosity=0)
    if light:
        from paritrana.demo import analytics, award

        analytics.load_analytics = award.load_award = lambda **_: {}
    load_demo()
    if extra_workers:
        from paritrana.registry.actions import do_import_workers

        do_import_workers(
            source=_extra_workers_csv(extra_workers), filename="loadtest.csv", actor=SYSTEM, mode="valid-only"
        )
    username = "disnaker.kabtangerang"  # a Disnaker operator of Kabupaten Tangerang (36.03)
    sponsor = Sponsor.objects.get(name="Pemerintah Kabupaten Tangerang")
    workers = Worker.objects.filter(desa_code__startswith="36.03.").count()
    program = actions.do_create_program(
        actor=SYSTEM,
        sponsor=sponsor,
        name="Uji beban (load test)",
        fiscal_year=today().year,
        pagu=workers * 16_800 * 12,
        target_workers=workers,
    )
    user = get_user_model().objects.get(username=username)
    setup = mix_setup(user, DEMO_PASSWORD, program)
    out.write_text(json.dumps(setup), encoding="utf-8")


def mix_setup(user: Any, password: str, program: Any) -> dict[str, Any]:
    """What the mix's users need (the locustfile's setup): ``user`` and its password, a new API token, ``program``
    (activated here) and its pool of workers in no program at all (so an enrollment is never refused: no double
    sponsorship), and workers of the program's region to read and search by their first names."""
    from paritrana.accounts.actions import do_create_token
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.models import Worker
    from paritrana.registry.queries import is_name_search
    from paritrana.sponsorship import actions, queries

    program = actions.do_advance_program(actor=SYSTEM, program=program, to="approved")
    program = actions.do_advance_program(actor=SYSTEM, program=program, to="active")
    pool = list(
        queries.eligible_workers(program).filter(enrollments__isnull=True).order_by("pk").values_list("pk", "nik")
    )
    _, token = do_create_token(user=user, label="loadtest", actor=None)
    region = program.sponsor.region_code + "."
    sample = list(Worker.objects.filter(desa_code__startswith=region).order_by("?").values_list("pk", "name")[:300])
    # Words the registry searches by (3 letters in a row: "dr." is not one).
    first_names = sorted({name.split()[0] for _, name in sample if is_name_search(name.split()[0])})
    return {
        "username": user.get_username(),
        "password": password,
        "token": token,
        "program_id": program.pk,
        "pool": pool,
        "worker_ids": [pk for pk, _ in sample],
        "search_terms": first_names[:40],
    }


def _extra_workers_csv(count: int) -> bytes:
    """Synthetic workers of Kabupaten Tangerang with NIK sequences 5000-8999 (the demo's are 9000-9999)."""
    import io
    import random
    from datetime import date, timedelta

    from faker import Faker

    from paritrana.demo.people import make_nik
    from paritrana.regions.models import Region
    from paritrana.registry.vocab import OCCUPATIONS

    desa = list(
        Region.objects.filter(code__startswith="36.03.", level=4).order_by("code").values_list("code", flat=True)
    )
    rng = random.Random(8)
    fake = Faker("id_ID")
    fake.seed_instance(8)
    out = io.StringIO()
    out.write("NIK;Nama Lengkap;Tgl Lahir;JK;Kode Desa;Pekerjaan;Desil\n")
    used: set[str] = set()
    while len(used) < count:
        sex = rng.choice("LP")
        birth = date(1965, 1, 1) + timedelta(days=rng.randint(0, 35 * 365))
        code = rng.choice(desa)
        nik = make_nik(kecamatan_code=code, birth_date=birth, sex=sex, sequence=rng.randint(5000, 8999))
        if nik in used:
            continue
        used.add(nik)
        name = fake.name_male() if sex == "L" else fake.name_female()
        occupation = rng.choice(OCCUPATIONS[:-1]).replace("_", " ")
        out.write(f"{nik};{name};{birth:%d/%m/%Y};{sex};{code.replace('.', '')};{occupation};{rng.randint(1, 5)}\n")
    return out.getvalue().encode("utf-8")


def prepare(env: dict[str, str], out: Path, extra_workers: int, *, light: bool = False) -> dict[str, Any]:
    """Run :func:`prepare_data` in a child process with ``env`` (a fresh database and data folder)."""
    done = subprocess.run(  # noqa: S603 - ourselves
        [sys.executable, __file__, "--prepare", str(out), "--extra-workers", str(extra_workers)]
        + (["--light"] if light else []),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"preparing the data failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def pool_slice(setup: dict[str, Any], out: Path, *, warm_up: bool) -> Path:
    """A copy of the setup whose worker pool is the warm-up's share (the last ``WARM_UP_POOL`` workers) or the
    rest: each locust run takes its workers from the start of its pool, so two runs must not share one."""
    pool = setup["pool"]
    part = pool[-WARM_UP_POOL:] if warm_up else pool[:-WARM_UP_POOL]
    out.write_text(json.dumps({**setup, "pool": part}), encoding="utf-8")
    return out


# Server ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(env: dict[str, str], *, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """``paritrana serve`` (gunicorn, ``workers`` sync workers, no background worker) on a free loopback port;
    yields (url, pid of the gunicorn master) once /healthz answers, and stops it afterwards."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "paritrana.cli", "serve", "--port", str(port), "--workers", str(workers)]
            + ["--no-worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:  # noqa: S310 - our loopback server
                        if r.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}") from None
                    time.sleep(0.3)
            deadline = time.monotonic() + 120  # gunicorn answers once its first worker is up: wait for all
            while len(_children(proc.pid)) < workers and time.monotonic() < deadline:
                time.sleep(0.3)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def tree_rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and its descendants, summed, in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo += _children(current)
    return total / 1024


class RssSampler(threading.Thread):
    """Samples :func:`tree_rss_mb` every ``every`` seconds until stopped: (seconds since start, MB)."""

    def __init__(self, pid: int, every: float = RSS_EVERY) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        start = time.monotonic()
        while not self._stop_event.is_set():
            self.samples.append((time.monotonic() - start, tree_rss_mb(self.pid)))
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def window(self, first: bool, seconds: float = 60.0) -> float:
        """Median MB of the first (or last) ``seconds`` of samples."""
        if not self.samples:
            return 0.0
        end = self.samples[-1][0]
        picked = [mb for t, mb in self.samples if (t <= seconds if first else t >= end - seconds)]
        return statistics.median(picked)


# Locust ---------------------------------------------------------------------------------------------------------


def run_locust(
    *,
    host: str,
    classes: tuple[str, ...],
    users: int,
    spawn_rate: float,
    seconds: int,
    csv_prefix: Path,
    setup_file: Path | None,
    tour: bool = False,
) -> tuple[int, list[dict[str, str]], list[dict[str, str]]]:
    """Locust headless in a child process; returns (exit code, rows of its stats CSV, rows of its failures CSV).
    ``tour``: each user first makes every request of its kind once (see the locustfile)."""
    env = dict(os.environ)
    if tour:
        env["PARITRANA_LOADTEST_TOUR"] = "1"
    if setup_file is not None:
        env["PARITRANA_LOADTEST_SETUP"] = str(setup_file)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        host,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--skip-log-setup",
        *classes,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - ourselves
    stats_csv = Path(f"{csv_prefix}_stats.csv")
    if not stats_csv.exists():
        raise RuntimeError(f"locust wrote no statistics:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    with stats_csv.open(newline="") as f:
        stats = list(csv.DictReader(f))
    failures_csv = Path(f"{csv_prefix}_failures.csv")
    failures = list(csv.DictReader(failures_csv.open(newline=""))) if failures_csv.exists() else []
    return done.returncode, stats, failures


def _ms(value: str) -> str:
    return "-" if value in ("", "N/A") else f"{float(value):,.0f} ms"


def stats_table(stats: list[dict[str, str]]) -> tuple[list[str], list[list[object]]]:
    headers = ["request", "requests", "failures", "p50", "p95", "p99", "max", "req/s"]
    rows: list[list[object]] = []
    for row in sorted(stats, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "**all requests**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        rows.append(
            [
                name,
                f"{int(row['Request Count']):,}",
                row["Failure Count"],
                _ms(row["50%"]),
                _ms(row["95%"]),
                _ms(row["99%"]),
                _ms(row["Max Response Time"]),
                f"{float(row['Requests/s']):.1f}",
            ]
        )
    return headers, rows


def aggregated(stats: list[dict[str, str]]) -> dict[str, str]:
    return next(r for r in stats if r["Name"] == "Aggregated")


# The benchmark --------------------------------------------------------------------------------------------------


def _database_env(args: argparse.Namespace, data: Path) -> tuple[dict[str, str], str]:
    env = {**os.environ, "PARITRANA_DATA_DIR": str(data)}
    url = os.environ.get("PARITRANA_DATABASE_URL", "")
    if args.sqlite:
        env.pop("PARITRANA_DATABASE_URL", None)
        return env, "SQLite"
    return env, "PostgreSQL " + _pg_version(url)


def _pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds of the mixed load")
    parser.add_argument("--baseline-duration", type=int, default=60, help="seconds of the baseline")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--extra-workers", type=int, default=5000, help="workers added to the demo's 2,000")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of a throwaway PostgreSQL")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/performance.md")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--light", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_data(args.prepare, args.extra_workers, light=args.light)
        return 0
    if not args.sqlite and not os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres"):
        script = ROOT / "scripts" / "with-postgres.sh"
        return subprocess.call(["bash", str(script), sys.executable, *sys.argv])  # noqa: S603, S607 - ourselves

    with tempfile.TemporaryDirectory(prefix="paritrana-load-") as tmp:
        folder = Path(tmp)
        env, database = _database_env(args, folder / "data")
        started = time.monotonic()
        setup = prepare(env, folder / "setup.json", args.extra_workers)
        print(f"prepared in {time.monotonic() - started:.0f} s: {len(setup['pool']):,} workers free to enroll")
        load_start = os.getloadavg()[0]
        with server(env, workers=args.workers, log=folder / "server.log") as (url, pid):
            print(f"gunicorn ({args.workers} workers) at {url}; warm-up for {WARM_UP} s")
            run_locust(  # each worker imports its views on its first requests: not measured
                host=url,
                classes=MIX_CLASSES,
                users=10,
                spawn_rate=10,
                seconds=WARM_UP,
                csv_prefix=folder / "warm-up",
                setup_file=pool_slice(setup, folder / "warm-up.json", warm_up=True),
            )
            print(f"baseline for {args.baseline_duration} s")
            base_code, base_stats, base_failures = run_locust(
                host=url,
                classes=BASELINE_CLASSES,
                users=args.users,
                spawn_rate=args.spawn_rate,
                seconds=args.baseline_duration,
                csv_prefix=folder / "baseline",
                setup_file=None,
            )
            print(f"mixed load: {args.users} users for {args.duration} s")
            sampler = RssSampler(pid)
            sampler.start()
            code, stats, failures = run_locust(
                host=url,
                classes=MIX_CLASSES,
                users=args.users,
                spawn_rate=args.spawn_rate,
                seconds=args.duration,
                csv_prefix=folder / "mix",
                setup_file=pool_slice(setup, folder / "mix.json", warm_up=False),
            )
            sampler.stop()
        load_end = os.getloadavg()[0]
        enrolled = _enrolled(env, setup["program_id"])

    total, base = aggregated(stats), aggregated(base_stats)
    errors = int(total["Failure Count"]) + int(base["Failure Count"])
    p95 = float(total["95%"])
    rss_first, rss_last = sampler.window(first=True), sampler.window(first=False)
    growth = (rss_last - rss_first) / rss_first if rss_first else 0.0
    headers, rows = stats_table(stats)
    base_rows = stats_table(base_stats)[1][:1]
    base_rows[0][0] = "baseline: anonymous login page only (same users, same think time)"
    minutes = args.duration / 60
    step = max(1, len(sampler.samples) // 12)
    trace = ", ".join(f"{mb:.0f}" for _, mb in sampler.samples[::step])
    body = [
        f"**Targets:** p95 under {TARGET_P95_MS} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'} "
        f"(p95 {p95:,.0f} ms over all requests); zero errors: {'met' if errors == 0 else 'NOT met'} "
        f"({errors} failed requests); memory flat: {'met' if abs(growth) <= FLAT_TOLERANCE else 'NOT met'} "
        f"(gunicorn master + {args.workers} workers, summed RSS, median of the first minute {rss_first:,.0f} MB, "
        f"of the last minute {rss_last:,.0f} MB, {growth:+.1%}).",
        "",
        f"{args.users} users (locust {_locust_version()}, headless, spawned at {args.spawn_rate:g} per second) for "
        f"{minutes:g} minutes against `paritrana serve --workers {args.workers} --no-worker` (gunicorn, sync "
        f"workers) on loopback, {database} on loopback (throwaway cluster, fsync off), the demo data plus "
        f"{args.extra_workers:,} generated workers of Kabupaten Tangerang. Each user waits 0.5-2 s (uniform) "
        "between requests. The mix (weights in `benchmarks/loadtest/locustfile.py`): 4 of 5 users are a Disnaker "
        "operator in the browser (log in once; dashboard 3, worker search by name 4, a worker's page 2, the "
        "program's page 1, enroll one worker by uploading a one-line NIK list 1), 1 of 5 an API client with a "
        "bearer token (worker search 3, one worker 1, programs 1, enroll one worker by id 1). Every enrollment "
        f"takes a worker in no program, so each must succeed: {enrolled:,} workers were enrolled in the run. "
        "A request counts as failed when its status or content is not the expected one (a redirect to the "
        "login page, a refusal, a 5xx).",
        "",
        markdown_table(headers, rows + base_rows),
        "",
        f"After a {WARM_UP} s warm-up with 10 users of the mix (not counted), the baseline ran first, for "
        f"{args.baseline_duration} s, against the same server: the floor of gunicorn, "
        "Django's middleware and this machine (locust shares the two cores with the server and the database). "
        "Locust rounds response times above 100 ms to 2 significant digits. "
        f"Load average {load_start:.1f} before the load ("
        + ("above 2: other work shared the two cores" if load_start > 2 else "the machine ran nothing else")
        + f"), {load_end:.1f} at its end (the load itself: locust, gunicorn, PostgreSQL). RSS samples every "
        f"{RSS_EVERY:g} s, every {step}th shown: {trace} MB.",
    ]
    failure_lines = [
        f"- {f['Method']} {f['Name']}: {f['Occurrences']} x {f['Error']}" for f in failures + base_failures
    ]
    if failure_lines:
        body += ["", "Failures:", "", *failure_lines[:20]]
    text = "\n".join(body)
    if args.no_write:
        print(text)
    else:
        write_section("load", "Load test (issue 8)", text)
    if code not in (0, 1) or base_code not in (0, 1):
        print(f"locust exited with {code} / {base_code}", file=sys.stderr)
        return 2
    return 1 if errors else 0


def _locust_version() -> str:
    from importlib.metadata import version

    return version("locust")


def _enrolled(env: dict[str, str], program_id: int) -> int:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'paritrana.settings'); django.setup(); "
        "from paritrana.sponsorship.models import Enrollment; "
        f"print(Enrollment.objects.filter(program_id={int(program_id)}).count())"
    )
    done = subprocess.run(  # noqa: S603 - ourselves
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
