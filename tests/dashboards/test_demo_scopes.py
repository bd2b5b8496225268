"""The three demo scopes of DESIGN.md §7 (``cabinet``, ``mosw``, ``gro-dss-kurigram``) each see exactly
their own figures, and those match the grievances filed, over the API."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from rest_framework.test import APIClient

from charters.models import SOCIAL_PROTECTION, CharterService
from grievances.services import grievance_accept, grievance_file, grievance_forward, grievance_resolve
from offices.models import Office

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """seed_demo, then grievances across the tree: filed, one forwarded down, one resolved. Once for the
    module, rolled back afterwards; each test runs in a savepoint."""
    with django_db_blocker.unblock(), translation.override("en"), transaction.atomic():
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
        office = {o.code: o for o in Office.objects.all()}
        kurigram = office["DSS-KURIGRAM"]
        upazila = Office.objects.filter(parent=kurigram).order_by("path").first()
        allowance = CharterService.objects.filter(office=kurigram, category__slug=SOCIAL_PROTECTION).first()
        plan = [("MOSW", 2), ("DSS", 3), ("DSS-KURIGRAM", 4), (upazila.code, 1), ("DSS-SATKHIRA", 2), ("MOFOOD", 5)]
        filed = {}
        for code, count in plan:
            filed[code] = [
                grievance_file(
                    type="citizen",
                    office=office.get(code) or upazila,
                    service=allowance if code == "DSS-KURIGRAM" else None,
                    subject="Allowance not paid",
                    description="Nothing since March.",
                    complainant_name="Amena Begum",
                    complainant_phone=PHONE,
                ).grievance
                for _i in range(count)
            ]
        grievance_file(  # a pilot grievance: left out unless asked for
            type="anonymous",
            office=kurigram,
            subject="Pilot",
            description="Simulated.",
            simulated=True,
        )
        users = {u.username: u for u in get_user_model().objects.filter(username__in=["gro-dss", "gro-dss-kurigram"])}
        grievance_forward(
            grievance_id=filed["DSS"][0].pk, actor=users["gro-dss"], to_office=kurigram, reason="District's"
        )
        resolved = filed["DSS-KURIGRAM"][0]
        grievance_accept(grievance_id=resolved.pk, actor=users["gro-dss-kurigram"])
        grievance_resolve(grievance_id=resolved.pk, actor=users["gro-dss-kurigram"], resolution="Paid")
        yield
        transaction.set_rollback(True)


def get(username, **params):
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(get_user_model().objects.get(username=username))
    response = client.get("/api/v1/dashboard/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def contract(figures):
    return {k: figures[k] for k in ("received", "resolved", "rejected", "forwarded", "pending", "overdue", "appealed")}


def test_cabinet_sees_every_ministry():
    body = get("cabinet")
    assert body["scope"] == {"office": None, "name": None, "parent": None, "everything": True}
    assert contract(body["totals"]) == {
        "received": 17,
        "resolved": 1,
        "rejected": 0,
        "forwarded": 0,  # a forwarding inside the scope is no forwarding out of it
        "pending": 16,
        "overdue": 0,
        "appealed": 0,
    }
    rows = {row["code"]: row for row in body["by_office"]}
    assert set(rows) == set(Office.objects.filter(depth=1).values_list("code", flat=True))
    assert (rows["MOSW"]["received"], rows["MOSW"]["pending"], rows["MOSW"]["subtree"]) == (12, 11, True)
    assert (rows["MOFOOD"]["received"], rows["MOFOOD"]["pending"]) == (5, 5)
    assert rows["CABINET"]["received"] == 0
    assert sum(row["pending"] for row in body["by_office"]) == body["totals"]["pending"]
    assert body["by_category"][0]["slug"] == SOCIAL_PROTECTION
    assert body["by_category"][0]["received"] == 4
    kurigram = next(row for row in body["by_district"] if row["name"] == "Kurigram")
    assert (kurigram["received"], kurigram["pending"], kurigram["resolved"]) == (6, 5, 1)
    assert get("cabinet", simulated="true")["totals"]["received"] == 18


def test_the_ministry_focal_point_sees_its_subtree_only():
    body = get("mosw")
    assert body["scope"]["office"] == "MOSW" and not body["scope"]["everything"]
    assert contract(body["totals"]) == {
        "received": 12,
        "resolved": 1,
        "rejected": 0,
        "forwarded": 0,
        "pending": 11,
        "overdue": 0,
        "appealed": 0,
    }
    rows = {row["code"]: row for row in body["by_office"]}
    assert body["by_office"][0]["code"] == "MOSW" and rows["MOSW"]["subtree"] is False  # the ministry's own desk first
    assert (rows["MOSW"]["received"], rows["MOSW"]["held"]["pending"]) == (2, 2)
    assert (rows["DSS"]["received"], rows["DSS"]["pending"], rows["DSS"]["held"]["pending"]) == (10, 9, 2)
    assert "MOFOOD" not in rows
    # Drilling down: the directorate, then the district, each with its own rows.
    dss = get("mosw", office="DSS")
    assert dss["scope"] == {"office": "DSS", "name": dss["scope"]["name"], "parent": "MOSW", "everything": False}
    dss_rows = {row["code"]: row for row in dss["by_office"]}
    assert dss_rows["DSS"]["forwarded"] == 1  # from DSS's own desk down to the district: out of that row
    assert dss_rows["DSS-KURIGRAM"]["received"] == 6  # 5 filed (4 there, 1 below), 1 forwarded in
    assert dss_rows["DSS-SATKHIRA"]["received"] == 2
    assert dss["totals"]["received"] == 10 and dss["totals"]["forwarded"] == 0


def test_the_district_gro_sees_the_district_office_alone():
    body = get("gro-dss-kurigram")
    assert body["scope"]["office"] == "DSS-KURIGRAM"
    assert contract(body["totals"]) == {
        "received": 5,  # 4 filed there, 1 forwarded from DSS; not the upazila office's below it
        "resolved": 1,
        "rejected": 0,
        "forwarded": 0,
        "pending": 4,
        "overdue": 0,
        "appealed": 0,
    }
    assert [(row["code"], row["subtree"]) for row in body["by_office"]] == [("DSS-KURIGRAM", False)]
    assert body["totals"]["average_days_to_resolve"] == 0.0
    assert body["totals"]["resolved_in_time_share"] == 1.0
    allowance = CharterService.objects.filter(office__code="DSS-KURIGRAM", category__slug=SOCIAL_PROTECTION).first()
    g2p = allowance.g2p or bool(allowance.programme and allowance.programme.g2p)
    assert body["g2p"]["received"] == (4 if g2p else 0)
    assert body["by_category"][0]["received"] == 4
