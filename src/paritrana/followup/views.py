"""Follow-up pages: sessions (list, record, detail with findings, status changes and history, minutes as PDF or
XLSX), open follow-ups (XLSX per region), death claims with their heirs and the children's scholarship schedule
(missing and late years flagged, disbursements, marriage or work), and training referrals. Thin: each POST calls
one action; a refusal is shown on the same page with the form as the user filled it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from paritrana.core.dates import today
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.permissions import can, require
from paritrana.core.views import attempt
from paritrana.followup import actions, forms, queries, reports
from paritrana.sponsorship.choices import ClaimFlag


def _file(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _required(value: Any, field: str) -> Any:
    if value in (None, ""):
        raise InvalidInput(N_("{field} is required."), field=field)
    return value


# Sessions -------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "followup.view")
    sessions = queries.sessions_for(request.user)
    if request.GET.get("year", "").isdigit():
        sessions = sessions.filter(fiscal_year=int(request.GET["year"]))
    form = forms.bound(forms.SessionForm, request, "session", initial={"fiscal_year": today().year})
    can_manage = can(request.user, "followup.manage")
    if can_manage:
        from paritrana.sponsorship.queries import programs_for

        form.fields["programs"].choices = [
            (p.pk, f"{p.name} ({p.sponsor.region_code}, {p.fiscal_year})")
            for p in programs_for(request.user).filter(fiscal_year__gte=today().year - 2)[:500]
        ]
    error = ""
    if request.method == "POST":
        require(request.user, "followup.manage")
        if form.is_valid():
            data = form.cleaned_data
            done, error = attempt(
                lambda: actions.do_create_session(
                    actor=request.user,
                    kind=data["kind"],
                    held_on=data["held_on"],
                    place=data["place"],
                    bpjs_office=data["bpjs_office"],
                    region_code=data["region_code"],
                    fiscal_year=data["fiscal_year"],
                    attendees=form.attendee_rows(),
                    program_ids=[int(p) for p in data["programs"]] or None,
                    summary=data["summary"],
                )
            )
            if done:
                messages.success(request, gettext("Session recorded with its budget snapshot."))
                return redirect("followup:session", pk=done.pk)
    page = Paginator(sessions.order_by("-held_on", "-pk"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "can_manage": can_manage, "error": error}
    return render(request, "followup/session_list.html", context, status=422 if error or form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = queries.get_session(request.user, pk)
    finding_form = forms.bound(forms.FindingForm, request, "finding", prefix="f")
    error = ""
    if request.method == "POST" and finding_form.is_bound:
        require(request.user, "followup.manage", session.region_code)
        if finding_form.is_valid():
            data = finding_form.cleaned_data
            done, error = attempt(
                lambda: actions.do_add_finding(
                    actor=request.user,
                    session=session,
                    text=data["text"],
                    recommendation=data["recommendation"],
                    owner=data["owner"],
                    due_date=data["due_date"],
                    owner_user=data["owner_user"] or None,
                )
            )
            if done:
                messages.success(request, gettext("Finding added: {text}").format(text=Truncator(done.text).chars(80)))
                return redirect("followup:session", pk=pk)
    findings = list(session.findings.select_related("owner_user").prefetch_related("updates"))
    on = today()
    for f in findings:
        f.overdue = f.days_overdue(on) > 0  # type: ignore[attr-defined]
    context = {
        "session": session,
        "attendees": session.attendees.all(),
        "snapshot": session.snapshot,
        "findings": findings,
        "finding_form": finding_form,
        "status_form": forms.StatusForm(),
        "can_manage": can(request.user, "followup.manage", session.region_code),
        "error": error,
    }
    return render(request, "followup/session_detail.html", context, status=422 if error else 200)


@login_required
def minutes(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    session = queries.get_session(request.user, int(pk))
    data = queries.minutes(session)
    if fmt == "pdf":
        return _file(reports.minutes_pdf(data), "application/pdf", f"berita-acara-{session.pk}.pdf")
    return _file(reports.minutes_xlsx(data), reports.XLSX_TYPE, f"berita-acara-{session.pk}.xlsx")


@login_required
@require_http_methods(["POST"])
def finding_status(request: HttpRequest, pk: int) -> HttpResponse:
    finding = queries.get_finding(request.user, pk, "followup.manage")
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        _, error = attempt(
            lambda: actions.do_change_finding_status(actor=request.user, finding=finding, **form.cleaned_data)
        )
    else:
        error = gettext("Choose a status.")
    if error:
        messages.error(request, error)
    else:
        messages.success(request, gettext("Follow-up updated."))
    return redirect(request.POST.get("next") or f"/followup/{finding.session_id}/#finding-{finding.pk}")


@login_required
def followups(request: HttpRequest) -> HttpResponse:
    require(request.user, "followup.view")
    region = request.GET.get("region", "").strip()
    if request.GET.get("format") == "xlsx":
        from paritrana.followup.api import _open_followups_response

        return _open_followups_response(request.user, region)
    rows = queries.open_followups(request.user, region=region)
    return render(request, "followup/followups.html", {"findings": rows, "region": region})


# Heirs and scholarships -----------------------------------------------------------------------------------------


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "heirs.view")
    claims = queries.death_claims_for(request.user).prefetch_related("heir_records", "scholarship_children")
    page = Paginator(claims.order_by("-event_date", "-pk"), 50).get_page(request.GET.get("page"))
    flagged = {c.child.claim_id for c in queries.flagged_children(request.user, limit=500)}
    context = {"page": page, "flagged": flagged, "can_record": can(request.user, "claims.record")}
    return render(request, "followup/claim_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest) -> HttpResponse:
    """Register a claim: the worker by NIK or by a name search, and for a death its heirs as rows, in one action
    (``do_record_claim_with_heirs``). Without JavaScript a NIK typed works, and a name typed lists the workers to
    pick from on the next page; "add a row" submits the form back with one more heir row."""
    require(request.user, "claims.record")
    post = request.POST if request.method == "POST" else None
    form = forms.ClaimEntryForm(post)
    form.fields["worker_query"].widget.attrs.update(
        {
            "hx-post": reverse("followup:claim_workers"),
            "hx-trigger": "input changed delay:400ms",
            "hx-target": "#worker-matches",
        }
    )
    heirs = forms.HeirRowFormSet(post, prefix="heirs")
    error = ""
    if post is not None and "add_heir" in post:
        more = post.copy()
        total = more.get("heirs-TOTAL_FORMS", "")
        more["heirs-TOTAL_FORMS"] = str(min(int(total) + 1 if total.isdigit() else 1, actions.MAX_HEIRS))
        heirs = forms.HeirRowFormSet(more, prefix="heirs")
    elif post is not None:
        if form.is_valid() and heirs.is_valid():
            data = form.cleaned_data
            rows = [f.row() for f in heirs.forms if f.has_changed() and f not in heirs.deleted_forms]

            def record() -> Any:
                worker = queries.claim_worker(request.user, worker_id=data["worker"], text=data["worker_query"])
                return actions.do_record_claim_with_heirs(
                    actor=request.user,
                    worker=worker,
                    kind=data["kind"],
                    event_date=data["event_date"],
                    amount_paid=data["amount_paid"],
                    paid_on=data["paid_on"],
                    contribution_years=data["contribution_years"],
                    heirs=rows,
                )

            done, error = attempt(record)
            if done:
                messages.success(request, gettext("Claim registered."))
                return redirect("followup:claim", pk=done.pk)
        else:
            error = gettext("Correct the form.")
    query = form.data.get("worker_query", "") if post is not None else ""
    context = {
        "form": form,
        "heirs": heirs,
        "matches": queries.workers_matching(request.user, query),
        "picked": form.data.get("worker", "") if post is not None else "",
        "query": query,
        "death_kinds": actions.DEATH_KINDS,
        "error": error,
    }
    return render(request, "followup/claim_new.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["POST"])
def claim_workers(request: HttpRequest) -> HttpResponse:
    """The workers matching what is typed in the claim form's worker field (HTMX; posted, so that a NIK typed stays
    out of addresses and logs): at most 20, masked NIK, desa and birth date, to pick one."""
    require(request.user, "claims.record")
    query = request.POST.get("worker_query", "")
    context = {"matches": queries.workers_matching(request.user, query), "picked": "", "query": query}
    return render(request, "followup/_claim_workers.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = queries.get_claim(request.user, pk)
    if request.GET.get("format") == "xlsx":
        schedules = [queries.child_years(c) for c in claim.scholarship_children.select_related("heir", "claim")]
        title = f"Jadwal beasiswa klaim {claim.pk}"
        return _file(reports.schedule_xlsx(schedules, title=title), reports.XLSX_TYPE, f"beasiswa-{claim.pk}.xlsx")
    heir_form = forms.bound(forms.HeirForm, request, "heir", prefix="h")
    child_form = forms.bound(forms.ChildForm, request, "child", prefix="c")
    pay_form = forms.bound(forms.DisbursementForm, request, "pay", prefix="d")
    end_form = forms.bound(forms.EndForm, request, "end", prefix="e")
    refer_form = forms.bound(forms.ReferralForm, request, "refer", prefix="r")
    heirs = list(queries.heirs_of(claim))
    refer_form.fields["heir"].widget.choices = [(h.pk, h.name) for h in heirs]
    error = ""
    if request.method == "POST":
        action = _claim_action(request, claim, heir_form, child_form, pay_form, end_form, refer_form)
        if action is None:
            error = gettext("Correct the form.")
        else:
            done, error = attempt(action)
            if done is not None and not error:
                messages.success(request, gettext("Saved."))
                return redirect("followup:claim", pk=pk)
    children: list[dict[str, Any]] = []
    for child in claim.scholarship_children.select_related("heir", "claim").prefetch_related("years"):
        years, problem = attempt(partial(queries.child_years, child))
        children.append({"child": child, "years": years, "problem": problem})
    context = {
        "claim": claim,
        "heirs": heirs,
        "children": children,
        "heir_form": heir_form,
        "child_form": child_form,
        "pay_form": pay_form,
        "end_form": end_form,
        "refer_form": refer_form,
        "can_manage": can(request.user, "heirs.manage", claim.desa_code),
        "can_refer": can(request.user, "heirs.refer", claim.desa_code),
        "is_death": claim.kind in actions.DEATH_KINDS,
        "flags": [ClaimFlag(f).label if f in ClaimFlag.values else f for f in claim.flags],
        "error": error,
    }
    return render(request, "followup/claim_detail.html", context, status=422 if error else 200)


def _claim_action(
    request: HttpRequest, claim: Any, heir_form: Any, child_form: Any, pay_form: Any, end_form: Any, refer_form: Any
) -> Callable[[], Any] | None:
    """The action a POST on the claim page asks for, or None when its form does not parse."""
    step = request.POST.get("form")
    user = request.user
    if step == "refer":
        require(user, "heirs.refer", claim.desa_code)
        if not refer_form.is_valid():
            return None
        data = dict(refer_form.cleaned_data)

        def refer() -> Any:
            heir = queries.get_heir(user, data.pop("heir"), "heirs.refer")
            return actions.do_refer_to_training(actor=user, heir=heir, **data)

        return refer
    require(user, "heirs.manage", claim.desa_code)
    if step == "heir" and heir_form.is_valid():
        return lambda: actions.do_add_heir(actor=user, claim=claim, **heir_form.cleaned_data)
    if step == "child" and child_form.is_valid():
        data = dict(child_form.cleaned_data)

        def flag() -> Any:
            heir = queries.get_heir(user, data.pop("heir"), "heirs.manage")
            return actions.do_flag_scholarship_child(actor=user, heir=heir, **data)

        return flag
    if step == "pay" and pay_form.is_valid():
        data = dict(pay_form.cleaned_data)

        def pay() -> Any:
            child = queries.get_child(user, data.pop("child"), "heirs.manage")
            return actions.do_record_disbursement(actor=user, child=child, **data)

        return pay
    if step == "end" and end_form.is_valid():
        data = {k: v for k, v in end_form.cleaned_data.items() if v is not None and k != "shown"}
        shown = end_form.cleaned_data.get("shown")
        if isinstance(shown, dict):  # the dates the page showed: only the ones this form changes
            data["expected"] = {k: shown.get(k) or None for k in ("married_on", "working_since") if k in data}

        def end() -> Any:
            child = queries.get_child(user, _required(data.pop("child", None), "child"), "heirs.manage")
            return actions.do_update_scholarship_child(actor=user, child=child, **data)

        return end
    return None


@login_required
@require_http_methods(["GET", "POST"])
def referrals(request: HttpRequest) -> HttpResponse:
    require(request.user, "heirs.view")
    form = forms.bound(forms.OutcomeForm, request, "outcome")
    error = ""
    if request.method == "POST":
        require(request.user, "heirs.refer")
        if form.is_valid():
            data = dict(form.cleaned_data)

            def record() -> Any:
                referral = queries.get_referral(request.user, data.pop("referral"), "heirs.refer")
                return actions.do_record_referral_outcome(actor=request.user, referral=referral, **data)

            done, error = attempt(record)
            if done:
                messages.success(request, gettext("Outcome recorded."))
                return redirect("followup:referrals")
        else:
            error = gettext("Correct the form.")
    rows = queries.referrals_for(request.user).order_by("-referred_on", "-pk")[:500]
    context = {
        "referrals": rows,
        "outcomes": forms.OutcomeForm.base_fields["outcome"].choices,  # type: ignore[attr-defined]
        "can_refer": can(request.user, "heirs.refer"),
        "error": error,
    }
    return render(request, "followup/referrals.html", context, status=422 if error else 200)
