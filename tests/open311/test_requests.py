"""GET Service Requests, GET Service Request and GET service_request_id from a token: fields, status
mapping, filters, the 90-day window, the 1000-request bound, and the switch that stops the public list."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from grievances import clock
from grievances.models import Grievance
from grievances.services import (
    grievance_accept,
    grievance_appeal,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
)
from grievances.workflow import Status
from tests.open311.conftest import PHONE
from tests.open311.spec import (
    BASE,
    REQUEST_FIELDS,
    REQUEST_STATUSES,
    TOKEN_FIELDS,
    assert_errors,
    both,
    xml_parse,
)

pytestmark = pytest.mark.django_db


def listed(client, **params) -> dict[str, dict]:
    status, requests, root = both(client, "requests", params, HTTP_ACCEPT_LANGUAGE="en")
    assert status == 200, requests
    assert root == "service_requests"
    return {request["service_request_id"]: request for request in requests}


def test_every_request_has_the_specifications_fields(client, world, file_grievance):
    grievance = file_grievance()

    request = listed(client)[grievance.tracking_number]

    assert set(request) == REQUEST_FIELDS
    assert request["status"] in REQUEST_STATUSES
    assert request["service_code"] == str(world["allowance"].pk)
    assert request["service_name"] == "Old age allowance"
    assert request["description"] == "Allowance not paid since March"  # the subject, never the description
    assert request["agency_responsible"] == "Upazila Social Services Office, Ulipur"
    assert request["media_url"] is None and request["zipcode"] is None


def test_dates_are_w3c_with_the_offset_and_the_due_date_is_expected(client, world, file_grievance):
    grievance = file_grievance()

    request = listed(client)[grievance.tracking_number]

    requested = datetime.fromisoformat(request["requested_datetime"])
    assert request["requested_datetime"].endswith("+06:00")
    assert abs(requested - grievance.submitted_at) < timedelta(seconds=1)
    assert request["updated_datetime"] == request["requested_datetime"]
    assert request["expected_datetime"] == f"{grievance.due_date.isoformat()}T23:59:59+06:00"
    assert grievance.due_date.strftime("%d/%m/%Y") in request["service_notice"]


def test_location_is_the_holding_offices_area_with_the_nearest_coordinates(client, world, file_grievance):
    grievance = file_grievance()

    request = listed(client)[grievance.tracking_number]

    assert request["address"] == "Ulipur, Kurigram, Rangpur"
    assert request["address_id"] == f"upazila-{world['upazila'].source_id}"
    assert (request["lat"], request["long"]) == (25.805445, 89.636174)  # the district's: the upazila has none


def test_grs_statuses_map_to_open_and_closed(client, world, file_grievance):
    gro = world["gro"]
    submitted = file_grievance()
    in_progress = grievance_accept(grievance_id=file_grievance().pk, actor=gro)
    awaiting = file_grievance()
    grievance_accept(grievance_id=awaiting.pk, actor=gro)
    awaiting = grievance_request_info(grievance_id=awaiting.pk, actor=gro, question="Which month?")
    resolved = file_grievance()
    grievance_accept(grievance_id=resolved.pk, actor=gro)
    resolved = grievance_resolve(grievance_id=resolved.pk, actor=gro, resolution="Paid on 3 May.")
    rejected = grievance_reject(grievance_id=file_grievance().pk, actor=gro, reason="Not this office's.")
    appealed = file_grievance()
    grievance_accept(grievance_id=appealed.pk, actor=gro)
    grievance_resolve(grievance_id=appealed.pk, actor=gro, resolution="Paid.")
    appealed = grievance_appeal(number=appealed.tracking_number, reason="Not paid at all.", phone=PHONE)

    requests = listed(client)

    expected = {
        submitted: ("open", "Submitted"),
        in_progress: ("open", "In progress"),
        awaiting: ("open", "Awaiting information"),
        appealed: ("open", "Appealed"),
        resolved: ("closed", "Resolved"),
        rejected: ("closed", "Rejected"),
    }
    for grievance, (status, notes) in expected.items():
        request = requests[grievance.tracking_number]
        assert (request["status"], request["status_notes"]) == (status, notes), grievance.status
    # The office's note to the complainant is theirs, not the public's.
    assert "Paid on 3 May." not in str(requests)
    closed = Grievance.objects.get(pk=resolved.pk)
    assert datetime.fromisoformat(requests[resolved.tracking_number]["updated_datetime"]) == closed.closed_at.replace(
        microsecond=0
    )
    assert set(listed(client, status="open")) == {
        g.tracking_number for g in (submitted, in_progress, awaiting, appealed)
    }
    assert set(listed(client, status="closed")) == {resolved.tracking_number, rejected.tracking_number}
    assert len(listed(client, status="open,closed")) == 6


def test_updated_datetime_follows_the_last_step(client, world, file_grievance):
    grievance = file_grievance()
    later = timezone.now() + timedelta(hours=3)
    with clock.simulated_time(later):
        grievance_accept(grievance_id=grievance.pk, actor=world["gro"])

    request = listed(client)[grievance.tracking_number]

    assert datetime.fromisoformat(request["updated_datetime"]) == later.replace(microsecond=0)


def test_service_code_filter_takes_a_comma_separated_list(client, world, file_grievance):
    allowance = file_grievance()
    land = file_grievance(service=world["land"])

    assert set(listed(client, service_code=str(world["allowance"].pk))) == {allowance.tracking_number}
    both_codes = f"{world['allowance'].pk},{world['land'].pk}"
    assert set(listed(client, service_code=both_codes)) == {allowance.tracking_number, land.tracking_number}
    assert listed(client, service_code="999999") == {}


def test_the_window_defaults_to_the_last_90_days(client, world, file_grievance):
    with clock.simulated_time(timezone.now() - timedelta(days=100)):
        old = file_grievance()
    recent = file_grievance()

    assert set(listed(client)) == {recent.tracking_number}
    old_day = timezone.localtime(old.submitted_at).date()
    window = {"start_date": f"{old_day - timedelta(days=1)}T00:00:00+06:00", "end_date": f"{old_day}"}
    assert set(listed(client, **window)) == {old.tracking_number}
    # start_date alone: 90 days from it.
    assert set(listed(client, start_date=f"{old_day}T00:00:00+06:00")) == {old.tracking_number}
    # end_date alone: the 90 days before it.
    assert set(listed(client, end_date=timezone.now().isoformat())) == {recent.tracking_number}


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2024-03-01T00:00:00Z", "end_date": "2024-02-01T00:00:00Z"}, "before"),
        ({"start_date": "last tuesday"}, "W3C"),
        ({"end_date": "0001-01-01T00:00:00Z"}, "1900"),
        ({"status": "pending"}, "open, closed"),
        ({"service_code": "old-age"}, "service_code"),
    ],
)
def test_bad_filters_are_400_in_the_error_format(client, world, params, words):
    status, errors, root = both(client, "requests", params, HTTP_ACCEPT_LANGUAGE="en")

    assert status == 400 and root == "errors"
    assert words in assert_errors(errors, 400)[0]


def test_service_request_ids_override_every_other_filter(client, world, file_grievance):
    with clock.simulated_time(timezone.now() - timedelta(days=400)):
        old = file_grievance()
    recent = file_grievance()
    other = file_grievance()

    ids = f"{old.tracking_number}, {recent.tracking_number},12345,not-a-number"
    found = listed(client, service_request_id=ids, status="closed", start_date="2000-01-01T00:00:00Z")

    assert set(found) == {old.tracking_number, recent.tracking_number}
    assert other.tracking_number not in found


def test_the_list_is_bounded_newest_first(client, world, file_grievance, monkeypatch):
    monkeypatch.setattr("open311.selectors.MAX_REQUESTS", 3)
    numbers = []
    for hours in (5, 4, 3, 2, 1):
        with clock.simulated_time(timezone.now() - timedelta(hours=hours)):
            numbers.append(file_grievance().tracking_number)

    response = client.get(f"{BASE}/requests.json")

    assert [request["service_request_id"] for request in response.json()] == numbers[::-1][:3]


def test_simulated_pilot_grievances_are_not_service_requests(client, world, file_grievance):
    real = file_grievance()
    simulated = file_grievance(simulated=True)

    assert set(listed(client)) == {real.tracking_number}
    assert both(client, f"requests/{simulated.tracking_number}")[0] == 404


def test_the_list_reads_a_fixed_number_of_queries(client, world, file_grievance, django_assert_max_num_queries):
    for _n in range(8):
        grievance_accept(grievance_id=file_grievance().pk, actor=world["gro"])

    with django_assert_max_num_queries(1):
        response = client.get(f"{BASE}/requests.xml")

    assert len(xml_parse(response.content)) == 8


def test_one_request_is_a_list_of_one(client, world, file_grievance):
    grievance = file_grievance()
    number = grievance.tracking_number

    for asked in (number, f"{number[:4]}-{number[4:8]}-{number[8:]}"):
        status, requests, root = both(client, f"requests/{asked}")
        assert status == 200 and root == "service_requests"
        (request,) = requests
        assert set(request) == REQUEST_FIELDS
        assert request["service_request_id"] == number


@pytest.mark.parametrize("number", ["1234567890", "12", "abc"])
def test_an_unknown_request_is_404_in_the_error_format(client, world, file_grievance, number):
    file_grievance()

    status, errors, root = both(client, f"requests/{number}")

    assert status == 404 and root == "errors"
    assert_errors(errors, 404)


def test_a_token_is_the_service_request_id_since_requests_are_filed_at_once(client, world, file_grievance):
    grievance = file_grievance()

    status, answers, _root = both(client, f"tokens/{grievance.tracking_number}")
    assert status == 200
    (answer,) = answers
    assert set(answer) == TOKEN_FIELDS
    assert answer == {"service_request_id": grievance.tracking_number, "token": grievance.tracking_number}
    assert both(client, "tokens/1234567890")[0] == 404


def test_the_public_list_can_be_turned_off(client, world, file_grievance, settings):
    settings.GRS_OPEN311_PUBLIC_REQUESTS = False
    grievance = file_grievance()

    status, errors, _root = both(client, "requests", HTTP_ACCEPT_LANGUAGE="en")
    assert status == 404
    assert "service_request_id" in assert_errors(errors, 404)[0]
    # Whoever holds a tracking number still reads it.
    assert set(listed(client, service_request_id=grievance.tracking_number)) == {grievance.tracking_number}
    assert both(client, f"requests/{grievance.tracking_number}")[0] == 200


def test_reads_are_rate_limited_per_address(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "open311_read": "2/hour"},
    }

    assert [client.get(f"{BASE}/requests.json").status_code for _n in range(2)] == [200, 200]
    refused = client.get(f"{BASE}/requests.json")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert_errors(refused.json(), 429)
    assert client.get(f"{BASE}/requests.json", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_grievance_without_a_service_is_listed_with_its_own_name(client, world):
    from grievances.services import grievance_file

    grievance = grievance_file(
        type="anonymous", office=world["office"], subject="Bribe at the union office", description="..."
    ).grievance

    request = listed(client)[grievance.tracking_number]

    assert request["service_code"] is None
    assert request["service_name"]
    assert request["status"] == "open"
    assert Grievance.objects.get(pk=grievance.pk).status == Status.SUBMITTED
