"""What would lift a participant one rank: the points it needs on each leaf alone (``improvements``,
``all_improvements``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from paritrana.award.scoring._common import _fail_array, _leaf_matrix, _weight_vector
from paritrana.award.scoring.ranking import ranking
from paritrana.core.errors import N_, OutOfRange

IMPROVEMENT_MARGIN = 1e-6  # points of total by which an improvement must clear the participant above


class Improvement(NamedTuple):
    """Raising leaf ``leaf`` by ``points`` (on its 0..100 scale), all else equal, puts the participant's total
    above the participant ranked just above it. ``feasible``: the leaf has that much room left (score + points
    <= 100)."""

    leaf: int
    points: float
    feasible: bool


def improvements(
    leaf_scores: Any,
    weights: Any,
    participant_index: int,
    *,
    tie_breaks: Sequence[Any] = (),
    names: Sequence[str] | None = None,
) -> list[Improvement]:
    """For each leaf, the smallest increase of participant ``participant_index``'s score on that leaf alone that
    makes its total exceed the total of the participant ranked just above it (by ``IMPROVEMENT_MARGIN`` points of
    total, so the gain survives rounding): (gap + margin) / leaf weight. Cheapest first, then by leaf index. Empty
    for the participant ranked first. A leaf with weight 0 needs infinitely many points (infeasible). When you
    show the points, round up, never down. For every participant at once use ``all_improvements``."""
    scores = _leaf_matrix(leaf_scores)
    n = scores.shape[0]
    if isinstance(participant_index, bool) or not isinstance(participant_index, int | np.integer):
        _fail_array(N_("{field} must be a whole number; got {value}."), "participant_index", value=participant_index)
    i = int(participant_index)
    if not 0 <= i < n:
        raise OutOfRange(field="participant_index", minimum=0, maximum=n - 1, value=i)
    return _improvements(scores, weights, [i], tie_breaks, names)[0]


def all_improvements(
    leaf_scores: Any,
    weights: Any,
    *,
    tie_breaks: Sequence[Any] = (),
    names: Sequence[str] | None = None,
) -> list[list[Improvement]]:
    """``improvements`` of every participant (input order), from one ranking: a participants x leaves division."""
    scores = _leaf_matrix(leaf_scores)
    return _improvements(scores, weights, range(scores.shape[0]), tie_breaks, names)


def _improvements(
    scores: np.ndarray,
    weights: Any,
    participants: Sequence[int],
    tie_breaks: Sequence[Any],
    names: Sequence[str] | None,
) -> list[list[Improvement]]:
    w = _weight_vector(weights, scores.shape[1])
    t = np.clip(scores @ w, 0.0, 100.0)
    result = ranking(t, tie_breaks, names)
    above = np.empty_like(result.order)
    above[result.order[1:]] = result.order[:-1]
    above[result.order[0]] = result.order[0]
    rows = np.asarray(participants, dtype=np.int64)
    gap = np.maximum(t[above[rows]] - t[rows], 0.0) + IMPROVEMENT_MARGIN
    with np.errstate(divide="ignore"):
        needed = np.where(w > 0, gap[:, None] / np.where(w > 0, w, 1.0), np.inf)  # rows x leaves
    feasible = scores[rows] + needed <= 100.0
    cheapest = np.lexsort((np.broadcast_to(np.arange(w.size), needed.shape), needed), axis=1)
    out: list[list[Improvement]] = []
    for k, i in enumerate(rows):
        if result.ranks[i] == 1:
            out.append([])
            continue
        need, ok = needed[k].tolist(), feasible[k].tolist()
        out.append([Improvement(j, need[j], ok[j]) for j in cheapest[k].tolist()])
    return out
