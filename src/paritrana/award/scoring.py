"""The pure scoring core of the Paritrana Award: criteria frameworks, leaf scores, jury normalisation, totals,
ranking with documented tie-breaks, sensitivity analysis, MCDA cross-checks and "what would lift me one rank".

Pure: no Django, no ORM, no I/O; numpy-vectorised. Bad input raises ``InvalidInput`` (``paritrana.core.errors``).

    fw = parse_framework(yaml.safe_load(text))            # validated tree; framework_to_dict(fw) round-trips
    w = np.array(list(leaf_weights(fw).values()))         # leaf weights, fractions summing to 1
    X = np.column_stack([score_leaf(c, raw[c.key], targets) for c in leaves(fw)])   # participants x leaves, 0..100
    t = totals(X, w)                                      # 0..100 per participant
    r = ranking(t, default_tie_breaks(fw, X), names)      # ranks 1..n, order, shared flags
    s = sensitivity(X, w, samples=10_000, spread=0.2, names=names)
    cross_check(X, w); improvements(X, w, i, names=names); all_improvements(X, w, names=names)

**The framework.** A tree of criteria. The first level are the *aspects* (Kebijakan, Cakupan, ...); below them
any depth of sub-criteria; each leaf is scored by one ``method``:

- ``indicator``: a coverage indicator (``indicator`` = its id in ``analytics``) and a ``scoring`` spec:
  ``{"type": "linear", "floor": x0, "ceiling": x1}`` (0 at or below the floor, 100 at or above the ceiling,
  linear between), ``{"type": "target"}`` (attainment of the participant's target value x 100, capped at 100),
  ``{"type": "percentile"}`` (percentile rank among the participants that have a value, see ``score_leaf``);
- ``question``: a self-assessment question, ``answer`` one of ``yes_no`` (yes = 100, no = 0), ``number`` (scored
  by a ``scoring`` spec as above), ``choice`` (``choices``: label -> score 0..100), ``text`` (scored 0..100 by the
  committee or jury at verification); ``evidence``: the names of the documents that must be uploaded with it;
- ``jury``: a rubric scored by the judges on ``scale_min`` .. ``scale_max`` (e.g. 1..10), see ``jury_scores``.

Every criterion has a ``key`` (a slug, unique in the whole framework), a ``name`` (``{"id": ..., "en": ...}``;
Indonesian required), a ``weight`` in percent of its parent (above 0, at most 100) and an optional
``description`` (same shape as the name: the question's wording, the rubric's guidance). The weights of the
aspects, and of the children of every criterion, sum to 100 (within 1e-6). ``parse_framework`` is the one gate:
it checks all of this and names the path of what is wrong ("aspect 'kebijakan' > 'perda': weights of its children
sum to 90, not 100"); a ``Framework`` built by hand is trusted as it is.

**Missing data.** This core scores a participant without a value on a leaf (NaN or None) 0 on it. The application
never lets that happen silently: ``award.ranking.missing_values`` lists every value missing for a verified
participant, and the ranking refuses while any is unresolved; the committee enters the value, or decides "zero"
(scored 0, recorded) or "exempt" (``fill_exempt``: the leaf is left out of that participant's total and its weight
shared among the participant's other leaves in proportion), each with a reason.

**Ranking and ties.** Higher total first; totals (and tie-break values) that agree to 1e-9 points are equal.
Equal totals are ordered by each tie-break array in turn (higher first; by default the score of each aspect,
heaviest aspect first), then, as the deterministic fallback, by name alphabetically (case-insensitive, then
exact), then by input position. A participant still tied with another before the name rule is flagged
``shared``: publish it as a shared place.

**Sensitivity.** Monte Carlo: every leaf weight is multiplied by its own factor drawn uniformly from
``[1 - spread, 1 + spread]`` and the weights are renormalised; each sample re-ranks the participants (ties in a
sample are broken by the base ranking). Reported per participant: base rank, best/worst/median rank, the 5th and
95th percentile rank (nearest-rank method), the probability of keeping the base rank. ``unstable``: moving any
single leaf's weight up or down by ``nudge`` (default 5 percentage points of the total, floored at 0) and
renormalising changes the participant's rank; computed exactly, one leaf and direction at a time. In a long
table whose middle ranks lie hundredths of a point apart nearly every middle rank is ``unstable``; it matters most
for the places that carry a title, and ``critical`` names the leaves it depends on.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import numpy as np

from paritrana.core.errors import N_, InvalidInput, OutOfRange

__all__ = [
    "ANSWERS",
    "EXAMPLE_FRAMEWORK",
    "IMPROVEMENT_MARGIN",
    "METHODS",
    "SCORING_TYPES",
    "TIE_RESOLUTION",
    "Criterion",
    "Framework",
    "Improvement",
    "Ranking",
    "Scoring",
    "SensitivityResult",
    "all_improvements",
    "aspect_scores",
    "breakdown",
    "cross_check",
    "default_tie_breaks",
    "fill_exempt",
    "framework_to_dict",
    "improvements",
    "jury_scores",
    "leaf_weights",
    "leaves",
    "normalise_judges",
    "parse_framework",
    "rank",
    "ranking",
    "score_leaf",
    "sensitivity",
    "totals",
]

METHODS = ("indicator", "question", "jury")
SCORING_TYPES = ("linear", "target", "percentile")
ANSWERS = ("yes_no", "number", "choice", "text")
WEIGHT_TOLERANCE = 1e-6  # percent at each level of a framework; fraction for a weight vector
_QUANTUM = 1e9  # totals are compared as rint(total x 1e9): agreeing to 1e-9 points means equal
TIE_RESOLUTION = 1 / _QUANTUM
IMPROVEMENT_MARGIN = 1e-6  # points of total by which an improvement must clear the participant above
EXAMPLE_FRAMEWORK = Path(__file__).with_name("example_framework.yaml")
"""An example framework for regions (``example: true``): no official weights of the award are public."""

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_LANGUAGES = ("id", "en")
_SCORE_TOLERANCE = 1e-9  # leaf scores may exceed 0..100 by this much (float rounding) and are clipped


# --- the framework -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scoring:
    """How a number becomes a score 0..100: ``linear`` (``floor`` < ``ceiling``), ``target`` or ``percentile``."""

    type: str
    floor: float | None = None
    ceiling: float | None = None


@dataclass(frozen=True)
class Criterion:
    """A node of the criteria tree: an aspect or sub-criterion (with ``children``) or a scored leaf (a ``method``).

    Mappings (``name``, ``description``, ``choices``) are plain dicts for easy serialisation: treat them as
    read-only."""

    key: str
    name: Mapping[str, str]
    weight: float  # percent of the parent (the aspects: of the whole)
    children: tuple[Criterion, ...] = ()
    method: str | None = None  # leaves: "indicator" | "question" | "jury"
    indicator: str | None = None  # method "indicator"
    scoring: Scoring | None = None  # method "indicator"; question answered with a "number"
    answer: str | None = None  # method "question": "yes_no" | "number" | "choice" | "text"
    choices: Mapping[str, float] | None = None  # answer "choice": label -> score 0..100, in order
    evidence: tuple[str, ...] = ()  # method "question": documents that must be uploaded
    scale_min: float | None = None  # method "jury"
    scale_max: float | None = None
    description: Mapping[str, str] | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def scale(self) -> tuple[float, float]:
        """A jury rubric's ``(scale_min, scale_max)``; parsing guarantees both (a ValueError on any other node)."""
        if self.scale_min is None or self.scale_max is None:
            raise ValueError(f"criterion {self.key} is not scored by the jury")
        return self.scale_min, self.scale_max


