"""Offices, officials and grievances for the audit trail's tests."""

import io

import factory
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from audit.models import AuditEntry
from grievances.services import grievance_file
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory

PHONE = "+8801712345678"
NAME = "Amena Begum"
ADDRESS = "Bazra, Ulipur"


class AuditEntryFactory(factory.django.DjangoModelFactory):
    """Entries as services write them; for lists longer than a test's services would make."""

    class Meta:
        model = AuditEntry

    action = AuditEntry.Action.CHANGED
    object_type = "offices.office"
    object_id = factory.Sequence(str)
    object_repr = factory.Sequence(lambda n: f"Office {n}")
    changes = factory.LazyFunction(lambda: {"name_en": ["Old", "New"]})


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    cabinet = OfficeFactory(code="CABINET", name_en="Cabinet Division")
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Social Services")
    mofood = OfficeFactory(code="MOFOOD", name_en="Ministry of Food")

    def officer(role, office, username):
        return AppointmentFactory(role=role, office=office, user=UserFactory(username=username)).user

    return {
        "cabinet": cabinet,
        "mosw": mosw,
        "dss": dss,
        "mofood": mofood,
        "gro": officer(Role.GRO, dss, "gro-dss"),
        "gro_food": officer(Role.GRO, mofood, "gro-food"),
        "focal": officer(Role.FOCAL_POINT, mosw, "focal-mosw"),
        "monitor": officer(Role.CABINET_MONITOR, cabinet, "monitor"),
        "auditor": officer(Role.AUDITOR, cabinet, "auditor"),
        "auditor_mosw": officer(Role.AUDITOR, mosw, "auditor-mosw"),
        "citizen": UserFactory(username="citizen"),
        "root": UserFactory(username="root", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def as_user(client):
    """A signed-in user reading English."""

    def sign_in(user, language="en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(user)
        return client

    return sign_in


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 80)).save(out, format="PNG")
    return out.getvalue()


def file(office, *, attachments: int = 0, **kwargs):
    uploads = [SimpleUploadedFile(f"scan{n}.png", png(), content_type="image/png") for n in range(attachments)]
    return grievance_file(
        type="citizen",
        office=office,
        subject="Old age allowance not paid",
        description="No payment since March.",
        complainant_name=NAME,
        complainant_phone=PHONE,
        complainant_address=ADDRESS,
        attachments=uploads,
        **kwargs,
    ).grievance
