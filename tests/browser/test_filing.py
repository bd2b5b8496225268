import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from grievances.models import Grievance
from offices.models import Office
from tests.factories import CharterServiceFactory, OfficeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "01712345678"


@pytest.fixture
def office(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    office = OfficeFactory(
        code="USSO-ULIPUR",
        parent=ministry,
        layer=Office.Layer.UPAZILA,
        name_en="Upazila Social Services Office, Ulipur",
        name_bn="উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
    )
    CharterServiceFactory(office=office, name_en="Old Age Allowance")
    return office


def test_a_citizen_files_with_a_photo_and_follows_it_by_phone(page, office, tmp_path):
    photo = tmp_path / "passbook.png"
    Image.new("RGB", (120, 80), (0, 106, 78)).save(photo)

    page.goto("/grievances/new/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.get_by_label("Office name or code").fill("Ulipur")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Upazila Social Services Office, Ulipur").click()

    page.get_by_label("Service", exact=True).select_option(label="Old Age Allowance")
    expect(page.get_by_label("Citizen")).to_be_checked()
    page.get_by_label("Subject").fill("Old age allowance not paid")
    page.get_by_label("What happened").fill("My mother has not received her allowance since March.")
    page.get_by_label("Evidence (optional)").set_input_files(photo)
    page.get_by_label("Your name").fill("Amena Begum")
    page.get_by_label("Mobile phone").fill(PHONE)
    page.get_by_role("button", name="Submit the grievance").click()

    page.wait_for_url("**/grievances/receipt/")
    expect(page.get_by_role("heading", name="Your grievance is filed")).to_be_visible()
    number = page.locator(".tracking .number").inner_text()
    assert re.fullmatch(r"\d{4}-\d{4}-\d{2}", number)
    expect(page.get_by_role("button", name="Print this receipt")).to_be_visible()
    grievance = Grievance.objects.get()
    assert grievance.attachments.count() == 1 and grievance.channel == "web"

    page.goto("/track/")
    page.get_by_label("Tracking number").fill(number)
    page.get_by_label("Phone number or access code").fill(PHONE)
    page.get_by_role("button", name="Show my grievance").click()
    expect(page.locator(".status")).to_have_text("Submitted")
    expect(page.get_by_text("Upazila Social Services Office, Ulipur").first).to_be_visible()
    assert "Amena" not in page.content()


def test_an_anonymous_filer_sees_no_contact_fields_and_gets_an_access_code(page, office):
    page.goto(f"/grievances/new/?office={office.code}")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Your name")).to_be_visible()
    page.get_by_label("Anonymous").check()
    expect(page.get_by_label("Your name")).to_be_hidden()
    page.get_by_label("Subject").fill("Bribe demanded for enrolment")
    page.get_by_label("What happened").fill("The union secretary asked for 2,000 taka to add a name to the list.")
    page.get_by_role("button", name="Submit the grievance").click()

    page.wait_for_url("**/grievances/receipt/")
    code = page.locator(".access-code .number").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    number = page.locator(".tracking .number").inner_text()

    page.reload()
    expect(page.locator(".access-code")).to_have_count(0)

    page.goto("/track/")
    page.get_by_label("Tracking number").fill(number)
    page.get_by_label("Phone number or access code").fill(code.lower())
    page.get_by_role("button", name="Show my grievance").click()
    expect(page.locator(".status")).to_have_text("Submitted")


def test_the_bangla_form_end_to_end_with_a_pdf(page, office, tmp_path):
    """A villager's path as they see it: every label in Bangla, a scanned letter as PDF."""
    from django.utils import translation

    with translation.override("bn"):
        bn = {
            text: translation.gettext(text)
            for text in (
                "Office name or code",
                "Search",
                "Subject",
                "What happened",
                "Evidence (optional)",
                "Your name",
                "Mobile phone",
                "Submit the grievance",
                "Your grievance is filed",
                "Tracking number",
                "Phone number or access code",
                "Show my grievance",
                "Submitted",
            )
        }
    untranslated = [english for english, bangla in bn.items() if bangla == english]
    assert untranslated == [], "the page would show English"
    letter = tmp_path / "চিঠি.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

    page.goto("/grievances/new/")
    assert page.locator("html").get_attribute("lang") == "bn"
    page.get_by_label(bn["Office name or code"]).fill("উলিপুর")
    page.get_by_role("button", name=bn["Search"]).click()
    page.get_by_role("link", name="উপজেলা সমাজসেবা কার্যালয়, উলিপুর").click()
    page.get_by_label(bn["Subject"]).fill("বয়স্ক ভাতা পাচ্ছি না")
    page.get_by_label(bn["What happened"]).fill("মার্চ মাস থেকে আমার মা বয়স্ক ভাতা পাচ্ছেন না।")
    page.get_by_label(bn["Evidence (optional)"]).set_input_files(letter)
    page.get_by_label(bn["Your name"]).fill("আমেনা বেগম")
    page.get_by_label(bn["Mobile phone"]).fill("০১৭১২৩৪৫৬৭৮")
    page.get_by_role("button", name=bn["Submit the grievance"]).click()

    page.wait_for_url("**/grievances/receipt/")
    expect(page.get_by_role("heading", name=bn["Your grievance is filed"])).to_be_visible()
    number = page.locator(".tracking .number").inner_text()
    grievance = Grievance.objects.get()
    assert grievance.complainant_phone == "+8801712345678" and grievance.complainant_name == "আমেনা বেগম"
    attachment = grievance.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.original_name == "চিঠি.pdf"

    page.goto("/track/")
    page.get_by_label(bn["Tracking number"]).fill(number)
    page.get_by_label(bn["Phone number or access code"]).fill(PHONE)
    page.get_by_role("button", name=bn["Show my grievance"]).click()
    expect(page.locator(".status")).to_have_text(bn["Submitted"])
