"""An anonymous filing leaves no trace of who filed it: not in the database, logs, files or messages."""

import io
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from PIL import Image
from rest_framework.test import APIClient

from grievances.models import Attachment, Grievance
from notifications.models import Outbox
from offices.models import Office
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

NAME = "Zulekha Khatun Planted"
PHONE_LOCAL = "01755512345"
PHONE_E164 = "+8801755512345"
EMAIL = "zulekha.planted@example.com"
ADDRESS = "House 9 Planted Lane, Ulipur"
SECRETS = (NAME, "Zulekha", PHONE_LOCAL, PHONE_E164, "8801755512345", "1755512345", EMAIL, ADDRESS, "Planted")


def photo_signed_by_the_filer() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x8825] = {1: "N", 2: (25.0, 48.0, 19.0), 3: "E", 4: (89.0, 38.0, 10.0)}
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 80, 160)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_nothing_identifies_an_anonymous_filer(settings, tmp_path, caplog):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ministry = OfficeFactory(code="MOSW")
    OfficeFactory(code="DSS-KURIGRAM", parent=ministry, layer=Office.Layer.DISTRICT)
    upload = io.BytesIO(photo_signed_by_the_filer())
    upload.name = f"{NAME} {PHONE_LOCAL}.jpg"

    caplog.set_level(logging.DEBUG)
    client = APIClient()
    response = client.post(
        "/api/v1/grievances/",
        {
            "type": "anonymous",
            "office": "DSS-KURIGRAM",
            "subject": "Bribe for the allowance card",
            "description": "The middleman asks for money.",
            "complainant_name": NAME,
            "complainant_phone": PHONE_LOCAL,
            "complainant_email": EMAIL,
            "complainant_address": ADDRESS,
            "complainant_country": "BD",
            "attachments": [upload],
        },
        format="multipart",
        HTTP_X_COMPLAINANT_NAME=NAME,
        HTTP_X_PHONE=PHONE_LOCAL,
        HTTP_FROM=EMAIL,
        HTTP_USER_AGENT=f"App/1.0 ({NAME}; {PHONE_E164})",
    )
    assert response.status_code == 201, response.content
    grievance = Grievance.objects.get(tracking_number=response.json()["tracking_number"])
    assert grievance.type == "anonymous"

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    stored_files = [p.read_bytes() for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert len(stored_files) == 1 == Attachment.objects.count()
    places = {
        "database": dump.getvalue(),
        "logs": caplog.text,
        "sms": (tmp_path / "sms.jsonl").read_text() if (tmp_path / "sms.jsonl").exists() else "",
        "mail": "".join(m.message().as_string() for m in mail.outbox),
        "files": b"".join(stored_files).decode("latin-1"),
        "response": response.content.decode(),
    }
    for place, text in places.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} found in {place}"
    assert Outbox.objects.count() == 0  # no phone, no SMS
