"""What the modules of the scoring core share: the checks of the input arrays (a participants x leaves score
matrix, a weight vector, a vector of numbers), the refusal they raise and the number format of its messages."""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from paritrana.core.errors import N_, InvalidInput, OutOfRange

WEIGHT_TOLERANCE = 1e-6  # percent at each level of a framework; fraction for a weight vector
_SCORE_TOLERANCE = 1e-9  # leaf scores may exceed 0..100 by this much (float rounding) and are clipped


def _fmt(x: float | None) -> str:
    return "None" if x is None else f"{x:.10g}"


def _fail_array(message: str, field_name: str, **details: Any) -> NoReturn:
    raise InvalidInput(message, field=field_name, **details)


def _leaf_matrix(leaf_scores: Any) -> np.ndarray:
    try:
        scores = np.asarray(leaf_scores, dtype=float)
    except (TypeError, ValueError):
        _fail_array(N_("{field} must be a participants x leaves matrix of scores 0..100."), "leaf_scores")
    if scores.ndim != 2 or scores.shape[0] == 0 or scores.shape[1] == 0:
        _fail_array(N_("{field} must be a participants x leaves matrix of scores 0..100."), "leaf_scores")
    if not np.isfinite(scores).all():
        _fail_array(N_("{field} must not hold NaN or infinity: score missing values 0 with score_leaf."), "leaf_scores")
    low, high = float(scores.min()), float(scores.max())
    if low < -_SCORE_TOLERANCE or high > 100 + _SCORE_TOLERANCE:
        raise OutOfRange(field="leaf_scores", minimum=0, maximum=100, value=_fmt(low if low < 0 else high))
    return np.clip(scores, 0.0, 100.0)


def _weight_vector(weights: Any, n_leaves: int) -> np.ndarray:
    w = _vector(weights, "weights")
    if w.size != n_leaves:
        _fail_array(N_("{field} has {got} values; expected {expected}."), "weights", got=w.size, expected=n_leaves)
    if (w < 0).any() or abs(float(w.sum()) - 1) > WEIGHT_TOLERANCE:
        _fail_array(
            N_("{field} must be shares of at least 0 that sum to 1; they sum to {total}."),
            "weights",
            total=_fmt(float(w.sum())),
        )
    return w


def _vector(values: Any, name: str) -> np.ndarray:
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        _fail_array(N_("{field} must be a one-dimensional array of finite numbers."), name)
    if v.ndim != 1 or not np.isfinite(v).all():
        _fail_array(N_("{field} must be a one-dimensional array of finite numbers."), name)
    return v
