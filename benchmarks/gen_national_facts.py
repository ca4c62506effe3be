"""A synthetic national fact store for the indicator benchmark (issue 6): by default 10 million participants
across the 514 kabupaten/kota of Kepmendagri 300.2.2-2138/2025 with 12 months of history (120 million
worker-months), ending 2025-12.

    uv run python benchmarks/gen_national_facts.py                                   # var/bench/national.duckdb
    uv run python benchmarks/gen_national_facts.py --parquet var/bench/parquet       # and a Parquet store for Spark
    uv run python benchmarks/gen_national_facts.py --participants 100000 --months 3 --out var/bench/small.duckdb

Every row is made by DuckDB SQL (a hash of the participant number and a salt stands in for a random draw, so a
run is reproducible); Python only loops over the 514 kabupaten/kota and the months. Writes:

* ``OUT`` (a DuckDB store): table ``facts_participants`` in ``FACT_SCHEMA`` order, ``origin = 'synthetic'``,
  rows sorted by month, then kabupaten/kota (DuckDB's zone maps make a one-month filter read one month);
* ``OUT`` with ``.workforce.parquet``: the BPS-like denominators per kabupaten/kota and year (employed 144.6
  million nationally, 58% informal), with the region columns of the ``workforce`` source;
* with ``--parquet DIR``: ``DIR/participants/origin=synthetic/month-YYYY-MM.parquet`` (hive partition, no origin
  column in the files), a Parquet store the Spark engine reads.

The mixes are made up but plausible: segment pu 45%, bpu 45%, jakon 5%, pmi 5%; funder ``employer`` for pu and
jakon, ``mandiri`` for pmi, and apbd 30% / apbdes 15% / csr 5% / mandiri 45% / other 5% for bpu; about 30%
vulnerable; about 8% join during the year and every segment lapses some months (bpu 7%, pu 1% of months);
premium 16,800 for an active bpu month, about 9.24% of a wage for pu; nothing paid in an inactive month.
Participants per kabupaten/kota follow its workforce times a coverage that varies from place to place, and pick
their desa among the real desa/kelurahan of their kabupaten/kota, some desa far more often than others.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
# Django is set up only to read the region list; its data folder (a secret key file) stays beside the data.
os.environ.setdefault("PARITRANA_DATA_DIR", str(ROOT / "var" / "bench" / "data"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")

DEFAULT_OUT = ROOT / "var" / "bench" / "national.duckdb"
EMPLOYED_2025 = 144_600_000  # BPS Sakernas August 2025, rounded
INFORMAL_SHARE = 0.58
SEED = 2025


def regions() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(kabupaten/kota code, kind) and (desa code, kind) of every region, from the Kepmendagri list."""
    import django

    django.setup()
    from paritrana.regions.actions import kemendagri_regions

    rows = kemendagri_regions()
    return [(c, k) for c, _n, k, lv in rows if lv == 2], [(c, k) for c, _n, k, lv in rows if lv == 4]


def kabupaten_table(kabs: list[tuple[str, str]], desa: list[tuple[str, str]], participants: int) -> list[dict]:
    """Workforce and participants per kabupaten/kota (a Python loop over the 514 of them, nothing per row)."""
    rng = random.Random(SEED)
    counts: dict[str, list[int]] = {code: [0, 0] for code, _ in kabs}
    for code, kind in desa:
        counts[code[:5]][kind == "kelurahan"] += 1
    rows = []
    for code, kind in kabs:
        n_desa, n_kel = counts[code]
        # Size: villages (a kelurahan is a denser, urban place), damped in Papua's sparse highlands, with noise.
        weight = (n_desa + 4 * n_kel + 20) * rng.lognormvariate(0, 0.35) * (0.35 if code[:2] >= "91" else 1.0)
        informal = min(0.85, max(0.2, (0.40 if kind == "kota" else 0.63) + rng.gauss(0, 0.06)))
        rows.append(
            {
                "kabupaten": code,
                "kind": kind,
                "n_desa": n_desa + n_kel,
                "weight": weight,
                "informal_share": informal,
                "vulnerable_share": min(0.6, max(0.08, (0.18 if kind == "kota" else 0.32) + rng.gauss(0, 0.05))),
                "coverage": rng.uniform(0.5, 1.6) * (1.3 if kind == "kota" else 1.0),
                "growth": rng.uniform(0.005, 0.03),
            }
        )
    total = sum(r["weight"] for r in rows)
    informal_total = sum(r["weight"] * r["informal_share"] for r in rows)
    scale = INFORMAL_SHARE * total / informal_total  # national informal share exactly 58%
    employed = _apportion(EMPLOYED_2025, [r["weight"] for r in rows])
    covered = _apportion(participants, [r["weight"] * r["coverage"] for r in rows])
    first = 0
    for row, emp, n in zip(rows, employed, covered, strict=True):
        row["employed"] = emp
        row["informal"] = round(emp * min(0.95, row["informal_share"] * scale))
        row["vulnerable"] = round(emp * row["vulnerable_share"])
        row["participants"] = n
        row["first_id"] = first
        first += n
    return rows


