import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from grievances import tracking
from grievances.models import Grievance
from grievances.selectors import grievance_for_complainant
from offices.models import AdminUnit, Office, Role
from tests.factories import AdminUnitFactory, AppointmentFactory, OfficeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = re.compile(r"\d{4}-\d{4}-\d{2}")


@pytest.fixture
def operator():
    division = AdminUnitFactory(name_en="Rangpur")
    district = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=division, name_en="Kurigram")
    upazila = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=district, name_en="Ulipur")
    union = AdminUnitFactory(level=AdminUnit.Level.UNION, parent=upazila, name_en="Bazra")
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    union_parishad = OfficeFactory(
        code="UP-BAZRA", parent=ministry, layer=Office.Layer.UNION, admin_unit=union, name_en="Bazra Union Parishad"
    )
    OfficeFactory(
        code="USSO-ULIPUR",
        parent=ministry,
        layer=Office.Layer.UPAZILA,
        admin_unit=upazila,
        name_en="Upazila Social Services Office, Ulipur",
    )
    user = UserFactory(username="udc-bazra", full_name="Rafiq Islam")
    AppointmentFactory(user=user, office=union_parishad, role=Role.UDC_OPERATOR)
    return user


def open_console(page, live_server):
    """Sign in through the login form (in English), open the console and wait for its service worker."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto("/accounts/login/?next=/udc/")
    page.get_by_label("Username").fill("udc-bazra")
    page.get_by_label("Password").fill("pass-1234")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/udc/")
    expect(page.get_by_role("heading", name="UDC console")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def file_grievance(page, *, subject, anonymous=False):
    page.get_by_label("Office", exact=True).select_option(label="Upazila Social Services Office, Ulipur (USSO-ULIPUR)")
    page.get_by_label("Anonymous" if anonymous else "Citizen").check()
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("What happened").fill("The allowance has not come for three months.")
    if not anonymous:
        page.get_by_label("Complainant's name").fill("Jahanara Begum")
    page.get_by_role("button", name="File the grievance").click()


def test_grievances_filed_offline_wait_and_are_filed_once_when_the_link_returns(page, live_server, operator):
    open_console(page, live_server)
    page.context.set_offline(True)
    # The console itself comes back from the service worker's copy.
    page.reload()
    expect(page.get_by_role("button", name="File the grievance")).to_be_visible()
    expect(page.get_by_text("No connection: grievances filed now are kept")).to_be_visible()

    file_grievance(page, subject="Widow allowance not paid")
    expect(page.locator(".draft.pending")).to_have_count(1)
    expect(page.get_by_label("Subject")).to_have_value("")  # the form is clear for the next villager
    file_grievance(page, subject="Bribe asked for the VGD card", anonymous=True)
    pending = page.locator(".draft.pending")
    expect(pending).to_have_count(2)
    expect(pending.first).to_contain_text("Pending — will be sent when the connection returns.")
    expect(pending.first).to_contain_text("Widow allowance not paid")
    assert Grievance.objects.count() == 0

    page.context.set_offline(False)
    sent = page.locator(".draft.sent")
    expect(sent).to_have_count(2)
    expect(page.locator(".draft.pending")).to_have_count(0)
    shown = [NUMBER.search(text).group(0) for text in sent.all_inner_texts()]

    grievances = Grievance.objects.order_by("submitted_at")
    assert grievances.count() == 2 and {g.channel for g in grievances} == {"udc"}
    assert {g.filed_by for g in grievances} == {operator} and all(g.on_behalf for g in grievances)
    assert shown == [tracking.display(g.tracking_number) for g in grievances]
    assert [g.type for g in grievances] == ["citizen", "anonymous"]
    # Neither villager gave a phone: each entry shows the access code to give them.
    expect(sent.locator(".number")).to_have_count(4)

    # What the page kept survives a reload, until the operator is done with it.
    page.reload()
    expect(page.locator(".draft.sent")).to_have_count(2)
    page.locator(".draft.sent").first.get_by_role("button", name="Done").click()
    expect(page.locator(".draft.sent")).to_have_count(1)
    assert Grievance.objects.count() == 2


def test_a_lost_answer_or_a_reload_mid_send_never_files_twice(page, live_server, operator):
    open_console(page, live_server)
    page.context.set_offline(True)
    file_grievance(page, subject="Widow allowance not paid")
    expect(page.locator(".draft.pending")).to_have_count(1)

    # The server files it, but the answer never reaches the page, as when it is reloaded mid-send.
    lost = []

    def lose_the_answer(route):
        lost.append(route.fetch().status)
        route.abort("connectionreset")

    page.context.route("**/api/v1/grievances/", lose_the_answer)
    with page.expect_event("requestfailed", predicate=lambda request: request.url.endswith("/api/v1/grievances/")):
        page.context.set_offline(False)
    expect(page.locator(".draft.sending")).to_have_count(0)
    expect(page.locator(".draft.pending")).to_have_count(1)
    assert lost == [201] and Grievance.objects.count() == 1

    page.context.unroute("**/api/v1/grievances/")
    page.reload()
    sent = page.locator(".draft.sent")
    expect(sent).to_have_count(1)
    grievance = Grievance.objects.get()
    expect(sent).to_contain_text(tracking.display(grievance.tracking_number))
    # The answer to the resend carries the same access code the lost answer did, and it opens the grievance.
    code = sent.locator(".number").last.inner_text()
    assert grievance_for_complainant(grievance.tracking_number, code=code) == grievance


def test_a_refused_draft_stays_with_the_reason_and_goes_back_into_the_form(page, live_server, operator):
    open_console(page, live_server)
    page.context.set_offline(True)
    file_grievance(page, subject="Widow allowance not paid")
    expect(page.locator(".draft.pending")).to_have_count(1)
    # A citizen grievance with no name: the server refuses it once the link is back.
    page.get_by_label("Subject").fill("No name given")
    page.get_by_label("What happened").fill("Details.")
    page.get_by_label("Office", exact=True).select_option(label="Bazra Union Parishad (UP-BAZRA)")
    page.get_by_role("button", name="File the grievance").click()
    expect(page.locator(".draft.pending")).to_have_count(2)

    page.context.set_offline(False)
    failed = page.locator(".draft.failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Complainant's name")
    expect(page.locator(".draft.sent")).to_have_count(1)

    failed.get_by_role("button", name="Put it back in the form").click()
    expect(page.locator(".draft.failed")).to_have_count(0)
    expect(page.get_by_label("Subject")).to_have_value("No name given")
    page.get_by_label("Complainant's name").fill("Amena Khatun")
    page.get_by_role("button", name="File the grievance").click()
    page.wait_for_url("**/udc/receipt/*/")
    assert Grievance.objects.count() == 2
    assert Grievance.objects.filter(complainant_name="Amena Khatun", office__code="UP-BAZRA").exists()
