"""POST Service Request: the api_key, the arguments, the answer, and the grievance it files in GRS."""

import pytest
from rest_framework.test import APIClient

from grievances.models import Channel, Grievance, GrievanceType
from grievances.selectors import grievance_for_complainant
from open311.models import ApiKey, Open311Filing
from open311.services import api_key_update
from tests.open311.spec import BASE, POST_RESPONSE_FIELDS, assert_errors, parse, post

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def filing(world, api_key, **changes):
    values = {
        "api_key": api_key,
        "jurisdiction_id": "grs.gov.bd",
        "service_code": str(world["allowance"].pk),
        "description": "My old age allowance has not been paid since March.\nThe clerk asks for 500 taka.",
        "first_name": "Rahima",
        "last_name": "Khatun",
        "phone": "01712-345678",
        "email": "rahima@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_request_files_a_grievance_at_the_services_office(client, world, api_key, fmt):
    response = post(client, fmt, **filing(world, api_key))

    assert response.status_code == 201, response.content
    (answer,) = parse(response, fmt)
    assert set(answer) == POST_RESPONSE_FIELDS  # service_request_id, not a token: requests are filed at once
    grievance = Grievance.objects.get(tracking_number=answer["service_request_id"])
    assert answer["account_id"] == "123456"
    assert grievance.tracking_number in answer["service_notice"]
    assert grievance.office == world["office"] and grievance.current_office == world["office"]
    assert grievance.service == world["allowance"]
    assert grievance.type == GrievanceType.CITIZEN
    assert grievance.channel == Channel.MOBILE
    assert grievance.subject == "My old age allowance has not been paid since March."
    assert grievance.description.startswith("My old age allowance")
    assert grievance.complainant_name == "Rahima Khatun"
    assert grievance.complainant_phone == "+8801712345678"  # normalised as everywhere in GRS
    assert grievance.complainant_email == "rahima@example.com"
    assert Open311Filing.objects.get(grievance=grievance).api_key.name == "Union app"
    assert ApiKey.objects.get().last_used_at is not None


def test_the_filed_request_reaches_the_gros_inbox(client, world, api_key):
    number = post(client, **filing(world, api_key)).json()[0]["service_request_id"]

    gro = APIClient()
    gro.force_authenticate(world["gro"])
    inbox = gro.get("/api/v1/inbox/", HTTP_ACCEPT_LANGUAGE="en")

    assert inbox.status_code == 200
    assert number in {row["tracking_number"] for row in inbox.json()["results"]}


def test_the_subject_is_the_first_line_cut_to_150_characters(client, world, api_key):
    long_line = "ক" * 200
    number = post(client, **filing(world, api_key, description=f"\n  {long_line}\nmore")).json()[0][
        "service_request_id"
    ]

    grievance = Grievance.objects.get(tracking_number=number)
    assert len(grievance.subject) == 150 and grievance.subject.endswith("…")
    assert long_line in grievance.description


def test_the_location_is_kept_in_the_description_for_the_gro(client, world, api_key):
    answer = post(
        client,
        headers=EN,
        **filing(world, api_key, address_string="Panchgachhi bazar, Ulipur", lat="25.6501", long="89.6302"),
    )

    grievance = Grievance.objects.get(tracking_number=answer.json()[0]["service_request_id"])
    assert grievance.description.endswith("Location given: Panchgachhi bazar, Ulipur (25.650100, 89.630200)")
    assert grievance.complainant_address == ""  # where the problem is, not where the complainant lives


def test_with_no_name_phone_or_email_the_grievance_is_anonymous_and_its_access_code_is_given_once(
    client, world, api_key
):
    response = post(
        client,
        "xml",
        headers=EN,
        **filing(world, api_key, first_name=None, last_name=None, phone=None, email=None, account_id=None),
    )

    assert response.status_code == 201
    (answer,) = parse(response, "xml")
    assert set(answer) == POST_RESPONSE_FIELDS | {"access_code"}
    assert answer["account_id"] is None
    assert answer["access_code"] in answer["service_notice"]
    grievance = Grievance.objects.get(tracking_number=answer["service_request_id"])
    assert grievance.type == GrievanceType.ANONYMOUS
    assert grievance_for_complainant(grievance.tracking_number, code=answer["access_code"]) == grievance


def test_a_citizen_without_a_phone_gets_an_access_code_too(client, world, api_key):
    answer = post(client, **filing(world, api_key, phone=None)).json()[0]

    assert answer["access_code"]
    assert Grievance.objects.get(tracking_number=answer["service_request_id"]).complainant_name == "Rahima Khatun"


def test_a_phone_or_email_without_a_name_is_refused_rather_than_dropped(client, world, api_key):
    response = post(client, headers=EN, **filing(world, api_key, first_name="", last_name=""))

    assert response.status_code == 400
    (description,) = assert_errors(response.json(), 400)
    assert description.startswith("first_name:")
    assert not Grievance.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "grs311_not-a-key"])
