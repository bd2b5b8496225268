"""The SMS gateway answers 500, or does not answer in time. A real worker, with beat sweeping the outbox,
tries each message again after a growing pause, marks it failed after the last attempt, and the
administrator finds it in the outbox admin, told how many failed; once the gateway works again,
"Retry now" sends each of them once."""

import itertools

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from notifications.models import Outbox
from notifications.services import notify_sms
from tests.factories import UserFactory
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CHANGELIST = reverse("admin:notifications_outbox_changelist")
ATTEMPTS = 3
BACKOFF_SECONDS = 1
TIMEOUT_SECONDS = 1


def test_a_failing_gateway_is_retried_with_back_off_then_the_administrator_sees_the_failures(broker, workers, gateway):
    mended = False

    def answer(attempt, message):
        if mended or message["to"] == "+8801912345678":
            return 200
        return 500 if message["to"] == "+8801712345678" else ("sleep", TIMEOUT_SECONDS + 2)

    server = gateway(answer)
    worker = workers(
        beat=True,
        SMS_BACKEND="http",
        SMS_HTTP_URL=server.url,
        SMS_HTTP_TIMEOUT=str(TIMEOUT_SECONDS),
        NOTIFY_MAX_ATTEMPTS=str(ATTEMPTS),
        NOTIFY_BACKOFF_SECONDS=str(BACKOFF_SECONDS),
    )
    refused = notify_sms(to="01712345678", body="GRS: your grievance is received.")
    unanswered = notify_sms(to="01812345678", body="GRS: your grievance is resolved.")
    delivered = notify_sms(to="01912345678", body="GRS: your grievance is forwarded.")
    failing = [refused.pk, unanswered.pk]

    wait_for(lambda: Outbox.objects.filter(status=Outbox.Status.FAILED).count() == 2, worker, "marking both failed")

    rows = {row.pk: row for row in Outbox.objects.all()}
    assert (rows[refused.pk].status, rows[refused.pk].attempts) == (Outbox.Status.FAILED, ATTEMPTS)
    assert "HTTP Error 500" in rows[refused.pk].last_error
    assert (rows[unanswered.pk].status, rows[unanswered.pk].attempts) == (Outbox.Status.FAILED, ATTEMPTS)
    assert "timed out" in rows[unanswered.pk].last_error
    assert (rows[delivered.pk].status, rows[delivered.pk].attempts) == (Outbox.Status.SENT, 1)
    for pk in failing:
        tries = [seen["at"] for seen in server.attempts(pk)]
        assert len(tries) == ATTEMPTS  # no attempt after the last, though beat sweeps every second
        # The pauses grow (1 s, then 2 s at least): the sweep hands a message over only once its back-off
        # has passed.
        pauses = [later - earlier for earlier, later in itertools.pairwise(tries)]
        assert pauses[0] >= BACKOFF_SECONDS and pauses[1] >= 2 * BACKOFF_SECONDS

    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    outbox = admin.get(CHANGELIST).content.decode()
    assert "2 messages could not be sent after every attempt." in outbox
    assert f'href="{CHANGELIST}?status__exact=failed"' in outbox
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    assert "২টি বার্তা সব চেষ্টার পরও পাঠানো যায়নি।" in admin.get(CHANGELIST).content.decode()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listed = admin.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    assert "+8801712345678" in listed and "+8801812345678" in listed
    assert "+8801912345678" not in listed
    assert "HTTP Error 500" in listed and "timed out" in listed
    assert "could not be sent after every attempt" not in listed  # the list itself is the answer

    mended = True
    retried = admin.post(CHANGELIST, {"action": "retry_now", "_selected_action": failing}, follow=True)
    assert "2 failed messages will be sent again." in retried.content.decode()
    wait_for(lambda: Outbox.objects.filter(status=Outbox.Status.SENT).count() == 3, worker, "sending them again")

    assert sorted(server.accepted()) == sorted([delivered.pk, *failing])  # each taken once
    assert "could not be sent after every attempt" not in admin.get(CHANGELIST).content.decode()
