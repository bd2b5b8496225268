"""GRS <office code or upazila> <complaint>: the grievance goes to the best-matching office, by code first,
then by the upazila's name in Bangla or English (misspelt too), and the reply carries the tracking number
in the sender's language; a message naming no office files nothing and asks for the upazila."""

import pytest

from grievances import tracking
from grievances.models import Grievance
from grievances.sms_inbound import sms_office_for_upazila
from notifications.models import Outbox
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory
from tests.sms.conftest import PHONE, send

pytestmark = pytest.mark.django_db


def filed_at(api, text: str) -> Office:
    answer = send(api, text)
    assert answer.status_code == 200 and answer.json()["outcome"] == "filed", answer.json()
    return Grievance.objects.get(tracking_number=answer.json()["tracking_number"]).office


def reply() -> str:
    return Outbox.objects.filter(recipient=PHONE).latest("id").body


def test_an_sms_grievance_is_a_citizen_grievance_through_the_sms_channel(api, places):
    send(api, "GRS Ulipur  Old age allowance not paid since March. The member asked for 500 taka.")
    grievance = Grievance.objects.get()
    assert grievance.type == "citizen" and grievance.channel == "sms"
    assert grievance.complainant_phone == PHONE and grievance.status == "submitted"
    assert grievance.description == "Old age allowance not paid since March. The member asked for 500 taka."
    assert grievance.subject == "Old age allowance not paid since March. The member asked for 500 taka."
    assert grievance.office == places["offices"]["ulipur"]


def test_a_long_complaint_gets_a_short_subject_and_keeps_every_word_in_the_description(api, places):
    words = "The VGF card promised after the flood was given to someone else in our ward " * 4
    send(api, f"GRS Ulipur {words}")
    grievance = Grievance.objects.get()
    assert len(grievance.subject) <= 81 and grievance.subject.endswith("…")
    assert grievance.description == words.strip()


def test_an_office_code_in_any_case_comes_first(api, places):
    assert filed_at(api, "grs dss-kurigram-ulipur allowance not paid") == places["offices"]["ulipur"]
    assert filed_at(api, "GRS DDM-KURIGRAM-SADAR: relief not given") == places["offices"]["ddm-sadar"]


def test_an_office_code_with_bangla_digits(api, places):
    assert filed_at(api, "GRS UP-৪০১২ VGF card not given") == places["offices"]["union"]


def test_an_english_upazila_name(api, places):
    assert filed_at(api, "GRS Kurigram Sadar old age allowance not paid") == places["offices"]["sadar"]
    assert filed_at(api, "GRS shyamnagar widow allowance stopped") == places["offices"]["shyamnagar"]


def test_a_bangla_upazila_name(api, places):
    office = filed_at(api, "অভিযোগ কুড়িগ্রাম সদর বয়স্ক ভাতা পাইনি")
    assert office == places["offices"]["sadar"]
    assert Grievance.objects.get().description == "বয়স্ক ভাতা পাইনি"
    assert filed_at(api, "GRS শ্যামনগর বিধবা ভাতা বন্ধ") == places["offices"]["shyamnagar"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("GRS Shamnagar widow allowance stopped", "shyamnagar"),
        ("GRS Shyamnogor widow allowance stopped", "shyamnagar"),
        ("GRS kurigram sador allowance not paid", "sadar"),
        ("GRS Ulipure allowance not paid", "ulipur"),
        ("অভিযোগ কুরিগ্রাম সদর ভাতা পাইনি", "sadar"),
        ("অভিযোগ শ্যামনগড় ভাতা পাইনি", "shyamnagar"),
    ],
)
def test_common_misspellings_find_the_upazila(api, places, text, key):
    assert filed_at(api, text) == places["offices"][key]


def test_a_district_name_alone_means_its_sadar_upazila(api, places):
    assert filed_at(api, "GRS Kurigram bhata pai ni") == places["offices"]["sadar"]
    assert Grievance.objects.get().description == "bhata pai ni"


