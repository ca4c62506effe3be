"""The criteria framework: its tree (``Framework``, ``Criterion``, ``Scoring``), ``parse_framework`` (the one
gate that validates it) and ``framework_to_dict`` (its plain form), the leaves and each leaf's weight.

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
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from paritrana.award.scoring._common import WEIGHT_TOLERANCE, _fmt
from paritrana.core.errors import N_, InvalidInput

METHODS = ("indicator", "question", "jury")
SCORING_TYPES = ("linear", "target", "percentile")
ANSWERS = ("yes_no", "number", "choice", "text")
EXAMPLE_FRAMEWORK = Path(__file__).parent.parent / "example_framework.yaml"
"""An example framework for regions (``example: true``): no official weights of the award are public."""

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_LANGUAGES = ("id", "en")


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
        _unknown(path, "method", method, METHODS)
    answer = data.get("answer")
    if answer not in ANSWERS:
        _unknown(path, "answer", answer, ANSWERS)
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
        _unknown(where, "type", kind, SCORING_TYPES)
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


def _plain(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def _fail(message: str, path: str, **details: Any) -> NoReturn:
    raise InvalidInput(message, field="framework", path=path, **details)


def _unknown(path: str, name: str, value: Any, expected: Sequence[str]) -> NoReturn:
    """The refusal of a value outside its vocabulary, naming the ones allowed."""
    _fail(
        N_("{path}: unknown {name} '{value}'; expected one of {expected}."),
        path,
        name=name,
        value=value,
        expected=", ".join(expected),
    )
