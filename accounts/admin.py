"""Users in the admin. Every add, change (permissions and groups included) and delete writes an audit
entry; a password change is recorded as changed, never with either value."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.admin import AuditedAdmin
from audit.services import Action, audit_record


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Contact"), {"fields": ("full_name", "phone")}),
        (_("Single sign-on"), {"fields": ("sso_subject",)}),
    )
    list_display = ("username", "full_name", "email", "phone", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email", "phone", "sso_subject")

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            # The stored hash changed; the trail says so and keeps neither value.
            audit_record(
                actor=request.user,
                action=Action.CHANGED,
                obj=user,
                before={"password": "old"},
                after={"password": "new"},
            )
        return response
