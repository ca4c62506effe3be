"""The budget planner: how far a pagu goes, and the allocation across desa checked against brute force and greedy."""

from __future__ import annotations

import itertools
import json
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from paritrana.core.errors import Conflict, InvalidInput, NotInForce, OutOfRange
from paritrana.sponsorship.planner import (
    UNKNOWN_DECILE,
    Allocation,
    VillageNeed,
    allocate,
    cost_for_workers,
    default_weight,
    greedy_allocate,
    monthly_cost,
    workers_for_budget,
)

ON = date(2024, 1, 1)
TANGERANG_PAGU = Decimal(23_385_600_000)


# --- monthly cost, workers for a budget, cost for workers -------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "package", "income", "expected"),
    [
        (ON, ("jkk", "jkm"), Decimal(1_000_000), 16_800),  # JKK 1% = 10,000 + JKM 6,800
        (ON, ("jkk", "jkm", "jht"), Decimal(1_000_000), 36_800),  # + JHT 2% = 20,000
        (ON, ("jkk", "jkm"), Decimal(2_000_000), 26_800),
        (ON, "jkk,jkm", Decimal(1_000_000), 16_800),  # one string is split on commas
        (date(2020, 9, 1), ("jkk", "jkm"), Decimal(1_000_000), 168),  # PP 49/2020: 1% payable
    ],
)
def test_monthly_cost_prices_the_package_by_the_rules_in_force(
    on: date, package: Any, income: Decimal, expected: int
) -> None:
    assert monthly_cost(on=on, package=package, income=income) == expected


def test_monthly_cost_defaults_to_the_cheapest_jkk_jkm_package() -> None:
    assert monthly_cost(on=ON) == Decimal(16_800)


@pytest.mark.parametrize(
    ("budget", "months", "workers", "cost", "remainder"),
    [
        (TANGERANG_PAGU, 12, 116_000, 23_385_600_000, 0),  # Kabupaten Tangerang: 23,385,600,000 / (16,800 x 12)
        (TANGERANG_PAGU + 201_599, 12, 116_000, 23_385_600_000, 201_599),  # one rupiah short of another worker
        (TANGERANG_PAGU + 201_600, 12, 116_001, 23_385_801_600, 0),
        (Decimal(16_800), 1, 1, 16_800, 0),
        (Decimal(16_799), 1, 0, 0, 16_799),
        (Decimal(0), 12, 0, 0, 0),
        (Decimal(100_000_000), 6, 992, 99_993_600, 6_400),  # 100,000,000 // 100,800 = 992
    ],
)
def test_workers_for_budget_is_the_floor_of_budget_over_a_workers_period(
    budget: Decimal, months: int, workers: int, cost: int, remainder: int
) -> None:
    answer = workers_for_budget(budget=budget, months=months, on=ON)
    assert (answer.workers, answer.cost, answer.remainder) == (workers, cost, remainder)
    assert answer.cost + answer.remainder == answer.budget
    assert answer.monthly == 16_800


def test_tangerang_pagu_covers_116000_workers_for_a_year() -> None:
    answer = workers_for_budget(
        budget=TANGERANG_PAGU, months=12, on=ON, package=("jkk", "jkm"), income=Decimal(1_000_000)
    )
    assert answer.as_dict() == {
        "budget": 23_385_600_000,
        "months": 12,
        "date": "2024-01-01",
        "package": ["jkk", "jkm"],
        "income": 1_000_000,
        "monthly": 16_800,
        "per_worker": 201_600,
        "workers": 116_000,
        "cost": 23_385_600_000,
        "remainder": 0,
        "funder": "apbd",
        "rule": "",
    }
    assert cost_for_workers(workers=116_000, months=12, on=ON) == TANGERANG_PAGU


