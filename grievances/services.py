"""Every change to a grievance goes through here: one function per use case, in a transaction."""

import hashlib
import json
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from charters.models import CharterService
from grievances import tracking
from grievances.attachments import clean_uploads
from grievances.models import (
    Attachment,
    Channel,
    EventKind,
    Grievance,
    GrievanceEvent,
    GrievanceType,
    IdempotencyRecord,
)
from grievances.sla import deadline_for
from grievances.workflow import Status
from grs import errors
from grs.phones import country_of, normalise_phone
from offices.models import Appointment, Office, Role

# Access codes avoid look-alike characters (0/O, 1/I/L) so they survive being read out or written down.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 10

# Channels an operator uses on someone's behalf, and the appointment that allows each.
_OPERATOR_CHANNELS = {
    Channel.UDC: (Role.UDC_OPERATOR,),
    Channel.HOTLINE: (Role.HOTLINE_AGENT,),
    Channel.PAPER: (Role.UDC_OPERATOR, Role.HOTLINE_AGENT, Role.GRO),
}


class FilingError(errors.ValidationError):
    code = "filing_invalid"


class FilingForbidden(errors.DomainError):
    code = "filing_forbidden"
    http_status = 403


class IdempotencyConflict(errors.Conflict):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Filed:
    """What the filer is told: the grievance, and the access code when one was issued (shown once)."""

    grievance: Grievance
    access_code: str = ""
    replayed: bool = False


