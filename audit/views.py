"""The auditor's page: who read complainants' identities, and who changed offices, appointments and charters.

Only an Auditor sees it; for everyone else, signed in or not, it does not exist (404), like a grievance
outside one's scope. It shows no complainant's personal data: a read is named by the grievance's
tracking number, never by what the reader saw.
"""

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.selectors import AuditFilter, access_log_visible_to, audit_entries_visible_to, audit_scope_of
from grievances import tracking

PAGE_SIZE = 50
ACCESS, CHANGES = "access", "changes"


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User (username or name)"), max_length=150, required=False)
    number = forms.CharField(label=_("Tracking number"), max_length=20, required=False)
    since = forms.DateField(label=_("On or after"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("On or before"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        try:
            return tracking.normalise(number) if number else ""
        except tracking.InvalidTrackingNumber as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

    def chosen(self) -> AuditFilter:
        """The filters that were understood; a field with an error narrows nothing."""
        data = self.cleaned_data
        return AuditFilter(
            user=(data.get("user") or "").strip(),
            tracking_number=data.get("number") or "",
            since=data.get("since"),
            until=data.get("until"),
        )


def _kind(object_type: str) -> str:
    """What sort of record an entry is about, in the reader's language ("appointment", "citizen charter")."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


@never_cache
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The access log (``?show=access``, the default) or the audit trail (``?show=changes``), filtered and paged."""
    scope = audit_scope_of(request.user)
    if not scope.auditor:
        raise Http404
    show = CHANGES if request.GET.get("show") == CHANGES else ACCESS
    form = AuditFilterForm(request.GET)
    form.is_valid()
    chosen = form.chosen()
    if show == ACCESS:
        rows = access_log_visible_to(request.user, chosen, scope=scope)
    else:
        rows = audit_entries_visible_to(request.user, chosen, scope=scope)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "show": show,
        "form": form,
        "page": page,
        "rows": [
            (row, tracking.display(row.tracking_number) if show == ACCESS else _kind(row.object_type)) for row in page
        ],
        "filtered": any(value for value in (chosen.user, chosen.tracking_number, chosen.since, chosen.until)),
        "everything": scope.everything,
    }
    return render(request, "audit/log.html", context)
