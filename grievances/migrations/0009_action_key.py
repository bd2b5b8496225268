"""The Idempotency-Key of a complainant's reply, rating or appeal, so the app can resend one safely."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0008_grievance_submitted_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActionKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=100, unique=True)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("accept", "Accept"),
                            ("request_info", "Ask for information"),
                            ("provide_info", "Answer the request for information"),
                            ("record_hearing", "Record a hearing"),
                            ("forward", "Forward"),
                            ("resolve", "Resolve"),
                            ("reject", "Reject"),
                            ("close_no_action", "Close: filed, no action"),
                            ("feedback", "Give feedback"),
                            ("appeal", "Appeal"),
                            ("decide_appeal", "Decide the appeal"),
                        ],
                        max_length=20,
                    ),
                ),
                ("fingerprint", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "grievance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="grievances.grievance"
                    ),
                ),
            ],
            options={
                "verbose_name": "action key",
                "verbose_name_plural": "action keys",
            },
        ),
    ]
