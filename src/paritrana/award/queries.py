"""Reading the award, with its visibility rules written once: a round belongs to its committee; a participant's
answers and evidence to its region's operators, the committee and the panel; a judge sees only his own scores
until the panel locks; the public sees results once published."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from paritrana.award.evidence import evidence_root
from paritrana.award.models import (
    Category,
    ConflictOfInterest,
    Edition,
    Evidence,
    JuryScore,
    PanelMember,
    Participant,
    Result,
)
from paritrana.core import audit
from paritrana.core.errors import N_, InvalidInput, NotFound, OutOfScope, ParitranaError, PermissionDenied
from paritrana.core.permissions import can, require, scope_for

__all__ = [
    "award_zones",
    "category_checks_for",
    "category_for",
    "committee_todo",
    "conflict_for",
    "edition_checks_for",
    "edition_for",
    "editions_for",
    "evidence_file",
    "is_committee",
    "jury_todo",
    "missing_for",
    "panel_judge",
    "participant_for",
    "published_results",
    "ranking_for",
    "results_for",
    "visible_scores",
]


def is_committee(user: Any, edition: Edition) -> bool:
    scope = scope_for(user, "award.manage")
    return scope.national or bool(edition.region_code and scope.contains(edition.region_code))


def editions_for(user: Any) -> QuerySet[Edition]:
    """Every role sees the rounds of its scope: the national round, and the provincial rounds inside its regions
    (or containing them: an operator of a kabupaten sees its province's round)."""
    scope = require(user, "award.view")
    if scope.national:
        return Edition.objects.all()
    provinces = {code.split(".")[0] for code in scope.codes}
    return Edition.objects.filter(Q(region_code="") | Q(region_code__in=provinces) | scope.q("region_code"))


def edition_for(user: Any, *, edition_id: int | None = None, year: int | None = None, region: str = "") -> Edition:
    editions = editions_for(user)
    if edition_id is not None:
        edition = editions.filter(pk=edition_id).first()
    elif year is not None:
        edition = editions.filter(year=year, region_code=region).first()
    else:
        edition = None
    if edition is None:
        raise NotFound(N_("No such edition of the award."))
    return edition


def category_for(
    user: Any, category_id: int | None = None, *, edition: Edition | None = None, key: str = ""
) -> Category:
    if edition is not None:
        category = edition.categories.filter(key=key).first()
    elif category_id is None:
        category = None
    else:
        category = Category.objects.select_related("edition").filter(pk=category_id).first()
        if category is not None:
            edition_for(user, edition_id=category.edition_id)
    if category is None:
        raise NotFound(N_("No such category."))
    return category


def _on_panel(user: Any, category: Category) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and PanelMember.objects.filter(category=category, user=user).exists()
    )


def participant_for(user: Any, participant_id: int) -> Participant:
    """A participant's own pages: its region's operators, the committee of its round, its panel."""
    participant = Participant.objects.select_related("category__edition").filter(pk=participant_id).first()
    if participant is None:
        raise NotFound(N_("No such participant."))
    scope = require(user, "award.view")
    edition = participant.category.edition
    if is_committee(user, edition) or _on_panel(user, participant.category):
        return participant
    if can(user, "award.submit", participant.region_code) and scope.contains(participant.region_code):
        return participant
    raise OutOfScope(region=participant.region_code)


def participants_for(user: Any, category: Category) -> QuerySet[Participant]:
    if is_committee(user, category.edition) or _on_panel(user, category):
        return category.participants.all()
    return category.participants.filter(scope_for(user, "award.submit").q("region_code"))


def visible_scores(user: Any, category: Category) -> QuerySet[JuryScore]:
    """Scores stay hidden from other judges until the panel locks; the committee sees them all."""
    scores = JuryScore.objects.filter(participant__category=category).select_related("member__user", "participant")
    if is_committee(user, category.edition) or category.panel_locked_at is not None:
        return scores
    return scores.filter(member__user=user) if _on_panel(user, category) else scores.none()


def results_for(user: Any, category: Category) -> QuerySet[Result]:
    """The committee sees results as soon as they are ranked; everybody once they are published."""
    if category.published_at is None and not is_committee(user, category.edition):
        raise NotFound(N_("The results of {category} are not published yet."), category=str(category))
    return Result.objects.filter(participant__category=category).select_related("participant").order_by("rank")


