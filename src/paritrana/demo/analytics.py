"""Demo data of the coverage indicators for Banten: workforce denominators (made up, one hundredth of real
magnitudes, and labelled so), the real national targets with their sources, the registry's facts, and a bulk file
of BPJS participants as a region without the registry would load it."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl

from paritrana.analytics import actions
from paritrana.analytics.models import Target, Workforce
from paritrana.analytics.sources import region_columns
from paritrana.analytics.store import FACT_SCHEMA, connect
from paritrana.core.dates import add_months, first_of_month, today
from paritrana.core.permissions import SYSTEM

__all__ = ["NATIONAL_TARGETS", "load_analytics"]

DEMO_SOURCE = "Contoh demo: angka rekaan (1/100 besaran nyata), bukan angka BPS"
#: RPJMN 2025-2029 and RKP 2026 coverage targets (reference/regulations.md section 7).
NATIONAL_TARGETS = {
    2025: ("32.15", "RPJMN 2025-2029 (Kemendagri Bina Bangda, Mei 2025)"),
    2026: ("34.99", "RKP 2026"),
    2029: ("43.92", "RPJMN 2025-2029"),
}
#: kabupaten/kota of Banten: (employed, share informal), one hundredth of plausible magnitudes.
BANTEN = {
    "36.01": (5_400, 0.68),
    "36.02": (6_200, 0.70),
    "36.03": (16_000, 0.45),
    "36.04": (7_000, 0.55),
    "36.71": (9_000, 0.35),
    "36.72": (2_000, 0.38),
    "36.73": (3_200, 0.45),
    "36.74": (6_800, 0.33),
}
COVERAGE = {
    "36.01": 0.18,
    "36.02": 0.16,
    "36.03": 0.41,
    "36.04": 0.27,
    "36.71": 0.44,
    "36.72": 0.47,
    "36.73": 0.30,
    "36.74": 0.38,
}


def _workforce(years: list[int]) -> int:
    added = 0
    for year in years:
        for code, (employed, informal_share) in BANTEN.items():
            informal = round(employed * informal_share)
            _, created = Workforce.objects.get_or_create(
                region_code=code,
                year=year,
                defaults={
                    "employed": employed,
                    "formal": employed - informal,
                    "informal": informal,
                    "vulnerable": round(informal * 0.4),
                    "source": DEMO_SOURCE,
                },
            )
            added += created
    return added


def bulk_participants(last: date, months: int = 13, seed: int = 7) -> pl.DataFrame:
    """BPJS participants of Banten month by month (PU, BPU, jakon, PMI), growing over the months."""
    from paritrana.regions.models import Region

    rng = np.random.default_rng(seed)
    first = add_months(last, -(months - 1))
    frames = []
    for code, (employed, _informal) in BANTEN.items():
        desa = np.array(
            list(Region.objects.filter(level=4, code__startswith=code + ".").values_list("code", flat=True))
        )
        n = round(employed * COVERAGE[code])
        start = rng.integers(0, months // 2 + 1, n)  # coverage grows: some join in the first half of the window
        segment = rng.choice(["pu", "bpu", "jakon", "pmi"], n, p=[0.5, 0.42, 0.05, 0.03])
        funder = np.where(
            segment == "bpu", rng.choice(["apbd", "apbdes", "csr", "mandiri"], n, p=[0.5, 0.17, 0.08, 0.25]), "employer"
        )
        people = pl.DataFrame(
            {
                "participant_id": [f"BPJS-{code}-{i:06d}" for i in range(n)],
                "desa_code": desa[rng.integers(0, len(desa), n)],
                "segment": segment,
                "funder": funder,
                "vulnerable": (segment == "bpu") & (rng.random(n) < 0.45),
                "start": start,
            }
        )
        frames.append(people)
    people = pl.concat(frames)
    month_index = pl.DataFrame({"m": list(range(months))})
    facts = people.join(month_index, how="cross").filter(pl.col("m") >= pl.col("start"))
    lapse = np.random.default_rng(seed + 1).random(facts.height) < 0.04
    facts = facts.with_columns(
        pl.col("m").map_elements(lambda m: add_months(first, m), return_dtype=pl.Date).alias("month"),
        pl.Series("active", ~lapse),
    )
    return facts.select(
        "participant_id",
        "month",
        *region_columns(pl.col("desa_code")),
        "segment",
        "funder",
        "active",
        "vulnerable",
        pl.when(pl.col("active") & (pl.col("segment") == "bpu"))
        .then(16_800)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("premium_paid"),
        pl.lit(None, pl.String).alias("occupation"),
        pl.lit("bpjs-demo").alias("origin"),
    )


def load_analytics(*, actor: Any = None) -> dict[str, Any]:
    """Idempotent: workforce and targets are added once; the facts are rebuilt each time (they are derived)."""
    actor = actor or SYSTEM
    year = today().year
    workforce = _workforce([year - 2, year - 1, year])
    targets = 0
    for target_year, (value, source) in NATIONAL_TARGETS.items():
        if not Target.objects.filter(indicator="coverage_workforce", year=target_year, region_code="").exists():
            actions.do_save_target(
                indicator="coverage_workforce", year=target_year, value=value, source=source, actor=actor
            )
            targets += 1
    refreshed = actions.do_refresh_facts(actor=actor)
    bulk = bulk_participants(add_months(first_of_month(today()), -1))
    store = connect()
    try:
        store.replace_origin("bpjs-demo", bulk.to_arrow().cast(FACT_SCHEMA))
    finally:
        store.close()
    return {
        "workforce_added": workforce,
        "targets_added": targets,
        "registry_facts": refreshed["rows"],
        "bulk_facts": bulk.height,
    }
