import io
import threading

import pytest
from django.db import connection
from PIL import Image
from rest_framework.test import APIClient

from grievances.models import Attachment, Grievance
from offices.models import Office
from tests.factories import CharterServiceFactory, OfficeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def office():
    ministry = OfficeFactory(code="MOSW")
    return OfficeFactory(code="DSS-KURIGRAM", parent=ministry, layer=Office.Layer.DISTRICT)


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 80)).save(out, format="PNG")
    return out.getvalue()


def test_file_by_json_then_track_by_phone(api, office):
    service = CharterServiceFactory(office=office, timeframe_days=15)
    response = api.post(
        "/api/v1/grievances/",
        {
            "type": "citizen",
            "office": "dss-kurigram",
            "service": service.pk,
            "subject": "Allowance stopped",
            "description": "Payment stopped in March.",
            "complainant_name": "Amena",
            "complainant_phone": "01712345678",
            "channel": "mobile",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"tracking_number", "status", "office", "due_date"}
    assert body["status"] == "submitted" and body["office"] == "DSS-KURIGRAM"

    track = api.get(f"/api/v1/track/{body['tracking_number']}/", {"phone": "+8801712345678"})
    assert track.status_code == 200
    data = track.json()
    assert data["tracking_number"] == body["tracking_number"]
    assert data["due_date"] == body["due_date"] and data["overdue"] is False
    assert [e["kind"] for e in data["events"]] == ["submitted"]
    assert "Amena" not in track.content.decode()  # tracking shows the public part only


def test_anonymous_filing_returns_an_access_code_once_and_tracks_with_it(api, office):
    response = api.post(
        "/api/v1/grievances/",
        {
            "type": "anonymous",
            "office": "DSS-KURIGRAM",
            "subject": "Bribe",
            "description": "Asked 500 taka",
            "complainant_name": "Should not be kept",
            "complainant_phone": "01712345678",
        },
        format="json",
    )
    assert response.status_code == 201
    code = response.json()["access_code"]
    number = response.json()["tracking_number"]
    assert Grievance.objects.get(tracking_number=number).complainant_name == ""
    assert api.get(f"/api/v1/track/{number}/", {"code": code.lower()}).status_code == 200
    assert api.get(f"/api/v1/track/{number}/", {"code": "WRONG-CODE1"}).status_code == 404
    # The phone the filer typed was not kept, so it cannot open the grievance either.
    assert api.get(f"/api/v1/track/{number}/", {"phone": "01712345678"}).status_code == 404


def test_multipart_filing_with_attachments(api, office, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = api.post(
        "/api/v1/grievances/",
        {
            "type": "citizen",
            "office": "DSS-KURIGRAM",
            "subject": "Wrong beneficiary",
            "description": "See the list photo.",
            "complainant_name": "Rahim",
            "attachments": [io.BytesIO(photo()), io.BytesIO(b"%PDF-1.4\n%%EOF\n")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    grievance = Grievance.objects.get(tracking_number=response.json()["tracking_number"])
    assert sorted(a.content_type for a in Attachment.objects.filter(grievance=grievance)) == [
        "application/pdf",
        "image/png",
    ]


BASE = {"type": "citizen", "office": "DSS-KURIGRAM", "subject": "s", "description": "d", "complainant_name": "A"}
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"office": "NOPE"}, "office", 400),
        ({"description": ""}, "description", 400),
        ({"complainant_name": ""}, "complainant_name", 400),
        ({"complainant_phone": "12"}, "complainant_phone", 400),
        ({"type": "robot"}, "type", 400),
        ({"channel": "hotline"}, "channel", 403),
        ({"channel": "udc"}, "channel", 403),
        ({"type": "official"}, "type", 403),
    ],
)
def test_every_refusal_names_its_field_and_stores_nothing(api, office, change, field, status):
    response = api.post("/api/v1/grievances/", {**BASE, **change}, format="json")
    assert response.status_code == status, response.content
    assert response.json()[field][0]
    assert Grievance.objects.count() == 0


@pytest.mark.parametrize(
    ("files", "status", "words"),
    [
        ([("holiday.jpg", MP4)], 400, "video or sound"),
        ([(f"p{i}.png", photo()) for i in range(6)], 400, "at most 5"),
        ([("scan.pdf", b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024))], 413, "larger than 5 MB"),
    ],
)
def test_bad_attachments_are_refused_with_a_reason(api, office, settings, tmp_path, files, status, words):
    settings.MEDIA_ROOT = tmp_path
    uploads = []
    for name, content in files:
        upload = io.BytesIO(content)
        upload.name = name
        uploads.append(upload)
    response = api.post("/api/v1/grievances/", {**BASE, "attachments": uploads}, format="multipart")
    assert response.status_code == status, response.content
    assert words in response.json()["attachments"][0]
    assert Grievance.objects.count() == 0 and Attachment.objects.count() == 0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_tracking_a_mistyped_number_says_check_it(api, office):
    response = api.post(
        "/api/v1/grievances/",
        {
            "type": "citizen",
            "office": "DSS-KURIGRAM",
            "subject": "s",
            "description": "d",
            "complainant_name": "A",
            "complainant_phone": "01712345678",
        },
        format="json",
    )
    number = response.json()["tracking_number"]
    typo = number[:3] + number[4] + number[3] + number[5:] if number[3] != number[4] else number[:-1] + "x"
    answer = api.get(f"/api/v1/track/{typo}/", {"phone": "01712345678"})
    assert answer.status_code == 400
    assert "check" in str(answer.json()).lower()
    wrong_phone = api.get(f"/api/v1/track/{number}/", {"phone": "01812345678"})
    assert wrong_phone.status_code == 404
    assert "check both" in wrong_phone.json()["detail"]


