"""The jury: a judges x participants matrix of marks to one score 0..100 per participant (``jury_scores``),
optionally after Evalato's z-score normalisation of each judge (``normalise_judges``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from paritrana.award.scoring._common import _fail_array, _fmt
from paritrana.core.errors import N_, OutOfRange


def normalise_judges(scores: Any, scale_min: float, scale_max: float) -> np.ndarray:
    """Evalato's z-score normalisation of a judges x participants matrix (NaN: not scored, e.g. a declared
    conflict of interest). Returns a matrix of the same shape, NaN where the input is NaN.

    Each judge's scores become z = (score - the judge's mean) / the judge's standard deviation (population sd,
    over the participants that judge scored). The participants' mean z (over the judges who scored them) is then
    mapped linearly onto the range of the participants' raw mean scores, so the lowest and highest means stay
    where they were: S_min + (N - N_min) / (N_max - N_min) x (S_max - S_min), S the raw means, N the mean z.
    (Evalato's help page prints N_min as the first term; its text says the raw minimum and maximum are kept,
    which is what S_min does.) That map is applied to every z, so the column means of the result *are* the
    normalised means (a single entry may fall outside the scale; the means do not). A judge whose scores do not
    spread (one score only, or all equal) carries no order: their z is 0 (the panel's average) instead of a
    division by zero. If the mean z of all scored participants is equal, every one gets the average raw mean.
    """
    s = _judge_matrix(scores, scale_min, scale_max)
    scored = ~np.isnan(s)
    count = scored.sum(axis=1)
    denominator = np.maximum(count, 1)[:, None]
    filled = np.where(scored, s, 0.0)
    mean = filled.sum(axis=1, keepdims=True) / denominator
    deviation = np.where(scored, s - mean, 0.0)
    sd = np.sqrt((deviation**2).sum(axis=1, keepdims=True) / denominator)
    spread = sd > 1e-12 * (scale_max - scale_min)
    z = np.where(spread, deviation / np.where(spread, sd, 1.0), 0.0)
    z[~scored] = np.nan
    raw_mean, has = _column_means(s)
    if not has.any():
        return z
    z_mean, _ = _column_means(z)
    s_min, s_max = raw_mean[has].min(), raw_mean[has].max()
    n_min, n_max = z_mean[has].min(), z_mean[has].max()
    if n_max - n_min > 1e-12:
        slope = (s_max - s_min) / (n_max - n_min)
        return (z - n_min) * slope + s_min
    return np.where(scored, float(raw_mean[has].mean()), np.nan)


def jury_scores(scores: Any, scale_min: float, scale_max: float, *, normalise: bool = False) -> np.ndarray:
    """Per participant: the mean over the judges who scored it (NaN-aware, so a conflicted judge's blank is left
    out rather than counted as 0), optionally after ``normalise_judges``, mapped from the scale to 0..100. A
    participant nobody scored gets 0 here; the application lists it as a missing value that the committee must decide
    before any ranking (``award.ranking.missing_values``)."""
    matrix = (
        normalise_judges(scores, scale_min, scale_max) if normalise else _judge_matrix(scores, scale_min, scale_max)
    )
    means, has = _column_means(matrix)
    out = np.clip((means - scale_min) / (scale_max - scale_min) * 100, 0.0, 100.0)
    return np.where(has, out, 0.0)


def _judge_matrix(scores: Any, scale_min: float, scale_max: float) -> np.ndarray:
    if not (math.isfinite(scale_min) and math.isfinite(scale_max) and scale_min < scale_max):
        _fail_array(
            N_("{field}: scale_min ({minimum}) must be below scale_max ({maximum})."),
            "scale",
            minimum=_fmt(scale_min),
            maximum=_fmt(scale_max),
        )
    try:
        s = np.array(scores, dtype=float)
    except (TypeError, ValueError):
        _fail_array(N_("{field} must hold numbers (NaN or None for missing)."), "scores")
    if s.ndim != 2:
        _fail_array(N_("{field} must be a judges x participants matrix."), "scores")
    scored = ~np.isnan(s)
    bad = scored & ((s < scale_min) | (s > scale_max))
    if bad.any():
        judge, participant = (int(i) for i in np.argwhere(bad)[0])
        raise OutOfRange(
            field="scores",
            minimum=_fmt(scale_min),
            maximum=_fmt(scale_max),
            value=_fmt(float(s[judge, participant])),
            judge=judge,
            participant=participant,
        )
    return s


def _column_means(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN-aware column means without numpy's all-NaN warning; and which columns have any value."""
    scored = ~np.isnan(m)
    count = scored.sum(axis=0)
    total = np.where(scored, m, 0.0).sum(axis=0)
    return total / np.maximum(count, 1), count > 0