def published_results(category: Category) -> QuerySet[Result]:
    if category.published_at is None:
        raise NotFound(N_("The results of {category} are not published yet."), category=str(category))
    return Result.objects.filter(participant__category=category).select_related("participant").order_by("rank")


def evidence_file(user: Any, evidence_id: int) -> tuple[Evidence, Path]:
    """The file of a piece of evidence, for the people who may see the participant; every download is audited."""
    evidence = Evidence.objects.select_related("participant").filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound(N_("No such document."))
    participant = participant_for(user, evidence.participant_id)
    path = evidence_root() / evidence.path
    if not path.is_file():
        raise NotFound(N_("The file of {document} is missing from the evidence store."), document=evidence.filename)
    audit.record(
        actor=user,
        action="award.evidence.download",
        obj=evidence,
        region_code=participant.region_code,
        after={"filename": evidence.filename, "sha256": evidence.sha256},
    )
    return evidence, path


def panel_judge(category: Category, username: str) -> Any:
    """The user of a judge on the panel of ``category``, by username."""
    member = PanelMember.objects.select_related("user").filter(category=category, user__username=username).first()
    if member is None:
        raise NotFound(N_("{judge} is not on the panel of {category}."), judge=username, category=str(category))
    return member.user


def conflict_for(user: Any, conflict_id: int) -> ConflictOfInterest:
    """A conflict of interest, for its judge and the committee of its round."""
    conflict = (
        ConflictOfInterest.objects.select_related("participant__category__edition", "member__user")
        .filter(pk=conflict_id)
        .first()
    )
    if conflict is None:
        raise NotFound(N_("No such conflict of interest."))
    require(user, "award.view")
    if conflict.member.user_id == getattr(user, "pk", None) or is_committee(
        user, conflict.participant.category.edition
    ):
        return conflict
    raise NotFound(N_("No such conflict of interest."))


def _committee_only(user: Any, edition: Edition) -> None:
    if not is_committee(user, edition):
        raise PermissionDenied(N_("Only the committee of this round sees this."))


def edition_checks_for(user: Any, edition: Edition, to: str) -> list[Any]:
    """The check list of moving ``edition`` to the stage ``to``, for its committee (a step back: the reason it
    needs)."""
    from paritrana.award.actions import back_check
    from paritrana.award.checks import edition_checks, stage_step
    from paritrana.award.models import EditionStatus

    _committee_only(user, edition)
    if to not in EditionStatus.values:
        raise InvalidInput(N_("Unknown stage '{value}'."), field="to", value=to)
    return [back_check()] if stage_step(edition.status, to) == -1 else edition_checks(edition, to)


def category_checks_for(user: Any, category: Category, step: str) -> list[Any]:
    """The check list of locking the panel, approving or publishing ``category``, for its committee."""
    from paritrana.award.checks import CATEGORY_STEPS, category_checks

    _committee_only(user, category.edition)
    if step not in CATEGORY_STEPS:
        raise InvalidInput(
            N_("A check list is for: {choices}; not '{value}'."),
            field="step",
            choices=", ".join(CATEGORY_STEPS),
            value=step,
        )
    return category_checks(category, step)


def ranking_for(user: Any, category: Category, *, detail: bool = False) -> list[Result]:
    """The ranking as it stands now, computed and not saved, for the committee (``ranking.compute_results``)."""
    from paritrana.award.ranking import compute_results

    _committee_only(user, category.edition)
    return compute_results(category, detail=detail)


def missing_for(user: Any, category: Category, *, unresolved_only: bool = False) -> list[Any]:
    """The values missing for the verified participants of ``category`` and the decisions on them, for the
    committee."""
    from paritrana.award.ranking import missing_values

    _committee_only(user, category.edition)
    found = missing_values(category)
    return [m for m in found if not m.resolved] if unresolved_only else found


@dataclass(frozen=True)
class PanelTodo:
    """One category a judge sits on: how much of its scoring is still the judge's to do."""

    category: Category
    participants: int  # verified participants the judge may score (a declared conflict takes one out)
    rubrics: int  # the category's jury-scored criteria
    scored: int  # the judge's scores given on them
    conflicts: int

    @property
    def missing(self) -> int:
        return max(self.participants * self.rubrics - self.scored, 0)

    @property
    def locked(self) -> bool:
        return self.category.panel_locked_at is not None

    @property
    def deadline(self) -> Any:
        """Until when the judge may score (None: until the committee locks the panel)."""
        return self.category.edition.scoring_deadline

    @property
    def closed(self) -> bool:
        """The scoring deadline has passed: a score is refused until the committee extends it."""
        return self.deadline is not None and timezone.now() > self.deadline


