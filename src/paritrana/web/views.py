"""Pages of the shared kernel: dashboard, regions, zones and branch areas, audit log, health."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from paritrana.calculator.queries import book_warnings
from paritrana.core import audit
from paritrana.core.dates import today
from paritrana.core.errors import N_, BadRequest, NotFound, ParitranaError
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import require, require_national, scope_for, scoped
from paritrana.core.replica import replica_status
from paritrana.core.roles import Role
from paritrana.core.views import confirm_first
from paritrana.regions import queries
from paritrana.regions.actions import do_delete_region_group, do_save_region_group
from paritrana.regions.models import Region, RegionGroup
from paritrana.rules.book import current as current_book
from paritrana.rules.book import site_status
from paritrana.web.forms import AuditFilterForm, RegionGroupForm


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitoring; with a read replica, whether it
    answers and how many seconds it is behind the primary."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db = "ok"
    except Exception:
        db = "unavailable"
    status = 200 if db == "ok" else 503
    book = current_book()
    rules = {"book": book.label, "site_file": site_status().state, "warnings": book_warnings(today())}
    body: dict[str, Any] = {"status": "ok" if status == 200 else "degraded", "database": db, "rules": rules}
    standby = replica_status()  # a replica that is down or behind costs no page: reported, not a failure
    if standby is not None:
        body["replica"] = standby
    return JsonResponse(body, status=status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: one block per role the user holds, each a count of what that role must act on with a link to
    the page where it is done, read in the user's scope (issue 21 §6); then the roles and the regions."""
    scope = require(request.user, "regions.view")
    if scope.national:
        regions = list(Region.objects.filter(level=1))
    else:
        regions = list(Region.objects.filter(code__in=scope.codes))
    roles = list(request.user.roles.all())  # type: ignore[union-attr]
    held = {r.role for r in roles} | ({Role.SYSTEM_ADMIN} if getattr(request.user, "is_superuser", False) else set())
    context: dict[str, Any] = {"regions": regions, "roles": roles, "national": scope.national, "held": held}
    context.update(_role_blocks(request.user, held))
    from paritrana.followup.queries import flagged_children, overdue_for

    context["overdue_followups"] = overdue_for(request.user)
    context["missed_scholarships"] = [c for c in flagged_children(request.user, limit=10) if c.missing]
    return render(request, "web/home.html", context)


def _role_blocks(user: Any, held: set[str]) -> dict[str, Any]:
    """What each held role's block of the dashboard shows; the reads live in the apps' ``queries``."""
    from paritrana.award import queries as award
    from paritrana.followup import queries as followup
    from paritrana.registry import queries as registry
    from paritrana.sponsorship import queries as sponsorship

    blocks: dict[str, Any] = {}
    if Role.SYSTEM_ADMIN in held:
        blocks["book_warnings"] = book_warnings(today())
    if Role.REGIONAL_OPERATOR in held:
        blocks["operator"] = sponsorship.operator_todo(user)
        blocks["lapses"] = sponsorship.lapse_alerts(user)
        blocks["followups_due"] = followup.followups_due(user)
    if Role.VILLAGE_OPERATOR in held:
        blocks["village_workers"] = registry.worker_counts(user)
        blocks["village_total"] = sum(blocks["village_workers"].values())
        blocks["village"] = sponsorship.village_coverage(user)
    if Role.BPJS_OFFICER in held:
        blocks["bpjs"] = sponsorship.bpjs_todo(user)
    if Role.JURY in held:
        blocks["panels"] = award.jury_todo(user)
    if Role.AWARD_COMMITTEE in held:
        blocks["editions"] = award.committee_todo(user)
    return blocks


@login_required
def regions(request: HttpRequest) -> HttpResponse:
    """The regions a user can open: the whole country for national roles, else the regions of their scope."""
    return home(request) if not scope_for(request.user, "regions.view").national else region_detail(request, "")


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    if code:
        region = queries.get_region(code)
        require(request.user, "regions.view", region_code=region.code)
        ancestors = list(Region.objects.filter(code__in=_ancestor_codes(region.code)).order_by("level"))
    else:
        require(request.user, "regions.view", region_code="")
        region, ancestors = None, []
    children = Region.objects.filter(parent=region) if region else Region.objects.filter(level=1)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        children = children.filter(name__icontains=q)
    scope = scope_for(request.user, "regions.view")
    context = {
        "region": region,
        "ancestors": [a for a in ancestors if scope.contains(a.code)],
        "children": children.order_by("code"),
        "q": q,
        "groups": region.groups.all() if region else [],
    }
    template = "web/_region_children.html" if getattr(request, "htmx", False) else "web/region.html"
    return render(request, template, context)


