"""The budget planner: how far a pagu goes, and which desa and workers it should cover first.

Pure: no Django, no ORM, no I/O. Money is ``Decimal`` in whole rupiah (``paritrana.core.money``); the monthly
premium comes from the rules engine, so a plan made for a date prices it by the regulations in force that day.

    monthly_cost(on=date(2024, 1, 1))                                  # Rp16.800: JKK 1% of 1,000,000 + JKM 6,800
    workers_for_budget(budget=Decimal(23_385_600_000), months=12, on=date(2024, 1, 1)).workers   # 116,000
    allocate(budget=..., months=12, unit_cost=Decimal(16_800), villages=[VillageNeed(...), ...],
             minimum_per_village=50)                                   # which desa, which deciles

``allocate`` is a mixed-integer programme solved by HiGHS through ``scipy.optimize.milp``. For village ``v`` and
poverty decile ``k`` (1 = poorest ... 10; ``UNKNOWN_DECILE`` = 0 for a worker whose decile is not known), with
``n[v,k]`` eligible uncovered workers and weight ``w[k]`` (default ``11 - k``, unknown 1):

    maximise    sum w[k] x[v,k]
    subject to  sum x[v,k] x unit_cost x months <= budget
                0 <= x[v,k] <= n[v,k] y[v]                 (a village that is not funded covers nobody)
                sum_k x[v,k] >= minimum_per_village y[v]   (a funded village gets at least the minimum)
                x integer, y binary

Because every worker costs the same, the budget row is written as ``sum x <= floor(budget / (unit_cost x
months))``: the same integer feasible set with coefficients of 1 instead of 201,600, which keeps HiGHS's
tolerances meaningful at a budget of Rp23 billion. A village whose eligible workers number fewer than the
minimum can never reach it: with a minimum above 0 it is left unfunded and listed in ``below_minimum_capacity``
so that monev can show it (it needs a desa budget or a lower minimum); with a minimum of 0 it is an ordinary
village. ``greedy_allocate`` is the simple heuristic (poorest deciles first, villages in the order given) kept as
the baseline the benchmark and the tests measure the solver against; it is not a silent fallback.

Why one module of this size: one calculation (how far a budget goes, and how to share it over desa), its inputs
and its explanation belong together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from paritrana.core.errors import N_, ConfigurationError, Conflict, InvalidInput, OutOfRange
from paritrana.core.money import to_rupiah
from paritrana.rules import quote

__all__ = [
    "DECILES",
    "DEFAULT_INCOME",
    "DEFAULT_PACKAGE",
    "MAX_MONTHS",
    "TIME_LIMIT",
    "UNKNOWN_DECILE",
    "Allocation",
    "BudgetAnswer",
    "VillageAllocation",
    "VillageNeed",
    "allocate",
    "cost_for_workers",
    "default_weight",
    "greedy_allocate",
    "monthly_cost",
    "workers_for_budget",
]

UNKNOWN_DECILE = 0
"""The decile key for a worker whose poverty decile is not known (DTKS/P3KE not matched). Weighted 1, like the
richest decile: an unknown decile is never preferred over a known poor one."""
DECILES = tuple(range(11))  # 0 (unknown), 1 (poorest) ... 10
DEFAULT_PACKAGE = ("jkk", "jkm")
DEFAULT_INCOME = Decimal(1_000_000)  # the lowest declarable BPU income: the cheapest package
DEFAULT_FUNDER = "apbd"  # the planner's users plan a Pemda budget
MAX_MONTHS = 12  # a plan is for one budget year (APBD / APBDes)
TIME_LIMIT = 30.0  # seconds HiGHS may search before returning its best allocation so far
MIP_REL_GAP = 1e-6  # stop once proven within 0.0001% of the best possible score


def default_weight(decile: int) -> int:
    """``11 - decile`` for deciles 1..10 (the poorest counts 10), and 1 for ``UNKNOWN_DECILE``."""
    return 11 - decile if 1 <= decile <= 10 else 1


# --- how far a budget goes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetAnswer:
    """How many BPU workers ``budget`` covers for ``months`` at ``monthly`` each, what they cost, what is left."""

    budget: Decimal
    months: int
    on: date
    package: tuple[str, ...]
    income: Decimal
    monthly: Decimal
    workers: int
    cost: Decimal
    remainder: Decimal
    funder: str = DEFAULT_FUNDER
    rule: str = ""  # the discount that priced it, if any

    @property
    def per_worker(self) -> Decimal:
        """One worker for the whole period: ``monthly x months``."""
        return self.monthly * self.months

    def as_dict(self) -> dict[str, Any]:
        return {
            "budget": int(self.budget),
            "months": self.months,
            "date": self.on.isoformat(),
            "package": list(self.package),
            "income": int(self.income),
            "monthly": int(self.monthly),
            "per_worker": int(self.per_worker),
            "workers": self.workers,
            "cost": int(self.cost),
            "remainder": int(self.remainder),
            "funder": self.funder,
            "rule": self.rule,
        }


def monthly_cost(
    *,
    on: date,
    package: Sequence[str] = DEFAULT_PACKAGE,
    income: Decimal = DEFAULT_INCOME,
    funder: str = DEFAULT_FUNDER,
) -> Decimal:
    """One BPU worker's monthly premium for ``package``, paid by a sponsor of ``funder``, by the rules in force on
    ``on`` (the same price billing uses: discounts depend on the funder)."""
    return _priced(on, package, income, funder).per_worker_total


def _priced(on: date, package: Sequence[str], income: Decimal, funder: str) -> Any:
    return quote(segment="bpu", on=on, programs=_package(package), income=income, payer="sponsor", funder=funder)


def workers_for_budget(
    *,
    budget: Decimal,
    months: int,
    on: date,
    package: Sequence[str] = DEFAULT_PACKAGE,
    income: Decimal = DEFAULT_INCOME,
    funder: str = DEFAULT_FUNDER,
) -> BudgetAnswer:
    """How many workers ``budget`` covers for ``months``: ``floor(budget / (monthly x months))``."""
    amount = _money(budget, "budget", minimum=0)
    months = _months(months)
    priced = _priced(on, package, income, funder)
    monthly = priced.per_worker_total
    if monthly <= 0:  # pragma: no cover - every BPU package has a positive price in the rule file
        raise ConfigurationError(problem=f"BPU premium for {', '.join(priced.programs)} on {on} is {monthly}")
    workers = int(amount // (monthly * months))
    cost = monthly * months * workers
    return BudgetAnswer(
        budget=amount,
        months=months,
        on=on,
        package=priced.programs,
        income=to_rupiah(income, field="income"),
        monthly=monthly,
        workers=workers,
        cost=cost,
        remainder=amount - cost,
        funder=funder,
        rule=priced.rule,
    )


def cost_for_workers(
    *,
    workers: int,
    months: int,
    on: date,
    package: Sequence[str] = DEFAULT_PACKAGE,
    income: Decimal = DEFAULT_INCOME,
    funder: str = DEFAULT_FUNDER,
) -> Decimal:
    """What covering ``workers`` for ``months`` costs: ``monthly x months x workers``."""
    count = _count(workers, "workers")
    months = _months(months)
    return monthly_cost(on=on, package=package, income=income, funder=funder) * months * count


# --- which desa and which workers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageNeed:
    """A desa's eligible, not yet covered workers per poverty decile (``UNKNOWN_DECILE`` = 0 for unknown)."""

    code: str
    eligible_by_decile: Mapping[int, int]

    @property
    def eligible(self) -> int:
        return sum(self.eligible_by_decile.values())


