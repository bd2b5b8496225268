"""An upazila office with a GRO, two charter services in two categories, and an Open311 API key."""

from decimal import Decimal

import pytest

from grievances.services import grievance_file
from offices.models import AdminUnit, Office, Role
from open311.services import api_key_issue
from tests.factories import (
    AdminUnitFactory,
    AppointmentFactory,
    CharterServiceFactory,
    OfficeFactory,
    ProgrammeFactory,
    ServiceCategoryFactory,
)

NAME = "Rahima Khatun"
PHONE = "+8801712345678"
EMAIL = "rahima@example.com"
ADDRESS = "Village Panchgachhi, house 14"


@pytest.fixture
def world(db):
    division = AdminUnitFactory(level=AdminUnit.Level.DIVISION, name_en="Rangpur", name_bn="রংপুর")
    district = AdminUnitFactory(
        level=AdminUnit.Level.DISTRICT,
        parent=division,
        name_en="Kurigram",
        name_bn="কুড়িগ্রাম",
        latitude=Decimal("25.8054450"),
        longitude=Decimal("89.6361740"),
    )
    upazila = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=district, name_en="Ulipur", name_bn="উলিপুর")
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    office = OfficeFactory(
        code="USSO-ULIPUR",
        parent=ministry,
        layer=Office.Layer.UPAZILA,
        admin_unit=upazila,
        name_en="Upazila Social Services Office, Ulipur",
        name_bn="উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
    )
    social = ServiceCategoryFactory()  # Social Protection
    other = ServiceCategoryFactory(slug="land", name_en="Land", name_bn="ভূমি", order=5)
    programme = ProgrammeFactory(code="OAA", name_en="Old Age Allowance", name_bn="বয়স্ক ভাতা")
    allowance = CharterServiceFactory(
        office=office,
        category=social,
        programme=programme,
        name_en="Old age allowance",
        name_bn="বয়স্ক ভাতা প্রদান",
        timeframe_days=15,
    )
    land = CharterServiceFactory(
        office=ministry, category=other, name_en="Land record correction", name_bn="খতিয়ান সংশোধন"
    )
    gro = AppointmentFactory(role=Role.GRO, office=office).user
    return {
        "division": division,
        "district": district,
        "upazila": upazila,
        "ministry": ministry,
        "office": office,
        "allowance": allowance,
        "land": land,
        "gro": gro,
    }


@pytest.fixture
def api_key(db):
    """The key an outside application files with (its value: shown once, on issue)."""
    return api_key_issue(name="Union app", contact="apps@example.org", actor=None).raw


@pytest.fixture
def file_grievance(world):
    """File a citizen's grievance (with an identity that must never show) through GRS's own service."""

    def file(*, service=None, subject="Allowance not paid since March", anonymous=False, **kwargs):
        service = service or world["allowance"]
        identity = (
            {}
            if anonymous
            else {
                "complainant_name": NAME,
                "complainant_phone": PHONE,
                "complainant_email": EMAIL,
                "complainant_address": ADDRESS,
            }
        )
        return grievance_file(
            type="anonymous" if anonymous else "citizen",
            office=service.office,
            service=service,
            subject=subject,
            description=kwargs.pop("description", "I am Rahima Khatun of Panchgachhi; the union clerk asked 500 taka."),
            **{**identity, **kwargs},
        ).grievance

    return file
