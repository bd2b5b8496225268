"""The citizen pages: choose an office, file a grievance, print the receipt, follow it."""

import uuid
from datetime import date, datetime
from types import SimpleNamespace

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from charters.selectors import services_public
from grievances import tracking
from grievances.forms import GrievanceForm, TrackForm, with_new_key
from grievances.models import Channel, Grievance, GrievanceType
from grievances.selectors import grievance_for_complainant
from grievances.services import Filed, IdempotencyConflict, grievance_file
from grievances.sla import appeal_timeframe_days
from grievances.workflow import OPEN_STATUSES
from grs import errors
from grs.api import FilingThrottle, TrackingThrottle
from grs.i18n import localized_name
from offices.models import AdminUnit, Appointment, Office
from offices.selectors import admin_units, office_matches, office_public, offices_public

RECEIPT_KEY = "grievances.receipt"
Level = AdminUnit.Level
_CHILD_LEVEL = {Level.DIVISION: Level.DISTRICT, Level.DISTRICT: Level.UPAZILA, Level.UPAZILA: Level.UNION}


def grievance_new(request: HttpRequest) -> HttpResponse:
    """Choose an office (search or geography), then file a grievance against it."""
    code = request.GET.get("office", "").strip()
    if not code:
        return _office_picker(request)
    try:
        office = office_public(code)
    except Http404:
        return _office_picker(request, missing=code)

    form_kwargs = {
        "services": list(services_public().filter(office=office)),
        "official": _may_file_official(request.user),
    }
    status = 200
    if request.method == "POST":
        form = GrievanceForm(request.POST, request.FILES, **form_kwargs)
        if not FilingThrottle().allow_request(request, None):
            form.is_valid()
            form.add_error(None, _("Too many grievances were sent from your connection. Please try again later."))
            status = 429
        elif form.is_valid():
            try:
                filed = grievance_file(
                    office=office,
                    channel=Channel.WEB,
                    actor=request.user if request.user.is_authenticated else None,
                    **form.filing_values(),
                )
            except IdempotencyConflict:
                # The page was sent once already (back button, then edited): a fresh key files anew.
                form = GrievanceForm(with_new_key(request.POST), **form_kwargs)
                form.add_error(
                    None, _("This form was already sent. Check what you wrote and send it again to file a new one.")
                )
            except errors.DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                _keep_receipt(request, filed, office)
                return redirect("grievances:receipt")
    else:
        form = GrievanceForm(
            initial={"idempotency_key": str(uuid.uuid4()), "type": GrievanceType.CITIZEN, "complainant_country": "BD"},
            **form_kwargs,
        )
    files_lost = request.method == "POST" and bool(request.FILES)
    return render(
        request, "grievances/new.html", {"office": office, "form": form, "files_lost": files_lost}, status=status
    )


def _may_file_official(user) -> bool:
    return user.is_authenticated and Appointment.objects.current().filter(user=user).exists()


def _office_picker(request: HttpRequest, *, missing: str = "") -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    context: dict = {"q": query, "missing": missing}
    if query:
        matches, more = office_matches(query)
        context.update(matches=matches, more=more)
    context.update(_geography(request.GET))
    return render(request, "grievances/choose_office.html", context)


