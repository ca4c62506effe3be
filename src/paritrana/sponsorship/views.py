"""Sponsorship pages: programs and sponsors, a program's enrollment, bills and renewal, billing runs, payments,
claims, budget monev (with XLSX/PDF) and the planner. Thin: each POST calls one action; a refusal is shown on the
same page with the form as the user filled it. Why one module of this size: one thin adapter per page of the app,
no rule lives here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods
from lokal import format_rupiah

from paritrana.core.dates import today
from paritrana.core.models import Job
from paritrana.core.permissions import can, owns, require, scope_for
from paritrana.core.sheets import check_size
from paritrana.core.views import attempt, confirm_first
from paritrana.sponsorship import actions, forms, queries
from paritrana.sponsorship import jobs as background_jobs
from paritrana.sponsorship.jobs import billing_in_background, do_queue_billing, do_queue_reconcile
from paritrana.sponsorship.lifecycle import ended_by_worker_changes


def _sponsor_choices(user: Any) -> list[tuple[int, str]]:
    return [(s.pk, f"{s.name} ({s.region_code})") for s in queries.sponsors_for(user)]


@login_required
@require_http_methods(["GET", "POST"])
def program_list(request: HttpRequest) -> HttpResponse:
    programs = queries.programs_for(request.user)
    if request.GET.get("year"):
        programs = programs.filter(fiscal_year=request.GET["year"])
    sponsor_form = forms.SponsorForm(request.POST if request.POST.get("form") == "sponsor" else None, prefix="s")
    program_form = forms.ProgramForm(request.POST if request.POST.get("form") == "program" else None, prefix="p")
    program_form.fields["sponsor"].widget.choices = _sponsor_choices(request.user)
    error = ""
    if request.method == "POST":
        if sponsor_form.is_bound and sponsor_form.is_valid():
            done, error = attempt(lambda: actions.do_create_sponsor(actor=request.user, **sponsor_form.cleaned_data))
            if done:
                messages.success(request, gettext("Sponsor created."))
                return redirect("sponsorship:programs")
        elif program_form.is_bound and program_form.is_valid():
            data = dict(program_form.cleaned_data)

            def create() -> Any:
                sponsor = queries.get_sponsor(request.user, data.pop("sponsor"), "sponsorship.manage")
                return actions.do_create_program(actor=request.user, sponsor=sponsor, **data)

            done, error = attempt(create)
            if done:
                messages.success(
                    request, gettext("Program {name} {year} created.").format(name=done.name, year=done.fiscal_year)
                )
                return redirect("sponsorship:program", pk=done.pk)
    context = {
        "programs": programs,
        "sponsors": queries.sponsors_for(request.user),
        "sponsor_form": sponsor_form,
        "program_form": program_form,
        "can_manage": can(request.user, "sponsorship.manage"),
        "error": error,
    }
    return render(request, "sponsorship/program_list.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = queries.get_program(request.user, pk)
    posted = request.POST.get("form")
    enroll_form = forms.EnrollForm(request.POST if posted == "enroll" else None, request.FILES or None, prefix="e")
    renew_form = forms.RenewForm(request.POST if request.POST.get("form") == "renew" else None, prefix="r")
    pagu_form = forms.PaguForm(
        request.POST if request.POST.get("form") == "pagu" else None, prefix="g", initial={"shown": int(program.pagu)}
    )
    error, result = "", None
    if request.method == "POST":
        step = request.POST.get("form")
        if step == "status":
            if (confirm := _confirm_advance(request, program)) is not None:
                return confirm
            done, error = attempt(
                lambda: actions.do_advance_program(actor=request.user, program=program, to=request.POST.get("to", ""))
            )
            if done:
                messages.success(
                    request,
                    gettext("Program {name} {year} is now {status}.").format(
                        name=done.name, year=done.fiscal_year, status=done.get_status_display()
                    ),
                )
                return redirect("sponsorship:program", pk=pk)
        elif step == "pagu" and pagu_form.is_valid():
            done, error = attempt(
                lambda: actions.do_update_program(
                    actor=request.user,
                    program=program,
                    pagu=pagu_form.cleaned_data["pagu"],
                    expected={"pagu": shown} if (shown := pagu_form.cleaned_data["shown"]) else None,
                ),
            )
            if done:
                messages.success(
                    request,
                    gettext("The pagu of {name} is now {pagu}.").format(name=done.name, pagu=format_rupiah(done.pagu)),
                )
                return redirect("sponsorship:program", pk=pk)
        elif step == "end":
            done, error = attempt(lambda: _end(request, program))
            if isinstance(done, HttpResponse):  # the confirmation page
                return done
            if done:
                messages.success(
                    request,
                    gettext("The enrollment of {worker} in {program} ends after {month}.").format(
                        worker=done.worker.name, program=program.name, month=done.last_month.isoformat()[:7]
                    ),
                )
                return redirect("sponsorship:program", pk=pk)
        elif step == "renew" and renew_form.is_valid():
            done, error = attempt(
                lambda: actions.do_renew_program(
                    actor=request.user, program=program, pagu=renew_form.cleaned_data["pagu"]
                ),
            )
            if done:
                messages.success(
                    request,
                    gettext("Program {name} {year} created as a draft from this one.").format(
                        name=done.name, year=done.fiscal_year
                    ),
                )
                return redirect("sponsorship:program", pk=done.pk)
        elif step == "enroll" and enroll_form.is_valid():
            result, error = attempt(lambda: _enroll(request, program, enroll_form.cleaned_data))
            program.refresh_from_db()
            if result is not None and result.enrolled:
                messages.success(
                    request,
                    ngettext(
                        "{n} worker enrolled in {program}.", "{n} workers enrolled in {program}.", result.enrolled
                    ).format(n=result.enrolled, program=program.name),
                )
    enrollments = queries.enrollments_for(request.user, program) if can(request.user, "registry.view") else None
    page = Paginator(enrollments, 50).get_page(request.GET.get("page")) if enrollments is not None else None
    context = {
        "program": program,
        "row": queries.monev_row(program),
        "bills": program.bills.annotate(discounted_lines=Count("lines", filter=~Q(lines__rule=""))).order_by("month"),
        "page": page,
        "enroll_form": enroll_form,
        "renew_form": renew_form,
        "pagu_form": pagu_form,
        "result": result,
        "error": error,
        "next_status": {"draft": "approved", "approved": "active", "active": "closed"}.get(program.status),
        # Enrollments ended because their worker died, moved away or was merged: the owner is told here.
        "worker_changes": ended_by_worker_changes(program),
        "can_manage": owns(request.user, "sponsorship.manage", program.sponsor.region_code),
        "can_approve": owns(request.user, "sponsorship.approve", program.sponsor.region_code)
        and not queries.made_or_changed_by(request.user, program),
    }
    status = 422 if error or (result and result.refused and not result.enrolled) else 200
    return render(request, "sponsorship/program_detail.html", context, status=status)


def _confirm_advance(request: HttpRequest, program: Any) -> HttpResponse | None:
    """Approving, activating and closing a program are one-way: say what each means before it is done."""
    to = request.POST.get("to", "")
    what = f"{program.name} {program.fiscal_year}"
    if to == "approved":
        title = gettext("Approve program {program}?").format(program=what)
        verb = gettext("approve")
        consequences = [
            gettext(
                "Its terms are fixed: afterwards only the name, pagu, target, minimum per desa and grace days "
                "can change."
            ),
            gettext("Workers can be enrolled from then on; it cannot go back to draft."),
        ]
    elif to == "active":
        title = gettext("Activate program {program}?").format(program=what)
        verb = gettext("activate")
        consequences = [
            gettext("Its enrolled workers are billed from the next billing run; it cannot go back to approved."),
        ]
    elif to == "closed":
        running = program.enrollments.filter(status="active", last_month__gte=today().replace(day=1)).count()
        title = gettext("Close program {program}?").format(program=what)
        verb = gettext("close the program")
        consequences = [
            gettext("No more workers can be enrolled and nothing in it can change any more."),
            ngettext(
                "{n} enrollment still runs after this month: its later months are no longer billed.",
                "{n} enrollments still run after this month: their later months are no longer billed.",
                running,
            ).format(n=running),
            gettext("A closed program cannot be reopened; renew it into a new program instead."),
        ]
    else:
        return None  # an unknown status: the action refuses it
    return confirm_first(
        request,
        title=title,
        consequences=consequences,
        verb=verb,
        check=lambda: actions.do_advance_program(actor=request.user, program=program, to=to),
    )


def _end(request: HttpRequest, program: Any) -> Any:
    """End one enrollment of this program after the month given (YYYY-MM), once confirmed (the confirmation page
    is returned first)."""
    from datetime import date

    from paritrana.core.errors import InvalidInput

    try:
        enrollment_id = int(request.POST.get("enrollment", ""))
        last = date.fromisoformat(request.POST.get("last_month", "") + "-01")
    except ValueError:
        raise InvalidInput(gettext("Give the enrollment and the last month (YYYY-MM)."), field="last_month") from None
    enrollment = queries.get_enrollment(request.user, enrollment_id)
    if enrollment.program_id != program.pk:
        raise InvalidInput(gettext("Give the enrollment and the last month (YYYY-MM)."), field="enrollment")
    page = confirm_first(
        request,
        title=gettext("End the enrollment of {worker}?").format(worker=enrollment.worker.name),
        consequences=[
            gettext("{worker} ({nik}) is no longer covered by {program} after {month}.").format(
                worker=enrollment.worker.name,
                nik=enrollment.worker.masked_nik,
                program=program.name,
                month=last.isoformat()[:7],
            ),
            gettext("The months not billed yet go back to the pagu."),
        ],
        verb=gettext("end the enrollment"),
        check=lambda: actions.do_end_enrollment(actor=request.user, enrollment=enrollment, last_month=last),
    )
    if page is not None:
        return page
    return actions.do_end_enrollment(actor=request.user, enrollment=enrollment, last_month=last)


def _enroll(request: HttpRequest, program: Any, data: dict[str, Any]) -> actions.EnrollResult:
    if data["how"] == "file":
        from pathlib import Path

        upload = data["file"]
        if upload is None:
            from paritrana.core.errors import InvalidInput

            raise InvalidInput(gettext("Choose the file with the NIKs."), field="file")
        workers = queries.workers_in_list(request.user, upload.read(), Path(upload.name).name)
    else:
        workers = queries.enrollment_candidates(
            request.user, program, [], data["how"] == "filter", data.get("desa") or "", data["how"] == "carry_over"
        )
    return actions.do_enroll(
        actor=request.user,
        program=program,
        workers=workers,
        first_month=data.get("first_month"),
        last_month=data.get("last_month"),
        mode=data["mode"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def billing(request: HttpRequest) -> HttpResponse:
    require(request.user, "sponsorship.view")
    form = forms.BillingForm(request.POST or None, initial={"month": today().strftime("%Y-%m")})
    result, error = None, ""
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        active = queries.programs_for(request.user, "sponsorship.manage").filter(status="active")
        waiting = sum(1 for p in active.exclude(bills__month=month) if p.start <= month <= p.end)
        background = waiting and billing_in_background(request.user, month)
        page = confirm_first(
            request,
            title=gettext("Bill {month}?").format(month=month.isoformat()[:7]),
            consequences=[
                ngettext(
                    "A bill for {month} is made for {n} active program that covers it and is not billed yet.",
                    "A bill for {month} is made for each of {n} active programs that cover it and are not billed yet.",
                    waiting,
                ).format(month=month.isoformat()[:7], n=waiting),
                gettext("A bill cannot be withdrawn; its enrollments and pagu are charged with it."),
                *(
                    [gettext("The run is large: it goes on in the background, and its page shows how far it is.")]
                    if background
                    else []
                ),
            ],
            verb=gettext("make the bills"),
            # A run too large to wait for is not tried first either: the job reports a refusal.
            check=None if background else lambda: actions.do_run_billing(actor=request.user, month=month),
        )
        if page is not None and waiting:
            return page
        if background:
            job = do_queue_billing(actor=request.user, month=month)
            messages.success(
                request, gettext("The billing run of {month} is queued.").format(month=month.isoformat()[:7])
            )
            return redirect("web:job", pk=job.pk)
        result, error = attempt(lambda: actions.do_run_billing(actor=request.user, month=month))
        if result is not None:
            messages.success(
                request,
                ngettext("{n} bill made for {month}.", "{n} bills made for {month}.", len(result.bills)).format(
                    n=len(result.bills), month=month.isoformat()[:7]
                ),
            )
    bills = Paginator(queries.bills_for(request.user), 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "result": result,
        "error": error,
        "bills": bills,
        "can_manage": can(request.user, "sponsorship.manage"),
    }
    return render(request, "sponsorship/billing.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["POST"])
def bill_step(request: HttpRequest, pk: int) -> HttpResponse:
    bill = queries.get_bill(request.user, pk)
    reconciling = request.POST.get("to") == "reconciled"
    step = actions.do_reconcile_bill if reconciling else actions.do_submit_bill
    back = request.POST.get("next") or reverse("sponsorship:billing")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("sponsorship:billing")
    page = confirm_first(
        request,
        title=(gettext("Reconcile bill {number}?") if reconciling else gettext("Hand bill {number} to BPJS?")).format(
            number=bill.number
        ),
        consequences=[
            gettext("{program}, {month}: {workers} workers, {amount}.").format(
                program=bill.program.name,
                month=bill.month.isoformat()[:7],
                workers=bill.workers,
                amount=format_rupiah(bill.amount),
            ),
            gettext("You confirm that the money arrived at BPJS Ketenagakerjaan; the bill is closed.")
            if reconciling
            else gettext("The bill waits for the BPJS branch to confirm that the money arrived."),
        ],
        verb=gettext("reconcile") if reconciling else gettext("hand it over"),
        back=back,
        check=lambda: step(actor=request.user, bill=bill),
    )
    if page is not None:
        return page
    done, error = attempt(lambda: step(actor=request.user, bill=bill))
    if error:
        messages.error(request, error)
    else:
        status = done.get_status_display()
        messages.success(request, gettext("Bill {number} is now {status}.").format(number=done.number, status=status))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def payments(request: HttpRequest) -> HttpResponse:
    require(request.user, "payments.record")
    form = forms.PaymentForm(request.POST if request.POST.get("form") == "one" else None, prefix="one")
    file_form = forms.PaymentFileForm(
        request.POST if request.POST.get("form") == "file" else None, request.FILES or None, prefix="file"
    )
    error, imported = "", None
    if request.method == "POST":
        if form.is_bound and form.is_valid():
            done, error = attempt(lambda: actions.do_record_payment(actor=request.user, **form.cleaned_data))
            if done:
                messages.success(request, gettext("Payment recorded."))
                return redirect("sponsorship:payments")
        elif file_form.is_bound and file_form.is_valid():
            upload = file_form.cleaned_data["file"]
            check_size(upload.name or "", upload.size)
            imported, error = attempt(
                lambda: actions.do_import_payments(
                    actor=request.user,
                    source=upload.read(),
                    filename=upload.name,
                    kind=file_form.cleaned_data["source"],
                ),
            )
            if imported is not None and not imported.errors:
                messages.success(request, gettext("Payments of {file} imported.").format(file=upload.name))
    context = {
        "form": form,
        "file_form": file_form,
        "error": error,
        "imported": imported,
        "payments": queries.payments_for(request.user)[:100],
        "unmatched": queries.payments_for(request.user).filter(bill__isnull=True)[:100],
    }
    failed = error or (imported and imported.errors)
    return render(request, "sponsorship/payments.html", context, status=422 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def claims(request: HttpRequest) -> HttpResponse:
    """The claims list (each row opens its claim page where the user may see heirs) and the claims file import.
    One claim is registered on the Klaim page of the follow-up app (``followup:claim_new``), which records the
    heirs of a death in the same transaction."""
    require(request.user, "registry.view")
    file_form = forms.ClaimFileForm(
        request.POST if request.POST.get("form") == "file" else None, request.FILES or None, prefix="file"
    )
    error, imported = "", None
    if request.method == "POST":
        require(request.user, "claims.record")
        if file_form.is_bound and file_form.is_valid():
            upload = file_form.cleaned_data["file"]
            check_size(upload.name or "", upload.size)
            imported, error = attempt(
                lambda: actions.do_import_claims(actor=request.user, source=upload.read(), filename=upload.name),
            )
    claims = list(queries.claims_for(request.user)[:200])
    heir_scope = scope_for(request.user, "heirs.view")  # the claim page shows the heirs: their capability
    context = {
        "file_form": file_form,
        "imported": imported,
        "error": error,
        "claims": claims,
        "openable": {c.pk for c in claims if heir_scope.contains(c.desa_code)},
        "can_record": can(request.user, "claims.record"),
    }
    failed = error or (imported and imported.errors)
    return render(request, "sponsorship/claims.html", context, status=422 if failed else 200)


@login_required
def monev(request: HttpRequest) -> HttpResponse:
    """Monev of one fiscal year: the one chosen (kept in the URL), else the current one. The exports follow it."""
    data = request.GET.copy()
    data.pop("format", None)
    if not data.get("fiscal_year"):
        data["fiscal_year"] = str(queries.default_fiscal_year(request.user))
    form = forms.MonevFilterForm(data)
    form.fields["sponsor"].widget.choices = [("", "—"), *_sponsor_choices(request.user)]
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    report = queries.monev(request.user, **filters)
    years = sorted({*report.years, report.fiscal_year or 0} - {0}, reverse=True)
    form.fields["fiscal_year"].widget.choices = [(str(y), str(y)) for y in years]
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        from paritrana.sponsorship import reports

        title = gettext("Budget monev of worker protection")
        if fmt == "xlsx":
            body = reports.monev_xlsx(report, title=title)
            kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body = reports.monev_pdf(report, title=title)
            kind = "application/pdf"
        response = HttpResponse(body, content_type=kind)
        name = f"monev-{report.fiscal_year}-{report.on.isoformat()}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    from paritrana.sponsorship import reports

    data["fiscal_year"] = str(report.fiscal_year)
    context = {
        "form": form,
        "report": report,
        "query": data.urlencode(),
        "charts": reports.year_chart_svgs(report),
        "year_table": reports.year_table(report),
        # Bill lines for months after a worker's death: per sponsor and program, to recover (issue 19).
        "overpayments": queries.overpayments(request.user, **{**filters, "fiscal_year": report.fiscal_year}),
        "can_list_overpaid": can(request.user, "registry.view"),
    }
    return render(request, "sponsorship/monev.html", context, status=200 if form.is_valid() else 422)


@login_required
def overpayments(request: HttpRequest, fmt: str) -> HttpResponse:
    """The bill lines issued for months after their worker's death, one row each (NIK masked), as CSV or XLSX:
    what the sponsor recovers from BPJS or takes off an unpaid bill. Filtered like monev."""
    from paritrana.core.errors import NotFound
    from paritrana.core.tables import rows_csv, rows_xlsx

    if fmt not in ("csv", "xlsx"):
        raise NotFound()
    form = forms.MonevFilterForm(request.GET or None)
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    rows = queries.overpayment_lines(request.user, **filters)
    columns = queries.OVERPAYMENT_COLUMNS
    if fmt == "csv":
        response = HttpResponse(rows_csv(columns, rows, bom=True), content_type="text/csv; charset=utf-8")
    else:
        body = rows_xlsx(columns, rows, "kelebihan bayar")
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="kelebihan-bayar-{today().isoformat()}.{fmt}"'
    return response


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    require(request.user, "sponsorship.view")
    form = forms.PlanForm(request.GET or None, initial={"on": today().replace(day=1)})
    answer, allocation, error = None, None, ""
    if form.is_valid():
        data = form.cleaned_data

        def solve() -> tuple[Any, Any]:
            return queries.plan(
                request.user,
                budget=data["budget"],
                months=data["months"],
                on=data["on"],
                package=data["package"],
                region=data.get("region") or "",
                minimum=data["minimum"],
                funder=data.get("funder") or "apbd",
            )

        solved, error = attempt(solve)
        if solved:
            answer, allocation = solved
    context = {"form": form, "answer": answer, "allocation": allocation, "error": error}
    return render(request, "sponsorship/plan.html", context, status=422 if error else 200)


# The bill page and the exchange with the BPJS branch -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A bill: its lines (worker, months, amount, the rule that priced it), its payments and what is left to pay.
    A POST moves the bill one step (paid -> awaiting reconciliation -> reconciled), as it always did."""
    if request.method == "POST":
        return bill_step(request, pk)
    bill = queries.get_bill(request.user, pk)
    lines = queries.bill_lines(request.user, bill) if can(request.user, "registry.view") else None
    context = {
        "bill": bill,
        "state": queries.bill_state(bill),
        "payments": queries.bill_payments(request.user, bill),
        "page": Paginator(lines, 50).get_page(request.GET.get("page")) if lines is not None else None,
        "can_export": lines is not None,
        "can_record": can(request.user, "payments.record", bill.program.sponsor.region_code),
    }
    return render(request, "sponsorship/bill_detail.html", context)