@dataclass(frozen=True)
class Framework:
    """A criteria framework, independent of any edition (an edition points at one). ``example`` marks a framework
    shipped for demonstration, whose weights are nobody's official choice."""

    key: str
    name: Mapping[str, str]
    criteria: tuple[Criterion, ...]  # the aspects
    example: bool = False
    description: Mapping[str, str] | None = None


def parse_framework(data: Mapping[str, Any]) -> Framework:
    """A validated ``Framework`` from parsed YAML or JSON. Raises ``InvalidInput`` naming the path of the problem."""
    path = "framework"
    _require_mapping(data, path)
    _check_fields(data, path, required=("key", "name", "criteria"), optional=("example", "description"))
    key = _slug(data["key"], path)
    path = f"framework '{key}'"
    name = _text(data["name"], path, "name")
    description = _text(data["description"], path, "description") if "description" in data else None
    example = data.get("example", False)
    if not isinstance(example, bool):
        _fail(N_("{path}: example must be true or false; got {value}."), path, value=example)
    items = data["criteria"]
    if not isinstance(items, list) or not items:
        _fail(N_("{path}: criteria must be a non-empty list of aspects."), path)
    seen: set[str] = {key}
    criteria = tuple(_parse_criterion(item, (), i, seen) for i, item in enumerate(items))
    _check_weights(criteria, path, "aspects")
    return Framework(key=key, name=name, criteria=criteria, example=example, description=description)


