"""The bill page and the exchange with the BPJS branch (reconcile runs and their differences)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet

from paritrana.core.errors import N_, NotFound
from paritrana.core.permissions import require, scoped
from paritrana.sponsorship.models import Bill, Enrollment, Payment


@dataclass(frozen=True)
class BillState:
    """What a bill page shows of the money: a partial payment leaves the bill open (``pending``) with its
    shortfall; the status flow itself (``actions._settle``) is unchanged."""

    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    overpaid: Decimal
    partially_paid: bool


def bill_state(bill: Bill) -> BillState:
    return BillState(
        amount=bill.amount,
        paid=bill.paid,
        outstanding=bill.outstanding,
        overpaid=bill.overpaid,
        partially_paid=Decimal(0) < bill.paid < bill.amount,
    )


def bill_lines(user: Any, bill: Bill) -> QuerySet[Any]:
    """The lines of a bill the user may see: they name workers, so the registry's view right and scope apply."""
    from paritrana.sponsorship.models import BillLine

    require(user, "sponsorship.view", bill.program.sponsor.region_code)
    return scoped(
        BillLine.objects.filter(bill=bill).select_related("enrollment__worker"),
        user,
        "registry.view",
        "enrollment__desa_code",
    ).order_by("enrollment__desa_code", "enrollment__worker__name", "pk")


def bill_payments(user: Any, bill: Bill) -> QuerySet[Payment]:
    require(user, "sponsorship.view", bill.program.sponsor.region_code)
    return bill.payments.order_by("paid_on", "pk")


def reconcile_runs_for(user: Any) -> QuerySet[Any]:
    """Runs of the BPJS participation list uploaded inside the user's registry scope (a national run: national)."""
    from paritrana.sponsorship.models import ReconcileRun

    return scoped(ReconcileRun.objects.select_related("created_by"), user, "registry.view")


def get_reconcile_run(user: Any, pk: int) -> Any:
    from paritrana.sponsorship.models import ReconcileRun

    run = ReconcileRun.objects.select_related("created_by").filter(pk=pk).first()
    if run is None:
        raise NotFound(N_("There is no reconcile {id}."), id=pk)
    require(user, "registry.view", run.region_code)
    return run


def differences_for(user: Any, run: Any, *, kind: str = "", open_only: bool = False) -> QuerySet[Any]:
    """A run's differences inside the user's registry scope, by row."""
    from paritrana.sponsorship.models import ReconcileDifference

    qs = scoped(
        ReconcileDifference.objects.filter(run=run).select_related("worker", "enrollment__program", "resolved_by"),
        user,
        "registry.view",
    )
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(resolution="open")
    return qs.order_by("row", "kind", "pk")


def get_difference(user: Any, pk: int) -> Any:
    from paritrana.sponsorship.models import ReconcileDifference

    difference = ReconcileDifference.objects.select_related("run").filter(pk=pk).first()
    if difference is None:
        raise NotFound(N_("There is no difference {id}."), id=pk)
    require(user, "registry.view", difference.region_code)
    return difference


def metric_figures() -> Iterator[Any]:
    """Enrollments by status for Prometheus (registered in ``SponsorshipConfig.ready``)."""
    from paritrana.core.observability import count_by

    yield count_by(
        "paritrana_enrollments",
        "Enrollments by status",
        Enrollment.objects.values("status").annotate(n=Count("id")),
        "status",
    )
