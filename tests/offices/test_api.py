"""The public office API (/api/v1/offices/): search, filters, detail, children, pagination, queries."""

import pytest
from rest_framework.test import APIClient

from offices.models import AdminUnit, Office
from tests.factories import AdminUnitFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def tree():
    """MOSW > DSS > DSS-KURIGRAM > USSO-ULIPUR, plus DSS-SATKHIRA and another ministry."""
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    dss = OfficeFactory(
        code="DSS",
        name_en="Department of Social Services",
        name_bn="সমাজসেবা অধিদফতর",
        layer=Office.Layer.DIRECTORATE,
        parent=mosw,
    )
    kurigram = OfficeFactory(
        code="DSS-KURIGRAM",
        name_en="District Social Services Office, Kurigram",
        name_bn="জেলা সমাজসেবা কার্যালয়, কুড়িগ্রাম",
        layer=Office.Layer.DISTRICT,
        parent=dss,
    )
    satkhira = OfficeFactory(
        code="DSS-SATKHIRA",
        name_en="District Social Services Office, Satkhira",
        name_bn="জেলা সমাজসেবা কার্যালয়, সাতক্ষীরা",
        layer=Office.Layer.DISTRICT,
        parent=dss,
    )
    ulipur = OfficeFactory(
        code="USSO-ULIPUR",
        name_en="Upazila Social Services Office, Ulipur",
        name_bn="উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
        layer=Office.Layer.UPAZILA,
        parent=kurigram,
    )
    mofood = OfficeFactory(code="MOFOOD", name_en="Ministry of Food", name_bn="খাদ্য মন্ত্রণালয়")
    return {"MOSW": mosw, "DSS": dss, "KURIGRAM": kurigram, "SATKHIRA": satkhira, "ULIPUR": ulipur, "MOFOOD": mofood}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize("text", ["Kurigram", "kurigram", "কুড়িগ্রাম", "dss-kurigram"])
def test_search_finds_an_office_by_code_english_or_bangla_name(api, tree, text):
    assert codes(api.get("/api/v1/offices/", {"search": text})) == ["DSS-KURIGRAM"]


def test_search_with_several_words_narrows_to_offices_matching_all_of_them(api, tree):
    assert codes(api.get("/api/v1/offices/", {"search": "district office"})) == ["DSS-KURIGRAM", "DSS-SATKHIRA"]
    assert codes(api.get("/api/v1/offices/", {"search": "district satkhira"})) == ["DSS-SATKHIRA"]
    assert codes(api.get("/api/v1/offices/", {"search": "সমাজসেবা উলিপুর"})) == ["USSO-ULIPUR"]
    assert codes(api.get("/api/v1/offices/", {"search": "kurigram satkhira"})) == []


def test_list_filters_by_layer_and_parent_code(api, tree):
    assert codes(api.get("/api/v1/offices/", {"layer": "district"})) == ["DSS-KURIGRAM", "DSS-SATKHIRA"]
    assert codes(api.get("/api/v1/offices/", {"layer": "ministry"})) == ["MOSW", "MOFOOD"]
    assert codes(api.get("/api/v1/offices/", {"parent": "dss"})) == ["DSS-KURIGRAM", "DSS-SATKHIRA"]
    assert codes(api.get("/api/v1/offices/", {"parent": "DSS", "search": "satkhira"})) == ["DSS-SATKHIRA"]


def test_an_unknown_layer_is_refused_with_the_field_named(api, tree):
    response = api.get("/api/v1/offices/", {"layer": "galaxy"})
    assert response.status_code == 400
    assert "layer" in response.json()


def test_list_hides_inactive_offices(api, tree):
    OfficeFactory(code="OLD-KURIGRAM", name_en="Old Kurigram office", parent=tree["DSS"], active=False)
    assert codes(api.get("/api/v1/offices/", {"search": "kurigram"})) == ["DSS-KURIGRAM"]


def test_each_office_carries_code_names_layer_and_parent_code(api, tree):
    rows = {row["code"]: row for row in api.get("/api/v1/offices/").json()["results"]}
    assert rows["DSS-KURIGRAM"]["name_en"] == "District Social Services Office, Kurigram"
    assert rows["DSS-KURIGRAM"]["name_bn"] == "জেলা সমাজসেবা কার্যালয়, কুড়িগ্রাম"
    assert rows["DSS-KURIGRAM"]["layer"] == "district"
    assert rows["DSS-KURIGRAM"]["parent"] == "DSS"
    assert rows["MOSW"]["parent"] is None


def test_detail_answers_an_office_by_code_in_any_case(api, tree):
    response = api.get("/api/v1/offices/dss-kurigram/")
    assert response.status_code == 200
    assert response.json()["code"] == "DSS-KURIGRAM"
    assert response.json()["parent"] == "DSS"


@pytest.mark.parametrize("path", ["/api/v1/offices/{code}/", "/api/v1/offices/{code}/children/"])
def test_an_unknown_or_inactive_office_is_404_with_a_detail(api, tree, path):
    OfficeFactory(code="CLOSED", name_en="Closed office", parent=tree["DSS"], active=False)
    for code in ["NOPE", "CLOSED"]:
        response = api.get(path.format(code=code))
        assert response.status_code == 404
        assert response.json()["detail"] == f"No active office has the code {code}."