def framework_to_dict(fw: Framework) -> dict[str, Any]:
    """The plain-dict form of ``fw`` (for YAML/JSON); ``parse_framework`` of it gives ``fw`` back. Numbers that
    are whole are written as integers."""
    out: dict[str, Any] = {"key": fw.key, "name": dict(fw.name)}
    if fw.description is not None:
        out["description"] = dict(fw.description)
    out["example"] = fw.example
    out["criteria"] = [_criterion_to_dict(c) for c in fw.criteria]
    return out


def leaves(fw: Framework) -> tuple[Criterion, ...]:
    """The leaves of ``fw``, depth first in declaration order: the column order of a leaf-score matrix."""
    out: list[Criterion] = []

    def walk(nodes: tuple[Criterion, ...]) -> None:
        for node in nodes:
            if node.children:
                walk(node.children)
            else:
                out.append(node)

    walk(fw.criteria)
    return tuple(out)


def leaf_weights(fw: Framework) -> dict[str, float]:
    """Each leaf's share of the total: the product of the weights (as fractions) along its path. In the order of
    ``leaves``; the shares sum to 1."""
    out: dict[str, float] = {}

    def walk(nodes: tuple[Criterion, ...], share: float) -> None:
        for node in nodes:
            if node.children:
                walk(node.children, share * node.weight / 100)
            else:
                out[node.key] = share * node.weight / 100

    walk(fw.criteria, 1.0)
    return out


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


def _parse_criterion(data: Any, parents: tuple[str, ...], index: int, seen: set[str]) -> Criterion:
    path = _path(parents, f"#{index + 1}")
    _require_mapping(data, path)
    if "key" not in data:
        _fail(N_("{path}: {name} is required."), path, name="key")
    key = _slug(data["key"], path)
    path = _path(parents, f"'{key}'")
    if key in seen:
        _fail(N_("{path}: key '{key}' is used more than once."), path, key=key)
    seen.add(key)
    if "children" in data and "method" in data:
        _fail(N_("{path}: a criterion has either children or a method, not both."), path)
    if "children" not in data and "method" not in data:
        _fail(
            N_("{path}: a leaf needs a method ({expected}); a branch needs children."),
            path,
            expected=", ".join(METHODS),
        )
    required, optional = _fields_of(data, path)
    _check_fields(data, path, required=required, optional=optional)
    name = _text(data["name"], path, "name")
    description = _text(data["description"], path, "description") if "description" in data else None
    weight = _number(data["weight"], path, "weight")
    if not 0 < weight <= 100:
        _fail(N_("{path}: weight must be above 0 and at most 100; got {value}."), path, value=_fmt(weight))
    common: dict[str, Any] = {"key": key, "name": name, "weight": weight, "description": description}
    if "children" in data:
        items = data["children"]
        if not isinstance(items, list) or not items:
            _fail(N_("{path}: children must be a non-empty list."), path)
        children = tuple(_parse_criterion(item, (*parents, key), i, seen) for i, item in enumerate(items))
        _check_weights(children, path, "children")
        return Criterion(children=children, **common)
    return Criterion(**common, **_parse_leaf(data, path))