def _apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split by ``weights`` in whole numbers that add up exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    out = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: out[i] - shares[i])[: total - sum(out)]:
        out[i] += 1
    return out


def workforce_frame(kab_rows: list[dict], last_year: int) -> object:
    """The ``workforce`` source: one row per kabupaten/kota and year (this year and the one before)."""
    import polars as pl

    rows = []
    for row in kab_rows:
        for year in (last_year - 1, last_year):
            shrink = 1.0 if year == last_year else 1 / (1 + row["growth"])
            employed = round(row["employed"] * shrink)
            informal = round(row["informal"] * shrink)
            rows.append(
                {
                    "province": row["kabupaten"][:2],
                    "kabupaten": row["kabupaten"],
                    "kecamatan": None,
                    "desa": None,
                    "year": year,
                    "employed": employed,
                    "formal": employed - informal,
                    "informal": informal,
                    "population": round(employed / 0.513),
                    "vulnerable": round(row["vulnerable"] * shrink),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "province": pl.String,
            "kabupaten": pl.String,
            "kecamatan": pl.String,
            "desa": pl.String,
            "year": pl.Int64,
            **dict.fromkeys(("employed", "formal", "informal", "population", "vulnerable"), pl.Int64),
        },
    )


def _u(salt: int) -> str:
    """A uniform draw in [0, 1) per participant ``i``, from a hash: reproducible, and no Python per row."""
    return f"((hash(i, {SEED * 1000 + salt}::BIGINT) % 1000000)::DOUBLE / 1e6)"


