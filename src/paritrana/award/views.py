"""Award pages, by role. Thin: every read goes through ``award.queries`` (which holds the visibility rules) and every
POST calls one action of ``award.actions``; a refusal is shown on the same page with what the person typed, a
missing right goes up to the error page (403), as on the sponsorship pages.

- committee: editions (create), an edition (move its stage, with the check list of the move and a reason when a
  check fails; add a category), a category (criteria with weights, the framework as YAML/JSON, invitation,
  participants, indicator values, panel, the check lists of lock, approval and publication, missing values and
  the decisions on them, results with sensitivity and the TOPSIS/VIKOR cross-check, spreadsheets out and in), the
  ranking as it stands (a read) with the button that saves it, a participant (verification: accept or return with
  notes, scores of text answers); the award zones (the national committee edits them);
- regional operator: its participations and the self-assessment form of each (answers, evidence, submission);
- jury: the panels the user sits on; per participant the rubric form and the declaration of a conflict;
- a participant's page (committee, its operators, its panel): the score down to every leaf and judge, the
  stability of its rank and what would lift it one rank;
- public (``public_patterns``, mounted at ``/penghargaan/``, no login): published results per edition, category
  and zone, a participant's aspect scores, the certificates and the results workbook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from paritrana.award import actions, forms, queries, reports, scoring, sheets
from paritrana.award.evidence import MAX_EVIDENCE_BYTES
from paritrana.award.models import (
    Category,
    ConflictOfInterest,
    Edition,
    EditionStatus,
    PanelMember,
    Participant,
    ParticipantStatus,
    Result,
)
from paritrana.core.dates import today
from paritrana.core.errors import N_, InvalidInput, NotFound, PermissionDenied
from paritrana.core.permissions import can, require, scope_for
from paritrana.core.views import attempt, confirm_first
from paritrana.registry.ingest import check_size

FLOW = [s.value for s in EditionStatus]
EXPORT_KINDS = ("results", "indicators", "answers", "scores")
KIND_LABELS = {
    "results": _("Results"),
    "indicators": _("Indicator values"),
    "answers": _("Self-assessment answers"),
    "scores": _("Jury scores"),
}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": reports.XLSX_TYPE}


def _first_error(form: Any) -> str:
    labels = {name: field.label for name, field in form.fields.items()}
    return next((f"{labels.get(name, '')}: {errors[0]}".lstrip(": ") for name, errors in form.errors.items()), "")


def _framework(category: Category) -> scoring.Framework:
    return scoring.parse_framework(category.framework)


def _leaves(category: Category, method: str) -> list[scoring.Criterion]:
    return [c for c in scoring.leaves(_framework(category)) if c.method == method]


def _on_panel(user: Any, category: Category) -> bool:
    return PanelMember.objects.filter(category=category, user=user).exists()


def _results(user: Any, category: Category) -> list[Result] | None:
    """The results the user may see (committee: once ranked; everybody: once published), or None."""
    try:
        return list(queries.results_for(user, category))
    except NotFound:
        return None


def _participations(user: Any) -> Any:
    """The participants the user answers for: its regions' participants in the editions it can see."""
    scope = scope_for(user, "award.submit")
    if scope.empty:
        return Participant.objects.none()
    return (
        Participant.objects.filter(scope.q("region_code"), category__edition__in=queries.editions_for(user))
        .select_related("category__edition")
        .order_by("-category__edition__year", "category__key", "region_code")
    )