def new_access_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _i in range(_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_access_code(text: str) -> str:
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def _hash_access_code(code: str) -> str:
    return make_password(normalise_access_code(code))


def record_event(
    grievance: Grievance,
    kind: str,
    *,
    actor: User | None,
    public_note: str = "",
    internal_note: str = "",
    data: dict | None = None,
) -> GrievanceEvent:
    """Append one entry to the grievance's timeline."""
    return GrievanceEvent.objects.create(
        grievance=grievance,
        kind=kind,
        actor=actor,
        status_after=grievance.status,
        public_note=public_note,
        internal_note=internal_note,
        data=data or {},
    )


def _fingerprint(fields: dict, uploads: list) -> str:
    payload = {k: str(v.pk if hasattr(v, "pk") else v) for k, v in sorted(fields.items())}
    payload["attachments"] = [getattr(u, "name", "") for u in uploads]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _check_operator(actor: User | None, channel: str) -> bool:
    """True when ``channel`` is filed on someone's behalf; refuses it to users without the role."""
    roles = _OPERATOR_CHANNELS.get(channel)
    if roles is None:
        return False
    allowed = (
        actor is not None
        and actor.is_authenticated
        and Appointment.objects.current().filter(user=actor, role__in=roles).exists()
    )
    if not allowed:
        raise FilingForbidden(
            _("Only a UDC operator or a hotline agent can file through the “%(channel)s” channel.")
            % {"channel": Channel(channel).label},
            field="channel",
        )
    return True


def grievance_file(
    *,
    type: str,
    office: Office,
    subject: str,
    description: str,
    actor: User | None = None,
    service: CharterService | None = None,
    channel: str = Channel.WEB,
    complainant_name: str = "",
    complainant_phone: str = "",
    complainant_email: str = "",
    complainant_address: str = "",
    complainant_country: str = "",
    attachments: list | None = None,
    idempotency_key: str = "",
    simulated: bool = False,
) -> Filed:
    """File a grievance at ``office``: checks everything first, then writes it, its first event and
    its attachments in one transaction. The same ``idempotency_key`` never makes two grievances."""
    uploads = list(attachments or [])
    if type not in GrievanceType.values:
        raise FilingError(_("Choose citizen, official or anonymous."), field="type")
    if channel not in Channel.values:
        raise FilingError(_("Unknown channel."), field="channel")
    if not office.active:
        raise FilingError(_("This office no longer takes grievances; choose another."), field="office")
    if service is not None and (service.office_id != office.pk or not service.active):
        raise FilingError(_("This service is not in the chosen office's charter."), field="service")
    subject, description = subject.strip(), description.strip()
    if not subject:
        raise FilingError(_("Write what the grievance is about."), field="subject")
    if not description:
        raise FilingError(_("Describe what happened."), field="description")
    on_behalf = _check_operator(actor, channel)

    identity = {"name": "", "phone": "", "email": "", "address": "", "country": ""}
    if type == GrievanceType.OFFICIAL:
        if actor is None or not actor.is_authenticated:
            raise FilingForbidden(_("Sign in as a government employee to file an official grievance."), field="type")
        identity.update(name=actor.display_name, phone=actor.phone, email=actor.email)
    elif type == GrievanceType.CITIZEN:
        identity.update(
            name=complainant_name.strip(),
            address=complainant_address.strip(),
            email=complainant_email.strip(),
            country=complainant_country.strip().upper()[:2],
        )
        if not identity["name"]:
            raise FilingError(_("Write the complainant's name, or file anonymously."), field="complainant_name")
        if complainant_phone.strip():
            identity["phone"] = normalise_phone(complainant_phone, field="complainant_phone")
        if identity["email"]:
            try:
                validate_email(identity["email"])
            except Exception as exc:
                raise FilingError(_("Enter a valid e-mail address."), field="complainant_email") from exc
        if identity["phone"] and not identity["country"]:
            identity["country"] = country_of(identity["phone"])
    # Anonymous: whatever identity the client sent is dropped here, before anything is stored.

    cleaned = clean_uploads(uploads)
    fingerprint = _fingerprint(
        {
            "type": type,
            "office": office,
            "service": service,
            "subject": subject,
            "description": description,
            "phone": identity["phone"],
            "channel": channel,
        },
        uploads,
    )
    if idempotency_key:
        replay = _replay(idempotency_key, fingerprint)
        if replay is not None:
            return replay

    # Everyone without a phone (anonymous filers, villagers without one) follows with an access code.
    access_code = new_access_code() if not identity["phone"] else ""
    stored = []
    try:
        with transaction.atomic():
            now = timezone.now()
            grievance = Grievance(
                type=type,
                channel=channel,
                status=Status.SUBMITTED,
                office=office,
                current_office=office,
                service=service,
                category=service.category if service else None,
                subject=subject[:200],
                description=description,
                filed_by=actor if actor is not None and actor.is_authenticated else None,
                on_behalf=on_behalf,
                complainant_name=identity["name"],
                complainant_phone=identity["phone"],
                complainant_email=identity["email"],
                complainant_address=identity["address"],
                complainant_country=identity["country"],
                access_code_hash=_hash_access_code(access_code) if access_code else "",
                submitted_at=now,
                received_at=now,
                due_date=deadline_for(office, start=now, service=service),
                simulated=simulated,
            )
            _save_with_tracking_number(grievance)
            for clean in cleaned:
                storage_name, content = clean.as_content_file()
                attachment = Attachment(
                    grievance=grievance,
                    storage_name=storage_name,
                    original_name="" if grievance.is_anonymous else clean.original_name,
                    content_type=clean.content_type,
                    size=len(clean.content),
                    sha256=clean.sha256,
                )
                attachment.file.save(storage_name, content, save=False)
                stored.append(attachment.file)
                attachment.save()
            if idempotency_key:
                IdempotencyRecord.objects.create(key=idempotency_key, fingerprint=fingerprint, grievance=grievance)
            record_event(
                grievance,
                EventKind.SUBMITTED,
                actor=grievance.filed_by,
                public_note=_("Received at %(office)s.") % {"office": office.name},
                data={"office": office.code, "channel": channel, "attachments": len(cleaned)},
            )
            _notify_receipt(grievance)
    except IntegrityError:
        for file in stored:
            file.storage.delete(file.name)
        if idempotency_key:
            # A parallel request with the same key won the race: answer with its grievance.
            replay = _replay(idempotency_key, fingerprint)
            if replay is not None:
                return replay
        raise
    except Exception:
        for file in stored:
            file.storage.delete(file.name)
        raise
    return Filed(grievance=grievance, access_code=access_code)


def _replay(key: str, fingerprint: str) -> Filed | None:
    record = IdempotencyRecord.objects.select_related("grievance__current_office").filter(key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _("This Idempotency-Key was already used for a different grievance. Use a new key for a new grievance.")
        )
    return Filed(grievance=record.grievance, replayed=True)


def _save_with_tracking_number(grievance: Grievance) -> None:
    """Save under a fresh random tracking number, drawing again on the rare collision."""
    for _attempt in range(5):
        grievance.tracking_number = tracking.generate()
        try:
            with transaction.atomic():
                grievance.save()
            return
        except IntegrityError:
            if not Grievance.objects.filter(tracking_number=grievance.tracking_number).exists():
                raise
    raise IntegrityError("could not draw a free tracking number")


def _notify_receipt(grievance: Grievance) -> None:
    """Tell the complainant their tracking number (outbox row, sent after commit)."""
    from notifications.services import notify_sms

    if not grievance.complainant_phone:
        return
    notify_sms(
        to=grievance.complainant_phone,
        body=_("GRS: your grievance is received at %(office)s. Tracking number %(number)s. It is due by %(due)s.")
        % {
            "office": grievance.current_office.name,
            "number": tracking.display(grievance.tracking_number),
            "due": grievance.due_date.strftime("%d/%m/%Y"),
        },
        grievance=grievance,
        simulated=grievance.simulated,
    )
