"""The citizens' app (/app/) as a citizen uses it: on a small Android phone, over a slow link that drops."""

import io
import re

import pytest
from django.conf import settings
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from grievances import tracking
from grievances.models import Attachment, EventKind, Grievance, GrievanceEvent
from grievances.services import (
    grievance_accept,
    grievance_file,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
)
from offices.models import AdminUnit, Office, Role
from tests.citizens.conftest import code_sent_to
from tests.factories import (
    AdminUnitFactory,
    AppointmentFactory,
    CharterFactory,
    CharterServiceFactory,
    OfficeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "01712345678"
E164 = "+8801712345678"
# Chrome DevTools' "Slow 3G": 400 ms of latency, 500 kbit/s each way.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 500 * 1024 / 8, "uploadThroughput": 500 * 1024 / 8}


@pytest.fixture
def offices():
    division = AdminUnitFactory(name_en="Rangpur")
    district = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=division, name_en="Kurigram")
    upazila = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=district, name_en="Ulipur")
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    office = OfficeFactory(
        code="USSO-ULIPUR",
        parent=ministry,
        layer=Office.Layer.UPAZILA,
        admin_unit=upazila,
        name_en="Upazila Social Services Office, Ulipur",
        name_bn="উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
    )
    CharterFactory(office=office)
    CharterServiceFactory(office=office, name_en="Old Age Allowance")
    gro = UserFactory(username="gro-ulipur")
    AppointmentFactory(user=gro, office=office, role=Role.GRO)
    operators = {}
    for channel, role in (("udc", Role.UDC_OPERATOR), ("hotline", Role.HOTLINE_AGENT), ("paper", Role.UDC_OPERATOR)):
        operators[channel] = UserFactory()
        AppointmentFactory(user=operators[channel], office=office, role=role)
    return {"office": office, "gro": gro, "operators": operators}


@pytest.fixture
def phone(chromium, live_server, tmp_path):
    """A page on a cheap Android phone's screen, in English, on a slow 3G link."""
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
    )
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")

    def connected(online: bool):
        """Drop or restore the link for the page and its service worker alike; restored, it is slow again."""
        # The page's own link first: the browser's "online" event (from set_offline) must find it working.
        cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "offline": not online})
        context.set_offline(not online)

    connected(True)
    page.connected = connected
    page.cdp = cdp
    yield page
    context.close()