def _fields_of(data: Mapping[str, Any], path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (required, optional) fields of a criterion of this kind."""
    required: tuple[str, ...] = ("key", "name", "weight")
    optional: tuple[str, ...] = ("description",)
    if "children" in data:
        return (*required, "children"), optional
    method = data["method"]
    if method == "indicator":
        return (*required, "method", "indicator", "scoring"), optional
    if method == "jury":
        return (*required, "method", "scale_min", "scale_max"), optional
    if method != "question":
        _fail(
            N_("{path}: unknown {name} '{value}'; expected one of {expected}."),
            path,
            name="method",
            value=method,
            expected=", ".join(METHODS),
        )
    answer = data.get("answer")
    if answer not in ANSWERS:
        _fail(
            N_("{path}: unknown {name} '{value}'; expected one of {expected}."),
            path,
            name="answer",
            value=answer,
            expected=", ".join(ANSWERS),
        )
    extra = {"number": ("scoring",), "choice": ("choices",)}.get(answer, ())
    return (*required, "method", "answer", *extra), (*optional, "evidence")


def _parse_leaf(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The method-specific fields of a leaf whose field names ``_fields_of`` has checked."""
    method = data["method"]
    if method == "indicator":
        indicator = data["indicator"]
        if not isinstance(indicator, str) or not indicator.strip():
            _fail(N_("{path}: indicator must be the id of a coverage indicator."), path)
        return {"method": method, "indicator": indicator, "scoring": _parse_scoring(data["scoring"], path)}
    if method == "jury":
        low = _number(data["scale_min"], path, "scale_min")
        high = _number(data["scale_max"], path, "scale_max")
        if not low < high:
            _fail(
                N_("{path}: scale_min ({minimum}) must be below scale_max ({maximum})."),
                path,
                minimum=_fmt(low),
                maximum=_fmt(high),
            )
        return {"method": method, "scale_min": low, "scale_max": high}
    answer = data["answer"]
    out: dict[str, Any] = {"method": method, "answer": answer, "evidence": _parse_evidence(data, path)}
    if answer == "number":
        out["scoring"] = _parse_scoring(data["scoring"], path)
    if answer == "choice":
        out["choices"] = _parse_choices(data["choices"], path)
    return out


def _parse_scoring(data: Any, path: str) -> Scoring:
    where = f"{path} > scoring"
    _require_mapping(data, where)
    kind = data.get("type")
    if kind not in SCORING_TYPES:
        _fail(
            N_("{path}: unknown {name} '{value}'; expected one of {expected}."),
            where,
            name="type",
            value=kind,
            expected=", ".join(SCORING_TYPES),
        )
    if kind != "linear":
        _check_fields(data, where, required=("type",), optional=())
        return Scoring(kind)
    _check_fields(data, where, required=("type", "floor", "ceiling"), optional=())
    floor = _number(data["floor"], where, "floor")
    ceiling = _number(data["ceiling"], where, "ceiling")
    if not floor < ceiling:
        _fail(
            N_("{path}: floor ({floor}) must be below ceiling ({ceiling})."),
            where,
            floor=_fmt(floor),
            ceiling=_fmt(ceiling),
        )
    return Scoring(kind, floor, ceiling)


def _parse_choices(data: Any, path: str) -> dict[str, float]:
    where = f"{path} > choices"
    if not isinstance(data, Mapping) or not data:
        _fail(N_("{path}: choices must map each answer to a score from 0 to 100."), where)
    out: dict[str, float] = {}
    for label, raw in data.items():
        if not isinstance(label, str) or not label.strip():
            _fail(N_("{path}: choices must map each answer to a score from 0 to 100."), where)
        score = _number(raw, where, f"'{label}'")
        if not 0 <= score <= 100:
            _fail(
                N_("{path}: score of choice '{label}' is {value}; scores run from 0 to 100."),
                where,
                label=label,
                value=_fmt(score),
            )
        out[label] = score
    return out


def _parse_evidence(data: Mapping[str, Any], path: str) -> tuple[str, ...]:
    items = data.get("evidence", [])
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        _fail(N_("{path}: evidence must be a list of document names."), path)
    if len(set(items)) != len(items):
        _fail(N_("{path}: evidence names a document more than once."), path)
    return tuple(items)


def _criterion_to_dict(c: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {"key": c.key, "name": dict(c.name), "weight": _plain(c.weight)}
    if c.description is not None:
        out["description"] = dict(c.description)
    if c.children:
        out["children"] = [_criterion_to_dict(child) for child in c.children]
        return out
    out["method"] = c.method
    if c.method == "indicator":
        out["indicator"] = c.indicator
    if c.method == "question":
        out["answer"] = c.answer
    if c.scoring is not None:
        spec: dict[str, Any] = {"type": c.scoring.type}
        if c.scoring.type == "linear":
            spec |= {"floor": _plain(c.scoring.floor), "ceiling": _plain(c.scoring.ceiling)}
        out["scoring"] = spec
    if c.choices is not None:
        out["choices"] = {label: _plain(score) for label, score in c.choices.items()}
    if c.evidence:
        out["evidence"] = list(c.evidence)
    if c.method == "jury":
        out["scale_min"] = _plain(c.scale_min)
        out["scale_max"] = _plain(c.scale_max)
    return out


def _check_weights(nodes: tuple[Criterion, ...], path: str, what: str) -> None:
    total = math.fsum(n.weight for n in nodes)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        message = (
            N_("{path}: weights of its aspects sum to {total}, not 100.")
            if what == "aspects"
            else N_("{path}: weights of its children sum to {total}, not 100.")
        )
        _fail(message, path, total=_fmt(total))


def _check_fields(data: Mapping[str, Any], path: str, *, required: Sequence[str], optional: Sequence[str]) -> None:
    missing = [f for f in required if f not in data]
    if missing:
        _fail(N_("{path}: {name} is required."), path, name=", ".join(missing))
    unknown = [str(f) for f in data if f not in required and f not in optional]
    if unknown:
        _fail(
            N_("{path}: unexpected field(s) {fields}; expected {expected}."),
            path,
            fields=", ".join(unknown),
            expected=", ".join((*required, *optional)),
        )


def _require_mapping(data: Any, path: str) -> None:
    if not isinstance(data, Mapping):
        _fail(N_("{path} must be a mapping, not {kind}."), path, kind=type(data).__name__)


def _slug(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        _fail(
            N_("{path}: key {value} is not a slug (lower-case letters and digits, joined by - or _)."),
            path,
            value=repr(value),
        )
    return value


def _text(value: Any, path: str, name: str) -> dict[str, str]:
    if (
        not isinstance(value, Mapping)
        or not set(value) <= set(_LANGUAGES)
        or not all(isinstance(v, str) and v.strip() for v in value.values())
        or "id" not in value
    ):
        _fail(N_("{path}: {name} must map 'id' (Indonesian, required) and 'en' (English) to texts."), path, name=name)
    return dict(value)


def _number(value: Any, path: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(N_("{path}: {name} must be a number; got {value}."), path, name=name, value=repr(value))
    return float(value)


def _path(parents: tuple[str, ...], last: str) -> str:
    """``aspect 'kebijakan' > 'perda'``; ``last`` is a quoted key or a position such as ``#3``."""
    return "aspect " + " > ".join([*(f"'{p}'" for p in parents), last])


def _fmt(x: float | None) -> str:
    return "None" if x is None else f"{x:.10g}"


def _plain(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def _fail(message: str, path: str, **details: Any) -> NoReturn:
    raise InvalidInput(message, field="framework", path=path, **details)


def _fail_array(message: str, field_name: str, **details: Any) -> NoReturn:
    raise InvalidInput(message, field=field_name, **details)


# --- scoring a leaf ----------------------------------------------------------------------------------------------


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
    _fail_array(N_("{key}: unknown method {value}."), "criterion", key=key, value=criterion.method)


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


# --- the jury ----------------------------------------------------------------------------------------------------


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


# --- totals and ranking ------------------------------------------------------------------------------------------


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


# --- sensitivity -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Per participant (input order). ``rank_counts[i, k]``: in how many samples participant ``i`` ranked
    ``k + 1``. ``critical[i, j]``: moving leaf ``j``'s weight by +-``nudge`` changes participant ``i``'s rank;
    ``unstable`` = any such leaf."""

    samples: int
    spread: float
    seed: int
    nudge: float
    base_rank: np.ndarray
    best_rank: np.ndarray
    worst_rank: np.ndarray
    median_rank: np.ndarray
    p5_rank: np.ndarray
    p95_rank: np.ndarray
    keep_probability: np.ndarray
    unstable: np.ndarray
    critical: np.ndarray
    rank_counts: np.ndarray = field(repr=False)

    def rows(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per participant (input order); ``critical_leaves`` are leaf indices."""
        return [
            {
                "base_rank": int(self.base_rank[i]),
                "best_rank": int(self.best_rank[i]),
                "worst_rank": int(self.worst_rank[i]),
                "median_rank": int(self.median_rank[i]),
                "p5_rank": int(self.p5_rank[i]),
                "p95_rank": int(self.p95_rank[i]),
                "keep_probability": float(self.keep_probability[i]),
                "unstable": bool(self.unstable[i]),
                "critical_leaves": [int(j) for j in np.flatnonzero(self.critical[i])],
            }
            for i in range(self.base_rank.size)
        ]


def sensitivity(
    leaf_scores: Any,
    weights: Any,
    samples: int = 10_000,
    spread: float = 0.2,
    seed: int = 0,
    *,
    tie_breaks: Sequence[Any] = (),
    names: Sequence[str] | None = None,
    nudge: float = 0.05,
    chunk: int = 1_000,
) -> SensitivityResult:
    """Monte Carlo weight perturbation and the +-``nudge`` single-weight check (see the module docstring).

    Vectorised: the factors are one samples x leaves matrix; each chunk of samples is one matrix product and one
    stable argsort per sample row (memory: about ``chunk`` x participants x 40 bytes, plus a participants x
    participants histogram of ranks: 22 MB at peak for 514 participants). Sample ranks break ties by the base
    ranking (``tie_breaks``, ``names``), so with ``spread`` 0 every sample reproduces the base ranks."""
    scores = _leaf_matrix(leaf_scores)
    w = _weight_vector(weights, scores.shape[1])
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        _fail_array(N_("{field} must be a whole number of at least 1; got {value}."), "samples", value=samples)
    if not 0 <= spread < 1:
        raise OutOfRange(field="spread", minimum=0, maximum="1 (exclusive)", value=spread)
    if not 0 <= nudge < 1:
        raise OutOfRange(field="nudge", minimum=0, maximum="1 (exclusive)", value=nudge)
    chunk = max(int(chunk), 1)
    n, n_leaves = scores.shape
    base = ranking(np.clip(scores @ w, 0.0, 100.0), tie_breaks, names)
    in_base_order = scores[base.order]

    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(int(samples), n_leaves)) if spread else None
    counts = np.zeros(n * n, dtype=np.int64)
    slots = np.arange(n, dtype=np.int64)
    for start in range(0, int(samples), chunk):
        stop = min(start + chunk, int(samples))
        sample_w = _reweighted(w, None if factors is None else factors[start:stop], stop - start)
        positions = _sample_positions(sample_w, in_base_order)  # [s, k]: base position of the rank-k+1 one
        counts += np.bincount((positions * n + slots).ravel(), minlength=n * n)
    by_position = counts.reshape(n, n)  # [base position, rank - 1]
    rank_counts = np.empty_like(by_position)
    rank_counts[base.order] = by_position

    cumulative = rank_counts.cumsum(axis=1)
    total = int(samples)

    def percentile(q: float) -> np.ndarray:
        needed = max(math.ceil(q * total - 1e-9), 1)
        return np.argmax(cumulative >= needed, axis=1) + 1

    nonzero = rank_counts > 0
    best = np.argmax(nonzero, axis=1) + 1
    worst = n - np.argmax(nonzero[:, ::-1], axis=1)
    keep = rank_counts[np.arange(n), base.ranks - 1] / total

    # the exact +-nudge check: one leaf and one direction at a time (2 x leaves weight vectors)
    bumped = np.repeat(w[None, :], 2 * n_leaves, axis=0)
    idx = np.arange(n_leaves)
    bumped[idx, idx] = w + nudge
    bumped[n_leaves + idx, idx] = np.maximum(w - nudge, 0.0)
    bumped *= w.sum() / bumped.sum(axis=1, keepdims=True)
    positions = _sample_positions(bumped, in_base_order)
    moved_rank = np.empty_like(positions)
    np.put_along_axis(moved_rank, positions, np.broadcast_to(slots, positions.shape), axis=1)
    changed = moved_rank != slots  # [scenario, base position]
    critical_by_position = (changed[:n_leaves] | changed[n_leaves:]).T
    critical = np.empty_like(critical_by_position)
    critical[base.order] = critical_by_position

    return SensitivityResult(
        samples=total,
        spread=float(spread),
        seed=int(seed),
        nudge=float(nudge),
        base_rank=base.ranks,
        best_rank=best,
        worst_rank=worst,
        median_rank=percentile(0.5),
        p5_rank=percentile(0.05),
        p95_rank=percentile(0.95),
        keep_probability=keep,
        unstable=critical.any(axis=1),
        critical=critical,
        rank_counts=rank_counts,
    )


def _reweighted(w: np.ndarray, factors: np.ndarray | None, count: int) -> np.ndarray:
    """Rows of weights: ``w`` times each row of factors, rescaled to the sum of ``w`` (exactly ``w`` without)."""
    if factors is None:
        return np.repeat(w[None, :], count, axis=0)
    rows = w * factors
    rows *= w.sum() / rows.sum(axis=1, keepdims=True)
    return rows


def _sample_positions(sample_w: np.ndarray, in_base_order: np.ndarray) -> np.ndarray:
    """For each weight row: the base positions of the participants, best first. Totals are quantised like
    ``ranking`` does (to ``TIE_RESOLUTION``) into int64 keys; the participants arrive in base order and the
    stable sort keeps equal totals in it."""
    sample_totals = sample_w @ in_base_order.T  # samples x participants
    keys = (-np.rint(sample_totals * _QUANTUM)).astype(np.int64)
    return np.argsort(keys, axis=1, kind="stable")


# --- cross-checks with pymcdm ------------------------------------------------------------------------------------


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


# --- what would lift a participant one rank ----------------------------------------------------------------------


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


# --- array checks ------------------------------------------------------------------------------------------------


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
