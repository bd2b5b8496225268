"""The complainant's side over the API: answer a question, rate the outcome, appeal — by phone or code."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from grievances.models import Feedback, Grievance
from grievances.services import (
    grievance_accept,
    grievance_file,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
)
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"
NOT_FOUND = "No grievance has this tracking number with this phone number or access code. Please check both."


@pytest.fixture
def api():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def office():
    ministry = OfficeFactory(code="MOSW")
    return OfficeFactory(code="DSS-KURIGRAM", parent=ministry, layer=Office.Layer.DISTRICT)


@pytest.fixture
def gro(office):
    return AppointmentFactory(role=Role.GRO, office=office).user


@pytest.fixture
def citizen(office):
    return grievance_file(
        type="citizen",
        office=office,
        subject="Maternity allowance not paid",
        description="Enrolled in January, nothing paid.",
        complainant_name="Shahana Akter",
        complainant_phone="01712345678",
    ).grievance


@pytest.fixture
def anonymous(office):
    return grievance_file(type="anonymous", office=office, subject="Bribe for enrolment", description="500 taka")


def post(api, grievance, action, **body):
    return api.post(f"/api/v1/track/{grievance.tracking_number}/{action}/", body, format="json")


def test_reply_by_phone_returns_the_tracked_grievance(api, citizen, gro):
    grievance_accept(grievance_id=citizen.pk, actor=gro)
    grievance_request_info(grievance_id=citizen.pk, actor=gro, question="Which union are you in?")
    response = post(api, citizen, "reply", phone="01712345678", answer="Dharanibari")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress"
    assert [e["kind"] for e in body["events"]][-2:] == ["info_requested", "info_provided"]
    assert body["events"][-1]["note"] == "Dharanibari"
    assert "Shahana" not in response.content.decode()


def test_reply_by_access_code(api, anonymous, gro):
    grievance = anonymous.grievance
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_request_info(grievance_id=grievance.pk, actor=gro, question="Which office?")
    response = post(api, grievance, "reply", code=anonymous.access_code.lower(), answer="The upazila office")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"


def test_a_wrong_phone_or_code_is_not_found_and_changes_nothing(api, citizen, anonymous, gro):
    grievance_accept(grievance_id=citizen.pk, actor=gro)
    grievance_request_info(grievance_id=citizen.pk, actor=gro, question="When?")
    for grievance, proof in [(citizen, {"phone": "01812345678"}), (anonymous.grievance, {"code": "AAAAA-BBBBB"})]:
        response = post(api, grievance, "reply", answer="x", **proof)
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND
    assert Grievance.objects.get(pk=citizen.pk).status == "awaiting_info"


def test_a_phone_or_code_is_required(api, citizen):
    response = post(api, citizen, "reply", answer="x")
    assert response.status_code == 400 and "phone" in response.json()


def test_reply_when_nothing_was_asked_is_a_conflict(api, citizen):
    response = post(api, citizen, "reply", phone=PHONE, answer="Unasked")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("rating", [0, 6, "five", None])
def test_a_rating_outside_1_to_5_is_refused(api, citizen, gro, rating):
    grievance_accept(grievance_id=citizen.pk, actor=gro)
    grievance_resolve(grievance_id=citizen.pk, actor=gro, resolution="Paid")
    response = post(api, citizen, "feedback", phone=PHONE, rating=rating)
    assert response.status_code == 400 and "rating" in response.json()
    assert not Feedback.objects.exists()


def test_feedback_after_resolution_closes_and_is_kept(api, citizen, gro):
    assert post(api, citizen, "feedback", phone=PHONE, rating=5).status_code == 409  # nothing settled yet
    grievance_accept(grievance_id=citizen.pk, actor=gro)
    grievance_resolve(grievance_id=citizen.pk, actor=gro, resolution="Paid in full")
    response = post(api, citizen, "feedback", phone=PHONE, rating=2, comment="Took too long")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    feedback = Feedback.objects.get(grievance=citizen)
    assert (feedback.rating, feedback.comment) == (2, "Took too long")
    assert post(api, citizen, "feedback", phone=PHONE, rating=3).status_code == 409


def test_appeal_by_phone_after_resolution(api, citizen, gro):
    grievance_accept(grievance_id=citizen.pk, actor=gro)
    grievance_resolve(grievance_id=citizen.pk, actor=gro, resolution="Paid half")
    response = post(api, citizen, "appeal", phone=PHONE, reason="Only half was paid")
    assert response.status_code == 200
    assert response.json()["status"] == "appealed"
    assert response.json()["events"][-1] == {
        "kind": "appealed",
        "at": response.json()["events"][-1]["at"],
        "status": "appealed",
        "note": "Only half was paid",
    }


def test_appeal_by_code_after_rejection(api, anonymous, gro):
    grievance_reject(grievance_id=anonymous.grievance.pk, actor=gro, reason="No details")
    response = post(api, anonymous.grievance, "appeal", code=anonymous.access_code, reason="Details are attached")
    assert response.status_code == 200 and response.json()["status"] == "appealed"


def test_appeal_before_the_deadline_of_an_open_grievance_is_refused_then_allowed_after(api, citizen, gro):
    grievance_accept(grievance_id=citizen.pk, actor=gro)
    early = post(api, citizen, "appeal", phone=PHONE, reason="Nothing happens")
    assert early.status_code == 409
    assert early.json()["code"] == "appeal_too_early"
    assert citizen.due_date.strftime("%d/%m/%Y") in early.json()["detail"]
    Grievance.objects.filter(pk=citizen.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    late = post(api, citizen, "appeal", phone=PHONE, reason="Nothing happens")
    assert late.status_code == 200 and late.json()["status"] == "appealed"


def test_an_appeal_needs_a_reason(api, citizen, gro):
    grievance_reject(grievance_id=citizen.pk, actor=gro, reason="Out of remit")
    response = post(api, citizen, "appeal", phone=PHONE, reason="")
    assert response.status_code == 400 and "reason" in response.json()


def test_a_mistyped_tracking_number_asks_to_check_it(api, citizen):
    wrong = citizen.tracking_number[:-1] + str((int(citizen.tracking_number[-1]) + 1) % 10)
    response = api.post(f"/api/v1/track/{wrong}/appeal/", {"phone": PHONE, "reason": "r"}, format="json")
    assert response.status_code == 400 and "check" in response.json()["tracking_number"][0]
