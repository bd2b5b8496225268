"""Grievance timelines in the admin, to look at only: they are append-only, for superusers too.

Grievances themselves change only through the workflow services (the inbox, the API), never here.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import ReadOnlyAdmin
from grievances.models import GrievanceEvent


@admin.register(GrievanceEvent)
class GrievanceEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "tracking_number", "kind", "status_after", "actor")
    list_filter = ("kind",)
    list_select_related = ("grievance", "actor")
    search_fields = ("=grievance__tracking_number",)
    fields = ("grievance", "kind", "at", "actor", "status_after", "public_note", "internal_note", "data")
    show_full_result_count = False

    @admin.display(description=_("tracking number"), ordering="grievance__tracking_number")
    def tracking_number(self, event: GrievanceEvent) -> str:
        return event.grievance.tracking_number
