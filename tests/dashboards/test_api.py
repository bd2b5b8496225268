"""GET /api/v1/dashboard/ and /dashboard/trends/: who may ask, what is refused, and in how many queries."""

import pytest
from rest_framework.test import APIClient

from grievances.services import grievance_file
from offices.models import Role
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/"


@pytest.fixture
def offices():
    ministry = OfficeFactory(code="MOSW")
    district = OfficeFactory(code="DSS-K", parent=ministry, layer="district")
    other = OfficeFactory(code="MOFOOD")
    return {"ministry": ministry, "district": district, "other": other}


def client_for(user=None):
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def file(office, n=1):
    for _i in range(n):
        grievance_file(
            type="citizen",
            office=office,
            subject="Allowance",
            description="Not paid",
            complainant_name="Amena",
            complainant_phone="+8801712345678",
        )


def test_a_visitor_who_is_not_signed_in_is_refused():
    response = client_for().get(URL)
    assert response.status_code == 401


def test_users_whose_appointments_give_no_dashboard_are_refused(offices):
    citizen = UserFactory()
    operator = AppointmentFactory(role=Role.UDC_OPERATOR, office=offices["district"]).user
    for user in (citizen, operator):
        response = client_for(user).get(URL)
        assert response.status_code == 403
        assert response.json()["detail"] == "Your appointments give you no dashboard."


def test_an_office_outside_the_scope_answers_like_one_that_does_not_exist(offices):
    focal = AppointmentFactory(role=Role.FOCAL_POINT, office=offices["ministry"]).user
    gro = AppointmentFactory(role=Role.GRO, office=offices["ministry"]).user
    for user, code in [(focal, "MOFOOD"), (focal, "NOPE"), (gro, "DSS-K"), (gro, "MOFOOD")]:
        response = client_for(user).get(URL, {"office": code})
        assert response.status_code == 404, (user, code)
        assert response.json()["detail"] == "No office with this code is in your dashboard."
    assert client_for(focal).get(URL, {"office": "dss-k "}).json()["scope"]["office"] == "DSS-K"
    assert client_for(gro).get(URL, {"office": "MOSW"}).json()["by_office"][0]["code"] == "MOSW"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tab": "citizens"}, "tab"),
        ({"from": "2024-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2024-05-02", "to": "2024-05-01"}, "to"),
        ({"simulated": "perhaps"}, "simulated"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(offices, params, field):
    focal = AppointmentFactory(role=Role.FOCAL_POINT, office=offices["ministry"]).user
    response = client_for(focal).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_trends_refuse_an_unknown_interval_and_too_many_weeks(offices):
    focal = AppointmentFactory(role=Role.FOCAL_POINT, office=offices["ministry"]).user
    api = client_for(focal)
    assert "interval" in api.get(URL + "trends/", {"interval": "day"}).json()
    response = api.get(URL + "trends/", {"interval": "week", "from": "2000-01-01", "to": "2024-01-01"})
    assert response.status_code == 400


def test_the_contract_fields_and_trends(offices):
    file(offices["district"], 3)
    focal = AppointmentFactory(role=Role.FOCAL_POINT, office=offices["ministry"]).user
    api = client_for(focal)
    body = api.get(URL, {"tab": "citizen"}).json()
    for key in ("received", "resolved", "rejected", "forwarded", "pending", "overdue", "appealed"):
        assert key in body["totals"] and all(key in row for row in body["by_office"])
    assert body["totals"]["received"] == 3 and body["totals"]["pending"] == 3
    assert [row["code"] for row in body["by_office"]] == ["MOSW", "DSS-K"]
    assert api.get(URL, {"tab": "anonymous"}).json()["totals"]["received"] == 0
    trends = api.get(URL + "trends/", {"interval": "week"}).json()
    assert trends["interval"] == "week" and len(trends["points"]) == 12
    assert trends["points"][-1]["received"] == 3


def test_the_dashboard_takes_as_many_queries_for_many_grievances_as_for_few(offices, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cabinet = AppointmentFactory(role=Role.CABINET_MONITOR, office=offices["ministry"]).user
    focal = AppointmentFactory(role=Role.FOCAL_POINT, office=offices["ministry"]).user

    def queries(user, **params):
        with CaptureQueriesContext(connection) as captured:
            assert client_for(user).get(URL, params).status_code == 200
        return len(captured)

    file(offices["district"])
    few = {user.pk: queries(user) for user in (cabinet, focal)}
    few_narrowed = queries(focal, office="DSS-K", **{"from": "2024-01-15", "to": "2025-03-02"})
    for office in (offices["district"], offices["ministry"], offices["other"]):
        file(office, 8)
    assert {user.pk: queries(user) for user in (cabinet, focal)} == few
    assert queries(focal, office="DSS-K", **{"from": "2024-01-15", "to": "2025-03-02"}) == few_narrowed
    # Scope, offices, one per breakdown, the category, programme and district names; on PostgreSQL also the
    # planner settings of the dashboard's transaction (a savepoint and its release inside the test's).
    settings_queries = 3 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(10 + settings_queries) as dashboard:
        client_for(focal).get(URL, {"office": "DSS-K"})
    with django_assert_max_num_queries(4 + settings_queries) as trends:
        client_for(focal).get(URL + "trends/")
    read = [query["sql"] for query in dashboard.captured_queries + trends.captured_queries]
    assert any("dashboards_tally" in sql for sql in read)
    assert not any("grievances_grievance" in sql for sql in read)  # never a scan of the grievances
