import hashlib
import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class CalculatorConfig(AppConfig):
    name = "paritrana.calculator"
    label = "calculator"
    verbose_name = "Calculator"

    def ready(self) -> None:
        from paritrana.core.config import get_settings
        from paritrana.rules import book

        book.configure(get_settings().effective_rules_file, on_load=audit_rule_load)


def audit_rule_load(status: object) -> None:
    """Append one audit event per distinct site rule file loaded or refused (not one per process start)."""
    from django.db import DatabaseError

    from paritrana.core import audit
    from paritrana.core.models import AuditEvent

    details = status.as_dict()  # type: ignore[attr-defined]
    action = "rules.site.load" if details["state"] == "loaded" else "rules.site.refuse"
    key = details["digest"] or "refused:" + hashlib.sha256(details["error"].encode()).hexdigest()[:12]
    try:
        latest = AuditEvent.objects.filter(action__startswith="rules.site.").order_by("-pk").first()
        if latest is not None and latest.action == action and latest.object_id == key:
            return
        audit.record(actor=None, action=action, object_type="rules.site", object_id=key, after=details)
    except DatabaseError:
        # Before migrations (or with the database down) the book still loads; the event is written next time.
        logger.warning("could not audit the site rule file load (%s)", details["state"])
