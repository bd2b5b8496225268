"""PostgreSQL restarts (or fails over) while GRS serves requests. A request that finds it gone is a 503
with ``Retry-After`` in the user's language, never a 500 with a traceback; a request cut off in the
middle of a filing leaves nothing half-written; and the next request, once the database is back, works.
"""

import io
import uuid
from contextlib import contextmanager

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from PIL import Image
from rest_framework.test import APIClient

from dashboards.models import Tally
from grievances import services
from grievances.models import Attachment, Grievance, GrievanceEvent, IdempotencyRecord
from notifications.models import Outbox
from tests.faults.conftest import filing_payload, need_postgres, signed_in
from tests.worker import free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

UNAVAILABLE_EN = "The service is briefly unavailable. Please try again in a minute."
UNAVAILABLE_BN = "সেবাটি কিছুক্ষণের জন্য পাওয়া যাচ্ছে না। এক মিনিট পরে আবার চেষ্টা করুন।"
FORM = "/grievances/new/?office=DSS-KURIGRAM"


@pytest.fixture(autouse=True)
def postgres():
    need_postgres()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@contextmanager
def database_down():
    """Every new connection is refused, as while PostgreSQL restarts: this process's connection is
    dropped and its port pointed at one where nothing listens."""
    closed_port = free_port()
    real = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = real


def terminate_this_connection() -> None:
    """Have PostgreSQL end this process's connection, from another one, as a restart or failover does."""
    pid = connection.connection.get_backend_pid()
    with psycopg2.connect(**connection.get_connection_params()) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    other.close()


def served(path: str, **headers) -> tuple[int, str]:
    """GET ``path`` through Django's WSGI handler as gunicorn calls it. Unlike the test client, it sends
    request_started and request_finished, where Django drops a connection that failed or fails its check."""
    environ = RequestFactory().get(path, headers=headers).environ
    seen = {}
    response = WSGIHandler()(environ, lambda status, headers: seen.update(status=status))
    try:
        body = b"".join(response).decode()
    finally:
        response.close()
    return int(seen["status"].split()[0]), body


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 106, 78)).save(out, format="PNG")
    return SimpleUploadedFile("receipt-photo.png", out.getvalue(), content_type="image/png")


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_pages_and_the_api_answer_503_in_the_users_language_until_the_database_is_back(offices):
    visitor, english = Client(), Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    gro = signed_in(offices["gro"])
    form = {
        "type": "citizen",
        "subject": "Widow allowance stopped",
        "description": "Nothing paid since January.",
        "complainant_name": "Rokeya Khatun",
        "complainant_phone": "01812345678",
        "complainant_country": "BD",
        "idempotency_key": str(uuid.uuid4()),
    }
    key = str(uuid.uuid4())

    def file_by_api(language: str):
        return APIClient().post(
            "/api/v1/grievances/",
            filing_payload(),
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
            HTTP_ACCEPT_LANGUAGE=language,
        )

    with database_down():
        page = visitor.get(FORM)
        sent = english.post(FORM, form)
        inbox = gro.get("/inbox/")
        api_bn, api_en = file_by_api("bn"), file_by_api("en")
        open311 = Client().get("/open311/v2/requests.json")

    for answer in (page, sent, inbox, api_bn, api_en, open311):
        assert answer.status_code == 503
        assert answer["Retry-After"] == "30"
        assert "no-store" in answer["Cache-Control"]
        assert "Traceback" not in answer.content.decode()
    # A page in Bangla (every visitor's first language), or in English for whoever chose it.
    assert page["Content-Language"] == "bn"
    assert UNAVAILABLE_BN in page.content.decode()
    assert '<html lang="bn">' in page.content.decode()
    assert f'href="{FORM}"' in page.content.decode()  # "try again" reloads the page
    for english_page in (sent, inbox):
        assert UNAVAILABLE_EN in english_page.content.decode()
        assert "send it again: nothing will be done twice" in english_page.content.decode()
    # The API in the language the client asks for, shaped like its other refusals.
    assert api_bn.json() == {"detail": UNAVAILABLE_BN, "code": "unavailable"}
    assert api_en.json() == {"detail": UNAVAILABLE_EN, "code": "unavailable"}
    assert open311.json()["code"] == "unavailable"  # Open311 clients read JSON too, not a page

    assert Grievance.objects.count() == 0
    assert visitor.get(FORM).status_code == 200
    assert english.post(FORM, form).status_code == 302
    assert gro.get("/inbox/").status_code == 200
    assert file_by_api("en").status_code == 201  # sent again with its key, as the app does: filed once
    assert file_by_api("en").status_code == 200
    assert Grievance.objects.count() == 2


def test_a_filing_cut_off_mid_transaction_leaves_nothing_and_is_filed_once_when_sent_again(offices, media, monkeypatch):
    original = services._notify_receipt

    def restart_while_filing(grievance):
        # The grievance, its first event, its tallies and its attachment are written but not committed.
        assert Grievance.objects.count() == 1 and stored_files(media)
        terminate_this_connection()
        original(grievance)

    monkeypatch.setattr(services, "_notify_receipt", restart_while_filing)
    key = str(uuid.uuid4())

    def file():
        payload = {**filing_payload(), "attachments": [png()]}
        return APIClient().post(
            "/api/v1/grievances/", payload, format="multipart", HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE="en"
        )

    cut_off = file()

    assert cut_off.status_code == 503
    assert cut_off.json()["detail"] == "The service is briefly unavailable. Please try again in a minute."
    for model in (Grievance, GrievanceEvent, IdempotencyRecord, Attachment, Outbox, Tally):
        assert not model.objects.exists(), model
    assert stored_files(media) == []

    monkeypatch.setattr(services, "_notify_receipt", original)
    again = file()

    assert again.status_code == 201
    grievance = Grievance.objects.get()
    assert again.json()["tracking_number"] == grievance.tracking_number
    assert [e.kind for e in grievance.events.all()] == ["submitted"]
    assert grievance.attachments.count() == 1 and len(stored_files(media)) == 1
    assert Outbox.objects.filter(grievance=grievance).count() == 1


@pytest.mark.parametrize(("health_checks", "after_restart"), [(True, [200]), (False, [503, 200])])
def test_after_a_restart_between_requests_the_next_request_works(offices, health_checks, after_restart):
    """With CONN_HEALTH_CHECKS (as DATABASE_URL configures it) a connection PostgreSQL dropped between two
    requests is replaced before the next one uses it. Without them, one request finds it dead (a 503, not
    a 500) and the one after works."""
    real = connection.settings_dict["CONN_HEALTH_CHECKS"]
    assert real is True  # what grs/settings.py configures
    connection.close()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = health_checks
    try:
        assert served(FORM, cookie="django_language=en")[0] == 200
        assert connection.connection is not None  # kept open for the next request (CONN_MAX_AGE)
        terminate_this_connection()

        answers = [served(FORM, cookie="django_language=en") for _ in after_restart]
    finally:
        connection.close()
        connection.settings_dict["CONN_HEALTH_CHECKS"] = real

    assert [status for status, _body in answers] == after_restart
    assert all(UNAVAILABLE_EN in body for status, body in answers if status == 503)