def _file(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- committee: editions ----------------------------------------------------------------------------------------


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
    here = FLOW.index(edition.status)
    next_stage = EditionStatus(FLOW[here + 1]) if here + 1 < len(FLOW) else None
    next_checks = queries.edition_checks_for(user, edition, next_stage) if committee and next_stage else []
    context = {
        "deadline_form": forms.ScoringDeadlineForm(initial={"scoring_deadline": edition.scoring_deadline}),
        "edition": edition,
        "committee": committee,
        "categories": edition.categories.all(),
        "form": form,
        "error": error,
        "previous_stage": EditionStatus(FLOW[here - 1]) if here > 0 else None,
        "next_stage": next_stage,
        "next_checks": [c.as_dict() for c in next_checks],
        "next_ready": all(c.ok for c in next_checks),
        "next_blocked": any(not c.ok and not c.overridable for c in next_checks),
        "flow": [(EditionStatus(s), i < here, i == here) for i, s in enumerate(FLOW)],
    }
    return render(request, "award/edition.html", context, status=422 if error else 200)


def _confirm_stage(request: HttpRequest, edition: Edition, committee: bool) -> HttpResponse | None:
    """Moving an edition on is undone by moving it back one stage, with a reason, until a category's results are
    approved: from then on a move forward cannot be taken back, and is confirmed first."""
    status = request.POST.get("status", "")
    if not committee or status not in FLOW or FLOW.index(status) <= FLOW.index(edition.status):
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


#: The category steps that cannot be taken back, and what each does, said before it is done.
CONFIRMED_STEPS = {
    "lock": (
        N_("Lock the panel of {category}?"),
        N_("lock the panel"),
        [
            N_("The judges' scores, the answers, the indicator values and the verification are fixed."),
            N_("Nobody can score or change an input of the ranking afterwards; the panel is not unlocked again."),
        ],
    ),
    "approve": (
        N_("Approve the results of {category}?"),
        N_("approve the results"),
        [
            N_("The saved ranking becomes the approved result and is locked."),
            N_("Nothing in the category can change afterwards, and the edition cannot go back a stage."),
        ],
    ),
    "publish": (
        N_("Publish the results of {category}?"),
        N_("publish the results"),
        [
            N_("Everybody sees the ranking, the titles and each participant's aspect scores, without logging in."),
            N_("Published results are not withdrawn."),
        ],
    ),
}


def _confirm_step(request: HttpRequest, category: Category, step: str) -> HttpResponse | None:
    if step not in CONFIRMED_STEPS or not queries.is_committee(request.user, category.edition):
        return None
    title, verb, lines = CONFIRMED_STEPS[step]
    name = f"{category.name} ({category.edition.name})"
    consequences = [gettext(line) for line in lines]
    if request.POST.get("reason", "").strip():
        consequences.append(gettext("Reason given: {reason}").format(reason=request.POST["reason"].strip()))
    user, reason = request.user, request.POST.get("reason", "")
    checks: dict[str, Callable[[], Any]] = {
        "lock": lambda: actions.do_lock_panel(actor=user, category=category, reason=reason),
        "approve": lambda: actions.do_approve(actor=user, category=category),
        "publish": lambda: actions.do_publish(actor=user, category=category, reason=reason),
    }
    return confirm_first(
        request,
        title=gettext(title).format(category=name),
        consequences=consequences,
        verb=gettext(verb),
        check=checks[step],
    )


# --- committee: a category --------------------------------------------------------------------------------------


def _check_shown(category: Category, step: str) -> bool:
    """The check list of the category's next step only."""
    if step == "lock":
        return category.panel_locked_at is None and category.approved_at is None
    if step == "approve":
        return category.ranked_at is not None and category.approved_at is None
    return category.approved_at is not None and category.published_at is None


def _missing_rows(user: Any, category: Category) -> list[dict[str, Any]]:
    """The missing values of the category for its committee, with what each needs in words."""
    from paritrana.award.ranking import NEEDS

    names = reports.leaf_names(_framework(category))
    return [
        {
            **m.as_dict(),
            "criterion_name": names.get(m.criterion, m.criterion),
            "needs_text": gettext(NEEDS[m.needs]),
            "takes_value": m.needs in ("value", "target", "score"),
        }
        for m in queries.missing_for(user, category)
    ]


def _participant_rows(user: Any, category: Category, committee: bool, on_panel: bool) -> list[dict[str, Any]]:
    rows = []
    for p in queries.participants_for(user, category):
        if committee:
            link = ("award:participant", gettext("Verify and results"))
        elif on_panel:
            link = ("award:score", gettext("Score"))
        elif can(user, "award.submit", p.region_code):
            link = ("award:assessment", gettext("Self-assessment"))
        else:
            link = ("", "")
        rows.append({"p": p, "url": link[0], "label": link[1]})
    return rows


def _result_rows(
    user: Any, results: Iterable[Result], framework: scoring.Framework, *, own_pages: bool, published: bool
) -> list[dict[str, Any]]:
    """The results table: each result with its aspect scores, stability and a link to the participant's page
    (its own page for the committee, its panel and its operators; otherwise the public one)."""
    aspects = [a.key for a in framework.criteria]
    names = reports.leaf_names(framework)
    rows = []
    for r in results:
        s = reports.stability(r)
        if own_pages or can(user, "award.submit", r.participant.region_code):
            url = reverse("award:participant", args=[r.participant_id])
        elif published:
            url = reverse("penghargaan:participant", args=[r.participant_id])
        else:
            url = ""
        rows.append(
            {
                "r": r,
                "url": url,
                "aspects": [r.breakdown.get("aspects", {}).get(k, 0.0) for k in aspects],
                "s": s,
                "critical": [{"key": k, "name": names.get(k, k)} for k in s.get("critical", [])],
            }
        )
    return rows


def _category_step(request: HttpRequest, category: Category, step: str) -> tuple[Any, str]:
    """One committee action of the category page; (result, refusal message). The actions check the role (and
    audit a refusal); a form the role could not have been shown is refused before it is read."""
    user = request.user
    if step not in STEP_MESSAGES or (
        step in ("framework", "panel", "import", "resolve") and not queries.is_committee(user, category.edition)
    ):
        raise PermissionDenied()
    if step == "framework":
        form = forms.FrameworkForm(request.POST, request.FILES or None)
        text = form.framework() if form.is_valid() else ""  # an upload is read once
        if not text.strip():
            return None, gettext("Give the criteria as a YAML or JSON file, or as text.")
        return attempt(
            lambda: actions.do_save_category(
                actor=user,
                edition=category.edition,
                key=category.key,
                name=category.name,
                participant_level=category.participant_level,
                framework=text,
                titles=list(category.titles),
                by_zone=category.by_zone,
                normalise_judges=category.normalise_judges,
            )
        )
    if step == "panel":
        panel_form = forms.PanelForm(request.POST)
        if not panel_form.is_valid():
            return None, _first_error(panel_form)

        def add() -> Any:
            from django.contrib.auth import get_user_model

            username = panel_form.cleaned_data["username"].strip()
            judge = get_user_model().objects.filter(username=username, is_active=True).first()
            if judge is None:
                raise NotFound(N_("There is no active user {username}."), username=username)
            return actions.do_add_panel_member(actor=user, category=category, user=judge)

        return attempt(add)
    if step == "import":
        import_form = forms.ImportForm(request.POST, request.FILES or None)
        if not import_form.is_valid():
            return None, _first_error(import_form)
        upload = import_form.cleaned_data["file"]

        def load() -> Any:
            check_size(upload.name or "", upload.size)
            return sheets.do_import_sheet(
                actor=user,
                category=category,
                kind=import_form.cleaned_data["kind"],
                data=upload.read(),
                filename=upload.name or "sheet.csv",
            )

        return attempt(load)
    if step == "resolve":
        return attempt(lambda: _resolve(request, category))
    reason = request.POST.get("reason", "")
    simple: dict[str, Callable[[], Any]] = {
        "invite": lambda: actions.do_invite(actor=user, category=category),
        "indicators": lambda: actions.do_compute_indicator_values(actor=user, category=category),
        "lock": lambda: actions.do_lock_panel(actor=user, category=category, reason=reason),
        "save": lambda: actions.do_save_results(actor=user, category=category),
        "approve": lambda: actions.do_approve(actor=user, category=category),
        "publish": lambda: actions.do_publish(actor=user, category=category, reason=reason),
    }
    return attempt(simple[step])


def _resolve(request: HttpRequest, category: Category) -> Any:
    """One missing value resolved from its row of the table: the value, or exempt or zero with a reason."""
    form = forms.ResolveForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(N_("{field} is required."), field=next(iter(form.errors), "participant"))
    data = form.cleaned_data
    participant = category.participants.filter(pk=data["participant"]).first()
    if participant is None:
        raise NotFound(N_("No such participant."))
    return actions.do_resolve_missing(
        actor=request.user,
        participant=participant,
        criterion=data["criterion"],
        resolution=data["resolution"],
        reason=data["reason"],
        value=data["value"],
        target=data["target"],
    )


STEP_MESSAGES = {
    "framework": N_("The criteria are saved."),
    "panel": N_("The judge is on the panel."),
    "import": N_("The spreadsheet is imported."),
    "invite": N_("The eligible regions are invited."),
    "indicators": N_("The indicator values are filled from the coverage indicators."),
    "lock": N_("The panel is locked."),
    "resolve": N_("The missing value is resolved."),
    "save": N_("The ranking is saved as the results."),
    "approve": N_("The results are approved and locked."),
    "publish": N_("The results are published."),
}


@login_required
@require_http_methods(["GET", "POST"])
def category(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    category = queries.category_for(user, pk)
    edition = category.edition
    committee = queries.is_committee(user, edition)
    on_panel = _on_panel(user, category)
    error = ""
    if request.method == "POST":
        step = request.POST.get("form", "")
        if (page := _confirm_step(request, category, step)) is not None:
            return page
        done, error = _category_step(request, category, step)
        if not error:
            message = gettext(STEP_MESSAGES.get(step, N_("Done.")))
            if step == "import":
                message += " " + gettext("{rows} rows.").format(rows=done["rows"])
            elif step == "invite":
                message += " " + gettext("{invited} new, {already} already invited.").format(**done)
            elif step == "indicators":
                message += " " + gettext("{rows} values.").format(rows=done)
            messages.success(request, message)
            return redirect("award:category", pk=pk)
        category.refresh_from_db()
    framework = _framework(category)
    results = _results(user, category)
    checks = {
        step: [c.as_dict() for c in queries.category_checks_for(user, category, step)]
        for step in ("lock", "approve", "publish")
        if committee and _check_shown(category, step)
    }
    context = {
        "category": category,
        "edition": edition,
        "committee": committee,
        "checks": checks,
        "missing": _missing_rows(user, category) if committee else [],
        "on_panel": on_panel,
        "framework": framework,
        "criteria": reports.criteria_rows(framework),
        "aspects": [reports.text_of(a.name) for a in framework.criteria],
        "participants": _participant_rows(user, category, committee, on_panel),
        "status_counts": {s.label: category.participants.filter(status=s.value).count() for s in ParticipantStatus}
        if committee
        else {},
        "panel": category.panel.select_related("user") if committee else [],
        "results": _result_rows(
            user, results, framework, own_pages=committee or on_panel, published=category.published_at is not None
        )
        if results is not None
        else None,
        "error": error,
        "framework_form": forms.FrameworkForm(),
        "panel_form": forms.PanelForm(),
        "import_form": forms.ImportForm(),
        "export_kinds": [(k, KIND_LABELS[k]) for k in (EXPORT_KINDS if committee else ("results",))],
        "has_jury": any(c.method == "jury" for c in scoring.leaves(framework)),
    }
    return render(request, "award/category.html", context, status=422 if error else 200)


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
@require_http_methods(["GET", "POST"])
def zones(request: HttpRequest) -> HttpResponse:
    """The award zones (sets of provinces) that a category ranked per zone ranks within; the national committee
    saves and removes them here (``actions.do_save_zone``: the participants of unapproved categories move along)."""
    user: Any = request.user
    error = ""
    form = forms.ZoneForm(request.POST if request.POST.get("form") == "zone" else None)
    if request.method == "POST":
        step = request.POST.get("form", "")
        if step == "zone":
            if form.is_valid():
                done, error = attempt(
                    lambda: actions.do_save_zone(
                        actor=user,
                        name=form.cleaned_data["name"],
                        region_codes=form.province_codes(),
                        slug=form.cleaned_data["slug"],
                    )
                )
                if not error:
                    messages.success(request, gettext("The zone {zone} is saved.").format(zone=done.name))
                    return redirect("award:zones")
            else:
                error = _first_error(form)
        elif step == "delete":
            slug = request.POST.get("slug", "")
            zone = next((z for z in queries.award_zones(user) if z["slug"] == slug), None)
            if zone is not None and scope_for(user, "award.manage").national:
                page = confirm_first(
                    request,
                    title=gettext("Remove the zone {zone}?").format(zone=zone["name"]),
                    consequences=[
                        gettext("The zone is removed with its list of provinces: {provinces}.").format(
                            provinces=", ".join(zone["regions"]) or "-"
                        ),
                        gettext("Participants of categories not yet approved lose this zone."),
                    ],
                    verb=gettext("remove the zone"),
                    check=lambda: actions.do_delete_zone(actor=user, slug=slug),
                )
                if page is not None:
                    return page
            _, error = attempt(lambda: actions.do_delete_zone(actor=user, slug=slug))
            if not error:
                name = zone["name"] if zone is not None else slug
                messages.success(request, gettext("The zone {zone} is removed.").format(zone=name))
                return redirect("award:zones")
        else:
            raise PermissionDenied()
    national = scope_for(user, "award.manage").national
    context = {"zones": queries.award_zones(user), "form": form, "error": error, "can_manage": national}
    return render(request, "award/zones.html", context, status=422 if error else 200)


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


# --- a participant ----------------------------------------------------------------------------------------------


def _answers_and_evidence(participant: Participant) -> list[dict[str, Any]]:
    """Every question of the participant's category with its answer, required documents and uploaded files."""
    answers = {a.criterion: a for a in participant.answers.all()}
    files: dict[tuple[str, str], list[Any]] = {}
    for e in participant.evidence.all():
        files.setdefault((e.criterion, e.document), []).append(e)
    out = []
    for leaf in _leaves(participant.category, "question"):
        answer = answers.get(leaf.key)
        value = None if answer is None else answer.value
        out.append(
            {
                "key": leaf.key,
                "name": reports.text_of(leaf.name),
                "description": reports.text_of(leaf.description),
                "answer": leaf.answer,
                "choices": list(leaf.choices or {}),
                "value": value,
                "shown": actions.shown_answer(value),
                "version": actions.version_of(answer),
                "score": None if answer is None else answer.score,
                "documents": [{"name": d, "files": files.get((leaf.key, d), [])} for d in leaf.evidence],
            }
        )
    return out


def _missing(questions: list[dict[str, Any]]) -> list[str]:
    """What still stops a submission (``actions.missing_items``), in words: by question, its answer and documents."""
    out = []
    for q in questions:
        if q["value"] is None:
            out.append(gettext("{question}: not answered").format(question=q["name"]))
        out += [
            gettext("{question}: {document} not uploaded").format(question=q["name"], document=d["name"])
            for d in q["documents"]
            if not d["files"]
        ]
    return out


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


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A document, for the people who may see its participant; the download is audited (``evidence_file``)."""
    item, path = queries.evidence_file(request.user, pk)
    return FileResponse(path.open("rb"), as_attachment=True, filename=item.filename, content_type=item.content_type)


# --- regional operator: the self-assessment ---------------------------------------------------------------------


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


# --- jury -------------------------------------------------------------------------------------------------------


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


# --- public -----------------------------------------------------------------------------------------------------


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
