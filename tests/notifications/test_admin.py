import pytest
from django.urls import reverse

from notifications.models import Outbox
from notifications.services import notify_sms, outbox_deliver

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_outbox_changelist")


class GatewayDown(Exception):
    pass


def gateway_down(message):
    raise GatewayDown("connection refused")


@pytest.fixture
def failed(settings):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    working_backend, settings.SMS_BACKEND = settings.SMS_BACKEND, "tests.notifications.test_admin.gateway_down"
    message = notify_sms(to="01712345678", body="Received.")
    message = outbox_deliver(outbox_id=message.pk)
    settings.SMS_BACKEND = working_backend
    return message


def test_failed_messages_are_listed_with_their_error(admin_client, failed):
    notify_sms(to="01812345678", body="Still pending.")

    page = admin_client.get(CHANGELIST, {"status__exact": "failed", "q": "1712345678"}).content.decode()

    assert "+8801712345678" in page
    assert "GatewayDown: connection refused" in page
    assert "+8801812345678" not in page
    detail = admin_client.get(reverse("admin:notifications_outbox_change", args=[failed.pk])).content.decode()
    assert "GatewayDown: connection refused" in detail
    assert 'name="_save"' not in detail  # a record of what was sent is never edited
    assert admin_client.get(reverse("admin:notifications_outbox_add")).status_code == 403


def test_retry_now_sends_a_failed_message_again(
    admin_client, failed, sms_file, inline_worker, django_capture_on_commit_callbacks
):
    admin_client.cookies["django_language"] = "en"  # the admin, like every page, is Bangla until switched
    sent = notify_sms(to="01812345678", body="Already sent.")
    outbox_deliver(outbox_id=sent.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            CHANGELIST, {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]}, follow=True
        )

    assert "1 failed message will be sent again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Outbox.Status.SENT, 1)
    assert [m["to"] for m in sms_file.messages()] == ["+8801812345678", "+8801712345678"]
