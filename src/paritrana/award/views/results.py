"""A category's results and files: the ranking as it stands (a read, the button saves it), the weighted sum next
to TOPSIS and VIKOR, and the files out: spreadsheets, the criteria as YAML or JSON, the certificates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from paritrana.award import queries, reports, scoring, sheets
from paritrana.award.models import Result
from paritrana.award.views._common import _file, _framework
from paritrana.core.errors import N_, InvalidInput, PermissionDenied
from paritrana.core.views import attempt

EXPORT_KINDS = ("results", "indicators", "answers", "scores")
KIND_LABELS = {
    "results": _("Results"),
    "indicators": _("Indicator values"),
    "answers": _("Self-assessment answers"),
    "scores": _("Jury scores"),
}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": reports.XLSX_TYPE}


@login_required
@require_GET
def ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking as it stands now, computed and not saved, for the committee; a refusal (panel not locked, a
    participant without a zone, missing values) is shown instead, naming what to do. The button saves it."""
    user = request.user
    category = queries.category_for(user, pk)
    computed, error = attempt(lambda: queries.ranking_for(user, category))
    saved = dict(Result.objects.filter(participant__category=category).values_list("participant_id", "rank"))
    context = {
        "category": category,
        "edition": category.edition,
        "rows": [{"r": r, "saved": saved.get(r.participant_id)} for r in computed or []],
        "error": error,
        "can_save": category.approved_at is None and not error,
    }
    return render(request, "award/ranking.html", context)


@login_required
@require_GET
def crosscheck(request: HttpRequest, pk: int) -> HttpResponse:
    """The weighted-sum ranking next to TOPSIS and VIKOR (pymcdm), loaded after the category page (it imports
    pymcdm, a few seconds the first time)."""
    from paritrana.award.ranking import score_matrix

    category = queries.category_for(request.user, pk)
    queries.results_for(request.user, category)  # the committee, or everybody once published
    m = score_matrix(category)
    rows: list[dict[str, Any]] = []
    check: dict[str, Any] = {"correlations": [], "notes": []}
    if len(m.participants) >= 2:
        check = scoring.cross_check(m.scores, m.weights)
        rankings = check["rankings"]
        ranks = {r.participant_id: r.rank for r in Result.objects.filter(participant__category=category)}
        for i, p in enumerate(m.participants):
            rows.append(
                {
                    "name": p.name,
                    "rank": ranks.get(p.pk),
                    "weighted_sum": float(rankings["weighted_sum"][i]),
                    "topsis": None if rankings["topsis"] is None else float(rankings["topsis"][i]),
                    "vikor": None if rankings["vikor"] is None else float(rankings["vikor"][i]),
                }
            )
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))
    context = {"category": category, "rows": rows, "correlations": check["correlations"], "notes": check["notes"]}
    template = "award/_crosscheck.html" if getattr(request, "htmx", False) else "award/crosscheck.html"
    return render(request, template, context)


@login_required
@require_GET
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Spreadsheets out: ``?kind=`` results (the committee, or anybody once published), indicators, answers or
    jury scores (the committee), as CSV or XLSX in the import format of ``sheets``."""
    user = request.user
    category = queries.category_for(user, pk)
    kind = request.GET.get("kind", "results")
    if kind not in EXPORT_KINDS:
        raise InvalidInput(
            N_("Export results, indicators, answers or scores, not '{value}'."), field="kind", value=kind
        )
    if kind == "results":
        queries.results_for(user, category)
    elif not queries.is_committee(user, category.edition):
        raise PermissionDenied()
    filename = f"{category.edition.year}-{category.key}-{kind}.{fmt}"
    if kind == "results" and fmt == "xlsx":
        return _file(reports.results_xlsx(category), reports.XLSX_TYPE, filename)
    columns, rows = sheets.export_rows(category, kind)
    if fmt == "xlsx":
        return _file(sheets.rows_to_xlsx(columns, rows, kind), reports.XLSX_TYPE, filename)
    return _file(sheets.rows_to_csv(columns, rows), CONTENT_TYPES["csv"], filename)


@login_required
@require_GET
def framework(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The criteria of a category as YAML or JSON (the import format): the weights are public to every role."""
    import json

    import yaml

    category = queries.category_for(request.user, pk)
    data = scoring.framework_to_dict(_framework(category))
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        return _file(body, "application/json", f"{category.key}.json")
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120).encode("utf-8")
    return _file(body, "application/yaml; charset=utf-8", f"{category.key}.yaml")


@login_required
@require_GET
def certificates(request: HttpRequest, pk: int) -> HttpResponse:
    """The piagam of the winners: the committee once ranked (marked as a draft until published), everybody once
    published."""
    category = queries.category_for(request.user, pk)
    queries.results_for(request.user, category)
    body = reports.certificates_pdf(category)
    return _file(body, "application/pdf", f"piagam-{category.edition.year}-{category.key}.pdf")