@dataclass(frozen=True)
class VillageAllocation:
    """What one funded desa gets: workers per decile (deciles with none left out), their total, cost and score."""

    code: str
    workers_by_decile: dict[int, int]
    workers: int
    eligible: int
    cost: Decimal
    score: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "workers_by_decile": {str(k): n for k, n in sorted(self.workers_by_decile.items())},
            "workers": self.workers,
            "eligible": self.eligible,
            "cost": int(self.cost),
            "score": self.score,
        }


@dataclass(frozen=True)
class Allocation:
    """A plan for a pagu. ``villages`` lists the funded desa in the order given; every other desa is in exactly one
    of ``unfunded`` (could reach the minimum, the budget went to poorer workers elsewhere),
    ``below_minimum_capacity`` (fewer eligible workers than the minimum) or ``no_eligible``.

    ``solver_status`` is ``optimal``, ``time_limit`` (the best allocation found in the time allowed; ``mip_gap`` says
    how far from proven optimal it may be), ``greedy`` (the baseline heuristic) or ``trivial`` (nothing to decide:
    no eligible worker or a budget below one worker)."""

    budget: Decimal
    months: int
    unit_cost: Decimal
    minimum_per_village: int
    weights: dict[int, int]
    villages: tuple[VillageAllocation, ...]
    workers: int
    eligible: int
    cost: Decimal
    remaining: Decimal
    score: int
    unfunded: tuple[str, ...]
    below_minimum_capacity: tuple[str, ...]
    no_eligible: tuple[str, ...]
    solver_status: str
    solver_message: str
    mip_gap: float | None

    @property
    def per_worker(self) -> Decimal:
        return self.unit_cost * self.months

    @property
    def villages_funded(self) -> int:
        return len(self.villages)

    def by_code(self) -> dict[str, VillageAllocation]:
        return {v.code: v for v in self.villages}

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: money as int rupiah, decile keys as strings ("0" = unknown)."""
        return {
            "budget": int(self.budget),
            "months": self.months,
            "unit_cost": int(self.unit_cost),
            "per_worker": int(self.per_worker),
            "minimum_per_village": self.minimum_per_village,
            "weights": {str(k): w for k, w in sorted(self.weights.items())},
            "workers": self.workers,
            "eligible": self.eligible,
            "cost": int(self.cost),
            "remaining": int(self.remaining),
            "score": self.score,
            "villages_funded": self.villages_funded,
            "villages": [v.as_dict() for v in self.villages],
            "unfunded": list(self.unfunded),
            "below_minimum_capacity": list(self.below_minimum_capacity),
            "no_eligible": list(self.no_eligible),
            "solver": {"status": self.solver_status, "message": self.solver_message, "mip_gap": self.mip_gap},
        }


def allocate(
    *,
    budget: Decimal,
    months: int,
    unit_cost: Decimal,
    villages: Sequence[VillageNeed],
    minimum_per_village: int = 0,
    weights: Mapping[int, int] | None = None,
    time_limit: float = TIME_LIMIT,
) -> Allocation:
    """Spread ``budget`` over ``villages`` to cover the most vulnerable workers (see the module docstring).

    ``weights`` overrides the weight of the deciles it names (non-negative integers); the others keep
    ``default_weight``. A weight of 0 means the decile adds nothing to the score, so its workers are covered only
    where that helps a village reach its minimum. Raises ``InvalidInput`` for bad input and ``Conflict`` when the
    solver returns no allocation."""
    problem = _Problem.build(
        budget=budget,
        months=months,
        unit_cost=unit_cost,
        villages=villages,
        minimum=minimum_per_village,
        weights=weights,
    )
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float) or not time_limit > 0:
        raise InvalidInput(field="time_limit", value=time_limit)
    cells = problem.cells()
    if not cells or problem.capacity == 0:
        return problem.result({}, status="trivial", message="Nothing to allocate.", gap=0.0)
    return _solve(problem, cells, float(time_limit))


def greedy_allocate(
    *,
    budget: Decimal,
    months: int,
    unit_cost: Decimal,
    villages: Sequence[VillageNeed],
    minimum_per_village: int = 0,
    weights: Mapping[int, int] | None = None,
) -> Allocation:
    """The baseline: deciles from the highest weight down (poorest first), villages in the order given.

    A village is opened the first time one of its deciles comes up, if the budget still covers the minimum; it then
    takes what it has in that decile and, if that is short of the minimum, tops up from its own next deciles. Always
    feasible, fast, and optimal when the minimum is 0; with a minimum it can strand budget that the solver would
    not."""
    problem = _Problem.build(
        budget=budget,
        months=months,
        unit_cost=unit_cost,
        villages=villages,
        minimum=minimum_per_village,
        weights=weights,
    )
    order = sorted(DECILES, key=lambda k: (-problem.weights[k], k == UNKNOWN_DECILE, k))
    left = problem.capacity
    taken: dict[str, dict[int, int]] = {}
    candidates = [(code, counts) for code, counts in problem.villages if code in problem.candidates]
    for decile in order:
        for code, counts in candidates:
            if left == 0:
                break
            have = taken.get(code)
            if have is None:
                if counts.get(decile, 0) == 0 or left < problem.minimum:
                    continue
                have = taken[code] = {}
                need = max(problem.minimum, 1)
                for k in order[order.index(decile) :]:
                    if sum(have.values()) >= need:
                        break
                    # this decile: as many as the budget allows; the next ones: only up to the minimum
                    room = min(counts.get(k, 0), left if k == decile else need - sum(have.values()))
                    if room:
                        have[k] = room
                left -= sum(have.values())
                continue
            room = min(counts.get(decile, 0) - have.get(decile, 0), left)
            if room > 0:
                have[decile] = have.get(decile, 0) + room
                left -= room
    return problem.result(taken, status="greedy", message="Greedy heuristic (baseline).", gap=None)


# --- internals ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    budget: Decimal
    months: int
    unit_cost: Decimal
    minimum: int
    weights: dict[int, int]
    villages: tuple[tuple[str, dict[int, int]], ...]
    capacity: int  # workers the budget covers: floor(budget / (unit_cost x months))
    candidates: frozenset[str]  # villages that can be funded at all

    @classmethod
    def build(
        cls,
        *,
        budget: Decimal,
        months: int,
        unit_cost: Decimal,
        villages: Sequence[VillageNeed],
        minimum: int,
        weights: Mapping[int, int] | None,
    ) -> _Problem:
        amount = _money(budget, "budget", minimum=0)
        months = _months(months)
        unit = _money(unit_cost, "unit_cost", minimum=1)
        minimum = _count(minimum, "minimum_per_village")
        chosen = {k: default_weight(k) for k in DECILES}
        for k, w in (weights or {}).items():
            _decile(k, "weights")
            chosen[k] = _count(w, "weights", decile=k)
        seen: set[str] = set()
        parsed: list[tuple[str, dict[int, int]]] = []
        for village in villages:
            code = village.code
            if not isinstance(code, str) or not code.strip():
                raise InvalidInput(field="villages", code=code)
            if code in seen:
                raise InvalidInput(N_("Village code {code} appears more than once."), field="villages", code=code)
            seen.add(code)
            counts: dict[int, int] = {}
            for k, n in village.eligible_by_decile.items():
                _decile(k, "eligible_by_decile", village=code)
                if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                    raise InvalidInput(
                        N_("Eligible workers of village {village} in decile {decile} must be 0 or more; got {value}."),
                        field="eligible_by_decile",
                        village=code,
                        decile=k,
                        value=n,
                    )
                if n:
                    counts[k] = n
            parsed.append((code, counts))
        floor = max(minimum, 1)
        return cls(
            budget=amount,
            months=months,
            unit_cost=unit,
            minimum=minimum,
            weights=chosen,
            villages=tuple(parsed),
            capacity=int(amount // (unit * months)),
            candidates=frozenset(code for code, counts in parsed if sum(counts.values()) >= floor),
        )

    def cells(self) -> list[tuple[int, int, int]]:
        """(village index, decile, eligible) for every candidate village's non-empty decile."""
        return [
            (i, k, n)
            for i, (code, counts) in enumerate(self.villages)
            if code in self.candidates
            for k, n in sorted(counts.items())
        ]

    def result(
        self, taken: Mapping[str, Mapping[int, int]], *, status: str, message: str, gap: float | None
    ) -> Allocation:
        """Build the Allocation for ``taken`` and check it against every constraint (a solver's answer included)."""
        per_worker = self.unit_cost * self.months
        funded: list[VillageAllocation] = []
        unfunded: list[str] = []
        below: list[str] = []
        empty: list[str] = []
        for code, counts in self.villages:
            got = {k: n for k, n in sorted(taken.get(code, {}).items()) if n}
            workers = sum(got.values())
            eligible = sum(counts.values())
            if any(n > counts.get(k, 0) or n < 0 for k, n in got.items()) or (0 < workers < self.minimum):
                raise Conflict(
                    N_("The budget allocation broke a constraint ({problem}); it was not used."),
                    problem=f"village {code}",
                    status=status,
                )
            if workers:
                funded.append(
                    VillageAllocation(
                        code=code,
                        workers_by_decile=got,
                        workers=workers,
                        eligible=eligible,
                        cost=per_worker * workers,
                        score=sum(self.weights[k] * n for k, n in got.items()),
                    )
                )
            elif eligible == 0:
                empty.append(code)
            elif code in self.candidates:
                unfunded.append(code)
            else:
                below.append(code)
        workers = sum(v.workers for v in funded)
        cost = per_worker * workers
        if cost > self.budget:
            raise Conflict(
                N_("The budget allocation broke a constraint ({problem}); it was not used."),
                problem="cost above budget",
                status=status,
            )
        return Allocation(
            budget=self.budget,
            months=self.months,
            unit_cost=self.unit_cost,
            minimum_per_village=self.minimum,
            weights=dict(self.weights),
            villages=tuple(funded),
            workers=workers,
            eligible=sum(sum(c.values()) for _, c in self.villages),
            cost=cost,
            remaining=self.budget - cost,
            score=sum(v.score for v in funded),
            unfunded=tuple(unfunded),
            below_minimum_capacity=tuple(below),
            no_eligible=tuple(empty),
            solver_status=status,
            solver_message=message,
            mip_gap=gap,
        )


