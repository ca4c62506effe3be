"""Human labels for the codes the audit log keeps: actions ("award.evidence.download"), object types
("sponsorship.program"), field names of the before/after snapshots ("region_code") and coded values ("in_progress").

The log stores codes (stable, searchable, exported as they are); pages show these labels. An action without its own
label is read from its parts (subject, then what happened: "program.closed" -> "Program: Closed"), so a new action
never shows as a raw code; ``tests/web/test_labels.py`` still asks every action written in the code for words.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["ACTION_LABELS", "action_label", "changes", "field_label", "object_label", "value_label"]

#: Every action the code writes, in words.
ACTION_LABELS: dict[str, Promise] = {
    "user.create": _("User created"),
    "user.activate": _("User reactivated"),
    "user.deactivate": _("User deactivated"),
    "user.password_change": _("Password changed"),
    "user.password_reset": _("Password reset by an administrator"),
    "role.assign": _("Role given"),
    "role.remove": _("Role removed"),
    "token.create": _("API token created"),
    "token.revoke": _("API token revoked"),
    "regions.load": _("Region list loaded"),
    "region_group.save": _("Zone or branch area saved"),
    "region_group.delete": _("Zone or branch area deleted"),
    "backup.create": _("Backup made"),
    "backup.restore": _("Backup restored"),
    "workers.import": _("Worker list imported"),
    "workers.import_recovered": _("Stopped import run again"),
    "job.queue": _("Background job queued"),
    "job.recovered": _("Stopped background job run again"),
    "workers.import.queued": _("Worker list uploaded for import"),
    "workers.import.columns": _("Columns of an import confirmed"),
    "workers.deaths": _("Deaths imported"),
    "worker.update": _("Worker changed"),
    "worker.view_nik": _("Full NIK viewed"),
    "worker.view_evidence": _("Worker's document viewed"),
    "worker.death": _("Death recorded"),
    "worker.move": _("Worker moved"),
    "worker.correct": _("Worker's data corrected"),
    "worker.correct_nik": _("NIK corrected"),
    "worker.merge": _("Duplicate workers merged"),
    "worker.status": _("Worker's status changed"),
    "sponsor.create": _("Sponsor created"),
    "program.create": _("Program created"),
    "program.update": _("Program changed"),
    "program.advance": _("Program moved to its next stage"),
    "program.enroll": _("Workers enrolled"),
    "program.enrollments_end": _("Enrollments ended"),
    "enrollment.end": _("Enrollment ended"),
    "bill.create": _("Bill issued"),
    "payment.record": _("Payment recorded"),
    "claim.record": _("Claim recorded"),
    "bpjs.export": _("Participant list exported for BPJS"),
    "bpjs.reconcile": _("BPJS statement reconciled"),
    "bpjs.difference": _("Difference with BPJS followed up"),
    "facts.load": _("Coverage facts loaded"),
    "facts.refresh": _("Coverage facts refreshed"),
    "workforce.import": _("Workforce figures imported"),
    "workforce.update": _("Workforce figure changed"),
    "target.create": _("Target set"),
    "target.delete": _("Target removed"),
    "indicator.define": _("Indicator defined"),
    "indicator.delete": _("Indicator removed"),
    "boundary.load": _("Map boundaries loaded"),
    "award.edition.create": _("Award edition created"),
    "award.edition.status": _("Award edition moved to another stage"),
    "award.edition.scoring_deadline": _("Jury scoring deadline set"),
    "award.category.create": _("Award category created"),
    "award.zone.save": _("Award zone saved"),
    "award.zone.delete": _("Award zone deleted"),
    "award.invite": _("Participants invited"),
    "award.answer": _("Self-assessment answered"),
    "award.submit": _("Self-assessment submitted"),
    "award.approve": _("Self-assessment approved"),
    "award.verify": _("Answer verified"),
    "award.evidence.upload": _("Evidence uploaded"),
    "award.evidence.download": _("Evidence downloaded"),
    "award.indicators": _("Indicator values taken into the award"),
    "award.missing.decide": _("Missing value decided"),
    "award.missing.value": _("Missing value filled"),
    "award.panel.add": _("Jury member added to a panel"),
    "award.panel.lock": _("Panel locked"),
    "award.conflict": _("Conflict of interest declared"),
    "award.conflict.withdraw": _("Conflict of interest withdrawn"),
    "award.score": _("Jury score given"),
    "award.rank": _("Ranking computed"),
    "award.results.save": _("Results saved"),
    "award.publish": _("Results published"),
    "followup.session.create": _("Asistensi or monev session recorded"),
    "followup.finding.create": _("Follow-up recorded"),
    "followup.finding.update": _("Follow-up changed"),
    "followup.heir.create": _("Heir recorded"),
    "followup.referral.create": _("Heir referred to training"),
    "followup.referral.outcome": _("Training outcome recorded"),
    "followup.scholarship.disburse": _("Scholarship disbursement recorded"),
    "followup.scholarship.flag": _("Missed scholarship year flagged"),
    "followup.scholarship.update": _("Scholarship child changed"),
}

#: What an action is about: the first part(s) of its code. Used when an action has no label of its own.
SUBJECTS: dict[str, Promise] = {
    "user": _("User"),
    "role": _("Role"),
    "token": _("API token"),
    "regions": _("Regions"),
    "region_group": _("Zone or branch area"),
    "backup": _("Backup"),
    "workers": _("Workers"),
    "worker": pgettext_lazy("audit subject", "Worker"),
    "sponsor": _("Sponsor"),
    "program": pgettext_lazy("audit subject", "Program"),
    "enrollment": _("Enrollment"),
    "bill": _("Bill"),
    "payment": _("Payment"),
    "claim": _("Claim"),
    "bpjs": _("BPJS exchange"),
    "bpjs.difference": _("Difference with BPJS"),
    "facts": _("Coverage facts"),
    "workforce": _("Workforce figures"),
    "target": _("Target"),
    "indicator": _("Indicator"),
    "boundary": _("Map boundaries"),
    "award": pgettext_lazy("audit subject", "Award"),
    "award.import": _("Award sheet imported"),
    "award.edition": _("Award edition"),
    "award.category": _("Award category"),
    "award.zone": _("Award zone"),
    "award.evidence": _("Evidence"),
    "award.panel": _("Jury panel"),
    "award.missing": _("Missing value"),
    "award.results": _("Results"),
    "followup": _("Follow-up"),
    "followup.finding": _("Follow-up"),
    "followup.session": _("Asistensi or monev session"),
    "followup.heir": _("Heir"),
    "followup.referral": _("Training referral"),
    "followup.scholarship": _("Scholarship"),
}

#: What happened, for actions read from their parts (states reached and common verbs).
VERBS: dict[str, Promise] = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "save": _("saved"),
    "load": _("loaded"),
    "import": _("imported"),
    "export": _("exported"),
    "view": _("viewed"),
    "record": _("recorded"),
    "remove": _("removed"),
    "draft": _("Draft"),
    "approved": _("Approved"),
    "active": _("Active"),
    "closed": _("Closed"),
    "pending": _("Pending"),
    "paid": _("Paid"),
    "awaiting_reconciliation": _("Awaiting reconciliation"),
    "reconciled": _("Reconciled"),
    "open": _("Open"),
    "in_progress": _("In progress"),
    "done": _("Done"),
    "dropped": _("Dropped"),
    "reviewed": _("Reviewed"),
    "resolved": _("Resolved"),
    "indicators": _("indicator values"),
    "scores": _("jury scores"),
    "answers": _("answers"),
}

#: Keys of the before/after snapshots that are not model fields (or whose field has no good name).
FIELD_LABELS: dict[str, Promise] = {
    "id": _("Id"),
    "username": _("Username"),
    "full_name": _("Full name"),
    "email": _("E-mail"),
    "is_active": _("Active"),
    "role": _("Role"),
    "region_code": _("Region"),
    "user": _("User"),
    "label": _("Label"),
    "prefix": _("Prefix"),
    "revoked": _("Revoked"),
    "must_change": _("Must change at the next login"),
    "after_reset": _("After a reset by an administrator"),
    "level": _("Level"),
    "features": _("Features"),
    "regions": _("Regions"),
    "code_property": _("Property holding the region code"),
    "status": _("Status"),
    "code": _("Code"),
    "reason": _("Reason"),
    "details": _("Details"),
    "rows": _("Rows"),
    "file": _("File"),
    "count": _("Count"),
    "created": _("Created"),
    "updated": _("Updated"),
    "unchanged": _("Unchanged"),
    "rejected": _("Rejected"),
    "renamed": _("Renamed"),
    "workers": _("Workers"),
    "amount": _("Amount"),
    "name": _("Name"),
    "note": _("Note"),
}

#: Coded values shown in the snapshots, in words (the status vocabularies of the apps have their own labels).
VALUE_LABELS: dict[str, Promise] = {
    k: VERBS[k]
    for k in (
        "draft",
        "approved",
        "active",
        "closed",
        "pending",
        "paid",
        "awaiting_reconciliation",
        "reconciled",
        "open",
        "in_progress",
        "done",
        "dropped",
        "reviewed",
        "resolved",
    )
}


def action_label(code: str) -> str:
    """The action in words: its own label, else its subject and what happened ("Program: Closed"); a refused
    attempt says so."""
    if not code:
        return ""
    if code.endswith(".refused"):
        return _g("%(action)s (refused)") % {"action": action_label(code.removesuffix(".refused"))}
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    parts = code.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        subject = ".".join(parts[:cut])
        if subject in SUBJECTS:
            rest = parts[cut:]
            verb = " ".join(str(VERBS.get(p, p.replace("_", " "))) for p in rest)
            return _g("%(subject)s: %(what)s") % {"subject": SUBJECTS[subject], "what": verb}
    return code.replace(".", " · ").replace("_", " ")


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def object_label(object_type: str) -> str:
    """ "sponsorship.program" -> "Program" (the model's name in the active language)."""
    model = _model(object_type)
    if model is None:
        return object_type.rsplit(".", 1)[-1].replace("_", " ")
    return str(model._meta.verbose_name).capitalize()


def field_label(object_type: str, key: str) -> str:
    """A snapshot key in words: the model field's name, else a known key, else the key with spaces."""
    model = _model(object_type)
    if model is not None:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            field = None
        name = getattr(field, "verbose_name", None)
        if name and str(name) != key.replace("_", " "):
            return str(name).capitalize()
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    return key.replace("_", " ").capitalize()


def value_label(object_type: str, key: str, value: Any) -> str:
    """A snapshot value as a person reads it: a choice's label, yes/no, a date in the language's format."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _g("yes") if value else _g("no")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    model = _model(object_type)
    if model is not None and isinstance(value, str):
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            field = None
        choices = dict(getattr(field, "flatchoices", None) or ())
        if value in choices:
            return str(choices[value])
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        from datetime import date

        try:
            return date_format(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def changes(object_type: str, before: Any, after: Any) -> list[dict[str, Any]]:
    """The fields of a before/after pair, each in words: label, value before, value after, and whether it changed.
    Unchanged fields of a full snapshot are left out, unless nothing changed."""
    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    rows = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        rows.append(
            {
                "field": field_label(object_type, key),
                "before": value_label(object_type, key, old) if key in before else "",
                "after": value_label(object_type, key, new) if key in after else "",
                "changed": key not in before or key not in after or old != new,
            }
        )
    changed = [r for r in rows if r["changed"]]
    return changed if changed and before and after else rows
