"""Every change to a grievance goes through here: one function per use case, in a transaction."""

import hashlib
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from charters.models import CharterService
from dashboards.tally import tally_event, tally_hold, tally_overdue
from grievances import clock, tracking, workflow
from grievances.attachments import clean_uploads
from grievances.models import (
    ActionKey,
    AppealDecision,
    Attachment,
    Channel,
    EventKind,
    Feedback,
    Grievance,
    GrievanceEvent,
    GrievanceType,
    IdempotencyRecord,
    IdentityAccess,
    Severity,
)
from grievances.permissions import NotPermitted, OutOfScope, ensure_can_act
from grievances.sla import Clock, OverdueRow, appeal_timeframe_days, deadline_for, mark_overdue
from grievances.workflow import OPEN_STATUSES, Action, Status
from grs import errors
from grs.phones import InvalidPhone, country_of, normalise_phone
from notifications.sms import sms_excess, sms_truncate, sms_units
from offices.models import Appointment, Office, Role
from offices.workdays import add_working_days

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


def new_access_code(idempotency_key: str = "") -> str:
    """A random access code; with an idempotency key, the code derived from it and the server's key.

    A filing retried after its answer was lost (a UDC tablet whose link dropped) gets the same code
    back, so a villager without a phone is never left without one; nothing but its hash is stored.
    """
    if idempotency_key:
        digest = salted_hmac("grs.access-code-for-key", idempotency_key, algorithm="sha256").digest()
        raw = "".join(_CODE_ALPHABET[byte % len(_CODE_ALPHABET)] for byte in digest[:_CODE_LENGTH])
    else:
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _i in range(_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_access_code(text: str) -> str:
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def hash_access_code(code: str) -> str:
    """A keyed hash of the access code. The code is random (about 49 bits), not a chosen password,
    so a slow password hash would only cost every anonymous filing and lookup a quarter second of
    CPU; without SECRET_KEY the stored value reveals nothing."""
    return "hmac$" + salted_hmac("grs.access-code", normalise_access_code(code), algorithm="sha256").hexdigest()


def access_code_matches(code: str, stored: str) -> bool:
    return bool(code and stored) and constant_time_compare(hash_access_code(code), stored)


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
    event = GrievanceEvent.objects.create(
        grievance=grievance,
        kind=kind,
        actor=actor,
        at=clock.now(),
        status_after=grievance.status,
        public_note=public_note,
        internal_note=internal_note,
        data=data or {},
    )
    tally_event(grievance, event)  # the dashboards' counts, in the same transaction
    return event


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
    reference: str = "",
    language: str = "",
) -> Filed:
    """File a grievance at ``office``: checks everything first, then writes it, its first event and
    its attachments in one transaction. The same ``idempotency_key`` never makes two grievances.
    ``reference`` is the number of the paper form it was copied from, kept on the first event;
    ``language`` the complainant's, when not the one the filing request is in."""
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
    access_code = new_access_code(idempotency_key) if not identity["phone"] else ""
    stored = []
    try:
        with transaction.atomic():
            now = clock.now()
            grievance = Grievance(
                type=type,
                channel=channel,
                status=Status.SUBMITTED,
                office=office,
                current_office=office,
                service=service,
                category_id=service.category_id if service else None,
                subject=subject[:200],
                description=description,
                filed_by=actor if actor is not None and actor.is_authenticated else None,
                on_behalf=on_behalf,
                complainant_name=identity["name"],
                complainant_phone=identity["phone"],
                complainant_email=identity["email"],
                complainant_address=identity["address"],
                complainant_country=identity["country"],
                access_code_hash=hash_access_code(access_code) if access_code else "",
                submitted_at=now,
                received_at=now,
                due_date=deadline_for(office, start=now, service=service),
                simulated=simulated,
                language=_supported_language(language or translation.get_language()),
            )
            _save_with_tracking_number(grievance)
            attachments_made = []
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
                attachments_made.append(attachment)
            Attachment.objects.bulk_create(attachments_made)  # one INSERT however many files
            if idempotency_key:
                IdempotencyRecord.objects.create(key=idempotency_key, fingerprint=fingerprint, grievance=grievance)
            record_event(
                grievance,
                EventKind.SUBMITTED,
                actor=grievance.filed_by,
                public_note=_("Received at %(office)s.") % {"office": office.name},
                data={
                    "office": office.code,
                    "channel": channel,
                    "attachments": len(cleaned),
                    **({"reference": reference.strip()} if reference.strip() else {}),
                },
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


def _supported_language(code: str | None) -> str:
    """``code`` as one of settings.LANGUAGES ("en-us" is "en"); the default language for anything else."""
    try:
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _replay(key: str, fingerprint: str) -> Filed | None:
    record = IdempotencyRecord.objects.select_related("grievance__current_office").filter(key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _("This Idempotency-Key was already used for a different grievance. Use a new key for a new grievance.")
        )
    grievance = record.grievance
    code = new_access_code(key) if grievance.access_code_hash else ""
    return Filed(
        grievance=grievance,
        access_code=code if access_code_matches(code, grievance.access_code_hash) else "",
        replayed=True,
    )


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
    _tell_complainant(
        grievance,
        lambda _free: (
            _("GRS: your grievance is received at %(office)s. Tracking number %(number)s. It is due by %(due)s.")
            % {
                "office": grievance.current_office.name,
                "number": _number(grievance),
                "due": grievance.due_date.strftime("%d/%m/%Y"),
            }
        ),
    )


# --- The redress workflow -------------------------------------------------------------------------
# Officials' services lock the grievance, check the actor's role at the office holding it
# (permissions.ROLE_ACTIONS) and the workflow table, write, record one event and queue the complainant's
# SMS on the outbox. ``expected_version`` is the version the caller read: an officer acting on a page
# that a colleague changed meanwhile is told so (409) instead of overwriting the colleague's decision.


class GrievanceChanged(errors.Conflict):
    code = "grievance_changed"


class ComplainantNotFound(errors.NotFound):
    code = "not_found"


class NotAnonymous(errors.Conflict):
    code = "not_anonymous"


class AppealTooEarly(errors.Conflict):
    code = "appeal_too_early"


class WorkflowInputError(errors.ValidationError):
    code = "invalid"


def _lock(grievance_id: int, *, actor: User, action: str, expected_version: int | None, done: str = "") -> Grievance:
    """The grievance, locked for ``action`` by ``actor``; refuses outsiders (404), roles that may not
    take the action (403) and a stale ``expected_version`` (409). ``done`` is the status that already
    answers the request, where repeating it is a no-op rather than a conflict."""
    # No join in the locking query: PostgreSQL re-checks a row it waited for against the rows joined
    # before the wait, so a grievance forwarded meanwhile would vanish from a join on its old office.
    grievance = Grievance.objects.select_for_update().filter(pk=grievance_id).first()
    if grievance is None:
        raise OutOfScope()
    stale = expected_version is not None and grievance.version != expected_version
    try:
        ensure_can_act(actor, grievance, action)
    except (OutOfScope, NotPermitted):
        # It left the actor's care while they were looking at it (e.g. a colleague forwarded it).
        if stale:
            raise _changed(grievance) from None
        raise
    if stale and grievance.status != done:
        raise _changed(grievance)
    return tally_hold(grievance)


def _changed(grievance: Grievance) -> GrievanceChanged:
    return GrievanceChanged(
        _("This grievance changed while you were working on it (it is now “%(status)s”). Reload it and try again.")
        % {"status": Status(grievance.status).label}
    )


def _save(grievance: Grievance, *fields: str) -> None:
    grievance.version += 1
    grievance.save(update_fields=[*fields, "version"])


def _required(text: str, *, field: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowInputError(message, field=field)
    return text


def _tell_complainant(grievance: Grievance, render: Callable[[str], str], free: str = "") -> None:
    """Queue an SMS to the complainant, if they left a phone (outbox row, sent after commit), written by
    ``render`` around ``free`` (an official's words) in the language the complainant filed in."""
    from notifications.services import notify_sms

    if grievance.complainant_phone:
        body = _complainant_text(grievance, render, free)
        notify_sms(to=grievance.complainant_phone, body=body, grievance=grievance, simulated=grievance.simulated)


def _complainant_text(grievance: Grievance, render: Callable[[str], str], free: str) -> str:
    # Rendered in the complainant's language, not the officer's page's; ``free`` is shortened first so
    # the tracking number and the closing advice (how to appeal) survive the two-segment limit.
    with translation.override(grievance.language):
        body, short = render(free), free
        while short and (excess := sms_excess(body)):
            short = sms_truncate(short, sms_units(short) - excess)
            body = render(short)
    return body


def _number(grievance: Grievance) -> str:
    return tracking.display(grievance.tracking_number)


@transaction.atomic
def grievance_accept(*, grievance_id: int, actor: User, expected_version: int | None = None) -> Grievance:
    """The GRO takes a submitted grievance up; accepting one already in progress changes nothing."""
    grievance = _lock(
        grievance_id, actor=actor, action=Action.ACCEPT, expected_version=expected_version, done=Status.IN_PROGRESS
    )
    if grievance.status == Status.IN_PROGRESS:
        return grievance
    grievance.status = workflow.check(grievance.status, Action.ACCEPT)
    _save(grievance, "status")
    record_event(
        grievance,
        EventKind.ACCEPTED,
        actor=actor,
        public_note=_("Accepted by %(office)s.") % {"office": grievance.current_office.name},
    )
    return grievance


@transaction.atomic
def grievance_request_info(
    *, grievance_id: int, actor: User, question: str, expected_version: int | None = None
) -> Grievance:
    """Ask the complainant a question; the grievance waits for their answer."""
    question = _required(question, field="question", message=_("Write the question for the complainant."))
    grievance = _lock(grievance_id, actor=actor, action=Action.REQUEST_INFO, expected_version=expected_version)
    grievance.status = workflow.check(grievance.status, Action.REQUEST_INFO)
    _save(grievance, "status")
    record_event(grievance, EventKind.INFO_REQUESTED, actor=actor, public_note=question)
    _tell_complainant(
        grievance,
        lambda free: (
            _("GRS: about grievance %(number)s the office asks: %(question)s Reply on the GRS track page or app.")
            % {"number": _number(grievance), "question": free}
        ),
        question,
    )
    return grievance


@transaction.atomic
def grievance_provide_info(*, number: str, answer: str, phone: str = "", code: str = "") -> Grievance:
    """The complainant answers the office's question (tracking number and phone or access code)."""
    answer = _required(answer, field="answer", message=_("Write your answer."))
    grievance = _lock_for_complainant(number, phone=phone, code=code)
    grievance.status = workflow.check(grievance.status, Action.PROVIDE_INFO)
    _save(grievance, "status")
    record_event(grievance, EventKind.INFO_PROVIDED, actor=None, public_note=answer)
    return grievance


@transaction.atomic
def grievance_record_hearing(
    *, grievance_id: int, actor: User, when: datetime, note: str = "", expected_version: int | None = None
) -> Grievance:
    """Put a hearing (held or scheduled) on the timeline; the status does not change."""
    grievance = _lock(grievance_id, actor=actor, action=Action.RECORD_HEARING, expected_version=expected_version)
    workflow.check(grievance.status, Action.RECORD_HEARING)
    _save(grievance)
    record_event(
        grievance,
        EventKind.HEARING,
        actor=actor,
        public_note=_("Hearing on %(when)s.") % {"when": timezone.localtime(when).strftime("%d/%m/%Y %H:%M")},
        internal_note=note.strip(),
        data={"when": when.isoformat()},
    )
    return grievance


@transaction.atomic
def grievance_forward(
    *, grievance_id: int, actor: User, to_office: Office, reason: str, expected_version: int | None = None
) -> Grievance:
    """Send the grievance to an office below this one or, when it was misrouted, to any other office.

    The receiving office's clock starts afresh (its own full timeframe); the citizen's clock
    (``submitted_at``) runs on. The complainant is told where it went.
    """
    reason = _required(reason, field="reason", message=_("Say why the grievance is forwarded."))
    grievance = _lock(grievance_id, actor=actor, action=Action.FORWARD, expected_version=expected_version)
    from_office = grievance.current_office
    if to_office.pk == from_office.pk:
        raise WorkflowInputError(_("The grievance is already at this office."), field="to_office")
    if not to_office.active:
        raise WorkflowInputError(_("This office no longer takes grievances; choose another."), field="to_office")
    grievance.status = workflow.check(grievance.status, Action.FORWARD)
    now = clock.now()
    grievance.current_office = to_office
    grievance.received_at = now
    grievance.due_date = deadline_for(to_office, start=now)
    grievance.overdue = False
    _save(grievance, "status", "current_office", "received_at", "due_date", "overdue")
    below = to_office.path.startswith(from_office.path)
    record_event(
        grievance,
        EventKind.FORWARDED,
        actor=actor,
        public_note=_("Forwarded to %(office)s.") % {"office": to_office.name},
        internal_note=reason,
        data={"from": from_office.code, "to": to_office.code, "route": "subordinate" if below else "misrouted"},
    )
    _tell_complainant(
        grievance,
        lambda _free: (
            _("GRS: grievance %(number)s was forwarded to %(office)s, which will settle it by %(due)s.")
            % {"number": _number(grievance), "office": to_office.name, "due": grievance.due_date.strftime("%d/%m/%Y")}
        ),
    )
    return grievance


@transaction.atomic
def grievance_resolve(
    *, grievance_id: int, actor: User, resolution: str, expected_version: int | None = None
) -> Grievance:
    """Settle the grievance with the redress given; the complainant may then rate it or appeal."""
    resolution = _required(resolution, field="resolution", message=_("Describe how the grievance was redressed."))
    grievance = _lock(grievance_id, actor=actor, action=Action.RESOLVE, expected_version=expected_version)
    grievance.status = workflow.check(grievance.status, Action.RESOLVE)
    grievance.closed_at = clock.now()
    _save(grievance, "status", "closed_at")
    record_event(grievance, EventKind.RESOLVED, actor=actor, public_note=resolution)
    _tell_complainant(
        grievance,
        lambda free: (
            _("GRS: grievance %(number)s is resolved: %(resolution)s Rate it or appeal on the GRS track page.")
            % {"number": _number(grievance), "resolution": free}
        ),
        resolution,
    )
    return grievance


@transaction.atomic
def grievance_reject(*, grievance_id: int, actor: User, reason: str, expected_version: int | None = None) -> Grievance:
    """Turn the grievance down (e.g. outside the GRS's remit), telling the complainant why."""
    reason = _required(reason, field="reason", message=_("Say why the grievance is rejected."))
    grievance = _lock(grievance_id, actor=actor, action=Action.REJECT, expected_version=expected_version)
    grievance.status = workflow.check(grievance.status, Action.REJECT)
    grievance.closed_at = clock.now()
    _save(grievance, "status", "closed_at")
    record_event(grievance, EventKind.REJECTED, actor=actor, public_note=reason)
    _tell_complainant(
        grievance,
        lambda free: (
            _("GRS: grievance %(number)s was rejected: %(reason)s You may appeal on the GRS track page.")
            % {"number": _number(grievance), "reason": free}
        ),
        reason,
    )
    return grievance


@transaction.atomic
def grievance_close_no_action(
    *, grievance_id: int, actor: User, reason: str, severity: str, expected_version: int | None = None
) -> Grievance:
    """Close an anonymous grievance as "filed, no action", with the reason and the severity weighed."""
    reason = _required(reason, field="reason", message=_("Say why no action is taken."))
    if severity not in Severity.values:
        raise WorkflowInputError(_("Choose low, medium or high."), field="severity")
    grievance = _lock(grievance_id, actor=actor, action=Action.CLOSE_NO_ACTION, expected_version=expected_version)
    if not grievance.is_anonymous:
        raise NotAnonymous(_("Only an anonymous grievance can be closed without action; redress or reject it."))
    grievance.status = workflow.check(grievance.status, Action.CLOSE_NO_ACTION)
    grievance.severity = severity
    grievance.closed_at = clock.now()
    _save(grievance, "status", "severity", "closed_at")
    record_event(
        grievance,
        EventKind.CLOSED,
        actor=actor,
        public_note=_("Filed, no action."),
        internal_note=reason,
        data={"severity": severity, "type": grievance.type},
    )
    return grievance


@transaction.atomic
def grievance_feedback(*, number: str, rating: int, comment: str = "", phone: str = "", code: str = "") -> Grievance:
    """The complainant rates how their grievance was settled (1–5), which closes it."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise WorkflowInputError(_("Give a rating from 1 to 5."), field="rating")
    grievance = _lock_for_complainant(number, phone=phone, code=code)
    grievance.status = workflow.check(grievance.status, Action.FEEDBACK)
    _save(grievance, "status")
    comment = comment.strip()
    Feedback.objects.create(grievance=grievance, rating=rating, comment=comment, at=clock.now())
    record_event(grievance, EventKind.FEEDBACK, actor=None, public_note=comment, data={"rating": rating})
    return grievance


@transaction.atomic
def grievance_appeal(*, number: str, reason: str, phone: str = "", code: str = "") -> Grievance:
    """The complainant appeals to the Appeal Officer of the office holding the grievance: after its
    resolution or rejection, or once the GRO's deadline has passed without a decision."""
    reason = _required(reason, field="reason", message=_("Say why you appeal."))
    grievance = _lock_for_complainant(number, phone=phone, code=code)
    before = grievance.status
    grievance.status = workflow.check(before, Action.APPEAL)
    today = clock.localdate()
    if before in OPEN_STATUSES and grievance.due_date >= today:
        raise AppealTooEarly(
            _(
                "The office has until %(due)s to settle this grievance. You can appeal once it decides, "
                "or if that date passes without a decision."
            )
            % {"due": grievance.due_date.strftime("%d/%m/%Y")}
        )
    grievance.appeal_due_date = add_working_days(today, appeal_timeframe_days(grievance.current_office))
    grievance.closed_at = None
    # The Appeal Officer's clock starts: the grievance is overdue again only once appeal_due_date passes.
    grievance.overdue = False
    _save(grievance, "status", "appeal_due_date", "closed_at", "overdue")
    record_event(
        grievance,
        EventKind.APPEALED,
        actor=None,
        public_note=reason,
        data={"from_status": before, "appeal_due_date": grievance.appeal_due_date.isoformat()},
    )
    _tell_appeal_officers(grievance)
    return grievance


# What a complainant may do over the API, and the service that does it.
COMPLAINANT_SERVICES: dict[str, Callable[..., Grievance]] = {
    Action.PROVIDE_INFO: grievance_provide_info,
    Action.FEEDBACK: grievance_feedback,
    Action.APPEAL: grievance_appeal,
}


def grievance_complainant_action(
    *, action: str, number: str, idempotency_key: str = "", phone: str = "", code: str = "", **values
) -> Grievance:
    """The complainant's reply, rating or appeal (``action``); the same ``idempotency_key`` sent again with
    the same request is answered with the grievance as it is now and never recorded twice."""
    service = COMPLAINANT_SERVICES[action]
    if not idempotency_key:
        return service(number=number, phone=phone, code=code, **values)
    from grievances.selectors import grievance_for_complainant  # the selectors module imports this one

    # The proof first: a stranger holding someone's key is told what a wrong phone is told, and learns nothing.
    try:
        grievance = grievance_for_complainant(number, phone=phone, code=code)
    except Http404:
        raise _complainant_not_found() from None
    fingerprint = _action_fingerprint(action, grievance, phone=phone, code=code, values=values)
    replay = _action_replay(idempotency_key, fingerprint, grievance)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            acted = service(number=number, phone=phone, code=code, **values)
            ActionKey.objects.create(key=idempotency_key, action=action, fingerprint=fingerprint, grievance=acted)
    except (errors.Conflict, IntegrityError):
        # A copy sent at the same moment went first: this one waited for the grievance's lock and found the
        # workflow no longer allows the action, or tried to record the key a second time. Its answer is the
        # first copy's.
        replay = _action_replay(idempotency_key, fingerprint, grievance)
        if replay is not None:
            return replay
        raise
    return acted


def _action_fingerprint(action: str, grievance: Grievance, *, phone: str, code: str, values: dict) -> str:
    # Keyed by the server's secret, as the access code's hash is: the phone cannot be guessed back from it.
    payload = {
        "action": action,
        "grievance": grievance.tracking_number,
        "phone": phone.strip(),
        "code": normalise_access_code(code),
        **{name: str(value) for name, value in values.items()},
    }
    return salted_hmac("grs.action-key", json.dumps(payload, sort_keys=True), algorithm="sha256").hexdigest()


def _action_replay(key: str, fingerprint: str, grievance: Grievance) -> Grievance | None:
    """The grievance as it is now when ``key`` recorded this very request; None when the key is unused."""
    record = ActionKey.objects.filter(key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint or record.grievance_id != grievance.pk:
        raise IdempotencyConflict(
            _(
                "This Idempotency-Key was already used for a different reply, rating or appeal. "
                "Use a new key for each one."
            )
        )
    return Grievance.objects.select_related("current_office").get(pk=grievance.pk)


@transaction.atomic
def grievance_decide_appeal(
    *, grievance_id: int, actor: User, decision: str, text: str, expected_version: int | None = None
) -> Grievance:
    """The Appeal Officer upholds the office's decision or gives a remedy; the complainant is told."""
    if decision not in AppealDecision.values:
        raise WorkflowInputError(_("Choose upheld or remedied."), field="decision")
    text = _required(text, field="text", message=_("Write the decision."))
    grievance = _lock(grievance_id, actor=actor, action=Action.DECIDE_APPEAL, expected_version=expected_version)
    grievance.status = workflow.check(grievance.status, Action.DECIDE_APPEAL)
    grievance.closed_at = clock.now()
    _save(grievance, "status", "closed_at")
    record_event(grievance, EventKind.APPEAL_DECIDED, actor=actor, public_note=text, data={"decision": decision})
    _tell_complainant(
        grievance,
        lambda free: (
            _("GRS: your appeal on grievance %(number)s is decided (%(decision)s): %(text)s")
            % {"number": _number(grievance), "decision": AppealDecision(decision).label, "text": free}
        ),
        text,
    )
    return grievance


def identity_access_record(*, grievance: Grievance, actor: User, via: str) -> IdentityAccess:
    """Log that ``actor`` was shown the complainant's identity on ``grievance``."""
    return IdentityAccess.objects.create(grievance=grievance, user=actor, via=via)


def _lock_for_complainant(number: str, *, phone: str, code: str) -> Grievance:
    """The complainant's grievance, locked; a wrong phone or code answers like a missing number."""
    from grievances.selectors import grievance_for_complainant  # the selectors module imports this one

    try:
        found = grievance_for_complainant(number, phone=phone, code=code)
    except Http404:
        raise _complainant_not_found() from None
    return tally_hold(Grievance.objects.select_for_update().get(pk=found.pk))


def _complainant_not_found() -> ComplainantNotFound:
    return ComplainantNotFound(
        _("No grievance has this tracking number with this phone number or access code. Please check both.")
    )


# --- SLA: the overdue sweep, and the officials it tells -----------------------------------------------
# Messages to officials are written in the product's first language (LANGUAGE_CODE) whoever caused them:
# an Appeal Officer should not get English because the complainant's phone was set to English.

logger = logging.getLogger(__name__)

INBOX_OVERDUE_PATH = "/inbox/?overdue=true"
INBOX_APPEALS_PATH = "/inbox/?status=appealed"
# Tracking numbers a digest lists; the rest are counted, and the inbox lists them all.
DIGEST_NUMBERS = 10


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: grievances newly marked overdue, the offices holding them, messages queued."""

    overdue: int
    offices: int
    messages: int


@transaction.atomic
def grievance_sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark every open grievance newly past its deadline overdue (one UPDATE), record one ``overdue`` event
    each (one INSERT), and send each affected office's GRO(s) and Appeal Officer(s) one digest."""
    now = now or clock.now()
    rows = mark_overdue(today=timezone.localdate(now))
    if not rows:
        return SweepResult(overdue=0, offices=0, messages=0)
    with translation.override(settings.LANGUAGE_CODE):
        # A hundred thousand rows share a few dozen deadlines: each note is written once.
        notes = {key: _overdue_note(*key) for key in {(row.clock, row.deadline) for row in rows}}
        GrievanceEvent.objects.bulk_create(
            GrievanceEvent(
                grievance_id=row.id,
                kind=EventKind.OVERDUE,
                actor=None,
                at=now,
                status_after=row.status,
                public_note=notes[row.clock, row.deadline],
                data={"deadline": row.deadline.isoformat(), "clock": row.clock},
            )
            for row in rows
        )
        tally_overdue([row.id for row in rows], at=now)
        messages = _send_overdue_digests(rows)
    return SweepResult(overdue=len(rows), offices=len({row.office_id for row in rows}), messages=messages)


def _overdue_note(clock: str, deadline: date) -> str:
    """What the complainant reads on the timeline when the grievance passes ``deadline``."""
    due = deadline.strftime("%d/%m/%Y")
    if clock == Clock.APPEAL:
        return _(
            "The Appeal Officer did not decide by %(due)s. The grievance goes to Cabinet Division's grievance "
            "management cell."
        ) % {"due": due}
    return _("The office did not settle the grievance by its due date, %(due)s. You may appeal.") % {"due": due}


def _send_overdue_digests(rows: list[OverdueRow]) -> int:
    """One message per office and official (GRO or Appeal Officer) about the office's newly overdue
    grievances; simulated ones get a digest of their own, kept in the outbox as suppressed. Returns how
    many messages were queued."""
    groups: dict[tuple[int, bool], list[OverdueRow]] = defaultdict(list)
    for row in rows:
        groups[row.office_id, row.simulated].append(row)
    officials = _officials_at({office_id for office_id, _simulated in groups}, roles=(Role.GRO, Role.APPEAL_OFFICER))
    queued = 0
    for (office_id, simulated), overdue in sorted(groups.items()):
        appointments = officials.get(office_id)
        if not appointments:
            logger.warning(
                "office %s: %s grievances became overdue; it has no GRO or Appeal Officer", office_id, len(overdue)
            )
            continue
        subject, body = _overdue_digest(appointments[0].office, overdue)
        for appointment in appointments:
            queued += _tell_official(appointment.user, subject=subject, body=body, simulated=simulated)
    return queued


def _overdue_digest(office: Office, rows: list[OverdueRow]) -> tuple[str, str]:
    """The subject and text of an office's digest: the count, the first tracking numbers, the inbox link."""
    count = len(rows)
    first = sorted(rows, key=lambda row: (row.deadline, row.tracking_number))[:DIGEST_NUMBERS]
    numbers = ", ".join(tracking.display(row.tracking_number) for row in first)
    if count > len(first):
        more = count - len(first)
        numbers = ngettext("%(numbers)s and %(more)d more", "%(numbers)s and %(more)d more", more) % {
            "numbers": numbers,
            "more": more,
        }
    names = {"count": count, "office": office.name}
    subject = (
        ngettext(
            "GRS: %(count)d grievance overdue at %(office)s", "GRS: %(count)d grievances overdue at %(office)s", count
        )
        % names
    )
    body = " ".join(
        [
            ngettext(
                "GRS: %(count)d grievance at %(office)s passed its due date without a decision.",
                "GRS: %(count)d grievances at %(office)s passed their due date without a decision.",
                count,
            )
            % names,
            _("Tracking numbers: %(numbers)s.") % {"numbers": numbers},
            _("See them in your GRS inbox: %(link)s") % {"link": INBOX_OVERDUE_PATH},
        ]
    )
    return subject, body


def _officials_at(office_ids, *, roles: tuple[str, ...]) -> dict[int, list[Appointment]]:
    """The current appointments in ``roles`` at the offices, one per office and active user, with the user
    and the office: one query however many offices."""
    found: dict[int, list[Appointment]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    appointments = (
        Appointment.objects.current()
        .filter(office_id__in=sorted(office_ids), role__in=roles, user__is_active=True)
        .select_related("user", "office")
        .order_by("office_id", "role", "user_id")
    )
    for appointment in appointments:
        if (appointment.office_id, appointment.user_id) not in seen:
            seen.add((appointment.office_id, appointment.user_id))
            found[appointment.office_id].append(appointment)
    return found


def _tell_official(
    user: User, *, subject: str, body: str, grievance: Grievance | None = None, simulated: bool = False
) -> bool:
    """Queue a message to an official: e-mail when they have an address, else SMS. False when they have
    neither or it is malformed (logged: one bad address must not stop the other officials' messages)."""
    from notifications.services import notify_email, notify_sms

    try:
        if user.email:
            notify_email(to=user.email, subject=subject, body=body, grievance=grievance, simulated=simulated)
        elif user.phone:
            notify_sms(to=user.phone, body=body, grievance=grievance, simulated=simulated)
        else:
            logger.warning("user %s has neither an e-mail address nor a phone: a message was not sent", user.pk)
            return False
    except (DjangoValidationError, InvalidPhone):
        logger.warning("user %s has a malformed e-mail address or phone: a message was not sent", user.pk)
        return False
    return True


def _tell_appeal_officers(grievance: Grievance) -> None:
    """Queue a message about the grievance's new appeal to the Appeal Officer(s) of the office holding it."""
    office_id = grievance.current_office_id
    officers = _officials_at([office_id], roles=(Role.APPEAL_OFFICER,)).get(office_id)
    if not officers:
        logger.warning("office %s has no Appeal Officer to hear of an appeal", office_id)
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "number": _number(grievance),
            "office": officers[0].office.name,
            "due": grievance.appeal_due_date.strftime("%d/%m/%Y"),
            "link": INBOX_APPEALS_PATH,
        }
        subject = _("GRS: grievance %(number)s was appealed") % values
        body = (
            _(
                "GRS: the complainant appealed grievance %(number)s at %(office)s. Decide the appeal by %(due)s. "
                "Your appeals in GRS: %(link)s"
            )
            % values
        )
        for appointment in officers:
            _tell_official(
                appointment.user, subject=subject, body=body, grievance=grievance, simulated=grievance.simulated
            )