PARTICIPANTS_SQL = f"""
CREATE TEMP TABLE p AS
WITH ids AS (
    SELECT kabupaten, n_desa, unnest(range(first_id, first_id + participants)) AS i FROM kabs
), drawn AS (
    SELECT i, kabupaten, n_desa,
        {_u(1)} AS u_segment, {_u(2)} AS u_funder, {_u(3)} AS u_vulnerable, {_u(4)} AS u_join,
        {_u(5)} AS u_join_month, {_u(6)} AS u_occupation, {_u(7)} AS u_wage,
        least(n_desa - 1, floor(n_desa * pow({_u(8)}, 1.8)))::INTEGER AS desa_idx
    FROM ids
), typed AS (
    SELECT *, CASE WHEN u_segment < 0.45 THEN 'pu' WHEN u_segment < 0.90 THEN 'bpu'
                   WHEN u_segment < 0.95 THEN 'jakon' ELSE 'pmi' END AS segment
    FROM drawn
)
SELECT
    'S' || lpad(i::VARCHAR, 9, '0') AS participant_id,
    i,
    d.province, t.kabupaten, d.kecamatan, d.desa,
    segment,
    CASE WHEN segment IN ('pu', 'jakon') THEN 'employer'
         WHEN segment = 'pmi' THEN 'mandiri'
         WHEN u_funder < 0.30 THEN 'apbd' WHEN u_funder < 0.45 THEN 'apbdes' WHEN u_funder < 0.50 THEN 'csr'
         WHEN u_funder < 0.95 THEN 'mandiri' ELSE 'other' END AS funder,
    u_vulnerable < CASE segment WHEN 'pu' THEN 0.18 WHEN 'bpu' THEN 0.42 ELSE 0.30 END AS vulnerable,
    CASE segment
        WHEN 'pu' THEN 'other'
        WHEN 'jakon' THEN 'buruh_bangunan'
        WHEN 'pmi' THEN CASE WHEN u_occupation < 0.6 THEN 'pekerja_rumah_tangga' ELSE 'other' END
        ELSE (['petani_pekebun', 'petani_pekebun', 'petani_pekebun', 'nelayan', 'peternak', 'pedagang',
               'pedagang', 'buruh_bangunan', 'pemulung', 'pekerja_rumah_tangga', 'pekerja_keagamaan',
               'ojek_pengemudi', 'ojek_pengemudi', 'buruh_harian_lepas', 'buruh_harian_lepas',
               'other'])[1 + floor(u_occupation * 16)::INTEGER]
    END AS occupation,
    CASE segment
        WHEN 'bpu' THEN 16800
        WHEN 'pu' THEN (2500000 + floor(u_wage * 60)::BIGINT * 100000) * 924 // 10000
        WHEN 'jakon' THEN 12000
        ELSE 37500
    END::BIGINT AS premium,
    CASE segment WHEN 'pu' THEN 0.01 WHEN 'bpu' THEN 0.07 WHEN 'jakon' THEN 0.03 ELSE 0.04 END AS lapse,
    CASE WHEN u_join < 0.08 THEN floor(u_join_month * {{months}})::INTEGER ELSE 0 END AS join_idx
FROM typed t JOIN desa d ON d.kabupaten = t.kabupaten AND d.idx = t.desa_idx
ORDER BY i
"""  # noqa: S608 - the generator's own constants

MONTH_SQL = """
INSERT INTO facts_participants
SELECT participant_id, DATE '{month}', province, kabupaten, kecamatan, desa, segment, funder,
       {active} AS active, vulnerable, CASE WHEN {active} THEN premium ELSE 0 END, occupation, 'synthetic'
FROM p
"""


