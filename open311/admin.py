"""Open311 API keys in the admin: issued (the key is shown once, on the page that follows), renamed, revoked.

Keys are never deleted, so every grievance filed with one keeps its origin; each change writes an audit entry.
"""

from django.contrib import admin
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from audit.admin import copy_saved
from open311.models import ApiKey
from open311.services import api_key_issue, api_key_update


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "active", "created_at", "last_used_at", "filed")
    list_filter = ("active",)
    search_fields = ("name", "contact", "prefix")
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at")
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by").annotate(filed_count=Count("filings"))

    @admin.display(description=_("grievances filed"), ordering="filed_count")
    def filed(self, key: ApiKey) -> int:
        return key.filed_count

    def get_fields(self, request, obj=None):
        # A key is active when issued; revoking it is a change.
        return ("name", "contact") if obj is None else ("name", "contact", "active", *self.readonly_fields)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = api_key_update(
                key_id=obj.pk, actor=request.user, name=data["name"], contact=data["contact"], active=data["active"]
            )
        else:
            issued = api_key_issue(name=data["name"], contact=data["contact"], actor=request.user)
            saved, obj._issued_key = issued.api_key, issued.raw
        copy_saved(obj, saved)

    def response_add(self, request, obj, post_url_continue=None):
        # The key itself is on this page and nowhere else: not in a message stored in the session or a cookie.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("API key issued"),
            "api_key": obj,
            "raw_key": obj._issued_key,
        }
        response = TemplateResponse(request, "admin/open311/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset.filter(active=True):
            api_key_update(key_id=key.pk, actor=request.user, name=key.name, contact=key.contact, active=False)
