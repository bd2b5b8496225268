import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone

from grievances import tracking
from grievances.models import EventKind, Grievance
from grievances.selectors import grievance_for_complainant
from grievances.services import grievance_file
from offices.models import AdminUnit, Office, Role
from tests.factories import AdminUnitFactory, AppointmentFactory, CharterServiceFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

UDC = "/udc/"
HOTLINE = "/hotline/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client(client):
    """An operator who reads English (the console is Bangla until then)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def offices():
    rangpur = AdminUnitFactory(name_en="Rangpur")
    kurigram = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=rangpur, name_en="Kurigram")
    ulipur = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=kurigram, name_en="Ulipur", name_bn="উলিপুর")
    bazra = AdminUnitFactory(level=AdminUnit.Level.UNION, parent=ulipur, name_en="Bazra", name_bn="বজরা")
    durgapur = AdminUnitFactory(level=AdminUnit.Level.UNION, parent=ulipur, name_en="Durgapur")
    nageshwari = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=kurigram, name_en="Nageshwari")
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")

    def office(code, unit, layer, name_en, name_bn=""):
        return OfficeFactory(
            code=code, parent=ministry, layer=layer, admin_unit=unit, name_en=name_en, name_bn=name_bn or name_en
        )

    return {
        "ministry": ministry,
        "union": office("UP-BAZRA", bazra, Office.Layer.UNION, "Bazra Union Parishad", "বজরা ইউনিয়ন পরিষদ"),
        "upazila": office(
            "USSO-ULIPUR",
            ulipur,
            Office.Layer.UPAZILA,
            "Upazila Social Services Office, Ulipur",
            "উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
        ),
        "other_union": office("UP-DURGAPUR", durgapur, Office.Layer.UNION, "Durgapur Union Parishad"),
        "district": office("DSS-KURIGRAM", kurigram, Office.Layer.DISTRICT, "District Social Services, Kurigram"),
        "neighbour": office("USSO-NAGESHWARI", nageshwari, Office.Layer.UPAZILA, "Upazila Office, Nageshwari"),
    }


@pytest.fixture
def operator(offices):
    user = UserFactory(username="udc-bazra", full_name="Rafiq Islam")
    AppointmentFactory(user=user, office=offices["union"], role=Role.UDC_OPERATOR)
    return user


@pytest.fixture
def agent(offices):
    user = UserFactory(username="hotline-1", full_name="Nasrin Akter")
    AppointmentFactory(user=user, office=offices["ministry"], role=Role.HOTLINE_AGENT)
    return user


@pytest.fixture
def gro(offices):
    user = UserFactory(username="gro-ulipur")
    AppointmentFactory(user=user, office=offices["upazila"], role=Role.GRO)
    return user


def filing(**changes) -> dict:
    data = {
        "office": "USSO-ULIPUR",
        "channel": "udc",
        "type": "citizen",
        "subject": "Widow allowance not paid",
        "description": "Her allowance has not come for three months.",
        "complainant_name": "Jahanara Begum",
        "complainant_phone": "",
        "complainant_address": "Bazra, Ulipur",
        "complainant_country": "BD",
        "idempotency_key": "5d2b8a4e-8f1c-4a63-9a7e-0c4a3e1b2f10",
    }
    data.update(changes)
    return data


def access_code(html: str) -> str:
    found = re.search(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b", html)
    return found.group(1) if found else ""


def office_choices(page: str) -> list[str]:
    select = re.search(r'<select name="office".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


# --- who may open the consoles ------------------------------------------------------------------


@pytest.mark.parametrize("url", [UDC, HOTLINE, f"{UDC}sw.js", f"{UDC}receipt/1234567890/"])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", [UDC, HOTLINE, f"{UDC}sw.js"])
def test_an_official_without_the_role_does_not_learn_the_console_exists(client, gro, url):
    client.force_login(gro)
    assert client.get(url).status_code == 404
    assert client.post(url, filing()).status_code == 404
    assert Grievance.objects.count() == 0


def test_each_console_is_for_its_own_role_and_a_current_appointment(client, operator, agent, offices):
    client.force_login(operator)
    assert client.get(UDC).status_code == 200
    assert client.get(HOTLINE).status_code == 404
    client.force_login(agent)
    assert client.get(HOTLINE).status_code == 200
    assert client.get(UDC).status_code == 404

    former = UserFactory(username="udc-former")
    AppointmentFactory(
        user=former,
        office=offices["union"],
        role=Role.UDC_OPERATOR,
        start_date=timezone.localdate() - timedelta(days=400),
        end_date=timezone.localdate() - timedelta(days=30),
    )
    client.force_login(former)
    assert client.get(UDC).status_code == 404


# --- the UDC console ----------------------------------------------------------------------------


def test_the_udc_console_offers_the_operators_union_and_upazila_offices_first(client, operator, offices):
    client.force_login(operator)
    page = client.get(UDC).content.decode()
    assert office_choices(page) == ["UP-BAZRA", "USSO-ULIPUR"]
    assert "Offices in Bazra" in page and "Offices in Ulipur" in page
    assert 'value="udc"' in page and 'value="paper"' in page and 'value="official"' not in page

    # Any other office is one search away, and then comes first.
    results = client.get(UDC, {"q": "social services kurigram"}).content.decode()
    assert 'href="?office=DSS-KURIGRAM"' in results and 'href="?office=USSO-ULIPUR"' not in results
    chosen = client.get(UDC, {"office": "DSS-KURIGRAM"}).content.decode()
    assert office_choices(chosen) == ["DSS-KURIGRAM", "UP-BAZRA", "USSO-ULIPUR"]
    assert re.search(r'<option value="DSS-KURIGRAM" selected>', chosen)


def test_the_service_list_carries_each_services_office(client, operator, offices):
    CharterServiceFactory(office=offices["upazila"], name_en="Widow Allowance")
    CharterServiceFactory(office=offices["neighbour"], name_en="Service elsewhere")
    client.force_login(operator)
    page = client.get(UDC).content.decode()
    assert re.search(r'<option value="\d+" data-office="USSO-ULIPUR">Widow Allowance', page)
    assert "Service elsewhere" not in page


def test_a_villager_without_a_phone_gets_a_receipt_with_an_access_code(client, operator, offices):
    client.force_login(operator)
    response = client.post(UDC, filing())
    grievance = Grievance.objects.get()
    assert response.status_code == 302
    assert response.url == f"/udc/receipt/{grievance.tracking_number}/"
    assert grievance.channel == "udc" and grievance.type == "citizen"
    assert grievance.filed_by == operator and grievance.on_behalf
    assert grievance.office == offices["upazila"]
    assert grievance.complainant_name == "Jahanara Begum" and grievance.complainant_phone == ""

    receipt = client.get(response.url)
    page = receipt.content.decode()
    assert "no-store" in receipt["Cache-Control"]
    assert tracking.display(grievance.tracking_number) in page
    code = access_code(page)
    assert code
    # The code printed for the villager is the one that opens the grievance.
    assert grievance_for_complainant(grievance.tracking_number, code=code) == grievance
    # A second print keeps it; back at the console it is gone for good.
    assert code in client.get(response.url).content.decode()
    client.get(UDC)
    assert code not in client.get(response.url).content.decode()


def test_the_receipt_is_in_bangla_for_the_villager_and_prints_on_a5_or_80_mm(client, operator, offices):
    client.force_login(operator)
    url = client.post(UDC, filing()).url
    page = client.get(url).content.decode()
    assert re.search(r'<article class="console-receipt" lang="bn">', page)
    assert "উপজেলা সমাজসেবা কার্যালয়, উলিপুর" in page  # the office's Bangla name
    assert '<html lang="en">' in page  # while the operator's own page stays in their language

    english = client.get(url, {"lang": "en"}).content.decode()
    assert re.search(r'<article class="console-receipt" lang="en">', english)
    assert "Upazila Social Services Office, Ulipur" in english

    narrow = client.get(url, {"paper": "narrow"}).content.decode()
    assert re.search(r'<article class="console-receipt narrow" lang="bn">', narrow)
    css = b"".join(client.get(static("css/grs.css")).streaming_content).decode()
    assert re.search(r"@page receipt-a5 \{ size: A5;", css) and "page: receipt-narrow" in css


def test_a_villager_with_a_phone_follows_it_by_phone(client, operator, offices):
    client.force_login(operator)
    url = client.post(UDC, filing(complainant_phone="01712345678")).url
    grievance = Grievance.objects.get()
    assert grievance.complainant_phone == "+8801712345678" and grievance.access_code_hash == ""
    assert access_code(client.get(url).content.decode()) == ""


def test_an_anonymous_filing_keeps_no_identity(client, operator, offices):
    client.force_login(operator)
    url = client.post(UDC, filing(type="anonymous", complainant_phone="01712345678")).url
    grievance = Grievance.objects.get()
    assert grievance.type == "anonymous" and grievance.complainant_name == "" and grievance.complainant_phone == ""
    page = client.get(url).content.decode()
    assert access_code(page) and "Jahanara" not in page


def test_a_paper_form_keeps_its_number(client, operator, offices):
    client.force_login(operator)
    url = client.post(UDC, filing(channel="paper", reference="  BZ-2024/117 ")).url
    grievance = Grievance.objects.get()
    assert grievance.channel == "paper" and grievance.on_behalf
    submitted = grievance.events.get(kind=EventKind.SUBMITTED)
    assert submitted.data["reference"] == "BZ-2024/117"
    assert "BZ-2024/117" in client.get(url).content.decode()


def test_a_paper_form_needs_its_number_and_a_udc_filing_ignores_one(client, operator, offices):
    client.force_login(operator)
    page = client.post(UDC, filing(channel="paper", reference="")).content.decode()
    assert 'id="id_reference_error"' in page and Grievance.objects.count() == 0

    client.post(UDC, filing(reference="BZ-1"))
    assert "reference" not in Grievance.objects.get().events.get().data


def test_errors_come_back_by_their_field_with_what_was_typed(client, operator, offices):
    service = CharterServiceFactory(office=offices["union"], name_en="Union service")
    client.force_login(operator)
    page = client.post(UDC, filing(complainant_name="", service=service.pk)).content.decode()
    assert Grievance.objects.count() == 0
    # The service belongs to another office than the one chosen: said on the service field.
    assert 'id="id_service_error"' in page
    page = client.post(UDC, filing(complainant_name="")).content.decode()
    assert 'id="id_complainant_name_error"' in page
    assert "Her allowance has not come for three months." in page and Grievance.objects.count() == 0


def test_pressing_submit_twice_files_once_and_keeps_the_access_code(client, operator, offices):
    client.force_login(operator)
    first = client.post(UDC, filing())
    second = client.post(UDC, filing())
    assert first.url == second.url and Grievance.objects.count() == 1
    assert access_code(client.get(first.url).content.decode())


def test_an_operator_sees_only_receipts_of_what_they_filed(client, operator, offices):
    other = UserFactory(username="udc-durgapur")
    AppointmentFactory(user=other, office=offices["other_union"], role=Role.UDC_OPERATOR)
    client.force_login(other)
    url = client.post(UDC, filing()).url
    client.force_login(operator)
    assert client.get(url).status_code == 404


# --- what the operator filed ----------------------------------------------------------------------


def file_as(user, n: int, **changes) -> list[Grievance]:
    values = {
        "type": "citizen",
        "office": Office.objects.get(code="USSO-ULIPUR"),
        "description": "Details.",
        "complainant_name": "Villager",
        "channel": "udc",
        **changes,
    }
    return [grievance_file(actor=user, subject=f"Grievance {i}", **values).grievance for i in range(n)]


def filed_rows(page: str) -> list[str]:
    return re.findall(r'<a href="/(?:udc|hotline)/receipt/(\d{10})/">', page)


def test_the_list_shows_only_this_operators_filings_newest_first_with_status_and_overdue(client, operator, offices):
    other = UserFactory(username="udc-durgapur")
    AppointmentFactory(user=other, office=offices["other_union"], role=Role.UDC_OPERATOR)
    mine = file_as(operator, 4)
    theirs = file_as(other, 2)
    today = timezone.localdate()
    Grievance.objects.filter(pk=mine[0].pk).update(
        submitted_at=timezone.now() - timedelta(days=60), due_date=today - timedelta(days=2)
    )
    Grievance.objects.filter(pk=mine[1].pk).update(status="resolved", due_date=today - timedelta(days=2))
    # An appeal runs on the Appeal Officer's clock, not the office's.
    Grievance.objects.filter(pk=mine[3].pk).update(status="appealed", appeal_due_date=today - timedelta(days=1))

    client.force_login(operator)
    page = client.get(UDC).content.decode()
    rows = filed_rows(page)
    assert rows[-1] == mine[0].tracking_number
    assert set(rows) == {g.tracking_number for g in mine}
    assert not {g.tracking_number for g in theirs} & set(rows)
    assert tracking.display(mine[2].tracking_number) in page
    late = re.findall(r'<tr class="late">\s*<td class="nowrap"><a href="/udc/receipt/(\d+)/"', page)
    assert set(late) == {mine[0].tracking_number, mine[3].tracking_number}  # settled ones are not overdue
    assert f'datetime="{(today - timedelta(days=1)).isoformat()}"' in page  # the appeal's due date
    assert "Resolved" in page and "Submitted" in page and "Appealed" in page


def test_the_list_takes_the_same_queries_for_3_or_30_rows_and_pages(client, operator, django_assert_max_num_queries):
    client.force_login(operator)
    file_as(operator, 3)
    # 8: the page's own reads, plus the header's one query for the officials' inbox link.
    with django_assert_max_num_queries(8):
        assert len(filed_rows(client.get(UDC).content.decode())) == 3
    file_as(operator, 27)
    with django_assert_max_num_queries(8):
        page = client.get(UDC).content.decode()
    assert len(filed_rows(page)) == 20 and "Page 1 of 2" in page
    assert len(filed_rows(client.get(UDC, {"page": 2}).content.decode())) == 10


# --- the hotline console --------------------------------------------------------------------------


def test_the_hotline_finds_the_office_by_search_then_files_for_the_caller(client, agent, offices):
    client.force_login(agent)
    page = client.get(HOTLINE).content.decode()
    assert 'name="office"' not in page and "Find the office the grievance is about" in page
    assert 'data-api="/api/v1/offices/"' in page

    results = client.get(HOTLINE, {"q": "উলিপুর"}).content.decode()
    assert 'href="?office=USSO-ULIPUR"' in results
    form = client.get(HOTLINE, {"office": "USSO-ULIPUR"}).content.decode()
    assert office_choices(form) == ["USSO-ULIPUR"]
    assert 'name="channel"' not in form and 'name="reference"' not in form

    response = client.post(
        f"{HOTLINE}?office=USSO-ULIPUR",
        filing(channel="udc", complainant_phone="+971501234567", complainant_country=""),
    )
    grievance = Grievance.objects.get()
    assert grievance.channel == "hotline" and grievance.filed_by == agent and grievance.on_behalf
    assert grievance.complainant_country == "AE"
    assert response.url == f"/hotline/receipt/{grievance.tracking_number}/"


def test_the_hotline_receipt_shows_the_number_large_and_grouped_to_read_back(client, agent, offices):
    client.force_login(agent)
    url = client.post(f"{HOTLINE}?office=USSO-ULIPUR", filing(type="anonymous")).url
    grievance = Grievance.objects.get()
    page = client.get(url).content.decode()
    number = tracking.display(grievance.tracking_number)
    assert re.fullmatch(r"\d{4}-\d{4}-\d{2}", number)
    assert re.search(r'class="console-receipt readback".*?<strong class="number">' + number + "</strong>", page, re.S)
    assert access_code(page)
    # The list below the console links to it.
    assert number in client.get(HOTLINE).content.decode()


# --- offline: the service worker ------------------------------------------------------------------


def test_the_service_worker_is_javascript_scoped_to_the_console(client, operator):
    client.force_login(operator)
    response = client.get(f"{UDC}sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == UDC
    script = response.content.decode()
    assert f'["{static("css/grs.css")}", "{static("js/udc-offline.js")}"]' in script
    assert re.search(r'const CACHE = "grs-udc-[0-9a-f]{12}"', script)

    page = client.get(UDC).content.decode()
    assert 'data-sw="/udc/sw.js" data-scope="/udc/"' in page
    assert f'<script src="{static("js/udc-offline.js")}"' in page
    assert "sent without them" in page  # attachments are not kept offline, and the page says so
    assert client.get(static("js/udc-offline.js")).status_code == 200


def test_the_hotline_console_has_no_offline_queue(client, agent):
    client.force_login(agent)
    page = client.get(HOTLINE).content.decode()
    assert "udc-offline.js" not in page and 'id="queue"' not in page
