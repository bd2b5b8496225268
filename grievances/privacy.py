"""A complainant's personal data once their grievance is settled: a copy of it on request, its erasure on
request or when the retention period ends.

Only the GRO of the office holding the grievance gives a copy out or erases, and only once nothing can
reopen it: closed, its appeal decided, or resolved or rejected with the appeal window
(``GRS_APPEAL_WINDOW_DAYS``) over. Erasure replaces the identity on the grievance row, drops the access
code and deletes the attachments' files; every figure the dashboards count (status, dates, offices,
category, service, channel, type, rating, tallies) stays as it was, and the timeline is never touched:
it holds no identity.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from dashboards.tally import tally_hold
from grievances import clock, tracking
from grievances.models import (
    ActionKey,
    Attachment,
    EventKind,
    Feedback,
    Grievance,
    GrievanceEvent,
    IdempotencyRecord,
    IdentityAccess,
)
from grievances.permissions import NotPermitted, OutOfScope
from grievances.services import WorkflowInputError, identity_access_record, record_event
from grievances.workflow import Status
from grs import errors
from grs.templatetags.bangla import bn_digits
from notifications.models import Outbox
from offices.models import Role
from offices.selectors import scope_of

logger = logging.getLogger(__name__)

# What an erased name or address reads. Phone, e-mail and country are emptied instead: code that sends
# messages or groups by country reads those fields, and must find nothing rather than a word.
ERASED = "[erased]"
# In place of the access code's hash: no code hashes to it (hashes start "hmac$"), so no code finds the
# grievance again, and it marks the grievance as erased (an anonymous one keeps no other identity to mark).
ERASED_CODE_HASH = "!erased"

# Nothing can reopen these: the workflow has no action out of them that an official or complainant takes.
FINAL_STATUSES = frozenset({Status.CLOSED, Status.APPEAL_RESOLVED})
# The complainant may still appeal these, for GRS_APPEAL_WINDOW_DAYS after the decision.
APPEALABLE_STATUSES = frozenset({Status.RESOLVED, Status.REJECTED})

# The complainant's own words on the timeline.
REPLY_KINDS = (EventKind.INFO_PROVIDED, EventKind.APPEALED)


class NotSettled(errors.Conflict):
    """The grievance may still change: its complainant's data stays as it is."""

    code = "not_settled"


def is_erased(grievance: Grievance) -> bool:
    return grievance.access_code_hash == ERASED_CODE_HASH


def settled_condition(*, now: datetime) -> Q:
    """Grievances that nothing can reopen any more (see the module's docstring), as a query condition."""
    window_closed = now - timedelta(days=settings.GRS_APPEAL_WINDOW_DAYS)
    return Q(status__in=sorted(FINAL_STATUSES)) | Q(
        status__in=sorted(APPEALABLE_STATUSES), closed_at__isnull=False, closed_at__lte=window_closed
    )


def not_settled_reason(grievance: Grievance, *, now: datetime | None = None) -> str:
    """Why the complainant's data may not be exported or erased yet, or "" when it may."""
    now = now or clock.now()
    if grievance.status in FINAL_STATUSES:
        return ""
    if grievance.status in APPEALABLE_STATUSES and grievance.closed_at is not None:
        until = grievance.closed_at + timedelta(days=settings.GRS_APPEAL_WINDOW_DAYS)
        if until <= now:
            return ""
        return _(
            "The complainant may still appeal this decision until %(date)s. Their data can be exported or erased "
            "after that."
        ) % {"date": bn_digits(timezone.localtime(until).strftime("%d/%m/%Y"))}
    return _(
        "This grievance is still open. The complainant's data can be exported or erased only after it is settled "
        "and can no longer be appealed."
    )


def _ensure_gro(actor: User, grievance: Grievance) -> None:
    """Only the GRO of the office holding the grievance; others in scope get 403, the rest 404."""
    scope = scope_of(actor)
    if Role.GRO in scope.roles_at(grievance.current_office):
        return
    if not scope.covers(grievance.current_office):
        raise OutOfScope()
    raise NotPermitted(
        _("Only the Grievance Redress Officer of the office holding it can export or erase a complainant's data.")
    )


def _ensure_settled(grievance: Grievance) -> None:
    if reason := not_settled_reason(grievance):
        raise NotSettled(reason)


@dataclass(frozen=True)
class PrivacyPanel:
    """What the grievance page offers its GRO about the complainant's data."""

    refusal: str  # why nothing is offered yet; "" once the grievance is settled
    erased: GrievanceEvent | None  # the erasure, once done