def _solve(problem: _Problem, cells: list[tuple[int, int, int]], time_limit: float) -> Allocation:
    # Imported here: scipy.optimize takes a noticeable fraction of a second to import, and only this needs it.
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    nx = len(cells)
    village_of = np.fromiter((i for i, _, _ in cells), dtype=np.int64, count=nx)
    cap = np.fromiter((n for _, _, n in cells), dtype=np.float64, count=nx)
    gain = np.fromiter((problem.weights[k] for _, k, _ in cells), dtype=np.float64, count=nx)
    xs = np.arange(nx)
    # With a minimum, one binary y per candidate village follows the x variables.
    ny = 0
    if problem.minimum > 0:
        _, slot = np.unique(village_of, return_inverse=True)
        ny = int(slot.max()) + 1
    width = nx + ny
    budget_row = coo_array((np.ones(nx), (np.zeros(nx, dtype=np.int64), xs)), shape=(1, width))
    rows = [LinearConstraint(budget_row, -np.inf, problem.capacity)]
    if ny:
        ys = nx + np.arange(ny)
        # x[v,k] - n[v,k] y[v] <= 0: nobody is covered in a village that is not funded
        link = coo_array(
            (np.concatenate([np.ones(nx), -cap]), (np.concatenate([xs, xs]), np.concatenate([xs, nx + slot]))),
            shape=(nx, width),
        )
        # sum_k x[v,k] - minimum y[v] >= 0: a funded village gets at least the minimum
        floor = coo_array(
            (
                np.concatenate([np.ones(nx), np.full(ny, -float(problem.minimum))]),
                (np.concatenate([slot, np.arange(ny)]), np.concatenate([xs, ys])),
            ),
            shape=(ny, width),
        )
        rows += [LinearConstraint(link, -np.inf, 0), LinearConstraint(floor, 0, np.inf)]
    objective = np.concatenate([-gain, np.zeros(ny)])
    bounds = Bounds(np.zeros(width), np.concatenate([cap, np.ones(ny)]))
    res = milp(
        objective,
        integrality=np.ones(len(objective)),
        bounds=bounds,
        constraints=rows,
        options={"time_limit": time_limit, "mip_rel_gap": MIP_REL_GAP, "presolve": True},
    )
    if res.x is None or res.status not in (0, 1):
        raise Conflict(
            N_("The budget allocation could not be solved: {reason}"),
            reason=str(res.message),
            status=int(res.status),
        )
    values = np.rint(res.x[:nx]).astype(np.int64)
    taken: dict[str, dict[int, int]] = {}
    for (i, k, _), n in zip(cells, values.tolist(), strict=True):
        if n:
            taken.setdefault(problem.villages[i][0], {})[k] = int(n)
    gap = getattr(res, "mip_gap", None)
    return problem.result(
        taken,
        status="optimal" if res.status == 0 else "time_limit",
        message=str(res.message),
        gap=None if gap is None else float(gap),
    )


def _package(package: Sequence[str]) -> tuple[str, ...]:
    """A package given as one string ("jkk,jkm") is split on commas rather than into letters."""
    return tuple(package.split(",")) if isinstance(package, str) else tuple(package)


def _money(value: Any, name: str, *, minimum: int) -> Decimal:
    amount = to_rupiah(value, field=name)
    if amount < minimum:
        raise OutOfRange(field=name, minimum=minimum, maximum="-", value=int(amount))
    return amount


def _months(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MONTHS:
        raise OutOfRange(field="months", minimum=1, maximum=MAX_MONTHS, value=value)
    return value


def _count(value: Any, name: str, **details: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OutOfRange(field=name, minimum=0, maximum="-", value=value, **details)
    return value


def _decile(key: Any, name: str, **details: Any) -> int:
    if isinstance(key, bool) or not isinstance(key, int) or key not in DECILES:
        raise InvalidInput(
            N_("A decile must be 0 (unknown) or 1 to 10; got {value}."), field=name, value=key, **details
        )
    return key
