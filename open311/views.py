"""Open311 GeoReport v2 under /open311/v2/ (docs/open311.md): thin views over the selectors and services.

Every answer is in the format the URL ends with (``.json`` or ``.xml``) and in the request's language
(``locale``, else the language cookie or ``Accept-Language``, else Bangla). Refusals use the
specification's error document with the HTTP status it names: 400 for a bad or missing argument, 403 for
a missing or invalid ``api_key``, 404 for what does not exist; and 429 when a rate limit is reached.
"""

import functools
import logging
from collections.abc import Callable
from datetime import UTC

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.throttling import SimpleRateThrottle

from grs import errors
from grs.api import AnonymousRateThrottle
from open311 import documents, selectors
from open311.formats import FORMATS, render, render_errors
from open311.models import ApiKey
from open311.query import request_query
from open311.services import api_key_use, service_request_create

logger = logging.getLogger(__name__)

# Where GRS's own field names show in a refusal, the client reads the Open311 argument it sent.
ARGUMENT_FOR_FIELD = {
    "complainant_name": "first_name",
    "complainant_phone": "phone",
    "complainant_email": "email",
    "subject": "description",
    "office": "service_code",
    "service": "service_code",
}


class Open311ReadThrottle(AnonymousRateThrottle):
    """Reads, per client address (GRS_RATE_OPEN311_READ)."""

    scope = "open311_read"


class ApiKeyThrottle(AnonymousRateThrottle):
    """Filings, per API key (GRS_RATE_OPEN311) whoever sends them; like every limit, it lapses when the
    cache does not answer or RATELIMIT_ENABLE is false."""

    scope = "open311"

    def __init__(self, api_key: ApiKey):
        super().__init__()
        self.api_key = api_key

    def allow_request(self, request, view) -> bool:
        # Not AnonymousRateThrottle's: a signed-in browser session must not lift a key's limit.
        if not settings.RATELIMIT_ENABLE:
            return True
        try:
            return SimpleRateThrottle.allow_request(self, request, view)
        except Exception:  # the cache's own errors differ by backend
            logger.warning("rate limit %s not applied: the cache does not answer", self.scope, exc_info=True)
            return True

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": f"key{self.api_key.pk}"}


class Refused(errors.DomainError):
    """A refusal in the specification's words: ``messages`` are (code, description) pairs."""

    def __init__(self, status: int, *messages: str, headers: dict | None = None):
        super().__init__(messages[0] if messages else "")
        self.http_status = status
        self.messages = [(status, message) for message in messages]
        self.headers = headers or {}


def _language(request: HttpRequest) -> str:
    """``locale`` (``en``, ``en_US``, ``bn-BD``), else what Django reads (cookie, Accept-Language), else Bangla."""
    locale = request.GET.get("locale", "") or request.POST.get("locale", "")
    if locale.strip():
        try:
            return translation.get_supported_language_variant(locale.strip().replace("_", "-").lower())
        except LookupError:
            pass
    return translation.get_language_from_request(request)


def _check_jurisdiction(request: HttpRequest) -> None:
    given = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    ours = settings.GRS_OPEN311_JURISDICTION
    if given and given.lower() != ours.lower():
        raise Refused(
            404,
            _("jurisdiction_id %(given)s was not found: this server serves %(ours)s only.")
            % {"given": given[:100], "ours": ours},
        )


def _throttle(throttle: SimpleRateThrottle, request: HttpRequest, message: str) -> None:
    if not throttle.allow_request(request, None):
        wait = throttle.wait()
        headers = {"Retry-After": str(max(1, int(wait)))} if wait is not None else {}
        raise Refused(429, message, headers=headers)


