"""Database triggers that refuse UPDATE and DELETE on the audit log, whatever client connects."""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION core_auditevent_refuse() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;",
    "CREATE TRIGGER core_auditevent_no_change BEFORE UPDATE OR DELETE ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse();",
    # TRUNCATE skips row triggers; refuse it too, except for the test runner's flush (see tests/conftest.py).
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_change ON core_auditevent;")
        schema_editor.execute("DROP FUNCTION IF EXISTS core_auditevent_refuse();")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update;")
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete;")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_create_audit_event")]
    operations = [migrations.RunPython(forwards, backwards)]
