"""The officials' pages: the inbox of a GRO or Appeal Officer, the grievance page with the actions they may
take, and its attachments. Reads go through the scoped selectors and every change through one service;
a grievance outside the user's scope is the same 404 as a number never issued."""

import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from grievances import tracking
from grievances.api import InboxFilter
from grievances.attachments import ALLOWED
from grievances.forms import COUNTRIES
from grievances.models import (
    AppealDecision,
    Attachment,
    Channel,
    EventKind,
    Feedback,
    Grievance,
    GrievanceType,
    IdentityAccess,
    Severity,
)
from grievances.permissions import OutOfScope, actions_available
from grievances.privacy import grievance_data_export, grievance_identity_erase, is_erased, privacy_panel
from grievances.selectors import (
    ForwardedAway,
    attachment_for,
    forward_targets,
    grievance_for,
    grievance_forwarded_away,
    grievance_late,
    grievances_in_inbox_listed,
    inbox_filter_options,
    may_see_identity,
    offices_by_code,
)
from grievances.services import (
    GrievanceChanged,
    grievance_accept,
    grievance_close_no_action,
    grievance_decide_appeal,
    grievance_forward,
    grievance_record_hearing,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
    identity_access_record,
)
from grievances.workflow import Action, Status
from grs import errors
from grs.templatetags.bangla import bn_digits
from offices.models import Office
from offices.selectors import scope_of

PAGE_SIZE = 25
FILTER_PARAMS = ("q", "type", "category", "service", "channel", "overdue", "submitted_from", "submitted_to")


# --- One small form per action. Field names are the service's arguments. ----------------------------


