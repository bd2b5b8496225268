"""Admin for master data: geography, offices, ranks, GRO rules and appointments, holidays, GRO list import.

Every add, change and delete here writes an audit entry: offices, appointments and GRO rank exceptions
through their services, the rest through :class:`audit.admin.AuditedAdmin`.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdmin, copy_saved
from offices.imports import COLUMNS, ImportFileError, error_count_message, gro_import
from offices.models import AdminUnit, Appointment, GroRankException, GroRankRule, Holiday, Office, Rank, Role
from offices.services import (
    APPOINTMENT_FIELDS,
    RankTooLow,
    appointment_change,
    appointment_create,
    appointment_delete,
    check_gro_rank,
    gro_rank_exception_grant,
    gro_rank_exception_revoke,
    office_create,
    office_update,
)


@admin.register(AdminUnit)
class AdminUnitAdmin(AuditedAdmin):
    """Geography comes from the national data set (``load_geography``): names may be corrected, nothing added."""

    list_display = ("name_en", "name_bn", "level", "parent")
    list_filter = ("level",)
    list_select_related = ("parent",)
    search_fields = ("name_en", "name_bn")
    readonly_fields = ("level", "source_id", "parent")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OfficeAdminForm(forms.ModelForm):
    class Meta:
        model = Office
        fields = ("code", "name_en", "name_bn", "layer", "parent", "admin_unit", "active")

    def clean_code(self) -> str:
        # office_create stores codes upper-cased; cleaning here lets the unique check see the stored form.
        return self.cleaned_data["code"].strip().upper()


@admin.register(Office)
class OfficeAdmin(AuditedAdmin):
    form = OfficeAdminForm
    list_display = ("code", "name_en", "name_bn", "layer", "parent_code", "active")
    list_filter = ("layer", "active")
    list_select_related = ("parent",)
    search_fields = ("code", "name_en", "name_bn")
    autocomplete_fields = ("parent", "admin_unit")

    @admin.display(description=_("parent office"), ordering="parent__code")
    def parent_code(self, office: Office) -> str:
        return office.parent.code if office.parent_id else ""

    def get_readonly_fields(self, request, obj=None):
        # Codes are a stable contract, and a move must rewrite the whole subtree's paths.
        if obj is None:
            return ("path", "depth")
        return ("code", "parent", "path", "depth")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        names = {"name_en": data["name_en"], "name_bn": data["name_bn"], "layer": data["layer"]}
        if change:
            office = office_update(
                office=obj, actor=request.user, admin_unit=data["admin_unit"], active=data["active"], **names
            )
        else:
            office = office_create(
                code=data["code"],
                parent=data["parent"],
                admin_unit=data["admin_unit"],
                active=data["active"],
                actor=request.user,
                **names,
            )
        copy_saved(obj, office)


@admin.register(Rank)
class RankAdmin(AuditedAdmin):
    list_display = ("code", "name_en", "name_bn", "grade")
    search_fields = ("code", "name_en", "name_bn")


@admin.register(GroRankRule)
class GroRankRuleAdmin(AuditedAdmin):
    list_display = ("layer", "minimum_rank")
    list_select_related = ("minimum_rank",)


@admin.register(GroRankException)
class GroRankExceptionAdmin(admin.ModelAdmin):
    list_display = ("office", "reason", "granted_by", "granted_at")
    list_select_related = ("office", "granted_by")
    search_fields = ("office__code", "office__name_en", "office__name_bn", "reason")
    autocomplete_fields = ("office",)
    fields = ("office", "reason", "granted_by", "granted_at")
    readonly_fields = ("granted_by", "granted_at")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ("office", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        exception = gro_rank_exception_grant(office=obj.office, reason=form.cleaned_data["reason"], actor=request.user)
        copy_saved(obj, exception)

    def delete_model(self, request, obj):
        gro_rank_exception_revoke(exception=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for exception in queryset:
            gro_rank_exception_revoke(exception=exception, actor=request.user)


class AppointmentAdminForm(forms.ModelForm):
    class Meta:
        model = Appointment
        fields = ("user", "office", "role", "designation", "rank", "start_date", "end_date")

    def clean(self):
        cleaned = super().clean()
        office = cleaned.get("office")
        if cleaned.get("role") == Role.GRO and office is not None and "rank" not in self.errors:
            try:
                check_gro_rank(office=office, rank=cleaned.get("rank"))
            except RankTooLow as exc:
                self.add_error("rank", str(exc))
        return cleaned


class GroImportForm(forms.Form):
    file = forms.FileField(
        label=_("GRO list"),
        help_text=_("CSV (UTF-8) or Excel .xlsx, with a header row naming the columns."),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run)"),
        required=False,
        initial=True,
        help_text=_("Report what the import would do and write nothing."),
    )


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    form = AppointmentAdminForm
    list_display = ("user", "office", "role", "designation", "rank", "start_date", "end_date")
    list_filter = ("role", "office__layer")
    list_select_related = ("user", "office", "rank")
    search_fields = ("user__username", "user__full_name", "office__code", "office__name_en", "designation")
    autocomplete_fields = ("user", "office")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in APPOINTMENT_FIELDS if name in form.cleaned_data}
        if not change:
            saved = appointment_create(actor=request.user, **data)
        else:
            saved = appointment_change(appointment=obj, actor=request.user, **data)
        copy_saved(obj, saved)

    def delete_model(self, request, obj):
        appointment_delete(appointment=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for appointment in queryset:
            appointment_delete(appointment=appointment, actor=request.user)

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import"
        return [path("import/", self.admin_site.admin_view(self.import_view), name=name), *super().get_urls()]

    def import_view(self, request):
        """Upload a GRO list, see the row-by-row report, and apply it when every row is valid."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        form = GroImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = gro_import(
                    file=form.cleaned_data["file"], actor=request.user, dry_run=form.cleaned_data["dry_run"]
                )
            except ImportFileError as exc:
                form.add_error("file", str(exc))
        if report is not None and not report.valid:
            messages.error(request, error_count_message(report))
        elif report is not None and report.applied:
            messages.success(request, gettext("The GRO list was imported. %(summary)s") % {"summary": report.summary()})
        elif report is not None:
            messages.info(
                request,
                gettext("Every row is valid; nothing was written. Clear “check only” and upload again to apply."),
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import GRO list"),
            "form": form,
            "report": report,
            "columns": COLUMNS,
            "roles": Role.values,
        }
        return TemplateResponse(request, "admin/offices/appointment/import.html", context)


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ("date", "name_en", "name_bn")
    search_fields = ("name_en", "name_bn")
    date_hierarchy = "date"
