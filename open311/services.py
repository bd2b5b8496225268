"""Open311 use cases that change state: issuing and revoking API keys, and filing a service request."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from charters.models import CharterService
from grievances.models import Channel, GrievanceType
from grievances.services import Filed, grievance_file
from grs import errors
from open311.models import ApiKey, Open311Filing

KEY_PREFIX = "grs311_"
# The first characters of a key, kept in clear so an administrator can tell keys apart.
SHOWN_LENGTH = len(KEY_PREFIX) + 4
SUBJECT_LENGTH = 150
AUDITED_FIELDS = ("name", "contact", "active", "prefix")


class ApiKeyRefused(errors.DomainError):
    code = "api_key_invalid"
    http_status = 403


class ServiceRequestInvalid(errors.ValidationError):
    code = "service_request_invalid"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _audited(key: ApiKey) -> dict:
    # Never the hash: the trail says a key was issued or changed, not anything that helps to find it.
    return {name: getattr(key, name) for name in AUDITED_FIELDS}


@dataclass(frozen=True)
class IssuedKey:
    """A new key: the row, and the key itself, which is shown once and stored nowhere."""

    api_key: ApiKey
    raw: str


@transaction.atomic
def api_key_issue(*, name: str, contact: str = "", actor) -> IssuedKey:
    """Issue a key for an outside application; only its hash is kept."""
    name = name.strip()
    if not name:
        raise errors.ValidationError(_("Name the application that will use this key."), field="name")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        contact=contact.strip(),
        prefix=raw[:SHOWN_LENGTH],
        key_hash=hash_key(raw),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(actor=actor, action=Action.CREATED, obj=key, after=_audited(key))
    return IssuedKey(api_key=key, raw=raw)


@transaction.atomic
def api_key_update(*, key_id: int, actor, name: str, contact: str, active: bool) -> ApiKey:
    """Rename a key, change its contact, or revoke (``active=False``) or restore it."""
    key = ApiKey.objects.select_for_update().get(pk=key_id)
    before = _audited(key)
    key.name, key.contact, key.active = name.strip(), contact.strip(), active
    if not key.name:
        raise errors.ValidationError(_("Name the application that will use this key."), field="name")
    key.save(update_fields=["name", "contact", "active"])
    audit_record(actor=actor, action=Action.CHANGED, obj=key, before=before, after=_audited(key))
    return key


def api_key_use(raw: str) -> ApiKey:
    """The active key ``raw`` is, marked as used now; raises :class:`ApiKeyRefused` for anything else."""
    raw = (raw or "").strip()
    key = ApiKey.objects.filter(key_hash=hash_key(raw), active=True).first() if raw else None
    if key is None:
        raise ApiKeyRefused(_("Invalid api_key received: a service request can be filed only with a valid key."))
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
    return key


def subject_from(description: str) -> str:
    """The grievance's subject: the description's first line, cut to 150 characters."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    return first if len(first) <= SUBJECT_LENGTH else first[: SUBJECT_LENGTH - 1].rstrip() + "…"


def _location_line(address: str, lat: float | None, long: float | None) -> str:
    place = address.strip()
    if lat is not None and long is not None:
        point = f"{lat:.6f}, {long:.6f}"
        place = f"{place} ({point})" if place else point
    return _("Location given: %(place)s") % {"place": place} if place else ""


@transaction.atomic
def service_request_create(
    *,
    api_key: ApiKey,
    service: CharterService,
    description: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    address_string: str = "",
    lat: float | None = None,
    long: float | None = None,
    language: str = "",
    idempotency_key: str = "",
) -> Filed:
    """File an Open311 service request as a grievance at the service's office, through the mobile channel.

    With a name it is a citizen's grievance (phone and e-mail optional); with no name, phone or e-mail it is
    anonymous and the filer gets an access code. A phone or e-mail without a name is refused, so no contact
    the client sent is silently dropped. The location, if any, is added to the description for the GRO;
    ``Idempotency-Key`` is scoped to the key, so two applications cannot collide.
    """
    description = description.strip()
    if not description:
        raise ServiceRequestInvalid(_("Describe what happened."), field="description")
    name = " ".join(part.strip() for part in (first_name, last_name) if part.strip())
    if not name and (phone.strip() or email.strip()):
        raise ServiceRequestInvalid(
            _("A name is needed with a phone or e-mail; send no name, phone or e-mail to file anonymously."),
            field="first_name",
        )
    location = _location_line(address_string, lat, long)
    text = f"{description}\n\n{location}" if location else description
    filed = grievance_file(
        type=GrievanceType.CITIZEN if name else GrievanceType.ANONYMOUS,
        office=service.office,
        service=service,
        subject=subject_from(description),
        description=text,
        channel=Channel.MOBILE,
        complainant_name=name,
        complainant_phone=phone,
        complainant_email=email,
        idempotency_key=f"open311:{api_key.pk}:{idempotency_key}"[:100] if idempotency_key else "",
        language=language,
    )
    Open311Filing.objects.get_or_create(grievance=filed.grievance, defaults={"api_key": api_key})
    return filed
