"""Another site cannot act in a user's name: every form that changes something refuses a POST without
the CSRF token (403, nothing changed), the API refuses session-authenticated writes without it, and no
page can be framed (clickjacking)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from grievances.models import Grievance
from grievances.services import grievance_file
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def world():
    office = OfficeFactory(code="USSO-ULIPUR", layer=Office.Layer.UPAZILA)
    gro = AppointmentFactory(role=Role.GRO, office=office).user
    operator = AppointmentFactory(role=Role.UDC_OPERATOR, office=OfficeFactory(parent=office)).user
    grievance = grievance_file(
        type="citizen",
        office=office,
        subject="ভাতা পাইনি",
        description="তিন মাস ধরে ভাতা বন্ধ।",
        complainant_name="আমেনা বেগম",
        complainant_phone="01712345678",
    ).grievance
    return {"office": office, "gro": gro, "operator": operator, "grievance": grievance}


def browser(user=None) -> Client:
    """A client that checks CSRF as a real browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def token_from(client: Client, url: str) -> str:
    return CSRF.search(client.get(url).content.decode()).group(1)


FILING = {
    "type": "citizen",
    "subject": "ভাতা পাইনি",
    "description": "তিন মাস ধরে ভাতা বন্ধ।",
    "complainant_name": "আমেনা বেগম",
    "complainant_phone": "01712345678",
    "complainant_country": "BD",
}


def test_citizens_forms_refuse_a_post_without_the_token_and_change_nothing(world):
    before = Grievance.objects.count()
    client = browser()
    forged = {
        "/grievances/new/?office=USSO-ULIPUR": FILING,
        "/track/": {"tracking_number": world["grievance"].tracking_number, "secret": "01712345678"},
        "/accounts/login/": {"username": world["gro"].username, "password": "whatever"},
        "/i18n/setlang/": {"language": "en", "next": "/"},
    }
    for url, data in forged.items():
        assert client.post(url, data).status_code == 403, url
    assert Grievance.objects.count() == before
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies

    # The same filing with the token the form carries goes through: the refusal was the missing token.
    url = "/grievances/new/?office=USSO-ULIPUR"
    answer = client.post(url, {**FILING, "csrfmiddlewaretoken": token_from(client, url)})
    assert answer.status_code == 302
    assert Grievance.objects.count() == before + 1


def test_officials_forms_refuse_a_post_without_the_token(world):
    grievance = world["grievance"]
    gro = browser(world["gro"])
    page = f"/inbox/{grievance.tracking_number}/"

    refused = gro.post(f"{page}accept/", {"accept-version": grievance.version})
    assert refused.status_code == 403
    grievance.refresh_from_db()
    assert grievance.status == "submitted"

    operator = browser(world["operator"])
    assert operator.post("/udc/", {**FILING, "office": "USSO-ULIPUR", "channel": "udc"}).status_code == 403
    assert Grievance.objects.count() == 1

    token = token_from(gro, page)
    accepted = gro.post(f"{page}accept/", {"accept-version": grievance.version, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == "in_progress"


def test_the_api_refuses_a_write_carried_by_a_session_cookie_without_the_token(world):
    grievance = world["grievance"]
    url = f"/api/v1/grievances/{grievance.tracking_number}/accept/"
    gro = browser(world["gro"])

    refused = gro.post(url, {}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    grievance.refresh_from_db()
    assert grievance.status == "submitted"

    # A token in the Authorization header is never sent by a browser on its own, so it needs no CSRF token.
    key = Token.objects.create(user=world["gro"]).key
    answer = Client(enforce_csrf_checks=True).post(
        url, {}, content_type="application/json", headers={"Authorization": f"Token {key}"}
    )
    assert answer.status_code == 200, answer.content
    grievance.refresh_from_db()
    assert grievance.status == "in_progress"


def test_no_page_can_be_framed_by_another_site(world):
    client = browser(world["gro"])
    for url in ("/", "/grievances/new/?office=USSO-ULIPUR", "/track/", "/inbox/", "/dashboard/", "/admin/login/"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url