def open311_view(*methods: str) -> Callable:
    """The frame every endpoint shares: allowed methods, language, jurisdiction, read limits, refusals."""

    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str = "xml", **kwargs) -> HttpResponse:
            fmt = fmt if fmt in FORMATS else "xml"
            with translation.override(_language(request)):
                try:
                    if request.method not in allowed:
                        raise Refused(
                            405,
                            _("This resource does not take %(method)s.") % {"method": request.method[:10]},
                            headers={"Allow": ", ".join(methods)},
                        )
                    _check_jurisdiction(request)
                    if request.method in ("GET", "HEAD"):
                        _throttle(
                            Open311ReadThrottle(),
                            request,
                            _("Too many attempts from your connection. Please wait a while and try again."),
                        )
                    response = view(request, fmt, **kwargs)
                except Refused as refusal:
                    response = render_errors(fmt, refusal.messages, status=refusal.http_status)
                    for name, value in refusal.headers.items():
                        response[name] = value
                except errors.DomainError as exc:
                    field = ARGUMENT_FOR_FIELD.get(exc.field or "", exc.field)
                    text = f"{field}: {exc.message}" if field else str(exc.message)
                    response = render_errors(fmt, [(exc.http_status, text)], status=exc.http_status)
                response["Content-Language"] = translation.get_language()
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response

        return wrapper

    return decorate


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changed = selectors.services_changed_at()
    # Sortable, as the specification asks: UTC, to the microsecond.
    changeset = changed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if changed else "1970-01-01T00:00:00.000000Z"
    contact = settings.GRS_OPEN311_CONTACT or settings.DEFAULT_FROM_EMAIL
    document = documents.discovery(
        url=request.build_absolute_uri(reverse("open311:root")).rstrip("/"),
        changeset=changeset,
        contact=contact,
        key_service=_(
            "Reading needs no key. To file service requests, ask the Grievance Redress System's administrators "
            "for an API key: %(contact)s"
        )
        % {"contact": contact},
        production=not settings.DEBUG,
    )
    return render(fmt, "discovery", document)


@open311_view("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [documents.service(service) for service in selectors.open311_services()])


def _service_or_404(service_code: str):
    service = selectors.open311_service(service_code)
    if service is None:
        raise Refused(404, _("service_code %(code)s was not found.") % {"code": str(service_code)[:40]})
    return service


@open311_view("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    return render(fmt, "service_definition", documents.service_definition(_service_or_404(service_code)))


class ServiceRequestForm(forms.Form):
    """POST requests' arguments (``application/x-www-form-urlencoded``, as the specification sends them)."""

    service_code = forms.CharField(max_length=40)
    description = forms.CharField(max_length=10000)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.CharField(max_length=254, required=False)
    address_string = forms.CharField(max_length=1000, required=False)
    lat = forms.FloatField(min_value=-90, max_value=90, required=False)
    long = forms.FloatField(min_value=-180, max_value=180, required=False)
    account_id = forms.CharField(max_length=100, required=False)

    def clean(self):
        data = super().clean()
        one_only = (data.get("lat") is None) != (data.get("long") is None)
        if one_only and not (self.has_error("lat") or self.has_error("long")):
            raise forms.ValidationError(_("lat and long must be sent together."))
        return data


@open311_view("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _file(request, fmt)
    if not settings.GRS_OPEN311_PUBLIC_REQUESTS and not request.GET.get("service_request_id", "").strip():
        raise Refused(
            404,
            _("This server does not publish its list of service requests; ask for them by service_request_id."),
        )
    rows = selectors.service_requests_matching(request_query(request.GET))
    return render(fmt, "service_requests", [documents.service_request(row) for row in rows])


def _file(request: HttpRequest, fmt: str) -> HttpResponse:
    api_key = api_key_use(request.POST.get("api_key", ""))
    _throttle(
        ApiKeyThrottle(api_key),
        request,
        _("Too many service requests were filed with this api_key. Please try again later."),
    )
    code = request.POST.get("service_code", "").strip()
    service = _service_or_404(code) if code else None  # an unknown service is 404, a missing one 400
    form = ServiceRequestForm(request.POST)
    if not form.is_valid():
        raise Refused(
            400,
            *(
                f"{field}: {message}" if field != "__all__" else message
                for field, messages in form.errors.items()
                for message in messages
            ),
        )
    data = form.cleaned_data
    filed = service_request_create(
        api_key=api_key,
        service=service,
        description=data["description"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=data["phone"],
        email=data["email"],
        address_string=data["address_string"],
        lat=data["lat"],
        long=data["long"],
        language=translation.get_language(),
        idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
    )
    answer = documents.filed_request(filed.grievance, access_code=filed.access_code, account_id=data["account_id"])
    return render(fmt, "service_requests", [answer], status=200 if filed.replayed else 201)


def _request_or_404(number: str):
    grievance = selectors.service_request_public(number)
    if grievance is None:
        raise Refused(404, _("service_request_id %(number)s was not found.") % {"number": str(number)[:40]})
    return grievance


@open311_view("GET")
def service_request(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    return render(fmt, "service_requests", [documents.service_request(_request_or_404(service_request_id))])


@open311_view("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    # Requests are filed at once (type "realtime"), so no token is ever issued: a client that asks with the
    # service_request_id it was given is answered with it.
    return render(fmt, "service_requests", [documents.token(_request_or_404(token))])


@open311_view("GET", "POST")
def not_found(request: HttpRequest, fmt: str, path: str = "") -> HttpResponse:
    raise Refused(404, _("There is no such Open311 resource. The discovery document lists what there is."))
