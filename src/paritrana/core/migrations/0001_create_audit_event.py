from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="time")),
                ("actor_id", models.BigIntegerField(blank=True, null=True, verbose_name="actor id")),
                ("actor_name", models.CharField(blank=True, db_index=True, max_length=150, verbose_name="actor")),
                ("action", models.CharField(db_index=True, max_length=64, verbose_name="action")),
                ("object_type", models.CharField(db_index=True, max_length=64, verbose_name="object type")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="object id")),
                ("region_code", models.CharField(blank=True, db_index=True, max_length=13, verbose_name="region")),
                ("before", models.JSONField(blank=True, null=True, verbose_name="before")),
                ("after", models.JSONField(blank=True, null=True, verbose_name="after")),
            ],
            options={"ordering": ["-at", "-id"], "verbose_name": "audit event", "verbose_name_plural": "audit events"},
        ),
    ]
