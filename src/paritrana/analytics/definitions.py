"""Indicators defined as data, the way DHIS2 defines them: a numerator and a denominator (each a *term*: a source,
a measure, filters and a time window), a factor, a period type, disaggregations and a direction. Pure: no Django.

A new indicator is a new definition (YAML or JSON: ``paritrana indicators define FILE``), not new code. The
standard set ships in ``standard_indicators.yaml``. ``analytics.compute`` compiles terms to Ibis expressions.

Kinds of indicator:
    ratio   numerator / denominator x factor             (coverage_workforce, budget_absorption, ...)
    growth  (numerator - numerator `offset_months` earlier) / the earlier one x factor   (growth_yoy)
    gap     target (of ``target_of``) / factor x denominator - numerator, at least 0     (gap_to_target)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from paritrana.core.errors import N_, InvalidInput
from paritrana.regions.choices import LEVELS as REGION_LEVELS
from paritrana.rules.contributions import FUNDERS as SPONSOR_FUNDERS
from paritrana.rules.contributions import SEGMENTS

__all__ = ["SOURCES", "Indicator", "Source", "Term", "parse_definitions", "standard_indicators"]

LEVELS = ("national", *REGION_LEVELS)
#: Who pays, as the coverage facts record it: the funders of the rules engine and the registry, and the employer
#: of a wage earner (PU), who is never a sponsor.
FUNDERS = (*SPONSOR_FUNDERS, "employer")


@dataclass(frozen=True)
class Source:
    """A table the indicators can count or sum over. ``grain`` is its time grain: rows carry a ``month`` (first
    day), a ``year``, or no time at all. Every source has the region columns ``province``, ``kabupaten``,
    ``kecamatan`` and ``desa`` (dotted codes, null below the level the row is known at)."""

    name: str
    grain: Literal["month", "year", "none"]
    fields: dict[str, str]  # name -> "string" | "boolean" | "integer"
    choices: dict[str, tuple[str, ...]]
    description: str


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "participants",
            "month",
            {
                "participant_id": "string",
                "segment": "string",
                "funder": "string",
                "active": "boolean",
                "vulnerable": "boolean",
                "premium_paid": "integer",
                "occupation": "string",
                "origin": "string",
            },
            {"segment": SEGMENTS, "funder": FUNDERS},
            "one row per worker and month: the coverage facts",
        ),
        Source(
            "payments",
            "month",
            {"amount": "integer", "funder": "string"},
            {"funder": FUNDERS},
            "premium payments of sponsorship programs, by month paid and the sponsor's region",
        ),
        Source(
            "claims",
            "month",
            {"amount": "integer", "kind": "string"},
            {},
            "benefits paid (santunan), by month paid and the worker's desa",
        ),
        Source(
            "programs",
            "year",
            {"pagu": "integer", "committed": "integer", "funder": "string"},
            {"funder": FUNDERS},
            "sponsorship programs by fiscal year and the sponsor's region",
        ),
        Source(
            "workforce",
            "year",
            {
                "employed": "integer",
                "formal": "integer",
                "informal": "integer",
                "population": "integer",
                "vulnerable": "integer",
            },
            {},
            "BPS Sakernas per kabupaten/kota and year",
        ),
        Source(
            "regions",
            "none",
            {"kind": "string"},
            {"kind": ("desa", "kelurahan")},
            "the desa and kelurahan of Kepmendagri 300.2.2-2138/2025",
        ),
    )
}

Scalar = str | int | bool


class Term(BaseModel):
    """What to count or sum, over which rows and months.

    ``measure``: ``count`` rows, ``sum`` a ``field``, or ``count_units``: how many ``unit`` (desa, kecamatan) have
    at least ``min_count`` matching rows. ``over`` (monthly sources): the ``last`` month of the period (a stock,
    such as active participants), every month of the ``period`` (a flow, such as premiums paid), or the year to
    date (``ytd``). Yearly sources take the year of the period's last month. ``offset_months`` looks back.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    measure: Literal["count", "sum", "count_units"] = "count"
    field: str | None = None
    unit: Literal["kecamatan", "desa"] | None = None
    min_count: int = Field(1, ge=1)
    filter: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    over: Literal["last", "period", "ytd"] = "last"
    offset_months: int = Field(0, ge=0, le=120)

    @model_validator(mode="after")
    def _check_fields(self) -> Term:
        source = SOURCES.get(self.source)
        if source is None:
            raise ValueError(f"unknown source '{self.source}'; known: {', '.join(SOURCES)}")
        if self.measure == "sum":
            if not self.field:
                raise ValueError("a sum needs a field")
            if source.fields.get(self.field) != "integer":
                numeric = [f for f, t in source.fields.items() if t == "integer"]
                raise ValueError(f"unknown field '{self.field}' to sum in {self.source}; known: {', '.join(numeric)}")
        if self.measure == "count_units" and not self.unit:
            raise ValueError("count_units needs a unit (desa or kecamatan)")
        for name, wanted in self.filter.items():
            kind = source.fields.get(name)
            if kind is None:
                raise ValueError(
                    f"unknown field '{name}' in the filter on {self.source}; known: {', '.join(source.fields)}"
                )
            for value in wanted if isinstance(wanted, list) else [wanted]:
                if kind == "boolean" and not isinstance(value, bool):
                    raise ValueError(f"the filter on {name} takes true or false, not {value!r}")
                if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ValueError(f"the filter on {name} takes whole numbers, not {value!r}")
                allowed = source.choices.get(name)
                if allowed and value not in allowed:
                    raise ValueError(f"'{value}' is not a {name}; known: {', '.join(allowed)}")
        return self

    @property
    def key(self) -> str:
        """A stable name for the term: equal terms of different indicators are computed once."""
        return "t_" + hashlib.sha1(self.model_dump_json().encode()).hexdigest()[:12]  # noqa: S324 - a name, not security

    def shifted(self, months: int) -> Term:
        return self.model_copy(update={"offset_months": self.offset_months + months})


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    name: dict[str, str]
    description: dict[str, str] = Field(default_factory=dict)
    kind: Literal["ratio", "growth", "gap"] = "ratio"
    numerator: Term
    denominator: Term | None = None
    factor: int = Field(100, ge=1)
    unit: Literal["percent", "count", "ratio"] = "percent"
    decimals: int = Field(2, ge=0, le=6)
    period_types: tuple[str, ...] = ("month", "quarter", "year")
    direction: Literal["higher", "lower"] = "higher"
    disaggregations: tuple[str, ...] = ()
    offset_months: int = Field(12, ge=1, le=120)  # growth: compared with this many months earlier
    target_of: str | None = None  # gap: whose target; others: their own
    standard: bool = False

    @field_validator("name")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("id") or not value.get("en"):
            raise ValueError("name needs both 'id' (Bahasa Indonesia) and 'en' (English)")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Indicator:
        if self.kind in ("ratio", "gap") and self.denominator is None:
            raise ValueError(f"a {self.kind} indicator needs a denominator")
        if self.kind == "gap" and not self.target_of:
            raise ValueError("a gap indicator names the indicator whose target it measures (target_of)")
        fields = SOURCES[self.numerator.source].fields
        for name in self.disaggregations:
            if name not in fields:
                raise ValueError(f"unknown field '{name}' to disaggregate by; known: {', '.join(fields)}")
        bad = [p for p in self.period_types if p not in ("month", "quarter", "year")]
        if bad:
            raise ValueError(f"unknown period type {bad[0]}; known: month, quarter, year")
        return self

    def terms(self) -> list[Term]:
        """The terms the engine computes for this indicator."""
        if self.kind == "growth":
            return [self.numerator, self.numerator.shifted(self.offset_months)]
        if self.denominator is None:  # parse_definitions refuses a ratio without one; a hand-made one is a bug
            raise ValueError(f"indicator {self.id} has no denominator")
        return [self.numerator, self.denominator]

    @property
    def target_indicator(self) -> str:
        return self.target_of or self.id

    def label(self, language: str) -> str:
        return self.name.get(language[:2], self.name["en"])


