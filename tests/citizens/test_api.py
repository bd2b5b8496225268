"""A citizen signed in with their phone sees every grievance filed with it, however it was filed, and
nothing else; a citizen's token and an official's are no substitute for one another."""

import pytest
from rest_framework.authtoken.models import Token

from grievances import tracking
from grievances.models import Channel
from grievances.services import grievance_accept
from offices.models import Office, Role
from tests.citizens.conftest import OTHER_PHONE, PHONE, file_for, sign_in
from tests.factories import AppointmentFactory, OfficeFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/citizen/grievances/"


@pytest.fixture
def gro(office):
    return AppointmentFactory(role=Role.GRO, office=office).user


@pytest.fixture
def filed_every_way(office, gro):
    """One grievance for PHONE through each channel: the citizen's own, and those operators filed for them."""
    union = OfficeFactory(code="UP-1", layer=Office.Layer.UNION, parent=office)
    udc = AppointmentFactory(role=Role.UDC_OPERATOR, office=union).user
    hotline = AppointmentFactory(role=Role.HOTLINE_AGENT, office=office).user
    by_channel = {
        Channel.WEB: file_for(office, subject="web"),
        Channel.MOBILE: file_for(office, subject="mobile", channel=Channel.MOBILE),
        Channel.UDC: file_for(office, subject="udc", channel=Channel.UDC, actor=udc),
        Channel.HOTLINE: file_for(office, subject="hotline", channel=Channel.HOTLINE, actor=hotline),
        Channel.PAPER: file_for(office, subject="paper", channel=Channel.PAPER, actor=gro),
        Channel.SMS: file_for(office, subject="sms", channel=Channel.SMS, phone="01712345678"),
    }
    assert all(g.complainant_phone == PHONE for g in by_channel.values())
    return by_channel


def test_the_list_has_every_grievance_filed_with_the_phone_newest_first(api, filed_every_way, office):
    file_for(office, phone=OTHER_PHONE, subject="someone else's")
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {sign_in(api)}")
    answer = api.get(LIST)
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [row["subject"] for row in rows] == ["sms", "paper", "hotline", "udc", "mobile", "web"]
    assert {row["channel"] for row in rows} == set(Channel.values)
    assert set(rows[0]) == {
        "tracking_number",
        "subject",
        "channel",
        "status",
        "office",
        "office_name_en",
        "office_name_bn",
        "submitted_at",
        "due_date",
        "overdue",
    }  # the public fields only: no name, phone, address or description


def test_another_phone_sees_none_of_them(api, filed_every_way):
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {sign_in(api, OTHER_PHONE)}")
    assert api.get(LIST).json()["results"] == []
    for grievance in filed_every_way.values():
        answer = api.get(f"{LIST}{grievance.tracking_number}/")
        assert answer.status_code == 404


def test_one_grievance_with_its_public_timeline(api, office, gro):
    grievance = file_for(office)
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {sign_in(api)}")
    answer = api.get(f"{LIST}{tracking.display(grievance.tracking_number)}/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["tracking_number"] == grievance.tracking_number and body["status"] == "in_progress"
    assert [event["kind"] for event in body["events"]] == ["submitted", "accepted"]
    assert "internal_note" not in body["events"][0] and "complainant_name" not in body


def test_a_mistyped_number_is_told_to_check_it(api, office):
    grievance = file_for(office)
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {sign_in(api)}")
    typo = grievance.tracking_number[:-1] + str((int(grievance.tracking_number[-1]) + 1) % 10)
    assert api.get(f"{LIST}{typo}/").status_code == 400


def test_the_list_pages_in_a_fixed_number_of_queries(api, office, django_assert_max_num_queries):
    for n in range(3):
        file_for(office, subject=f"first {n}")
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {sign_in(api)}")
    with django_assert_max_num_queries(3):
        few = api.get(LIST)
    for n in range(25):
        file_for(office, subject=f"more {n}")
    with django_assert_max_num_queries(3):
        many = api.get(LIST, {"page_size": 20})
    assert len(few.json()["results"]) == 3
    assert many.json()["count"] == 28 and len(many.json()["results"]) == 20


def test_without_a_citizen_token_the_list_is_refused(api):
    answer = api.get(LIST)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Citizen"
    api.credentials(HTTP_AUTHORIZATION="Citizen not-a-token")
    assert api.get(LIST).status_code == 401


def test_an_officials_token_or_session_is_no_citizen(api, office, gro):
    gro.phone = PHONE
    gro.save()
    file_for(office)  # a grievance with the official's own phone number: still not theirs to list this way
    token = Token.objects.create(user=gro)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(LIST).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Citizen {token.key}")
    assert api.get(LIST).status_code == 401
    api.credentials()
    api.force_login(gro)
    assert api.get(LIST).status_code == 401


def test_a_citizens_token_opens_nothing_of_an_officials(api, office, gro):
    grievance = file_for(office)
    token = sign_in(api)
    for header in (f"Citizen {token}", f"Token {token}"):
        api.credentials(HTTP_AUTHORIZATION=header)
        assert api.get("/api/v1/inbox/").status_code == 401
        assert api.get(f"/api/v1/grievances/{grievance.tracking_number}/").status_code == 401
        refused = api.post(f"/api/v1/grievances/{grievance.tracking_number}/accept/", {}, format="json")
        assert refused.status_code == 401
    grievance.refresh_from_db()
    assert grievance.status == "submitted"
