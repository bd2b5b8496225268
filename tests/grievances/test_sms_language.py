"""The complainant's SMS are written in the language they filed in, whoever's action sends them, and
each fits two SMS segments without losing the tracking number."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from grievances import tracking
from grievances.services import (
    grievance_accept,
    grievance_file,
    grievance_forward,
    grievance_provide_info,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
)
from notifications.models import Outbox
from notifications.sms import is_gsm
from offices.models import Office, Role
from tests.factories import AppointmentFactory, CharterFactory, OfficeFactory

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"
LONG_RESOLUTION = "The allowance for March to June was paid into the complainant's account. " * 28  # ~2,000


@pytest.fixture
def dss():
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    office = OfficeFactory(
        code="DSS", parent=ministry, layer=Office.Layer.DIRECTORATE, name_en="Social Services", name_bn="সমাজসেবা"
    )
    CharterFactory(office=office, gro_timeframe_days=30)
    return office


@pytest.fixture
def gro(dss):
    return AppointmentFactory(role=Role.GRO, office=dss).user


def file_in(language, office):
    with translation.override(language):
        return grievance_file(
            type="citizen",
            office=office,
            subject="Old age allowance not paid",
            description="No payment since March.",
            complainant_name="Amena Begum",
            complainant_phone=PHONE,
        ).grievance


def sms_bodies(grievance):
    rows = Outbox.objects.filter(grievance=grievance, channel=Outbox.Channel.SMS, recipient=PHONE).order_by("id")
    return list(rows.values_list("body", flat=True))


def within_two_segments(text):
    return len(text) <= 306 if is_gsm(text) else len(text.encode("utf-16-le")) // 2 <= 134


def test_filed_in_bangla_the_complainant_reads_bangla_even_from_an_english_speaking_officer(dss, gro):
    grievance = file_in("bn", dss)
    assert grievance.language == "bn"
    with translation.override("en"):
        grievance_accept(grievance_id=grievance.pk, actor=gro)
        grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="ভাতা পরিশোধ করা হয়েছে।")
    number = tracking.display(grievance.tracking_number)
    due = grievance.due_date.strftime("%d/%m/%Y")
    receipt, resolution = sms_bodies(grievance)
    assert receipt == (
        f"GRS: আপনার অভিযোগ সমাজসেবা-এ গৃহীত হয়েছে। ট্র্যাকিং নম্বর {number}। {due} তারিখের মধ্যে এটি নিষ্পত্তি করার কথা।"
    )
    assert resolution == (
        f"GRS: অভিযোগ {number} নিষ্পত্তি হয়েছে: ভাতা পরিশোধ করা হয়েছে। GRS ট্র্যাকিং পেজে মূল্যায়ন করুন বা আপিল করুন।"
    )


def test_filed_in_english_the_complainant_reads_english_even_from_a_bangla_speaking_officer(dss, gro):
    grievance = file_in("en", dss)
    assert grievance.language == "en"
    with translation.override("bn"):
        grievance_accept(grievance_id=grievance.pk, actor=gro)
        grievance_reject(grievance_id=grievance.pk, actor=gro, reason="Not a grievance against this office.")
    number = tracking.display(grievance.tracking_number)
    assert sms_bodies(grievance) == [
        f"GRS: your grievance is received at Social Services. Tracking number {number}. "
        f"It is due by {grievance.due_date.strftime('%d/%m/%Y')}.",
        f"GRS: grievance {number} was rejected: Not a grievance against this office. "
        "You may appeal on the GRS track page.",
    ]


def test_a_regional_language_code_is_recorded_as_the_language_it_belongs_to(dss):
    assert file_in("en-gb", dss).language == "en"


def test_the_api_records_the_language_the_client_asks_for(dss):
    def file_with(accept_language):
        client = APIClient()
        client.credentials(HTTP_ACCEPT_LANGUAGE=accept_language)
        response = client.post(
            "/api/v1/grievances/",
            {
                "type": "citizen",
                "office": "DSS",
                "subject": "Allowance stopped",
                "description": "Payment stopped in March.",
                "complainant_name": "Amena",
                "complainant_phone": "01712345678",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()["tracking_number"].replace("-", "")

    english, bangla = file_with("en"), file_with("bn")
    bodies = dict(Outbox.objects.filter(recipient=PHONE).values_list("grievance__tracking_number", "body"))
    assert bodies[english].startswith("GRS: your grievance is received at")
    assert bodies[bangla].startswith("GRS: আপনার অভিযোগ")


@pytest.mark.parametrize("language", ["bn", "en"])
def test_every_sms_fits_two_segments_and_keeps_the_tracking_number_and_the_advice(dss, gro, language):
    grievance = file_in(language, dss)
    district = OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    CharterFactory(office=district, gro_timeframe_days=10)
    district_gro = AppointmentFactory(role=Role.GRO, office=district).user
    with translation.override("en"):
        grievance_accept(grievance_id=grievance.pk, actor=gro)
        grievance_request_info(grievance_id=grievance.pk, actor=gro, question="Which month? " * 150)
        grievance_provide_info(number=grievance.tracking_number, answer="March.", phone=PHONE)
        grievance_forward(grievance_id=grievance.pk, actor=gro, to_office=district, reason="Held there.")
        grievance_accept(grievance_id=grievance.pk, actor=district_gro)
        grievance_resolve(grievance_id=grievance.pk, actor=district_gro, resolution=LONG_RESOLUTION)
    bodies = sms_bodies(grievance)
    assert len(bodies) == 4
    number = tracking.display(grievance.tracking_number)
    for body in bodies:
        assert within_two_segments(body), body
        assert number in body
    resolution = bodies[-1]
    if language == "en":
        assert is_gsm(resolution) and len(resolution) == 306
        assert resolution.startswith(f"GRS: grievance {number} is resolved: The allowance for March")
        assert resolution.endswith("... Rate it or appeal on the GRS track page.")
    else:
        assert resolution.startswith(f"GRS: অভিযোগ {number} নিষ্পত্তি হয়েছে: The allowance")
        assert resolution.endswith("... GRS ট্র্যাকিং পেজে মূল্যায়ন করুন বা আপিল করুন।")