def test_not_found_answers_in_the_language_the_client_asks_for(tree):
    client = APIClient()
    english = client.get("/api/v1/offices/NOPE/", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    assert english.json()["detail"] == "No active office has the code NOPE."
    bangla = client.get("/api/v1/offices/NOPE/", HTTP_ACCEPT_LANGUAGE="bn")
    assert bangla.status_code == 404
    assert bangla["Content-Language"] == "bn"
    assert bangla.json()["detail"]


def test_children_lists_exactly_the_direct_children(api, tree):
    assert codes(api.get("/api/v1/offices/DSS/children/")) == ["DSS-KURIGRAM", "DSS-SATKHIRA"]
    assert codes(api.get("/api/v1/offices/MOSW/children/")) == ["DSS"]
    assert codes(api.get("/api/v1/offices/USSO-ULIPUR/children/")) == []


def test_children_leave_out_inactive_offices(api, tree):
    OfficeFactory(code="DSS-CLOSED", parent=tree["DSS"], layer=Office.Layer.DISTRICT, active=False)
    assert codes(api.get("/api/v1/offices/DSS/children/")) == ["DSS-KURIGRAM", "DSS-SATKHIRA"]


def test_lists_are_paginated_and_the_page_size_is_bounded(api):
    ministry = OfficeFactory(code="BIG")
    for n in range(205):
        OfficeFactory(code=f"BIG-{n:03}", parent=ministry, layer=Office.Layer.DISTRICT)

    first = api.get("/api/v1/offices/", {"page_size": 10}).json()
    assert first["count"] == 206
    assert len(first["results"]) == 10
    assert "page=2" in first["next"]
    assert first["previous"] is None
    second = api.get(first["next"]).json()
    assert {r["code"] for r in second["results"]}.isdisjoint(r["code"] for r in first["results"])

    assert len(api.get("/api/v1/offices/", {"page_size": 5000}).json()["results"]) == 200
    assert len(api.get("/api/v1/offices/").json()["results"]) == 50
    children = api.get("/api/v1/offices/BIG/children/", {"page_size": 5000}).json()
    assert children["count"] == 205
    assert len(children["results"]) == 200


@pytest.mark.parametrize("url", ["/api/v1/offices/", "/api/v1/offices/ROOT/children/"])
def test_lists_take_the_same_few_queries_whatever_the_page_size(api, django_assert_max_num_queries, url):
    area = AdminUnitFactory(level=AdminUnit.Level.DIVISION)
    root = OfficeFactory(code="ROOT", admin_unit=area)
    counts = []
    for total in (5, 60):
        while Office.objects.count() < total:
            OfficeFactory(parent=root, layer=Office.Layer.DISTRICT, admin_unit=area)
        with django_assert_max_num_queries(3) as captured:
            response = api.get(url, {"page_size": 100})
        assert len(response.json()["results"]) >= total - 1
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/api/v1/offices/", "/api/v1/offices/DSS/", "/api/v1/offices/DSS/children/"])
def test_writes_to_the_read_only_office_endpoints_are_refused(api, tree, method, url):
    response = getattr(api, method)(url, {"code": "NEW", "name_en": "New"}, format="json")
    assert response.status_code in {401, 403, 405}
    assert Office.objects.filter(code="NEW").count() == 0
    assert Office.objects.get(code="DSS").name_en == "Department of Social Services"


# Token sign-in (/api/v1/auth/token/), checked against the office list it authenticates.


def test_token_sign_in_returns_a_token_that_authenticates_requests(api):
    user = UserFactory(username="udc-kurigram")
    response = api.post("/api/v1/auth/token/", {"username": "udc-kurigram", "password": "pass-1234"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token

    again = api.post("/api/v1/auth/token/", {"username": "udc-kurigram", "password": "pass-1234"}, format="json")
    assert again.json()["token"] == token

    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = signed_in.get("/api/v1/offices/")
    assert listed.status_code == 200
    assert listed.wsgi_request.user == user


def test_a_bad_token_is_refused_not_taken_for_anonymous(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token", HTTP_ACCEPT_LANGUAGE="en")
    response = api.get("/api/v1/offices/")
    # DRF answers 401 only when the first authentication class in the settings has a WWW-Authenticate
    # scheme (Token does, Session does not); either way the request must be refused, not served.
    assert response.status_code in {401, 403}
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.parametrize(
    "username, password",
    [("udc-kurigram", "wrong-password"), ("nobody", "pass-1234"), ("retired", "pass-1234")],
)
def test_token_sign_in_refuses_wrong_credentials_with_a_clear_message(api, username, password):
    UserFactory(username="udc-kurigram")
    UserFactory(username="retired", is_active=False)
    response = api.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "The username or password is wrong, or the account is disabled."
    assert "token" not in response.json()


def test_token_sign_in_names_missing_fields(api):
    response = api.post("/api/v1/auth/token/", {"username": "udc-kurigram"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": ["This field is required."]}


def test_token_sign_in_is_not_blocked_by_a_stale_token_header(api):
    UserFactory(username="udc-kurigram")
    api.credentials(HTTP_AUTHORIZATION="Token expired-long-ago", HTTP_ACCEPT_LANGUAGE="en")
    response = api.post("/api/v1/auth/token/", {"username": "udc-kurigram", "password": "pass-1234"}, format="json")
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_the_token_endpoint_only_takes_post(api, method):
    assert getattr(api, method)("/api/v1/auth/token/").status_code == 405


def test_search_matches_bangla_typed_in_either_unicode_spelling(client):
    import unicodedata

    OfficeFactory(code="DSS-KURIGRAM", name_bn=unicodedata.normalize("NFC", "জেলা সমাজসেবা কার্যালয়, কুড়িগ্রাম"))
    # ড় typed as one code point (U+09DC); NFC spells it as two (U+09A1 U+09BC).
    typed = "কু\u09dcিগ্রাম"
    assert typed not in unicodedata.normalize("NFC", "কুড়িগ্রাম")
    response = client.get("/api/v1/offices/", {"search": typed})
    assert [o["code"] for o in response.json()["results"]] == ["DSS-KURIGRAM"]
