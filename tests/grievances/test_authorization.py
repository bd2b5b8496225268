"""The authorisation matrix: every role × every official endpoint × a grievance in and out of its scope.

Outside a user's scope a grievance does not exist for them: 404, with the very body a never-issued
number gets, and nothing of the grievance in it. A user who may see a grievance but whose role may
not take an action is refused with 403. Nobody signed in gets 401.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from grievances import tracking
from grievances.models import Grievance
from grievances.services import grievance_accept, grievance_appeal, grievance_file, grievance_resolve
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"
SUBJECT = "Widow allowance card withheld by the union office"

ENDPOINTS = ("detail", "accept", "request-info", "hearing", "forward", "resolve", "reject", "close", "decide-appeal")

# What each role gets on each endpoint, for a grievance held at office A (a district office under the
# Ministry of Social Welfare) and for one held at office B (under the Ministry of Food). Columns follow
# ENDPOINTS; each action is tried on a grievance in a status that allows it.
MATRIX = {
    #                       detail acc  info hear fwd  res  rej  close decide
    "cabinet_monitor": ("200 403 403 403 403 403 403 403 403", "200 403 403 403 403 403 403 403 403"),
    "focal_point_mosw": ("200 403 403 403 403 403 403 403 403", "404 404 404 404 404 404 404 404 404"),
    "gro_a": ("200 200 200 200 200 200 200 200 403", "404 404 404 404 404 404 404 404 404"),
    "gro_b": ("404 404 404 404 404 404 404 404 404", "200 200 200 200 200 200 200 200 403"),
    "appeal_officer_a": ("200 403 403 200 403 403 403 403 200", "404 404 404 404 404 404 404 404 404"),
    "former_gro_a": ("404 404 404 404 404 404 404 404 404", "404 404 404 404 404 404 404 404 404"),
    "udc_operator": ("404 404 404 404 404 404 404 404 404", "404 404 404 404 404 404 404 404 404"),
    "hotline_agent": ("404 404 404 404 404 404 404 404 404", "404 404 404 404 404 404 404 404 404"),
    "employee_a": ("404 404 404 404 404 404 404 404 404", "404 404 404 404 404 404 404 404 404"),
    "no_role": ("404 404 404 404 404 404 404 404 404", "404 404 404 404 404 404 404 404 404"),
    "anonymous": ("401 401 401 401 401 401 401 401 401", "401 401 401 401 401 401 401 401 401"),
}

CASES = [
    pytest.param(role, endpoint, office, int(code), id=f"{role}-{endpoint}-{office}")
    for role, rows in MATRIX.items()
    for office, row in zip("AB", rows, strict=True)
    for endpoint, code in zip(ENDPOINTS, row.split(), strict=True)
]

# Which of the grievances at A (one submitted, one appealed) and at B each role finds in its inbox.
INBOX = {
    "cabinet_monitor": set(),
    "focal_point_mosw": set(),
    "gro_a": {"A", "A-appealed"},
    "gro_b": {"B"},
    "appeal_officer_a": {"A-appealed"},
    "former_gro_a": set(),
    "udc_operator": set(),
    "hotline_agent": set(),
    "employee_a": set(),
    "no_role": set(),
}


@pytest.fixture
def world():
    cabinet = OfficeFactory(code="CABINET", name_en="Cabinet Division")
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE)
    a = OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT)
    a_below = OfficeFactory(code="USSO-ULIPUR", parent=a, layer=Office.Layer.UPAZILA)
    union = OfficeFactory(code="UP-DHARANIBARI", parent=a_below, layer=Office.Layer.UNION)
    mofood = OfficeFactory(code="MOFOOD", name_en="Ministry of Food")
    b = OfficeFactory(code="DCF-KURIGRAM", parent=mofood, layer=Office.Layer.DISTRICT)
    b_below = OfficeFactory(code="UCF-ULIPUR", parent=b, layer=Office.Layer.UPAZILA)

    def officer(role, office, **dates):
        return AppointmentFactory(role=role, office=office, **dates).user

    today = timezone.localdate()
    users = {
        "cabinet_monitor": officer(Role.CABINET_MONITOR, cabinet),
        "focal_point_mosw": officer(Role.FOCAL_POINT, mosw),
        "gro_a": officer(Role.GRO, a),
        "gro_b": officer(Role.GRO, b),
        "appeal_officer_a": officer(Role.APPEAL_OFFICER, a),
        "former_gro_a": officer(
            Role.GRO, a, start_date=today - timedelta(days=400), end_date=today - timedelta(days=1)
        ),
        "udc_operator": officer(Role.UDC_OPERATOR, union),
        "hotline_agent": officer(Role.HOTLINE_AGENT, cabinet),
        "employee_a": officer(Role.EMPLOYEE, a),
        "no_role": UserFactory(),
        "anonymous": None,
    }
    return {"users": users, "A": a, "B": b, "below": {"A": a_below, "B": b_below}}


def file(office, *, anonymous=False):
    identity = {} if anonymous else {"complainant_name": "Rokeya Khatun", "complainant_phone": PHONE}
    return grievance_file(
        type="anonymous" if anonymous else "citizen",
        office=office,
        subject=SUBJECT,
        description="The chairman keeps the card.",
        **identity,
    ).grievance


def prepare(world, endpoint: str, office_key: str) -> Grievance:
    """A grievance at the office, in a status where ``endpoint``'s action is allowed."""
    office = world[office_key]
    gro = world["users"]["gro_a" if office_key == "A" else "gro_b"]
    grievance = file(office, anonymous=endpoint == "close")
    if endpoint in {"request-info", "hearing", "resolve", "decide-appeal"}:
        grievance_accept(grievance_id=grievance.pk, actor=gro)
    if endpoint == "decide-appeal":
        grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="The card was returned.")
        grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="It was not.")
    return Grievance.objects.get(pk=grievance.pk)


