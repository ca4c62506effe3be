"""A participant's page for its committee, operators and panel: answers and evidence, indicator values, the
verification (accept or return with notes, scores of text answers), and once results are visible the score
down to every leaf and judge, the stability of its rank and what would lift it one rank; its PDF report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from paritrana.award import actions, queries, reports
from paritrana.award.models import Participant, ParticipantStatus, Result
from paritrana.award.views._common import _answers_and_evidence, _file, _framework, _leaves, _missing, _results
from paritrana.core.errors import N_, InvalidInput, PermissionDenied
from paritrana.core.permissions import can
from paritrana.core.views import attempt, confirm_first


def _verify(request: HttpRequest, participant: Participant) -> Any:
    accept = request.POST.get("decision") == "accept"
    text_scores: dict[str, float] = {}
    for leaf in _leaves(participant.category, "question"):
        if leaf.answer != "text":
            continue
        raw = request.POST.get(f"score-{leaf.key}", "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            text_scores[leaf.key] = float(raw)
        except ValueError:
            raise InvalidInput(N_("'{value}' is not a number."), field=leaf.key, value=raw) from None
    return actions.do_verify(
        actor=request.user,
        participant=participant,
        accept=accept,
        notes=request.POST.get("notes", ""),
        text_scores=text_scores,
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant(request: HttpRequest, pk: int) -> HttpResponse:
    """A participant for its committee, operators and panel: answers and evidence, indicator values, the
    verification (committee), and once results are visible the score down to every leaf and judge."""
    user = request.user
    participant = queries.participant_for(user, pk)
    category = participant.category
    committee = queries.is_committee(user, category.edition)
    error = ""
    if request.method == "POST":
        if request.POST.get("form") != "verify":
            raise PermissionDenied()
        if committee and request.POST.get("decision") == "accept":
            page = confirm_first(
                request,
                title=gettext("Accept the submission of {participant}?").format(participant=participant.name),
                consequences=[
                    gettext("The participant is verified and goes on to the jury and the ranking."),
                    gettext("An accepted submission is not returned for corrections afterwards."),
                ],
                verb=gettext("accept"),
                check=lambda: _verify(request, participant),
            )
            if page is not None:
                return page
        done, error = attempt(lambda: _verify(request, participant))
        if done:
            label = gettext("accepted") if done.status == ParticipantStatus.VERIFIED else gettext("returned")
            messages.success(
                request, gettext("{participant}: {decision}.").format(participant=done.name, decision=label)
            )
            return redirect("award:participant", pk=pk)
    framework = _framework(category)
    results = _results(user, category)
    result = Result.objects.filter(participant=participant).first() if results is not None else None
    names = reports.leaf_names(framework)
    questions = _answers_and_evidence(participant)
    context = {
        "participant": participant,
        "category": category,
        "edition": category.edition,
        "committee": committee,
        "can_report": committee or can(user, "award.submit", participant.region_code),
        "questions": questions,
        "indicators": [
            {"name": names.get(v.criterion, v.criterion), "value": v.value, "target": v.target, "source": v.source}
            for v in participant.indicator_values.all().order_by("criterion")
        ],
        "missing": _missing(questions),
        "text_questions": [
            {"key": c.key, "name": reports.text_of(c.name)} for c in _leaves(category, "question") if c.answer == "text"
        ],
        "can_verify": committee and participant.status == ParticipantStatus.SUBMITTED and not category.approved_at,
        "result": result,
        "count": len(results or []),
        "aspects": reports.aspect_rows(result, framework) if result else [],
        "leaves": reports.breakdown_rows(result, framework, judge_names=committee) if result else [],
        "stability": reports.stability(result) if result else {},
        "critical": [names.get(k, k) for k in (result.sensitivity.get("critical", []) if result else [])],
        "lift": reports.lift_rows(result, framework) if result else [],
        "error": error,
    }
    return render(request, "award/participant.html", context, status=422 if error else 200)


@login_required
@require_GET
def participant_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's PDF report: for the committee, and for the participant's own operators once published."""
    user = request.user
    participant = queries.participant_for(user, pk)
    category = participant.category
    committee = queries.is_committee(user, category.edition)
    if not committee and not can(user, "award.submit", participant.region_code):
        raise PermissionDenied()
    queries.results_for(user, category)
    body = reports.participant_pdf(participant, judge_names=committee)
    slug = participant.region_code.replace(".", "")
    return _file(body, "application/pdf", f"laporan-{category.edition.year}-{category.key}-{slug}.pdf")
