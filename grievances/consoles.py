"""The operators' consoles: a UDC operator files for villagers at the union's Digital Centre, a hotline agent
for callers. Both file through ``grievance_file`` on the complainant's behalf and hand back a receipt."""

import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from charters.selectors import services_public
from grievances import tracking
from grievances.forms import ConsoleForm, with_new_key
from grievances.models import Channel, EventKind, GrievanceType
from grievances.selectors import grievances_filed_by, grievances_filed_by_listed, offices_near, operator_appointment
from grievances.services import Filed, IdempotencyConflict, grievance_file
from grievances.sla import appeal_timeframe_days
from grs import errors
from grs.service_workers import service_worker_response
from offices.models import Appointment, Office, Role
from offices.selectors import office_matches, office_public


@dataclass(frozen=True)
class Console:
    name: str  # its URL names: "<name>" and "<name>-receipt"
    role: str
    channels: tuple[Channel, ...]
    title: Promise
    lead: Promise
    offline: bool = False


UDC = Console(
    "udc",
    Role.UDC_OPERATOR,
    (Channel.UDC, Channel.PAPER),
    gettext_lazy("UDC console"),
    gettext_lazy("File a grievance on a villager's behalf, and print the receipt for them."),
    offline=True,
)
HOTLINE = Console(
    "hotline",
    Role.HOTLINE_AGENT,
    (Channel.HOTLINE,),
    gettext_lazy("Hotline console"),
    gettext_lazy("File a grievance for a caller, and read the tracking number back to them."),
)

PAGE_SIZE = 20
RECEIPT_KEY = "grievances.console_receipt"
# Long enough to print the receipt twice or in the other language; the console page drops it sooner.
ACCESS_CODE_SHOWN_FOR = timedelta(minutes=15)
OFFLINE_ASSETS = ("css/grs.css", "js/udc-offline.js")


def _for_operators(console: Console, view):
    """Anonymous users are sent to sign in; anyone without the console's role gets 404, not a hint it exists."""

    @never_cache
    @wraps(view)
    def gated(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        appointment = operator_appointment(request.user, console.role)
        if appointment is None:
            raise Http404
        return view(request, console, appointment, *args, **kwargs)

    return gated


def console_page(request: HttpRequest, console: Console, appointment: Appointment) -> HttpResponse:
    """File on someone's behalf at an office of the operator's area or one found by search; below, what they filed."""
    if request.method == "GET":
        request.session.pop(RECEIPT_KEY, None)  # back at the console: the last access code is not shown again
    query = request.GET.get("q", "").strip()[:100]
    code = request.GET.get("office", "").strip()
    chosen: Office | None = None
    if code:
        with contextlib.suppress(Http404):
            chosen = office_public(code)
    groups = [(_("Chosen office"), [chosen])] if chosen else []
    for area, offices in offices_near(appointment.office.admin_unit):
        groups.append((_("Offices in %(area)s") % {"area": area.name}, [o for o in offices if o != chosen]))
    offered = [office for _group, members in groups for office in members]
    form_kwargs = {
        "offices": groups,
        "services": list(services_public().filter(office__in=offered)) if offered else [],
        "channels": console.channels,
    }

    if request.method == "POST":
        form = ConsoleForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            try:
                # The villager's language, not the operator's page: Bangla, the country's first language.
                filed = grievance_file(actor=request.user, language=settings.LANGUAGE_CODE, **form.filing_values())
            except IdempotencyConflict:
                form = ConsoleForm(with_new_key(request.POST), **form_kwargs)
                form.add_error(
                    None, _("This form was already sent. Check what you wrote and send it again to file a new one.")
                )
            except errors.DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                _keep_access_code(request, filed)
                return redirect(f"grievances:{console.name}-receipt", number=filed.grievance.tracking_number)
    else:
        form = ConsoleForm(
            initial={
                "idempotency_key": str(uuid.uuid4()),
                "type": GrievanceType.CITIZEN,
                "complainant_country": "BD",
                "office": chosen.code if chosen else "",
            },
            **form_kwargs,
        )

    context = {
        "console": console,
        "appointment": appointment,
        "form": form,
        "q": query,
        "missing": code if code and chosen is None else "",
        "receipt_view": f"grievances:{console.name}-receipt",
        "files_lost": request.method == "POST" and bool(request.FILES),
    }
    if query:
        matches, more = office_matches(query)
        context.update(matches=matches, more=more)
    page = Paginator(grievances_filed_by_listed(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(page=page, filed=[(g, tracking.display(g.tracking_number)) for g in page.object_list])
    if console.offline:
        context.update(csrf_cookie=settings.CSRF_COOKIE_NAME, placeholder="0" * tracking.LENGTH)
    return render(request, "grievances/console/console.html", context)


def _keep_access_code(request: HttpRequest, filed: Filed) -> None:
    number = filed.grievance.tracking_number
    kept = request.session.get(RECEIPT_KEY) or {}
    if filed.replayed and kept.get("number") == number:
        return  # a second press of Submit: keep the first answer, with its access code
    until = timezone.now() + ACCESS_CODE_SHOWN_FOR
    request.session[RECEIPT_KEY] = {"number": number, "code": filed.access_code, "until": until.isoformat()}


def _access_code(request: HttpRequest, number: str) -> str:
    """The access code of the grievance just filed, while its receipt may still show it."""
    kept = request.session.get(RECEIPT_KEY) or {}
    if kept.get("number") != number or not kept.get("code"):
        return ""
    if timezone.now() > datetime.fromisoformat(kept["until"]):
        del request.session[RECEIPT_KEY]
        return ""
    return kept["code"]


def console_receipt(request: HttpRequest, console: Console, appointment: Appointment, number: str) -> HttpResponse:
    """The receipt of a grievance this operator filed: printable on A5 or an 80 mm printer, in Bangla unless asked."""
    grievance = get_object_or_404(grievances_filed_by(request.user).select_related("office"), tracking_number=number)
    first = grievance.events.filter(kind=EventKind.SUBMITTED).order_by("at", "id").first()
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE  # the villager's language, whatever the operator reads
    appeal_days = appeal_timeframe_days(grievance.office)
    context = {
        "console": console,
        "appointment": appointment,
        "grievance": grievance,
        "number": tracking.display(grievance.tracking_number),
        "code": _access_code(request, grievance.tracking_number),
        "reference": first.data.get("reference", "") if first else "",
        "receipt_language": language,
        "narrow": request.GET.get("paper") == "narrow",
        "appeal_days": appeal_days,
        "track_url": request.build_absolute_uri(reverse("grievances:track")),
    }
    return render(request, "grievances/console/receipt.html", context)


def service_worker(request: HttpRequest, console: Console, appointment: Appointment) -> HttpResponse:
    """The UDC console's service worker, served from its scope so that it may control the console's pages."""
    scope = reverse(f"grievances:{console.name}")
    return service_worker_response(
        request,
        "grievances/console/udc-sw.js",
        assets=OFFLINE_ASSETS,
        scope=scope,
        context={"console_json": json.dumps(scope)},
    )


udc = _for_operators(UDC, console_page)
udc_receipt = _for_operators(UDC, console_receipt)
udc_service_worker = _for_operators(UDC, service_worker)
hotline = _for_operators(HOTLINE, console_page)
hotline_receipt = _for_operators(HOTLINE, console_receipt)