def body_for(world, endpoint: str, office_key: str) -> dict:
    return {
        "accept": {},
        "request-info": {"question": "Which month?"},
        "hearing": {"when": "2030-05-01T10:00:00+06:00", "note": "At the office"},
        "forward": {"to_office": world["below"][office_key].code, "reason": "Handled locally"},
        "resolve": {"resolution": "The card was returned."},
        "reject": {"reason": "Not a GRS matter."},
        "close": {"reason": "Nothing to act on.", "severity": "low"},
        "decide-appeal": {"decision": "upheld", "text": "The decision stands."},
    }[endpoint]


def client_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def call(client: APIClient, world, endpoint: str, office_key: str, number: str):
    if endpoint == "detail":
        return client.get(f"/api/v1/grievances/{number}/")
    return client.post(f"/api/v1/grievances/{number}/{endpoint}/", body_for(world, endpoint, office_key), format="json")


def never_issued() -> str:
    while True:
        number = tracking.generate()
        if not Grievance.objects.filter(tracking_number=number).exists():
            return number


@pytest.mark.parametrize(("role", "endpoint", "office_key", "expected"), CASES)
def test_authorisation_matrix(world, role, endpoint, office_key, expected):
    grievance = prepare(world, endpoint, office_key)
    before = (grievance.status, grievance.version, grievance.events.count(), grievance.current_office_id)
    client = client_as(world["users"][role])

    response = call(client, world, endpoint, office_key, grievance.tracking_number)

    assert response.status_code == expected, response.content
    after = Grievance.objects.get(pk=grievance.pk)
    state = (after.status, after.version, after.events.count(), after.current_office_id)
    if expected == 200:
        assert state != before or endpoint == "detail"
        return
    assert state == before  # a refusal changes nothing
    text = response.content.decode()
    if expected in (401, 404):
        # Leaks nothing: no subject, no number, no status, no office, no identity.
        for secret in (SUBJECT, grievance.tracking_number, "Rokeya", world[office_key].code, grievance.status):
            assert secret not in text
    if expected == 404:
        missing = call(client, world, endpoint, office_key, never_issued())
        assert (missing.status_code, missing.content) == (404, response.content)


@pytest.mark.parametrize("role", INBOX)
def test_inbox_matrix(world, role):
    grievances = {"A": file(world["A"]), "B": file(world["B"]), "A-appealed": prepare(world, "decide-appeal", "A")}
    response = client_as(world["users"][role]).get("/api/v1/inbox/")
    assert response.status_code == 200
    listed = {row["tracking_number"] for row in response.json()["results"]}
    assert listed == {grievances[key].tracking_number for key in INBOX[role]}
    if not INBOX[role]:
        assert SUBJECT not in response.content.decode()


def test_the_inbox_refuses_anonymous_users(world):
    file(world["A"])
    response = client_as(None).get("/api/v1/inbox/")
    assert response.status_code == 401
    assert SUBJECT not in response.content.decode()
