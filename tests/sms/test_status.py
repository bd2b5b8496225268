"""STATUS <tracking number> (অবস্থা …) tells the sender the status of their own grievance and nothing about
anyone else's; numbers may be written in Bangla digits."""

import pytest

from grievances import tracking
from grievances.models import Grievance
from grievances.services import grievance_accept, grievance_file, grievance_resolve
from notifications.models import Outbox
from offices.models import Role
from tests.factories import AppointmentFactory
from tests.sms.conftest import OTHER_PHONE, PHONE, send

pytestmark = pytest.mark.django_db

BANGLA = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


@pytest.fixture
def grievance(places):
    return grievance_file(
        type="citizen",
        office=places["offices"]["ulipur"],
        subject="Old age allowance not paid",
        description="No payment since March.",
        complainant_name="Amena Begum",
        complainant_phone=PHONE,
        language="en",
    ).grievance


def reply(phone=PHONE) -> str:
    return Outbox.objects.filter(recipient=phone).latest("id").body


def test_status_of_ones_own_grievance(api, grievance):
    number = tracking.display(grievance.tracking_number)
    answer = send(api, f"STATUS {number}")
    assert answer.json() == {"outcome": "status", "tracking_number": None, "duplicate": False}
    assert reply() == (
        f"GRS: grievance {number} is Submitted at Upazila Social Services Office, Ulipur. "
        f"It is due by {grievance.due_date:%d/%m/%Y}."
    )


def test_status_of_a_settled_grievance(api, grievance, places):
    gro = AppointmentFactory(role=Role.GRO, office=places["offices"]["ulipur"]).user
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid on 3 May.")
    number = tracking.display(grievance.tracking_number)
    send(api, f"status {grievance.tracking_number}")
    assert reply() == f"GRS: grievance {number} is Resolved (Upazila Social Services Office, Ulipur)."


def test_someone_elses_grievance_is_not_found_and_nothing_of_it_is_told(api, grievance):
    number = tracking.display(grievance.tracking_number)
    send(api, f"STATUS {number}", sender=OTHER_PHONE)
    told = reply(OTHER_PHONE)
    assert told == f"GRS: no grievance with the number {number} was filed from this phone. Please check the number."
    assert "Submitted" not in told and "Ulipur" not in told


def test_a_number_that_does_not_exist_is_answered_alike(api, places):
    number = tracking.display(tracking.generate())
    send(api, f"STATUS {number}")
    assert reply() == f"GRS: no grievance with the number {number} was filed from this phone. Please check the number."


def test_a_mistyped_number_is_told_to_check_it(api, grievance):
    typo = grievance.tracking_number[:-1] + str((int(grievance.tracking_number[-1]) + 1) % 10)
    send(api, f"STATUS {typo}")
    assert reply().startswith("GRS: this tracking number is not right.")
    send(api, "STATUS")
    assert reply().startswith("GRS: this tracking number is not right.")


def test_bangla_keyword_and_bangla_digits_are_answered_in_bangla(api, grievance):
    number = tracking.display(grievance.tracking_number)
    send(api, f"অবস্থা {number.translate(BANGLA)}")
    assert reply() == (
        f"GRS: অভিযোগ {number} উপজেলা সমাজসেবা কার্যালয়, উলিপুর-এ, অবস্থা: দাখিলকৃত। "
        f"{grievance.due_date:%d/%m/%Y} তারিখের মধ্যে নিষ্পত্তি করার কথা।"
    )


def test_bangla_digits_in_a_number_with_spaces(api, grievance):
    digits = grievance.tracking_number.translate(BANGLA)
    send(api, f"STATUS {digits[:4]} {digits[4:8]} {digits[8:]}")
    assert reply().startswith(f"GRS: grievance {tracking.display(grievance.tracking_number)} is Submitted")


def test_a_status_request_files_nothing(api, grievance):
    send(api, f"STATUS {grievance.tracking_number}")
    assert Grievance.objects.count() == 1
