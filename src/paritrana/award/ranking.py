"""From the database to the pure scoring core and back: the score matrix of a category (verified participants x
leaf criteria), the values missing from it and the committee's decisions on them, its ranking in the category and
in zones, titles, breakdown, sensitivity and what would lift each participant one rank.

Everything here is a read: ``compute_results`` returns unsaved ``Result`` objects (the ranking shown to the
committee); ``actions.do_save_results`` is the one write that stores them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from paritrana.award import scoring
from paritrana.award.models import (
    Answer,
    Category,
    DecisionKind,
    IndicatorScore,
    JuryScore,
    MissingValueDecision,
    Participant,
    ParticipantStatus,
    Result,
)
from paritrana.core.errors import N_, Conflict

__all__ = [
    "Missing",
    "ScoreMatrix",
    "compute_results",
    "missing_values",
    "require_rankable",
    "results_current",
    "score_matrix",
]

#: What is missing, by kind: the indicator's value or target, a question's answer, the committee's score of a text
#: answer, any judge's score on a rubric.
NEEDS = {
    "value": N_("value"),
    "target": N_("target"),
    "answer": N_("answer"),
    "score": N_("committee's score"),
    "jury": N_("jury score"),
}


@dataclass(frozen=True)
class Missing:
    """A value missing for a verified participant on a leaf criterion, and the committee's decision if any."""

    participant: Participant
    criterion: str
    method: str
    needs: str  # a key of NEEDS
    decision: MissingValueDecision | None

    @property
    def resolved(self) -> bool:
        return self.decision is not None

    def label(self) -> str:
        return f"{self.participant.name}: {self.criterion} ({self.needs})"

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        return {
            "participant_id": self.participant.pk,
            "region_code": self.participant.region_code,
            "name": self.participant.name,
            "criterion": self.criterion,
            "method": self.method,
            "needs": self.needs,
            "resolved": self.resolved,
            "decision": d.kind if d else None,
            "reason": d.reason if d else "",
            "decided_by": d.decided_by.get_username() if d and d.decided_by else None,
            "decided_at": d.decided_at if d else None,
        }


@dataclass(frozen=True)
class ScoreMatrix:
    participants: list[Participant]
    leaves: tuple[scoring.Criterion, ...]
    weights: np.ndarray  # fractions summing to 1, in the order of ``leaves``
    scores: np.ndarray  # participants x leaves, 0..100 (exempt leaves filled, see scoring.fill_exempt)
    raw: dict[str, list[Any]]  # leaf key -> raw value per participant (answer, indicator value, jury mean)
    judges: dict[str, dict[int, dict[str, float]]]  # leaf key -> participant id -> judge username -> score
    framework: scoring.Framework
    missing: list[Missing]
    decided: dict[tuple[int, str], str]  # (participant id, leaf key) -> "exempt" | "zero", where a value is missing

    @property
    def unresolved(self) -> list[Missing]:
        return [m for m in self.missing if not m.resolved]


