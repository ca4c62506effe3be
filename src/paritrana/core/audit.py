"""Write and read the audit log. Every ``do_*`` action calls ``record`` inside its transaction."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict

from paritrana.core.errors import ParitranaError
from paritrana.core.models import AuditEvent
from paritrana.core.tables import rows_csv, rows_xlsx

__all__ = ["EXPORT_COLUMNS", "export_csv", "export_xlsx", "record", "snapshot"]

#: Fields never written to the log in clear (the log is itself read by admins; secrets stay out).
SECRET_FIELDS = frozenset({"password", "key_hash"})


def snapshot(obj: models.Model | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a model instance (or mapping) for the before/after columns."""
    if obj is None:
        return None
    raw = dict(obj) if isinstance(obj, Mapping) else model_to_dict(obj)
    if isinstance(obj, models.Model):
        raw.setdefault("id", obj.pk)
    clean = {k: ("***" if k in SECRET_FIELDS else v) for k, v in raw.items()}
    return json.loads(json.dumps(clean, cls=_Encoder))


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    region_code: str = "",
    before: Mapping[str, Any] | models.Model | None = None,
    after: Mapping[str, Any] | models.Model | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user, or None for the system (command line, migrations)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system",
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        region_code=region_code or "",
        before=snapshot(before),
        after=snapshot(after),
    )


EXPORT_COLUMNS = ["id", "at", "actor_name", "action", "object_type", "object_id", "region_code", "before", "after"]


def refusals_audited(action: str) -> Callable[[Any], Any]:
    """Run a ``do_*`` action in a transaction; when it is refused, append ``<action>.refused`` with the reason and the
    object it was tried on (the first model among its keyword arguments), then re-raise. The refusal is written after
    the action's transaction rolled back, so it survives while nothing of the attempt does."""

    def wrap(function: Any) -> Any:
        @functools.wraps(function)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                with transaction.atomic():
                    return function(*args, **kwargs)
            except ParitranaError as error:
                target = next(
                    (v for k, v in kwargs.items() if k != "actor" and isinstance(v, models.Model)),
                    None,
                )
                record(
                    actor=kwargs.get("actor"),
                    action=f"{action}.refused",
                    obj=target,
                    after={"code": error.code, "reason": error.render_message(), "details": error.details},
                )
                raise

        return inner

    return wrap


def _rows(events: Iterable[AuditEvent]) -> Iterable[list[str]]:
    for e in events:
        yield [
            str(e.pk),
            e.at.isoformat(),
            e.actor_name,
            e.action,
            e.object_type,
            e.object_id,
            e.region_code,
            json.dumps(e.before, ensure_ascii=False, sort_keys=True) if e.before is not None else "",
            json.dumps(e.after, ensure_ascii=False, sort_keys=True) if e.after is not None else "",
        ]


def export_csv(events: Iterable[AuditEvent]) -> bytes:
    """UTF-8 with a BOM so that Excel opens it with the right characters."""
    return rows_csv(EXPORT_COLUMNS, _dicts(events), bom=True)


def export_xlsx(events: Iterable[AuditEvent]) -> bytes:
    return rows_xlsx(EXPORT_COLUMNS, _dicts(events), "audit")


def _dicts(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    return [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in _rows(events)]


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, datetime | date):
            return o.isoformat()
        if isinstance(o, models.Model):
            return o.pk
        if isinstance(o, set | frozenset):
            return sorted(o)
        return super().default(o)


def filter_events(
    queryset: Any,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Any:
    """The audit events matching the filters an admin gives (dates are whole days in the display time zone)."""
    from datetime import time, timedelta

    from django.utils import timezone

    if actor:
        queryset = queryset.filter(actor_name=actor)
    if action:
        queryset = queryset.filter(action__startswith=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if since:
        queryset = queryset.filter(at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until:
        queryset = queryset.filter(at__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min)))
    return queryset