@pytest.mark.parametrize(
    ("funder", "monthly", "rule"), [("apbd", 16_800, ""), ("csr", 8_400, "discount.pp50_2025_other")]
)
def test_the_planner_prices_as_billing_does_for_the_funder(funder: str, monthly: int, rule: str) -> None:
    """June 2026: a CSR budget buys twice the months an APBD one does (PP 50/2025 excludes APBD)."""
    answer = workers_for_budget(budget=Decimal(201_600), months=12, on=date(2026, 6, 1), funder=funder)
    assert (answer.monthly, answer.rule, answer.workers) == (monthly, rule, 201_600 // (monthly * 12))


@pytest.mark.parametrize(
    ("workers", "months", "expected"), [(0, 12, 0), (1, 1, 16_800), (1, 12, 201_600), (116_000, 12, 23_385_600_000)]
)
def test_cost_for_workers_is_monthly_times_months_times_workers(workers: int, months: int, expected: int) -> None:
    assert cost_for_workers(workers=workers, months=months, on=ON) == expected


@pytest.mark.parametrize(
    ("call", "kwargs", "error", "field"),
    [
        (workers_for_budget, {"budget": Decimal(-1), "months": 12}, OutOfRange, "budget"),
        (workers_for_budget, {"budget": Decimal("1.5"), "months": 12}, InvalidInput, "budget"),
        (workers_for_budget, {"budget": Decimal(1), "months": 0}, OutOfRange, "months"),
        (workers_for_budget, {"budget": Decimal(1), "months": 13}, OutOfRange, "months"),
        (workers_for_budget, {"budget": Decimal(1), "months": 12, "package": ("jp",)}, InvalidInput, "programs"),
        (workers_for_budget, {"budget": Decimal(1), "months": 12, "income": Decimal(500_000)}, OutOfRange, "income"),
        (cost_for_workers, {"workers": -1, "months": 12}, OutOfRange, "workers"),
        (cost_for_workers, {"workers": 1, "months": 24}, OutOfRange, "months"),
    ],
)
def test_budget_questions_refuse_bad_input_naming_the_field(
    call: Any, kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        call(on=ON, **kwargs)
    assert caught.value.details["field"] == field  # type: ignore[attr-defined]


def test_a_date_before_the_programs_began_is_not_in_force() -> None:
    with pytest.raises(NotInForce):
        monthly_cost(on=date(2015, 6, 30))


# --- allocate: worked examples ------------------------------------------------------------------------------------


def plan(villages: list[VillageNeed], workers: int, *, minimum: int = 0, **kwargs: Any) -> Allocation:
    """Allocate a budget of exactly ``workers`` workers at Rp1 a month for 12 months."""
    return allocate(
        budget=Decimal(12 * workers),
        months=12,
        unit_cost=Decimal(1),
        villages=villages,
        minimum_per_village=minimum,
        **kwargs,
    )


def test_the_poorest_deciles_are_covered_first() -> None:
    villages = [VillageNeed("A", {1: 3, 5: 4, 10: 5}), VillageNeed("B", {2: 2, 5: 4, UNKNOWN_DECILE: 3})]
    result = plan(villages, 7)
    by_decile: dict[int, int] = {}
    for village in result.villages:
        for k, n in village.workers_by_decile.items():
            by_decile[k] = by_decile.get(k, 0) + n
    assert by_decile == {1: 3, 2: 2, 5: 2}  # which desa's decile-5 workers fill the last two places is a tie
    assert result.workers == 7
    assert result.score == 3 * 10 + 2 * 9 + 2 * 6
    assert result.solver_status == "optimal"
    assert result.mip_gap is not None
    assert result.mip_gap <= 1e-6


def test_the_minimum_can_make_one_whole_poorer_village_beat_a_split() -> None:
    """Greedy opens A for its 5 poorest workers and must fill the rest with A's richest; the solver funds B."""
    villages = [VillageNeed("A", {1: 5, 10: 5}), VillageNeed("B", {2: 10})]
    best = plan(villages, 10, minimum=6)
    baseline = greedy_allocate(
        budget=Decimal(120), months=12, unit_cost=Decimal(1), villages=villages, minimum_per_village=6
    )
    assert [v.code for v in best.villages] == ["B"]
    assert best.score == 90
    assert baseline.score == 55
    assert best.unfunded == ("A",)


def test_a_village_below_the_minimum_is_reported_and_left_unfunded() -> None:
    villages = [VillageNeed("small", {1: 3}), VillageNeed("big", {9: 60}), VillageNeed("none", {})]
    result = plan(villages, 100, minimum=50)
    assert result.below_minimum_capacity == ("small",)
    assert result.no_eligible == ("none",)
    assert [v.code for v in result.villages] == ["big"]
    assert result.workers == 60
    assert result.remaining == 12 * 40


def test_with_no_minimum_a_small_village_is_funded_with_all_it_has() -> None:
    villages = [VillageNeed("small", {1: 3}), VillageNeed("big", {9: 60})]
    result = plan(villages, 100)
    assert result.by_code()["small"].workers == 3
    assert result.below_minimum_capacity == ()


def test_a_funded_village_gets_at_least_the_minimum_even_from_richer_deciles() -> None:
    villages = [VillageNeed("A", {1: 2, 10: 10})]
    result = plan(villages, 10, minimum=5)
    assert result.by_code()["A"].workers_by_decile == {1: 2, 10: 8}


def test_weights_override_the_default_for_the_deciles_named() -> None:
    villages = [VillageNeed("A", {1: 5, UNKNOWN_DECILE: 5})]
    assert plan(villages, 5).by_code()["A"].workers_by_decile == {1: 5}
    swapped = plan(villages, 5, weights={UNKNOWN_DECILE: 20})
    assert swapped.by_code()["A"].workers_by_decile == {UNKNOWN_DECILE: 5}
    assert swapped.weights[1] == 10
    assert swapped.score == 100


def test_default_weight_is_eleven_minus_decile_and_one_for_unknown() -> None:
    assert [default_weight(k) for k in range(11)] == [1, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]


def test_nothing_to_allocate_is_trivial() -> None:
    villages = [VillageNeed("A", {1: 5})]
    result = allocate(budget=Decimal(11), months=12, unit_cost=Decimal(1), villages=villages)
    assert (result.solver_status, result.workers, result.remaining, result.unfunded) == ("trivial", 0, 11, ("A",))
    assert allocate(budget=Decimal(100), months=1, unit_cost=Decimal(1), villages=[]).solver_status == "trivial"


def test_allocation_as_dict_is_json_with_whole_rupiah() -> None:
    villages = [VillageNeed("36.03.01.2001", {1: 3, 2: 4}), VillageNeed("36.03.01.2002", {1: 1})]
    result = allocate(
        budget=Decimal(16_800 * 12 * 5 + 7),
        months=12,
        unit_cost=Decimal(16_800),
        villages=villages,
        minimum_per_village=2,
    )
    body = result.as_dict()
    assert json.loads(json.dumps(body)) == body
    assert body["cost"] == 16_800 * 12 * 5
    assert body["remaining"] == 7
    assert body["villages"] == [
        {
            "code": "36.03.01.2001",
            "workers_by_decile": {"1": 3, "2": 2},
            "workers": 5,
            "eligible": 7,
            "cost": 1_008_000,
            "score": 48,
        }
    ]
    assert body["below_minimum_capacity"] == ["36.03.01.2002"]
    assert body["solver"]["status"] == "optimal"


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"budget": Decimal(-1)}, OutOfRange, "budget"),
        ({"months": 0}, OutOfRange, "months"),
        ({"months": 13}, OutOfRange, "months"),
        ({"months": True}, OutOfRange, "months"),
        ({"unit_cost": Decimal(0)}, OutOfRange, "unit_cost"),
        ({"unit_cost": Decimal(-16_800)}, OutOfRange, "unit_cost"),
        ({"minimum_per_village": -1}, OutOfRange, "minimum_per_village"),
        ({"villages": [VillageNeed("A", {1: 1}), VillageNeed("A", {2: 1})]}, InvalidInput, "villages"),
        ({"villages": [VillageNeed("", {1: 1})]}, InvalidInput, "villages"),
        ({"villages": [VillageNeed("A", {1: -1})]}, InvalidInput, "eligible_by_decile"),
        ({"villages": [VillageNeed("A", {11: 1})]}, InvalidInput, "eligible_by_decile"),
        ({"villages": [VillageNeed("A", {1: 1.5})]}, InvalidInput, "eligible_by_decile"),  # type: ignore[dict-item]
        ({"weights": {3: -1}}, OutOfRange, "weights"),
        ({"weights": {12: 1}}, InvalidInput, "weights"),
        ({"time_limit": 0}, InvalidInput, "time_limit"),
    ],
)
def test_allocate_refuses_bad_input_naming_the_field(
    kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    args: dict[str, Any] = {
        "budget": Decimal(1_000_000),
        "months": 12,
        "unit_cost": Decimal(16_800),
        "villages": [VillageNeed("A", {1: 1})],
        **kwargs,
    }
    with pytest.raises(error) as caught:
        allocate(**args)
    assert caught.value.details["field"] == field  # type: ignore[attr-defined]


def test_duplicate_village_codes_are_named() -> None:
    with pytest.raises(InvalidInput, match="A appears more than once"):
        plan([VillageNeed("A", {1: 1}), VillageNeed("A", {1: 1})], 1)


# --- allocate: properties on small random instances ---------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn, *, max_villages: int = 3, max_count: int = 3) -> dict[str, Any]:
    n = draw(st.integers(0, max_villages))
    villages = [
        VillageNeed(
            f"v{i}",
            draw(st.dictionaries(st.integers(0, 10), st.integers(0, max_count), max_size=2)),
        )
        for i in range(n)
    ]
    months = draw(st.integers(1, 12))
    unit = draw(st.integers(1, 20))
    return {
        "budget": Decimal(draw(st.integers(0, unit * months * (max_villages * 2 * max_count + 1)))),
        "months": months,
        "unit_cost": Decimal(unit),
        "villages": villages,
        "minimum_per_village": draw(st.integers(0, 2 * max_count)),
    }


def brute_force(problem: dict[str, Any]) -> int:
    """The best score over every assignment of covered workers (tiny instances only)."""
    minimum = problem["minimum_per_village"]
    capacity = int(problem["budget"] // (problem["unit_cost"] * problem["months"]))
    cells = [(v.code, k, n) for v in problem["villages"] for k, n in v.eligible_by_decile.items() if n]
    best = 0
    for choice in itertools.product(*(range(n + 1) for _, _, n in cells)):
        if sum(choice) > capacity:
            continue
        per_village: dict[str, int] = {}
        for (code, _, _), x in zip(cells, choice, strict=True):
            per_village[code] = per_village.get(code, 0) + x
        if any(0 < total < minimum for total in per_village.values()):
            continue
        best = max(best, sum(default_weight(k) * x for (_, k, _), x in zip(cells, choice, strict=True)))
    return best


def check_feasible(problem: dict[str, Any], result: Allocation) -> None:
    assert result.cost <= result.budget
    assert result.cost + result.remaining == result.budget
    assert result.cost == result.workers * problem["unit_cost"] * problem["months"]
    assert result.workers == sum(v.workers for v in result.villages)
    needs = {v.code: v.eligible_by_decile for v in problem["villages"]}
    minimum = problem["minimum_per_village"]
    for village in result.villages:
        assert village.workers >= max(minimum, 1)
        for k, n in village.workers_by_decile.items():
            assert 0 < n <= needs[village.code][k]
    below = {code for code, need in needs.items() if 0 < sum(need.values()) < minimum}
    assert set(result.below_minimum_capacity) == below
    assert not below & {v.code for v in result.villages}
    listed = [v.code for v in result.villages] + [
        *result.unfunded,
        *result.below_minimum_capacity,
        *result.no_eligible,
    ]
    assert sorted(listed) == sorted(needs)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_allocation_is_feasible_and_matches_brute_force(problem: dict[str, Any]) -> None:
    result = allocate(**problem)
    check_feasible(problem, result)
    assert result.solver_status in ("optimal", "trivial")
    assert result.score == brute_force(problem)


@settings(max_examples=60, deadline=None)
@given(instances(max_villages=6, max_count=40))
def test_the_solver_never_scores_below_the_greedy_baseline(problem: dict[str, Any]) -> None:
    best = allocate(**problem)
    baseline = greedy_allocate(**problem)
    check_feasible(problem, best)
    check_feasible(problem, baseline)
    assert best.score >= baseline.score


@settings(max_examples=40, deadline=None)
@given(instances(max_villages=6, max_count=40))
def test_without_a_minimum_greedy_is_already_optimal(problem: dict[str, Any]) -> None:
    problem = {**problem, "minimum_per_village": 0}
    assert allocate(**problem).score == greedy_allocate(**problem).score


def test_a_seeded_kecamatan_allocates_within_budget_and_beats_or_ties_greedy() -> None:
    rng = np.random.default_rng(7)
    villages = [
        VillageNeed(f"36.03.01.{2001 + i}", {k: int(n) for k, n in enumerate(rng.integers(0, 60, 11))})
        for i in range(15)
    ]
    problem: dict[str, Any] = {
        "budget": Decimal(16_800 * 12 * 2_000),
        "months": 12,
        "unit_cost": Decimal(16_800),
        "villages": villages,
        "minimum_per_village": 150,
    }
    best, baseline = allocate(**problem), greedy_allocate(**problem)
    check_feasible(problem, best)
    assert best.score >= baseline.score
    assert best.workers <= 2_000


# --- allocate: what the solver's status becomes -------------------------------------------------------------------


class FakeResult:
    def __init__(self, status: int, x: Any, message: str) -> None:
        self.status, self.x, self.message, self.mip_gap = status, x, message, 0.25


def test_a_solver_that_returns_no_allocation_is_a_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: FakeResult(4, None, "HiGHS gave up"))
    with pytest.raises(Conflict, match="HiGHS gave up") as caught:
        plan([VillageNeed("A", {1: 5})], 5)
    assert caught.value.details["status"] == 4


def test_a_time_limit_keeps_the_best_allocation_found_and_its_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: FakeResult(1, np.array([4.0]), "Time limit reached"))
    result = plan([VillageNeed("A", {1: 5})], 5)
    assert (result.solver_status, result.mip_gap, result.workers) == ("time_limit", 0.25, 4)


def test_a_solver_answer_that_breaks_a_constraint_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: FakeResult(0, np.array([2.0, 1.0]), "Optimal"))
    with pytest.raises(Conflict):
        plan([VillageNeed("A", {1: 5})], 5, minimum=3)