def privacy_panel(user: User, grievance: Grievance) -> PrivacyPanel | None:
    """The panel for the GRO of the office holding ``grievance``; ``None`` for anyone else."""
    if Role.GRO not in scope_of(user).roles_at(grievance.current_office):
        return None
    erased = None
    if is_erased(grievance):
        erased = grievance.events.filter(kind=EventKind.IDENTITY_ERASED).order_by("-at", "-id").first()
    return PrivacyPanel(refusal=not_settled_reason(grievance), erased=erased)


# --- A copy of the complainant's data -----------------------------------------------------------------


def _office(office) -> dict:
    return {"code": office.code, "name_en": office.name_en, "name_bn": office.name_bn}


def _service(service) -> dict | None:
    return {"id": service.pk, "name_en": service.name_en, "name_bn": service.name_bn} if service else None


def _feedback(feedback: Feedback | None) -> dict | None:
    return {"rating": feedback.rating, "comment": feedback.comment, "at": _moment(feedback.at)} if feedback else None


def _moment(value) -> str | None:
    return value.isoformat() if value is not None else None


def complainant_data(grievance: Grievance) -> dict:
    """Everything GRS keeps about the complainant's grievance that they may read: the grievance, who they
    said they are, its public timeline, their replies, their feedback and the list of their attachments.
    Internal notes and the officials who acted stay out. Labels are in the language they filed in."""
    events = list(grievance.events.order_by("at", "id"))
    try:
        feedback = grievance.feedback
    except Feedback.DoesNotExist:
        feedback = None
    with translation.override(grievance.language):
        body = {
            "tracking_number": tracking.display(grievance.tracking_number),
            "exported_at": clock.now().isoformat(),
            "grievance": {
                "type": grievance.type,
                "channel": grievance.channel,
                "status": grievance.status,
                "status_label": Status(grievance.status).label,
                "filed_at": _office(grievance.office),
                "held_by": _office(grievance.current_office),
                "service": _service(grievance.service),
                "category": grievance.category.slug if grievance.category_id else None,
                "subject": grievance.subject,
                "description": grievance.description,
                "submitted_at": _moment(grievance.submitted_at),
                "due_date": grievance.due_date.isoformat(),
                "settled_at": _moment(grievance.closed_at),
                "language": grievance.language,
            },
            "complainant": {
                "name": grievance.complainant_name,
                "phone": grievance.complainant_phone,
                "email": grievance.complainant_email,
                "address": grievance.complainant_address,
                "country": grievance.complainant_country,
                "erased": is_erased(grievance),
            },
            "timeline": [
                {
                    "kind": event.kind,
                    "what": EventKind(event.kind).label if event.kind in EventKind.values else event.kind,
                    "at": _moment(event.at),
                    "status": event.status_after,
                    "note": event.public_note,
                }
                for event in events
            ],
            "replies": [
                {"kind": event.kind, "at": _moment(event.at), "text": event.public_note}
                for event in events
                if event.kind in REPLY_KINDS
            ],
            "feedback": _feedback(feedback),
            "attachments": [
                {
                    "name": attachment.original_name,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "uploaded_at": _moment(attachment.uploaded_at),
                    "file_kept": bool(attachment.file),
                }
                for attachment in grievance.attachments.order_by("id")
            ],
        }
    return body


@transaction.atomic
def grievance_data_export(*, grievance_id: int, actor: User, via: str = IdentityAccess.Via.WEB) -> dict:
    """Give the GRO a copy of the complainant's data for them (settled grievances only); the timeline
    records who took it, and the read of their identity is logged like any other."""
    grievance = Grievance.objects.select_for_update().filter(pk=grievance_id).first()
    if grievance is None:
        raise OutOfScope()
    _ensure_gro(actor, grievance)
    _ensure_settled(grievance)
    # Read again with what the copy names; the row stays locked by the query above.
    grievance = Grievance.objects.select_related("office", "current_office", "service", "category").get(pk=grievance.pk)
    body = complainant_data(grievance)
    tally_hold(grievance)
    record_event(grievance, EventKind.DATA_EXPORTED, actor=actor, data={"format": "json"})
    identity_access_record(grievance=grievance, actor=actor, via=via)
    return body


# --- Erasure ------------------------------------------------------------------------------------------