def score_matrix(category: Category) -> ScoreMatrix:
    """The verified participants' leaf scores. A value that is missing (see ``NEEDS``) scores 0 unless the committee
    exempted the participant from that leaf; ``missing`` lists them all, resolved or not."""
    framework = scoring.parse_framework(category.framework)
    leaves = scoring.leaves(framework)
    weights = scoring.leaf_weights(framework)
    participants = list(category.participants.filter(status=ParticipantStatus.VERIFIED).order_by("region_code"))
    index = {p.pk: i for i, p in enumerate(participants)}
    n = len(participants)
    answers: dict[str, dict[int, Answer]] = defaultdict(dict)
    for answer in Answer.objects.filter(participant__in=participants):
        answers[answer.criterion][answer.participant_id] = answer
    indicator_values: dict[str, dict[int, IndicatorScore]] = defaultdict(dict)
    for value in IndicatorScore.objects.filter(participant__in=participants):
        indicator_values[value.criterion][value.participant_id] = value
    jury: dict[str, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for score in JuryScore.objects.filter(participant__in=participants).select_related("member__user"):
        jury[score.criterion][score.participant_id][score.member.user.get_username()] = score.score
    decisions = {
        (d.participant_id, d.criterion): d
        for d in MissingValueDecision.objects.filter(participant__in=participants).select_related("decided_by")
    }
    missing: list[Missing] = []

    def lacks(i: int, leaf: scoring.Criterion, needs: str) -> None:
        p = participants[i]
        missing.append(Missing(p, leaf.key, leaf.method or "", needs, decisions.get((p.pk, leaf.key))))

    columns, raw = [], {}
    for leaf in leaves:
        if leaf.method == "indicator":
            found = indicator_values[leaf.key]
            values = [found[p.pk].value if p.pk in found else None for p in participants]
            targets = [found[p.pk].target if p.pk in found else None for p in participants]
            by_target = bool(leaf.scoring and leaf.scoring.type == "target")
            for i, (v, t) in enumerate(zip(values, targets, strict=True)):
                if v is None:
                    lacks(i, leaf, "value")
                elif by_target and (t is None or t <= 0):
                    lacks(i, leaf, "target")
            scored = [None if by_target and (t is None or t <= 0) else v for v, t in zip(values, targets, strict=True)]
            column = scoring.score_leaf(
                leaf,
                np.array([np.nan if v is None else v for v in scored], dtype=float),
                np.array([np.nan if t is None else t for t in targets], dtype=float) if by_target else None,
            )
            raw[leaf.key] = values
        elif leaf.method == "question":
            given = answers[leaf.key]
            values = [given[p.pk].value if p.pk in given else None for p in participants]
            raw[leaf.key] = values
            for i, v in enumerate(values):
                if v is None:
                    lacks(i, leaf, "answer")
                elif leaf.answer == "text" and given[participants[i].pk].score is None:
                    lacks(i, leaf, "score")
            if leaf.answer == "choice":
                column = scoring.score_leaf(leaf, values)
            elif leaf.answer == "text":
                marks = [given[p.pk].score if p.pk in given else None for p in participants]
                column = scoring.score_leaf(leaf, np.array([np.nan if s is None else s for s in marks], dtype=float))
            else:  # yes_no (True/False) and number
                column = scoring.score_leaf(
                    leaf, np.array([np.nan if v is None else float(v) for v in values], dtype=float)
                )
        else:
            judges = sorted({j for per in jury[leaf.key].values() for j in per})
            matrix = np.full((max(len(judges), 1), n), np.nan)
            for pid, per in jury[leaf.key].items():
                for j, judge in enumerate(judges):
                    if judge in per:
                        matrix[j, index[pid]] = per[judge]
            column = scoring.jury_scores(matrix, *leaf.scale, normalise=category.normalise_judges) if n else np.zeros(0)
            raw[leaf.key] = [
                None if np.isnan(matrix[:, i]).all() else float(np.nanmean(matrix[:, i])) for i in range(n)
            ]
            for i, mean in enumerate(raw[leaf.key]):
                if mean is None:
                    lacks(i, leaf, "jury")
        columns.append(np.asarray(column, dtype=float))
    scores = np.column_stack(columns) if n and columns else np.zeros((n, len(leaves)))
    weight_vector = np.array([weights[leaf.key] for leaf in leaves])
    decided = {(m.participant.pk, m.criterion): m.decision.kind for m in missing if m.decision is not None}
    column_of = {leaf.key: j for j, leaf in enumerate(leaves)}
    exempt = np.zeros(scores.shape, dtype=bool)
    for (pid, key), kind in decided.items():
        if kind == DecisionKind.EXEMPT:
            exempt[index[pid], column_of[key]] = True
        else:  # zero by decision: what a missing value scores, now on purpose
            scores[index[pid], column_of[key]] = 0.0
    if exempt.any():
        scores = scoring.fill_exempt(scores, weight_vector, exempt)
    return ScoreMatrix(
        participants=participants,
        leaves=leaves,
        weights=weight_vector,
        scores=scores,
        raw=raw,
        judges={k: {pid: dict(v) for pid, v in per.items()} for k, per in jury.items()},
        framework=framework,
        missing=missing,
        decided=decided,
    )


def missing_values(category: Category) -> list[Missing]:
    """Every value missing for a verified participant, resolved or not, by participant and criterion."""
    return sorted(score_matrix(category).missing, key=lambda m: (m.participant.region_code, m.criterion))


def require_rankable(category: Category, m: ScoreMatrix | None = None) -> ScoreMatrix:
    """The conditions of any ranking, shown or saved: the panel's scores are locked (when the category has rubrics),
    every participant of a category ranked per zone has a zone, and no missing value is left unresolved."""
    m = m or score_matrix(category)
    if any(c.method == "jury" for c in m.leaves) and not category.panel_locked_at:
        raise Conflict(N_("Lock the panel's scores before ranking."), category=str(category))
    if category.by_zone:
        unzoned = [p.name for p in m.participants if not p.zone]
        if unzoned:  # ranked per zone: a participant without a zone would silently be ranked in a zone of its own
            raise Conflict(
                N_("{category} is ranked per zone, but {names} have no zone: set the award zones (Zona penghargaan)."),
                category=str(category),
                names=", ".join(unzoned[:10]),
            )
    if m.unresolved:
        raise Conflict(
            N_(
                "{count} missing values are not resolved: {items}. Enter each value, or decide 'exempt' or 'zero' "
                "with a reason (Nilai yang hilang)."
            ),
            count=len(m.unresolved),
            items="; ".join(x.label() for x in m.unresolved[:10]) + ("; ..." if len(m.unresolved) > 10 else ""),
        )
    return m


def compute_results(category: Category, samples: int = 10_000, *, detail: bool = True) -> list[Result]:
    """Rank the verified participants: their results, best first, NOT saved (``actions.do_save_results`` saves
    them). Refused as ``require_rankable`` says. ``detail=False`` leaves out the sensitivity and the lifts (the
    totals, ranks and titles are the same)."""
    m = require_rankable(category)
    if not m.participants:
        return []
    names = [p.name for p in m.participants]
    tie_breaks = scoring.default_tie_breaks(m.framework, m.scores)
    totals = scoring.totals(m.scores, m.weights)
    overall = scoring.ranking(totals, tie_breaks, names)
    contributions = scoring.breakdown(m.scores, m.weights)
    stability = (
        scoring.sensitivity(m.scores, m.weights, samples=samples, tie_breaks=tie_breaks, names=names).rows()
        if detail
        else [{"critical_leaves": []} for _ in names]
    )
    zone_ranks: dict[int, int] = {}
    zones: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(m.participants):
        zones[p.zone].append(i)
    for members in zones.values():
        sub = scoring.ranking(totals[members], [tb[members] for tb in tie_breaks], [names[i] for i in members])
        zone_ranks.update({members[k]: int(sub.ranks[k]) for k in range(len(members))})
    lifts = (
        scoring.all_improvements(m.scores, m.weights, tie_breaks=tie_breaks, names=names)
        if detail
        else [[] for _ in names]
    )
    titles = list(category.titles)
    results = []
    for i, participant in enumerate(m.participants):
        place = zone_ranks[i] if category.by_zone else int(overall.ranks[i])
        lift = lifts[i]
        breakdown = {
            "leaves": [
                {
                    "key": leaf.key,
                    "method": leaf.method,
                    "weight": float(m.weights[j] * 100),
                    "raw": m.raw.get(leaf.key, [None] * len(m.participants))[i],
                    "score": float(m.scores[i, j]),
                    "points": float(contributions[i, j]),
                    "judges": m.judges.get(leaf.key, {}).get(participant.pk, {}),
                    "decision": m.decided.get((participant.pk, leaf.key)),
                }
                for j, leaf in enumerate(m.leaves)
            ],
            "aspects": {k: float(v[i]) for k, v in scoring.aspect_scores(m.framework, m.scores).items()},
            "lift": [
                {"key": m.leaves[x.leaf].key, "points": float(x.points), "feasible": bool(x.feasible)}
                for x in sorted(lift, key=lambda x: (not x.feasible, x.points))
            ],
        }
        results.append(
            Result(
                participant=participant,
                total=float(totals[i]),
                rank=int(overall.ranks[i]),
                zone_rank=zone_ranks[i],
                shared=bool(overall.shared[i]),
                title=titles[place - 1] if place <= len(titles) else "",
                breakdown=breakdown,
                sensitivity={k: v for k, v in stability[i].items() if k != "critical_leaves"}
                | {"critical": [m.leaves[j].key for j in stability[i]["critical_leaves"]]},
            )
        )
    return sorted(results, key=lambda r: r.rank)


def _outcome(results: Any) -> set[tuple[int, int, int | None, str, float]]:
    return {(r.participant_id, r.rank, r.zone_rank, r.title, round(r.total, 9)) for r in results}


def results_current(category: Category) -> bool:
    """Whether the saved results are what a ranking now gives (same participants, ranks, titles and totals): a
    participant verified again, a decision on a missing value or new zones after saving make them stale."""
    saved = Result.objects.filter(participant__category=category)
    try:
        fresh = compute_results(category, detail=False)
    except Conflict:
        return False
    return _outcome(saved) == _outcome(fresh)
