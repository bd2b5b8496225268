from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from grs.templatetags.bangla import bn_digits
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

    def changelist_view(self, request, extra_context=None):
        # A message that ran out of attempts waits for a person: every visit to the outbox says how many.
        failed = Outbox.objects.filter(status=Outbox.Status.FAILED).count()
        if failed and request.method == "GET" and request.GET.get("status__exact") != Outbox.Status.FAILED:
            text = bn_digits(
                ngettext(
                    "%(count)d message could not be sent after every attempt.",
                    "%(count)d messages could not be sent after every attempt.",
                    failed,
                )
                % {"count": failed}
            )
            link = f"{request.path}?status__exact={Outbox.Status.FAILED}"
            self.message_user(
                request, format_html('{} <a href="{}">{}</a>', text, link, _("Show them")), level=messages.WARNING
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("last error"))
    def error(self, message: Outbox) -> str:
        return Truncator(message.last_error).chars(80)

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request, queryset):
        count = outbox_retry(outbox_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            bn_digits(
                ngettext(
                    "%(count)d failed message will be sent again.",
                    "%(count)d failed messages will be sent again.",
                    count,
                )
                % {"count": count}
            ),
        )
