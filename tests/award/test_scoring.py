"""The pure scoring core of the award: frameworks, leaf scores, the jury's z-scores, totals, ranks and ties,
sensitivity, cross-checks and improvements. Numbers in comments are worked by hand."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from paritrana.award.scoring import (
    EXAMPLE_FRAMEWORK,
    IMPROVEMENT_MARGIN,
    Criterion,
    Scoring,
    all_improvements,
    aspect_scores,
    breakdown,
    cross_check,
    default_tie_breaks,
    framework_to_dict,
    improvements,
    jury_scores,
    leaf_weights,
    leaves,
    normalise_judges,
    parse_framework,
    rank,
    ranking,
    score_leaf,
    sensitivity,
    totals,
)
from paritrana.core.errors import InvalidInput, OutOfRange

# A three-level framework:  kebijakan 60 [ perda 50 [ perda-ada 70, perda-anggaran 30 ], cakupan-tk 50 ]
#                           juri 40      [ wawancara 25, layanan 75 ]
# leaf shares: perda-ada .6 x .5 x .7 = .21, perda-anggaran .6 x .5 x .3 = .09, cakupan-tk .6 x .5 = .30,
#              wawancara .4 x .25 = .10, layanan .4 x .75 = .30  (sum 1)
THREE_LEVELS: dict[str, Any] = {
    "key": "uji",
    "name": {"id": "Kerangka uji", "en": "Test framework"},
    "example": False,
    "criteria": [
        {
            "key": "kebijakan",
            "name": {"id": "Kebijakan", "en": "Policy"},
            "weight": 60,
            "children": [
                {
                    "key": "perda",
                    "name": {"id": "Perda"},
                    "weight": 50,
                    "children": [
                        {
                            "key": "perda-ada",
                            "name": {"id": "Perda ada", "en": "A regulation exists"},
                            "weight": 70,
                            "method": "question",
                            "answer": "yes_no",
                            "evidence": ["Perda/Perbup"],
                        },
                        {
                            "key": "perda-anggaran",
                            "name": {"id": "Anggaran dalam perda"},
                            "weight": 30,
                            "method": "question",
                            "answer": "number",
                            "scoring": {"type": "linear", "floor": 0, "ceiling": 50},
                        },
                    ],
                },
                {
                    "key": "cakupan-tk",
                    "name": {"id": "Cakupan"},
                    "weight": 50,
                    "method": "indicator",
                    "indicator": "coverage_workforce",
                    "scoring": {"type": "target"},
                },
            ],
        },
        {
            "key": "juri",
            "name": {"id": "Juri"},
            "weight": 40,
            "description": {"id": "Penilaian juri", "en": "Jury assessment"},
            "children": [
                {
                    "key": "wawancara",
                    "name": {"id": "Wawancara"},
                    "weight": 25,
                    "method": "jury",
                    "scale_min": 1,
                    "scale_max": 10,
                },
                {
                    "key": "layanan",
                    "name": {"id": "Tingkat layanan"},
                    "weight": 75,
                    "method": "question",
                    "answer": "choice",
                    "choices": {"baik": 100, "cukup": 60, "kurang": 20.5},
                },
            ],
        },
    ],
}
SHARES = {"perda-ada": 0.21, "perda-anggaran": 0.09, "cakupan-tk": 0.30, "wawancara": 0.10, "layanan": 0.30}
W = np.array(list(SHARES.values()))

# Five regions on those five leaves (weights .21 .09 .30 .10 .30):
#   Cilegon     100  50  80  60 100 -> 21 + 4.5 + 24 + 6 + 30 = 85.5
#   Serang      100 100  70  90  60 -> 21 + 9 + 21 + 9 + 18   = 78
#   Pandeglang    0 100 100 100 100 -> 0 + 9 + 30 + 10 + 30   = 79   kebijakan (0+9+30)/.6 = 65
#   Lebak       100 100 100  10  60 -> 21 + 9 + 30 + 1 + 18    = 79   kebijakan 60/.6 = 100
#   Tangerang   = Pandeglang                                   = 79   (same scores: tied on everything)
NAMES = ["Kota Cilegon", "Kabupaten Serang", "Kabupaten Pandeglang", "Lebak", "Kabupaten Tangerang"]
SCORES = np.array(
    [
        [100, 50, 80, 60, 100],
        [100, 100, 70, 90, 60],
        [0, 100, 100, 100, 100],
        [100, 100, 100, 10, 60],
        [0, 100, 100, 100, 100],
    ],
    dtype=float,
)


def framework() -> Any:
    return parse_framework(copy.deepcopy(THREE_LEVELS))


def node(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The criterion reached by following ``keys`` from the root of a framework dict."""
    items = data["criteria"]
    found: dict[str, Any] = {}
    for key in keys:
        found = next(c for c in items if c["key"] == key)
        items = found.get("children", [])
    return found


# --- the framework -----------------------------------------------------------------------------------------------


def test_leaf_weights_are_the_products_of_the_weights_along_each_path() -> None:
    fw = framework()
    shares = leaf_weights(fw)
    assert list(shares) == list(SHARES) == [c.key for c in leaves(fw)]
    for key, expected in SHARES.items():
        assert shares[key] == pytest.approx(expected, abs=1e-12)
    assert math.fsum(shares.values()) == pytest.approx(1.0, abs=1e-12)


