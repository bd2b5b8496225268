"""Reads for Open311: the charter's services, and grievances as public service requests.

Everything here is public, so nothing here reads a complainant's identity: the views are given the
grievance's status, subject, service, offices and dates, never its complainant fields or description.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from audit.models import AuditEntry
from charters.models import CharterService
from charters.selectors import services_public
from grievances import tracking
from grievances.models import EventKind, Grievance, GrievanceEvent, deadline_expression
from grievances.workflow import OPEN_STATUSES
from offices.models import Office

# Changes to these make clients refresh the service list (the discovery document's changeset).
CHARTER_MODELS = ("charters.charterservice", "charters.servicecategory", "charters.programme", "offices.office")
# Timeline entries about the complainant's data, not about the grievance's progress.
PRIVATE_EVENT_KINDS = (EventKind.DATA_EXPORTED, EventKind.IDENTITY_ERASED)
MAX_REQUESTS = 1000


def open311_services(*, office: Office | None = None) -> QuerySet[CharterService]:
    """The services citizens can file about: every active service of an active office (or of one office)."""
    services = services_public()
    return services.filter(office=office) if office is not None else services


def open311_service(service_code: str) -> CharterService | None:
    """The active service whose code (its id) is ``service_code``; None for anything else."""
    code = str(service_code).strip()
    if not code.isascii() or not code.isdigit() or len(code) > 18:
        return None
    return open311_services().filter(pk=int(code)).first()


def services_changed_at() -> datetime | None:
    """When a service, category, programme or office last changed (from the audit trail)."""
    entry = AuditEntry.objects.filter(object_type__in=CHARTER_MODELS).order_by("-at").values_list("at", flat=True)
    return entry.first()


def service_requests_public() -> QuerySet[Grievance]:
    """Every real (not simulated) grievance, with what a public service request shows: the service, the
    holding office and its area up to the division, ``deadline`` and ``updated`` (its last step)."""
    last_step = (
        GrievanceEvent.objects.filter(grievance=OuterRef("pk"))
        .exclude(kind__in=PRIVATE_EVENT_KINDS)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    return (
        Grievance.objects.filter(simulated=False)
        .select_related("service", "category", "current_office__admin_unit__parent__parent__parent")
        .annotate(deadline=deadline_expression(), updated=Coalesce(Subquery(last_step), F("submitted_at")))
        .only(
            "tracking_number",
            "status",
            "subject",
            "submitted_at",
            "closed_at",
            "due_date",
            "appeal_due_date",
            "service",
            "category",
            "current_office",
            "service__id",
            "service__name_en",
            "service__name_bn",
            "category__name_en",
            "category__name_bn",
            "current_office__name_en",
            "current_office__name_bn",
            *(
                f"current_office__admin_unit{'__parent' * up}{field}"
                for up in range(4)
                for field in ("", "__level", "__source_id", "__name_en", "__name_bn", "__latitude", "__longitude")
            ),
        )
    )


@dataclass(frozen=True)
class RequestQuery:
    """GET requests' filters, already checked (see open311.query)."""

    numbers: tuple[str, ...] | None = None  # given: these and nothing else (the other filters do not apply)
    service_ids: tuple[int, ...] = ()
    open: bool | None = None  # None: both open and closed
    start: datetime | None = None
    end: datetime | None = None


def service_requests_matching(query: RequestQuery) -> list[Grievance]:
    """At most 1000 service requests, newest first: those numbered, or those in the date window that match
    the service codes and status. One query, whatever the number."""
    requests = service_requests_public()
    if query.numbers is not None:
        requests = requests.filter(tracking_number__in=query.numbers)
    else:
        requests = requests.filter(submitted_at__gte=query.start, submitted_at__lte=query.end)
        if query.service_ids:
            requests = requests.filter(service_id__in=query.service_ids)
        if query.open is not None:
            is_open = Q(status__in=sorted(OPEN_STATUSES))
            requests = requests.filter(is_open if query.open else ~is_open)
    return list(requests.order_by("-submitted_at", "-id")[:MAX_REQUESTS])


def service_request_public(number: str) -> Grievance | None:
    """One service request by its tracking number (as typed: Bangla digits, dashes); None if there is none."""
    try:
        digits = tracking.normalise(number)
    except tracking.InvalidTrackingNumber:
        return None
    return service_requests_public().filter(tracking_number=digits).first()