def _geography(params: QueryDict) -> dict:
    """One step of the drill-down: the chosen unit's children and the offices a citizen there deals with."""
    # The deepest level named wins, so a hand-edited URL still lands somewhere sensible.
    chosen = next((level for level in reversed(Level.values) if params.get(level)), None)
    if chosen is None:
        return {"units": admin_units(Level.DIVISION), "child_level": Level.DIVISION, "trail": []}
    try:
        pk = int(params[chosen])
    except ValueError as exc:
        raise Http404 from exc
    unit = get_object_or_404(admin_units(chosen).select_related("parent__parent__parent"), pk=pk)
    trail = []
    step: AdminUnit | None = unit
    while step is not None:
        trail.insert(0, step)
        step = step.parent
    district = next((u for u in trail if u.level == Level.DISTRICT), None)

    # Offices here (an upazila's include its unions', a union's its upazila's), and, below a district,
    # the district's own offices: a villager's allowance is often handled there.
    here = Q(admin_unit=unit)
    if chosen == Level.UPAZILA:
        here |= Q(admin_unit__parent=unit)
    elif chosen == Level.UNION:
        here |= Q(admin_unit=unit.parent)
    above = district if district is not None and district != unit else None
    offices = list(offices_public().filter(here | Q(admin_unit=above) if above else here))
    local = [o for o in offices if above is None or o.admin_unit_id != above.pk]

    child_level = _CHILD_LEVEL.get(chosen)
    return {
        "unit": unit,
        "trail": trail,
        "child_level": child_level,
        "units": admin_units(child_level, unit) if child_level else [],
        "offices": local,
        "district_offices": [o for o in offices if above is not None and o.admin_unit_id == above.pk],
        "district": above,
    }


def _keep_receipt(request: HttpRequest, filed: Filed, office: Office) -> None:
    """What the receipt page shows, kept in the session; the access code is shown once and dropped."""
    grievance = filed.grievance
    kept = request.session.get(RECEIPT_KEY) or {}
    if filed.replayed and kept.get("number") == grievance.tracking_number:
        return  # a second press of Submit: keep the first answer, with its access code
    appeal_days = appeal_timeframe_days(office)
    request.session[RECEIPT_KEY] = {
        "number": grievance.tracking_number,
        "code": filed.access_code,
        "office_en": office.name_en,
        "office_bn": office.name_bn,
        "subject": grievance.subject,
        "submitted": grievance.submitted_at.isoformat(),
        "due": grievance.due_date.isoformat(),
        "sms": bool(grievance.complainant_phone),
        "anonymous": grievance.type == GrievanceType.ANONYMOUS,
        "appeal_days": appeal_days,
    }


@never_cache
def grievance_receipt(request: HttpRequest) -> HttpResponse:
    """The printable receipt of the grievance just filed in this browser."""
    kept = request.session.get(RECEIPT_KEY)
    if not kept:
        return redirect("grievances:track")
    if kept["code"]:
        request.session[RECEIPT_KEY] = {**kept, "code": ""}
    receipt = {
        **kept,
        "number": tracking.display(kept["number"]),
        "office": localized_name(SimpleNamespace(name_en=kept["office_en"], name_bn=kept["office_bn"])),
        "submitted": timezone.localtime(datetime.fromisoformat(kept["submitted"])),
        "due": date.fromisoformat(kept["due"]),
    }
    track_url = request.build_absolute_uri(reverse("grievances:track"))
    return render(request, "grievances/receipt.html", {"receipt": receipt, "track_url": track_url})


@never_cache
def grievance_track(request: HttpRequest) -> HttpResponse:
    """Follow a grievance with its tracking number and the phone number or access code (POSTed: kept out of URLs)."""
    grievance: Grievance | None = None
    status = 200
    if request.method == "POST":
        form = TrackForm(request.POST)
        if not TrackingThrottle().allow_request(request, None):
            form.is_valid()
            form.add_error(None, _("Too many attempts from your connection. Please wait a while and try again."))
            status = 429
        elif form.is_valid():
            secret = form.cleaned_data["secret"]
            try:
                grievance = grievance_for_complainant(form.cleaned_data["tracking_number"], phone=secret, code=secret)
            except errors.DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            except Http404:
                form.add_error(
                    None,
                    _(
                        "No grievance has this tracking number with this phone number or access code. "
                        "Please check both."
                    ),
                )
    else:
        form = TrackForm()
    context = {"form": form, "grievance": grievance}
    if grievance is not None:
        context.update(
            number=tracking.display(grievance.tracking_number),
            overdue=grievance.overdue
            or (grievance.status in OPEN_STATUSES and grievance.due_date < timezone.localdate()),
            events=list(grievance.events.all()),
        )
    return render(request, "grievances/track.html", context, status=status)