def _ancestor_codes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@login_required
def groups(request: HttpRequest) -> HttpResponse:
    require(request.user, "regions.view")
    all_groups = RegionGroup.objects.prefetch_related("regions")
    can_manage = scope_for(request.user, "regions.manage").national
    return render(request, "web/groups.html", {"groups": all_groups, "can_manage": can_manage})


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_national(request.user, "regions.manage")
    group = RegionGroup.objects.filter(pk=pk).first() if pk else None
    if pk and group is None:
        raise NotFound(N_("There is no zone or branch area {id}."), id=pk)
    codes = " ".join(group.regions.order_by("code").values_list("code", flat=True)) if group else ""
    initial = (
        {"kind": group.kind, "name": group.name, "region_codes": codes, "shown_name": group.name, "shown_codes": codes}
        if group
        else {}
    )
    form = RegionGroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_save_region_group(
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                slug=group.slug if group else "",
                region_codes=form.codes(),
                actor=request.user,
                expected=form.expected() if group else None,
                new=group is None,
            )
        except ParitranaError as exc:
            form.add_error("region_codes" if "region_codes" in str(exc.details) else None, exc.render_message(_))
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved.name})
            return redirect("web:groups")
    return render(request, "web/group_edit.html", {"form": form, "group": group}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["POST"])
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_national(request.user, "regions.manage")
    group = RegionGroup.objects.filter(pk=pk).first()
    if group is None:
        raise NotFound(N_("There is no zone or branch area {id}."), id=pk)
    codes = list(group.regions.order_by("code").values_list("code", flat=True))
    page = confirm_first(
        request,
        title=_("Delete %(name)s?") % {"name": group.name},
        consequences=[
            _("%(kind)s %(name)s and its list of %(count)s regions are deleted: %(codes)s.")
            % {
                "kind": group.get_kind_display(),
                "name": group.name,
                "count": len(codes),
                "codes": ", ".join(codes[:20]) + (" …" if len(codes) > 20 else ""),
            },
            _("Saving a group again makes a new one; its regions must be given again."),
        ],
        verb=_("delete"),
        back=reverse("web:group_edit", args=[group.pk]),
        check=lambda: do_delete_region_group(group=group, actor=request.user),
    )
    if page is not None:
        return page
    do_delete_region_group(group=group, actor=request.user)
    messages.success(request, _("Deleted %(name)s.") % {"name": group.name})
    return redirect("web:groups")


def _audit_events(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise BadRequest(N_("Invalid filter: {fields}."), fields=", ".join(form.errors))
    filters = form.cleaned_data if form.is_bound else {}
    events = scoped(AuditEvent.objects.all(), request.user, "audit.view")
    return form, audit.filter_events(events, **{k: v or None for k, v in filters.items()})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log in words: actions, objects and changed fields by their names, not their codes."""
    from paritrana.web import labels

    form, events = _audit_events(request)
    page = Paginator(events, settings.PARITRANA.page_size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    names = dict(
        Region.objects.filter(code__in={e.region_code for e in page if e.region_code}).values_list("code", "name")
    )
    rows = [
        {
            "event": e,
            "action": labels.action_label(e.action),
            "object": labels.object_label(e.object_type),
            "region": names.get(e.region_code, ""),
            "changes": labels.changes(e.object_type, e.before, e.after),
        }
        for e in page
    ]
    return render(request, "web/audit.html", {"form": form, "page": page, "rows": rows, "query": query.urlencode()})


@login_required
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _form, events = _audit_events(request)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body, ctype = audit.export_csv(events.iterator()), "text/csv; charset=utf-8"
    else:
        body = audit.export_xlsx(events.iterator())
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response
