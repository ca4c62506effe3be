"""Fewer indexes for every new worker to pay for (issue 22: a million workers imported into twenty million).

* ``desa_code`` loses its own index (and PostgreSQL's ``LIKE`` twin): the list's order index (desa, name, id) starts
  with it, and every region scope is a range on it (``core.permissions.region_q``), which that index serves.
* The date of death and the merge target are indexed only where they are set (partial indexes): the queries that
  use them ask for the dead and the merged, and a new worker is neither.

The database side drops the old indexes by name and adds the partial ones; Django's ``AlterField`` would instead
copy the whole table three times on SQLite and check the merge target's foreign key again over every row on
PostgreSQL, for the same end.
"""

from django.db import migrations, models

#: Django's names for the indexes ``db_index=True`` and the foreign key made (migrations 0001 and 0005).
OLD_INDEXES = {
    "registry_worker_desa_code_5544fff9": "desa_code",
    "registry_worker_desa_code_5544fff9_like": "desa_code varchar_pattern_ops",
    "registry_worker_died_on_52bc6a5b": "died_on",
    "registry_worker_merged_into_id_e292dfc0": "merged_into_id",
}


def drop_old_indexes(apps, schema_editor):
    for name in OLD_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def add_old_indexes(apps, schema_editor):
    for name, columns in OLD_INDEXES.items():
        if name.endswith("_like") and schema_editor.connection.vendor != "postgresql":
            continue
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON registry_worker ({columns})')


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_death_list_source")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="worker",
                    name="desa_code",
                    field=models.CharField(max_length=13, verbose_name="desa/kelurahan"),
                ),
                migrations.AlterField(
                    model_name="worker",
                    name="died_on",
                    field=models.DateField(blank=True, null=True, verbose_name="date of death"),
                ),
                migrations.AlterField(
                    model_name="worker",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="merged_records",
                        to="registry.worker",
                        verbose_name="merged into",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_old_indexes, add_old_indexes, elidable=False)],
        ),
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(
                condition=models.Q(died_on__isnull=False), fields=["died_on"], name="registry_worker_died_on"
            ),
        ),
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(
                condition=models.Q(merged_into__isnull=False), fields=["merged_into"], name="registry_worker_merged_into"
            ),
        ),
    ]
