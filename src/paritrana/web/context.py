"""Template context shared by every page: the navigation the user may use, grouped by task."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from paritrana.core.permissions import can, scope_for

#: (url name, label, capability, needs national scope). Later capabilities add their pages here, and name their
#: group in ``GROUP_OF`` (a page without one is listed under "More").
NAVIGATION = [
    ("web:home", _("Dashboard"), "regions.view", False),
    ("web:regions", _("Regions"), "regions.view", False),
    ("web:groups", _("Zones and branch offices"), "regions.view", False),
    ("registry:workers", _("Worker registry"), "registry.view", False),
    ("sponsorship:programs", _("Programs"), "sponsorship.view", False),
    ("sponsorship:billing", _("Billing"), "sponsorship.view", False),
    ("sponsorship:payments", _("Payments"), "payments.record", False),
    ("sponsorship:reconcile", _("Reconcile with BPJS"), "registry.view", False),
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

#: The menu groups, by task, in the order they are shown: (key, label).
GROUPS = [
    ("workers", pgettext_lazy("menu", "Workers")),
    ("claims", pgettext_lazy("menu", "Claims")),
    ("programs", pgettext_lazy("menu", "Programs and payments")),
    ("monitoring", pgettext_lazy("menu", "Monitoring")),
    ("award", pgettext_lazy("menu", "Award")),
    ("admin", pgettext_lazy("menu", "Administration")),
    ("more", pgettext_lazy("menu", "More")),
]

#: The group of each page; the dashboard stands alone at the front.
GROUP_OF = {
    "registry:workers": "workers",
    "sponsorship:claims": "claims",
    "followup:claims": "claims",
    "sponsorship:programs": "programs",
    "sponsorship:billing": "programs",
    "sponsorship:payments": "programs",
    "sponsorship:reconcile": "programs",
    "sponsorship:plan": "programs",
    "calculator:simulate": "programs",
    "sponsorship:monev": "monitoring",
    "analytics:scorecard": "monitoring",
    "followup:sessions": "monitoring",
    "award:editions": "award",
    "web:regions": "admin",
    "web:groups": "admin",
    "accounts:list": "admin",
    "web:audit": "admin",
}


def _active(request: HttpRequest, url: str) -> bool:
    """The page is the item's page, or one below it (a program below the program list), never below the home."""
    return request.path == url or (url != "/" and request.path.startswith(url))


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:  # the published dashboard needs no login
        public = reverse("public:dashboard")
        results = reverse("penghargaan:results")
        public_items = [
            {"url": public, "label": _("Public dashboard"), "active": request.path == public},
            {"url": results, "label": _("Award results"), "active": request.path == results},
        ]
        return {"nav": public_items, "nav_groups": [{"key": "", "label": "", "items": public_items, "active": False}]}
    items: list[dict[str, Any]] = [
        {"name": name, "url": reverse(name), "label": label}
        for name, label, capability, national in NAVIGATION
        if (scope_for(user, capability).national if national else can(user, capability))
    ]
    for item in items:
        item["active"] = _active(request, item["url"])
    # Only the most specific item is current (/programs/billing/ is Billing, not Programs as well).
    current = max((i for i in items if i["active"]), key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is current
    groups: list[dict[str, Any]] = [
        {"key": "", "label": "", "items": [i for i in items if i["name"] == "web:home"], "active": False}
    ]
    for key, label in GROUPS:
        members = [i for i in items if i["name"] != "web:home" and GROUP_OF.get(i["name"], "more") == key]
        if members:
            groups.append({"key": key, "label": label, "items": members, "active": any(i["active"] for i in members)})
    return {"nav": items, "nav_groups": groups}
