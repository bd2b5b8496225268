"""Nothing a GET answers identifies a complainant: no name, phone, e-mail, address or description,
whatever the format, language or resource; and what a citizen typed cannot break the XML."""

import pytest

from tests.open311.conftest import ADDRESS, EMAIL, NAME, PHONE
from tests.open311.spec import BASE, parse, post, xml_parse

pytestmark = pytest.mark.django_db

IDENTITY = [NAME, "Rahima", PHONE, PHONE[1:], "01712345678", EMAIL, ADDRESS, "Panchgachhi", "500 taka"]


def every_get(client, numbers: list[str]):
    """Every GET resource that shows a grievance, in both formats and both languages."""
    paths = ["requests", f"requests?service_request_id={','.join(numbers)}"]
    paths += [f"requests/{number}" for number in numbers] + [f"tokens/{number}" for number in numbers]
    for path in paths:
        resource, _sep, query = path.partition("?")
        for fmt in ("json", "xml"):
            for language in ("bn", "en"):
                response = client.get(f"{BASE}/{resource}.{fmt}?{query}", HTTP_ACCEPT_LANGUAGE=language)
                assert response.status_code == 200, (path, response.content)
                yield path, response.content.decode()


def test_no_get_shows_the_complainants_identity_or_description(client, world, file_grievance, api_key):
    citizen = file_grievance()
    anonymous = file_grievance(anonymous=True, subject="Bribe asked at the union office")
    through_open311 = post(
        client,
        api_key=api_key,
        service_code=str(world["allowance"].pk),
        description="Allowance stopped\nI am Rahima Khatun, 01712345678, rahima@example.com, 500 taka asked.",
        first_name="Rahima",
        last_name="Khatun",
        phone=PHONE,
        email=EMAIL,
        address_string="Panchgachhi",
    ).json()[0]["service_request_id"]
    numbers = [citizen.tracking_number, anonymous.tracking_number, through_open311]

    seen = 0
    for path, body in every_get(client, numbers):
        for secret in IDENTITY:
            assert secret not in body, (path, secret)
        seen += 1
    assert seen == 2 * 2 * (2 + 2 * len(numbers))
    # They are listed all the same, by subject: the anonymous one with nothing about who filed it.
    listed = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert listed[anonymous.tracking_number]["description"] == "Bribe asked at the union office"
    assert listed[through_open311]["description"] == "Allowance stopped"


def test_markup_and_control_characters_in_a_subject_leave_the_xml_well_formed(client, world, file_grievance):
    grievance = file_grievance(subject="<request>&amp; \x0b\x1b unpaid</request> ]]>")

    response = client.get(f"{BASE}/requests/{grievance.tracking_number}.xml")

    assert response.status_code == 200
    root = xml_parse(response.content)  # parses: nothing the citizen typed became markup
    (request,) = root
    assert request.find("description").text == "<request>&amp;  unpaid</request> ]]>"
    assert parse(client.get(f"{BASE}/requests/{grievance.tracking_number}.json"), "json")[0]["description"].startswith(
        "<request>&amp;"
    )
