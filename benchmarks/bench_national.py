"""The registry at national scale on PostgreSQL (issue 22, first step: measure before changing anything).

Generates a seeded synthetic registry of ``BENCH_WORKERS`` workers (default 20,000,000) spread over the 514
kabupaten/kota of Kepmendagri 2025 with a realistic skew (a few kabupaten hold many workers, most hold few) and
their real desa, with valid NIKs (the desa's kecamatan, a birth date, women +40 on the day, a serial), Indonesian
names, segments and statuses; then times, through the app's own query (``registry.queries.workers_for``) as a
Disnaker operator of one kabupaten and as a national administrator:

* NIK lookup (p50, p95 of 200);
* name search, one kabupaten and national (first page of 25, p95 of 40 names): before and after a trigram index
  (``pg_trgm`` GIN on ``UPPER(name)``, what Django's ``icontains`` compares), built in the same run;
* the worker list page (first page and page 400 of a kabupaten, ordered as the page orders), and the count the
  page's paginator asks for;
and writes the table and the EXPLAIN plans of the slow queries into docs/performance.md.

    scripts/with-postgres.sh uv run python benchmarks/bench_national.py              # 20 million (long)
    BENCH_WORKERS=2000000 scripts/with-postgres.sh uv run python benchmarks/bench_national.py

Not part of ``make test``. Issue 22's targets: NIK lookup p95 < 10 ms, name search p95 < 200 ms in a kabupaten and
< 1 s nationally, list pages p95 < 150 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section

N = int(os.environ.get("BENCH_WORKERS", "20000000"))
CHUNK = 1_000_000
SEED = 22
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")

FIRST = [
    "Siti",
    "Ahmad",
    "Budi",
    "Dewi",
    "Agus",
    "Sri",
    "Nur",
    "Muhammad",
    "Eko",
    "Rina",
    "Joko",
    "Wati",
    "Slamet",
    "Yanti",
    "Andi",
    "Putri",
    "Hendra",
    "Lestari",
    "Rudi",
    "Ani",
    "Bambang",
    "Fitri",
    "Dedi",
    "Yuni",
    "Asep",
    "Euis",
    "Made",
    "Ketut",
    "Nyoman",
    "Wayan",
    "Ucok",
    "Butet",
    "Teguh",
    "Ratna",
    "Iwan",
    "Endang",
    "Heri",
    "Suci",
    "Tono",
    "Ayu",
]
LAST = [
    "Aminah",
    "Santoso",
    "Wijaya",
    "Lubis",
    "Siregar",
    "Nasution",
    "Hasibuan",
    "Saragih",
    "Sembiring",
    "Ginting",
    "Simanjuntak",
    "Pratama",
    "Saputra",
    "Hidayat",
    "Setiawan",
    "Kurniawan",
    "Rahayu",
    "Susanti",
    "Wahyuni",
    "Purnomo",
    "Suryadi",
    "Haryanto",
    "Gunawan",
    "Syahputra",
    "Harahap",
    "Tanjung",
    "Rangkuti",
    "Daulay",
    "Pane",
    "Munthe",
    "Sinaga",
    "Pardede",
    "Hutapea",
    "Manurung",
    "Sitompul",
    "Nainggolan",
    "Panjaitan",
    "Situmorang",
    "Tambunan",
]


def _timed(run: Any, repeat: list[Any]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``run(x)`` for each x (a warm-up first)."""
    run(repeat[0])
    times = []
    for x in repeat:
        start = time.perf_counter()
        run(x)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def _generate(desa_by_kab: dict[str, list[str]]) -> None:
    """``N`` workers in chunks of a million, written by COPY (``core.bulk.insert_frame``)."""
    import numpy as np
    import polars as pl

    from paritrana.core.bulk import insert_frame, sql_now
    from paritrana.registry.models import Worker

    rng = np.random.default_rng(SEED)
    kabs = sorted(desa_by_kab)
    # A Zipf-like skew: the k-th kabupaten (in a shuffled order) weighs 1/(k+1)^0.8.
    order = rng.permutation(len(kabs))
    weights = 1 / (order + 1) ** 0.8
    weights /= weights.sum()
    now = sql_now()
    for start in range(0, N, CHUNK):
        size = min(CHUNK, N - start)
        ids = np.arange(start, start + size)
        kab = rng.choice(len(kabs), size=size, p=weights)
        desa = [
            desa_by_kab[kabs[k]][int(r * len(desa_by_kab[kabs[k]]))] for k, r in zip(kab, rng.random(size), strict=True)
        ]
        # Unique NIKs by construction: the row number gives the birth day and the serial (9,999 per day).
        day = ids // 9_999
        serial = ids % 9_999 + 1
        born = pl.Series(np.datetime64("1960-01-01") + (day * 7 % 16_000).astype("timedelta64[D]")).cast(pl.Date)
        woman = rng.random(size) < 0.5
        frame = pl.DataFrame({"desa_code": desa, "birth_date": born, "woman": woman, "serial": serial})
        frame = frame.with_columns(
            nik=pl.col("desa_code").str.replace_all(r"\.", "").str.slice(0, 6)
            + (pl.col("birth_date").dt.day() + pl.when(pl.col("woman")).then(40).otherwise(0))
            .cast(pl.String)
            .str.zfill(2)
            + pl.col("birth_date").dt.strftime("%m%y")
            + pl.col("serial").cast(pl.String).str.zfill(4),
            name=pl.Series([FIRST[a] for a in rng.integers(0, len(FIRST), size)])
            + " "
            + pl.Series([LAST[b] for b in rng.integers(0, len(LAST), size)]),
            sex=pl.when(pl.col("woman")).then(pl.lit("P")).otherwise(pl.lit("L")),
            segment=pl.Series(rng.choice(["bpu", "pu", "jakon", "pmi"], size=size, p=[0.7, 0.2, 0.05, 0.05])),
            status=pl.Series(rng.choice(["active", "inactive", "deceased"], size=size, p=[0.93, 0.05, 0.02])),
        ).drop("woman", "serial")
        gone = pl.col("status") != "active"  # inactive or dead since mid-2025
        frame = frame.with_columns(
            status_on=pl.when(gone).then(pl.lit(date(2025, 6, 1))),
            died_on=pl.when(pl.col("status") == "deceased").then(pl.lit(date(2025, 6, 1))),
        )
        insert_frame(
            Worker._meta.db_table,
            frame,
            constants={
                "phone": "",
                "occupation": "other",
                "kpj": "",
                "needs_review": False,
                "created_at": now,
                "updated_at": now,
            },
        )
        print(f"  {start + size:,} workers", flush=True)


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            "bench_national runs on PostgreSQL: scripts/with-postgres.sh uv run python benchmarks/bench_national.py"
        )
    from paritrana.accounts.actions import do_create_user
    from paritrana.regions.actions import do_load_regions
    from paritrana.regions.kemendagri import kemendagri_regions
    from paritrana.registry import queries
    from paritrana.registry.models import Worker

    call_command("migrate", verbosity=0)
    regions = kemendagri_regions()
    do_load_regions(actor=None, rows=regions)
    desa_by_kab: dict[str, list[str]] = {}
    for code, _name, _kind, level in regions:
        if level == 4:
            desa_by_kab.setdefault(code[:5], []).append(code)
    started = time.perf_counter()
    if not Worker.objects.exists():
        _generate(desa_by_kab)
    generated = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_worker")
    total = Worker.objects.count()
    biggest = max(desa_by_kab, key=lambda k: Worker.objects.filter(desa_code__startswith=k + ".").count())
    kab_count = Worker.objects.filter(desa_code__startswith=biggest + ".").count()
    throwaway = "bench-password-123"
    operator = do_create_user(
        username="bench.kab",
        password=throwaway,
        full_name="Bench",
        roles=[("regional_operator", biggest)],
        actor=None,
        check_password=False,
    )
    admin = do_create_user(
        username="bench.admin",
        password=throwaway,
        full_name="Bench",
        roles=[("system_admin", "")],
        actor=None,
        check_password=False,
    )
    niks = list(Worker.objects.order_by("?").values_list("nik", flat=True)[:200])
    names = [f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"[:9] for i in range(40)]

    def page(user: Any, q: str = "", offset: int = 0, **filters: Any) -> int:
        return len(list(queries.workers_for(user, q=q, **filters)[offset : offset + 25]))

    def measure() -> dict[str, tuple[float, float]]:
        return {
            "kab_search": _timed(lambda q: page(operator, q), names),
            "national_search": _timed(lambda q: page(admin, q), names),
        }

    results: dict[str, tuple[float, float]] = {
        "nik": _timed(lambda nik: page(admin, nik), niks),
        "kab_first": _timed(lambda _: page(operator), list(range(20))),
        "kab_deep": _timed(lambda _: page(operator, offset=400 * 25), list(range(20))),
        "kab_count": _timed(lambda _: queries.workers_for(operator).count(), list(range(10))),
    }
    before = measure()
    plans = {}
    with connection.cursor() as cursor:
        sql, params = queries.workers_for(admin, q=names[0])[:25].query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans["national name search, no trigram index"] = "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        start = time.perf_counter()
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS bench_worker_name_trgm ON registry_worker USING gin (UPPER(name) gin_trgm_ops)"
        )
        index_build = time.perf_counter() - start
        cursor.execute("ANALYZE registry_worker")
    after = measure()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans["national name search, trigram index"] = "\n".join(r[0] for r in cursor.fetchall())
        sql, params = queries.workers_for(operator)[400 * 25 : 401 * 25].query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans["page 400 of a kabupaten (offset)"] = "\n".join(r[0] for r in cursor.fetchall())

    def row(label: str, figures: tuple[float, float], target: float | None) -> list[str]:
        p50, p95 = figures
        verdict = "" if target is None else f"target p95 < {target:,.0f} ms: " + ("met" if p95 < target else "NOT met")
        return [label, f"{p50:,.1f} ms", f"{p95:,.1f} ms", verdict]

    rows = [
        row("NIK lookup (national administrator)", results["nik"], 10),
        row("name search in the kabupaten, no trigram index", before["kab_search"], 200),
        row("name search in the kabupaten, trigram index", after["kab_search"], 200),
        row("name search, national, no trigram index", before["national_search"], 1000),
        row("name search, national, trigram index", after["national_search"], 1000),
        row("worker list, first page of the kabupaten", results["kab_first"], 150),
        row("worker list, page 400 of the kabupaten (OFFSET)", results["kab_deep"], 150),
        row("the list's count of the kabupaten (paginator)", results["kab_count"], None),
    ]
    body = (
        f"{total:,} workers over 514 kabupaten/kota (skewed; the largest, {biggest}, holds {kab_count:,}), "
        f"generated and written by COPY in {generated:,.0f} s; the trigram index took {index_build:,.0f} s to build. "
        "Each figure is the app's own query (`registry.queries.workers_for`, first page of 25) as the kabupaten's "
        "Disnaker operator or a national administrator, p50 and p95 of 20-200 runs after a warm-up. The trigram "
        "index is built in the run (no migration yet): the rows before and after it are the baseline and the "
        "change.\n\n"
    )
    body += markdown_table(["query", "p50", "p95", "against issue 22"], rows)
    for title, plan in plans.items():
        body += f"\n\n{title}:\n\n```\n{plan}\n```"
    write_section("national", f"National scale on PostgreSQL: a {total:,}-worker registry (issue 22)", body)


if __name__ == "__main__":
    main()
