"""Mark the bill lines billed for a month after the worker's death (issue 22: monev's overpayments read them through
a small partial index). The column is added with a database default, which both databases do without copying the
table (Django would rebuild the whole table on SQLite for a NOT NULL column); the lines already billed after a
recorded death are then marked, and the index built on the marked ones only."""

from django.db import migrations, models

LINES = "sponsorship_billline"


def add_column(apps, schema_editor):
    kind = "boolean" if schema_editor.connection.vendor == "postgresql" else "bool"
    schema_editor.execute(f"ALTER TABLE {LINES} ADD COLUMN after_death {kind} DEFAULT false NOT NULL")


def drop_column(apps, schema_editor):
    schema_editor.execute(f"ALTER TABLE {LINES} DROP COLUMN after_death")


def mark_lines_after_death(apps, schema_editor):
    # From the dead (the died_on index) to their enrollments, their lines and the lines' months; the same rule as
    # sponsorship.lifecycle keeps from now on (a copy: a migration must not change with the code).
    schema_editor.execute(
        f"UPDATE {LINES} SET after_death = true WHERE id IN ("  # noqa: S608 - our names
        f"SELECT l.id FROM registry_worker w JOIN sponsorship_enrollment e ON e.worker_id = w.id "
        f"JOIN {LINES} l ON l.enrollment_id = e.id JOIN sponsorship_bill b ON b.id = l.bill_id "
        "WHERE w.died_on IS NOT NULL AND b.month > w.died_on)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_index_only_the_dead_and_merged"),
        ("sponsorship", "0005_index_enrollments_by_program_period"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="billline",
                    name="after_death",
                    field=models.BooleanField(db_default=False, default=False, verbose_name="billed after death"),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column, elidable=False)],
        ),
        migrations.RunPython(mark_lines_after_death, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="billline",
            index=models.Index(condition=models.Q(("after_death", True)), fields=["bill"], name="billline_after_death"),
        ),
        migrations.AddIndex(
            model_name="billline",
            index=models.Index(
                condition=models.Q(("after_death", True)), fields=["enrollment"], name="billline_after_death_enr"
            ),
        ),
    ]