@transaction.atomic
def grievance_identity_erase(*, grievance_id: int, actor: User | None, reason: str) -> Grievance:
    """Erase the complainant's identity from a settled grievance: name, phone, e-mail, address, country and
    access code, the files they attached, and their phone or e-mail on the messages sent to them.
    ``actor`` is the GRO asked by the complainant, or ``None`` when the retention period ends. Erasing an
    erased grievance changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowInputError(_("Say why the complainant's identity is erased."), field="reason")
    grievance = Grievance.objects.select_for_update().filter(pk=grievance_id).first()
    if grievance is None:
        raise OutOfScope()
    if actor is not None:
        _ensure_gro(actor, grievance)
    if is_erased(grievance):
        return grievance
    _ensure_settled(grievance)
    tally_hold(grievance)

    contacts = [value for value in (grievance.complainant_phone, grievance.complainant_email) if value]
    anonymous = grievance.is_anonymous
    grievance.complainant_name = "" if anonymous or not grievance.complainant_name else ERASED
    grievance.complainant_address = "" if anonymous or not grievance.complainant_address else ERASED
    grievance.complainant_phone = ""
    grievance.complainant_email = ""
    grievance.complainant_country = ""
    grievance.access_code_hash = ERASED_CODE_HASH
    fields = [
        "complainant_name",
        "complainant_address",
        "complainant_phone",
        "complainant_email",
        "complainant_country",
        "access_code_hash",
    ]
    if grievance.filed_by_id is not None and not grievance.on_behalf:
        # The complainant's own account (an official, or a citizen signed in): an operator who filed on
        # someone's behalf stays, their console lists what they filed.
        grievance.filed_by = None
        fields.append("filed_by")
    grievance.version += 1
    grievance.save(update_fields=[*fields, "version"])

    files = _forget_attachments(grievance)
    # A retried filing's or action's fingerprint hashes the phone with the text sent: no longer needed.
    IdempotencyRecord.objects.filter(grievance=grievance).delete()
    ActionKey.objects.filter(grievance=grievance).delete()
    if contacts:
        sent = Outbox.objects.filter(grievance=grievance, recipient__in=contacts)
        sent.filter(status__in=[Outbox.Status.PENDING, Outbox.Status.SENDING]).update(
            status=Outbox.Status.FAILED, last_error="recipient erased"
        )
        sent.update(recipient=ERASED)

    record_event(
        grievance,
        EventKind.IDENTITY_ERASED,
        actor=actor,
        internal_note=reason,
        data={"attachments": len(files), "by": "request" if actor is not None else "retention"},
    )
    if files:
        transaction.on_commit(lambda names=tuple(files): _delete_files(names))
    return grievance


def _forget_attachments(grievance: Grievance) -> list[str]:
    """Unlink the attachments' files (deleted once the erasure commits) and the names they were sent under;
    each row keeps its type, size and date for the statistics. Returns the stored names."""
    rows = list(Attachment.objects.filter(grievance=grievance).exclude(file="").values_list("pk", "file"))
    Attachment.objects.filter(grievance=grievance).update(file="", original_name="", sha256="")
    return [name for _pk, name in rows]


def _delete_files(names: tuple[str, ...]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # The stored name is random (never the file's own name): it identifies nobody.
            logger.warning("could not delete the erased attachment file %s", name)


# --- Retention ----------------------------------------------------------------------------------------


def grievances_due_for_erasure(*, now: datetime, retention_days: int) -> QuerySet[Grievance]:
    """Settled grievances whose decision is older than ``retention_days`` and whose identity is not yet
    erased, oldest first."""
    cutoff = now - timedelta(days=retention_days)
    return (
        Grievance.objects.filter(settled_condition(now=now), closed_at__isnull=False, closed_at__lt=cutoff)
        .exclude(access_code_hash=ERASED_CODE_HASH)
        .order_by("closed_at", "pk")
    )


RETENTION_BATCH = 200


def grievance_retention_sweep(*, now: datetime | None = None, batch: int = RETENTION_BATCH) -> int:
    """Erase the identity of every grievance settled longer ago than ``GRS_RETENTION_DAYS`` (0: never), a
    batch of ids at a time, each through :func:`grievance_identity_erase` in its own transaction; returns
    how many were erased. Running it again finds only what is newly due."""
    days = settings.GRS_RETENTION_DAYS
    if days <= 0:
        return 0
    now = now or clock.now()
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("The retention period of %(days)s days after settlement ended.") % {"days": bn_digits(days)}
    erased, skipped = 0, set()
    while True:
        ids = list(
            grievances_due_for_erasure(now=now, retention_days=days)
            .exclude(pk__in=sorted(skipped))
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return erased
        for pk in ids:
            try:
                grievance_identity_erase(grievance_id=pk, actor=None, reason=reason)
            except errors.DomainError:
                # Reopened (appealed) between the query and the lock: it is no longer due.
                skipped.add(pk)
            else:
                erased += 1
