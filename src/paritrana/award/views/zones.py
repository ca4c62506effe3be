"""The award zones (sets of provinces) that a category ranked per zone ranks within; the national committee edits
them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from paritrana.award import actions, forms, queries
from paritrana.award.views._common import _first_error
from paritrana.core.errors import PermissionDenied
from paritrana.core.permissions import scope_for
from paritrana.core.views import attempt, confirm_first


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
                        shown=form.cleaned_data["shown"],
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
    listed = queries.award_zones(user)
    if not form.is_bound:
        form.initial["shown"] = {z["slug"]: {"name": z["name"], "region_codes": z["region_codes"]} for z in listed}
    context = {"zones": listed, "form": form, "error": error, "can_manage": national}
    return render(request, "award/zones.html", context, status=422 if error else 200)
