"""The audit trail in the admin, read-only; and the admin's two ways of keeping it.

:class:`ReadOnlyAdmin` shows append-only rows (audit entries, grievance timelines) with no add, change
or delete permission, for superusers too. :class:`AuditedAdmin` makes every save and delete of a model
without a service of its own write an audit entry; admins of models that have services call those.
"""

from django.contrib import admin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.services import audited_delete, audited_save


def copy_saved(target: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved instance the row a service saved, so the admin's redirect and log use it."""
    for model_field in type(saved)._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(saved, model_field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only ever added by services: the admin may look, never add, change or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete on this admin page writes an audit entry naming the administrator."""

    def save_model(self, request, obj, form, change):
        # Many-to-many values are saved inside the same entry, so save_related skips them below.
        audited_save(obj=obj, actor=request.user, m2m_saver=getattr(form, "save_m2m", None))

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        audited_delete(obj=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audited_delete(obj=obj, actor=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr", "office_code")
    list_filter = ("action", "object_type")
    list_select_related = ("actor", "office")
    search_fields = ("object_repr", "object_id", "actor__username")
    date_hierarchy = "at"
    fields = ("at", "actor", "action", "object_type", "object_id", "object_repr", "office", "changes")

    @admin.display(description=_("office"), ordering="office__code")
    def office_code(self, entry: AuditEntry) -> str:
        return entry.office.code if entry.office_id and entry.office else ""
