"""An index of the failed messages only, which the admin counts and lists. On PostgreSQL it is built
with CREATE INDEX CONCURRENTLY, so writing to the outbox (every filing, every action) never waits for it."""

from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(migrations.AddIndex):
    """``AddIndex``, built concurrently on PostgreSQL (the migration runs outside a transaction)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            options = {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}
            schema_editor.add_index(model, self.index, **options)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            options = {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}
            schema_editor.remove_index(model, self.index, **options)


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
