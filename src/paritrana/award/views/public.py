"""Published results for everybody, without logging in (``public_patterns``, mounted at ``/penghargaan/``): per
edition, category and zone, a participant's aspect scores, the certificates and the results workbook."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from paritrana.award import forms, queries, reports
from paritrana.award.models import Category, Edition, Participant, Result
from paritrana.award.views._common import _file, _framework
from paritrana.core.errors import N_, NotFound


def _published_category(pk: int) -> Category:
    category = Category.objects.select_related("edition").filter(pk=pk, published_at__isnull=False).first()
    if category is None:
        raise NotFound(N_("No such category."))
    return category


@require_GET
def public_results(request: HttpRequest) -> HttpResponse:
    """Published results for everybody, without logging in: per edition, category and zone, with titles."""
    published = (
        Edition.objects.filter(categories__published_at__isnull=False).distinct().order_by("-year", "region_code")
    )
    choices = [(e.pk, e.name) for e in published]
    in_results = Participant.objects.filter(category__published_at__isnull=False, result__isnull=False)
    zones = sorted(set(in_results.exclude(zone="").values_list("zone", flat=True)))
    form = forms.PublicFilterForm(request.GET or None, editions=choices, zones=zones)
    data = form.cleaned_data if form.is_valid() else {}
    chosen = published.filter(pk=data["edition"]).first() if data.get("edition") else published.first()
    zone = data.get("zone") or ""
    sections = []
    if chosen is not None:
        for category in chosen.categories.filter(published_at__isnull=False):
            results = queries.published_results(category)
            if zone:
                results = results.filter(participant__zone=zone)
            rows = list(results)
            if category.by_zone:
                rows.sort(key=lambda r: (r.participant.zone, r.zone_rank or 0))
            sections.append({"category": category, "results": rows})
    context = {"form": form, "edition": chosen, "zone": zone, "sections": sections, "public": True}
    template = "award/_public.html" if getattr(request, "htmx", False) else "award/public.html"
    return render(request, template, context)


@require_GET
def public_participant(request: HttpRequest, pk: int) -> HttpResponse:
    """A participant's published result: total, rank, title and the score of each aspect; no judge is named."""
    result = (
        Result.objects.select_related("participant__category__edition")
        .filter(participant_id=pk, participant__category__published_at__isnull=False)
        .first()
    )
    if result is None:
        raise NotFound(N_("No such participant."))
    category = result.participant.category
    framework = _framework(category)
    context = {
        "result": result,
        "participant": result.participant,
        "category": category,
        "edition": category.edition,
        "aspects": reports.aspect_rows(result, framework),
        "count": Result.objects.filter(participant__category=category).count(),
        "example": framework.example,
    }
    return render(request, "award/public_participant.html", context)


@require_GET
def public_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    category = _published_category(pk)
    body = reports.certificates_pdf(category)
    return _file(body, "application/pdf", f"piagam-{category.edition.year}-{category.key}.pdf")


@require_GET
def public_results_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    category = _published_category(pk)
    return _file(
        reports.results_xlsx(category), reports.XLSX_TYPE, f"hasil-{category.edition.year}-{category.key}.xlsx"
    )
