"""The Simulasi iuran dan manfaat page: two forms posting with HTMX, answered with the breakdown."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from paritrana import rules
from paritrana.calculator.forms import BenefitForm, QuoteForm, RuleBookForm
from paritrana.calculator.params import quote_params
from paritrana.calculator.queries import book_warnings, rulebook_diff, rulebook_summary
from paritrana.core.dates import today
from paritrana.core.errors import ParitranaError
from paritrana.core.permissions import require


def _run(form: Any, compute: Any) -> tuple[dict[str, Any] | None, int]:
    """Compute from a valid form; put a rules error on the field it names. Returns (result, status)."""
    if not form.is_valid():
        return None, 422
    try:
        return compute(form.cleaned_data), 200
    except ParitranaError as exc:
        field = exc.details.get("field")
        form.add_error(field if field in form.fields else None, exc.render_message(_))
        return None, exc.status


def _quote(data: dict[str, Any]) -> dict[str, Any]:
    return rules.quote(**quote_params({**data, "on": data["date"]})).as_dict()


def _benefit(data: dict[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in data.items() if v not in (None, "", False)}
    kind = params.pop("kind")
    if "children" in params:
        params["children"] = [{"level": c.strip()} for c in params["children"].split(",") if c.strip()]
    return rules.benefit(kind, on=params.pop("date"), **params).as_dict()


@login_required
@require_http_methods(["GET", "POST"])
def simulate(request: HttpRequest) -> HttpResponse:
    require(request.user, "regions.view")
    which = request.POST.get("form")
    quote_form = QuoteForm(request.POST if which == "quote" else None)
    benefit_form = BenefitForm(request.POST if which == "benefit" else None)
    result, status = None, 200
    if which == "quote":
        result, status = _run(quote_form, _quote)
    elif which == "benefit":
        result, status = _run(benefit_form, _benefit)
    form = benefit_form if which == "benefit" else quote_form
    context = {
        "quote_form": quote_form,
        "benefit_form": benefit_form,
        "form": form,
        "result": result,
        "which": which,
        "book_warnings": book_warnings(today()),
    }
    if getattr(request, "htmx", False) and which:
        return render(request, "calculator/_result.html", context, status=status)
    return render(request, "calculator/simulate.html", context, status=status)


@require_http_methods(["GET"])
def rulebook(request: HttpRequest) -> HttpResponse:
    """The public rule book: every figure with its dates, regulation and status; what changed between two dates."""
    form = RuleBookForm(request.GET or None)
    on, start, end = today(), None, None
    if form.is_valid():
        on = form.cleaned_data.get("on") or on
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    context = {
        **rulebook_summary(on),
        "form": form,
        "diff": rulebook_diff(start, end) if start and end else None,
        "start": start,
        "end": end,
    }
    return render(request, "calculator/rulebook.html", context)
