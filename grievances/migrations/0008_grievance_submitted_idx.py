"""Grievances newest first within a window of filing dates (Open311's request list reads the last 90
days), from an index instead of a sort of the whole table. Built concurrently on PostgreSQL."""

from django.db import migrations, models

from grs.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("grievances", "0007_eventkind_privacy"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="grievance",
            index=models.Index(fields=["-submitted_at", "-id"], name="grievance_submitted_idx"),
        ),
    ]
