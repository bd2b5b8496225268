"""A GRO works the inbox in a real browser: filters the overdue grievances, opens one, forwards it below."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grievances import tracking
from grievances.models import Grievance
from grievances.services import grievance_file
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    dss = OfficeFactory(code="DSS", name_en="Department of Social Services", layer=Office.Layer.DIRECTORATE)
    OfficeFactory(code="DSS-KURIGRAM", name_en="District Social Services Office, Kurigram", parent=dss)
    gro = UserFactory(username="gro-dss", full_name="Rahima Khatun")
    AppointmentFactory(user=gro, office=dss, role=Role.GRO)

    def filed(subject):
        return grievance_file(
            type="citizen",
            office=dss,
            subject=subject,
            description="No payment since March.",
            complainant_name="Amena Begum",
            complainant_phone="01712345678",
        ).grievance

    waiting = filed("Widow allowance card not issued")
    late = filed("Old age allowance not paid for three months")
    Grievance.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=3), overdue=True)
    return {"waiting": waiting, "late": late}


def test_a_gro_filters_the_overdue_grievance_opens_it_forwards_it_below_and_sees_it_gone(page, inbox):
    waiting = tracking.display(inbox["waiting"].tracking_number)
    late = tracking.display(inbox["late"].tracking_number)

    page.goto("/accounts/login/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.get_by_label("Username").fill("gro-dss")
    page.get_by_label("Password").fill("pass-1234")
    page.get_by_role("button", name="Sign in").last.click()
    page.wait_for_url("**/")

    page.goto("/inbox/")
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("a.inbox-link .badge")).to_have_text("2 new")

    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/inbox/?*overdue=true*")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late)
    expect(rows.first).to_contain_text("Overdue")
    expect(rows.first).to_have_class("row late new")
    expect(page.get_by_label("Overdue only")).to_be_checked()

    page.get_by_role("link", name=late).click()
    expect(page.get_by_role("heading", name=f"Grievance {late}")).to_be_visible()
    expect(page.get_by_text("Amena Begum")).to_be_visible()
    forward = page.locator("#action-forward")
    forward.get_by_label("Forward to").select_option(label="District Social Services Office, Kurigram (DSS-KURIGRAM)")
    forward.get_by_label("Why it goes there").fill("The district office pays the old age allowance.")
    forward.get_by_role("button", name="Forward").click()

    page.wait_for_url("**/inbox/")
    expect(page.locator(".messages .success")).to_contain_text(
        "is forwarded to District Social Services Office, Kurigram."
    )
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(waiting)
    expect(page.get_by_role("link", name=late)).to_have_count(0)

    page.goto("/inbox/?overdue=true")
    expect(page.get_by_text("No grievance in your inbox matches these filters.")).to_be_visible()
    assert Grievance.objects.get(pk=inbox["late"].pk).current_office.code == "DSS-KURIGRAM"
