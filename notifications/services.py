"""Notifications: outbox rows written in the caller's transaction, delivered by a worker after commit.

The outbox row is the message. The broker only carries a hint that a row is ready, so a broker
outage delays a message (the sweep sends it) but never loses it and never fails the request that
wrote it; a duplicate hint sends nothing, because one conditional UPDATE claims a row before it goes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from grs.phones import normalise_phone
from notifications import backends
from notifications.models import Outbox
from notifications.sms import sms_fit

if TYPE_CHECKING:
    from grievances.models import Grievance

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# However many attempts are configured, a message is tried at least once a day.
MAX_BACKOFF = timedelta(days=1)


def notify_sms(*, to: str, body: str, grievance: Grievance | None = None, simulated: bool = False) -> Outbox:
    """Queue an SMS (``to`` in any form a citizen types; stored in E.164), sent once the caller commits.
    A text longer than two segments is cut to fit them."""
    return _queue(
        channel=Outbox.Channel.SMS,
        recipient=normalise_phone(to, field="to"),
        subject="",
        body=sms_fit(str(body)),
        grievance=grievance,
        simulated=simulated,
    )


def notify_email(
    *, to: str, subject: str, body: str, grievance: Grievance | None = None, simulated: bool = False
) -> Outbox:
    """Queue an e-mail, sent through Django's EMAIL_BACKEND once the caller commits."""
    validate_email(to)
    return _queue(
        channel=Outbox.Channel.EMAIL, recipient=to, subject=subject, body=body, grievance=grievance, simulated=simulated
    )


def _queue(
    *, channel: str, recipient: str, subject: str, body: str, grievance: Grievance | None, simulated: bool
) -> Outbox:
    message = Outbox.objects.create(
        channel=channel,
        recipient=recipient,
        subject=str(subject),
        body=str(body),
        grievance=grievance,
        simulated=simulated,
        status=Outbox.Status.SUPPRESSED if simulated else Outbox.Status.PENDING,
    )
    if not simulated:
        transaction.on_commit(lambda pk=message.pk: dispatch(pk))
    return message


def dispatch(outbox_id: int) -> bool:
    """Ask a worker to deliver a message; with the broker down, log it and leave it to the sweep."""
    from notifications.tasks import deliver  # tasks imports this module

    try:
        deliver.delay(outbox_id)
    except Exception:
        logger.warning("outbox %s: could not be queued, the sweep will send it later", outbox_id, exc_info=True)
        return False
    return True


def outbox_deliver(*, outbox_id: int) -> Outbox | None:
    """Send one due message at most once (a conditional UPDATE claims it) and record the outcome.
    A message already sent, being sent or not yet due is left alone; ``None`` when it is gone."""
    now = timezone.now()
    lease = timedelta(seconds=settings.NOTIFY_SENDING_TIMEOUT_SECONDS)
    claimed = Outbox.objects.filter(pk=outbox_id, status=Outbox.Status.PENDING, next_attempt_at__lte=now).update(
        status=Outbox.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease
    )
    message = Outbox.objects.filter(pk=outbox_id).first()
    if not claimed or message is None:
        return message
    try:
        backends.send(message)
    except Exception as exc:
        logger.warning("outbox %s: attempt %s failed: %s", message.pk, message.attempts, exc)
        _attempt_failed(message, error=f"{type(exc).__name__}: {exc}"[:2000])
    else:
        Outbox.objects.filter(pk=message.pk, status=Outbox.Status.SENDING).update(
            status=Outbox.Status.SENT, sent_at=timezone.now(), last_error=""
        )
    message.refresh_from_db()
    return message


def _attempt_failed(message: Outbox, *, error: str) -> None:
    sending = Outbox.objects.filter(pk=message.pk, status=Outbox.Status.SENDING)
    if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        sending.update(status=Outbox.Status.FAILED, last_error=error)
    else:
        sending.update(status=Outbox.Status.PENDING, next_attempt_at=retry_at(message.attempts), last_error=error)


def retry_at(attempts: int) -> datetime:
    """When to try again after ``attempts`` failures: NOTIFY_BACKOFF_SECONDS doubled each time."""
    backoff = timedelta(seconds=settings.NOTIFY_BACKOFF_SECONDS * 2 ** min(attempts - 1, 30))
    return timezone.now() + min(backoff, MAX_BACKOFF)


def outbox_sweep(*, batch: int = SWEEP_BATCH) -> int:
    """Take back messages whose worker died mid-send, then hand up to ``batch`` due ones to workers.
    Returns how many were handed over."""
    now = timezone.now()
    stuck = Outbox.objects.filter(status=Outbox.Status.SENDING, next_attempt_at__lt=now)
    note = "The worker stopped while sending; the message may or may not have gone out."
    stuck.filter(attempts__gte=settings.NOTIFY_MAX_ATTEMPTS).update(status=Outbox.Status.FAILED, last_error=note)
    stuck.update(status=Outbox.Status.PENDING, next_attempt_at=now, last_error=note)
    due = list(
        Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    for count, pk in enumerate(due):
        if not dispatch(pk):
            return count  # the broker is down: the next sweep tries again
    return len(due)


@transaction.atomic
def outbox_retry(*, outbox_ids: Iterable[int]) -> int:
    """Give failed messages a fresh round of attempts, starting now; returns how many."""
    ids = list(
        Outbox.objects.select_for_update()
        .filter(pk__in=list(outbox_ids), status=Outbox.Status.FAILED)
        .values_list("pk", flat=True)
    )
    Outbox.objects.filter(pk__in=ids).update(status=Outbox.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    for pk in ids:
        transaction.on_commit(lambda pk=pk: dispatch(pk))
    return len(ids)
