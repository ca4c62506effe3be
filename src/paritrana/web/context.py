"""Template context shared by every page: the navigation the user may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from paritrana.core.permissions import can

#: (url name, label, capability). Later capabilities add their pages here.
NAVIGATION = [
    ("web:home", _("Dashboard"), "regions.view"),
    ("web:regions", _("Regions"), "regions.view"),
    ("web:groups", _("Zones and branch offices"), "regions.view"),
    ("web:audit", _("Audit log"), "audit.view"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [
        {"url": reverse(name), "label": label, "active": request.path == reverse(name)}
        for name, label, capability in NAVIGATION
        if can(user, capability)
    ]
    return {"nav": items}
