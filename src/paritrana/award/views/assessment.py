"""The regional operator's side: its participations and the self-assessment of each (answers, evidence,
submission), and the download of an uploaded document."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from paritrana.award import actions, forms, queries
from paritrana.award.evidence import MAX_EVIDENCE_BYTES
from paritrana.award.models import EditionStatus, Participant, ParticipantStatus
from paritrana.award.views._common import _answers_and_evidence, _first_error, _leaves, _missing, _participations
from paritrana.core.errors import PermissionDenied
from paritrana.core.permissions import can, require
from paritrana.core.sheets import check_size
from paritrana.core.views import attempt


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    require(request.user, "award.submit")
    return render(request, "award/mine.html", {"participations": _participations(request.user)})


def _open_for_answers(user: Any, participant: Participant) -> tuple[bool, str]:
    """Whether the self-assessment can be changed now, and if not why (the actions decide; this only shapes the
    page)."""
    category, edition = participant.category, participant.category.edition
    if not can(user, "award.submit", participant.region_code):
        return False, gettext("Only the region's operators fill in the self-assessment.")
    if category.approved_at:
        return False, gettext("The results are approved and locked.")
    if edition.status != EditionStatus.OPEN:
        return False, gettext("The self-assessment is not open (stage: {stage}).").format(
            stage=edition.get_status_display()
        )
    if timezone.now() > edition.submission_deadline:
        return False, gettext("The deadline has passed.")
    if participant.status not in (ParticipantStatus.INVITED, ParticipantStatus.RETURNED):
        return False, gettext("Submitted: the committee must return it before anything can change.")
    return True, ""


def _answer(user: Any, participant: Participant, criterion: str, value: str, seen: str | None) -> Any:
    return actions.do_save_answer(actor=user, participant=participant, criterion=criterion, value=value, seen=seen)


def _save_answers(request: HttpRequest, participant: Participant) -> dict[str, str]:
    """Save every answered question; refusals by question (the others are saved). Each question carries the
    version of its answer the page showed (``v-<key>``): one a colleague changed since is refused, not overwritten."""
    errors: dict[str, str] = {}
    for leaf in _leaves(participant.category, "question"):
        value = request.POST.get(f"q-{leaf.key}")
        if value is None or not value.strip():
            continue
        seen = request.POST.get(f"v-{leaf.key}")  # absent from a page of an older release: no check
        _, error = attempt(functools.partial(_answer, request.user, participant, leaf.key, value, seen))
        if error:
            errors[leaf.key] = error
    return errors


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-assessment of a participant: each question by its type, the evidence each needs, what is still
    missing, the submission; the committee's notes when it was returned. Deadline and status on top."""
    user = request.user
    participant = queries.participant_for(user, pk)
    errors: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        require(user, "award.submit", participant.region_code)
        step = request.POST.get("form", "")
        if step == "answers":
            errors = _save_answers(request, participant)
            if not errors:
                messages.success(request, gettext("Answers saved."))
                return redirect("award:assessment", pk=pk)
            error = gettext("Some answers were not saved; see below.")
        elif step == "evidence":
            form = forms.EvidenceForm(request.POST, request.FILES or None)
            if form.is_valid():
                upload = form.cleaned_data["file"]

                def upload_file() -> Any:
                    check_size(upload.name or "", upload.size, MAX_EVIDENCE_BYTES)
                    return actions.do_upload_evidence(
                        actor=user,
                        participant=participant,
                        criterion=form.cleaned_data["criterion"],
                        document=form.cleaned_data["document"],
                        data=upload.read(),
                        filename=upload.name or "evidence",
                    )

                done, message = attempt(upload_file)
                if done:
                    messages.success(request, gettext("{filename} uploaded.").format(filename=done.filename))
                    return redirect("award:assessment", pk=pk)
                errors[form.cleaned_data["criterion"]] = message
                error = message
            else:
                error = _first_error(form)
        elif step == "submit":
            done, error = attempt(lambda: actions.do_submit(actor=user, participant=participant))
            if done:
                messages.success(request, gettext("Self-assessment submitted."))
                return redirect("award:assessment", pk=pk)
        else:
            raise PermissionDenied()
        participant.refresh_from_db()
    editable, closed_reason = _open_for_answers(user, participant)
    questions = _answers_and_evidence(participant)
    for q in questions:
        q["error"] = errors.get(q["key"], "")
        q["posted"] = request.POST.get(f"q-{q['key']}") if request.method == "POST" else None
    context = {
        "participant": participant,
        "category": participant.category,
        "edition": participant.category.edition,
        "questions": questions,
        "missing": _missing(questions),
        "editable": editable,
        "closed_reason": closed_reason,
        "error": error,
        "overdue": timezone.now() > participant.category.edition.submission_deadline,
    }
    return render(request, "award/assessment.html", context, status=422 if error else 200)


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A document, for the people who may see its participant; the download is audited (``evidence_file``)."""
    item, path = queries.evidence_file(request.user, pk)
    return FileResponse(path.open("rb"), as_attachment=True, filename=item.filename, content_type=item.content_type)
