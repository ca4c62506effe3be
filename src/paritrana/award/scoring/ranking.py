"""Scores to totals and ranks: the weighted total, each aspect's score, exempt leaves (``fill_exempt``), each
leaf's contribution, and the ranking with its documented tie-breaks and shared places. (The ranking of a
category from the database is ``paritrana.award.ranking``; this module is its pure core.)

**Ranking and ties.** Higher total first; totals (and tie-break values) that agree to 1e-9 points are equal.
Equal totals are ordered by each tie-break array in turn (higher first; by default the score of each aspect,
heaviest aspect first), then, as the deterministic fallback, by name alphabetically (case-insensitive, then
exact), then by input position. A participant still tied with another before the name rule is flagged
``shared``: publish it as a shared place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paritrana.award.scoring._common import WEIGHT_TOLERANCE, _fail_array, _leaf_matrix, _vector, _weight_vector
from paritrana.award.scoring.framework import Criterion, Framework, leaf_weights
from paritrana.core.errors import N_

_QUANTUM = 1e9  # totals are compared as rint(total x 1e9): agreeing to 1e-9 points means equal
TIE_RESOLUTION = 1 / _QUANTUM


def totals(leaf_scores: Any, weights: Any) -> np.ndarray:
    """Each participant's total 0..100: its leaf scores (participants x leaves, 0..100) weighted by ``weights``
    (fractions summing to 1, as from ``leaf_weights``); clipped to 0..100 against float rounding."""
    scores = _leaf_matrix(leaf_scores)
    w = _weight_vector(weights, scores.shape[1])
    return np.clip(scores @ w, 0.0, 100.0)


def fill_exempt(leaf_scores: Any, weights: Any, exempt: Any) -> np.ndarray:
    """Leaf scores with each participant's exempt leaves (``exempt``: a boolean participants x leaves mask) scored at
    the participant's weighted mean over its other leaves. The total is then the weighted sum over the non-exempt
    leaves with their weights renormalised to 1 - exactly as if the exempt leaves' weight were shared among the
    participant's other leaves in proportion - while every participant keeps one weight vector (so sensitivity,
    breakdown and the cross-check work unchanged). A participant exempt on every leaf with weight is refused."""
    scores = _leaf_matrix(leaf_scores)
    w = _weight_vector(weights, scores.shape[1])
    try:
        mask = np.asarray(exempt, dtype=bool)
    except (TypeError, ValueError):
        _fail_array(N_("{field} must be a participants x leaves matrix of true/false."), "exempt")
    if mask.shape != scores.shape:
        _fail_array(N_("{field} must be a participants x leaves matrix of true/false."), "exempt")
    kept = np.where(mask, 0.0, w)  # participants x leaves: the weights that still count
    share = kept.sum(axis=1)
    empty = mask.any(axis=1) & (share <= WEIGHT_TOLERANCE)
    if empty.any():
        _fail_array(
            N_("Participant {index} is exempt on every criterion: nothing is left to score."),
            "exempt",
            index=int(np.argmax(empty)),
        )
    mean = (scores * kept).sum(axis=1) / np.where(share > 0, share, 1.0)
    return np.where(mask, mean[:, None], scores)


def breakdown(leaf_scores: Any, weights: Any) -> np.ndarray:
    """Participants x leaves: each leaf's weighted contribution in points of the total (rows sum to the total)."""
    scores = _leaf_matrix(leaf_scores)
    return scores * _weight_vector(weights, scores.shape[1])


@dataclass(frozen=True, eq=False)
class Ranking:
    """``ranks``: 1..n per participant (input order), no two equal. ``order``: participant indices, best first.
    ``shared``: still tied with another participant on the total and every tie-break, so only the name rule (or
    input position) separated them: publish as a shared place."""

    ranks: np.ndarray
    order: np.ndarray
    shared: np.ndarray


def ranking(totals: Any, tie_breaks: Sequence[Any] = (), names: Sequence[str] | None = None) -> Ranking:
    """Rank by total (higher first); equal totals (to 1e-9) by each tie-break array in order (higher first: pass
    negated values for lower-is-better), then by name (case-insensitive, then exact; the deterministic fallback),
    then by input position. ``names`` None skips the name rule."""
    t = _vector(totals, "totals")
    n = t.size
    keys = [-_quantise(t)]
    for i, tb in enumerate(tie_breaks):
        v = _vector(tb, f"tie_breaks[{i}]")
        if v.size != n:
            _fail_array(
                N_("{field} has {got} values; expected {expected}."), f"tie_breaks[{i}]", got=v.size, expected=n
            )
        keys.append(-_quantise(v))
    if names is None:
        name_key = np.zeros(n, dtype=np.int64)
    else:
        if len(names) != n:
            _fail_array(N_("{field} has {got} values; expected {expected}."), "names", got=len(names), expected=n)
        if not all(isinstance(s, str) for s in names):
            _fail_array(N_("{field} must be texts."), "names")
        alphabet = {s: i for i, s in enumerate(sorted(set(names), key=lambda s: (s.casefold(), s)))}
        name_key = np.array([alphabet[s] for s in names], dtype=np.int64)
    order = np.lexsort((np.arange(n), name_key, *reversed(keys)))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(1, n + 1)
    shared = np.zeros(n, dtype=bool)
    if n > 1:
        stacked = np.stack([k[order] for k in keys])
        same = (stacked[:, 1:] == stacked[:, :-1]).all(axis=0)
        shared[order[1:][same]] = True
        shared[order[:-1][same]] = True
    return Ranking(ranks=ranks, order=order, shared=shared)


def rank(totals: Any, tie_breaks: Sequence[Any] = (), names: Sequence[str] | None = None) -> np.ndarray:
    """The ranks 1..n of ``ranking`` (see there for the tie-break rules)."""
    return ranking(totals, tie_breaks, names).ranks


def _quantise(x: np.ndarray) -> np.ndarray:
    return np.rint(x * _QUANTUM)


def aspect_scores(fw: Framework, leaf_scores: np.ndarray) -> dict[str, np.ndarray]:
    """Each aspect's score 0..100 per participant (its leaves weighted within the aspect), in declaration order.
    ``leaf_scores`` is participants x leaves in the order of ``leaves(fw)``."""
    scores = _leaf_matrix(leaf_scores)
    shares = np.array(list(leaf_weights(fw).values()))
    if scores.shape[1] != shares.size:
        _fail_array(
            N_("{field} has {got} columns; the framework has {expected} leaves."),
            "leaf_scores",
            got=scores.shape[1],
            expected=shares.size,
        )
    out: dict[str, np.ndarray] = {}
    start = 0
    for aspect in fw.criteria:
        count = _count_leaves(aspect)
        within = shares[start : start + count] / (aspect.weight / 100)
        out[aspect.key] = np.clip(scores[:, start : start + count] @ within, 0.0, 100.0)
        start += count
    return out


def _count_leaves(node: Criterion) -> int:
    return sum(_count_leaves(c) for c in node.children) if node.children else 1


def default_tie_breaks(fw: Framework, leaf_scores: np.ndarray) -> list[np.ndarray]:
    """The documented tie-breaks: the aspect scores, heaviest aspect first (equal weights: declaration order)."""
    by_aspect = aspect_scores(fw, leaf_scores)
    ordered = sorted(fw.criteria, key=lambda a: -a.weight)  # sorted() is stable
    return [by_aspect[a.key] for a in ordered]
