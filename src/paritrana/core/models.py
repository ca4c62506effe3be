"""The append-only audit log."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from paritrana.core.errors import N_, Conflict

__all__ = ["AuditEvent"]


class AuditEvent(models.Model):
    """One write: who, when (UTC), what object, which action, the object before and after as JSON.

    Rows are never changed or deleted: ``save`` refuses updates, ``delete`` refuses, and database triggers
    (migration 0002) refuse UPDATE and DELETE from any client, so the log is append-only even outside the app.
    The actor is kept as id and username, not a foreign key, so that removing a user never touches the log.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    region_code = models.CharField(_("region"), max_length=13, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise Conflict(N_("The audit log is append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise Conflict(N_("The audit log is append-only."))
