import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_is_bangla_first_and_the_english_choice_sticks(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "bn"
    assert page.locator("h1").inner_text() == "সরকারকে জানান কী ভুল হয়েছে"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Tell the government what went wrong"

    # The choice is kept: a fresh visit to another page stays in English.
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Sign in").is_visible()

    page.get_by_role("button", name="বাংলা").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "bn"


def test_official_signs_in_and_out_with_a_password(page):
    UserFactory(username="gro-test", full_name="Rahima Khatun")
    page.goto("/accounts/login/")
    page.get_by_role("button", name="English").click()
    page.get_by_label("Username").fill("gro-test")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").last.click()
    assert page.get_by_role("alert").is_visible()

    page.get_by_label("Password").fill("pass-1234")
    page.get_by_role("button", name="Sign in").last.click()
    page.wait_for_url("**/")
    assert page.get_by_text("Rahima Khatun").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="Officials' sign in").is_visible()
