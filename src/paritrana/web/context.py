"""Template context shared by every page: the navigation the user may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from paritrana.core.permissions import can, scope_for

#: (url name, label, capability, needs national scope). Later capabilities add their pages here.
NAVIGATION = [
    ("web:home", _("Dashboard"), "regions.view", False),
    ("web:regions", _("Regions"), "regions.view", False),
    ("web:groups", _("Zones and branch offices"), "regions.view", False),
    ("registry:workers", _("Worker registry"), "registry.view", False),
    ("sponsorship:programs", _("Programs"), "sponsorship.view", False),
    ("sponsorship:billing", _("Billing"), "sponsorship.view", False),
    ("sponsorship:payments", _("Payments"), "payments.record", False),
    ("sponsorship:claims", _("Claims"), "registry.view", False),
    ("sponsorship:monev", _("Monev"), "sponsorship.view", False),
    ("sponsorship:plan", _("Planner"), "sponsorship.view", False),
    ("analytics:scorecard", _("Indicators"), "indicators.view", False),
    ("award:editions", _("Award"), "award.view", False),
    ("followup:sessions", _("Asistensi and monev"), "followup.view", False),
    ("followup:claims", _("Heirs"), "heirs.view", False),
    ("calculator:simulate", _("Simulation"), "regions.view", False),
    ("accounts:list", _("Users"), "users.manage", True),
    ("web:audit", _("Audit log"), "audit.view", False),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:  # the published dashboard needs no login
        public = reverse("public:dashboard")
        results = reverse("penghargaan:results")
        return {
            "nav": [
                {"url": public, "label": _("Public dashboard"), "active": request.path == public},
                {"url": results, "label": _("Award results"), "active": request.path == results},
            ]
        }
    items = [
        {"url": reverse(name), "label": label, "active": request.path == reverse(name)}
        for name, label, capability, national in NAVIGATION
        if (scope_for(user, capability).national if national else can(user, capability))
    ]
    return {"nav": items}
