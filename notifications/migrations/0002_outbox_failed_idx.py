"""An index of the failed messages only, which the admin counts and lists. On PostgreSQL it is built
with CREATE INDEX CONCURRENTLY, so writing to the outbox (every filing, every action) never waits for it."""

from django.db import migrations, models

from grs.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("notifications", "0001_outbox"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="outbox",
            index=models.Index(condition=models.Q(("status", "failed")), fields=["id"], name="outbox_failed_idx"),
        ),
    ]