def _error_text(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    text = first["msg"].removeprefix("Value error, ")
    return where, text


def parse_definitions(data: Any, *, standard: bool = False) -> list[Indicator]:
    """Indicators from parsed YAML/JSON: one mapping or a list of them. An error names the indicator and field."""
    items = data if isinstance(data, list) else [data]
    out: list[Indicator] = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(N_("Indicator {position} is not a mapping of fields."), position=position)
        try:
            indicator = Indicator.model_validate({**item, "standard": standard})
        except ValidationError as error:
            where, text = _error_text(error)
            raise InvalidInput(
                N_("Indicator '{indicator}' (number {position}), field {field}: {problem}"),
                indicator=item.get("id", "?"),
                position=position,
                field=where,
                problem=text,
            ) from None
        if indicator.id in seen:
            raise InvalidInput(N_("Indicator '{indicator}' is defined twice."), indicator=indicator.id)
        seen.add(indicator.id)
        out.append(indicator)
    return out


#: Most values (mappings, lists, strings, numbers) a YAML/JSON document may hold once its aliases are followed:
#: a framework or a set of definitions has a few hundred; "billion laughs" (anchors of anchors) has 10^9.
MAX_YAML_VALUES = 100_000


def load_yaml(text: str) -> Any:
    """Parse YAML or JSON (safe: no Python tags), refusing documents nested deeper than Python can follow, that
    expand to more than ``MAX_YAML_VALUES`` values, or whose text cannot be stored (lone UTF-16 surrogates)."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an integer of more than 4,300 digits, a bad date...
        raise InvalidInput(
            N_("The definition is not valid YAML or JSON: {problem}"), problem=str(error)[:300]
        ) from None
    except RecursionError:
        raise InvalidInput(
            N_("The definition is not valid YAML or JSON: {problem}"), problem="nested too deeply"
        ) from None
    _check_values(data)
    return data


def _check_values(data: Any) -> None:
    """Walk ``data`` without recursion, following aliases (a shared list is counted each time it is used)."""
    stack, count = [data], 0
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_YAML_VALUES:
            raise InvalidInput(
                N_("The definition is too large: more than {limit} values once its aliases are expanded."),
                limit=MAX_YAML_VALUES,
            )
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput(
                    N_("The definition is not valid YAML or JSON: {problem}"), problem="a lone UTF-16 surrogate"
                ) from None


@cache
def standard_indicators() -> tuple[Indicator, ...]:
    text = files("paritrana.analytics").joinpath("standard_indicators.yaml").read_text(encoding="utf-8")
    return tuple(parse_definitions(load_yaml(text), standard=True))
