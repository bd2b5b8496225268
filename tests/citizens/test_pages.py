"""/my/: phone → code → the list of the phone's grievances, each opening on the tracking page, in Bangla
and English; a browser signed in as a citizen is no official, and an official's sign-in is no citizen."""

import re

import pytest
from django.conf import settings
from django.test import Client

from citizens.models import CitizenSession
from grievances import tracking
from notifications.models import Outbox
from offices.models import Role
from tests.citizens.conftest import OTHER_PHONE, PHONE, code_sent_to, file_for
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

MY = "/my/"
CODE = "/my/code/"


@pytest.fixture
def client():
    """A visitor who chose English (pages are Bangla until then)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sign_in(client, phone="01712345678"):
    assert client.post(MY, {"phone": phone}).url == CODE
    answer = client.post(CODE, {"code": code_sent_to(PHONE if phone == "01712345678" else phone)})
    assert answer.status_code == 302 and answer.url == MY
    return answer


def test_phone_then_code_then_the_list_linking_each_grievance_to_its_tracking_page(client, office):
    mine = file_for(office, subject="Old age allowance not paid")
    theirs = file_for(office, phone=OTHER_PHONE, subject="Someone else's complaint")
    page = client.get(MY)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_phone">Mobile phone number</label>' in html
    assert 'autocomplete="tel"' in html

    sent = client.post(MY, {"phone": "01712345678"})
    assert sent.status_code == 302 and sent.url == CODE
    assert Outbox.objects.filter(recipient=PHONE, grievance=None).count() == 1  # the code (the rest are receipts)
    code_page = client.get(CODE).content.decode()
    assert "A code was sent by SMS to +8801712345678." in code_page
    assert 'autocomplete="one-time-code"' in code_page

    signed_in = client.post(CODE, {"code": code_sent_to(PHONE)})
    assert signed_in.status_code == 302 and signed_in.url == MY
    html = client.get(MY).content.decode()
    number = tracking.display(mine.tracking_number)
    assert f'<a href="/my/{mine.tracking_number}/">{number}</a>' in html
    assert "Old age allowance not paid" in html and "Someone else" not in html
    assert theirs.tracking_number not in html

    detail = client.get(f"/my/{mine.tracking_number}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert f"Grievance {number}" in text and "Submitted" in text and 'href="/my/"' in text
    assert client.get(f"/my/{theirs.tracking_number}/").status_code == 404


def test_the_pages_are_in_bangla_by_default():
    client = Client()
    assert "মোবাইল ফোন নম্বর" in client.get(MY).content.decode()
    client.post(MY, {"phone": "01712345678"})
    assert re.search(r"GRS লগইন কোড: [0-9]{6}।", Outbox.objects.get().body)


def test_a_wrong_code_is_said_so_and_signs_nobody_in(client, office):
    file_for(office)
    client.post(MY, {"phone": "01712345678"})
    code = code_sent_to(PHONE)
    answer = client.post(CODE, {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'role="alert"' in html and "This code is wrong or no longer valid" in html
    assert not CitizenSession.objects.exists()
    assert "Old age allowance" not in client.get(MY).content.decode()


def test_the_code_page_without_a_phone_goes_back_to_the_phone(client):
    assert client.get(CODE).url == MY


def test_a_phone_with_no_grievance_sees_an_empty_list(client, office):
    file_for(office)
    sign_in(client, OTHER_PHONE)
    html = client.get(MY).content.decode()
    assert "No grievance was filed with this number." in html


def test_signing_out_ends_the_session(client, office):
    file_for(office)
    sign_in(client)
    assert client.post("/my/sign-out/").url == MY
    assert CitizenSession.objects.get().ended_at is not None
    assert "Mobile phone number" in client.get(MY).content.decode()


def test_an_officials_sign_in_is_no_citizen_sign_in(client, office):
    grievance = file_for(office)
    gro = AppointmentFactory(role=Role.GRO, office=office).user
    gro.phone = PHONE
    gro.save()
    client.force_login(gro)
    html = client.get(MY).content.decode()
    assert "Mobile phone number" in html and grievance.tracking_number not in html
    assert client.get(f"/my/{grievance.tracking_number}/").url == MY


def test_a_citizen_sign_in_is_no_official_sign_in(client, office):
    grievance = file_for(office)
    sign_in(client)
    inbox = client.get("/inbox/")
    assert inbox.status_code == 302 and inbox.url.startswith("/accounts/login/")
    assert client.get(f"/inbox/{grievance.tracking_number}/").status_code == 302
    assert client.get("/api/v1/inbox/").status_code in {401, 403}


def test_codes_asked_from_one_address_are_limited(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "citizen_code": "1/hour"},
    }
    client.post(MY, {"phone": "01712345678"})
    refused = client.post(MY, {"phone": "01812345678"})
    assert refused.status_code == 429
    assert "Too many codes were asked for from your connection" in refused.content.decode()
    assert not Outbox.objects.filter(recipient=OTHER_PHONE).exists()


def test_the_forms_refuse_a_post_without_the_csrf_token(office):
    file_for(office)
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(MY, {"phone": "01712345678"}).status_code == 403
    assert not Outbox.objects.filter(grievance=None).exists()
    signed_in = Client()
    sign_in(signed_in)
    signed_in.handler.enforce_csrf_checks = True
    assert signed_in.post("/my/sign-out/").status_code == 403
    assert CitizenSession.objects.get().ended_at is None


def test_the_list_page_takes_a_fixed_number_of_queries(client, office, django_assert_max_num_queries):
    for n in range(3):
        file_for(office, subject=f"first {n}")
    sign_in(client)
    with django_assert_max_num_queries(6) as few:
        client.get(MY)
    for n in range(30):
        file_for(office, subject=f"more {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(MY).content.decode()
    assert html.count('<a href="/my/') == 20


def test_the_home_page_leads_citizens_to_their_grievances(client):
    page = client.get("/").content.decode()
    assert '<a href="/my/">See every grievance filed with your phone number</a>' in page
