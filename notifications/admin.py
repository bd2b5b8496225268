from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Outbox
from notifications.services import outbox_retry


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
        "grievance",
    )
    list_filter = ("status", "channel", "simulated")
    search_fields = ("recipient",)
    list_select_related = ("grievance",)
    show_full_result_count = False
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Outbox rows are a record of what was sent: nobody edits one. The change permission on
        # the list only lets an administrator retry failed messages.
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("last error"))
    def error(self, message: Outbox) -> str:
        return Truncator(message.last_error).chars(80)

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request, queryset):
        count = outbox_retry(outbox_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed message will be sent again.",
                "%(count)d failed messages will be sent again.",
                count,
            )
            % {"count": count},
        )