def jury_todo(user: Any, *, limit: int = 10) -> list[PanelTodo]:
    """The panels the user sits on, each with the scores still missing: rounds being scored first, then the other
    open ones, then the locked panels and closed rounds (for the record), newest first."""
    from django.db.models import Case, F, IntegerField, Value, When

    from paritrana.award import scoring
    from paritrana.award.models import EditionStatus, ParticipantStatus

    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    members = (
        PanelMember.objects.filter(user=user)
        .select_related("category__edition")
        .annotate(
            stage=Case(
                When(category__edition__status=EditionStatus.CLOSED, then=Value(3)),
                When(category__panel_locked_at__isnull=False, then=Value(2)),
                When(category__edition__status=EditionStatus.JUDGING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("stage", F("category__edition__year").desc(), "category__edition__region_code", "category__key")[
            :limit
        ]
    )
    out = []
    for member in members:
        category = member.category
        try:
            rubrics = [c.key for c in scoring.leaves(scoring.parse_framework(category.framework)) if c.method == "jury"]
        except ParitranaError:  # a framework that no longer parses: its page says why
            rubrics = []
        conflicted = member.conflicts.filter(withdrawn_at__isnull=True).values("participant_id")
        to_score = category.participants.filter(status=ParticipantStatus.VERIFIED).exclude(pk__in=conflicted)
        out.append(
            PanelTodo(
                category=category,
                participants=to_score.count(),
                rubrics=len(rubrics),
                scored=member.scores.filter(participant__in=to_score, criterion__in=rubrics).count(),
                conflicts=conflicted.count(),
            )
        )
    return out


@dataclass(frozen=True)
class EditionTodo:
    """A round the user's committee runs: its stage, the self-assessments waiting, the conflicts declared."""

    edition: Edition
    waiting: int  # self-assessments submitted, not yet verified or returned
    verified: int
    invited: int  # invited or returned: not submitted yet
    conflicts: int  # conflicts of interest in force

    @property
    def deadline_passed(self) -> bool:
        return timezone.now() > self.edition.submission_deadline


def committee_todo(user: Any, *, limit: int = 10) -> list[EditionTodo]:
    """The rounds of the newest award year the user's committee runs (the national round for a national scope, the
    provincial rounds inside its regions), with counts by one GROUP BY each."""
    from django.db.models import Count

    from paritrana.award.models import ParticipantStatus

    scope = scope_for(user, "award.manage")
    if scope.empty:
        return []
    editions = Edition.objects.all() if scope.national else Edition.objects.filter(scope.q("region_code"))
    newest = editions.order_by("-year").values_list("year", flat=True).first()
    if newest is None:
        return []
    current = list(editions.filter(year=newest).order_by("region_code", "pk")[:limit])
    by_status: dict[tuple[int, str], int] = {}
    for row in (
        Participant.objects.filter(category__edition__in=current)
        .order_by()
        .values("category__edition_id", "status")
        .annotate(n=Count("pk"))
    ):
        by_status[(row["category__edition_id"], row["status"])] = row["n"]
    conflicts = dict(
        ConflictOfInterest.objects.active()
        .filter(participant__category__edition__in=current)
        .order_by()
        .values("participant__category__edition_id")
        .annotate(n=Count("pk"))
        .values_list("participant__category__edition_id", "n")
    )
    return [
        EditionTodo(
            edition=e,
            waiting=by_status.get((e.pk, ParticipantStatus.SUBMITTED), 0),
            verified=by_status.get((e.pk, ParticipantStatus.VERIFIED), 0),
            invited=by_status.get((e.pk, ParticipantStatus.INVITED), 0)
            + by_status.get((e.pk, ParticipantStatus.RETURNED), 0),
            conflicts=conflicts.get(e.pk, 0),
        )
        for e in current
    ]


def award_zones(user: Any) -> list[dict[str, Any]]:
    """The award zones with their provinces (every role that sees the award)."""
    from paritrana.regions.models import RegionGroup

    require(user, "award.view")
    return [
        {
            "slug": g.slug,
            "name": g.name,
            "region_codes": sorted(r.code for r in g.regions.all()),
            "regions": [r.name for r in sorted(g.regions.all(), key=lambda r: r.code)],
        }
        for g in RegionGroup.objects.filter(kind="award_zone").prefetch_related("regions").order_by("name")
    ]
