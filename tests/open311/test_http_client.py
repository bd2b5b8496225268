"""A GeoReport v2 client written from the specification drives the endpoint over real HTTP, as an outside
application would: discover, list services, file a request form-encoded with its key, follow it.

(The Open311 clients on PyPI do not fit: ``open311`` and ``three`` are Python 2 code, and ``georeport``,
which reads services and requests but cannot file, pins an ``xmltodict`` with a published advisory.)
"""

import pytest
import requests

from grievances.models import Grievance
from tests.open311.spec import (
    BASE,
    CONTENT_TYPES,
    DISCOVERY_FIELDS,
    POST_RESPONSE_FIELDS,
    REQUEST_FIELDS,
    SERVICE_DEFINITION_FIELDS,
    SERVICE_FIELDS,
    SPECIFICATION,
    spark,
    xml_parse,
)

pytestmark = pytest.mark.django_db(transaction=True)


class GeoReportClient:
    """GET and POST as the specification describes them: ``{resource}.{format}``, the jurisdiction_id on
    every call, the api_key in a form-encoded body, errors as HTTP statuses."""

    def __init__(self, root: str, *, jurisdiction: str, fmt: str, api_key: str = "", locale: str = ""):
        self.root, self.jurisdiction, self.fmt, self.api_key, self.locale = root, jurisdiction, fmt, api_key, locale

    def _params(self, **params) -> dict:
        return {**params, "jurisdiction_id": self.jurisdiction, **({"locale": self.locale} if self.locale else {})}

    def _read(self, response: requests.Response):
        response.raise_for_status()
        assert response.headers["Content-Type"] == CONTENT_TYPES[self.fmt]
        return response.json() if self.fmt == "json" else spark(xml_parse(response.content))

    def get(self, resource: str, **params):
        return self._read(requests.get(f"{self.root}/{resource}.{self.fmt}", params=self._params(**params), timeout=30))

    def discovery(self):
        return self.get("discovery")

    def services(self):
        return self.get("services")

    def service_definition(self, code: str):
        return self.get(f"services/{code}")

    def service_requests(self, **filters):
        return self.get("requests", **filters)

    def service_request(self, number: str):
        (request,) = self.get(f"requests/{number}")
        return request

    def create(self, **fields):
        body = self._params(api_key=self.api_key, **fields)
        (answer,) = self._read(requests.post(f"{self.root}/requests.{self.fmt}", data=body, timeout=30))
        return answer


@pytest.fixture
def clients(live_server, settings, api_key):
    settings.GRS_OPEN311_JURISDICTION = "grs.gov.bd"
    root = f"{live_server.url}{BASE}"
    return {
        fmt: GeoReportClient(root, jurisdiction="grs.gov.bd", fmt=fmt, api_key=api_key, locale="en")
        for fmt in ("json", "xml")
    }


def test_a_client_discovers_lists_files_and_follows_over_http(clients, world, live_server):
    for fmt, client in clients.items():
        discovery = client.discovery()
        assert set(discovery) == DISCOVERY_FIELDS, fmt
        (endpoint,) = discovery["endpoints"]
        assert (endpoint["specification"], endpoint["url"]) == (SPECIFICATION, f"{live_server.url}{BASE}"), fmt

        services = client.services()
        assert all(set(service) == SERVICE_FIELDS for service in services), fmt
        allowance = next(s for s in services if s["group"] == "Social Protection")
        definition = client.service_definition(allowance["service_code"])
        assert set(definition) == SERVICE_DEFINITION_FIELDS, fmt

        answer = client.create(
            service_code=allowance["service_code"],
            description="পেনশন পাইনি।\nThe allowance stopped in March.",
            first_name="রহিমা",
            last_name="খাতুন",
            phone="+8801712345678",
            lat="25.65",
            long="89.63",
        )
        assert set(answer) == POST_RESPONSE_FIELDS, fmt
        number = answer["service_request_id"]
        grievance = Grievance.objects.get(tracking_number=number)
        assert grievance.complainant_name == "রহিমা খাতুন"  # UTF-8 form data arrives whole
        assert grievance.subject == "পেনশন পাইনি।"

        followed = client.service_request(number)
        assert set(followed) == REQUEST_FIELDS, fmt
        assert (followed["status"], followed["service_code"]) == ("open", allowance["service_code"]), fmt
        listed = client.service_requests(service_code=allowance["service_code"], status="open")
        assert number in {request["service_request_id"] for request in listed}, fmt


def test_a_client_sees_refusals_as_http_errors(clients, world):
    for fmt, client in clients.items():
        with pytest.raises(requests.HTTPError) as unknown:
            client.service_definition("999999")
        assert unknown.value.response.status_code == 404, fmt

        client.api_key = "grs311_wrong"
        with pytest.raises(requests.HTTPError) as refused:
            client.create(service_code=str(world["allowance"].pk), description="Allowance not paid")
        assert refused.value.response.status_code == 403, fmt
