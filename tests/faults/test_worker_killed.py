"""A worker is SIGKILLed while the SMS gateway is still taking a message from it. The message stays
claimed ("sending") until the dead worker's claim runs out; beat's sweep then hands it back, a new worker
sends it, and the gateway takes it exactly once, however many hints for it are still in the queue."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Outbox
from notifications.services import notify_sms
from notifications.tasks import deliver
from tests.faults.conftest import E164, WAIT_SECONDS, filing_payload, wait_for
from tests.worker import kill_worker, worker_log

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 3


def test_a_worker_killed_mid_send_is_replaced_and_the_message_goes_out_once(broker, workers, gateway, offices):
    # The first request for the receipt hangs until the worker sending it is dead; every other is taken.
    server = gateway(lambda attempt, message: "hang" if attempt == 1 and "received" in message["body"] else 200)
    http = {
        "SMS_BACKEND": "http",
        "SMS_HTTP_URL": server.url,
        "SMS_HTTP_TIMEOUT": "60",
        "NOTIFY_SENDING_TIMEOUT_SECONDS": str(LEASE_SECONDS),
    }
    worker = workers(**http)
    filed = APIClient().post(
        "/api/v1/grievances/",
        filing_payload(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert filed.status_code == 201
    receipt = Outbox.objects.get()

    deadline = time.monotonic() + WAIT_SECONDS
    while not server.attempts(receipt.pk):
        if time.monotonic() > deadline or worker.poll() is not None:
            pytest.fail(f"the worker never reached the gateway:\n{worker_log(worker)}")
        time.sleep(0.05)
    kill_worker(worker)
    server.release()

    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (Outbox.Status.SENDING, 1)
    assert server.accepted() == []

    worker = workers(beat=True, **http)
    wait_for(lambda: Outbox.objects.filter(pk=receipt.pk, status=Outbox.Status.SENT).exists(), worker, "the resend")

    # The killed worker's task is still unacknowledged in Redis and comes back hours later (the visibility
    # timeout), long after any claim ran out; a sweep can race a task too. Either is one more hint for a
    # message already sent, and must send nothing.
    Outbox.objects.filter(pk=receipt.pk).update(next_attempt_at=timezone.now() - timedelta(hours=6))
    deliver.delay(receipt.pk)
    deliver.delay(receipt.pk)
    # Queued behind them (on commit): the one worker runs its queue in order, so once this is sent, the
    # hints were handled.
    with_marker = notify_sms(to="01812345678", body="GRS: a later message.")
    wait_for(lambda: Outbox.objects.filter(pk=with_marker.pk, status=Outbox.Status.SENT).exists(), worker, "the marker")

    assert server.accepted().count(receipt.pk) == 1
    assert len(server.attempts(receipt.pk)) == 2  # the one cut off by the kill, and the one taken
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts, receipt.last_error, receipt.recipient) == (
        Outbox.Status.SENT,
        2,
        "",
        E164,
    )
