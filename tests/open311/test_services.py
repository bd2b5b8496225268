"""Discovery, GET Service List and GET Service Definition, in JSON and XML, in Bangla and English."""

import pytest

from charters.services import charter_service_save
from tests.open311.spec import (
    BASE,
    DISCOVERY_FIELDS,
    ENDPOINT_FIELDS,
    SERVICE_DEFINITION_FIELDS,
    SERVICE_FIELDS,
    SERVICE_TYPES,
    SPECIFICATION,
    assert_errors,
    both,
    parse,
)

pytestmark = pytest.mark.django_db


def test_discovery_names_the_georeport_v2_endpoint_and_its_formats(client, world):
    status, document, root = both(client, "discovery")

    assert status == 200 and root == "discovery"
    assert set(document) == DISCOVERY_FIELDS
    assert all(document[field] for field in DISCOVERY_FIELDS)
    (endpoint,) = document["endpoints"]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == SPECIFICATION
    assert endpoint["url"] == f"http://testserver{BASE}"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert endpoint["type"] == "production"


def test_the_endpoint_root_shows_the_discovery_document_in_xml(client, world):
    response = client.get(f"{BASE}/")

    assert response.status_code == 200
    assert set(parse(response, "xml")) == DISCOVERY_FIELDS


def test_discovery_changeset_moves_on_when_a_charter_service_changes(client, world, admin_user):
    before = client.get(f"{BASE}/discovery.json").json()["changeset"]

    charter_service_save(service=world["allowance"], actor=admin_user, timeframe_days=10)

    after = client.get(f"{BASE}/discovery.json").json()["changeset"]
    assert after > before  # sortable, as the specification asks


def test_service_list_has_the_specifications_fields_for_every_active_service(client, world):
    world["land"].active = False
    world["land"].save()

    status, services, root = both(client, "services", HTTP_ACCEPT_LANGUAGE="en")

    assert status == 200 and root == "services"
    (service,) = services
    assert set(service) == SERVICE_FIELDS
    assert service["service_code"] == str(world["allowance"].pk)
    assert service["metadata"] is False
    assert service["type"] in SERVICE_TYPES and service["type"] == "realtime"
    assert service["service_name"] == "Old age allowance"
    assert service["group"] == "Social Protection"
    assert "Old Age Allowance" in service["keywords"] and "USSO-ULIPUR" in service["keywords"]
    assert "Upazila Social Services Office, Ulipur" in service["description"]


def test_service_names_are_bangla_unless_english_is_asked_for(client, world):
    def names(**kwargs):
        headers = {key: value for key, value in kwargs.items() if key.startswith("HTTP_")}
        params = {key: value for key, value in kwargs.items() if not key.startswith("HTTP_")}
        response = client.get(f"{BASE}/services.json", params, **headers)
        return {(s["service_name"], s["group"]) for s in response.json()}, response["Content-Language"]

    bangla = {("বয়স্ক ভাতা প্রদান", "সামাজিক সুরক্ষা"), ("খতিয়ান সংশোধন", "ভূমি")}
    english = {("Old age allowance", "Social Protection"), ("Land record correction", "Land")}
    assert names() == (bangla, "bn")
    assert names(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9") == (english, "en")
    assert names(locale="en_US") == (english, "en")
    assert names(locale="bn", HTTP_ACCEPT_LANGUAGE="en") == (bangla, "bn")


def test_service_list_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(10):
        from tests.factories import CharterServiceFactory

        CharterServiceFactory(office=world["office"], category=world["allowance"].category, name_en=f"More {n}")

    with django_assert_max_num_queries(2):
        response = client.get(f"{BASE}/services.json")
    assert len(response.json()) == 12


def test_service_definition_has_no_attributes_since_metadata_is_false(client, world):
    code = str(world["allowance"].pk)
    status, definition, root = both(client, f"services/{code}")

    assert status == 200 and root == "service_definition"
    assert set(definition) == SERVICE_DEFINITION_FIELDS
    assert definition == {"service_code": code, "attributes": []}


@pytest.mark.parametrize("code", ["999999", "abc", "১২"])
def test_unknown_service_definition_is_404_in_the_error_format(client, world, code):
    status, errors, root = both(client, f"services/{code}", HTTP_ACCEPT_LANGUAGE="en")

    assert status == 404 and root == "errors"
    assert "was not found" in assert_errors(errors, 404)[0]


def test_an_inactive_service_has_no_definition(client, world):
    world["allowance"].active = False
    world["allowance"].save()

    status, errors, _root = both(client, f"services/{world['allowance'].pk}")

    assert status == 404
    assert_errors(errors, 404)


def test_grs_own_jurisdiction_is_accepted_and_any_other_refused(client, world, settings):
    settings.GRS_OPEN311_JURISDICTION = "grs.gov.bd"

    assert both(client, "services", {"jurisdiction_id": "grs.gov.bd"})[0] == 200
    assert both(client, "services", {"jurisdiction_id": "GRS.gov.bd"})[0] == 200
    assert both(client, "services", {"jurisdiction_id": ""})[0] == 200  # empty is the same as absent
    status, errors, _root = both(client, "services", {"jurisdiction_id": "sfgov.org"}, HTTP_ACCEPT_LANGUAGE="en")
    assert status == 404
    assert "sfgov.org" in assert_errors(errors, 404)[0]


def test_anything_else_under_the_endpoint_is_404_in_the_error_format(client, world):
    for path, fmt in ((f"{BASE}/nothing.json", "json"), (f"{BASE}/nothing", "xml"), (f"{BASE}/services", "xml")):
        response = client.get(path)
        assert response.status_code == 404
        assert_errors(parse(response, fmt), 404)


def test_a_method_the_resource_does_not_take_is_405_in_the_error_format(client, world):
    response = client.put(f"{BASE}/services.json")

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert_errors(parse(response, "json"), 405)
