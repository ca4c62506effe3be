"""Workers over time: the status with its date, the day of death, the record a merged one was merged into, the
history of changes (``WorkerEvent``) and the kind of a list (worker list or death list)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def date_earlier_deaths(apps, schema_editor):
    """A worker marked deceased before deaths had a date (by hand in the admin) gets the day of that change, so that
    the constraint below holds; the history says nothing of it, the audit log has the change."""
    Worker = apps.get_model("registry", "Worker")
    for worker in Worker.objects.filter(status="deceased", died_on__isnull=True).only("pk", "updated_at"):
        day = worker.updated_at.date()
        Worker.objects.filter(pk=worker.pk).update(died_on=day, status_on=day)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_add_heartbeat_and_reason_to_import_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("death", "Death recorded"),
                            ("move", "Move"),
                            ("correction", "Correction"),
                            ("nik_correction", "NIK correction"),
                            ("merge", "Merge"),
                            ("status", "Status change"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                ("happened_on", models.DateField(verbose_name="effective date")),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="reason")),
                ("source", models.CharField(blank=True, max_length=200, verbose_name="source")),
                ("evidence", models.CharField(blank=True, max_length=500, verbose_name="evidence")),
                ("evidence_file", models.CharField(blank=True, max_length=300)),
                ("evidence_name", models.CharField(blank=True, max_length=255, verbose_name="evidence file")),
                ("before", models.JSONField(blank=True, default=dict, verbose_name="before")),
                ("after", models.JSONField(blank=True, default=dict, verbose_name="after")),
                ("actor_name", models.CharField(max_length=150, verbose_name="by")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="recorded")),
            ],
            options={
                "verbose_name": "worker change",
                "verbose_name_plural": "worker changes",
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="importjob",
            name="kind",
            field=models.CharField(
                choices=[("workers", "Worker list"), ("deaths", "Death list")],
                default="workers",
                max_length=16,
                verbose_name="list",
            ),
        ),
        migrations.AddField(
            model_name="worker",
            name="died_on",
            field=models.DateField(blank=True, db_index=True, null=True, verbose_name="date of death"),
        ),
        migrations.AddField(
            model_name="worker",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_records",
                to="registry.worker",
                verbose_name="merged into",
            ),
        ),
        migrations.AddField(
            model_name="worker",
            name="status_on",
            field=models.DateField(blank=True, null=True, verbose_name="status since"),
        ),
        migrations.AlterField(
            model_name="worker",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("inactive", "Inactive"),
                    ("deceased", "Deceased"),
                    ("moved", "Moved away"),
                    ("merged", "Merged"),
                ],
                default="active",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(date_earlier_deaths, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="worker",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "deceased"), _negated=True), ("died_on__isnull", False), _connector="OR"
                ),
                name="registry_worker_deceased_has_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="worker",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "merged"), _negated=True), ("merged_into__isnull", False), _connector="OR"
                ),
                name="registry_worker_merged_has_target",
            ),
        ),
        migrations.AddField(
            model_name="workerevent",
            name="actor",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="workerevent",
            name="merged_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.worker",
                verbose_name="from record",
            ),
        ),
        migrations.AddField(
            model_name="workerevent",
            name="worker",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="registry.worker",
                verbose_name="worker",
            ),
        ),
        migrations.AddIndex(
            model_name="workerevent",
            index=models.Index(fields=["worker", "at"], name="registry_event_worker_at"),
        ),
    ]
