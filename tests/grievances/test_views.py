import gzip
import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from grievances import tracking
from grievances.models import Grievance
from grievances.services import grievance_file
from offices.models import AdminUnit, Office, Role
from tests.factories import (
    AdminUnitFactory,
    AppointmentFactory,
    CharterServiceFactory,
    OfficeFactory,
    ServiceCategoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW = "/grievances/new/"
RECEIPT = "/grievances/receipt/"
TRACK = "/track/"
NOT_FOUND = "No grievance has this tracking number with this phone number or access code"


@pytest.fixture
def client(client):
    """A visitor who chose English (pages are Bangla until then)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def area():
    rangpur = AdminUnitFactory(name_en="Rangpur", name_bn="রংপুর")
    kurigram = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=rangpur, name_en="Kurigram", name_bn="কুড়িগ্রাম")
    ulipur = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=kurigram, name_en="Ulipur", name_bn="উলিপুর")
    bazra = AdminUnitFactory(level=AdminUnit.Level.UNION, parent=ulipur, name_en="Bazra", name_bn="বজরা")
    nageshwari = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=kurigram, name_en="Nageshwari")
    dhaka = AdminUnitFactory(name_en="Dhaka", name_bn="ঢাকা")
    gazipur = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=dhaka, name_en="Gazipur")
    return {
        "rangpur": rangpur,
        "kurigram": kurigram,
        "ulipur": ulipur,
        "bazra": bazra,
        "nageshwari": nageshwari,
        "dhaka": dhaka,
        "gazipur": gazipur,
    }


@pytest.fixture
def offices(area):
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    dss = OfficeFactory(
        code="DSS", parent=ministry, layer=Office.Layer.DIRECTORATE, name_en="Department of Social Services"
    )

    def office(code, unit, layer, name_en, name_bn="", **extra):
        return OfficeFactory(
            code=code, parent=dss, layer=layer, admin_unit=unit, name_en=name_en, name_bn=name_bn or name_en, **extra
        )

    return {
        "district": office(
            "DSS-KURIGRAM",
            area["kurigram"],
            Office.Layer.DISTRICT,
            "District Social Services Office, Kurigram",
            "জেলা সমাজসেবা কার্যালয়, কুড়িগ্রাম",
        ),
        "upazila": office(
            "USSO-ULIPUR",
            area["ulipur"],
            Office.Layer.UPAZILA,
            "Upazila Social Services Office, Ulipur",
            "উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
        ),
        "union": office("UP-BAZRA", area["bazra"], Office.Layer.UNION, "Bazra Union Parishad"),
        "neighbour": office("USSO-NAGESHWARI", area["nageshwari"], Office.Layer.UPAZILA, "Upazila Office, Nageshwari"),
        "closed": office("USSO-ULIPUR-OLD", area["ulipur"], Office.Layer.UPAZILA, "Old Ulipur Office", active=False),
        "elsewhere": office("DSS-GAZIPUR", area["gazipur"], Office.Layer.DISTRICT, "District Office, Gazipur"),
    }


def link_to(office: str) -> str:
    return f'href="{NEW}?office={office}"'


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 106, 78)).save(out, format="PNG")
    return SimpleUploadedFile("receipt-photo.png", out.getvalue(), content_type="image/png")


def filing(**changes) -> dict:
    data = {
        "type": "citizen",
        "subject": "Old age allowance not paid",
        "description": "My mother has not received her allowance since March.",
        "complainant_name": "Amena Begum",
        "complainant_phone": "01712345678",
        "complainant_email": "",
        "complainant_address": "Bazra, Ulipur",
        "complainant_country": "BD",
        "idempotency_key": "0b7f6a52-52f4-4f5e-9a7c-3d1f2b6c9e10",
    }
    data.update(changes)
    return data


def access_code(html: str) -> str:
    found = re.search(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b", html)
    return found.group(1) if found else ""


# --- choosing the office ----------------------------------------------------------------------


def test_search_finds_an_office_by_english_name_bangla_name_and_code(client, offices, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        page = client.get(NEW, {"q": "social services kurigram"}).content.decode()
    assert link_to("DSS-KURIGRAM") in page
    assert link_to("USSO-ULIPUR") not in page

    page = client.get(NEW, {"q": "উলিপুর"}).content.decode()
    assert link_to("USSO-ULIPUR") in page and link_to("DSS-KURIGRAM") not in page

    page = client.get(NEW, {"q": "up-bazra"}).content.decode()
    assert link_to("UP-BAZRA") in page


def test_search_hides_closed_offices_and_says_when_nothing_matches(client, offices):
    page = client.get(NEW, {"q": "Old Ulipur"}).content.decode()
    assert link_to("USSO-ULIPUR-OLD") not in page
    assert "No office matches" in page


def test_search_lists_at_most_twenty_and_asks_to_narrow(client, offices):
    for n in range(25):
        OfficeFactory(code=f"CLINIC-{n}", name_en=f"Community Clinic {n}")
    page = client.get(NEW, {"q": "clinic"}).content.decode()
    assert page.count('href="/grievances/new/?office=CLINIC-') == 20
    assert "add a word to narrow the search" in page


def test_drill_down_from_division_to_union_lists_the_right_areas_and_offices(
    client, area, offices, django_assert_max_num_queries
):
    def units(page, level):
        return set(re.findall(rf'href="/grievances/new/\?{level}=(\d+)"', page))

    top = client.get(NEW).content.decode()
    assert units(top, "division") == {str(area["rangpur"].pk), str(area["dhaka"].pk)}

    with django_assert_max_num_queries(4):
        division = client.get(NEW, {"division": area["rangpur"].pk}).content.decode()
    assert units(division, "district") == {str(area["kurigram"].pk)}

    with django_assert_max_num_queries(4):
        district = client.get(NEW, {"district": area["kurigram"].pk}).content.decode()
    assert units(district, "upazila") == {str(area["ulipur"].pk), str(area["nageshwari"].pk)}
    assert link_to("DSS-KURIGRAM") in district

    # Enough offices that a query per office would show.
    for n in range(8):
        OfficeFactory(code=f"UP-EXTRA-{n}", layer=Office.Layer.UNION, admin_unit=area["bazra"])
    with django_assert_max_num_queries(4):
        upazila = client.get(NEW, {"upazila": area["ulipur"].pk}).content.decode()
    assert units(upazila, "union") == {str(area["bazra"].pk)}
    for code in ("USSO-ULIPUR", "UP-BAZRA", "UP-EXTRA-7", "DSS-KURIGRAM"):
        assert link_to(code) in upazila
    for code in ("USSO-ULIPUR-OLD", "USSO-NAGESHWARI", "DSS-GAZIPUR", "MOSW"):
        assert link_to(code) not in upazila
    # The trail leads back up.
    assert f'href="/grievances/new/?district={area["kurigram"].pk}"' in upazila

    union = client.get(NEW, {"union": area["bazra"].pk}).content.decode()
    for code in ("UP-BAZRA", "USSO-ULIPUR", "DSS-KURIGRAM"):
        assert link_to(code) in union
    assert link_to("USSO-NAGESHWARI") not in union


def test_an_unknown_area_is_not_found(client, area):
    assert client.get(NEW, {"district": 999999}).status_code == 404
    assert client.get(NEW, {"district": area["rangpur"].pk}).status_code == 404  # a division, not a district
    assert client.get(NEW, {"upazila": "x"}).status_code == 404


def test_an_unknown_office_code_goes_back_to_choosing(client, offices):
    response = client.get(NEW, {"office": "NO-SUCH"})
    assert response.status_code == 200
    assert "No office takes grievances under the code" in response.content.decode()
    assert 'name="q"' in response.content.decode()


# --- the filing form --------------------------------------------------------------------------


def test_the_form_offers_the_offices_services_social_protection_first(client, offices):
    office = offices["upazila"]
    other = ServiceCategoryFactory(slug="certificates", name_en="Certificates", order=5)
    CharterServiceFactory(office=office, name_en="Birth certificate", category=other)
    CharterServiceFactory(office=office, name_en="Old Age Allowance")
    CharterServiceFactory(office=offices["district"], name_en="District-only service")
    page = client.get(NEW, {"office": office.code}).content.decode()
    assert "Upazila Social Services Office, Ulipur" in page
    assert page.index("Old Age Allowance") < page.index("Birth certificate")
    assert "District-only service" not in page
    assert 'href="/grievances/new/"' in page  # change the office
    assert 'type="file"' in page and "multiple" in page and 'accept="image/jpeg' in page
    assert 'value="official"' not in page  # only officials may file as one


def test_a_citizen_files_on_the_web_and_gets_a_receipt(client, offices):
    office = offices["upazila"]
    service = CharterServiceFactory(office=office, name_en="Old Age Allowance", timeframe_days=15)
    response = client.post(
        f"{NEW}?office={office.code}", filing(service=service.pk, attachments=[png()]), format="multipart"
    )
    assert response.status_code == 302 and response.url == RECEIPT

    grievance = Grievance.objects.get()
    assert grievance.channel == "web" and grievance.type == "citizen"
    assert grievance.office == office and grievance.service == service
    assert grievance.complainant_phone == "+8801712345678"
    assert grievance.attachments.count() == 1

    page = client.get(RECEIPT).content.decode()
    assert tracking.display(grievance.tracking_number) in page
    assert f'datetime="{grievance.due_date.isoformat()}"' in page
    assert "Upazila Social Services Office, Ulipur" in page
    assert "http://testserver/track/" in page
    assert "Appeal Officer then has 20 working days" in page
    assert access_code(page) == ""  # a citizen with a phone follows it by phone


def test_an_anonymous_filing_shows_the_access_code_once(client, offices):
    response = client.post(
        f"{NEW}?office=USSO-ULIPUR",
        filing(type="anonymous", complainant_name="Someone", complainant_phone="01712345678"),
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.type == "anonymous" and grievance.complainant_name == "" and grievance.complainant_phone == ""

    first = client.get(RECEIPT).content.decode()
    code = access_code(first)
    assert code and "cannot be shown again" in first
    assert tracking.display(grievance.tracking_number) in first

    again = client.get(RECEIPT).content.decode()
    assert tracking.display(grievance.tracking_number) in again
    assert access_code(again) == "" and code not in again

    # The code shown is the one that opens the grievance.
    tracked = client.post(TRACK, {"tracking_number": grievance.tracking_number, "secret": code}).content.decode()
    assert "Submitted" in tracked and NOT_FOUND not in tracked


def test_the_receipt_page_without_a_filing_sends_you_to_tracking(client):
    response = client.get(RECEIPT)
    assert response.status_code == 302 and response.url == TRACK


def test_another_visitor_never_sees_someone_elses_receipt(client, offices):
    client.post(f"{NEW}?office=USSO-ULIPUR", filing(type="anonymous"))
    assert Client().get(RECEIPT).status_code == 302


def test_errors_keep_what_was_typed_and_sit_by_their_field(client, offices):
    response = client.post(
        f"{NEW}?office=USSO-ULIPUR",
        filing(complainant_name="", complainant_address="House 12, Bazra", attachments=[png()]),
    )
    assert response.status_code == 200
    assert Grievance.objects.count() == 0
    page = response.content.decode()
    assert 'role="alert"' in page
    error = re.search(r'<ul class="errorlist" id="id_complainant_name_error"><li>(.*?)</li>', page)
    assert error and "name" in error.group(1)
    assert re.search(r'<input[^>]*name="complainant_name"[^>]*aria-describedby="id_complainant_name_error"', page) or (
        re.search(r'<input[^>]*aria-describedby="id_complainant_name_error"[^>]*name="complainant_name"', page)
    )
    assert 'value="Old age allowance not paid"' in page
    assert "My mother has not received her allowance since March." in page
    assert "House 12, Bazra" in page and 'value="01712345678"' in page
    assert "please attach the files again" in page


def test_a_wrong_phone_number_is_reported_on_the_phone_field(client, offices):
    page = client.post(f"{NEW}?office=USSO-ULIPUR", filing(complainant_phone="12")).content.decode()
    assert re.search(r'id="id_complainant_phone_error"><li>[^<]*phone', page)
    assert Grievance.objects.count() == 0


def test_pressing_submit_twice_files_once(client, offices):
    data = filing(type="anonymous")
    first = client.post(f"{NEW}?office=USSO-ULIPUR", data)
    second = client.post(f"{NEW}?office=USSO-ULIPUR", data)
    assert first.status_code == second.status_code == 302
    assert Grievance.objects.count() == 1
    # The second press did not cost the filer their access code.
    assert access_code(client.get(RECEIPT).content.decode())


def test_a_new_form_gets_a_new_idempotency_key(client, offices):
    keys = {
        re.search(
            r'name="idempotency_key" value="([^"]+)"', client.get(NEW, {"office": "USSO-ULIPUR"}).content.decode()
        )[1]
        for _ in range(2)
    }
    assert len(keys) == 2


def test_an_official_may_file_as_one(client, offices):
    user = UserFactory(username="clerk", full_name="Karim Uddin", phone="+8801811111111")
    AppointmentFactory(user=user, office=offices["district"], role=Role.EMPLOYEE)
    client.force_login(user)
    page = client.get(NEW, {"office": "USSO-ULIPUR"}).content.decode()
    assert 'value="official"' in page
    response = client.post(f"{NEW}?office=USSO-ULIPUR", filing(type="official", complainant_name=""))
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.type == "official" and grievance.filed_by == user and grievance.complainant_name == "Karim Uddin"


def test_a_visitor_cannot_file_as_an_official(client, offices):
    page = client.post(f"{NEW}?office=USSO-ULIPUR", filing(type="official")).content.decode()
    assert Grievance.objects.count() == 0
    assert 'id="id_type_error"' in page


def test_the_form_page_weighs_under_100_kb_gzipped(client, offices):
    for n in range(40):
        CharterServiceFactory(office=offices["upazila"], name_en=f"Service with a long descriptive name number {n}")
    page = client.get(NEW, {"office": "USSO-ULIPUR"})
    html = page.content
    total = len(gzip.compress(html))
    assets = re.findall(rb'<(?:link[^>]+href|script[^>]+src)="([^"]+)"', html)
    assert any(asset.endswith(b".css") for asset in assets)
    for asset in assets:
        response = client.get(asset.decode())
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        total += len(gzip.compress(body))
    assert total < 100 * 1024


def test_pages_speak_bangla_until_english_is_chosen(offices):
    visitor = Client()
    for url in (NEW, f"{NEW}?office=USSO-ULIPUR", TRACK):
        assert '<html lang="bn">' in visitor.get(url).content.decode()


# --- tracking ---------------------------------------------------------------------------------


@pytest.fixture
def filed(offices):
    return grievance_file(
        type="citizen",
        office=offices["upazila"],
        subject="Allowance stopped",
        description="Payment stopped in March.",
        complainant_name="Amena Begum",
        complainant_phone="01712345678",
        complainant_email="amena@example.com",
        channel="web",
    ).grievance


def test_tracking_with_the_right_phone_shows_status_and_timeline_but_no_identity(client, filed):
    response = client.post(TRACK, {"tracking_number": tracking.display(filed.tracking_number), "secret": "01712345678"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<strong class="status">Submitted</strong>' in page
    assert "Upazila Social Services Office, Ulipur" in page
    assert f'datetime="{filed.due_date.isoformat()}"' in page
    assert "Received at Upazila Social Services Office, Ulipur." in page  # the public note of the first event
    for private in ("Amena", "01712345678", "1712345678", "amena@example.com"):
        assert private not in page
    assert "Overdue" not in page
    assert "no-store" in response["Cache-Control"]


def test_a_wrong_phone_and_an_unknown_number_get_the_same_answer(client, filed):
    wrong = client.post(TRACK, {"tracking_number": filed.tracking_number, "secret": "01812345678"}).content.decode()
    assert NOT_FOUND in wrong and "Submitted" not in wrong
    unknown = tracking.generate()
    while unknown == filed.tracking_number:
        unknown = tracking.generate()
    other = client.post(TRACK, {"tracking_number": unknown, "secret": "01712345678"}).content.decode()
    assert NOT_FOUND in other
    assert "01812345678" not in wrong  # what was typed as a phone is not written back into the page


def test_a_mistyped_number_asks_to_check_it(client, filed):
    number = filed.tracking_number
    typo = number[:3] + number[4] + number[3] + number[5:] if number[3] != number[4] else number[:-1] + "x"
    page = client.post(TRACK, {"tracking_number": typo, "secret": "01712345678"}).content.decode()
    assert "Please check it" in page
    assert 'id="id_tracking_number_error"' in page
    assert NOT_FOUND not in page


def test_an_open_grievance_past_its_due_date_is_highlighted(client, filed):
    Grievance.objects.filter(pk=filed.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    page = client.post(TRACK, {"tracking_number": filed.tracking_number, "secret": "+8801712345678"}).content.decode()
    assert "result overdue" in page and "Overdue" in page


def test_the_track_form_is_posted_so_phone_numbers_stay_out_of_urls(client):
    page = client.get(TRACK).content.decode()
    assert re.search(r'<form method="post" action="/track/"', page)
    assert "csrfmiddlewaretoken" in page


def test_guessing_is_slowed_down_by_the_same_limits_as_the_api(client, filed, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"filing": "1/hour", "tracking": "2/hour"},
    }
    for phone in ("01811111111", "01822222222"):
        assert client.post(TRACK, {"tracking_number": filed.tracking_number, "secret": phone}).status_code == 200
    blocked = client.post(TRACK, {"tracking_number": filed.tracking_number, "secret": "01712345678"})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode() and "Submitted" not in blocked.content.decode()

    assert client.post(f"{NEW}?office=USSO-ULIPUR", filing()).status_code == 302
    again = client.post(f"{NEW}?office=USSO-ULIPUR", filing(idempotency_key=""))
    assert again.status_code == 429 and Grievance.objects.count() == 2  # the fixture's and the first
    assert 'value="Old age allowance not paid"' in again.content.decode()
