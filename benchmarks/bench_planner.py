"""Budget planner (issue 5): Kabupaten Tangerang's pagu spread over 246 desa by the MILP, against the greedy baseline.

Target: the allocation of a synthetic Kabupaten Tangerang (246 desa, 50-2,000 eligible workers each over deciles
1-10, minimum 50 per desa, Rp23,385,600,000 for 12 months at Rp16,800) solves in under 5 s. The baseline is
``greedy_allocate`` (poorest deciles first, desa in code order) on the same data in the same run; the table gives
both times and the weighted-score gain of the solver over the greedy. A second scenario with a minimum of 300 per
desa shows where the minimum binds and the greedy strands budget.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import best_of, markdown_table, write_section

from paritrana.sponsorship.planner import (
    Allocation,
    VillageNeed,
    allocate,
    greedy_allocate,
    monthly_cost,
    workers_for_budget,
)

SEED = 2024
N_DESA = 246
N_KECAMATAN = 29
BUDGET = Decimal(23_385_600_000)
MONTHS = 12
ON = date(2024, 1, 1)


def synthetic_tangerang(seed: int = SEED) -> list[VillageNeed]:
    """246 desa with 50-2,000 eligible workers each; each desa's spread over deciles 1-10 is drawn around a
    profile that leans poor (eligible informal workers cluster in the lower deciles)."""
    rng = np.random.default_rng(seed)
    totals = rng.integers(50, 2_001, N_DESA)
    lean = np.linspace(2.0, 0.6, 10)  # decile 1 ... 10
    villages = []
    for i, total in enumerate(totals):
        shares = rng.dirichlet(lean * 3)
        counts = rng.multinomial(int(total), shares)
        code = f"36.03.{i % N_KECAMATAN + 1:02d}.{2001 + i // N_KECAMATAN:04d}"
        villages.append(VillageNeed(code, {k + 1: int(n) for k, n in enumerate(counts) if n}))
    return villages


def row(scenario: str, method: str, result: Allocation, best: float, median: float, greedy: Allocation) -> list[object]:
    diff = result.score - greedy.score
    gain = diff / greedy.score * 100 if greedy.score else 0.0
    gap = "" if result.mip_gap is None else f", gap {result.mip_gap:.1e}"
    return [
        scenario,
        method,
        f"{best:.3f} s",
        f"{median:.3f} s",
        f"{result.workers:,}",
        f"{result.villages_funded} / {len(result.below_minimum_capacity)}",
        f"{result.score:,}",
        "baseline" if result is greedy else f"{diff:+,} ({gain:+.4f}%)",
        f"Rp{int(result.remaining):,}",
        result.solver_status + gap,
        ("yes" if best < 5 else "NO") if result is not greedy else "",
    ]


def main() -> None:
    unit = monthly_cost(on=ON)
    assert unit == 16_800, unit
    capacity = workers_for_budget(budget=BUDGET, months=MONTHS, on=ON).workers
    assert capacity == 116_000, capacity
    villages = synthetic_tangerang()
    eligible = sum(v.eligible for v in villages)
    rows = []
    for scenario, minimum in (("Kab. Tangerang, minimum 50", 50), ("same desa, minimum 300", 300)):
        args: dict[str, Any] = {
            "budget": BUDGET,
            "months": MONTHS,
            "unit_cost": unit,
            "villages": villages,
            "minimum_per_village": minimum,
        }
        solved = allocate(**args)
        greedy = greedy_allocate(**args)
        assert solved.cost <= BUDGET and greedy.cost <= BUDGET
        assert solved.score >= greedy.score, (solved.score, greedy.score)
        milp_best, milp_median = best_of(partial(allocate, **args), repeat=3)
        greedy_best, greedy_median = best_of(partial(greedy_allocate, **args), repeat=3)
        rows.append(row(scenario, "MILP (HiGHS)", solved, milp_best, milp_median, greedy))
        rows.append(row(scenario, "greedy baseline", greedy, greedy_best, greedy_median, greedy))
    body = (
        f"{N_DESA} synthetic desa (seed {SEED}), {eligible:,} eligible workers over deciles 1-10; pagu "
        f"Rp{int(BUDGET):,} for {MONTHS} months at Rp{int(unit):,} (JKK+JKM at Rp1,000,000) = {capacity:,} "
        "workers. Score = sum of (11 - decile) per covered worker.\n\n"
    )
    body += markdown_table(
        [
            "scenario",
            "method",
            "best",
            "median",
            "workers",
            "desa funded / below minimum",
            "weighted score",
            "score vs greedy",
            "budget left",
            "status",
            "under 5 s",
        ],
        rows,
    )
    body += (
        "\n\nBoth methods respect the pagu and the per-desa minimum (checked in the run); the solver's score is "
        "never below the greedy's. Times are best and median of 3 runs of the whole call (validation included). "
        "Every worker costs the same, so poorest-first greedy is already close: the solver's gain is small and "
        "comes from the minimum (the greedy opens a desa for a few poor workers and must top it up from richer "
        "deciles); what the solver adds is a proven optimum (gap 0) and a plan that holds when the minimum binds."
    )
    write_section("planner", "Budget planner (issue 5)", body)


if __name__ == "__main__":
    main()
