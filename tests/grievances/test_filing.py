import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from grievances.attachments import AttachmentRefused
from grievances.models import Attachment, EventKind, Grievance, GrievanceEvent
from grievances.services import FilingError, FilingForbidden, grievance_file
from grs.phones import InvalidPhone
from offices.models import Office, Role
from offices.workdays import add_working_days, working_days_between
from tests.factories import (
    AppointmentFactory,
    CharterFactory,
    CharterServiceFactory,
    OfficeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def office():
    ministry = OfficeFactory(code="MOSW")
    return OfficeFactory(code="DSS-KURIGRAM", parent=ministry, layer=Office.Layer.DISTRICT)


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (25.0, 48.0, 19.0), 3: "E", 4: (89.0, 38.0, 10.0)}  # GPS position
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def mp4_bytes() -> bytes:
    return b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00\x00\x00\x08free" + b"\x00" * 64


def test_citizen_filing_normalises_a_local_phone_and_sets_the_deadline(office):
    filed = grievance_file(
        type="citizen",
        office=office,
        subject="Old age allowance not paid",
        description="My mother has not received her allowance for three months.",
        complainant_name="Amena Begum",
        complainant_phone="01712345678",
        channel="web",
    )
    grievance = Grievance.objects.get(pk=filed.grievance.pk)
    assert grievance.complainant_phone == "+8801712345678"
    assert grievance.complainant_country == "BD"
    assert grievance.status == "submitted"
    assert grievance.current_office == office and grievance.office == office
    today = timezone.localdate()
    assert grievance.due_date == add_working_days(today, 30)
    assert working_days_between(today, grievance.due_date) == 30
    assert filed.access_code == ""  # a phone is how a citizen follows it
    assert [e.kind for e in grievance.events.all()] == [EventKind.SUBMITTED]


def test_the_deadline_follows_the_charter_and_a_shorter_service_promise(office):
    CharterFactory(office=office, gro_timeframe_days=25)
    service = CharterServiceFactory(office=office, timeframe_days=10)
    today = timezone.localdate()
    plain = grievance_file(type="citizen", office=office, subject="s", description="d", complainant_name="A")
    assert plain.grievance.due_date == add_working_days(today, 25)
    quick = grievance_file(
        type="citizen", office=office, service=service, subject="s", description="d", complainant_name="A"
    )
    assert quick.grievance.due_date == add_working_days(today, 10)
    assert quick.grievance.category == service.category


def test_anonymous_filing_stores_no_identity_anywhere_even_if_sent(office):
    filed = grievance_file(
        type="anonymous",
        office=office,
        subject="Middleman demands money for the VGF card",
        description="He asks 500 taka from everyone.",
        complainant_name="Secret Person",
        complainant_phone="01812345678",
        complainant_email="secret@example.com",
        complainant_address="Village X",
    )
    grievance = Grievance.objects.get(pk=filed.grievance.pk)
    assert (grievance.complainant_name, grievance.complainant_phone) == ("", "")
    assert (grievance.complainant_email, grievance.complainant_address) == ("", "")
    assert filed.access_code and len(filed.access_code.replace("-", "")) == 10
    assert filed.access_code.replace("-", "") not in grievance.access_code_hash  # only a hash is kept
    stored = json.dumps(list(GrievanceEvent.objects.filter(grievance=grievance).values()), default=str)
    for secret in ("Secret Person", "01812345678", "8801812345678", "secret@example.com", "Village X"):
        assert secret not in stored


def test_official_grievance_takes_identity_from_the_account(office):
    official = UserFactory(username="official", full_name="Karim Uddin", phone="+8801911111111")
    filed = grievance_file(
        type="official", office=office, subject="s", description="d", actor=official, complainant_name="Someone"
    )
    assert filed.grievance.complainant_name == "Karim Uddin"
    assert filed.grievance.complainant_phone == "+8801911111111"
    assert filed.grievance.filed_by == official
    with pytest.raises(FilingForbidden, match="Sign in"):
        grievance_file(type="official", office=office, subject="s", description="d")


def test_overseas_numbers_are_kept_in_e164_with_their_country(office):
    filed = grievance_file(
        type="citizen",
        office=office,
        subject="Wage claim",
        description="d",
        complainant_name="Rafiq",
        complainant_phone="+971 50 123 4567",
    )
    assert filed.grievance.complainant_phone == "+971501234567"
    assert filed.grievance.complainant_country == "AE"
    with pytest.raises(InvalidPhone):
        grievance_file(
            type="citizen", office=office, subject="s", description="d", complainant_name="R", complainant_phone="123"
        )
    assert Grievance.objects.count() == 1


def test_only_operators_file_through_udc_and_hotline(office):
    citizen = UserFactory()
    with pytest.raises(FilingForbidden, match="UDC operator"):
        grievance_file(
            type="citizen",
            office=office,
            subject="s",
            description="d",
            complainant_name="A",
            channel="udc",
            actor=citizen,
        )
    operator = AppointmentFactory(role=Role.UDC_OPERATOR, office=office).user
    filed = grievance_file(
        type="citizen",
        office=office,
        subject="s",
        description="d",
        complainant_name="Villager",
        channel="udc",
        actor=operator,
    )
    assert filed.grievance.on_behalf and filed.grievance.filed_by == operator
    assert filed.access_code  # the villager has no phone: the receipt carries an access code


