"""Bill lines without their own index on the enrollment (see ``BillLine``): the index is dropped by name, where
``AlterField`` would copy the whole table on SQLite to drop it."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "sponsorship_billline"


def _enrollment_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    # Django's name for the foreign key's index (with a hash); not the partial index of the marked lines (0006).
    return [
        name
        for name, about in found.items()
        if about["index"]
        and not about["unique"]
        and about["columns"] == ["enrollment_id"]
        and name.startswith("sponsorship_billline_enrollment_id")
    ]


def drop_enrollment_index(apps, schema_editor):
    for name in _enrollment_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_enrollment_index(apps, schema_editor):
    if not _enrollment_indexes(schema_editor):
        schema_editor.execute(f'CREATE INDEX "sponsorship_billline_enrollment_id" ON "{TABLE}" ("enrollment_id")')


class Migration(migrations.Migration):
    dependencies = [
        ("sponsorship", "0006_mark_lines_billed_after_death"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="billline",
                    name="enrollment",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sponsorship.enrollment",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_enrollment_index, create_enrollment_index)],
        ),
    ]
