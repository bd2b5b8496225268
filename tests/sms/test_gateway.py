"""Only the SMS gateway may post messages: unsigned, badly signed, stale and replayed posts are refused
and change nothing; the same message posted twice files one grievance and sends one reply."""

import time

import pytest

from citizens.models import InboundSms
from grievances.models import Grievance
from notifications.models import Outbox
from tests.sms.conftest import INBOUND, PHONE, message, send, signed

pytestmark = pytest.mark.django_db

TEXT = "GRS Ulipur old age allowance not paid since March"


def nothing_changed():
    return not Grievance.objects.exists() and not Outbox.objects.exists() and not InboundSms.objects.exists()


def post(api, body: bytes, **headers):
    return api.post(INBOUND, body, content_type="application/json", **headers)


def test_a_signed_message_files_a_grievance(api, places):
    answer = send(api, TEXT)
    assert answer.status_code == 200
    grievance = Grievance.objects.get()
    assert answer.json() == {"outcome": "filed", "tracking_number": grievance.tracking_number, "duplicate": False}


def test_an_unsigned_post_is_refused_and_changes_nothing(api, places):
    answer = post(api, message(TEXT))
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "GRS-Signature"
    assert "X-GRS-Signature" in answer.json()["detail"]
    assert nothing_changed()


def test_a_post_signed_with_another_secret_is_refused(api, places):
    body = message(TEXT)
    answer = post(api, body, **signed(body, secret="not-the-secret"))
    assert answer.status_code == 401
    assert answer.json()["detail"] == "The signature does not match the request."
    assert nothing_changed()


def test_a_body_changed_after_signing_is_refused(api, places):
    body = message(TEXT)
    headers = signed(body)
    tampered = body.replace(PHONE.encode(), b"+8801812345678")
    assert post(api, tampered, **headers).status_code == 401
    assert nothing_changed()


def test_the_timestamp_is_part_of_the_signature(api, places):
    body = message(TEXT)
    headers = signed(body, at=time.time() - 3600)
    headers["HTTP_X_GRS_TIMESTAMP"] = str(int(time.time()))  # a captured post under a fresh timestamp
    assert post(api, body, **headers).status_code == 401
    assert nothing_changed()


@pytest.mark.parametrize("offset", [-305, 305])  # whole seconds on the wire: a margin for the truncation
def test_a_timestamp_more_than_five_minutes_off_is_refused(api, places, offset):
    body = message(TEXT)
    answer = post(api, body, **signed(body, at=time.time() + offset))
    assert answer.status_code == 401
    assert answer.json()["detail"] == "The request's timestamp is too far from this server's clock."
    assert nothing_changed()


def test_a_timestamp_a_little_off_is_accepted(api, places):
    body = message(TEXT)
    assert post(api, body, **signed(body, at=time.time() - 240)).status_code == 200


def test_without_a_configured_secret_every_post_is_refused(api, places, settings):
    settings.GRS_SMS_INBOUND_SECRET = ""
    body = message(TEXT)
    answer = post(api, body, **signed(body, secret=""))
    assert answer.status_code == 401
    assert nothing_changed()


def test_the_same_message_twice_files_once_and_replies_once(api, places):
    first = send(api, TEXT, id="gw-42")
    again = send(api, TEXT, id="gw-42")
    assert first.status_code == again.status_code == 200
    grievance = Grievance.objects.get()
    assert again.json() == {"outcome": "filed", "tracking_number": grievance.tracking_number, "duplicate": True}
    assert Outbox.objects.filter(recipient=PHONE).count() == 1


def test_a_status_request_posted_twice_replies_once(api, places):
    send(api, "STATUS 4821-3907-65", id="gw-43")
    assert send(api, "STATUS 4821-3907-65", id="gw-43").json()["duplicate"] is True
    assert Outbox.objects.filter(recipient=PHONE).count() == 1


def test_a_message_id_reused_for_other_content_is_refused(api, places):
    send(api, TEXT, id="gw-44")
    replayed = send(api, "GRS Ulipur a different complaint", id="gw-44")
    assert replayed.status_code == 409
    assert replayed.json()["code"] == "sms_id_reused"
    assert Grievance.objects.count() == 1 and Outbox.objects.count() == 1


def test_a_body_missing_the_sender_is_refused_and_changes_nothing(api, places):
    body = b'{"id": "gw-45", "text": "GRS Ulipur allowance"}'
    answer = post(api, body, **signed(body))
    assert answer.status_code == 400 and "from" in answer.json()
    assert nothing_changed()


def test_a_sender_that_is_no_phone_number_is_refused(api, places):
    answer = send(api, TEXT, sender="GRAMEEN")
    assert answer.status_code == 400
    assert nothing_changed()


def test_the_sender_may_come_without_a_plus(api, places):
    send(api, TEXT, sender="8801712345678")
    assert Grievance.objects.get().complainant_phone == PHONE