def test_bad_input_changes_nothing(office):
    inactive = OfficeFactory(code="OLD", active=False)
    other_service = CharterServiceFactory()
    cases = [
        {"type": "citizen", "office": office, "subject": " ", "description": "d", "complainant_name": "A"},
        {"type": "citizen", "office": office, "subject": "s", "description": "", "complainant_name": "A"},
        {"type": "citizen", "office": office, "subject": "s", "description": "d", "complainant_name": ""},
        {"type": "citizen", "office": inactive, "subject": "s", "description": "d", "complainant_name": "A"},
        {
            "type": "citizen",
            "office": office,
            "subject": "s",
            "description": "d",
            "complainant_name": "A",
            "service": other_service,
        },
        {"type": "martian", "office": office, "subject": "s", "description": "d"},
    ]
    for case in cases:
        with pytest.raises(FilingError):
            grievance_file(**case)
    assert Grievance.objects.count() == 0 and GrievanceEvent.objects.count() == 0


def test_the_same_idempotency_key_never_files_twice(office):
    args = {"type": "citizen", "office": office, "subject": "s", "description": "d", "complainant_name": "A"}
    first = grievance_file(idempotency_key="tablet-7-0001", **args)
    again = grievance_file(idempotency_key="tablet-7-0001", **args)
    assert again.replayed and again.grievance.pk == first.grievance.pk
    assert Grievance.objects.count() == 1
    with pytest.raises(Exception, match="already used"):
        grievance_file(idempotency_key="tablet-7-0001", **{**args, "subject": "different"})
    assert Grievance.objects.count() == 1


def test_a_photo_is_stored_under_a_random_name_without_its_location(office, media):
    upload = SimpleUploadedFile("IMG_2041 at my house.jpg", jpeg_with_location(), content_type="image/jpeg")
    filed = grievance_file(
        type="citizen", office=office, subject="s", description="d", complainant_name="A", attachments=[upload]
    )
    attachment = Attachment.objects.get(grievance=filed.grievance)
    assert attachment.original_name == "IMG_2041 at my house.jpg"
    assert "IMG_2041" not in attachment.file.name
    path = Path(attachment.file.path)
    assert path.is_file() and str(path).startswith(str(media))
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
    assert b"PhoneMaker" not in path.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("holiday.jpg", mp4_bytes(), "video or sound"),
        ("voice.png", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400, "video or sound"),
        ("script.pdf", b"#!/bin/sh\necho hello\n", "not a photo"),
        ("empty.jpg", b"", "empty"),
        ("broken.jpg", jpeg_with_location()[:40], "could not be read"),
    ],
)
def test_refused_attachments_store_nothing(office, media, name, content, reason):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    with pytest.raises(AttachmentRefused, match=reason):
        grievance_file(
            type="citizen", office=office, subject="s", description="d", complainant_name="A", attachments=[upload]
        )
    assert Grievance.objects.count() == 0 and Attachment.objects.count() == 0
    assert not [p for p in Path(media).rglob("*") if p.is_file()]


def test_at_most_five_attachments_of_five_megabytes(office, media, settings):
    files = [SimpleUploadedFile(f"p{i}.jpg", jpeg_with_location()) for i in range(6)]
    with pytest.raises(AttachmentRefused, match="at most 5"):
        grievance_file(
            type="citizen", office=office, subject="s", description="d", complainant_name="A", attachments=files
        )
    settings.GRS_MAX_ATTACHMENT_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2000)
    with pytest.raises(AttachmentRefused, match="larger than"):
        grievance_file(
            type="citizen", office=office, subject="s", description="d", complainant_name="A", attachments=[big]
        )
    assert Grievance.objects.count() == 0


def test_the_due_date_skips_the_weekend(office, monkeypatch):
    # Filed on a Thursday with a 1-day promise: due on Sunday, Bangladesh's weekend being Fri-Sat.
    thursday = timezone.make_aware(timezone.datetime(2026, 12, 3, 11, 0))
    monkeypatch.setattr(timezone, "now", lambda: thursday)
    CharterFactory(office=office, gro_timeframe_days=1)
    filed = grievance_file(type="citizen", office=office, subject="s", description="d", complainant_name="A")
    assert filed.grievance.due_date == thursday.date() + timedelta(days=3)


def test_filing_costs_the_same_queries_whatever_the_number_of_attachments(office, media):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(files: int) -> int:
        uploads = [SimpleUploadedFile(f"p{i}.jpg", jpeg_with_location()) for i in range(files)]
        with CaptureQueriesContext(connection) as captured:
            grievance_file(
                type="citizen",
                office=office,
                subject="s",
                description="d",
                complainant_name="A",
                complainant_phone="01712345678",
                attachments=uploads,
            )
        return len(captured)

    counts = [queries_for(n) for n in (0, 1, 3, 5)]
    assert counts[1] == counts[2] == counts[3], counts
    assert counts[3] <= counts[0] + 1  # one INSERT for all the files' rows
    assert counts[0] <= 14, counts


def test_a_failure_after_the_files_are_written_leaves_no_grievance_and_no_file(office, media, monkeypatch):
    import notifications.services

    def broken_outbox(**kwargs):
        raise RuntimeError("outbox table unavailable")

    monkeypatch.setattr(notifications.services, "notify_sms", broken_outbox)
    upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(RuntimeError):
        grievance_file(
            type="citizen",
            office=office,
            subject="s",
            description="d",
            complainant_name="A",
            complainant_phone="01712345678",
            attachments=[upload],
        )
    assert Grievance.objects.count() == 0 and Attachment.objects.count() == 0
    assert GrievanceEvent.objects.count() == 0
    assert not [p for p in Path(media).rglob("*") if p.is_file()]