@pytest.mark.parametrize(
    "text",
    ["GRS allowance not paid for three months", "GRS Dhaka allowance not paid", "GRS", "GRS Xyzzy plugh"],
)
def test_naming_no_office_files_nothing_and_asks_for_the_upazila(api, places, text):
    answer = send(api, text)
    assert answer.json() == {"outcome": "no_office", "tracking_number": None, "duplicate": False}
    assert not Grievance.objects.exists()
    assert reply() == (
        "GRS: we could not tell which upazila. Send GRS, your upazila's name and your complaint, "
        "e.g. GRS Kurigram Sadar old age allowance not paid."
    )


def test_a_name_two_districts_share_asks_for_the_district(api, places):
    assert send(api, "GRS Kaliganj allowance not paid").json()["outcome"] == "ambiguous"
    assert not Grievance.objects.exists()
    assert "more than one upazila has this name" in reply()
    assert filed_at(api, "GRS Satkhira Kaliganj allowance not paid") == places["offices"]["kaliganj"]
    assert filed_at(api, "GRS Gazipur Kaliganj allowance not paid") == places["offices"]["kaliganj-gazipur"]


def test_a_place_without_a_complaint_asks_for_it(api, places):
    assert send(api, "GRS Ulipur").json()["outcome"] == "no_complaint"
    assert not Grievance.objects.exists()
    assert reply().startswith("GRS: write your complaint after the upazila's name")


def test_the_reply_in_english_has_the_tracking_number_as_people_type_it(api, places):
    number = send(api, "GRS Ulipur allowance not paid").json()["tracking_number"]
    grievance = Grievance.objects.get()
    assert grievance.language == "en"
    assert reply() == (
        f"GRS: your grievance is received at Upazila Social Services Office, Ulipur. Tracking number "
        f"{tracking.display(number)}. It is due by {grievance.due_date:%d/%m/%Y}."
    )


def test_the_reply_in_bangla_keeps_ascii_digits_in_the_tracking_number(api, places):
    number = send(api, "অভিযোগ উলিপুর বয়স্ক ভাতা পাইনি").json()["tracking_number"]
    grievance = Grievance.objects.get()
    assert grievance.language == "bn"
    # The receipt is the filing's own; with an upazila office's long name its tail may be cut to two SMS.
    assert reply().startswith(
        f"GRS: আপনার অভিযোগ উপজেলা সমাজসেবা কার্যালয়, উলিপুর-এ গৃহীত হয়েছে। ট্র্যাকিং নম্বর {tracking.display(number)}।"
    )


def test_an_english_keyword_with_a_bangla_complaint_is_answered_in_bangla(api, places):
    send(api, "GRS Ulipur বয়স্ক ভাতা পাইনি")
    assert Grievance.objects.get().language == "bn"
    assert "ট্র্যাকিং নম্বর" in reply()


def test_a_message_without_a_keyword_is_answered_with_how_to_write_one(api, places):
    assert send(api, "hello, my allowance did not come").json()["outcome"] == "help"
    assert reply().startswith("GRS: to file a grievance, send GRS, your upazila and your complaint.")
    send(api, "আমার ভাতা আসেনি")
    assert reply().startswith("GRS: অভিযোগ করতে লিখুন: অভিযোগ <উপজেলার নাম>")
    assert not Grievance.objects.exists()


def test_the_upazila_office_with_a_gro_takes_the_sms_else_the_uno_else_dss(places):
    sadar = places["upazilas"]["sadar"]
    offices = places["offices"]
    # No GRO anywhere: DSS-… comes before DDM-… by the preference, though DDM sorts first.
    assert sms_office_for_upazila(sadar) == offices["sadar"]
    uno = OfficeFactory(
        code="UNO-KURIGRAM-SADAR",
        name_en="Upazila Nirbahi Officer's Office, Kurigram Sadar",
        name_bn="উপজেলা নির্বাহী অফিসারের কার্যালয়, কুড়িগ্রাম সদর",
        layer=Office.Layer.UPAZILA,
        parent=places["ministry"],
        admin_unit=sadar,
    )
    assert sms_office_for_upazila(sadar) == uno
    AppointmentFactory(role=Role.GRO, office=offices["ddm-sadar"])
    assert sms_office_for_upazila(sadar) == offices["ddm-sadar"]  # a GRO to read it weighs most
    Office.objects.filter(pk=offices["ddm-sadar"].pk).update(active=False)
    assert sms_office_for_upazila(sadar) == uno