def test_a_parsed_framework_keeps_every_field() -> None:
    fw = framework()
    perda_ada, anggaran, cakupan, wawancara, layanan = leaves(fw)
    assert (fw.key, fw.example, fw.name["en"]) == ("uji", False, "Test framework")
    assert perda_ada == Criterion(
        key="perda-ada",
        name={"id": "Perda ada", "en": "A regulation exists"},
        weight=70.0,
        method="question",
        answer="yes_no",
        evidence=("Perda/Perbup",),
    )
    assert anggaran.scoring == Scoring("linear", 0.0, 50.0)
    assert (cakupan.indicator, cakupan.scoring) == ("coverage_workforce", Scoring("target"))
    assert (wawancara.scale_min, wawancara.scale_max) == (1.0, 10.0)
    assert layanan.choices == {"baik": 100.0, "cukup": 60.0, "kurang": 20.5}
    assert fw.criteria[1].description == {"id": "Penilaian juri", "en": "Jury assessment"}


def test_framework_to_dict_and_parse_framework_round_trip_exactly() -> None:
    fw = framework()
    as_dict = framework_to_dict(fw)
    assert as_dict == THREE_LEVELS
    assert json.dumps(as_dict, sort_keys=True) == json.dumps(THREE_LEVELS, sort_keys=True)  # 60, not 60.0
    assert parse_framework(as_dict) == fw
    assert parse_framework(json.loads(json.dumps(as_dict))) == fw
    assert parse_framework(yaml.safe_load(yaml.safe_dump(as_dict, allow_unicode=True))) == fw


def _set(path: tuple[str, ...], field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        node(data, *path)[field] = value

    return mutate


def _delete(path: tuple[str, ...], field: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        del node(data, *path)[field]

    return mutate


def _top(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        data[field] = value

    return mutate


PERDA = ("kebijakan", "perda")
ANGGARAN = ("kebijakan", "perda", "perda-anggaran")
WAWANCARA = ("juri", "wawancara")
LAYANAN = ("juri", "layanan")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            _set((*PERDA, "perda-ada"), "weight", 60),
            "aspect 'kebijakan' > 'perda': weights of its children sum to 90, not 100.",
        ),
        (_set(("juri",), "weight", 30), "framework 'uji': weights of its aspects sum to 90, not 100."),
        (_set(("juri",), "weight", 40.5), "framework 'uji': weights of its aspects sum to 100.5, not 100."),
        (_set(LAYANAN, "key", "wawancara"), "aspect 'juri' > 'wawancara': key 'wawancara' is used more than once."),
        (
            _set(WAWANCARA, "method", "vote"),
            "aspect 'juri' > 'wawancara': unknown method 'vote'; expected one of indicator, question, jury.",
        ),
        (
            _set(("kebijakan", "cakupan-tk"), "scoring", {"type": "log"}),
            "aspect 'kebijakan' > 'cakupan-tk' > scoring: unknown type 'log'; expected one of linear, target, "
            "percentile.",
        ),
        (
            _set(ANGGARAN, "scoring", {"type": "linear", "floor": 50, "ceiling": 0}),
            "aspect 'kebijakan' > 'perda' > 'perda-anggaran' > scoring: floor (50) must be below ceiling (0).",
        ),
        (
            _set(ANGGARAN, "scoring", {"type": "linear", "floor": 5, "ceiling": 5}),
            "aspect 'kebijakan' > 'perda' > 'perda-anggaran' > scoring: floor (5) must be below ceiling (5).",
        ),
        (
            _set(ANGGARAN, "scoring", {"type": "linear", "floor": 0}),
            "aspect 'kebijakan' > 'perda' > 'perda-anggaran' > scoring: ceiling is required.",
        ),
        (
            _set(LAYANAN, "choices", {"baik": 120, "cukup": 60}),
            "aspect 'juri' > 'layanan' > choices: score of choice 'baik' is 120; scores run from 0 to 100.",
        ),
        (
            _set(LAYANAN, "choices", {"baik": -1}),
            "aspect 'juri' > 'layanan' > choices: score of choice 'baik' is -1; scores run from 0 to 100.",
        ),
        (
            _set(WAWANCARA, "scale_min", 10),
            "aspect 'juri' > 'wawancara': scale_min (10) must be below scale_max (10).",
        ),
        (
            _set(LAYANAN, "answer", "essay"),
            "aspect 'juri' > 'layanan': unknown answer 'essay'; expected one of yes_no, number, choice, text.",
        ),
        (_delete(LAYANAN, "key"), "aspect 'juri' > #2: key is required."),
        (_delete(LAYANAN, "weight"), "aspect 'juri' > 'layanan': weight is required."),
        (_delete(LAYANAN, "choices"), "aspect 'juri' > 'layanan': choices is required."),
        (
            _set(PERDA, "key", "Perda Ada"),
            "aspect 'kebijakan' > #1: key 'Perda Ada' is not a slug (lower-case letters and digits, joined by - or _).",
        ),
        (
            _set(WAWANCARA, "note", "x"),
            "aspect 'juri' > 'wawancara': unexpected field(s) note; expected key, name, weight, method, scale_min, "
            "scale_max, description.",
        ),
        (
            _set((*PERDA, "perda-ada"), "choices", {"ya": 100}),
            "aspect 'kebijakan' > 'perda' > 'perda-ada': unexpected field(s) choices; expected key, name, weight, "
            "method, answer, description, evidence.",
        ),
        (
            _set(PERDA, "method", "jury"),
            "aspect 'kebijakan' > 'perda': a criterion has either children or a method, not both.",
        ),
        (
            _delete(WAWANCARA, "method"),
            "aspect 'juri' > 'wawancara': a leaf needs a method (indicator, question, jury); a branch needs children.",
        ),
        (_set(PERDA, "children", []), "aspect 'kebijakan' > 'perda': children must be a non-empty list."),
        (
            _set(WAWANCARA, "weight", 0),
            "aspect 'juri' > 'wawancara': weight must be above 0 and at most 100; got 0.",
        ),
        (_set(WAWANCARA, "weight", "25"), "aspect 'juri' > 'wawancara': weight must be a number; got '25'."),
        (
            _set(WAWANCARA, "name", {"en": "Interview"}),
            "aspect 'juri' > 'wawancara': name must map 'id' (Indonesian, required) and 'en' (English) to texts.",
        ),
        (
            _set((*PERDA, "perda-ada"), "evidence", "Perda"),
            "aspect 'kebijakan' > 'perda' > 'perda-ada': evidence must be a list of document names.",
        ),
        (
            _set(("kebijakan", "cakupan-tk"), "indicator", ""),
            "aspect 'kebijakan' > 'cakupan-tk': indicator must be the id of a coverage indicator.",
        ),
        (_top("example", "yes"), "framework 'uji': example must be true or false; got yes."),
        (_top("criteria", []), "framework 'uji': criteria must be a non-empty list of aspects."),
        (_top("key", "Uji!"), "framework: key 'Uji!' is not a slug (lower-case letters and digits, joined by - or _)."),
    ],
)
def test_a_bad_framework_is_refused_with_a_message_naming_the_path(
    mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = copy.deepcopy(THREE_LEVELS)
    mutate(data)
    with pytest.raises(InvalidInput) as caught:
        parse_framework(data)
    assert str(caught.value) == message
    assert caught.value.details["field"] == "framework"
    assert message.startswith(caught.value.details["path"])


def test_weights_within_the_tolerance_sum_to_100() -> None:
    data = copy.deepcopy(THREE_LEVELS)
    node(data, "juri", "wawancara")["weight"] = 25 + 5e-7
    assert parse_framework(data).criteria[1].children[0].weight == 25 + 5e-7


def test_a_framework_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InvalidInput, match="framework must be a mapping, not list"):
        parse_framework([])  # type: ignore[arg-type]


