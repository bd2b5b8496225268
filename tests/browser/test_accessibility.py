"""The pages citizens, UDC operators and GROs use most pass an axe-core audit with no serious or critical
violation, in Bangla and in English, on a 360 px wide phone, and nothing on them is wider than the screen.

axe-core is vendored under tests/browser/vendor/axe-core/ (only the tests use it) and injected into the page.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from grievances import tracking
from grievances.models import Channel, Grievance
from grievances.services import grievance_accept, grievance_file, grievance_request_info
from notifications.models import Outbox
from offices.models import AdminUnit, Office, Role
from tests.factories import AdminUnitFactory, AppointmentFactory, CharterServiceFactory, OfficeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREEN = 360  # the `page` fixture's viewport width
PHONE = "01712345678"
BLOCKING = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, why: n.failureSummary})),
  }));
}"""

# Elements whose right edge passes the screen's, innermost first: what to fix when the page scrolls sideways.
TOO_WIDE = """(screen) => {
  const wide = [...document.body.querySelectorAll("*")].filter(el => el.getBoundingClientRect().right > screen + 0.5);
  return wide.filter(el => !wide.some(other => other !== el && el.contains(other))).slice(0, 8)
    .map(el => `${el.outerHTML.slice(0, 160)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['url']})")
        for node in violation["nodes"][:6]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            lines.extend(f"        {why}" for why in (node["why"] or "").splitlines())
    return "\n".join(lines)


def assert_accessible(page, what: str) -> None:
    """axe-core finds nothing serious or critical, and the page does not scroll sideways at 360 px."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.lang") in ("bn", "en")
    # Evaluated through the browser's debugging channel: the page's Content Security Policy refuses any
    # script tag that is not the site's own file, as it should.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(RUN_AXE)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{what} ({page.url}) fails the axe audit:\n{describe(blocking)}"
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= SCREEN, f"{what} is {width} px wide on a {SCREEN} px screen:\n" + "\n".join(
        page.evaluate(TOO_WIDE, SCREEN)
    )


def read_in(page, live_server, language: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])


