"""The weighted-sum ranking cross-checked against TOPSIS and VIKOR (``cross_check``, with pymcdm, imported on the
first call)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from paritrana.award.scoring._common import _leaf_matrix, _weight_vector
from paritrana.award.scoring.ranking import _quantise


def cross_check(leaf_scores: Any, weights: Any) -> dict[str, Any]:
    """The weighted-sum ranking against pymcdm's TOPSIS (min-max normalisation) and VIKOR (v = 0.5), all leaves
    as benefit criteria, with the Spearman and weighted Spearman correlations between the rankings.

    Rankings here are pymcdm-style: 1 = best and tied participants share the average rank (``rrankdata`` for the
    weighted sum and TOPSIS, higher preference better; ``rankdata`` for VIKOR, whose Q is better when lower).
    Leaves on which every participant scores the same cannot change any ranking and make VIKOR divide by zero:
    they are left out (listed in ``constant_leaves``) and the other weights renormalised. When VIKOR is undefined
    (its S or R do not vary) its entry is None, with a note. A correlation is None when a ranking does not vary.
    pymcdm is imported on the first call: it pulls in pandas and matplotlib (about 5 s, once per process).

    Returns ``{"preferences": {method: array}, "rankings": {method: array | None}, "correlations": [{"a", "b",
    "spearman", "weighted_spearman"}], "constant_leaves": [int], "notes": [str]}``.
    """
    from pymcdm import correlations
    from pymcdm.helpers import rankdata, rrankdata
    from pymcdm.methods import TOPSIS, VIKOR

    scores = _leaf_matrix(leaf_scores)
    w = _weight_vector(weights, scores.shape[1])
    n = scores.shape[0]
    weighted = scores @ w
    varying = (scores.max(axis=0) - scores.min(axis=0) > 0) & (w > 0)
    constant = [int(j) for j in np.flatnonzero(~varying)]
    notes: list[str] = []
    preferences: dict[str, np.ndarray | None] = {"weighted_sum": weighted, "topsis": None, "vikor": None}
    rankings: dict[str, np.ndarray | None] = {
        "weighted_sum": rrankdata(_quantise(weighted)),  # totals equal to 1e-9 tie, as in ``ranking``
        "topsis": None,
        "vikor": None,
    }
    if varying.any() and n > 1:
        matrix = scores[:, varying]
        sub_w = w[varying] / w[varying].sum()
        types = np.ones(matrix.shape[1])
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            topsis = np.asarray(TOPSIS()(matrix, sub_w, types, validation=False), dtype=float)
            vikor = np.asarray(VIKOR()(matrix, sub_w, types, validation=False), dtype=float)
        preferences["topsis"] = topsis
        rankings["topsis"] = rrankdata(topsis)
        if np.isfinite(vikor).all():
            preferences["vikor"] = vikor
            rankings["vikor"] = rankdata(vikor)  # lower Q is better
        else:
            notes.append("VIKOR is undefined here: its S or R values do not vary between participants.")
    else:
        notes.append("No leaf separates the participants: every method ties them all.")
        tied = np.full(n, (n + 1) / 2)
        preferences |= {"topsis": np.ones(n), "vikor": np.zeros(n)}
        rankings |= {"topsis": tied, "vikor": tied.copy()}
    pairs = []
    names = list(rankings)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            x, y = rankings[a], rankings[b]
            defined = x is not None and y is not None and np.std(x) > 0 and np.std(y) > 0
            pairs.append(
                {
                    "a": a,
                    "b": b,
                    "spearman": float(correlations.spearman(x, y)) if defined else None,
                    "weighted_spearman": float(correlations.weighted_spearman(x, y)) if defined else None,
                }
            )
    return {
        "preferences": preferences,
        "rankings": rankings,
        "correlations": pairs,
        "constant_leaves": constant,
        "notes": notes,
    }
