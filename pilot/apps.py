from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pilot"
    verbose_name = _("Pilot simulation")