def test_the_example_framework_for_regions_parses_and_is_labelled_an_example() -> None:
    text = EXAMPLE_FRAMEWORK.read_text(encoding="utf-8")
    assert "no official" in text.lower()
    data = yaml.safe_load(text)
    fw = parse_framework(data)
    assert fw.example is True
    assert framework_to_dict(fw) == data
    assert [a.key for a in fw.criteria] == ["kebijakan", "cakupan", "anggaran", "inovasi", "wawancara"]
    by_key = {c.key: c for c in leaves(fw)}
    assert by_key["perda"].answer == "yes_no" and by_key["perda"].evidence == ("Perda/Perbup",)
    assert by_key["apbd-iuran"].evidence == ("DPA APBD",)
    assert by_key["coverage_workforce"].scoring == Scoring("target")
    assert by_key["coverage_bpu_informal"].scoring == Scoring("linear", 0, 60)
    assert by_key["growth_yoy"].scoring == Scoring("linear", -10, 30)
    assert by_key["budget_absorption"].scoring == Scoring("linear", 50, 100)
    assert by_key["inovasi-daerah"].answer == "text" and by_key["inovasi-daerah"].evidence == ("Deskripsi inovasi",)
    assert (by_key["wawancara-kepala-daerah"].method, by_key["wawancara-kepala-daerah"].scale_max) == ("jury", 10)
    assert math.fsum(leaf_weights(fw).values()) == pytest.approx(1.0)


# --- scoring a leaf ----------------------------------------------------------------------------------------------

NAN = math.nan


def _leaf(**fields: Any) -> Criterion:
    return Criterion(key="x", name={"id": "x"}, weight=100, **fields)


