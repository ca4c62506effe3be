"""A leaf's score 0..100 for every participant from its raw values (``score_leaf``): an indicator or a number
by its scoring spec (linear, target, percentile), a yes/no, choice or text answer, a jury rubric's mean mark."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from paritrana.award.scoring._common import _fail_array, _fmt
from paritrana.award.scoring.framework import Criterion, Scoring
from paritrana.core.errors import N_, InvalidInput, OutOfRange


def score_leaf(criterion: Criterion, raw_values: Any, targets: Any = None) -> np.ndarray:
    """The score 0..100 of every participant on the leaf ``criterion``, from its raw values (one per participant;
    NaN or None = missing, which scores 0).

    - ``indicator`` and ``question``/``number``: by the ``scoring`` spec. ``linear``: 0 at or below the floor,
      100 at or above the ceiling. ``target``: value / target x 100, capped to 0..100; ``targets`` (one per
      participant, above 0 wherever a value is present) is required. ``percentile``: among the participants with
      a value, 100 x (number below + half the number equal, itself excluded) / (count - 1): the best is 100, the
      worst 0, equal values share a score, a lone value scores 100.
    - ``question``/``yes_no``: 1 (or True) = yes = 100, 0 = no = 0. ``choice``: the labels' scores (labels as
      strings; an unknown label is refused). ``text``: the committee's score 0..100 as given.
    - ``jury``: per-participant scores on the rubric's scale (e.g. the panel mean) mapped to 0..100; for a
      judges x participants matrix use ``jury_scores``.
    """
    key = criterion.key
    if criterion.children or criterion.method is None:
        _fail_array(N_("{key} is not a leaf criterion and has no score of its own."), "criterion", key=key)
    if criterion.method == "question" and criterion.answer == "choice":
        return _score_choice(criterion, raw_values)
    values = _values(raw_values, key)
    present = ~np.isnan(values)
    if criterion.method == "indicator" or criterion.answer == "number":
        if criterion.scoring is None:
            _fail_array(N_("{key}: the criterion has no scoring spec."), "criterion", key=key)
        return _apply_scoring(criterion.scoring, values, present, targets, key)
    if criterion.answer == "yes_no":
        bad = present & (values != 0) & (values != 1)
        if bad.any():
            i = int(np.argmax(bad))
            _fail_array(
                N_("{key}: answer of participant {index} must be yes (1) or no (0); got {value}."),
                key,
                key=key,
                index=i,
                value=_fmt(float(values[i])),
            )
        return np.where(present & (values == 1), 100.0, 0.0)
    if criterion.answer == "text":
        _in_range(values, present, key, 0.0, 100.0)
        return np.where(present, values, 0.0)
    if criterion.method == "jury":
        low, high = float(criterion.scale_min or 0), float(criterion.scale_max or 0)
        _in_range(values, present, key, low, high)
        return np.where(present, np.clip((values - low) / (high - low) * 100, 0.0, 100.0), 0.0)
    raise InvalidInput(N_("{key}: unknown method {value}."), field="criterion", key=key, value=criterion.method)


def _apply_scoring(spec: Scoring, values: np.ndarray, present: np.ndarray, targets: Any, key: str) -> np.ndarray:
    out = np.zeros(values.shape)
    if spec.type == "linear":
        floor, ceiling = float(spec.floor or 0), float(spec.ceiling or 0)
        with np.errstate(invalid="ignore"):  # NaN (missing) compares false; they stay 0
            scaled = np.clip((values - floor) / (ceiling - floor), 0.0, 1.0) * 100
        out[present] = scaled[present]
        return out
    if spec.type == "target":
        if targets is None:
            _fail_array(N_("{key}: target scoring needs the participants' targets."), "targets", key=key)
        goal = _values(targets, "targets")
        if goal.shape != values.shape:
            _fail_array(
                N_("{field} has {got} values; expected {expected}."), "targets", got=goal.size, expected=values.size
            )
        bad = present & ~(goal > 0)
        if bad.any():
            i = int(np.argmax(bad))
            _fail_array(
                N_("{key}: the target of participant {index} must be above 0; got {value}."),
                "targets",
                key=key,
                index=i,
                value=_fmt(float(goal[i])),
            )
        safe = np.where(bad | ~present, 1.0, goal)
        out[present] = np.clip(values[present] / safe[present], 0.0, 1.0) * 100
        return out
    # percentile rank among the participants with a value
    have = values[present]
    if have.size == 1:
        out[present] = 100.0
    elif have.size > 1:
        ordered = np.sort(have)
        below = np.searchsorted(ordered, have, side="left")
        equal = np.searchsorted(ordered, have, side="right") - below - 1
        out[present] = (below + 0.5 * equal) / (have.size - 1) * 100
    return out


def _score_choice(criterion: Criterion, raw_values: Any) -> np.ndarray:
    choices = criterion.choices or {}
    if isinstance(raw_values, str) or np.ndim(raw_values) != 1:
        _fail_array(N_("{field} must be a one-dimensional array of answers."), criterion.key)
    out = np.zeros(len(raw_values))
    for i, label in enumerate(raw_values):
        if label is None or label == "" or (isinstance(label, float) and math.isnan(label)):
            continue  # missing: 0
        if label not in choices:
            _fail_array(
                N_("{key}: answer '{value}' of participant {index} is not one of {expected}."),
                criterion.key,
                key=criterion.key,
                value=label,
                index=i,
                expected=", ".join(choices),
            )
        out[i] = choices[label]
    return out


def _values(raw: Any, name: str) -> np.ndarray:
    try:
        values = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        _fail_array(N_("{field} must hold numbers (NaN or None for missing)."), name)
    if values.ndim != 1:
        _fail_array(N_("{field} must be a one-dimensional array of numbers."), name)
    return values


def _in_range(values: np.ndarray, present: np.ndarray, name: str, low: float, high: float) -> None:
    bad = present & ((values < low) | (values > high))
    if bad.any():
        i = int(np.argmax(bad))
        raise OutOfRange(field=name, minimum=_fmt(low), maximum=_fmt(high), value=_fmt(float(values[i])), index=i)
