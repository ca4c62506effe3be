"""The committee's editions: the list (create one), an edition (move its stage, with the check list of the move
and a reason when a check fails, confirmed once results are approved; the jury's scoring deadline; add a
category). The list is also everybody's start page: their participations and panels."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from paritrana.award import actions, forms, queries, scoring
from paritrana.award.checks import FLOW, next_and_previous, stage_step
from paritrana.award.models import Edition, EditionStatus, PanelMember
from paritrana.award.views._common import _first_error, _participations
from paritrana.core.dates import today
from paritrana.core.errors import PermissionDenied
from paritrana.core.permissions import can, require
from paritrana.core.views import attempt, confirm_first


@login_required
@require_http_methods(["GET", "POST"])
def editions(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    visible = queries.editions_for(user)
    can_manage = can(user, "award.manage")
    year = today().year
    form = forms.EditionForm(
        request.POST if request.method == "POST" else None,
        initial={"year": year, "assessment_start": f"{year - 1}-01-01", "assessment_end": f"{year - 1}-12-31"},
    )
    error = ""
    if request.method == "POST":
        require(user, "award.manage")
        if form.is_valid():
            done, error = attempt(lambda: actions.do_create_edition(actor=user, **form.cleaned_data))
            if done:
                messages.success(request, gettext("Edition created."))
                return redirect("award:edition", pk=done.pk)
        else:
            error = _first_error(form)
    context = {
        "editions": visible.prefetch_related("categories"),
        "form": form,
        "error": error,
        "can_manage": can_manage,
        "participations": list(_participations(user)[:50]),
        "panels": PanelMember.objects.filter(user=user).select_related("category__edition"),
        "can_submit": can(user, "award.submit"),
    }
    return render(request, "award/editions.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def edition(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    edition = queries.edition_for(user, edition_id=pk)
    committee = queries.is_committee(user, edition)
    step = request.POST.get("form", "")
    form = forms.CategoryForm(
        request.POST if step == "category" else None,
        request.FILES or None,
        initial={"framework_text": scoring.EXAMPLE_FRAMEWORK.read_text(encoding="utf-8")},
    )
    error = ""
    if request.method == "POST":
        if step == "status" and (page := _confirm_stage(request, edition, committee)) is not None:
            return page
        if step == "status":
            done, error = attempt(
                lambda: actions.do_set_edition_status(
                    actor=user,
                    edition=edition,
                    status=request.POST.get("status", ""),
                    reason=request.POST.get("reason", ""),
                )
            )
            if done:
                messages.success(
                    request, gettext("The edition moved to: {stage}.").format(stage=done.get_status_display())
                )
                return redirect("award:edition", pk=pk)
        elif step == "scoring_deadline":
            deadline_form = forms.ScoringDeadlineForm(request.POST)
            if deadline_form.is_valid():
                done, error = attempt(
                    lambda: actions.do_set_scoring_deadline(
                        actor=user, edition=edition, deadline=deadline_form.cleaned_data["scoring_deadline"]
                    )
                )
                if done:
                    messages.success(request, gettext("Jury scoring deadline saved."))
                    return redirect("award:edition", pk=pk)
            else:
                error = _first_error(deadline_form)
        elif step == "category":
            if not committee:
                raise PermissionDenied()
            if form.is_valid():
                data = form.cleaned_data
                done, error = attempt(
                    lambda: actions.do_save_category(
                        actor=user,
                        edition=edition,
                        key=data["key"],
                        name=data["name"],
                        participant_level=data["participant_level"],
                        framework=form.framework(),
                        titles=form.title_list(),
                        by_zone=data["by_zone"],
                        normalise_judges=data["normalise_judges"],
                    )
                )
                if done:
                    messages.success(request, gettext("Category saved."))
                    return redirect("award:category", pk=done.pk)
            else:
                error = _first_error(form)
    next_stage, previous_stage = next_and_previous(edition.status)
    next_checks = queries.edition_checks_for(user, edition, next_stage) if committee and next_stage else []
    context = {
        "deadline_form": forms.ScoringDeadlineForm(initial={"scoring_deadline": edition.scoring_deadline}),
        "edition": edition,
        "committee": committee,
        "categories": edition.categories.all(),
        "form": form,
        "error": error,
        "previous_stage": previous_stage,
        "next_stage": next_stage,
        "next_checks": [c.as_dict() for c in next_checks],
        "next_ready": all(c.ok for c in next_checks),
        "next_blocked": any(not c.ok and not c.overridable for c in next_checks),
        "flow": [(s, stage_step(s, edition.status) > 0, s == edition.status) for s in FLOW],
    }
    return render(request, "award/edition.html", context, status=422 if error else 200)


def _confirm_stage(request: HttpRequest, edition: Edition, committee: bool) -> HttpResponse | None:
    """Moving an edition on is undone by moving it back one stage, with a reason, until a category's results are
    approved: from then on a move forward cannot be taken back, and is confirmed first."""
    status = request.POST.get("status", "")
    if not committee or status not in EditionStatus.values or stage_step(edition.status, status) <= 0:
        return None
    if not edition.categories.filter(approved_at__isnull=False).exists():
        return None
    stage = EditionStatus(status).label
    return confirm_first(
        request,
        title=gettext("Move {edition} on to: {stage}?").format(edition=edition.name, stage=stage),
        consequences=[
            gettext("Results of this edition are approved: it cannot be moved back to {stage_now} afterwards.").format(
                stage_now=edition.get_status_display()
            ),
            gettext("Reason given: {reason}").format(reason=request.POST["reason"])
            if request.POST.get("reason", "").strip()
            else "",
        ],
        verb=gettext("move it on"),
        check=lambda: actions.do_set_edition_status(
            actor=request.user, edition=edition, status=status, reason=request.POST.get("reason", "")
        ),
    )
