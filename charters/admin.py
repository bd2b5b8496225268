"""Admin for citizen charters: categories, programmes, charters and the services they list.

Every add, change and delete here writes an audit entry: charters and their services through their
services, categories and programmes through :class:`audit.admin.AuditedAdmin`.
"""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdmin, copy_saved
from charters.models import Charter, CharterService, Programme, ServiceCategory
from charters.services import (
    CHARTER_FIELDS,
    SERVICE_FIELDS,
    charter_delete,
    charter_save,
    charter_service_delete,
    charter_service_save,
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedAdmin):
    list_display = ("name_en", "name_bn", "slug", "order")
    search_fields = ("slug", "name_en", "name_bn")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ("code", "name_en", "name_bn", "ministry", "g2p")
    list_filter = ("g2p",)
    list_select_related = ("ministry",)
    search_fields = ("code", "name_en", "name_bn")
    autocomplete_fields = ("ministry",)


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = ("office", "gro_timeframe_days", "appeal_timeframe_days", "published_on")
    list_select_related = ("office",)
    search_fields = ("office__code", "office__name_en", "office__name_bn")
    autocomplete_fields = ("office",)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in CHARTER_FIELDS if name in form.cleaned_data}
        copy_saved(obj, charter_save(charter=obj if change else None, actor=request.user, **values))

    def delete_model(self, request, obj):
        charter_delete(charter=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for charter in queryset:
            charter_delete(charter=charter, actor=request.user)


@admin.register(CharterService)
class CharterServiceAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_bn", "office_code", "category", "programme", "timeframe_days", "g2p", "active")
    list_filter = ("category", "g2p", "office__layer", "active")
    list_select_related = ("office", "category", "programme")
    search_fields = ("name_en", "name_bn", "office__code")
    autocomplete_fields = ("office", "programme")

    @admin.display(description=_("office"), ordering="office__code")
    def office_code(self, service: CharterService) -> str:
        return service.office.code

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in SERVICE_FIELDS if name in form.cleaned_data}
        copy_saved(obj, charter_service_save(service=obj if change else None, actor=request.user, **values))

    def delete_model(self, request, obj):
        charter_service_delete(service=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for service in queryset:
            charter_service_delete(service=service, actor=request.user)