def test_an_idempotency_key_replays_instead_of_filing_twice(api, office):
    payload = {
        "type": "citizen",
        "office": "DSS-KURIGRAM",
        "subject": "s",
        "description": "d",
        "complainant_name": "A",
        "complainant_phone": "01712345678",
    }
    first = api.post("/api/v1/grievances/", payload, format="json", HTTP_IDEMPOTENCY_KEY="udc-42-7")
    again = api.post("/api/v1/grievances/", payload, format="json", HTTP_IDEMPOTENCY_KEY="udc-42-7")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["tracking_number"] == again.json()["tracking_number"]
    other = api.post("/api/v1/grievances/", {**payload, "subject": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="udc-42-7")
    assert other.status_code == 409
    assert "already used" in other.json()["detail"]
    assert Grievance.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_key_in_parallel_files_once(office):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (CI runs it there)")
    payload = {
        "type": "citizen",
        "office": "DSS-KURIGRAM",
        "subject": "s",
        "description": "d",
        "complainant_name": "A",
        "complainant_phone": "01712345678",
    }
    answers = []

    def post():
        client = APIClient()
        answers.append(
            client.post("/api/v1/grievances/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code
        )
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] * 5 + [201]
    assert Grievance.objects.count() == 1


def test_anonymous_filing_and_tracking_are_rate_limited_per_address(api, office, settings):
    rates = {"filing": "2/hour", "tracking": "3/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    codes = [api.post("/api/v1/grievances/", BASE, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    limited = api.post("/api/v1/grievances/", BASE, format="json")
    assert int(limited["Retry-After"]) > 0
    assert Grievance.objects.count() == 2
    number = Grievance.objects.first().tracking_number
    tracks = [api.get(f"/api/v1/track/{number}/", {"phone": "01712345678"}).status_code for _ in range(4)]
    assert tracks == [404, 404, 404, 429]

    settings.RATELIMIT_ENABLE = False
    assert api.post("/api/v1/grievances/", BASE, format="json").status_code == 201


def test_a_retried_anonymous_filing_gets_the_same_access_code_back(api, office):
    payload = {"type": "anonymous", "office": "DSS-KURIGRAM", "subject": "s", "description": "d"}
    first = api.post("/api/v1/grievances/", payload, format="json", HTTP_IDEMPOTENCY_KEY="tablet-3-0042")
    again = api.post("/api/v1/grievances/", payload, format="json", HTTP_IDEMPOTENCY_KEY="tablet-3-0042")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["access_code"] == first.json()["access_code"]
    other = api.post("/api/v1/grievances/", payload, format="json", HTTP_IDEMPOTENCY_KEY="tablet-3-0043")
    assert other.json()["access_code"] != first.json()["access_code"]
    number = first.json()["tracking_number"]
    assert api.get(f"/api/v1/track/{number}/", {"code": again.json()["access_code"]}).status_code == 200
