"""From the database to the pure scoring core and back: the score matrix of a category (verified participants x
leaf criteria), its ranking in the category and in zones, titles, breakdown, sensitivity and what would lift
each participant one rank."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from paritrana.award import scoring
from paritrana.award.models import Answer, Category, IndicatorScore, JuryScore, Participant, ParticipantStatus, Result

__all__ = ["ScoreMatrix", "rank_category", "score_matrix"]


@dataclass(frozen=True)
class ScoreMatrix:
    participants: list[Participant]
    leaves: tuple[scoring.Criterion, ...]
    weights: np.ndarray  # fractions summing to 1, in the order of ``leaves``
    scores: np.ndarray  # participants x leaves, 0..100
    raw: dict[str, list[Any]]  # leaf key -> raw value per participant (answer, indicator value, jury mean)
    judges: dict[str, dict[int, dict[str, float]]]  # leaf key -> participant id -> judge username -> score
    framework: scoring.Framework


def score_matrix(category: Category) -> ScoreMatrix:
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
    columns, raw = [], {}
    for leaf in leaves:
        if leaf.method == "indicator":
            found = indicator_values[leaf.key]
            values = [found[p.pk].value if p.pk in found else None for p in participants]
            targets = [found[p.pk].target if p.pk in found else None for p in participants]
            column = scoring.score_leaf(
                leaf,
                np.array([np.nan if v is None else v for v in values], dtype=float),
                np.array([np.nan if t is None else t for t in targets], dtype=float)
                if leaf.scoring and leaf.scoring.type == "target"
                else None,
            )
            raw[leaf.key] = values
        elif leaf.method == "question":
            given = answers[leaf.key]
            values = [given[p.pk].value if p.pk in given else None for p in participants]
            raw[leaf.key] = values
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
            assert leaf.scale_min is not None and leaf.scale_max is not None
            column = (
                scoring.jury_scores(matrix, leaf.scale_min, leaf.scale_max, normalise=category.normalise_judges)
                if n
                else np.zeros(0)
            )
            raw[leaf.key] = [
                None if np.isnan(matrix[:, i]).all() else float(np.nanmean(matrix[:, i])) for i in range(n)
            ]
        columns.append(np.asarray(column, dtype=float))
    scores = np.column_stack(columns) if n and columns else np.zeros((n, len(leaves)))
    return ScoreMatrix(
        participants=participants,
        leaves=leaves,
        weights=np.array([weights[leaf.key] for leaf in leaves]),
        scores=scores,
        raw=raw,
        judges={k: {pid: dict(v) for pid, v in per.items()} for k, per in jury.items()},
        framework=framework,
    )


def rank_category(category: Category, samples: int = 10_000) -> list[Result]:
    """Rank the verified participants; store and return their results, best first."""
    m = score_matrix(category)
    Result.objects.filter(participant__category=category).delete()
    if not m.participants:
        return []
    names = [p.name for p in m.participants]
    tie_breaks = scoring.default_tie_breaks(m.framework, m.scores)
    totals = scoring.totals(m.scores, m.weights)
    overall = scoring.ranking(totals, tie_breaks, names)
    contributions = scoring.breakdown(m.scores, m.weights)
    stability = scoring.sensitivity(m.scores, m.weights, samples=samples, tie_breaks=tie_breaks, names=names).rows()
    zone_ranks: dict[int, int] = {}
    zones: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(m.participants):
        zones[p.zone].append(i)
    for members in zones.values():
        sub = scoring.ranking(totals[members], [tb[members] for tb in tie_breaks], [names[i] for i in members])
        zone_ranks.update({members[k]: int(sub.ranks[k]) for k in range(len(members))})
    lifts = scoring.all_improvements(m.scores, m.weights, tie_breaks=tie_breaks, names=names)
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
    Result.objects.bulk_create(results)
    return sorted(results, key=lambda r: r.rank)
