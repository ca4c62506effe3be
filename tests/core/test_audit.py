import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook

from paritrana.core import audit
from paritrana.core.errors import Conflict
from paritrana.core.models import AuditEvent
from tests.factories import make_user


@pytest.mark.django_db
def test_creating_a_user_is_audited_without_the_password() -> None:
    make_user("siti", "viewer", "36")
    created = AuditEvent.objects.get(action="user.create")
    assert created.actor_name == "system" and created.after["username"] == "siti"
    assert "password" not in (created.after or {})
    assert AuditEvent.objects.filter(action="role.assign", region_code="36").count() == 1


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted_through_the_model() -> None:
    event = audit.record(actor=None, action="test.write", object_type="x", after={"a": 1})
    event.action = "forged"
    with pytest.raises(Conflict):
        event.save()
    with pytest.raises(Conflict):
        event.delete()


@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["UPDATE core_auditevent SET action = 'forged'", "DELETE FROM core_auditevent"])
def test_the_database_refuses_changes_to_the_audit_log(statement: str) -> None:
    audit.record(actor=None, action="test.write", object_type="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(action="test.write").count() == 1


@pytest.mark.django_db
def test_queryset_update_is_refused_by_the_database() -> None:
    audit.record(actor=None, action="test.write", object_type="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="forged")


@pytest.mark.django_db
def test_exports_keep_every_event_and_neutralise_formulas() -> None:
    audit.record(actor=None, action="test.write", object_type="x", object_id="=HYPERLINK(1)", after={"n": "Ani"})
    audit.record(actor=None, action="test.other", object_type="y")
    events = audit.filter_events(AuditEvent.objects.all(), action="test.")
    rows = list(csv.reader(io.StringIO(audit.export_csv(events).decode("utf-8-sig"))))
    assert rows[0] == audit.EXPORT_COLUMNS and len(rows) == 3
    assert {r[3] for r in rows[1:]} == {"test.write", "test.other"}
    assert "'=HYPERLINK(1)" in [r[5] for r in rows[1:]]
    sheet = load_workbook(io.BytesIO(audit.export_xlsx(events))).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3 and values[0] == tuple(audit.EXPORT_COLUMNS)


@pytest.mark.django_db
def test_filter_events_by_actor_and_action() -> None:
    user = make_user("budi")
    audit.record(actor=user, action="thing.create", object_type="x")
    audit.record(actor=None, action="thing.create", object_type="x")
    assert audit.filter_events(AuditEvent.objects.all(), actor="budi", action="thing").count() == 1
