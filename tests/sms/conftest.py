import json
import time
import uuid

import pytest
from rest_framework.test import APIClient

from grievances.sms_inbound import sms_signature
from offices.models import AdminUnit, Office
from tests.factories import AdminUnitFactory, CharterFactory, OfficeFactory

SECRET = "gateway-shared-secret"
INBOUND = "/api/v1/sms/inbound/"
PHONE = "+8801712345678"
OTHER_PHONE = "+8801812345678"


@pytest.fixture(autouse=True)
def gateway_secret(settings):
    settings.GRS_SMS_INBOUND_SECRET = SECRET
    settings.GRS_SMS_UPAZILA_OFFICE_PREFERENCE = ["UNO", "DSS"]


@pytest.fixture
def api():
    """The gateway, reading refusals in English."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def places():
    """Two pilot districts' upazilas with offices, as seed_demo builds them, and a name two districts share."""
    rangpur = AdminUnitFactory(name_en="Rangpur", name_bn="রংপুর")
    khulna = AdminUnitFactory(name_en="Khulna", name_bn="খুলনা")
    dhaka = AdminUnitFactory(name_en="Dhaka", name_bn="ঢাকা")

    def unit(level, parent, en, bn):
        return AdminUnitFactory(level=level, parent=parent, name_en=en, name_bn=bn)

    kurigram = unit(AdminUnit.Level.DISTRICT, rangpur, "Kurigram", "কুড়িগ্রাম")
    satkhira = unit(AdminUnit.Level.DISTRICT, khulna, "Satkhira", "সাতক্ষীরা")
    gazipur = unit(AdminUnit.Level.DISTRICT, dhaka, "Gazipur", "গাজীপুর")
    unit(AdminUnit.Level.DISTRICT, dhaka, "Dhaka", "ঢাকা")
    upazilas = {
        "sadar": unit(AdminUnit.Level.UPAZILA, kurigram, "Kurigram Sadar", "কুড়িগ্রাম সদর"),
        "ulipur": unit(AdminUnit.Level.UPAZILA, kurigram, "Ulipur", "উলিপুর"),
        "shyamnagar": unit(AdminUnit.Level.UPAZILA, satkhira, "Shyamnagar", "শ্যামনগর"),
        "kaliganj": unit(AdminUnit.Level.UPAZILA, satkhira, "Kaliganj", "কালিগঞ্জ"),
        "kaliganj-gazipur": unit(AdminUnit.Level.UPAZILA, gazipur, "Kaliganj", "কালীগঞ্জ"),
    }
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    dss = OfficeFactory(code="DSS", parent=ministry, layer=Office.Layer.DIRECTORATE, name_en="DSS", name_bn="সমাজসেবা")
    offices = {}
    for key, upazila in upazilas.items():
        code = f"DSS-{upazila.parent.name_en.upper()}-{upazila.name_en.upper().replace(' ', '-')}"
        offices[key] = OfficeFactory(
            code=code,
            name_en=f"Upazila Social Services Office, {upazila.name_en}",
            name_bn=f"উপজেলা সমাজসেবা কার্যালয়, {upazila.name_bn}",
            layer=Office.Layer.UPAZILA,
            parent=dss,
            admin_unit=upazila,
        )
        CharterFactory(office=offices[key])
    # A second office in Kurigram Sadar whose code sorts first: the rule, not the alphabet, picks DSS's.
    offices["ddm-sadar"] = OfficeFactory(
        code="DDM-KURIGRAM-SADAR",
        name_en="Project Implementation Officer's Office, Kurigram Sadar",
        name_bn="উপজেলা প্রকল্প বাস্তবায়ন কর্মকর্তার কার্যালয়, কুড়িগ্রাম সদর",
        layer=Office.Layer.UPAZILA,
        parent=ministry,
        admin_unit=upazilas["sadar"],
    )
    offices["union"] = OfficeFactory(
        code="UP-4012", name_en="Bazra Union Parishad", name_bn="বজরা ইউনিয়ন পরিষদ", layer=Office.Layer.UNION
    )
    return {"upazilas": upazilas, "offices": offices, "ministry": ministry}


def signed(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict:
    """The headers a gateway sends with ``body``."""
    timestamp = str(int(time.time() if at is None else at))
    return {
        "HTTP_X_GRS_TIMESTAMP": timestamp,
        "HTTP_X_GRS_SIGNATURE": "sha256=" + sms_signature(body=body, timestamp=timestamp, secret=secret),
    }


def message(text: str, *, sender: str = PHONE, id: str | None = None, **more) -> bytes:
    return json.dumps({"id": id or str(uuid.uuid4()), "from": sender, "text": text, **more}).encode()


def send(api, text: str, *, sender: str = PHONE, id: str | None = None):
    """Post one SMS as the gateway does, correctly signed."""
    body = message(text, sender=sender, id=id)
    return api.post(INBOUND, body, content_type="application/json", **signed(body))