def _download(export: Any) -> HttpResponse:
    response = HttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
def bill_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The bill in BPJS's collective-registration layout (XLSX or CSV); audited."""
    from paritrana.sponsorship import bpjs

    bill = queries.get_bill(request.user, pk)
    return _download(bpjs.do_export_bill(actor=request.user, bill=bill, fmt=fmt))


@login_required
def program_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The program's enrolled workers in the same layout; audited."""
    from paritrana.sponsorship import bpjs

    program = queries.get_program(request.user, pk)
    return _download(bpjs.do_export_program(actor=request.user, program=program, fmt=fmt))


@login_required
@require_http_methods(["GET", "POST"])
def reconcile(request: HttpRequest) -> HttpResponse:
    """Upload the branch's participation list; the runs so far."""
    from datetime import date

    from paritrana.core.errors import N_, InvalidInput
    from paritrana.sponsorship import bpjs

    require(request.user, "registry.view")
    error, result = "", None
    if request.method == "POST":
        upload = request.FILES.get("file")

        def run() -> Any:
            if upload is None:
                raise InvalidInput(N_("Choose the participation list (CSV or XLSX)."), field="file")
            check_size(upload.name or "", upload.size)
            try:
                on = date.fromisoformat(request.POST["on"]) if request.POST.get("on") else None
            except ValueError:
                raise InvalidInput(N_("Give the date as YYYY-MM-DD."), field="on") from None
            if (upload.size or 0) > background_jobs.BACKGROUND_BYTES:  # a large list: compared in the background
                return do_queue_reconcile(
                    actor=request.user,
                    chunks=upload.chunks(),
                    filename=upload.name or "kepesertaan.csv",
                    size=upload.size,
                    on=on,
                    dry_run=request.POST.get("dry_run") == "on",
                )
            return bpjs.do_reconcile_participation(
                actor=request.user,
                source=upload.read(),
                filename=upload.name or "kepesertaan.csv",
                on=on,
                dry_run=request.POST.get("dry_run") == "on",
            )

        result, error = attempt(run)
        if isinstance(result, Job):
            queued = gettext("Participation list {file} is queued.")
            messages.success(request, queued.format(file=result.params["filename"]))
            return redirect("web:job", pk=result.pk)
        if result is not None and result.run is not None:
            messages.success(request, gettext("Participation list {file} compared.").format(file=result.run.filename))
            return redirect("sponsorship:reconcile_run", pk=result.run.pk)
    context = {
        "runs": queries.reconcile_runs_for(request.user)[:50],
        "error": error,
        "result": result,
        "today": today().isoformat(),
        "columns": bpjs.PARTICIPATION_COLUMNS,
    }
    return render(request, "sponsorship/reconcile.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def reconcile_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's differences, each with its one-click follow-up."""
    from datetime import date

    from paritrana.core.errors import N_, InvalidInput
    from paritrana.sponsorship import bpjs
    from paritrana.sponsorship.models import DifferenceKind

    run = queries.get_reconcile_run(request.user, pk)
    error = ""
    if request.method == "POST":

        def follow_up() -> Any:
            try:
                difference_id = int(request.POST.get("difference", ""))
                died_on = date.fromisoformat(request.POST["died_on"]) if request.POST.get("died_on") else None
                last = request.POST.get("last_month") or ""
                last_month = date.fromisoformat(last + "-01") if last else None
            except ValueError:
                raise InvalidInput(N_("Give the dates as YYYY-MM-DD and the month as YYYY-MM."), field="date") from None
            difference = queries.get_difference(request.user, difference_id)
            if difference.run_id != run.pk:
                raise InvalidInput(N_("That difference is not of this reconcile."), field="difference")

            def do() -> Any:
                return bpjs.do_follow_up(
                    actor=request.user,
                    difference=difference,
                    action=request.POST.get("action", ""),
                    note=request.POST.get("note", ""),
                    died_on=died_on,
                    last_month=last_month,
                )

            page = _confirm_follow_up(request, difference, died_on=died_on, last_month=last_month, check=do)
            return page if page is not None else do()

        done, error = attempt(follow_up)
        if isinstance(done, HttpResponse):  # the confirmation page
            return done
        if done:
            messages.success(
                request,
                gettext("Row {row} followed up: {resolution}.").format(
                    row=done.row, resolution=done.get_resolution_display()
                ),
            )
            return redirect(request.get_full_path())
    kind = request.GET.get("kind", "")
    kind = kind if kind in DifferenceKind.values else ""
    open_only = request.GET.get("open") == "1"
    differences = queries.differences_for(request.user, run, kind=kind, open_only=open_only)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "run": run,
        "page": Paginator(differences, 50).get_page(request.GET.get("page")),
        "kinds": DifferenceKind.choices,
        "kind": kind,
        "open_only": open_only,
        "query": query.urlencode(),
        "error": error,
        "summary": run.summary,
    }
    return render(request, "sponsorship/reconcile_run.html", context, status=422 if error else 200)