@pytest.mark.parametrize(
    ("criterion", "raw", "targets", "expected"),
    [
        # linear 0..50: missing, below, at the floor, halfway, at the ceiling, beyond
        (
            _leaf(method="indicator", indicator="i", scoring=Scoring("linear", 0, 50)),
            [NAN, -5, 0, 25, 50, 80],
            None,
            [0, 0, 0, 50, 100, 100],
        ),
        # linear -10..30 (growth): -10 -> 0, 10 -> 50, 30 -> 100
        (
            _leaf(method="indicator", indicator="g", scoring=Scoring("linear", -10, 30)),
            [-10, 10, 30],
            None,
            [0, 50, 100],
        ),
        # target: 30/60 = 50%, 60/60 = 100%, 90/60 capped at 100; missing value 0
        (
            _leaf(method="indicator", indicator="i", scoring=Scoring("target")),
            [30, 60, 90, NAN],
            [60, 60, 60, NAN],
            [50, 100, 100, 0],
        ),
        # percentile among the 4 with a value: 10 -> 0/3, 20 -> (1 + .5)/3, 40 -> 3/3
        (
            _leaf(method="indicator", indicator="i", scoring=Scoring("percentile")),
            [10, 20, 20, 40, NAN],
            None,
            [0, 50, 50, 100, 0],
        ),
        (_leaf(method="indicator", indicator="i", scoring=Scoring("percentile")), [7, NAN], None, [100, 0]),
        (_leaf(method="question", answer="yes_no"), [1, 0, NAN, True, None], None, [100, 0, 0, 100, 0]),
        (
            _leaf(method="question", answer="number", scoring=Scoring("linear", 0, 50)),
            [10, None],
            None,
            [20, 0],
        ),
        (
            _leaf(method="question", answer="choice", choices={"baik": 100, "cukup": 60, "kurang": 20.5}),
            ["baik", "cukup", None, "kurang", ""],
            None,
            [100, 60, 0, 20.5, 0],
        ),
        (_leaf(method="question", answer="text"), [75, NAN, 0], None, [75, 0, 0]),
        # jury 1..10: 1 -> 0, 5.5 -> 50, 10 -> 100
        (_leaf(method="jury", scale_min=1, scale_max=10), [1, 5.5, 10, NAN], None, [0, 50, 100, 0]),
    ],
)
def test_score_leaf_maps_raw_values_to_0_100_and_missing_to_0(
    criterion: Criterion, raw: list[Any], targets: list[float] | None, expected: list[float]
) -> None:
    assert score_leaf(criterion, raw, targets) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("criterion", "raw", "targets", "error", "fragment"),
    [
        (_leaf(method="question", answer="yes_no"), [1, 2], None, InvalidInput, "must be yes (1) or no (0); got 2"),
        (
            _leaf(method="question", answer="choice", choices={"baik": 100}),
            ["baik", "luar biasa"],
            None,
            InvalidInput,
            "answer 'luar biasa' of participant 1 is not one of baik",
        ),
        (_leaf(method="question", answer="text"), [50, 120], None, OutOfRange, "between 0 and 100; got 120"),
        (_leaf(method="jury", scale_min=1, scale_max=10), [0], None, OutOfRange, "between 1 and 10; got 0"),
        (
            _leaf(method="indicator", indicator="i", scoring=Scoring("target")),
            [5],
            None,
            InvalidInput,
            "needs the participants' targets",
        ),
        (
            _leaf(method="indicator", indicator="i", scoring=Scoring("target")),
            [5, 6],
            [10, 0],
            InvalidInput,
            "the target of participant 1 must be above 0",
        ),
        (
            _leaf(method="indicator", indicator="i", scoring=Scoring("linear", 0, 1)),
            ["a"],
            None,
            InvalidInput,
            "must hold numbers",
        ),
        (_leaf(children=(_leaf(method="jury", scale_min=1, scale_max=2),)), [1], None, InvalidInput, "not a leaf"),
    ],
)
def test_score_leaf_refuses_values_it_cannot_score(
    criterion: Criterion, raw: list[Any], targets: list[float] | None, error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        score_leaf(criterion, raw, targets)


# --- the jury ----------------------------------------------------------------------------------------------------

# Two judges on a 1..10 rubric, three participants; judge 2 declared a conflict with participant 0.
#   judge 1: 8 6 4   mean 6, population sd sqrt(8/3) -> z = sqrt(1.5), 0, -sqrt(1.5)
#   judge 2: - 9 7   mean 8, sd 1                    -> z =    -,    1, -1
# raw means S:        8, 7.5, 5.5          (min 5.5, max 8)
# mean z N:           sqrt(1.5) = 1.2247, 0.5, -(sqrt(1.5) + 1)/2 = -1.1124
# mapped back:        5.5 + 2.5 (N - N_min) / (N_max - N_min) = 8, 7.2247, 5.5
PANEL = [[8, 6, 4], [NAN, 9, 7]]
R = math.sqrt(1.5)
N_MEANS = [R, 0.5, -(R + 1) / 2]
MAPPED = [5.5 + 2.5 * (n - N_MEANS[2]) / (N_MEANS[0] - N_MEANS[2]) for n in N_MEANS]


def test_the_z_score_example_worked_by_hand() -> None:
    assert pytest.approx([8, 7.224745, 5.5], abs=1e-6) == MAPPED
    normalised = normalise_judges(PANEL, 1, 10)
    assert np.isnan(normalised[1, 0])  # the conflicted judge stays blank
    assert np.nanmean(normalised, axis=0) == pytest.approx(MAPPED)
    # the same affine map applies to every z: judge 1's entries are sqrt(1.5), 0, -sqrt(1.5) mapped
    slope = 2.5 / (N_MEANS[0] - N_MEANS[2])
    assert normalised[0] == pytest.approx([5.5 + slope * (z - N_MEANS[2]) for z in (R, 0, -R)])
    assert jury_scores(PANEL, 1, 10, normalise=True) == pytest.approx([(m - 1) / 9 * 100 for m in MAPPED])
    assert jury_scores(PANEL, 1, 10, normalise=True) == pytest.approx([77.7778, 69.1638, 50.0], abs=1e-4)


def test_a_conflicted_judge_is_left_out_of_the_mean_not_counted_as_zero() -> None:
    # participant 0: only judge 1 scored (8), so 8 -> (8 - 1) / 9 = 77.78, not (8 + 0) / 2
    assert jury_scores(PANEL, 1, 10) == pytest.approx([700 / 9, 650 / 9, 450 / 9])


@pytest.mark.filterwarnings("error")
def test_a_judge_with_one_score_or_no_spread_is_not_divided_by_zero() -> None:
    scores = [[7, NAN, NAN], [5, 5, 5], [2, 6, 10]]
    normalised = normalise_judges(scores, 1, 10)
    assert (np.isfinite(normalised) == ~np.isnan(np.array(scores))).all()
    # judges 1 and 2 carry no order (z = 0); judge 3's z are -sqrt(1.5), 0, sqrt(1.5); mean z: -R/3, 0, R/2
    # raw means 14/3, 5.5, 7.5 -> mapped onto [14/3, 7.5]
    mean_z = np.array([-R / 3, 0, R / 2])
    expected = 14 / 3 + (mean_z - mean_z[0]) / (mean_z[2] - mean_z[0]) * (7.5 - 14 / 3)
    assert np.nanmean(normalised, axis=0) == pytest.approx(expected)


@pytest.mark.filterwarnings("error")
def test_nobody_scored_gives_zero_and_equal_normalised_means_give_the_average() -> None:
    assert jury_scores([[NAN, NAN]], 1, 10, normalise=True) == pytest.approx([0, 0])
    assert jury_scores([[4, NAN], [NAN, 10]], 1, 10) == pytest.approx([100 / 3, 100])
    # each judge scored one participant: no order survives z-scoring, both get the average raw mean 7
    assert jury_scores([[4, NAN], [NAN, 10]], 1, 10, normalise=True) == pytest.approx([200 / 3, 200 / 3])


def test_a_score_off_the_scale_is_refused_naming_judge_and_participant() -> None:
    with pytest.raises(OutOfRange) as caught:
        jury_scores([[5, 11]], 1, 10)
    assert {k: caught.value.details[k] for k in ("judge", "participant", "value")} == {
        "judge": 0,
        "participant": 1,
        "value": "11",
    }
    with pytest.raises(InvalidInput, match="must be below"):
        normalise_judges([[5]], 10, 1)


# --- totals, breakdown, ranking ----------------------------------------------------------------------------------


def test_totals_and_breakdown_by_hand() -> None:
    assert totals(SCORES, W) == pytest.approx([85.5, 78, 79, 79, 79])
    parts = breakdown(SCORES, W)
    assert parts[0] == pytest.approx([21, 4.5, 24, 6, 30])
    assert parts.sum(axis=1) == pytest.approx(totals(SCORES, W))


def test_aspect_scores_and_the_default_tie_breaks_heaviest_aspect_first() -> None:
    fw = framework()
    by_aspect = aspect_scores(fw, SCORES)
    assert list(by_aspect) == ["kebijakan", "juri"]
    # Pandeglang: kebijakan (.21 x 0 + .09 x 100 + .30 x 100) / .6 = 65; juri (.1 x 100 + .3 x 100) / .4 = 100
    assert by_aspect["kebijakan"][2] == pytest.approx(65)
    assert by_aspect["juri"][2] == pytest.approx(100)
    assert by_aspect["kebijakan"][3] == pytest.approx(100)  # Lebak
    first, second = default_tie_breaks(fw, SCORES)
    assert first == pytest.approx(by_aspect["kebijakan"]) and second == pytest.approx(by_aspect["juri"])


def test_ties_are_broken_by_the_heaviest_aspect_then_by_name() -> None:
    fw = framework()
    result = ranking(totals(SCORES, W), default_tie_breaks(fw, SCORES), NAMES)
    # Cilegon 85.5 first; Lebak, Pandeglang, Tangerang all 79: Lebak wins on kebijakan (100 > 65); Pandeglang and
    # Tangerang are equal on everything and are ordered by name; Serang 78 last.
    assert result.ranks.tolist() == [1, 5, 3, 2, 4]
    assert result.order.tolist() == [0, 3, 2, 4, 1]
    assert result.shared.tolist() == [False, False, True, False, True]


def test_without_tie_breaks_equal_totals_are_ordered_by_name_and_flagged_shared() -> None:
    result = ranking(totals(SCORES, W), (), NAMES)
    # 79: "Kabupaten Pandeglang" < "Kabupaten Tangerang" < "Lebak"
    assert result.ranks.tolist() == [1, 5, 2, 4, 3]
    assert result.shared.tolist() == [False, False, True, True, True]
    assert rank(totals(SCORES, W), (), NAMES).tolist() == [1, 5, 2, 4, 3]


@pytest.mark.parametrize(
    ("values", "tie_breaks", "names", "expected", "shared"),
    [
        ([10, 20, 30], [], None, [3, 2, 1], [False, False, False]),
        ([50, 50, 50], [], None, [1, 2, 3], [True, True, True]),  # no names: input position
        ([50, 50, 50], [], ["b", "C", "a"], [2, 3, 1], [True, True, True]),  # case-insensitive: a, b, C
        ([50, 50, 40], [[1, 2, 3]], ["a", "b", "c"], [2, 1, 3], [False, False, False]),
        ([50, 50, 40], [[1, 1, 3], [0, 5, 0]], ["b", "a", "c"], [2, 1, 3], [False, False, False]),
        ([0.1 + 0.2, 0.3, 0.29], [], ["z", "a", "m"], [2, 1, 3], [True, True, False]),  # 0.30000000000000004
    ],
)
def test_ranking_rules(
    values: list[float], tie_breaks: list[list[float]], names: list[str] | None, expected: list[int], shared: list[bool]
) -> None:
    result = ranking(values, tie_breaks, names)
    assert result.ranks.tolist() == expected
    assert result.shared.tolist() == shared


@pytest.mark.parametrize(
    ("leaf_scores", "weights", "fragment"),
    [
        ([[50, 50]], [0.5, 0.4], "sum to 1; they sum to 0.9"),
        ([[50, 50]], [0.5, 0.5, 0.0], "has 3 values; expected 2"),
        ([[50, 101]], [0.5, 0.5], "between 0 and 100; got 101"),
        ([[50, NAN]], [0.5, 0.5], "must not hold NaN"),
        ([50, 50], [0.5, 0.5], "participants x leaves matrix"),
    ],
)
def test_totals_refuse_bad_arrays(leaf_scores: Any, weights: Any, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        totals(leaf_scores, weights)


# --- properties --------------------------------------------------------------------------------------------------


@st.composite
def problems(draw: st.DrawFn, min_participants: int = 2) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A leaf-score matrix (integers make ties likely, floats make them rare) and weights summing to 1."""
    n = draw(st.integers(min_participants, 9))
    n_leaves = draw(st.integers(1, 5))
    element = st.one_of(st.integers(0, 100).map(float), st.floats(0, 100))
    scores = draw(arrays(np.float64, (n, n_leaves), elements=element))
    raw = draw(arrays(np.float64, n_leaves, elements=st.integers(1, 10).map(float)))
    return scores, raw / raw.sum(), [f"Region {i:02d}" for i in range(n)]


@settings(deadline=None, max_examples=150)
@given(problems(min_participants=1))
def test_totals_stay_within_0_100_and_equal_the_breakdown(problem: tuple[np.ndarray, np.ndarray, list[str]]) -> None:
    scores, weights, _ = problem
    t = totals(scores, weights)
    assert ((t >= 0) & (t <= 100)).all()
    assert breakdown(scores, weights).sum(axis=1) == pytest.approx(t, abs=1e-9)


@settings(deadline=None, max_examples=150)
@given(problems(), st.data())
def test_raising_a_leaf_score_never_lowers_the_rank(
    problem: tuple[np.ndarray, np.ndarray, list[str]], data: st.DataObject
) -> None:
    scores, weights, names = problem
    i = data.draw(st.integers(0, scores.shape[0] - 1))
    j = data.draw(st.integers(0, scores.shape[1] - 1))
    raised = scores.copy()
    raised[i, j] = data.draw(st.floats(scores[i, j], 100))
    before = rank(totals(scores, weights), [scores[:, 0]], names)
    after = rank(totals(raised, weights), [raised[:, 0]], names)
    assert after[i] <= before[i]


@settings(deadline=None, max_examples=150)
@given(problems(), st.data())
def test_permuting_participants_permutes_their_ranks(
    problem: tuple[np.ndarray, np.ndarray, list[str]], data: st.DataObject
) -> None:
    scores, weights, names = problem
    perm = np.array(data.draw(st.permutations(range(scores.shape[0]))))
    ranks = rank(totals(scores, weights), [scores[:, -1]], names)
    permuted = rank(totals(scores[perm], weights), [scores[perm, -1]], [names[k] for k in perm])
    assert permuted.tolist() == ranks[perm].tolist()


@settings(deadline=None, max_examples=60)
@given(problems(min_participants=1))
def test_without_spread_every_sample_keeps_the_base_rank(problem: tuple[np.ndarray, np.ndarray, list[str]]) -> None:
    scores, weights, names = problem
    result = sensitivity(scores, weights, samples=40, spread=0.0, names=names, chunk=16)
    base = rank(totals(scores, weights), (), names)
    assert result.base_rank.tolist() == base.tolist()
    for stat in (result.best_rank, result.worst_rank, result.median_rank, result.p5_rank, result.p95_rank):
        assert stat.tolist() == base.tolist()
    assert (result.keep_probability == 1).all()
    assert (result.rank_counts.sum(axis=1) == 40).all()


@settings(deadline=None, max_examples=150)
@given(problems(), st.data())
def test_applying_a_suggested_improvement_lifts_the_rank_by_one(
    problem: tuple[np.ndarray, np.ndarray, list[str]], data: st.DataObject
) -> None:
    scores, weights, names = problem
    t = totals(scores, weights)
    result = ranking(t, (), names)
    i = data.draw(st.integers(0, scores.shape[0] - 1))
    position = int(result.ranks[i]) - 1
    found = improvements(scores, weights, i, names=names)
    if position == 0:
        assert found == []
        return
    assert sorted(m.leaf for m in found) == list(range(scores.shape[1]))
    above = int(result.order[position - 1])
    for m in found:
        assert m.points > 0
        assert m.feasible == (scores[i, m.leaf] + m.points <= 100)
        if not m.feasible:
            continue
        improved = scores.copy()
        improved[i, m.leaf] += m.points
        new_t = totals(improved, weights)
        new_rank = rank(new_t, (), names)
        assert new_t[i] > t[above]
        assert new_rank[i] <= position  # was position + 1
        clear_of_the_next = position == 1 or t[result.order[position - 2]] - t[above] > 10 * IMPROVEMENT_MARGIN
        if clear_of_the_next:
            assert new_rank[i] == position


# --- sensitivity -------------------------------------------------------------------------------------------------


def test_sensitivity_equals_a_naive_loop_over_the_same_samples() -> None:
    rng = np.random.default_rng(7)
    scores = rng.uniform(0, 100, (12, 4))
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    samples, spread, seed = 300, 0.3, 11
    result = sensitivity(scores, weights, samples=samples, spread=spread, seed=seed, chunk=64)
    factors = np.random.default_rng(seed).uniform(1 - spread, 1 + spread, (samples, 4))
    ranks = np.empty((samples, 12), dtype=int)
    for s in range(samples):
        w = weights * factors[s]
        ranks[s] = rank(scores @ (w / w.sum()))
    counts = np.stack([np.bincount(ranks[:, i] - 1, minlength=12) for i in range(12)])
    assert result.rank_counts.tolist() == counts.tolist()
    assert result.best_rank.tolist() == ranks.min(axis=0).tolist()
    assert result.worst_rank.tolist() == ranks.max(axis=0).tolist()
    for q, stat in ((50, result.median_rank), (5, result.p5_rank), (95, result.p95_rank)):
        assert stat.tolist() == np.percentile(ranks, q, axis=0, method="inverted_cdf").astype(int).tolist()
    base = rank(scores @ weights)
    assert result.keep_probability == pytest.approx((ranks == base).mean(axis=0))


def test_a_rank_that_flips_under_a_5_point_weight_change_is_unstable() -> None:
    # weights .4/.3/.3: A = 30 + 12 + 12 = 54, B = 20 + 16.5 + 16.5 = 53, C = 0; A - B = .4 x 25 - .3 x 15 - .3 x 15.
    # leaf 0 down 5 points (.35/.3/.3, renormalised): A - B = 8.75 - 9 < 0 -> A and B swap (52.89 < 53.16).
    # leaf 0 up adds to A's lead; leaf 1 or 2 up takes .05 x 15 = .75 < 1 off it; leaf 1 or 2 down adds to it.
    # C stays last whatever the weights.
    scores = np.array([[75, 40, 40], [50, 55, 55], [0, 0, 0]], dtype=float)
    result = sensitivity(scores, [0.4, 0.3, 0.3], samples=2_000, spread=0.2, names=["A", "B", "C"])
    assert result.base_rank.tolist() == [1, 2, 3]
    assert result.critical.tolist() == [[True, False, False], [True, False, False], [False, False, False]]
    assert result.unstable.tolist() == [True, True, False]
    assert result.keep_probability[2] == 1.0
    assert 0 < result.keep_probability[0] < 1
    assert result.keep_probability[0] == result.keep_probability[1]
    assert (result.best_rank.tolist(), result.worst_rank.tolist()) == ([1, 1, 3], [2, 2, 3])
    row = result.rows()[0]
    assert row["unstable"] is True and row["critical_leaves"] == [0] and row["base_rank"] == 1
    json.dumps(result.rows())


def test_a_clear_leader_keeps_its_rank_in_every_sample() -> None:
    scores = np.array([[100, 100, 100], [50, 60, 40], [10, 0, 20]], dtype=float)
    result = sensitivity(scores, [0.2, 0.3, 0.5], samples=500)
    assert result.keep_probability.tolist() == [1.0, 1.0, 1.0]
    assert not result.unstable.any()


def test_the_same_seed_gives_the_same_result() -> None:
    rng = np.random.default_rng(3)
    scores, weights = rng.uniform(0, 100, (30, 6)), np.full(6, 1 / 6)
    a = sensitivity(scores, weights, samples=500, seed=5, chunk=100)
    b = sensitivity(scores, weights, samples=500, seed=5, chunk=7)
    assert a.rank_counts.tolist() == b.rank_counts.tolist()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"spread": 1.0}, OutOfRange), ({"spread": -0.1}, OutOfRange), ({"samples": 0}, InvalidInput)],
)
def test_sensitivity_refuses_bad_parameters(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        sensitivity([[1.0, 2.0], [3.0, 4.0]], [0.5, 0.5], **kwargs)


# --- cross-checks ------------------------------------------------------------------------------------------------


def test_cross_check_agrees_with_pymcdm_and_ranks_a_dominant_participant_first() -> None:
    from pymcdm.helpers import rankdata, rrankdata
    from pymcdm.methods import TOPSIS, VIKOR

    rng = np.random.default_rng(5)
    scores = rng.uniform(0, 90, (20, 5))
    scores[7] = 100  # best on every leaf
    weights = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    result = cross_check(scores, weights)
    ones = np.ones(5)
    topsis = TOPSIS()(scores, weights, ones, validation=False)
    vikor = VIKOR()(scores, weights, ones, validation=False)
    assert result["rankings"]["topsis"].tolist() == rrankdata(topsis).tolist()
    assert result["rankings"]["vikor"].tolist() == rankdata(vikor).tolist()  # lower Q is better
    assert result["rankings"]["weighted_sum"].tolist() == rank(scores @ weights).tolist()
    for method in ("weighted_sum", "topsis", "vikor"):
        assert result["rankings"][method][7] == 1
    pairs = {(c["a"], c["b"]): c for c in result["correlations"]}
    assert set(pairs) == {("weighted_sum", "topsis"), ("weighted_sum", "vikor"), ("topsis", "vikor")}
    for c in pairs.values():
        assert 0.5 < c["spearman"] <= 1 and 0.5 < c["weighted_spearman"] <= 1
    assert result["constant_leaves"] == [] and result["notes"] == []


def test_cross_check_drops_a_leaf_on_which_everybody_scores_the_same() -> None:
    rng = np.random.default_rng(6)
    scores = rng.uniform(0, 100, (10, 3))
    scores[:, 1] = 100  # every region answered yes
    result = cross_check(scores, [0.5, 0.3, 0.2])
    assert result["constant_leaves"] == [1]
    reduced = cross_check(scores[:, [0, 2]], [0.5 / 0.7, 0.2 / 0.7])
    for method in ("topsis", "vikor"):
        assert result["rankings"][method].tolist() == reduced["rankings"][method].tolist()


def test_cross_check_reports_undefined_vikor_and_correlations_instead_of_failing() -> None:
    # A best on leaf 0, B best on leaf 1, equal weights: both have the same S and R, VIKOR's Q is 0/0
    result = cross_check([[100, 0], [0, 100]], [0.5, 0.5])
    assert result["rankings"]["vikor"] is None and result["notes"]
    assert all(c["spearman"] is None for c in result["correlations"])
    everyone_equal = cross_check([[50, 50], [50, 50]], [0.5, 0.5])
    assert everyone_equal["rankings"]["topsis"].tolist() == [1.5, 1.5]
    assert everyone_equal["constant_leaves"] == [0, 1]


# --- improvements ------------------------------------------------------------------------------------------------


def test_improvements_by_hand() -> None:
    # weights .5/.3/.2; A 80 on every leaf (total 80), B 70 on every leaf (70): gap 10 points of total.
    # leaf 0: 10 / .5 = 20 (70 + 20 <= 100: feasible); leaf 1: 10 / .3 = 33.3 (> 30 left); leaf 2: 10 / .2 = 50.
    scores = np.array([[80, 80, 80], [70, 70, 70]], dtype=float)
    found = improvements(scores, [0.5, 0.3, 0.2], 1, names=["A", "B"])
    assert [m.leaf for m in found] == [0, 1, 2]
    assert [m.points for m in found] == pytest.approx([20, 100 / 3, 50], abs=1e-5)
    assert [m.feasible for m in found] == [True, False, False]
    leaf, points, feasible = found[0]  # a plain tuple too
    assert (leaf, feasible) == (0, True)
    assert improvements(scores, [0.5, 0.3, 0.2], 0, names=["A", "B"]) == []


def test_improvements_when_tied_on_total_but_behind_on_the_name() -> None:
    scores = np.array([[50, 50], [50, 50]], dtype=float)
    found = improvements(scores, [0.5, 0.5], 1, names=["Aceh", "Bali"])
    assert [m.points for m in found] == pytest.approx([2 * IMPROVEMENT_MARGIN] * 2)
    with pytest.raises(OutOfRange):
        improvements(scores, [0.5, 0.5], 2)


def test_all_improvements_equal_one_call_per_participant() -> None:
    rng = np.random.default_rng(9)
    scores = rng.integers(0, 101, (15, 4)).astype(float)  # integers: ties on totals happen
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    names = [f"Region {i:02d}" for i in range(15)]
    tie_breaks = [scores[:, 3]]
    together = all_improvements(scores, weights, tie_breaks=tie_breaks, names=names)
    assert together == [improvements(scores, weights, i, tie_breaks=tie_breaks, names=names) for i in range(15)]
    assert sum(1 for found in together if not found) == 1  # only the first has nobody above it


def test_ranking_refuses_mismatched_or_non_text_names() -> None:
    with pytest.raises(InvalidInput, match="names has 1 values; expected 2"):
        ranking([1.0, 2.0], (), ["a"])
    with pytest.raises(InvalidInput, match="names must be texts"):
        ranking([1.0, 2.0], (), ["a", None])  # type: ignore[list-item]
    with pytest.raises(InvalidInput, match=r"tie_breaks\[0\] has 3 values"):
        ranking([1.0, 2.0], [[1, 2, 3]])
