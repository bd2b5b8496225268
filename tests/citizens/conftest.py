import re

import pytest
from rest_framework.test import APIClient

from grievances.services import grievance_file
from notifications.models import Outbox
from offices.models import Office
from tests.factories import CharterFactory, OfficeFactory

PHONE = "+8801712345678"
OTHER_PHONE = "+8801812345678"


@pytest.fixture
def office():
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    office = OfficeFactory(
        code="DSS", parent=ministry, layer=Office.Layer.DIRECTORATE, name_en="Social Services", name_bn="সমাজসেবা"
    )
    CharterFactory(office=office)
    return office


@pytest.fixture
def api():
    """A client that reads English (the API answers in Bangla when no language is asked for)."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def file_for(office, *, phone=PHONE, subject="Old age allowance not paid", **more):
    return grievance_file(
        type="citizen",
        office=office,
        subject=subject,
        description="No payment since March.",
        complainant_name="Amena Begum",
        complainant_phone=phone,
        **more,
    ).grievance


def code_sent_to(phone: str) -> str:
    """The code in the newest SMS to ``phone`` (as the citizen reads it off their screen)."""
    body = Outbox.objects.filter(recipient=phone, grievance=None).latest("id").body
    return re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", body).group()


def sign_in(api, phone=PHONE) -> str:
    """Ask a code for ``phone`` and trade it for a token, as the mobile app does."""
    assert api.post("/api/v1/citizen/otp/", {"phone": phone}, format="json").status_code == 202
    answer = api.post("/api/v1/citizen/session/", {"phone": phone, "code": code_sent_to(phone)}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]
