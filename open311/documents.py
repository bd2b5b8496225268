"""What each GeoReport v2 document holds, field by field, in the active language.

A service request is built from a grievance's public side only: its tracking number, status, subject,
service, the office holding it and that office's area, and its dates. Never the complainant's name,
phone, e-mail or address, never the description (a citizen may have written their identity into it),
never a note written to or by the complainant, never an attachment.
"""

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from charters.models import CharterService
from grievances.models import Grievance
from grievances.workflow import OPEN_STATUSES, Status
from grs.i18n import localized_name
from grs.templatetags.bangla import bn_digits
from offices.models import AdminUnit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MIME_TYPES = ["text/xml", "application/json"]


def w3c(moment: datetime | None) -> str | None:
    """``2010-04-14T06:37:38+06:00``: a W3C date-time in Bangladesh time, with its offset."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _end_of(day: date | None) -> str | None:
    # A due date is kept until the end of that day.
    return w3c(timezone.make_aware(datetime.combine(day, time(23, 59, 59)))) if day else None


def _keywords(*words: str) -> str:
    # Commas separate the keywords, so a name's own commas become spaces.
    cleaned = (" ".join(word.replace(",", " ").split()) for word in words if word)
    return ", ".join(dict.fromkeys(word for word in cleaned if word))


def discovery(*, url: str, changeset: str, contact: str, key_service: str, production: bool) -> dict:
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": "production" if production else "test",
                "formats": MIME_TYPES,
            }
        ],
    }


def service(service: CharterService) -> dict:
    """A charter service as an Open311 service: its code is its id; no attributes to fill in (metadata false)."""
    office = service.office
    return {
        "service_code": str(service.pk),
        "service_name": localized_name(service),
        "description": _("%(office)s. Its citizen charter promises this service within %(days)s working days.")
        % {"office": office.name, "days": bn_digits(service.timeframe_days)},
        "metadata": False,
        "type": "realtime",
        "keywords": _keywords(
            localized_name(service.programme) if service.programme_id else "",
            office.name,
            office.code,
        ),
        "group": localized_name(service.category),
    }


def service_definition(service: CharterService) -> dict:
    return {"service_code": str(service.pk), "attributes": []}


def _area_chain(unit: AdminUnit | None) -> list[AdminUnit]:
    """The unit and those above it: union, upazila, district, division (as deep as the selector reads)."""
    chain = []
    while unit is not None:
        chain.append(unit)
        if len(chain) == 4 or not unit.parent_id:
            break
        unit = unit.parent
    return chain


def status_of(grievance: Grievance) -> str:
    return "open" if grievance.status in OPEN_STATUSES else "closed"


def service_request(grievance: Grievance) -> dict:
    """A grievance as a public service request (see the module's docstring for what is left out)."""
    office = grievance.current_office
    areas = _area_chain(office.admin_unit)
    located = next((unit for unit in areas if unit.latitude is not None and unit.longitude is not None), None)
    service = grievance.service
    closed = status_of(grievance) == "closed"
    return {
        "service_request_id": grievance.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": str(Status(grievance.status).label),
        "service_name": localized_name(service) if service else _("Grievance about no listed service"),
        "service_code": str(service.pk) if service else None,
        "description": grievance.subject,
        "agency_responsible": office.name,
        "service_notice": _notice(grievance),
        "requested_datetime": w3c(grievance.submitted_at),
        # For a closed request, the specification's "updated" is when it was closed.
        "updated_datetime": w3c(grievance.closed_at if closed and grievance.closed_at else grievance.updated),
        "expected_datetime": _end_of(grievance.deadline),
        "address": ", ".join(unit.name for unit in areas) or None,
        "address_id": f"{areas[0].level}-{areas[0].source_id}" if areas else None,
        "zipcode": None,
        "lat": float(located.latitude) if located else None,
        "long": float(located.longitude) if located else None,
        "media_url": None,
    }


def _notice(grievance: Grievance) -> str:
    if grievance.status in OPEN_STATUSES:
        return _("%(office)s must settle it by %(due)s.") % {
            "office": grievance.current_office.name,
            "due": bn_digits(grievance.deadline.strftime("%d/%m/%Y")),
        }
    return _("Settled by %(office)s.") % {"office": grievance.current_office.name}


def filed_request(grievance: Grievance, *, access_code: str, account_id: str) -> dict:
    """POST requests' answer: the tracking number (the service_request_id), what happens next, and the
    access code when one was issued (shown once: with the number it is the only way to follow the grievance)."""
    notice = _("Received at %(office)s. Tracking number %(number)s. It is due by %(due)s.") % {
        "office": grievance.current_office.name,
        "number": grievance.tracking_number,
        "due": bn_digits(grievance.due_date.strftime("%d/%m/%Y")),
    }
    answer = {
        "service_request_id": grievance.tracking_number,
        "service_notice": notice,
        "account_id": account_id or None,
    }
    if access_code:
        answer["service_notice"] = " ".join(
            [
                notice,
                _("Keep the access code %(code)s: with the tracking number, it is the only way to follow it.")
                % {"code": access_code},
            ]
        )
        answer["access_code"] = access_code
    return answer


def token(grievance: Grievance) -> dict:
    return {"service_request_id": grievance.tracking_number, "token": grievance.tracking_number}
