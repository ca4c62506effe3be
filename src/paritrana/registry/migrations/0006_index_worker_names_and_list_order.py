"""Indexes for a national registry (issue 22).

* The worker list's order (desa, name, id): a page read by position starts where the last one ended, in the index.
* On PostgreSQL, a trigram index (``pg_trgm``) on ``UPPER(name)``, what a name search (``icontains``) compares: a
  search of 20 million names reads the few rows that share the typed letters instead of all of them. It is built
  ``CONCURRENTLY`` (the registry stays readable and writable while it builds, hence a migration outside a
  transaction). Where the extension cannot be created (a managed server that forbids it), the migration says so and
  goes on: searches still work, reading every row of the scope.
"""

import logging

from django.db import DatabaseError, migrations, models

logger = logging.getLogger("paritrana.registry")

TRIGRAM_INDEX = "registry_worker_name_trgm"


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            logger.warning(
                "pg_trgm could not be created (%s): name searches will read every worker of their scope; ask the "
                "database administrator to run CREATE EXTENSION pg_trgm, then migrate registry back to 0005 and forward again",
                str(exc).strip()[:200],
            )
            return
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {TRIGRAM_INDEX} ON registry_worker "
            "USING gin (UPPER(name) gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0005_record_worker_lifecycle")]

    operations = [
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(fields=["desa_code", "name", "id"], name="registry_worker_list_order"),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index, elidable=False),
    ]
