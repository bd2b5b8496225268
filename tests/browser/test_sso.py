"""A GRO signs in through the government sign-on in a real browser and lands in their inbox."""

import pytest
from playwright.sync_api import expect

from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_gro_signs_on_with_the_provider_and_reaches_the_inbox(page, sso):
    office = OfficeFactory(code="DSS", name_en="Department of Social Services", layer=Office.Layer.DIRECTORATE)
    gro = UserFactory(username="gro-dss", full_name="Rahima Khatun", sso_subject="nothi-100234")
    AppointmentFactory(user=gro, office=office, role=Role.GRO)
    # The provider's stock pages load a web font; there is no internet here, and none is needed.
    page.route("https://fonts.googleapis.com/**", lambda route: route.abort())

    page.goto("/inbox/")
    expect(page).to_have_url("/accounts/login/?next=/inbox/")
    page.locator('a[href^="/accounts/sso/start/"]').click()

    # The provider's own sign-in and consent pages.
    page.locator('input[name="login"]').fill("nothi-100234")
    page.locator('input[name="password"]').fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    expect(page.locator(".who")).to_have_text("Rahima Khatun")
    assert page.url.endswith("/inbox/")
