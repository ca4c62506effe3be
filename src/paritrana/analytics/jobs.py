"""The facts refresh as a background job (``core.jobs``): rebuilding the registry's facts from a national month of
bills takes a minute (``docs/performance.md``), more than a request may wait."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_noop

from paritrana.analytics.actions import do_refresh_facts
from paritrana.core.jobs import JobKind, Progress, do_queue_job, register
from paritrana.core.models import Job
from paritrana.core.permissions import require_national

__all__ = ["do_queue_refresh", "register_kinds"]


def do_queue_refresh(*, actor: Any, full: bool = False) -> Job:
    """Queue the refresh of the registry's facts (national indicator managers only, as the refresh itself)."""
    require_national(actor, "indicators.manage")
    return do_queue_job(actor=actor, kind="facts_refresh", params={"full": full})


def _refresh(actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    summary = do_refresh_facts(actor=actor, full=bool(params.get("full")), progress=progress)
    return {**summary, "months_rebuilt": len(summary["months"])}


def register_kinds() -> None:
    register(
        JobKind(
            name="facts_refresh",
            label=gettext_noop("Facts refresh"),
            capability="indicators.manage",
            run=_refresh,
            outcome=lambda summary: reverse("analytics:scorecard"),
            figures={"months_rebuilt": gettext_noop("Months rebuilt"), "rows": gettext_noop("Facts written")},
        )
    )
