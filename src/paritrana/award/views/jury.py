"""The jury: the panels the user sits on; per participant the rubric form and the declaration of a conflict."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from paritrana.award import actions, forms, queries, reports
from paritrana.award.models import ConflictOfInterest, EditionStatus, PanelMember, ParticipantStatus
from paritrana.award.views._common import _answers_and_evidence, _leaves
from paritrana.core.errors import N_, PermissionDenied
from paritrana.core.permissions import require
from paritrana.core.views import attempt


@login_required
@require_GET
def panels(request: HttpRequest) -> HttpResponse:
    """The categories the judge sits on, with the participants to score."""
    require(request.user, "award.judge")
    seats = []
    user: Any = request.user
    for member in PanelMember.objects.filter(user=user).select_related("category__edition"):
        conflicts = set(member.conflicts.filter(withdrawn_at__isnull=True).values_list("participant_id", flat=True))
        scored: dict[int, int] = {}
        for pid in member.scores.values_list("participant_id", flat=True):
            scored[pid] = scored.get(pid, 0) + 1
        seats.append(
            {
                "category": member.category,
                "rubrics": len(_leaves(member.category, "jury")),
                "participants": [
                    {"p": p, "conflict": p.pk in conflicts, "scored": scored.get(p.pk, 0)}
                    for p in member.category.participants.filter(status=ParticipantStatus.VERIFIED)
                ],
            }
        )
    return render(request, "award/panels.html", {"seats": seats})


@login_required
@require_http_methods(["GET", "POST"])
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """A judge's page for one participant: the rubrics with their scales, the judge's own scores (the others'
    once the panel locks), the evidence; the declaration of a conflict, after which the form is gone."""
    user: Any = request.user
    participant = queries.participant_for(user, pk)
    category = participant.category
    member = PanelMember.objects.filter(category=category, user=user).first()
    if member is None:
        raise PermissionDenied(N_("You are not on the panel of {category}."), category=str(category))
    errors: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        step = request.POST.get("form", "")
        if step == "conflict":
            conflict_form = forms.ConflictForm(request.POST)
            reason = conflict_form.cleaned_data["reason"] if conflict_form.is_valid() else ""
            done, error = attempt(
                lambda: actions.do_declare_conflict(actor=user, participant=participant, reason=reason)
            )
            if done:
                messages.success(request, gettext("Conflict of interest declared."))
                return redirect("award:score", pk=pk)
        elif step == "score":
            for leaf in _leaves(category, "jury"):
                value = request.POST.get(f"s-{leaf.key}", "").strip().replace(",", ".")
                if not value:
                    continue
                _, message = attempt(
                    functools.partial(
                        actions.do_score,
                        actor=user,
                        participant=participant,
                        criterion=leaf.key,
                        score=value,
                        comment=request.POST.get(f"c-{leaf.key}", ""),
                        seen=request.POST.get(f"v-{leaf.key}"),  # absent from an older page: no check
                    )
                )
                if message:
                    errors[leaf.key] = message
            if not errors:
                messages.success(request, gettext("Scores saved."))
                return redirect("award:score", pk=pk)
            error = gettext("Some scores were not saved; see below.")
        else:
            raise PermissionDenied()
    conflict = ConflictOfInterest.objects.active().filter(member=member, participant=participant).first()
    visible = list(queries.visible_scores(user, category).filter(participant=participant))
    mine = {s.criterion: s for s in visible if s.member_id == member.pk}
    rubrics = [
        {
            "key": leaf.key,
            "name": reports.text_of(leaf.name),
            "description": reports.text_of(leaf.description),
            "min": leaf.scale_min,
            "max": leaf.scale_max,
            "mine": mine.get(leaf.key),
            "version": actions.version_of(mine.get(leaf.key)),
            "others": [s.score for s in visible if s.criterion == leaf.key and s.member_id != member.pk],
            "error": errors.get(leaf.key, ""),
        }
        for leaf in _leaves(category, "jury")
    ]
    edition = category.edition
    reasons = []
    if category.panel_locked_at:
        reasons.append(gettext("The panel is locked."))
    if edition.status != EditionStatus.JUDGING:
        reasons.append(
            gettext("Scoring is open in the jury stage (now: {stage}).").format(stage=edition.get_status_display())
        )
    if participant.status != ParticipantStatus.VERIFIED:
        reasons.append(gettext("The participant is not verified."))
    context = {
        "participant": participant,
        "category": category,
        "edition": edition,
        "conflict": conflict,
        "rubrics": rubrics,
        "can_score": conflict is None and not reasons and category.approved_at is None,
        "closed_reasons": reasons,
        "questions": _answers_and_evidence(participant),
        "error": error,
        "conflict_form": forms.ConflictForm(),
        "locked": category.panel_locked_at is not None,
    }
    return render(request, "award/score.html", context, status=422 if error else 200)
