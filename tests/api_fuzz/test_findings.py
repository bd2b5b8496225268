"""What fuzzing the API found, each pinned by the request that showed it."""

import jsonschema
import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from charters.models import CharterService
from tests.api_fuzz.conftest import ACCESS_CODE, TRACKING_NUMBERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def gro(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world['gro']}", HTTP_ACCEPT_LANGUAGE="en")
    # An unhandled error is answered 500, as it would be in production, instead of raised into the test.
    client.raise_request_exception = False
    return client


def client_for(world, role: str = "") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en", **({"HTTP_AUTHORIZATION": f"Token {world[role]}"} if role else {}))
    return client


def test_every_refusal_is_documented_with_the_body_it_has(world, client):
    # The schema listed only the answers that succeed: every 400, 401, 403, 404 and 409 was undocumented.
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    submitted, accepted_anonymous, resolved = TRACKING_NUMBERS[:3]
    refusals = [
        ("get", "/api/v1/inbox/", "/api/v1/inbox/", "", {}, 401),
        ("get", "/api/v1/offices/", "/api/v1/offices/", "", {"layer": "galaxy"}, 400),
        ("get", "/api/v1/offices/{code}/", "/api/v1/offices/NOWHERE/", "", {}, 404),
        ("get", "/api/v1/track/{tracking_number}/", "/api/v1/track/12345/", "", {"phone": "01712345678"}, 400),
        (
            "post",
            "/api/v1/grievances/{tracking_number}/accept/",
            f"/api/v1/grievances/{submitted}/accept/",
            "appeal",
            {},
            403,
        ),
        (
            "post",
            "/api/v1/grievances/{tracking_number}/accept/",
            f"/api/v1/grievances/{resolved}/accept/",
            "gro",
            {},
            409,
        ),
        ("get", "/api/v1/dashboard/", "/api/v1/dashboard/", "gro", {"office": "CABINET"}, 404),
        # The access code is the parameter ``code``: its messages share the key with a refusal's code.
        (
            "post",
            "/api/v1/track/{tracking_number}/appeal/",
            f"/api/v1/track/{accepted_anonymous}/appeal/",
            "",
            {"code": ACCESS_CODE * 5},
            400,
        ),
    ]
    for method, operation, url, role, data, status in refusals:
        response = getattr(client_for(world, role), method)(
            url, data, **({"format": "json"} if method == "post" else {})
        )
        assert response.status_code == status, (url, response.content)
        documented = schema["paths"][operation][method]["responses"]
        assert str(status) in documented, (operation, sorted(documented))
        body_schema = documented[str(status)]["content"]["application/json"]["schema"]
        jsonschema.validate(response.json(), {**body_schema, "components": schema["components"]})


def test_an_inbox_service_id_beyond_any_id_is_refused_not_a_server_error(gro):
    # It overflowed SQLite's integers: 500.
    for huge in ["1e30", "-1.7976931348623157e+308", str(2**63)]:
        response = gro.get("/api/v1/inbox/", {"service": huge})
        assert response.status_code == 400, (huge, response.content)
        assert "service" in response.json()
    # A real id still filters: the world's grievances name no service.
    service = CharterService.objects.get(office__code="DSS")
    assert gro.get("/api/v1/inbox/", {"service": service.pk}).json()["count"] == 0
    assert gro.get("/api/v1/inbox/").json()["count"] > 0


def test_inbox_dates_beyond_the_calendar_are_refused_on_the_api_and_the_page(world, gro, client):
    # ?submitted_to=9999-12-31 has no next day, and ?submitted_from=0001-01-01 no start in UTC: 500.
    for name, day in [("submitted_to", "9999-12-31"), ("submitted_from", "0001-01-01")]:
        response = gro.get("/api/v1/inbox/", {name: day})
        assert response.status_code == 400, response.content
        assert response.json()[name] == ["Choose a date between the years 1900 and 2999."]
    assert gro.get("/api/v1/inbox/", {"submitted_from": "1900-01-01", "submitted_to": "2999-12-31"}).json()["count"] > 0
    client.raise_request_exception = False
    client.force_login(Token.objects.get(key=world["gro"]).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # pages follow the language cookie, not the header
    page = client.get("/inbox/", {"submitted_to": "9999-12-31"})
    assert page.status_code == 200
    assert "Choose a date between the years 1900 and 2999." in page.content.decode()


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/dashboard/", {"to": "0001-01-01"}, "to"),
        ("/api/v1/dashboard/", {"from": "9999-12-31"}, "from"),
        ("/api/v1/dashboard/trends/", {"to": "9999-12-31"}, "to"),
        ("/api/v1/dashboard/trends/", {"from": "0001-01-01", "to": "2026-01-01", "interval": "week"}, "from"),
    ],
)
def test_dashboard_dates_beyond_the_calendar_are_refused(gro, url, query, field):
    # The weeks and years around year 1 or 9999 do not exist: 500.
    response = gro.get(url, query)
    assert response.status_code == 400, response.content
    assert response.json()[field] == ["Choose a date between the years 1900 and 2999."]


def test_the_dashboard_page_refuses_a_date_beyond_the_calendar(world, client):
    client.raise_request_exception = False
    client.force_login(Token.objects.get(key=world["gro"]).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/dashboard/", {"to": "0001-01-01"})
    assert page.status_code == 400
    assert "Choose a date between the years 1900 and 2999." in page.content.decode()
    assert client.get("/dashboard/", {"from": "1900-01-01", "to": "2999-12-31"}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/offices/DSS%00/", "/api/v1/offices/DSS%00/children/"])
def test_an_office_code_with_a_nul_is_not_found(world, url):
    # PostgreSQL refuses a NUL in a query: 500 there (SQLite answered 404 all along).
    client = client_for(world)
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 404, response.content
    assert response.json()["detail"].startswith("No active office has the code DSS")
    assert client.get("/api/v1/offices/DSS/children/").json()["results"][0]["code"] == "DSS-KURIGRAM"