def open_app(page):
    page.goto("/app/")
    expect(page.get_by_role("heading", name="File a grievance")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def camera_photo(tmp_path):
    """A 12-megapixel photo as a phone's camera takes it: 4000 × 3000, a few megabytes."""
    image = Image.new("RGB", (4000, 3000))
    draw = ImageDraw.Draw(image)
    for y in range(0, 3000, 4):
        draw.line([(0, y), (4000, y)], fill=(y % 256, (y * 3) % 256, 120))
    for x in range(0, 4000, 250):
        draw.rectangle([x, 1000, x + 120, 2000], fill=(250, 250, 250))
    path = tmp_path / "IMG_20261205_101500.jpg"
    image.save(path, format="JPEG", quality=95)
    return path


def test_the_app_is_installable_files_with_a_photo_and_sends_a_reply_queued_offline_once(
    phone, live_server, offices, tmp_path
):
    page = phone
    open_app(page)
    # Chromium's own verdict: a manifest with the icons it needs, a service worker controlling the page. The
    # one objection left is the test's browser profile (a private one), not the app.
    errors = page.cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [error["errorId"] for error in errors] == ["in-incognito"]
    manifest = page.cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and '"display": "standalone"' in manifest["data"]

    page.get_by_label("Find the office").fill("Ulipur")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Upazila Social Services Office, Ulipur (USSO-ULIPUR)").check()
    page.get_by_label("Service", exact=True).select_option(label="Old Age Allowance")
    page.get_by_label("Subject").fill("Old age allowance not paid since March")
    page.get_by_label("What happened").fill("My mother's allowance has not come for three months.")
    photo = camera_photo(tmp_path)
    page.get_by_label("Photos (optional)").set_input_files(str(photo))
    expect(page.locator("#photo-list li")).to_have_count(1)
    page.get_by_label("Your name").fill("Amena Begum")
    page.get_by_label("Mobile phone", exact=True).fill(PHONE)
    page.get_by_role("button", name="Send the grievance").click()

    receipt = page.locator(".draft.sent")
    expect(receipt).to_contain_text("Your grievance was filed.")
    grievance = Grievance.objects.get()
    expect(receipt).to_contain_text(tracking.display(grievance.tracking_number))
    assert (grievance.channel, grievance.complainant_phone, grievance.service.name_en) == (
        "mobile",
        E164,
        "Old Age Allowance",
    )
    # The photo was made small on the phone: what arrived is a fraction of what the camera took.
    attachment = Attachment.objects.get(grievance=grievance)
    with attachment.file.open("rb") as stored:
        arrived = Image.open(io.BytesIO(stored.read()))
    assert max(arrived.size) == 1600 and arrived.size == (1600, 1200)
    assert attachment.size < photo.stat().st_size / 5
    receipt.get_by_role("button", name="Done").click()
    expect(receipt).to_have_count(0)

    # The office asks a question.
    grievance_accept(grievance_id=grievance.pk, actor=offices["gro"])
    grievance_request_info(grievance_id=grievance.pk, actor=offices["gro"], question="Which union do you live in?")

    page.get_by_role("link", name="My grievances").click()
    page.get_by_role("link", name="Old age allowance not paid since March").click()
    expect(page.locator("#grievance-facts")).to_contain_text("Awaiting information")
    expect(page.locator("#grievance-timeline")).to_contain_text("Which union do you live in?")

    # The link drops: the answer is kept on the phone.
    page.connected(False)
    expect(page.get_by_text("No connection.")).to_be_visible()
    page.get_by_label("Your answer").fill("Bazra union, ward 4.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("It will be sent when the connection returns.")).to_be_visible()
    pending = page.locator(".draft.pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(f"Answer to {tracking.display(grievance.tracking_number)}")

    # Reopened without a connection: the app comes from the phone, the answer still waits, the grievance
    # shows as it was last seen.
    page.reload()
    expect(page.locator(".draft.pending")).to_have_count(1)
    expect(page.locator("#grievance-facts")).to_contain_text("Awaiting information")
    expect(page.locator("#grievance-note")).to_contain_text("saved on this phone earlier")
    assert not GrievanceEvent.objects.filter(grievance=grievance, kind=EventKind.INFO_PROVIDED).exists()

    # The link returns (slow again): the answer goes, once.
    page.connected(True)
    expect(page.locator(".draft.sent")).to_contain_text(
        f"Your answer to {tracking.display(grievance.tracking_number)} was sent."
    )
    expect(page.locator(".draft.pending")).to_have_count(0)
    expect(page.locator("#grievance-timeline")).to_contain_text("Bazra union, ward 4.")
    # Another wake-up of the app and of its service worker finds nothing left to send.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.evaluate("navigator.serviceWorker.controller.postMessage('flush')")
    page.reload()
    expect(page.locator("#grievance-timeline")).to_contain_text("Bazra union, ward 4.")
    answers = GrievanceEvent.objects.filter(grievance=grievance, kind=EventKind.INFO_PROVIDED)
    assert [event.public_note for event in answers] == ["Bazra union, ward 4."]
    grievance.refresh_from_db()
    assert grievance.status == "in_progress"


def test_an_answer_whose_reply_was_lost_is_resent_and_recorded_once(phone, live_server, offices):
    page = phone
    filed = grievance_file(
        type="citizen",
        office=offices["office"],
        subject="Widow allowance card kept by a middleman",
        description="He asks for 500 taka to give it back.",
        complainant_name="Rokeya Khatun",
        complainant_phone=E164,
        channel="udc",
        actor=offices["operators"]["udc"],
    ).grievance
    grievance_accept(grievance_id=filed.pk, actor=offices["gro"])
    grievance_request_info(grievance_id=filed.pk, actor=offices["gro"], question="What is his name?")
    open_app(page)
    sign_in(page)
    page.get_by_role("link", name="Widow allowance card kept by a middleman").click()

    # The server records the answer, but its reply never reaches the phone. The app (or its service worker,
    # woken by the browser) sends it again with the same key, and the server answers as the first time.
    tries = []

    def lose_the_first_reply(route):
        tries.append(route.request.headers.get("idempotency-key"))
        if len(tries) > 1:
            return route.continue_()
        assert route.fetch().status == 200
        route.abort("connectionreset")

    page.context.route(f"**/api/v1/track/{filed.tracking_number}/reply/", lose_the_first_reply)
    page.get_by_label("Your answer").fill("Karim, the union's chowkidar.")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".draft.pending, .draft.sent")).to_have_count(1)
    page.reload()  # the app starts by sending what waits
    expect(page.locator(".draft.sent")).to_contain_text("was sent.")
    expect(page.locator("#grievance-timeline")).to_contain_text("Karim, the union's chowkidar.")
    assert len(tries) >= 2 and len(set(tries)) == 1 and tries[0]
    answers = GrievanceEvent.objects.filter(grievance=filed, kind=EventKind.INFO_PROVIDED)
    assert [event.public_note for event in answers] == ["Karim, the union's chowkidar."]


def sign_in(page):
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Mobile phone number").fill(PHONE)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_text("A code was sent by SMS")).to_be_visible()
    page.get_by_label("Code from the SMS").fill(code_sent_to(E164))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My grievances")).to_be_visible()


def test_a_signed_in_citizen_sees_every_grievance_of_the_phone_gets_updates_rates_and_appeals(
    phone, live_server, offices
):
    page = phone
    office, gro = offices["office"], offices["gro"]

    def file(subject, channel):
        return grievance_file(
            type="citizen",
            office=office,
            subject=subject,
            description="Details.",
            complainant_name="Amena Begum",
            complainant_phone=E164,
            channel=channel,
            actor=offices["operators"][channel],
        ).grievance

    resolved = file("Stipend not received", "udc")  # a UDC operator filed it with her phone
    rejected = file("VGF card not given", "hotline")
    waiting = file("Name missing from the allowance list", "paper")
    grievance_accept(grievance_id=resolved.pk, actor=gro)
    grievance_resolve(grievance_id=resolved.pk, actor=gro, resolution="Paid on 3 December.")
    grievance_reject(grievance_id=rejected.pk, actor=gro, reason="VGF cards are given by the union parishad.")
    grievance_file(
        type="citizen",
        office=office,
        subject="Someone else's grievance",
        description="Details.",
        complainant_name="Other",
        complainant_phone="+8801812345678",
    )

    open_app(page)
    sign_in(page)
    listed = page.locator("#mine-list > li")
    expect(listed).to_have_count(3)
    expect(page.locator("#mine-list")).not_to_contain_text("Someone else's grievance")

    # Updates: she looked at one; the office then settles it; the list says so.
    page.get_by_role("link", name="Name missing from the allowance list").click()
    expect(page.locator("#grievance-facts")).to_contain_text("Submitted")
    grievance_accept(grievance_id=waiting.pk, actor=gro)
    grievance_resolve(grievance_id=waiting.pk, actor=gro, resolution="Added to the list.")
    page.get_by_role("link", name="All my grievances").click()
    updated = listed.filter(has_text="Name missing from the allowance list")
    expect(updated).to_contain_text("New update")
    expect(updated).to_contain_text("Resolved")

    # Rate the one that was resolved.
    page.get_by_role("link", name="Stipend not received").click()
    rating = page.locator("form[data-kind=feedback]")
    rating.get_by_label("4").check()
    rating.get_by_label("Comment (optional)").fill("Paid, but late.")
    rating.get_by_role("button", name="Send the rating").click()
    expect(page.locator("#grievance-facts")).to_contain_text("Closed")
    resolved.refresh_from_db()
    assert (resolved.status, resolved.feedback.rating) == ("closed", 4)

    # Appeal the one that was turned down.
    page.get_by_role("link", name="All my grievances").click()
    page.get_by_role("link", name="VGF card not given").click()
    appeal = page.locator("form[data-kind=appeal]")
    appeal.get_by_label("Why do you appeal?").fill("The union parishad sent me to this office.")
    appeal.get_by_role("button", name="Send the appeal").click()
    expect(page.locator("#grievance-facts")).to_contain_text("Appealed")
    rejected.refresh_from_db()
    assert rejected.status == "appealed"


def test_a_grievance_the_server_refuses_stays_in_the_form_with_the_reason(phone, live_server, offices):
    page = phone
    open_app(page)
    page.get_by_label("Find the office").fill("USSO-ULIPUR")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Upazila Social Services Office, Ulipur (USSO-ULIPUR)").check()
    page.get_by_label("Subject").fill("Bribe asked for the VGD card")
    page.get_by_label("What happened").fill("The member asked for 1,000 taka.")
    page.get_by_label("Mobile phone", exact=True).fill(PHONE)  # but no name
    page.get_by_role("button", name="Send the grievance").click()
    expect(page.locator("#file-error")).to_contain_text("name")
    expect(page.get_by_label("Subject")).to_have_value("Bribe asked for the VGD card")
    assert Grievance.objects.count() == 0

    # What was typed survives the app being closed and opened again.
    page.reload()
    expect(page.get_by_label("Subject")).to_have_value("Bribe asked for the VGD card")
    expect(page.locator("#office-chosen")).to_contain_text("USSO-ULIPUR")
    page.get_by_label("Your name").fill("Jahanara Begum")
    page.get_by_role("button", name="Send the grievance").click()
    expect(page.locator(".draft.sent")).to_contain_text("Your grievance was filed.")
    assert Grievance.objects.get().complainant_name == "Jahanara Begum"


def test_in_bangla_the_app_shows_numbers_and_dates_in_bangla_digits(phone, live_server, offices):
    page = phone
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "bn", "url": live_server.url}])
    filed = grievance_file(
        type="citizen",
        office=offices["office"],
        subject="বয়স্ক ভাতা পাচ্ছি না",
        description="মার্চ মাস থেকে ভাতা আসেনি।",
        complainant_name="আমেনা বেগম",
        complainant_phone=E164,
    ).grievance
    page.goto("/app/#account")
    expect(page.get_by_role("heading", name="অভিযোগ দাখিল করুন")).to_be_hidden()
    page.locator("#signin-phone").fill(PHONE)
    page.locator("#phone-form button[type=submit]").click()
    expect(page.locator("#code-form")).to_be_visible()
    page.locator("#signin-code").fill(code_sent_to(E164))
    page.locator("#code-form button[type=submit]").click()
    row = page.locator("#mine-list > li")
    expect(row).to_have_count(1)
    bangla = tracking.display(filed.tracking_number).translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    expect(row).to_contain_text(bangla)
    expect(row).to_contain_text("দাখিলকৃত")  # "Submitted"
    expect(row).to_contain_text("উপজেলা সমাজসেবা কার্যালয়, উলিপুর")
    assert not re.search(r"[0-9]", row.inner_text()), row.inner_text()
