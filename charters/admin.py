"""Admin for citizen charters: categories, programmes, charters and the services they list."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from charters.models import Charter, CharterService, Programme, ServiceCategory


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_bn", "slug", "order")
    search_fields = ("slug", "name_en", "name_bn")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
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
