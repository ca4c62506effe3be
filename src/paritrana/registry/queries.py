"""Reads on the registry, always cut to the user's region scope."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet

from paritrana.core.digits import is_ascii_digits, refuse_non_ascii_digits
from paritrana.core.errors import N_, InvalidInput, NotFound
from paritrana.core.permissions import region_q, require, scoped
from paritrana.registry.models import ImportJob, Worker, WorkerEvent


def workers_for(
    user: Any,
    *,
    q: str = "",
    region: str = "",
    occupation: str = "",
    segment: str = "",
    status: str = "",
    status_from: date | None = None,
    status_until: date | None = None,
) -> QuerySet[Worker]:
    """Workers inside the user's scope, filtered; ``status_from``/``status_until`` bound the day the status took
    effect (the deaths of a month, the moves of a year)."""
    qs = scoped(Worker.objects.all(), user, "registry.view", field="desa_code")
    if q:
        # A NIK is 16 of 0-9: "٣٦٠٣..." is refused, not searched as a name nor converted (see core.digits).
        refuse_non_ascii_digits(q, field="q")
        if is_ascii_digits(q, 16):
            qs = qs.filter(nik=q)
        else:
            refuse_short_name(q)
            qs = qs.filter(name__icontains=q)
    if region:
        qs = qs.filter(region_q("desa_code", region))
    if occupation:
        qs = qs.filter(occupation=occupation)
    if segment:
        qs = qs.filter(segment=segment)
    if status:
        qs = qs.filter(status=status)
    if status_from:
        qs = qs.filter(status_on__gte=status_from)
    if status_until:
        qs = qs.filter(status_on__lte=status_until)
    return qs


#: A name search needs this many letters or digits in a row. Fewer match too many names to be worth listing, and
#: the trigram index on names (PostgreSQL, migration 0006) cannot narrow them: such a search would read the whole
#: registry (20 million rows nationally).
NAME_SEARCH_MIN = 3
_NAME_RUN = re.compile(rf"[^\W_]{{{NAME_SEARCH_MIN}}}")


def is_name_search(text: str) -> bool:
    """``text`` is long enough to search names by (see ``NAME_SEARCH_MIN``)."""
    return bool(_NAME_RUN.search(text))


def refuse_short_name(text: str) -> None:
    if not is_name_search(text):
        raise InvalidInput(
            N_("Type at least {minimum} letters of the name in a row, or the full 16-digit NIK."),
            field="q",
            minimum=NAME_SEARCH_MIN,
        )


def get_worker(user: Any, pk: int) -> Worker:
    worker = Worker.objects.filter(pk=pk).first()
    if worker is None:
        raise NotFound(N_("There is no worker {id}."), id=pk)
    require(user, "registry.view", region_code=worker.desa_code)
    return worker


def worker_counts(user: Any, capability: str = "registry.import") -> dict[str, int]:
    """Workers in the user's scope for ``capability`` by status (one GROUP BY), for a village operator's dashboard;
    every status is present, zero when none."""
    from django.db.models import Count

    from paritrana.core.permissions import scope_for
    from paritrana.registry.choices import WorkerStatus

    scope = scope_for(user, capability)
    counts = dict.fromkeys(WorkerStatus.values, 0)
    if scope.empty:
        return counts
    rows = Worker.objects.filter(scope.q("desa_code")).order_by().values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def get_job(user: Any, pk: int) -> ImportJob:
    """An import is seen by whoever uploaded it and by national administrators."""
    scope = require(user, "registry.import")
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or (job.created_by_id != user.pk and not scope.national):
        raise NotFound(N_("There is no import {id}."), id=pk)
    return job


def get_event(user: Any, pk: int) -> WorkerEvent:
    """A history entry, for whoever may see its worker (it is the worker's data)."""
    event = WorkerEvent.objects.select_related("worker").filter(pk=pk).first()
    if event is None:
        raise NotFound(N_("There is no worker change {id}."), id=pk)
    require(user, "registry.view", region_code=event.worker.desa_code)
    return event


def metric_figures() -> Iterator[Any]:
    """The registry's figures for Prometheus (registered in ``RegistryConfig.ready``): imports by status, workers."""
    from prometheus_client.core import GaugeMetricFamily

    from paritrana.core.observability import count_by

    yield count_by(
        "paritrana_imports",
        "Worker list imports by status",
        ImportJob.objects.values("status").annotate(n=Count("id")),
        "status",
    )
    yield GaugeMetricFamily("paritrana_workers", "Workers in the registry", value=Worker.objects.count())


#: What the apps above the registry add to the worker page (registered in their ``AppConfig.ready``; the registry
#: does not import them): each part returns template context, e.g. sponsorship's coverage month by month.
WORKER_PAGE_PARTS: list[Callable[[Worker], dict[str, Any]]] = []


def on_worker_page(part: Callable[[Worker], dict[str, Any]]) -> None:
    if part not in WORKER_PAGE_PARTS:
        WORKER_PAGE_PARTS.append(part)


def worker_page_parts(worker: Worker) -> dict[str, Any]:
    context: dict[str, Any] = {"coverage": []}
    for part in WORKER_PAGE_PARTS:
        context.update(part(worker))
    return context
