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

The package, one topic a module (each imports the others directly, never through this ``__init__``):
``framework`` (the criteria tree: parsing, validation, leaves and their weights), ``leafscores`` (raw values to leaf
scores 0..100), ``jury`` (the judges' scores and their z-score normalisation), ``ranking`` (totals, aspect scores,
exempt leaves, ranks and ties), ``sensitivity`` (weight perturbation), ``crosscheck`` (TOPSIS and VIKOR with
pymcdm), ``improvements`` (what would lift a participant one rank); ``_common`` holds the shared array checks.
Import the names from here (``from paritrana.award.scoring import ranking`` is the function, not the module).

**Missing data.** This core scores a participant without a value on a leaf (NaN or None) 0 on it. The application
never lets that happen silently: ``award.ranking.missing_values`` lists every value missing for a verified
participant, and the ranking refuses while any is unresolved; the committee enters the value, or decides "zero"
(scored 0, recorded) or "exempt" (``fill_exempt``: the leaf is left out of that participant's total and its weight
shared among the participant's other leaves in proportion), each with a reason.
"""

from __future__ import annotations

from paritrana.award.scoring.crosscheck import cross_check
from paritrana.award.scoring.framework import (
    ANSWERS,
    EXAMPLE_FRAMEWORK,
    METHODS,
    SCORING_TYPES,
    Criterion,
    Framework,
    Scoring,
    framework_to_dict,
    leaf_weights,
    leaves,
    parse_framework,
)
from paritrana.award.scoring.improvements import IMPROVEMENT_MARGIN, Improvement, all_improvements, improvements
from paritrana.award.scoring.jury import jury_scores, normalise_judges
from paritrana.award.scoring.leafscores import score_leaf
from paritrana.award.scoring.ranking import (
    TIE_RESOLUTION,
    Ranking,
    aspect_scores,
    breakdown,
    default_tie_breaks,
    fill_exempt,
    rank,
    ranking,
    totals,
)
from paritrana.award.scoring.sensitivity import SensitivityResult, sensitivity

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
