"""A small world for fuzzing the API, and the application as a WSGI callable on the test's database."""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from grievances.models import Grievance
from grievances.services import (
    grievance_accept,
    grievance_appeal,
    grievance_file,
    grievance_resolve,
    hash_access_code,
)
from offices.models import Office, Role
from tests.factories import AppointmentFactory, CharterServiceFactory, OfficeFactory

# Hypothesis draws the same cases on every run: a failure found once is found again.
SEED = 20240601
PHONE = "+8801712345678"
# Fixed tracking numbers (valid: the last digit is the Damm check digit) and access codes, so the
# fuzzer's dictionaries can name grievances that exist: a submitted, an accepted anonymous, a
# resolved and an appealed grievance at DSS, and a submitted one at DSS-KURIGRAM.
TRACKING_NUMBERS = ["4821390768", "1234567894", "5555555558", "2718281828", "3141592652"]
ACCESS_CODE = "FUZZ234567"
OFFICES = ["MOSW", "DSS", "DSS-KURIGRAM", "CABINET"]
ROLES = ["gro", "appeal", "cabinet"]


class InTestTransactionApp:
    """Django's WSGI application, minus the connection housekeeping around each request.

    Django closes "old" database connections when a request starts and ends; a test keeps its rows
    in one open transaction, which that would throw away (Django's test client skips it the same
    way). The answer is read whole before the connection is handed back.
    """

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return [body]


def fuzz_config(
    *, max_examples: int, filing_offices: list[str] = OFFICES, known: dict[str, list] | None = None, **more
) -> schemathesis.Config:
    """Bounded, seeded generation of valid and invalid input; real numbers, codes and proofs half the time.

    ``known`` adds parameters ("body.version": [1, 2]) that take one of the given values half the time.
    """
    half = {"probability": 0.5}
    known = known or {}
    extra_dictionaries = {name.replace(".", "_"): {"values": values} for name, values in known.items()}
    extra_parameters = {name: {"dictionary": name.replace(".", "_"), **half} for name in known}
    return schemathesis.Config.from_dict(
        {
            **more,
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": max_examples, "database": "none"},
            "dictionaries": {
                "tracking": {"values": TRACKING_NUMBERS},
                "office": {"values": OFFICES},
                "filing_office": {"values": filing_offices},
                "phone": {"values": [PHONE, "01712345678"]},
                "access_code": {"values": [ACCESS_CODE]},
                "email": {"values": ["amena@example.com"]},
                "name": {"values": ["Amena Begum"]},
                **extra_dictionaries,
            },
            "parameters": {
                "path.tracking_number": {"dictionary": "tracking", **half},
                "path.code": {"dictionary": "office", **half},
                "query.office": {"dictionary": "office", **half},
                "query.parent": {"dictionary": "office", **half},
                "body.office": {"dictionary": "filing_office", **half},
                "body.to_office": {"dictionary": "office", **half},
                "query.phone": {"dictionary": "phone", **half},
                "body.phone": {"dictionary": "phone", **half},
                "body.complainant_phone": {"dictionary": "phone", **half},
                "body.complainant_email": {"dictionary": "email", **half},
                "body.complainant_name": {"dictionary": "name", **half},
                "query.code": {"dictionary": "access_code", **half},
                "body.code": {"dictionary": "access_code", **half},
                **extra_parameters,
            },
        }
    )


@pytest.fixture
def world(db, settings, tmp_path) -> dict[str, str]:
    """Offices with a GRO, an Appeal Officer and a Cabinet monitor, grievances in several states;
    answers each role's API token."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The limits would answer most fuzzed requests with 429 after the first few dozen.
    settings.RATELIMIT_ENABLE = False
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Social Services")
    district = OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT)
    cabinet = OfficeFactory(code="CABINET", name_en="Cabinet Division")
    CharterServiceFactory(office=dss)
    CharterServiceFactory(office=district, g2p=True)
    people = {
        "gro": AppointmentFactory(role=Role.GRO, office=dss).user,
        "appeal": AppointmentFactory(role=Role.APPEAL_OFFICER, office=dss).user,
        "cabinet": AppointmentFactory(role=Role.CABINET_MONITOR, office=cabinet).user,
    }

    grievances = []
    for number, office, anonymous in zip(
        TRACKING_NUMBERS, [dss, dss, dss, dss, district], [False, True, False, False, False], strict=True
    ):
        identity = {} if anonymous else {"complainant_name": "Amena Begum", "complainant_phone": PHONE}
        filed = grievance_file(
            type="anonymous" if anonymous else "citizen",
            office=office,
            subject="Old age allowance not paid",
            description="No payment since March.",
            **identity,
        )
        Grievance.objects.filter(pk=filed.grievance.pk).update(
            tracking_number=number, access_code_hash=hash_access_code(ACCESS_CODE) if anonymous else ""
        )
        grievances.append(filed.grievance.pk)
    gro = people["gro"]
    grievance_accept(grievance_id=grievances[1], actor=gro)
    for pk in grievances[2:4]:
        grievance_accept(grievance_id=pk, actor=gro)
        grievance_resolve(grievance_id=pk, actor=gro, resolution="Paid in full.")
    grievance_appeal(number=TRACKING_NUMBERS[3], reason="Only half was paid.", phone=PHONE)
    return {role: Token.objects.create(user=user).key for role, user in people.items()}