def month_list(end: date, months: int) -> list[date]:
    out = []
    year, month = end.year, end.month
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def generate(out: Path, participants: int, months: int, end: date, parquet: Path | None) -> dict[str, object]:
    import duckdb
    import polars as pl

    from paritrana.analytics.store import _CREATE, PARTICIPANTS

    started = time.perf_counter()
    kabs, desa = regions()
    kab_rows = kabupaten_table(kabs, desa, participants)
    kab_frame = pl.DataFrame(kab_rows).select(["kabupaten", "n_desa", "participants", "first_id"])
    desa_frame = pl.DataFrame(desa, schema={"desa": pl.String, "kind": pl.String}, orient="row").select(
        pl.col("desa").str.slice(0, 2).alias("province"),
        pl.col("desa").str.slice(0, 5).alias("kabupaten"),
        pl.col("desa").str.slice(0, 8).alias("kecamatan"),
        "desa",
    )
    workforce = workforce_frame(kab_rows, end.year)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, out.with_name(out.name + ".wal")):
        stale.unlink(missing_ok=True)
    workforce.write_parquet(out.with_suffix(".workforce.parquet"))  # type: ignore[attr-defined]

    con = duckdb.connect(str(out))
    con.execute(f"SET temp_directory = '{out.parent / 'duckdb-tmp'}'")
    con.register("kabs_arrow", kab_frame.to_arrow())
    con.register("desa_arrow", desa_frame.to_arrow())
    con.execute("CREATE TEMP TABLE kabs AS SELECT * FROM kabs_arrow ORDER BY first_id")
    # The desa of a kabupaten in a shuffled order (hash of the code), so the frequently drawn ones are scattered.
    con.execute(
        "CREATE TEMP TABLE desa AS SELECT *, (row_number() OVER (PARTITION BY kabupaten ORDER BY hash(desa)) - 1)"
        "::INTEGER AS idx FROM desa_arrow"
    )
    con.execute(PARTICIPANTS_SQL.format(months=months))
    built = time.perf_counter()
    print(f"{participants:,} participants drawn in {built - started:.1f} s")
    con.execute(_CREATE)
    calendar = month_list(end, months)
    for index, month in enumerate(calendar):
        lapsed = f"((hash(i, {SEED * 1000 + 100 + index}::BIGINT) % 1000000)::DOUBLE / 1e6) < lapse"
        active = f"({index} >= join_idx AND NOT {lapsed})"
        tick = time.perf_counter()
        con.execute(MONTH_SQL.format(month=month.isoformat(), active=active))
        print(f"  {month:%Y-%m}: {participants:,} rows in {time.perf_counter() - tick:.1f} s")
    con.execute("CHECKPOINT")
    written = time.perf_counter()
    rows = con.execute(f"SELECT count(*) FROM {PARTICIPANTS}").fetchone()[0]  # noqa: S608 - a constant name
    if parquet is not None:
        folder = parquet / "participants" / "origin=synthetic"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        columns = ", ".join(n for n in _fact_columns() if n != "origin")
        for month in calendar:
            target = folder / f"month-{month:%Y-%m}.parquet"
            con.execute(
                f"COPY (SELECT {columns} FROM {PARTICIPANTS} WHERE month = DATE '{month.isoformat()}') "  # noqa: S608
                f"TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"
            )
    exported = time.perf_counter()
    summary = con.execute(
        f"SELECT count(DISTINCT kabupaten), count(DISTINCT desa), "  # noqa: S608 - a constant name
        f"avg(active::INTEGER) FILTER (WHERE month = DATE '{calendar[-1].isoformat()}'), "
        f"avg((segment = 'bpu')::INTEGER), avg(vulnerable::INTEGER) FROM {PARTICIPANTS}"
    ).fetchone()
    # Zone maps: how many row groups hold more than one month (a one-month filter reads only its own groups).
    mixed = con.execute(
        "SELECT count(*) FILTER (WHERE min_month <> max_month), count(*) FROM ("  # noqa: S608 - a constant
        "SELECT row_group_id, min(regexp_extract(stats, 'Min: ([^,]+)', 1)) AS min_month, "
        "max(regexp_extract(stats, 'Max: ([^\\]]+)', 1)) AS max_month "
        f"FROM pragma_storage_info('{PARTICIPANTS}') WHERE column_name = 'month' AND stats LIKE '[Min:%' "
        "GROUP BY row_group_id)"
    ).fetchone()
    con.close()
    shutil.rmtree(out.parent / "duckdb-tmp", ignore_errors=True)
    return {
        "rows": rows,
        "participants": participants,
        "months": f"{calendar[0]:%Y-%m} to {calendar[-1]:%Y-%m}",
        "kabupaten": summary[0],
        "desa": summary[1],
        "active_last_month": summary[2],
        "bpu_share": summary[3],
        "vulnerable_share": summary[4],
        "employed": int(workforce.filter(pl.col("year") == end.year)["employed"].sum()),  # type: ignore[attr-defined]
        "informal_share": float(
            workforce.filter(pl.col("year") == end.year)["informal"].sum()  # type: ignore[attr-defined]
            / workforce.filter(pl.col("year") == end.year)["employed"].sum()  # type: ignore[attr-defined]
        ),
        "row_groups": f"{mixed[1]:,} row groups, {mixed[0]} spanning two months",
        "seconds_facts": round(written - started, 1),
        "seconds_parquet": round(exported - written, 1),
        "size_gb": round(out.stat().st_size / 1e9, 2),
    }


def _fact_columns() -> list[str]:
    from paritrana.analytics.store import FACT_SCHEMA

    return list(FACT_SCHEMA.names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--end", default="2025-12", help="the last month, YYYY-MM")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the DuckDB store to (re)write")
    parser.add_argument("--parquet", type=Path, default=None, help="also write a Parquet store in this folder")
    args = parser.parse_args()
    year, month = (int(x) for x in args.end.split("-"))
    summary = generate(args.out, args.participants, args.months, date(year, month, 1), args.parquet)
    for key, value in summary.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else value
        print(f"{key:>20}: {shown}")


if __name__ == "__main__":
    main()
