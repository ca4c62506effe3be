"""Award ranking (issue 7): 514 kabupaten/kota on 40 leaf criteria, ranked, with a 10,000-sample sensitivity
analysis, the TOPSIS/VIKOR cross-check and the improvements of every participant, against a naive loop.

Target: ranking + sensitivity (10,000 samples) + cross-check in under 2 s. The data are synthetic (seed 2024): 5
aspects of 8 leaves; each region has an underlying quality, and its leaf scores scatter around it (6 yes/no
answers are 0 or 100, 2 jury leaves are means on a 1..10 rubric mapped to 0..100, the rest indicator scores
clipped to 0..100); the leaf weights are uneven (aspect weights 30/25/20/15/10, leaves within an aspect drawn from
a Dirichlet). The baseline is the loop a person would first write: for each sample, perturb the weights, compute
the totals and rank them with an argsort, collect the ranks; then the percentiles with numpy. It runs on 200
samples (the first 200 of the same draw, checked to give the same rank counts) and is scaled to 10,000.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import best_of, markdown_table, write_section

from paritrana.award.scoring import (
    all_improvements,
    cross_check,
    ranking,
    sensitivity,
    totals,
)

SEED = 2024
PARTICIPANTS = 514
ASPECTS = (30, 25, 20, 15, 10)
PER_ASPECT = 8
SAMPLES = 10_000
SPREAD = 0.2
BASELINE_SAMPLES = 200
REPEAT = 5
TARGET = 2.0


def synthetic(seed: int = SEED) -> tuple[np.ndarray, np.ndarray, list[str], list[np.ndarray]]:
    """Leaf scores (514 x 40), leaf weights (sum 1), names, and the aspect-score tie-breaks (heaviest first)."""
    rng = np.random.default_rng(seed)
    n_leaves = len(ASPECTS) * PER_ASPECT
    quality = rng.normal(0, 1, PARTICIPANTS)
    scores = np.clip(55 + 15 * quality[:, None] + rng.normal(0, 15, (PARTICIPANTS, n_leaves)), 0, 100)
    yes = rng.random((PARTICIPANTS, 6)) < 1 / (1 + np.exp(-quality[:, None]))
    scores[:, :6] = np.where(yes, 100.0, 0.0)  # Perda, APBD line, ...: yes/no
    jury = np.clip(np.rint(6 + 1.5 * quality[:, None] + rng.normal(0, 1, (PARTICIPANTS, 2))), 1, 10)
    scores[:, -2:] = (jury - 1) / 9 * 100  # interview rubrics 1..10
    scores = np.round(scores, 2)
    within = [rng.dirichlet(np.full(PER_ASPECT, 3.0)) for _ in ASPECTS]
    weights = np.concatenate([a / 100 * w for a, w in zip(ASPECTS, within, strict=True)])
    weights /= weights.sum()
    tie_breaks = [
        scores[:, k * PER_ASPECT : (k + 1) * PER_ASPECT] @ (within[k] / within[k].sum()) for k in range(len(ASPECTS))
    ]
    names = [f"Kabupaten {i:03d}" for i in range(PARTICIPANTS)]
    return scores, weights, names, tie_breaks


def naive_sensitivity(scores: np.ndarray, weights: np.ndarray, samples: int, seed: int = 0) -> np.ndarray:
    """The baseline: a Python loop over the samples, ranks by argsort per sample; returns samples x participants."""
    factors = np.random.default_rng(seed).uniform(1 - SPREAD, 1 + SPREAD, (samples, weights.size))
    all_ranks = []
    for s in range(samples):
        w = weights * factors[s]
        w = w / w.sum() * weights.sum()
        t = scores @ w
        order = np.argsort(-t, kind="stable")
        ranks = np.empty(t.size, dtype=np.int64)
        ranks[order] = np.arange(1, t.size + 1)
        all_ranks.append(ranks)
    ranks = np.array(all_ranks)
    np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf")  # the statistics the real one reports
    return ranks


def main() -> None:
    load_start = os.getloadavg()[0]
    scores, weights, names, tie_breaks = synthetic()
    n, n_leaves = scores.shape

    start = time.perf_counter()
    import pymcdm  # noqa: F401 - the first import (pandas, matplotlib) is paid once per process

    import_time = time.perf_counter() - start

    def rank_all() -> object:
        return ranking(totals(scores, weights), tie_breaks, names)

    def sens() -> object:
        return sensitivity(scores, weights, samples=SAMPLES, spread=SPREAD, tie_breaks=tie_breaks, names=names)

    def check() -> object:
        return cross_check(scores, weights)

    def lifts() -> object:
        return all_improvements(scores, weights, tie_breaks=tie_breaks, names=names)

    def pipeline() -> object:
        return rank_all(), sens(), check()

    # correctness in the run: the vectorised ranks equal the naive loop's on the first 200 samples (no ties in
    # these data, so the tie rule does not matter)
    base = ranking(totals(scores, weights), tie_breaks, names)
    assert len(set(np.round(totals(scores, weights), 9))) == n
    naive = naive_sensitivity(scores, weights, BASELINE_SAMPLES)
    quick = sensitivity(scores, weights, samples=BASELINE_SAMPLES, spread=SPREAD, tie_breaks=tie_breaks, names=names)
    counts = np.stack([np.bincount(naive[:, i] - 1, minlength=n) for i in range(n)])
    assert (quick.rank_counts == counts).all(), "vectorised and naive sensitivity disagree"

    steps = {"rank": rank_all, "sens": sens, "check": check, "lifts": lifts}
    timings = {name: best_of(fn, repeat=REPEAT) for name, fn in steps.items()}
    whole_best, whole_median = best_of(pipeline, repeat=REPEAT)
    naive_best, naive_median = best_of(lambda: naive_sensitivity(scores, weights, BASELINE_SAMPLES), repeat=REPEAT)
    per_10k = naive_best * SAMPLES / BASELINE_SAMPLES

    tracemalloc.start()
    sensitivity_result = sensitivity(
        scores, weights, samples=SAMPLES, spread=SPREAD, tie_breaks=tie_breaks, names=names
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    checked = cross_check(scores, weights)
    top = base.order[:10]
    keep_top = sensitivity_result.keep_probability[top]
    unstable = int(sensitivity_result.unstable.sum())
    corr = {(c["a"], c["b"]): c for c in checked["correlations"]}
    gap = float(np.median(-np.diff(np.sort(totals(scores, weights))[::-1])))

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"

    rows = [
        ["totals + ranking (aspect tie-breaks, names)", ms(timings["rank"][0]), ms(timings["rank"][1]), ""],
        [f"sensitivity, {SAMPLES:,} samples (vectorised)", ms(timings["sens"][0]), ms(timings["sens"][1]), ""],
        ["cross-check: weighted sum, TOPSIS, VIKOR (pymcdm)", ms(timings["check"][0]), ms(timings["check"][1]), ""],
        [
            "**ranking + sensitivity + cross-check**",
            f"**{ms(whole_best)}**",
            f"**{ms(whole_median)}**",
            f"target < {TARGET:.0f} s: {'met' if whole_best < TARGET else 'NOT met'}",
        ],
        [f"improvements of all {n} participants", ms(timings["lifts"][0]), ms(timings["lifts"][1]), ""],
        [
            f"naive loop, per {SAMPLES:,} samples (from {BASELINE_SAMPLES})",
            ms(per_10k),
            ms(naive_median * SAMPLES / BASELINE_SAMPLES),
            f"{per_10k / timings['sens'][0]:.0f}x slower than the vectorised sensitivity",
        ],
        ["first `import pymcdm` in a process (pandas, matplotlib)", ms(import_time), "", "paid once, lazily"],
        ["peak memory of the sensitivity (tracemalloc)", f"{peak / 1e6:.0f} MB", "", ""],
    ]
    body = (
        f"{n} synthetic regions (seed {SEED}) x {n_leaves} leaf criteria in {len(ASPECTS)} aspects; weights "
        f"perturbed by uniform factors in [{1 - SPREAD:.1f}, {1 + SPREAD:.1f}] and renormalised. Best and median of "
        f"{REPEAT} runs. Load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (above 1, "
        "other work shared the two cores).\n\n"
    )
    body += markdown_table(["step", "best", "median", "note"], rows)
    body += (
        "\n\nChecked in the run: the vectorised sample ranks equal the naive loop's on the first "
        f"{BASELINE_SAMPLES} samples. What the analysis says about these data: the top 10 keep their rank in "
        f"{keep_top.min():.0%}-{keep_top.max():.0%} of the samples; {unstable} of {n} ranks change when one leaf "
        f"weight moves by 5 percentage points (neighbouring totals lie a median {gap:.3f} points apart, so nearly "
        "every middle rank does; the keep probability and the 5th-95th percentile ranks are the figures to read); "
        "Spearman correlation of the weighted-sum ranking with TOPSIS "
        f"{corr[('weighted_sum', 'topsis')]['spearman']:.3f}, with VIKOR "
        f"{corr[('weighted_sum', 'vikor')]['spearman']:.3f}.\n\n"
        "The sensitivity is one samples x leaves weight matrix, one matrix product per chunk of 1,000 samples, "
        "and one stable argsort of int64 keys per sample row (totals quantised to 1e-9 "
        "points; the participants come in base order, so ties keep it); ranks are tallied into a participants x "
        "participants histogram, from which "
        "best, worst and percentile ranks are read exactly. The argsort is most of the time. The +-5-point check "
        "adds 2 x 40 weight vectors. The pymcdm import is excluded from the cross-check row and shown apart."
    )
    write_section("award", "Award ranking and sensitivity (issue 7)", body)


if __name__ == "__main__":
    main()
