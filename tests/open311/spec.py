"""Open311 GeoReport v2 as its specification writes it (http://wiki.open311.org/GeoReport_v2 and its
Service Discovery page), and a small client built from it.

The field lists are the specification's response tables. The client asks for a resource in JSON and in
XML, checks the content type, the encoding and the XML declaration, and reads the XML back by the
specification's JSON mapping (the Spark convention), so one test can compare both answers field by field.
"""

import json
from urllib.parse import urlencode
from xml.etree import ElementTree

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
BASE = "/open311/v2"

# GET Service List: services ⇊ service ↴
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
SERVICE_TYPES = {"realtime", "batch", "blackbox"}
# GET Service Definition: service_definition ↴ (attributes ⇊ attribute ↴ …: none here, metadata is false)
SERVICE_DEFINITION_FIELDS = {"service_code", "attributes"}
# POST Service Request: service_requests ⇊ request ↴ (token only when service_request_id is not returned)
POST_RESPONSE_FIELDS = {"service_request_id", "service_notice", "account_id"}
# GET service_request_id from a token: service_requests ⇊ request ↴
TOKEN_FIELDS = {"service_request_id", "token"}
# GET Service Requests and GET Service Request: service_requests ⇊ request ↴
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
REQUEST_STATUSES = {"open", "closed"}
# Errors: errors ⇊ error ↴
ERROR_FIELDS = {"code", "description"}
# Service Discovery: "All fields are required."
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Containers whose children repeat (⇊ in the specification's tables): JSON arrays under the Spark convention.
CONTAINERS = {"services", "service_requests", "errors", "endpoints", "formats", "attributes", "values"}


def xml_parse(body: bytes) -> ElementTree.Element:
    # The document is GRS's own answer in a test, not input from outside.
    return ElementTree.fromstring(body)  # noqa: S314


def spark(element: ElementTree.Element):
    """An XML element as the Spark convention maps it to JSON (texts stay text; empty is None)."""
    if element.tag in CONTAINERS:
        return [spark(child) for child in element]
    if len(element):
        return {child.tag: spark(child) for child in element}
    return element.text if element.text else None


def as_xml_text(value):
    """A JSON value as the XML text that carries it, to compare the two formats."""
    if isinstance(value, list):
        return [as_xml_text(item) for item in value]
    if isinstance(value, dict):
        return {name: as_xml_text(item) for name, item in value.items()}
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse(response, fmt: str):
    """The document of ``response``, checked for the specification's content type and encoding."""
    assert response["Content-Type"] == CONTENT_TYPES[fmt], response["Content-Type"]
    body = response.content
    body.decode("utf-8")  # UTF-8 everywhere
    if fmt == "json":
        return json.loads(body)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    return spark(xml_parse(body))


def xml_root(response) -> str:
    return xml_parse(response.content).tag


def both(client, path: str, data=None, **headers):
    """GET ``path`` in JSON and in XML; asserts they say the same; returns (status, JSON document, XML root)."""
    answers = {fmt: client.get(f"{BASE}/{path}.{fmt}", data or {}, **headers) for fmt in ("json", "xml")}
    assert answers["json"].status_code == answers["xml"].status_code, (answers["json"].content, answers["xml"].content)
    documents = {fmt: parse(response, fmt) for fmt, response in answers.items()}
    assert as_xml_text(documents["json"]) == documents["xml"]
    return answers["json"].status_code, documents["json"], xml_root(answers["xml"])


def assert_errors(document, code: int) -> list[str]:
    """The specification's error document: a non-empty list of {code, description}; returns the descriptions."""
    assert isinstance(document, list) and document, document
    for error in document:
        assert set(error) == ERROR_FIELDS, error
        assert int(error["code"]) == code
        assert error["description"]
    return [error["description"] for error in document]


def post(client, fmt: str = "json", headers: dict | None = None, **data):
    """POST Service Request, form-encoded as the specification sends it."""
    return client.post(
        f"{BASE}/requests.{fmt}",
        urlencode(data),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        headers=headers or {},
    )
