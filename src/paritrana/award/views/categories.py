"""A category's page: the criteria with weights, the participants, the panel, the check lists of lock, approval
and publication, the missing values and the decisions on them, the results with their stability; and its
committee steps (criteria, panel, spreadsheet in, invitation, indicator values, lock, save, approve, publish),
the steps that cannot be taken back confirmed first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from paritrana.award import actions, forms, queries, reports, scoring, sheets
from paritrana.award.models import Category, PanelMember, ParticipantStatus, Result
from paritrana.award.views._common import _first_error, _framework, _results
from paritrana.award.views.results import EXPORT_KINDS, KIND_LABELS
from paritrana.core.errors import N_, InvalidInput, NotFound, PermissionDenied
from paritrana.core.permissions import can
from paritrana.core.sheets import check_size
from paritrana.core.views import attempt, confirm_first

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


def _on_panel(user: Any, category: Category) -> bool:
    return PanelMember.objects.filter(category=category, user=user).exists()


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