def test_a_missing_or_unknown_api_key_is_403(client, world, fmt, key):
    response = post(client, fmt, headers=EN, **filing(world, key))

    assert response.status_code == 403
    assert "api_key" in assert_errors(parse(response, fmt), 403)[0]
    assert not Grievance.objects.exists()


def test_a_revoked_key_is_403(client, world, api_key):
    key = ApiKey.objects.get()
    api_key_update(key_id=key.pk, actor=None, name=key.name, contact=key.contact, active=False)

    response = post(client, **filing(world, api_key))

    assert response.status_code == 403
    assert not Grievance.objects.exists()


def test_an_unknown_service_code_is_404_and_a_missing_one_400(client, world, api_key):
    unknown = post(client, headers=EN, **filing(world, api_key, service_code="999999", description=None))
    assert unknown.status_code == 404
    assert "999999" in assert_errors(unknown.json(), 404)[0]

    inactive = world["land"]
    inactive.active = False
    inactive.save()
    assert post(client, **filing(world, api_key, service_code=str(inactive.pk))).status_code == 404

    missing = post(client, headers=EN, **filing(world, api_key, service_code=None, description=""))
    assert missing.status_code == 400
    descriptions = assert_errors(missing.json(), 400)
    assert {text.split(":")[0] for text in descriptions} == {"service_code", "description"}  # every error at once
    assert not Grievance.objects.exists()


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"phone": "12345"}, "phone"),
        ({"email": "not an e-mail"}, "email"),
        ({"lat": "25.6"}, "lat and long"),
        ({"lat": "95", "long": "89"}, "lat"),
        ({"lat": "nan", "long": "89"}, "lat"),
        ({"description": "   \n  "}, "description"),
        ({"description": "x" * 10001}, "description"),
    ],
)
def test_invalid_arguments_are_400_and_name_the_argument(client, world, api_key, changes, argument):
    response = post(client, headers=EN, **filing(world, api_key, **changes))

    assert response.status_code == 400, response.content
    assert assert_errors(response.json(), 400)[0].startswith(argument)
    assert not Grievance.objects.exists()


def test_another_jurisdiction_is_404(client, world, api_key):
    response = post(client, **filing(world, api_key, jurisdiction_id="sfgov.org"))

    assert response.status_code == 404
    assert not Grievance.objects.exists()


def test_the_grievance_speaks_the_language_the_request_asked_for(client, world, api_key):
    english = post(client, **filing(world, api_key, locale="en")).json()[0]
    bangla = post(client, **filing(world, api_key, description="ভাতা পাইনি")).json()[0]

    assert Grievance.objects.get(tracking_number=english["service_request_id"]).language == "en"
    assert "Received at Upazila Social Services Office, Ulipur" in english["service_notice"]
    assert Grievance.objects.get(tracking_number=bangla["service_request_id"]).language == "bn"
    assert "উপজেলা সমাজসেবা কার্যালয়, উলিপুর" in bangla["service_notice"]


def test_an_idempotency_key_never_files_twice(client, world, api_key):
    headers = {"Idempotency-Key": "tablet-7-0001"}
    first = post(client, headers=headers, **filing(world, api_key))
    again = post(client, headers=headers, **filing(world, api_key))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Grievance.objects.count() == 1


def test_filings_are_rate_limited_per_key(client, world, api_key, settings):
    from open311.services import api_key_issue

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "open311": "2/hour"},
    }
    other_key = api_key_issue(name="NGO app", actor=None).raw

    codes = [post(client, **filing(world, api_key)).status_code for _n in range(3)]
    assert codes == [201, 201, 429]
    assert_errors(post(client, **filing(world, api_key)).json(), 429)
    assert post(client, **filing(world, other_key)).status_code == 201
    assert Grievance.objects.count() == 3


def test_filing_needs_no_csrf_token(world, api_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert post(strict, **filing(world, api_key)).status_code == 201


def test_requests_take_only_get_and_post(client, world):
    response = client.delete(f"{BASE}/requests.json")

    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
