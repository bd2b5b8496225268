"""The public charter-service API (/api/v1/services/): fields, filters, order, queries."""

import pytest
from rest_framework.test import APIClient

from charters.models import SOCIAL_PROTECTION, CharterService
from offices.models import Office
from tests.factories import CharterServiceFactory, OfficeFactory, ProgrammeFactory, ServiceCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def kurigram():
    dss = OfficeFactory(code="DSS", layer=Office.Layer.DIRECTORATE)
    return OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT)


@pytest.fixture
def land():
    return ServiceCategoryFactory(slug="land", name_en="Land", name_bn="ভূমি", order=10)


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_each_service_carries_the_contract_fields(api, kurigram):
    oaa = ProgrammeFactory(code="OAA", name_en="Old Age Allowance")
    service = CharterServiceFactory(
        office=kurigram,
        name_en="Old Age Allowance enrolment",
        name_bn="বয়স্ক ভাতা তালিকাভুক্তি",
        programme=oaa,
        timeframe_days=10,
        g2p=True,
    )
    CharterServiceFactory(office=kurigram, name_en="Counselling", programme=None)

    by_name = {row["name_en"]: row for row in rows(api.get("/api/v1/services/", {"office": "DSS-KURIGRAM"}))}
    expected = {
        "id": service.pk,
        "office": "DSS-KURIGRAM",
        "name_en": "Old Age Allowance enrolment",
        "name_bn": "বয়স্ক ভাতা তালিকাভুক্তি",
        "category": SOCIAL_PROTECTION,
        "programme": "OAA",
        "timeframe_days": 10,
        "g2p": True,
    }
    assert {key: by_name["Old Age Allowance enrolment"][key] for key in expected} == expected
    assert by_name["Counselling"]["programme"] is None
    assert by_name["Counselling"]["g2p"] is False


def test_services_filter_by_office_code_and_category_slug(api, kurigram, land):
    satkhira = OfficeFactory(code="DSS-SATKHIRA", parent=kurigram.parent, layer=Office.Layer.DISTRICT)
    CharterServiceFactory(office=kurigram, name_en="Widow Allowance")
    CharterServiceFactory(office=kurigram, name_en="Mutation", category=land)
    CharterServiceFactory(office=satkhira, name_en="Disability Allowance")

    def names(params: dict) -> list[str]:
        return [row["name_en"] for row in rows(api.get("/api/v1/services/", params))]

    assert sorted(names({"office": "dss-kurigram"})) == ["Mutation", "Widow Allowance"]
    assert names({"office": "DSS-KURIGRAM", "category": SOCIAL_PROTECTION}) == ["Widow Allowance"]
    assert sorted(names({"category": SOCIAL_PROTECTION})) == ["Disability Allowance", "Widow Allowance"]
    assert names({"category": "land"}) == ["Mutation"]
    assert names({"office": "NOWHERE"}) == []


def test_inactive_services_and_services_of_inactive_offices_are_hidden(api, kurigram):
    closed = OfficeFactory(code="CLOSED", parent=kurigram.parent, layer=Office.Layer.DISTRICT, active=False)
    CharterServiceFactory(office=kurigram, name_en="Widow Allowance")
    CharterServiceFactory(office=kurigram, name_en="Retired service", active=False)
    CharterServiceFactory(office=closed, name_en="Service of a closed office")

    assert [r["name_en"] for r in rows(api.get("/api/v1/services/"))] == ["Widow Allowance"]


def test_social_protection_comes_before_other_categories_of_an_office(api, kurigram, land):
    CharterServiceFactory(office=kurigram, name_en="A land record", category=land)
    CharterServiceFactory(office=kurigram, name_en="Zero-balance account for allowance")
    CharterServiceFactory(office=kurigram, name_en="Widow Allowance")

    listed = rows(api.get("/api/v1/services/", {"office": "DSS-KURIGRAM"}))
    assert [(r["category"], r["name_en"]) for r in listed] == [
        (SOCIAL_PROTECTION, "Widow Allowance"),
        (SOCIAL_PROTECTION, "Zero-balance account for allowance"),
        ("land", "A land record"),
    ]


def test_services_list_takes_the_same_few_queries_whatever_the_page_size(
    api, kurigram, land, django_assert_max_num_queries
):
    counts = []
    for total in (5, 60):
        while CharterService.objects.count() < total:
            n = CharterService.objects.count()
            CharterServiceFactory(
                office=kurigram,
                category=land if n % 2 else ServiceCategoryFactory(),
                programme=ProgrammeFactory(code=f"P{n % 7}"),
            )
        with django_assert_max_num_queries(2) as captured:
            listed = rows(api.get("/api/v1/services/", {"page_size": 100}))
        assert len(listed) == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_services_page_size_is_bounded(api, kurigram):
    for n in range(201):
        CharterServiceFactory(office=kurigram, name_en=f"Service {n:03}")
    page = api.get("/api/v1/services/", {"page_size": 1000}).json()
    assert page["count"] == 201
    assert len(page["results"]) == 200
    assert "page=2" in page["next"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_to_the_services_list_are_refused(api, kurigram, method):
    CharterServiceFactory(office=kurigram, name_en="Widow Allowance")
    payload = {"office": "DSS-KURIGRAM", "name_en": "Forged", "timeframe_days": 1}
    response = getattr(api, method)("/api/v1/services/", payload, format="json")
    assert response.status_code in {401, 403, 405}
    assert list(CharterService.objects.values_list("name_en", flat=True)) == ["Widow Allowance"]
