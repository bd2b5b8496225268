"""Signing in with a phone: a one-time code by SMS that expires, works once, dies after five wrong tries,
is kept only as a keyed hash, and is sent only so often to one phone and from one address."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation
from rest_framework.test import APIClient

from citizens.models import CitizenSession, OtpChallenge
from notifications.models import Outbox
from tests.citizens.conftest import OTHER_PHONE, PHONE, code_sent_to, file_for

pytestmark = pytest.mark.django_db

OTP = "/api/v1/citizen/otp/"
SESSION = "/api/v1/citizen/session/"


def ask_code(api, phone=PHONE, address="10.0.0.1", **headers):
    return api.post(OTP, {"phone": phone}, format="json", REMOTE_ADDR=address, **headers)


def try_code(api, code, phone=PHONE, address="10.0.0.1"):
    return api.post(SESSION, {"phone": phone, "code": code}, format="json", REMOTE_ADDR=address)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_goes_by_sms_in_bangla_by_default_and_signs_the_phone_in():
    api = APIClient()
    answer = ask_code(api, "01712345678")
    assert answer.status_code == 202
    assert answer.json()["expires_in"] == 600
    sms = Outbox.objects.get(recipient=PHONE)
    assert sms.channel == Outbox.Channel.SMS
    code = code_sent_to(PHONE)
    assert f"GRS লগইন কোড: {code}" in sms.body and "১০ মিনিট" in sms.body  # the code as typed, the minutes in Bangla

    signed_in = try_code(api, code, phone="০১৭১২৩৪৫৬৭৮")  # the phone as typed on a Bangla keypad
    assert signed_in.status_code == 200
    body = signed_in.json()
    assert body["phone"] == PHONE and len(body["token"]) >= 40
    session = CitizenSession.objects.get()
    assert session.phone == PHONE and session.via == CitizenSession.Via.API


def test_the_sms_is_in_english_when_the_client_asks_for_english(api):
    ask_code(api, HTTP_ACCEPT_LANGUAGE="en")
    body = Outbox.objects.get(recipient=PHONE).body
    assert body == f"GRS sign-in code: {code_sent_to(PHONE)}. It works for 10 minutes. Never tell it to anyone."


def test_the_answer_is_the_same_whether_or_not_the_phone_has_grievances(api, office):
    file_for(office, phone=PHONE)
    with_grievances = ask_code(api, PHONE)
    without = ask_code(api, OTHER_PHONE)
    assert with_grievances.status_code == without.status_code == 202
    assert with_grievances.json() == without.json()
    assert code_sent_to(OTHER_PHONE)  # a phone with no grievance gets its code too (and then sees an empty list)


def test_the_code_is_kept_only_as_a_keyed_hash(api):
    ask_code(api)
    code = code_sent_to(PHONE)
    challenge = OtpChallenge.objects.get()
    assert code not in challenge.code_hash and challenge.code_hash.startswith("hmac$")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM citizens_otpchallenge")
        rows = cursor.fetchall()
    assert code not in repr(rows)


def test_once_used_the_code_is_masked_in_the_sent_sms_too(api):
    ask_code(api)
    code = code_sent_to(PHONE)
    assert try_code(api, code).status_code == 200
    body = Outbox.objects.get(recipient=PHONE).body
    assert code not in body and "••••••" in body


def test_a_code_works_once(api):
    ask_code(api)
    code = code_sent_to(PHONE)
    assert try_code(api, code).status_code == 200
    again = try_code(api, code)
    assert again.status_code == 400
    assert again.json() == {
        "detail": "This code is wrong or no longer valid. Check the SMS, or ask for a new code.",
        "code": "otp_invalid",
    }
    assert CitizenSession.objects.count() == 1


def test_a_code_expires_after_the_configured_minutes(api, settings, monkeypatch):
    settings.GRS_OTP_TTL_MINUTES = 10
    ask_code(api)
    code = code_sent_to(PHONE)
    sent = OtpChallenge.objects.get()
    assert sent.expires_at - sent.created_at == timedelta(minutes=10)
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert try_code(api, code).status_code == 400
    assert not CitizenSession.objects.exists()


def test_a_code_still_works_just_before_it_expires(api, monkeypatch):
    ask_code(api)
    code = code_sent_to(PHONE)
    later = timezone.now() + timedelta(minutes=9, seconds=50)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert try_code(api, code).status_code == 200


def test_five_wrong_codes_kill_it_and_then_the_right_one_fails(api):
    ask_code(api)
    code = code_sent_to(PHONE)
    for attempt in range(5):
        assert try_code(api, wrong(code), address=f"10.0.1.{attempt}").status_code == 400
    assert OtpChallenge.objects.get().attempts == 5
    assert try_code(api, code).status_code == 400
    assert not CitizenSession.objects.exists()


def test_four_wrong_codes_leave_the_right_one_working(api):
    ask_code(api)
    code = code_sent_to(PHONE)
    for _attempt in range(4):
        try_code(api, wrong(code))
    assert try_code(api, code).status_code == 200


def test_a_new_code_replaces_the_earlier_one(api):
    ask_code(api)
    first = code_sent_to(PHONE)
    ask_code(api)
    second = code_sent_to(PHONE)
    earlier = OtpChallenge.objects.order_by("id").first()
    assert earlier.expires_at <= timezone.now()
    if first != second:  # one time in a million the two are the same six digits
        assert try_code(api, first).status_code == 400
    assert try_code(api, second).status_code == 200


def test_a_code_is_for_its_own_phone_only(api):
    ask_code(api, PHONE)
    assert try_code(api, code_sent_to(PHONE), phone=OTHER_PHONE).status_code == 400
    assert not CitizenSession.objects.exists()
    assert try_code(api, code_sent_to(PHONE), phone=PHONE).status_code == 200


def test_at_most_three_codes_an_hour_go_to_one_phone_from_any_address(api, settings, monkeypatch):
    settings.GRS_OTP_PER_PHONE_PER_HOUR = 3
    for n in range(3):
        assert ask_code(api, address=f"10.0.2.{n}").status_code == 202
    refused = ask_code(api, address="10.0.2.9")
    assert refused.status_code == 429
    assert refused.json()["detail"] == "Too many codes were sent to this phone. Please wait an hour and try again."
    assert Outbox.objects.filter(recipient=PHONE).count() == 3
    assert ask_code(api, OTHER_PHONE, address="10.0.2.9").status_code == 202  # other phones are not held up
    later = timezone.now() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ask_code(api, address="10.0.2.9").status_code == 202


def test_one_address_may_ask_only_so_many_codes_whatever_the_phones(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "citizen_code": "2/hour"},
    }
    assert ask_code(api, "+8801711000001").status_code == 202
    assert ask_code(api, "+8801711000002").status_code == 202
    assert ask_code(api, "+8801711000003").status_code == 429
    assert not Outbox.objects.filter(recipient="+8801711000003").exists()
    assert ask_code(api, "+8801711000003", address="10.9.9.9").status_code == 202


def test_a_number_that_is_not_a_phone_is_refused_and_nothing_is_sent(api):
    answer = ask_code(api, "12345")
    assert answer.status_code == 400 and "phone" in answer.json()
    assert not Outbox.objects.exists() and not OtpChallenge.objects.exists()


def test_a_citizen_token_expires_after_the_configured_days(api, settings, monkeypatch):
    settings.GRS_CITIZEN_SESSION_DAYS = 30
    ask_code(api)
    token = try_code(api, code_sent_to(PHONE)).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {token}")
    assert api.get("/api/v1/citizen/grievances/").status_code == 200
    later = timezone.now() + timedelta(days=30, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    expired = api.get("/api/v1/citizen/grievances/")
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Citizen"


def test_signing_out_ends_the_token(api):
    ask_code(api)
    token = try_code(api, code_sent_to(PHONE)).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {token}")
    assert api.delete(SESSION).status_code == 204
    assert api.get("/api/v1/citizen/grievances/").status_code == 401


def test_the_token_is_kept_only_as_a_hash(api):
    ask_code(api)
    token = try_code(api, code_sent_to(PHONE)).json()["token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM citizens_citizensession")
        assert token not in repr(cursor.fetchall())


def test_the_sweep_masks_unused_codes_and_forgets_old_ones(api, monkeypatch):
    from citizens.services import citizens_sweep

    with translation.override("en"):
        ask_code(api)
    code = code_sent_to(PHONE)
    assert citizens_sweep()["masked"] == 0  # a live code's SMS is left alone: it may not have gone out yet
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert citizens_sweep()["masked"] == 1
    assert code not in Outbox.objects.get(recipient=PHONE).body
    much_later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: much_later)
    assert citizens_sweep()["codes"] == 1
    assert not OtpChallenge.objects.exists()
