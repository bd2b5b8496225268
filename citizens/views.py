"""/my/: a citizen signs in with their phone and a code sent by SMS, and sees every grievance filed with it."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from citizens.forms import CodeForm, PhoneForm
from citizens.models import CitizenSession
from citizens.selectors import Citizen, citizen_for_session, grievance_of_citizen, grievances_of_citizen
from citizens.services import citizen_session_end, citizen_session_start, otp_send
from grievances import tracking
from grievances.forms import TrackForm
from grievances.selectors import grievance_late
from grs import errors
from grs.api import CitizenCodeThrottle, SigninThrottle

# What the browser's (server-side) session keeps: the citizen session's id once signed in, and the phone a
# code was sent to until it is entered.
SESSION_KEY = "citizens.session"
PHONE_KEY = "citizens.phone"
PAGE_SIZE = 20


def signed_in_citizen(request: HttpRequest) -> Citizen | None:
    return citizen_for_session(request.session.get(SESSION_KEY))


@never_cache
def my_grievances(request: HttpRequest) -> HttpResponse:
    """Signed in: the list of the phone's grievances. Otherwise: the phone number, to send a code to."""
    citizen = signed_in_citizen(request)
    if citizen is not None and request.method != "POST":
        page = Paginator(grievances_of_citizen(citizen), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(g, tracking.display(g.tracking_number), grievance_late(g)) for g in page.object_list]
        return render(request, "citizens/my_grievances.html", {"citizen": citizen, "page": page, "rows": rows})

    status = 200
    if request.method == "POST":
        form = PhoneForm(request.POST)
        if not CitizenCodeThrottle().allow_request(request, None):
            form.is_valid()
            form.add_error(None, _("Too many codes were asked for from your connection. Please try again later."))
            status = 429
        elif form.is_valid():
            try:
                challenge = otp_send(phone=form.cleaned_data["phone"], language=get_language() or "")
            except errors.DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.http_status
            else:
                if citizen is not None:  # asking a code afresh signs the browser out of its earlier sign-in
                    citizen_session_end(session_id=citizen.session_id)
                    request.session.pop(SESSION_KEY, None)
                request.session[PHONE_KEY] = challenge.phone
                return redirect("citizens:code")
    else:
        form = PhoneForm()
    return render(request, "citizens/sign_in.html", {"form": form}, status=status)


@never_cache
def my_code(request: HttpRequest) -> HttpResponse:
    """The code from the SMS; right, it signs the browser in and shows the list."""
    phone = request.session.get(PHONE_KEY)
    if not phone:
        return redirect("citizens:my")
    status = 200
    if request.method == "POST":
        form = CodeForm(request.POST)
        if not SigninThrottle().allow_request(request, None):
            form.is_valid()
            form.add_error(None, _("Too many attempts from your connection. Please wait a while and try again."))
            status = 429
        elif form.is_valid():
            try:
                started = citizen_session_start(phone=phone, code=form.cleaned_data["code"], via=CitizenSession.Via.WEB)
            except errors.DomainError as exc:
                form.add_error("code", exc.message)
                status = exc.http_status
            else:
                request.session.cycle_key()  # a new session key once signed in: none planted before can follow
                request.session.pop(PHONE_KEY, None)
                request.session[SESSION_KEY] = started.session.pk
                return redirect("citizens:my")
    else:
        form = CodeForm()
    return render(request, "citizens/code.html", {"form": form, "phone": phone}, status=status)


@require_POST
def my_sign_out(request: HttpRequest) -> HttpResponse:
    session_id = request.session.pop(SESSION_KEY, None)
    if isinstance(session_id, int):
        citizen_session_end(session_id=session_id)
    return redirect("citizens:my")


@never_cache
def my_grievance(request: HttpRequest, number: str) -> HttpResponse:
    """One of the citizen's grievances, on the tracking page, without asking for the phone again."""
    citizen = signed_in_citizen(request)
    if citizen is None:
        return redirect("citizens:my")
    try:
        grievance = grievance_of_citizen(citizen, number)
    except tracking.InvalidTrackingNumber as exc:
        raise Http404 from exc
    context = {
        "form": TrackForm(initial={"tracking_number": tracking.display(grievance.tracking_number)}),
        "grievance": grievance,
        "number": tracking.display(grievance.tracking_number),
        "overdue": grievance_late(grievance),
        "events": list(grievance.events.all()),
    }
    return render(request, "citizens/grievance.html", context)