def _text(label, *, help_text="", rows=3, max_length=2000, required=True) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ActionForm(forms.Form):
    """``version`` is the grievance's version as the page showed it: if a colleague acted since, the
    service refuses and the officer is told to reload."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class AcceptForm(ActionForm):
    pass


class RequestInfoForm(ActionForm):
    question = _text(
        gettext_lazy("Question for the complainant"),
        help_text=gettext_lazy("Sent to the complainant by SMS and shown on their track page."),
    )


class HearingForm(ActionForm):
    when = forms.DateTimeField(
        label=gettext_lazy("Date and time of the hearing"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = _text(
        gettext_lazy("Note (for officials only)"), max_length=5000, required=False, help_text=gettext_lazy("Optional.")
    )


class ForwardForm(ActionForm):
    to_office = forms.ModelChoiceField(
        label=gettext_lazy("Forward to"),
        queryset=Office.objects.active(),
        to_field_name="code",
        error_messages={"invalid_choice": gettext_lazy("Choose an office from the list.")},
    )
    reason = _text(
        gettext_lazy("Why it goes there"),
        help_text=gettext_lazy("Kept for officials. The complainant is told only which office has it now."),
    )


class ResolveForm(ActionForm):
    resolution = _text(
        gettext_lazy("How the grievance was redressed"),
        max_length=5000,
        rows=4,
        help_text=gettext_lazy("The complainant reads this, and may rate it or appeal."),
    )


class RejectForm(ActionForm):
    reason = _text(
        gettext_lazy("Why it is rejected"), help_text=gettext_lazy("The complainant reads this, and may appeal.")
    )


class CloseForm(ActionForm):
    reason = _text(gettext_lazy("Why no action is taken"), help_text=gettext_lazy("Kept for officials."))
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices, widget=forms.RadioSelect)


class EraseForm(forms.Form):
    """Erasing the complainant's identity: the reason is kept on the timeline, the box confirms it for good."""

    reason = _text(
        gettext_lazy("Why the identity is erased"),
        help_text=gettext_lazy("For example, the complainant's request and its date. Kept for officials."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that the complainant's name, phone, e-mail, address, access code and attached files are "
            "deleted for good."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm: an erasure cannot be undone.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", prefix="erase", **kwargs)


class DecideAppealForm(ActionForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=AppealDecision.choices, widget=forms.RadioSelect
    )
    text = _text(
        gettext_lazy("The decision, as the complainant will read it"),
        max_length=5000,
        rows=4,
    )


@dataclass(frozen=True)
class ActionPage:
    form: type[ActionForm]
    service: Callable[..., Grievance]
    done: Promise  # the success message: %(number)s, %(office)s (the office holding it afterwards)


ACTIONS: dict[str, ActionPage] = {
    Action.ACCEPT: ActionPage(AcceptForm, grievance_accept, gettext_lazy("Grievance %(number)s is accepted.")),
    Action.REQUEST_INFO: ActionPage(
        RequestInfoForm, grievance_request_info, gettext_lazy("Your question on %(number)s is sent to the complainant.")
    ),
    Action.RECORD_HEARING: ActionPage(
        HearingForm, grievance_record_hearing, gettext_lazy("The hearing is recorded on %(number)s.")
    ),
    Action.FORWARD: ActionPage(
        ForwardForm, grievance_forward, gettext_lazy("Grievance %(number)s is forwarded to %(office)s.")
    ),
    Action.RESOLVE: ActionPage(ResolveForm, grievance_resolve, gettext_lazy("Grievance %(number)s is resolved.")),
    Action.REJECT: ActionPage(RejectForm, grievance_reject, gettext_lazy("Grievance %(number)s is rejected.")),
    Action.CLOSE_NO_ACTION: ActionPage(
        CloseForm, grievance_close_no_action, gettext_lazy("Grievance %(number)s is closed: filed, no action.")
    ),
    Action.DECIDE_APPEAL: ActionPage(
        DecideAppealForm, grievance_decide_appeal, gettext_lazy("The appeal on grievance %(number)s is decided.")
    ),
}


def _slug(action: str) -> str:
    return action.replace("_", "-")


_ACTION_OF_SLUG = {_slug(action): action for action in ACTIONS}

GONE = gettext_lazy("Grievance %(number)s was forwarded to %(office)s on %(when)s and is no longer with your office.")
GONE_UNDONE = gettext_lazy(
    "Nothing was done: grievance %(number)s was forwarded to %(office)s on %(when)s, while your page was open."
)


def _grievance_or_404(user, number: str, **kwargs) -> Grievance:
    try:
        return grievance_for(user, number, **kwargs)
    except OutOfScope:
        raise Http404 from None


class _ForwardedAway(Exception):
    """The grievance left the user's scope by a forward from their office: ``away`` says where."""

    def __init__(self, away: ForwardedAway):
        super().__init__(away.number)
        self.away = away


def _grievance_here(request: HttpRequest, number: str, **kwargs) -> Grievance:
    """Like ``_grievance_or_404``, but a grievance a colleague forwarded away raises ``_ForwardedAway``."""
    try:
        return grievance_for(request.user, number, **kwargs)
    except OutOfScope:
        away = grievance_forwarded_away(request.user, number)
        if away is None:
            raise Http404 from None
        raise _ForwardedAway(away) from None


def _gone(request: HttpRequest, away: ForwardedAway, message) -> HttpResponse:
    """Back to the inbox, saying where the grievance went (only the sending office gets here)."""
    when = bn_digits(formats.date_format(timezone.localtime(away.at), "SHORT_DATETIME_FORMAT"))
    messages.warning(
        request, message % {"number": tracking.display(away.number), "office": away.to_office.name, "when": when}
    )
    return redirect("grievances:inbox")


def _gone_since_read(request: HttpRequest, number: str) -> HttpResponse:
    """The grievance was in scope when read and is not now: forwarded away meanwhile, or a plain 404."""
    away = grievance_forwarded_away(request.user, number)
    if away is None:
        raise Http404
    return _gone(request, away, GONE_UNDONE)


# --- Inbox ------------------------------------------------------------------------------------------


@never_cache
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The grievances held at the offices where the user is GRO, and the appeals where they are Appeal
    Officer: filtered with the API's own filters, soonest deadline first, a bounded page at a time."""
    scope = scope_of(request.user)
    if not scope.handling:
        return render(request, "grievances/official/inbox.html", {"handles": False})
    filters = InboxFilter(request.GET, queryset=grievances_in_inbox_listed(request.user))
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    categories, services = inbox_filter_options(request.user, scope=scope)
    chosen = {name: request.GET.get(name, "").strip() for name in FILTER_PARAMS}
    chosen["status"] = request.GET.getlist("status")
    context = {
        "handles": True,
        "page": page,
        "rows": [(grievance, tracking.display(grievance.tracking_number)) for grievance in page.object_list],
        "filter_errors": [error for field_errors in filters.errors.values() for error in field_errors],
        "filtered": any(chosen.values()),
        "chosen": chosen,
        "statuses": Status.choices,
        "types": GrievanceType.choices,
        "channels": Channel.choices,
        "categories": categories,
        "services": services,
        "many_offices": len(scope.handling) > 1,
    }
    return render(request, "grievances/official/inbox.html", context)


# --- The grievance page -----------------------------------------------------------------------------


@never_cache
@login_required
def official_detail(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """A grievance in the user's scope with its timeline, attachments and the actions they may take now."""
    try:
        grievance = _grievance_here(request, tracking_number, timeline=True)
    except _ForwardedAway as forwarded:
        return _gone(request, forwarded.away, GONE)
    return _detail(request, grievance)


def _detail(
    request: HttpRequest,
    grievance: Grievance,
    *,
    bound: ActionForm | None = None,
    status: int = 200,
    erase_form: EraseForm | None = None,
) -> HttpResponse:
    scope = scope_of(request.user)
    available = actions_available(request.user, grievance, scope=scope)
    action_forms = []
    for action in available:
        page = ACTIONS.get(action)
        if page is None:
            continue
        form = bound if bound is not None and bound.prefix == _slug(action) else None
        form = form or page.form(prefix=_slug(action), initial={"version": grievance.version})
        action_forms.append({"action": action, "slug": _slug(action), "label": Action(action).label, "form": form})
    # The refused action is no longer on offer (the grievance moved on): show what was typed, to copy.
    unsent = []
    if bound is not None and not any(item["form"] is bound for item in action_forms):
        unsent = [
            (field.label, field.value())
            for field in bound.visible_fields()
            if isinstance(field.field, forms.CharField) and field.value()
        ]

    erased = is_erased(grievance)
    identity = may_see_identity(request.user, grievance) and not erased
    if identity:
        identity_access_record(grievance=grievance, actor=request.user, via=IdentityAccess.Via.WEB)

    events = list(grievance.events.all())
    forwarded = [event for event in events if event.kind == EventKind.FORWARDED]
    offices = offices_by_code(code for event in forwarded for code in (event.data.get("from"), event.data.get("to")))
    try:
        feedback = grievance.feedback
    except Feedback.DoesNotExist:
        feedback = None

    late = grievance_late(grievance)
    context = {
        "grievance": grievance,
        "number": tracking.display(grievance.tracking_number),
        "late": late,
        # Whose deadline passed: the Appeal Officer's while an appeal is pending, else the office's.
        "late_office": late and grievance.status != Status.APPEALED,
        "late_appeal": late and grievance.status == Status.APPEALED,
        "identity": identity,
        "country": dict(COUNTRIES).get(grievance.complainant_country, grievance.complainant_country),
        "timeline": [_timeline_row(event, offices) for event in events],
        "attachments": list(grievance.attachments.all()),
        "feedback": feedback,
        "action_forms": action_forms,
        "unsent": unsent,
        "erased": erased,
        "privacy": privacy_panel(request.user, grievance),
        "erase_form": erase_form or EraseForm(),
    }
    if Action.FORWARD in available:
        query = (request.GET.get("forward_q") or request.POST.get("forward_q") or "").strip()[:100]
        targets = forward_targets(grievance, query=query)
        depth = grievance.current_office.depth
        context.update(
            forward_q=query,
            forward_found=targets.found,
            forward_more_found=targets.more_found,
            # Indented by how far below the holder each office sits, so the tree reads in a plain select.
            forward_below=[("– " * (office.depth - depth - 1), office) for office in targets.below],
            forward_more_below=targets.more_below,
        )
    return render(request, "grievances/official/detail.html", context, status=status)


def _timeline_row(event, offices: dict[str, Office]) -> dict:
    data = event.data or {}
    row = {"event": event, "from_office": None, "to_office": None, "extra": ""}
    if event.kind == EventKind.FORWARDED:
        row["from_office"] = offices.get(data.get("from")) or data.get("from")
        row["to_office"] = offices.get(data.get("to")) or data.get("to")
        if data.get("route") == "misrouted":
            row["extra"] = _("Misrouted: sent to an office outside this one's subtree.")
    elif event.kind == EventKind.CLOSED and data.get("severity") in Severity.values:
        row["extra"] = _("Severity: %(severity)s") % {"severity": Severity(data["severity"]).label}
    elif event.kind == EventKind.APPEAL_DECIDED and data.get("decision") in AppealDecision.values:
        row["extra"] = AppealDecision(data["decision"]).label
    elif event.kind == EventKind.FEEDBACK and data.get("rating"):
        row["extra"] = _("Rating: %(rating)s of 5") % {"rating": data["rating"]}
    return row


@never_cache
@login_required
@require_POST
def official_action(request: HttpRequest, tracking_number: str, action: str) -> HttpResponse:
    """Take one action through its service, then go back to the grievance (or to the inbox once it left the
    user's care) with what happened; a refusal shows on the page, with what was typed kept."""
    page = ACTIONS.get(_ACTION_OF_SLUG.get(action, ""))
    if page is None:
        raise Http404
    try:
        grievance = _grievance_here(request, tracking_number)
    except _ForwardedAway as forwarded:
        return _gone(request, forwarded.away, GONE_UNDONE)
    form = page.form(request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, _("Nothing was done: please check what you wrote."))
        return _again(request, tracking_number, form, status=400)
    values = {name: value for name, value in form.cleaned_data.items() if name != "version"}
    try:
        grievance = page.service(
            grievance_id=grievance.pk, actor=request.user, expected_version=form.cleaned_data["version"], **values
        )
    except OutOfScope:
        # Forwarded away between reading it and locking it.
        return _gone_since_read(request, tracking_number)
    except errors.DomainError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            messages.error(request, _("Nothing was done: please check what you wrote."))
            return _again(request, tracking_number, form, status=exc.http_status)
        messages.error(request, _refusal(exc))
        return _again(request, tracking_number, form, status=exc.http_status, refresh=isinstance(exc, errors.Conflict))
    messages.success(
        request,
        page.done % {"number": tracking.display(grievance.tracking_number), "office": grievance.current_office.name},
    )
    if scope_of(request.user).covers(grievance.current_office):
        return redirect("grievances:official_detail", tracking_number=grievance.tracking_number)
    return redirect("grievances:inbox")


def _refusal(exc: errors.DomainError):
    if isinstance(exc, errors.Conflict) and not isinstance(exc, GrievanceChanged):
        # The page offered the action, so the grievance moved on since it was drawn.
        return format_lazy(
            "{} {}", exc.message, gettext_lazy("This grievance changed since the page was loaded: reload it.")
        )
    return exc.message


def _again(request: HttpRequest, number: str, form: ActionForm, *, status: int, refresh: bool = False) -> HttpResponse:
    """The grievance page as it is now, with the refused form and what was typed in it. With ``refresh`` the
    form takes the current version: the officer sees what changed and may send it again."""
    try:
        grievance = grievance_for(request.user, number, timeline=True)
    except OutOfScope:
        # A colleague forwarded it meanwhile: it is no longer this user's to see.
        return _gone_since_read(request, number)
    if refresh:
        data = form.data.copy()
        data[form.add_prefix("version")] = str(grievance.version)
        form = type(form)(data, prefix=form.prefix)
        form.is_valid()
    return _detail(request, grievance, bound=form, status=status)


# --- The complainant's data: a copy for them, or its erasure --------------------------------------


@never_cache
@login_required
@require_POST
def privacy_export(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """The complainant's data as a JSON file, for the GRO to hand to them (POST: it is recorded)."""
    grievance = _grievance_or_404(request.user, tracking_number)
    try:
        body = grievance_data_export(grievance_id=grievance.pk, actor=request.user, via=IdentityAccess.Via.WEB)
    except OutOfScope:
        raise Http404 from None
    except errors.DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, _grievance_or_404(request.user, tracking_number, timeline=True), status=exc.http_status)
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = content_disposition_header(True, f"grievance-{grievance.tracking_number}.json")
    return response


@never_cache
@login_required
@require_POST
def privacy_erase(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """Erase the complainant's identity (confirmed, with a reason), then back to the grievance."""
    grievance = _grievance_or_404(request.user, tracking_number)
    form = EraseForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            grievance_identity_erase(grievance_id=grievance.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except OutOfScope:
            raise Http404 from None
        except errors.DomainError as exc:
            status = exc.http_status
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The complainant's identity on grievance %(number)s is erased.")
                % {"number": tracking.display(grievance.tracking_number)},
            )
            return redirect("grievances:official_detail", tracking_number=grievance.tracking_number)
    if form.errors:
        messages.error(request, _("Nothing was done: please check what you wrote."))
    grievance = _grievance_or_404(request.user, tracking_number, timeline=True)
    return _detail(request, grievance, status=status, erase_form=form)


# --- Attachments ------------------------------------------------------------------------------------


@never_cache
@login_required
def attachment_download(request: HttpRequest, tracking_number: str, attachment_id: int) -> HttpResponse:
    """An attachment of a grievance in the user's scope, as a download under a safe name, never shown inline."""
    try:
        attachment = attachment_for(request.user, tracking_number, attachment_id)
    except OutOfScope:
        raise Http404 from None
    if not attachment.file:
        raise Http404  # erased with the complainant's identity
    identity_access_record(grievance=attachment.grievance, actor=request.user, via=IdentityAccess.Via.FILE)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=_download_name(attachment),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _download_name(attachment: Attachment) -> str:
    """The name the file was sent with, kept to letters, digits, ``-`` and ``_``, and the extension of the type
    its content was checked to be; "attachment-<id>" when no name is kept (anonymous filings)."""
    stem = os.path.splitext(attachment.original_name)[0]
    # Bangla vowel signs are marks (category M), not alphanumerics: keep them or Bangla names fall apart.
    safe = "".join(ch if ch.isalnum() or ch in "-_" or unicodedata.category(ch).startswith("M") else "_" for ch in stem)
    safe = safe.strip("_")[:100] or f"attachment-{attachment.pk}"
    return safe + ALLOWED.get(attachment.content_type, "")