def sign_in(page, live_server, user) -> None:
    """The browser takes over a session signed in through Django's test client."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    division = AdminUnitFactory(name_en="Rangpur", name_bn="রংপুর")
    district = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=division, name_en="Kurigram", name_bn="কুড়িগ্রাম")
    upazila = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=district, name_en="Ulipur", name_bn="উলিপুর")
    union = AdminUnitFactory(level=AdminUnit.Level.UNION, parent=upazila, name_en="Bazra", name_bn="বজরা")
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    upazila_office = OfficeFactory(
        code="USSO-ULIPUR",
        parent=ministry,
        layer=Office.Layer.UPAZILA,
        admin_unit=upazila,
        name_en="Upazila Social Services Office, Ulipur",
        name_bn="উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
    )
    union_parishad = OfficeFactory(
        code="UP-BAZRA",
        parent=ministry,
        layer=Office.Layer.UNION,
        admin_unit=union,
        name_en="Bazra Union Parishad",
        name_bn="বজরা ইউনিয়ন পরিষদ",
    )
    CharterServiceFactory(office=upazila_office, name_en="Old Age Allowance", name_bn="বয়স্ক ভাতা")
    gro = UserFactory(username="gro-ulipur", full_name="Rahima Khatun")
    AppointmentFactory(user=gro, office=upazila_office, role=Role.GRO)
    operator = UserFactory(username="udc-bazra", full_name="Rafiq Islam")
    AppointmentFactory(user=operator, office=union_parishad, role=Role.UDC_OPERATOR)

    def filed(subject, **kwargs):
        return grievance_file(
            type="citizen",
            office=upazila_office,
            subject=subject,
            description="মার্চ মাস থেকে আমার মা বয়স্ক ভাতা পাচ্ছেন না। No payment since March.",
            complainant_name="Amena Begum",
            complainant_phone=PHONE,
            **kwargs,
        ).grievance

    waiting = filed("Widow allowance card not issued / বিধবা ভাতার কার্ড দেওয়া হয়নি")
    late = filed("Old age allowance not paid for three months", actor=operator, channel=Channel.UDC)
    Grievance.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=3), overdue=True)
    return {"gro": gro, "operator": operator, "waiting": waiting, "late": late}


@pytest.fixture(params=["bn", "en"])
def language(request, page, live_server):
    read_in(page, live_server, request.param)
    return request.param


def test_the_citizen_filing_pages(page, world, language):
    page.goto("/grievances/new/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page, "choosing the office")

    page.goto("/grievances/new/?q=Ulipur")
    expect(page.locator("ul.choices a")).to_have_count(1)
    assert_accessible(page, "the office search's results")

    page.goto("/grievances/new/?office=USSO-ULIPUR")
    assert_accessible(page, "the grievance form")

    # A citizen's grievance without the citizen's name: the browser lets it go, the server sends it back.
    page.locator("[name=type][value=citizen]").check()
    page.locator("[name=subject]").fill("বয়স্ক ভাতা পাচ্ছি না")
    page.locator("[name=description]").fill("মার্চ মাস থেকে আমার মা বয়স্ক ভাতা পাচ্ছেন না।")
    page.locator("form.filing button[type=submit]").click()
    expect(page.locator(".errors.summary")).to_be_visible()
    expect(page.locator("#id_complainant_name")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the grievance form with its errors")


def test_the_tracking_page(page, world, language):
    page.goto("/track/")
    assert_accessible(page, "the tracking form")

    page.locator("[name=tracking_number]").fill(tracking.display(world["late"].tracking_number))
    page.locator("[name=secret]").fill(PHONE)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".result .status")).to_be_visible()
    expect(page.locator(".result .flag")).to_be_visible()  # overdue
    assert_accessible(page, "a tracked grievance")

    page.locator("[name=secret]").fill("01812345678")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".errors.summary")).to_be_visible()
    assert_accessible(page, "the tracking form with its error")


def test_the_citizens_app(page, live_server, world, language):
    """Every view of the app: filing with an office chosen and a photo, the sign-in, the list and a grievance
    with the office's question to answer."""
    page.goto("/app/")
    page.locator("#office-search").fill("Ulipur")
    page.locator("#office-find").click()
    page.locator("#office-choices input[value=USSO-ULIPUR]").check()
    expect(page.locator("#service option")).to_have_count(2)
    photo = Path(settings.MEDIA_ROOT) / "card.png"
    photo.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (900, 600), (0, 106, 78)).save(photo)
    page.locator("#photos").set_input_files(str(photo))
    expect(page.locator("#photo-list li")).to_have_count(1)
    assert_accessible(page, "the app's filing form")

    page.locator("[data-tab=account]").click()
    page.locator("#signin-phone").fill(PHONE)
    page.locator("#phone-form button[type=submit]").click()
    expect(page.locator("#code-form")).to_be_visible()
    assert_accessible(page, "the app's sign-in")
    code = re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", Outbox.objects.filter(grievance=None).latest("id").body)
    page.locator("#signin-code").fill(code.group())
    page.locator("#code-form button[type=submit]").click()
    expect(page.locator("#mine-list > li")).to_have_count(2)
    expect(page.locator("#mine-list .flag")).to_have_count(1)  # overdue
    assert_accessible(page, "the app's list of the phone's grievances")

    grievance_accept(grievance_id=world["late"].pk, actor=world["gro"])
    grievance_request_info(grievance_id=world["late"].pk, actor=world["gro"], question="Which ward?")
    page.goto(f"/app/#g/{world['late'].tracking_number}")
    expect(page.locator("form[data-kind=reply]")).to_be_visible()
    expect(page.locator("form[data-kind=appeal]")).to_be_visible()
    assert_accessible(page, "a grievance in the app")


def test_the_udc_operators_filing_page(page, live_server, world, language):
    sign_in(page, live_server, world["operator"])
    page.goto("/udc/")
    expect(page.locator("form.console-form")).to_be_visible()
    expect(page.locator("table.filed tbody tr")).to_have_count(1)
    assert_accessible(page, "the UDC console")

    page.goto("/udc/?q=Ulipur")
    expect(page.locator("#office-results a")).to_have_count(1)
    assert_accessible(page, "the UDC console's office search")


def test_the_gro_inbox(page, live_server, world, language):
    sign_in(page, live_server, world["gro"])
    page.goto("/inbox/")
    expect(page.locator("table.inbox tbody tr")).to_have_count(2)
    expect(page.locator("table.inbox tr.late")).to_have_count(1)
    assert_accessible(page, "the GRO's inbox")

    page.goto("/inbox/?overdue=true&submitted_from=not-a-date")
    expect(page.locator(".errors.summary")).to_be_visible()
    assert_accessible(page, "the GRO's inbox with a filter it could not read")


def test_the_auditors_log(page, live_server, world, language):
    cabinet = OfficeFactory(code="CABINET", name_en="Cabinet Division", name_bn="মন্ত্রিপরিষদ বিভাগ")
    auditor = UserFactory(username="auditor", full_name="Selina Parvin")
    AppointmentFactory(user=auditor, office=cabinet, role=Role.AUDITOR)
    sign_in(page, live_server, world["gro"])
    page.goto(f"/inbox/{world['late'].tracking_number}/")  # the GRO is shown the complainant: one access row

    sign_in(page, live_server, auditor)
    page.goto("/audit/")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    assert_accessible(page, "the auditor's access log")

    page.goto("/audit/?show=changes&from=not-a-date")
    assert_accessible(page, "the auditor's change log with a filter it could not read")