def _confirm_follow_up(
    request: HttpRequest, difference: Any, *, died_on: Any, last_month: Any, check: Any
) -> HttpResponse | None:
    """A follow-up is done once and cannot be taken back: say what it will do to whom first."""
    action = request.POST.get("action", "")
    who = difference.worker.name if difference.worker is not None else gettext("row {row}").format(row=difference.row)
    if action == "record_death":
        when = died_on or difference.died_on
        consequences = [
            gettext("{worker} is recorded as dead on {date} (source: BPJS).").format(
                worker=who, date=when.isoformat() if when else "-"
            ),
            gettext("The worker's enrollments end with the month of death; a death is not undone with them."),
        ]
        verb = gettext("record the death")
    elif action == "end_enrollment":
        month = last_month.isoformat()[:7] if last_month else gettext("the last month billed")
        consequences = [gettext("The enrollment of {worker} ends after {month}.").format(worker=who, month=month)]
        verb = gettext("end the enrollment")
    else:
        consequences = [gettext("The difference of {worker} is closed as reviewed, with your note.").format(worker=who)]
        verb = gettext("close it as reviewed")
    consequences.append(gettext("A difference is followed up once: this cannot be changed afterwards."))
    return confirm_first(
        request,
        title=gettext("Follow up row {row} of {file}?").format(row=difference.row, file=difference.run.filename),
        consequences=consequences,
        verb=verb,
        check=check,
    )
