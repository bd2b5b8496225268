"""A small office tree with its officials, and a complainant whose every detail is distinctive enough to be
searched for anywhere GRS writes: pages, files, logs, URLs."""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grievances import clock
from grievances.models import Grievance
from grievances.services import (
    grievance_accept,
    grievance_feedback,
    grievance_file,
    grievance_resolve,
)
from offices.models import Office, Role
from tests.factories import AppointmentFactory, CharterServiceFactory, OfficeFactory, ServiceCategoryFactory

NAME = "Zubaida Quorraishi"
PHONE = "+8801719876543"
EMAIL = "zq.privacy@example.net"
ADDRESS = "Dighirpar Mouza 7741, Chilmari"
FILE_NAME = "Quorraishi-national-id.png"
# Every way the identity could be written out: in full, the phone as typed locally, its digits in
# Bangla, the parts of the name and address on their own, and the e-mail's local part.
SECRETS = (
    NAME,
    "Zubaida",
    "Quorraishi",
    PHONE,
    "01719876543",
    "1719876543",
    "১৭১৯৮৭৬৫৪৩",
    EMAIL,
    "zq.privacy",
    ADDRESS,
    "Dighirpar",
    # The house number with its word: four digits alone turn up by chance in timestamps and numbers.
    "Mouza 7741",
)


def leaked(text: str) -> list[str]:
    """The identity strings found in ``text``."""
    return [secret for secret in SECRETS if secret in text]


def png(name: str = FILE_NAME) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 106, 78)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class World:
    mosw: Office
    dss: Office
    district: Office
    mofood: Office
    service: object
    gro: object  # GRO of the district office, where grievances are filed
    appeal: object  # its Appeal Officer
    gro_dss: object  # GRO of the office above
    gro_food: object  # GRO of another ministry
    focal: object  # focal point of the ministry: its whole subtree
    cabinet: object  # Cabinet Division monitor: everything


@pytest.fixture
def world(db) -> World:
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Social Services")
    district = OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    mofood = OfficeFactory(code="MOFOOD", name_en="Ministry of Food")
    cabinet_office = OfficeFactory(code="CABINET", name_en="Cabinet Division")
    service = CharterServiceFactory(office=district, category=ServiceCategoryFactory(), name_en="Old Age Allowance")

    def officer(role, office):
        return AppointmentFactory(role=role, office=office, start_date=datetime(2000, 1, 1).date()).user

    return World(
        mosw=mosw,
        dss=dss,
        district=district,
        mofood=mofood,
        service=service,
        gro=officer(Role.GRO, district),
        appeal=officer(Role.APPEAL_OFFICER, district),
        gro_dss=officer(Role.GRO, dss),
        gro_food=officer(Role.GRO, mofood),
        focal=officer(Role.FOCAL_POINT, mosw),
        cabinet=officer(Role.CABINET_MONITOR, cabinet_office),
    )


def file_citizen(world: World, *, attachments: bool = True, **changes) -> Grievance:
    """A citizen's grievance at the district office, with the distinctive identity and an attachment."""
    values = {
        "type": "citizen",
        "office": world.district,
        "service": world.service,
        "subject": "Old age allowance not paid",
        "description": "The allowance has not come since March.",
        "complainant_name": NAME,
        "complainant_phone": PHONE,
        "complainant_email": EMAIL,
        "complainant_address": ADDRESS,
        "complainant_country": "BD",
        "attachments": [png()] if attachments else [],
        **changes,
    }
    return grievance_file(**values).grievance


def resolved(world: World, *, days_ago: float = 0, **filing) -> Grievance:
    """Filed, accepted and resolved by the GRO ``days_ago`` (the decision's date starts the appeal window)."""
    with clock.simulated_time(clock.now() - timedelta(days=days_ago)):
        grievance = file_citizen(world, **filing)
        grievance_accept(grievance_id=grievance.pk, actor=world.gro)
        return grievance_resolve(grievance_id=grievance.pk, actor=world.gro, resolution="The allowance was paid.")


def closed(world: World, *, days_ago: float = 0, **filing) -> Grievance:
    """Resolved ``days_ago`` and rated by the complainant, which closes it for good."""
    grievance = resolved(world, days_ago=days_ago, **filing)
    with clock.simulated_time(clock.now() - timedelta(days=days_ago)):
        return grievance_feedback(number=grievance.tracking_number, rating=4, comment="Thank you.", phone=PHONE)


@pytest.fixture
def signed_in(client):
    """The test client signed in as ``user``, reading English."""

    def sign_in(user):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(user)
        return client

    return sign_in
