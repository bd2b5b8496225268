"""Leave a tenth of every grievance page free on PostgreSQL, so updates can stay on the page.

The SLA sweep flips ``overdue`` on many rows at once and every action changes a few columns; with
room on the page PostgreSQL writes the new row version beside the old one (a HOT update) without
touching any index, unless an indexed column changed. Pages filled to the brim (a bulk load, COPY)
force every update to write a new entry in every index. Other databases ignore this.
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor, percent=90):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE grievances_grievance SET (fillfactor = {int(percent)})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE grievances_grievance RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("grievances", "0004_inbox_deadline_index")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
