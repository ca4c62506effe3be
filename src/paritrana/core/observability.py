"""What operators see of a running Paritrana: one log line per request and Prometheus metrics.

One middleware times every request, writes one log line for it (through the formatters of ``core.logs``: plain or
JSON, NIKs masked) and counts it; ``/metrics`` serves the counters plus a few figures read from the database at
scrape time. Under gunicorn each worker is a process, so the counters live in ``PROMETHEUS_MULTIPROC_DIR`` (set by
``paritrana serve``) and the endpoint adds up every worker's files.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["RequestMiddleware", "metrics"]

logger = logging.getLogger("paritrana.request")


REQUESTS = Counter("paritrana_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "paritrana_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def _route(request: HttpRequest) -> str:
    """The URL pattern, not the path: ``workers/<int:pk>/`` keeps the label set small and free of personal data."""
    match = getattr(request, "resolver_match", None)
    return (match.route or match.view_name) if match else "unmatched"


class RequestMiddleware:
    """Logs and counts each request. Placed first, so it also sees what later middleware refuses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = _route(request)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(elapsed)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s %.0fms",
            request.method,
            request.path,
            response.status_code,
            elapsed * 1000,
            extra={
                "method": request.method,
                "path": request.path,  # never the query string: searches may carry names
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


#: Figures read from the database when Prometheus scrapes, registered by each app in ``AppConfig.ready`` (core
#: does not import the apps above it): each yields Prometheus metric families.
FIGURES: list[Callable[[], Iterator[GaugeMetricFamily]]] = []


def register_figures(figures: Callable[[], Iterator[GaugeMetricFamily]]) -> None:
    if figures not in FIGURES:
        FIGURES.append(figures)


def count_by(name: str, documentation: str, rows: Iterable[Any], key: str) -> GaugeMetricFamily:
    """A gauge labelled by ``key`` from rows of ``.values(key).annotate(n=Count("id"))``."""
    gauge = GaugeMetricFamily(name, documentation, labels=[key])
    for row in rows:
        gauge.add_metric([row[key]], row["n"])
    return gauge


class _DatabaseFigures:
    """What is waiting (the task queue, here) and what each app registered (imports, workers, enrollments)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        yield count_by(
            "paritrana_tasks",
            "Background tasks in the queue by status",
            DBTaskResult.objects.values("status").annotate(n=Count("id")),
            "status",
        )
        for figures in FIGURES:
            yield from figures()
        yield from _replica_figures()


def _replica_figures() -> Iterator[GaugeMetricFamily]:
    """With a read replica: whether it answers as a standby, and how far behind the primary it is."""
    from paritrana.core.replica import replica_status

    standby = replica_status()
    if standby is None:
        return
    up = GaugeMetricFamily("paritrana_replica_up", "1 when the read replica answers as a standby, else 0")
    up.add_metric([], 1 if standby["status"] == "ok" else 0)
    yield up
    if standby["lag_seconds"] is not None:
        lag = GaugeMetricFamily("paritrana_replica_lag_seconds", "Seconds the read replica is behind the primary")
        lag.add_metric([], standby["lag_seconds"])
        yield lag


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for a scraper holding ``PARITRANA_METRICS_TOKEN``; 404 while none is configured."""
    from django.conf import settings
    from django.http import Http404

    token = settings.PARITRANA.metrics_token
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(sent.encode(), token.encode()):
        raise Http404  # the same answer with a wrong token: do not confirm the endpoint exists
    registry: Any
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    scrape = CollectorRegistry()
    scrape.register(_DatabaseFigures())
    body = generate_latest(registry) + generate_latest(scrape)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
