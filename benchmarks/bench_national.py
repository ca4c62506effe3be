"""The registry at national scale on PostgreSQL (issue 22, first step: measure before changing anything).

Generates a seeded synthetic registry of ``BENCH_WORKERS`` workers (default 20,000,000) spread over the 514
kabupaten/kota of Kepmendagri 2025 with a realistic skew (a few kabupaten hold many workers, most hold few) and
their real desa, with valid NIKs (the desa's kecamatan, a birth date, women +40 on the day, a serial), Indonesian
names, segments and statuses; then times, through the app's own query (``registry.queries.workers_for``) as a
Disnaker operator of one kabupaten and as a national administrator:

* NIK lookup (p50, p95 of 200);
* name search, one kabupaten and national (first page of 25, p95 of 40 names): without the trigram index of
  migration 0006 (``pg_trgm`` GIN on ``UPPER(name)``, what Django's ``icontains`` compares; dropped for the
  baseline) and with it, built again in the same run;
* the worker list (first page; a deep page of a kabupaten and nationally, by OFFSET as the old paginator read it and
  by position as ``core.pagination.keyset_page`` does), the exact count the old page asked for and the count up to
  10,000 the page asks now, and the whole ``/workers/`` request as the operator;
and writes the table and the EXPLAIN plans of the slow queries into docs/performance.md.

    PARITRANA_PG_OPTIONS="-c shared_buffers=4GB -c work_mem=64MB -c maintenance_work_mem=2GB -c max_wal_size=16GB \
      -c effective_cache_size=16GB" scripts/with-postgres.sh uv run python benchmarks/bench_national.py  # 20 million
    BENCH_WORKERS=2000000 scripts/with-postgres.sh uv run python benchmarks/bench_national.py

Not part of ``make test``. Issue 22's targets: NIK lookup p95 < 10 ms, name search p95 < 200 ms in a kabupaten and
< 1 s nationally, worker list pages (filtered, paginated by keyset) p95 < 150 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section

N = int(os.environ.get("BENCH_WORKERS", "20000000"))
CHUNK = 1_000_000
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT", "1000000"))
DEATHS = min(100_000, IMPORT_ROWS // 10)
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


def _new_workers_csv(desa: list[str], year: int = 2004) -> Path:
    """``IMPORT_ROWS`` workers none of whom is registered: born in ``year`` (2004 or later: the generated registry's
    birth dates end in 2003), so their NIKs' date part is new; (day, serial) is unique by row. Written as an
    operator's file is."""
    import numpy as np
    import polars as pl

    path = Path(tempfile.gettempdir()) / f"paritrana-national-new-{year}-{IMPORT_ROWS}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(SEED + year)
    ids = np.arange(IMPORT_ROWS)
    born = pl.Series(np.datetime64(f"{year}-01-01") + (ids // 9_999).astype("timedelta64[D]")).cast(pl.Date)
    woman = rng.random(IMPORT_ROWS) < 0.5
    frame = pl.DataFrame(
        {"desa": pl.Series(desa).gather(rng.integers(0, len(desa), IMPORT_ROWS)), "born": born, "woman": woman}
    ).with_columns(serial=pl.Series(ids % 9_999 + 1))
    frame = frame.select(
        NIK=pl.col("desa").str.replace_all(r"\.", "").str.slice(0, 6)
        + (pl.col("born").dt.day() + pl.when(pl.col("woman")).then(40).otherwise(0)).cast(pl.String).str.zfill(2)
        + pl.col("born").dt.strftime("%m%y")
        + pl.col("serial").cast(pl.String).str.zfill(4),
        Nama=pl.lit(f"Pekerja {year} ") + pl.int_range(0, IMPORT_ROWS).cast(pl.String),
        **{"Tgl Lahir": pl.col("born").dt.strftime("%d/%m/%Y")},
        JK=pl.when(pl.col("woman")).then(pl.lit("P")).otherwise(pl.lit("L")),
        **{"Kode Desa": pl.col("desa")},
        Pekerjaan=pl.lit("petani"),
    )
    frame.write_csv(path, separator=";")
    return path


def _while_reading(action: Any, read: Any) -> tuple[float, Any, list[float]]:
    """``action()`` (an import through the app's own action) while another thread reads the registry every 50 ms on
    its own connection: the action's time, its result, and each read's wait in ms."""
    import threading

    from django.db import connection as reader_connection

    waits: list[float] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                start = time.perf_counter()
                read()
                waits.append((time.perf_counter() - start) * 1000)
                stop.wait(0.05)
        finally:
            reader_connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    start = time.perf_counter()
    try:
        result = action()
    finally:
        took = time.perf_counter() - start
        stop.set()
        thread.join()
    return took, result, waits


def _deaths_csv(new_workers: Path) -> Path:
    """``DEATHS`` of the workers just imported (every tenth), died in 2025, from Dukcapil."""
    import polars as pl

    path = Path(tempfile.gettempdir()) / f"paritrana-national-deaths-{DEATHS}.csv"
    chosen = pl.read_csv(new_workers, separator=";", infer_schema=False).gather_every(10).head(DEATHS)
    chosen.select(
        "NIK",
        "Nama",
        pl.lit("01/06/2025").alias("Tanggal Meninggal"),
        pl.lit("Dukcapil").alias("Sumber"),
    ).write_csv(path, separator=";")
    return path


def _ok(response: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"the page answered {response.status_code}")


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


def regions_by_kab() -> dict[str, list[str]]:
    """Migrates, loads the Kemendagri regions and answers each kabupaten's desa codes."""
    from django.core.management import call_command

    from paritrana.regions.actions import do_load_regions
    from paritrana.regions.kemendagri import kemendagri_regions

    call_command("migrate", verbosity=0)
    regions = kemendagri_regions()
    do_load_regions(actor=None, rows=regions)
    desa_by_kab: dict[str, list[str]] = {}
    for code, _name, _kind, level in regions:
        if level == 4:
            desa_by_kab.setdefault(code[:5], []).append(code)
    return desa_by_kab


def generate_registry(desa_by_kab: dict[str, list[str]], *, later: str = "") -> float:
    """The registry generated once (an existing one is kept), in seconds. The indexes are built once after the load,
    as core.bulk does for a load that doubles a table (twenty million random inserts into four B-trees take an hour
    on two cores); ``later``: an index left for the caller to build."""
    from django.db import connection

    from paritrana.core.bulk import _drop_postgres_indexes
    from paritrana.registry.models import Worker

    started = time.perf_counter()
    if not Worker.objects.exists():
        with connection.cursor() as cursor:
            dropped = _drop_postgres_indexes(cursor, "registry_worker")
            rebuild = [sql for sql in dropped if not (later and later in sql) and not sql.startswith("SET")]
        _generate(desa_by_kab)
        with connection.cursor() as cursor:
            for statement in rebuild:
                cursor.execute(statement)
    return time.perf_counter() - started


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from paritrana.core.pagination import _beyond, _decode, _encode, bounded_count, keyset_order, keyset_page

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    if connection.vendor != "postgresql":
        sys.exit(
            "bench_national runs on PostgreSQL: scripts/with-postgres.sh uv run python benchmarks/bench_national.py"
        )
    from paritrana.accounts.actions import do_create_user
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry import queries
    from paritrana.registry.actions import do_import_workers
    from paritrana.registry.lifecycle import do_import_deaths
    from paritrana.registry.models import Worker

    TRIGRAM_INDEX = import_module("paritrana.registry.migrations.0006_index_worker_names_and_list_order").TRIGRAM_INDEX
    desa_by_kab = regions_by_kab()
    # The trigram index is built later, timed.
    generated = generate_registry(desa_by_kab, later=TRIGRAM_INDEX)
    with connection.cursor() as cursor:
        # What autovacuum does after a load (its insert threshold): statistics, and the visibility map that lets a
        # list-order scan answer from the index alone (the index holds desa, name and id).
        cursor.execute("VACUUM ANALYZE registry_worker")
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

    def token_at(user: Any, row: int) -> str:
        """The ``next`` token a reader gets after ``row`` rows: the position of the row before the page."""
        last = queries.workers_for(user).order_by("desa_code", "name", "pk")[row - 1]
        return _encode(last, keyset_order(Worker.objects.all()))  # type: ignore[arg-type]

    def by_position(user: Any, after: str) -> int:
        return len(keyset_page(queries.workers_for(user), size=25, after=after).items)

    def measure() -> dict[str, tuple[float, float]]:
        return {
            "kab_search": _timed(lambda q: page(operator, q), names),
            "national_search": _timed(lambda q: page(admin, q), names),
        }

    deep_kab = min(400 * 25, kab_count - 25)
    deep_national = min(400_000 * 25, total - 25)
    kab_token, national_token = token_at(operator, deep_kab), token_at(admin, deep_national)
    client = Client()
    client.force_login(operator)
    results: dict[str, tuple[float, float]] = {
        "nik": _timed(lambda nik: page(admin, nik), niks),
        "kab_first": _timed(lambda _: page(operator), list(range(20))),
        "kab_deep": _timed(lambda _: page(operator, offset=deep_kab), list(range(20))),
        "kab_deep_keyset": _timed(lambda _: by_position(operator, kab_token), list(range(20))),
        "national_deep": _timed(lambda _: page(admin, offset=deep_national), list(range(5))),
        "national_deep_keyset": _timed(lambda _: by_position(admin, national_token), list(range(20))),
        "kab_count": _timed(lambda _: queries.workers_for(operator).count(), list(range(10))),
        "kab_bounded_count": _timed(lambda _: bounded_count(queries.workers_for(operator)), list(range(20))),
        "national_count": _timed(lambda _: queries.workers_for(admin).count(), list(range(5))),
        "national_bounded_count": _timed(lambda _: bounded_count(queries.workers_for(admin)), list(range(20))),
        "web_first": _timed(lambda _: _ok(client.get("/workers/")), list(range(20))),
        "web_deep": _timed(lambda _: _ok(client.get("/workers/", {"after": kab_token})), list(range(20))),
        "web_dashboard": _timed(lambda _: _ok(client.get("/")), list(range(20))),
    }
    plans = {}
    with connection.cursor() as cursor:
        # The baseline: the registry without the trigram index that migration 0006 builds, then with it again.
        cursor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    before = measure()
    with connection.cursor() as cursor:
        sql, params = queries.workers_for(admin, q=names[0])[:25].query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans["national name search, no trigram index"] = "\n".join(r[0] for r in cursor.fetchall())
        start = time.perf_counter()
        cursor.execute(f"CREATE INDEX {TRIGRAM_INDEX} ON registry_worker USING gin (UPPER(name) gin_trgm_ops)")
        index_build = time.perf_counter() - start
        cursor.execute("ANALYZE registry_worker")
    after = measure()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans["national name search, trigram index"] = "\n".join(r[0] for r in cursor.fetchall())
        sql, params = queries.workers_for(operator)[deep_kab : deep_kab + 25].query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans[f"row {deep_kab:,} of the kabupaten by OFFSET"] = "\n".join(r[0] for r in cursor.fetchall())
        order = keyset_order(Worker.objects.all())
        position = _decode(national_token, Worker, order, "after")  # type: ignore[arg-type]
        deep = queries.workers_for(admin).order_by("desa_code", "name", "id").filter(_beyond(order, position, False))  # type: ignore[arg-type]
        kab_position = _decode(kab_token, Worker, order, "after")  # type: ignore[arg-type]
        kab_deep = queries.workers_for(operator).order_by("desa_code", "name", "id")
        sql, params = kab_deep.filter(_beyond(order, kab_position, False))[:26].query.sql_with_params()  # type: ignore[arg-type]
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans[f"row {deep_kab:,} of the kabupaten by position (keyset)"] = "\n".join(r[0] for r in cursor.fetchall())
        sql, params = deep[:26].query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plans[f"row {deep_national:,} nationally by position (keyset)"] = "\n".join(r[0] for r in cursor.fetchall())

    desa = [code for codes in desa_by_kab.values() for code in codes]
    new_file = _new_workers_csv(desa)
    import_took, imported, waits = _while_reading(
        lambda: do_import_workers(source=new_file, filename=new_file.name, actor=SYSTEM),
        lambda nik=niks[0]: page(admin, nik),
    )
    if not imported.written:
        raise SystemExit(f"the import wrote nothing: {imported.summary}")
    waits.sort()
    # The cost of the trigram index in an import: the same import (other workers) without it, then built again.
    second_file = _new_workers_csv(desa, year=2005)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {TRIGRAM_INDEX}")
    start = time.perf_counter()
    second = do_import_workers(source=second_file, filename=second_file.name, actor=SYSTEM)
    import_without_trigram = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {TRIGRAM_INDEX} ON registry_worker USING gin (UPPER(name) gin_trgm_ops)")
    if not second.written:
        raise SystemExit(f"the second import wrote nothing: {second.summary}")
    deaths_file = _deaths_csv(new_file)
    deaths_took, deaths, death_waits = _while_reading(
        lambda: do_import_deaths(actor=SYSTEM, source=deaths_file, filename=deaths_file.name),
        lambda nik=niks[1]: page(admin, nik),
    )
    if deaths.summary["recorded"] != DEATHS:
        raise SystemExit(f"the death list did not record every death: {deaths.summary}")
    death_waits.sort()

    def job(label: str, seconds: float, outcome: str, target: float) -> list[str]:
        return [
            label,
            f"{seconds:,.1f} s",
            outcome,
            f"target < {target:g} s: " + ("met" if seconds < target else "NOT met"),
        ]

    def reads(during: str, waits: list[float]) -> list[str]:
        """The reader's waits while a job wrote: readers must never wait more than a second."""
        if not waits:
            return [f"a NIK lookup every 50 ms during {during}", "-", "-", "no read finished"]
        longest = waits[-1]
        return [
            f"a NIK lookup every 50 ms during {during} ({len(waits)} reads)",
            f"{statistics.median(waits):,.1f} ms",
            f"longest {longest:,.1f} ms",
            "readers never wait > 1 s: " + ("met" if longest < 1000 else "NOT met"),
        ]

    def row(label: str, figures: tuple[float, float], target: float | None) -> list[str]:
        p50, p95 = figures
        verdict = "" if target is None else f"target p95 < {target:,.0f} ms: " + ("met" if p95 < target else "NOT met")
        return [label, f"{p50:,.1f} ms", f"{p95:,.1f} ms", verdict]

    rows = [
        row("NIK lookup (national administrator)", results["nik"], 10),
        row("name search in the kabupaten, no trigram index (baseline)", before["kab_search"], 200),
        row("name search in the kabupaten, trigram index (migration 0006)", after["kab_search"], 200),
        row("name search, national, no trigram index (baseline)", before["national_search"], 1000),
        row("name search, national, trigram index (migration 0006)", after["national_search"], 1000),
        row("worker list query, first page of the kabupaten", results["kab_first"], 150),
        row(f"worker list query, row {deep_kab:,} of the kabupaten by OFFSET (baseline)", results["kab_deep"], 150),
        row(f"worker list query, row {deep_kab:,} of the kabupaten by position", results["kab_deep_keyset"], 150),
        row(f"worker list query, row {deep_national:,} nationally by OFFSET (baseline)", results["national_deep"], 150),
        row(f"worker list query, row {deep_national:,} nationally by position", results["national_deep_keyset"], 150),
        row("count of the kabupaten, COUNT(*) (baseline: the old paginator)", results["kab_count"], None),
        row("count of the kabupaten, up to 10,000 (the page now)", results["kab_bounded_count"], None),
        row("count, national, COUNT(*) (baseline)", results["national_count"], None),
        row("count, national, up to 10,000 (the page now)", results["national_bounded_count"], None),
        row("the worker list page /workers/, first page (operator, whole request)", results["web_first"], 150),
        row(f"the worker list page, row {deep_kab:,} (?after=, whole request)", results["web_deep"], 150),
        row(
            "the operator's dashboard / (whole request; no enrollments in this data set)", results["web_dashboard"], 300
        ),
        job(
            f"import {IMPORT_ROWS:,} new workers into the {total:,} (`do_import_workers`, CSV, all-or-nothing)",
            import_took,
            f"{imported.summary['created']:,} created",
            20,
        ),
        reads("that import", waits),
        job(
            f"the same import of {IMPORT_ROWS:,} other new workers without the trigram index (its cost)",
            import_without_trigram,
            f"{second.summary['created']:,} created",
            20,
        ),
        job(
            f"death list of {DEATHS:,} in the {total + 2 * IMPORT_ROWS:,} (`do_import_deaths`; no enrollments here)",
            deaths_took,
            f"{deaths.summary['recorded']:,} recorded",
            30,
        ),
        reads("the death list", death_waits),
    ]
    body = (
        f"PostgreSQL server settings: `{os.environ.get('PARITRANA_PG_OPTIONS') or 'the defaults'}` (besides "
        "`fsync=off`, `synchronous_commit=off` of the throwaway cluster). "
        f"{total:,} workers over 514 kabupaten/kota (skewed; the largest, {biggest}, holds {kab_count:,}), "
        f"generated and written by COPY in {generated:,.0f} s; the trigram index took {index_build:,.0f} s to build "
        "(the migration builds it CONCURRENTLY: readers and writers go on meanwhile); the other indexes were built "
        "once after the load, included in its time. Each figure is the app's own "
        "query (`registry.queries.workers_for`, a page of 25) or page, as the kabupaten's Disnaker operator or a "
        "national administrator, p50 and p95 of 5-200 runs after a warm-up. Baselines in the same run: the "
        "search without the trigram index (dropped, then built again), the deep page by OFFSET, the exact count."
        "\n\n"
    )
    body += markdown_table(["query", "p50", "p95", "against issue 22"], rows)
    for title, plan in plans.items():
        body += f"\n\n{title}:\n\n```\n{plan}\n```"
    write_section("national", f"National scale on PostgreSQL: a {total:,}-worker registry (issue 22)", body)


if __name__ == "__main__":
    main()
