"""Markup typed into any field of GRS is shown as the text it is and never runs, in a real browser.

Every field a person can fill gets every payload of ``tests/security/markup.py``: the citizen's form and
the filing API (subject, description, name, address, e-mail, a file's name), the UDC and hotline consoles,
the GRO's and the Appeal Officer's actions (question, hearing note, forward reason, resolution, rejection,
closing reason, appeal decision), the complainant's reply, appeal and feedback through the track API, and
an office's names as an administrator types them. Then each page that shows the text is opened: the
inbox, the grievance page, the track page, the receipts, the consoles and the dashboard. The policy is
turned to report-only in the browser (see :class:`Inert`), so what is checked is that the pages escape the
text, not merely that the policy would have blocked it.

It lives here, beside the other browser tests, to share their one Chromium; the payloads, the hostile files
and the other hostile-input tests are in tests/security/.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from grievances import tracking
from grievances.models import Grievance
from grs.templatetags.bangla import to_bangla_digits
from offices.models import AdminUnit, Office, Role
from tests.browser.test_accessibility import read_in, sign_in
from tests.factories import AdminUnitFactory, AppointmentFactory, OfficeFactory, UserFactory
from tests.security.markup import HOSTILE, HOSTILE_EMAIL, PAYLOADS, Inert, hostile, hostile_link
from tests.security.uploads import gif_with_script, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "01712345678"
CODE = "USSO-HOSTILE"
OFFICE_EN = hostile("Office")
OFFICE_BN = hostile("দপ্তর")


@pytest.fixture
def world(settings, tmp_path):
    """A ministry, and below it an upazila office whose names an administrator typed through the admin, with
    its GRO and Appeal Officer, an office below it, a UDC operator, a hotline agent and a focal point."""
    settings.MEDIA_ROOT = tmp_path / "media"
    division = AdminUnitFactory(name_en="Rangpur", name_bn="রংপুর")
    district = AdminUnitFactory(level=AdminUnit.Level.DISTRICT, parent=division, name_en="Kurigram")
    upazila = AdminUnitFactory(level=AdminUnit.Level.UPAZILA, parent=district, name_en="Ulipur")
    union = AdminUnitFactory(level=AdminUnit.Level.UNION, parent=upazila, name_en="Bazra")
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")

    admin = Client()
    admin.force_login(UserFactory(username="admin-hostile", is_staff=True, is_superuser=True))
    response = admin.post(
        "/admin/offices/office/add/",
        {
            "code": CODE,
            "name_en": OFFICE_EN,
            "name_bn": OFFICE_BN,
            "layer": Office.Layer.UPAZILA,
            "parent": ministry.pk,
            "admin_unit": upazila.pk,
            "active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    office = Office.objects.get(code=CODE)
    assert (office.name_en, office.name_bn) == (OFFICE_EN, OFFICE_BN)

    below = OfficeFactory(code="USS-BELOW", parent=office, layer=Office.Layer.UNION, name_en="Union Social Services")
    union_parishad = OfficeFactory(code="UP-BAZRA", parent=ministry, layer=Office.Layer.UNION, admin_unit=union)

    def appointed(username, office, role):
        user = UserFactory(username=username, full_name=username.replace("-", " ").title())
        AppointmentFactory(user=user, office=office, role=role)
        return user

    return {
        "office": office,
        "gro": appointed("gro-hostile", office, Role.GRO),
        "appeal": appointed("appeal-hostile", office, Role.APPEAL_OFFICER),
        "gro_below": appointed("gro-below", below, Role.GRO),
        "operator": appointed("udc-bazra", union_parishad, Role.UDC_OPERATOR),
        "agent": appointed("hotline-agent", ministry, Role.HOTLINE_AGENT),
        "focal": appointed("mosw-focal", ministry, Role.FOCAL_POINT),
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(client: Client, grievance: Grievance, action: str, **fields) -> None:
    """An officer sends one action form of the grievance page, as the page would."""
    grievance.refresh_from_db()
    data = {f"{action}-version": grievance.version, **{f"{action}-{k}": v for k, v in fields.items()}}
    response = client.post(f"/inbox/{grievance.tracking_number}/{action}/", data)
    assert response.status_code == 302, (action, response.content.decode()[:3000])


def complainant(action: str, grievance: Grievance, **body) -> None:
    response = APIClient().post(
        f"/api/v1/track/{grievance.tracking_number}/{action}/", {"phone": PHONE, **body}, format="json"
    )
    assert response.status_code == 200, (action, response.content)
    wrote = body.get("answer") or body.get("reason") or body.get("comment")
    assert wrote in [event["note"] for event in response.json()["events"]]  # kept as written


def test_a_citizen_types_markup_into_the_form_and_no_page_runs_it(page, live_server, world):
    inert = Inert(page)
    read_in(page, live_server, "en")
    subject, name = hostile("Subject"), hostile("Name")
    description = [hostile("What happened"), "এবং দ্বিতীয় লাইন <b>bold</b> </textarea><script>__xss=8</script>"]
    address = hostile_link("Address")

    page.goto(f"/grievances/new/?office={CODE}")
    inert.check("the filing form", OFFICE_EN)

    def fill() -> None:
        page.locator("[name=subject]").fill(subject)
        page.locator("[name=description]").fill("\n".join(description))
        page.locator("[name=complainant_name]").fill(name)
        page.locator("[name=complainant_phone]").fill(PHONE)
        page.locator("[name=complainant_address]").fill(address)
        page.locator("[name=complainant_email]").fill(HOSTILE_EMAIL)
        # The browser's own e-mail check is no defence: whoever sends markup skips it.
        page.evaluate("document.querySelector('form.filing').noValidate = true")

    # A refused attachment sends the form back with everything typed in it: in value="…" and <textarea>.
    fill()
    page.locator("[name=attachments]").set_input_files(
        {"name": "<svg onload=__xss=9>.gif", "mimeType": "image/gif", "buffer": gif_with_script()}
    )
    page.locator("form.filing button[type=submit]").click()
    expect(page.locator(".errorlist, .error-summary").first).to_be_visible()
    inert.check("the form sent back with a refused attachment", "is not a photo (JPEG, PNG) or a document")
    for field, value in [("subject", subject), ("complainant_name", name), ("complainant_address", address)]:
        assert page.locator(f"[name={field}]").input_value() == value, field
    assert page.locator("[name=complainant_email]").input_value() == HOSTILE_EMAIL
    assert Grievance.objects.count() == 0

    fill()
    page.locator("form.filing button[type=submit]").click()
    expect(page.locator("article.receipt")).to_be_visible()
    inert.check("the receipt", OFFICE_EN, subject)
    grievance = Grievance.objects.get()
    assert (grievance.subject, grievance.complainant_name, grievance.complainant_email) == (
        subject,
        name,
        HOSTILE_EMAIL,
    )
    assert grievance.description.replace("\r\n", "\n") == "\n".join(description)  # a form sends CRLF

    page.goto("/track/")
    page.locator("[name=tracking_number]").fill(tracking.display(grievance.tracking_number))
    page.locator("[name=secret]").fill(PHONE)
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("section.result")).to_be_visible()
    inert.check("the track page", OFFICE_EN)

    sign_in(page, live_server, world["gro"])
    page.goto("/inbox/")
    inert.check("the inbox", subject)
    page.goto(f"/inbox/{grievance.tracking_number}/")
    inert.check("the grievance page", subject, *description, name, address, HOSTILE_EMAIL)

    # The check can fail: markup that does reach a page as markup runs, and is caught.
    page.evaluate("""() => document.body.insertAdjacentHTML("beforeend", '<img src=x onerror="__xss = 1">')""")
    page.wait_for_function("window.__xss === 1")
    with pytest.raises(AssertionError, match="a payload ran"):
        inert.check("the grievance page with markup planted by the test")


def test_markup_from_the_api_the_consoles_and_every_action_runs_on_no_page(page, live_server, world):
    api = APIClient()
    text = {key: hostile(key) for key in ("subject", "description", "name")}
    text["address"] = hostile_link("address")

    def file_by_api(label: str, **extra) -> Grievance:
        body = {
            "type": "citizen",
            "office": CODE,
            "subject": hostile(label),
            "description": text["description"],
            "complainant_name": text["name"],
            "complainant_phone": PHONE,
            "complainant_address": text["address"],
            "complainant_email": HOSTILE_EMAIL,
            **extra,
        }
        response = api.post("/api/v1/grievances/", body, format="multipart" if "attachments" in extra else "json")
        assert response.status_code == 201, response.content
        return Grievance.objects.get(tracking_number=response.json()["tracking_number"])

    file_name = "<img src=x onerror=__xss=1>.png"
    settled = file_by_api("Settled", attachments=[SimpleUploadedFile(file_name, png(), content_type="image/png")])
    forwarded = file_by_api("Forward")
    rejected = file_by_api("Rejected")
    waiting = file_by_api("Waiting")
    anonymous = api.post(
        "/api/v1/grievances/",
        {"type": "anonymous", "office": CODE, "subject": hostile("Anon"), "description": HOSTILE},
        format="json",
    )
    assert anonymous.status_code == 201, anonymous.content
    anonymous = Grievance.objects.get(tracking_number=anonymous.json()["tracking_number"])

    gro, appeal = signed_in(world["gro"]), signed_in(world["appeal"])
    said = {key: hostile(key) for key in ("question", "answer", "hearing note", "resolution", "appeal", "decision")}
    said["feedback"] = hostile_link("feedback")
    act(gro, settled, "accept")
    act(gro, settled, "request-info", question=said["question"])
    complainant("reply", settled, answer=said["answer"])
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    act(gro, settled, "record-hearing", when=when, note=said["hearing note"])
    act(gro, settled, "resolve", resolution=said["resolution"])
    complainant("appeal", settled, reason=said["appeal"])
    act(appeal, settled, "decide-appeal", decision="upheld", text=said["decision"])
    complainant("feedback", settled, rating=2, comment=said["feedback"])

    forward_reason, reject_reason, close_reason = hostile("forward"), hostile("reject"), hostile("close")
    act(gro, forwarded, "forward", to_office="USS-BELOW", reason=forward_reason)
    act(gro, rejected, "reject", reason=reject_reason)
    act(gro, anonymous, "close-no-action", reason=close_reason, severity="low")

    # The consoles: a UDC operator copies a paper form (with its number), a hotline agent files for a caller.
    filed = {}
    for console, user, extra in [
        ("udc", world["operator"], {"channel": "paper", "reference": PAYLOADS[1]}),
        ("hotline", world["agent"], {}),
    ]:
        response = signed_in(user).post(
            f"/{console}/?office={CODE}",
            {
                "office": CODE,
                "type": "citizen",
                "subject": hostile(console),
                "description": text["description"],
                "complainant_name": text["name"],
                "complainant_phone": PHONE,
                "complainant_address": text["address"],
                "complainant_email": HOSTILE_EMAIL,
                **extra,
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        filed[console] = Grievance.objects.get(subject=hostile(console))

    inert = Inert(page)
    read_in(page, live_server, "en")

    sign_in(page, live_server, world["gro"])
    page.goto("/inbox/")
    inert.check("the GRO's inbox", hostile("Waiting"), hostile("udc"), hostile("hotline"))
    page.goto("/inbox/?" + _query(q=PAYLOADS[3]))
    assert page.locator("#f-q").input_value() == PAYLOADS[3]
    inert.check("the inbox searched for markup")
    page.goto(f"/inbox/{settled.tracking_number}/")
    inert.check(
        "the settled grievance's page",
        hostile("Settled"),
        text["description"],
        text["name"],
        text["address"],
        HOSTILE_EMAIL,
        file_name,
        *said.values(),
        OFFICE_EN,
    )
    page.goto(f"/inbox/{rejected.tracking_number}/")
    inert.check("the rejected grievance's page", reject_reason)
    page.goto(f"/inbox/{anonymous.tracking_number}/")
    inert.check("the closed anonymous grievance's page", hostile("Anon"), HOSTILE, close_reason)
    page.goto(f"/inbox/{waiting.tracking_number}/?" + _query(forward_q=PAYLOADS[4]))
    assert page.locator("#forward-q").input_value() == PAYLOADS[4]
    inert.check("the forward search for markup", hostile("Waiting"))
    page.goto(f"/inbox/{forwarded.tracking_number}/")  # gone from this office: back to the inbox, saying where
    inert.check("the inbox after a forward", "Union Social Services")

    sign_in(page, live_server, world["gro_below"])
    page.goto(f"/inbox/{forwarded.tracking_number}/")
    inert.check("the forwarded grievance at the office below", hostile("Forward"), forward_reason, OFFICE_EN)

    sign_in(page, live_server, world["appeal"])
    page.goto(f"/inbox/{settled.tracking_number}/")
    inert.check("the Appeal Officer's page", said["appeal"], said["decision"])

    for console in ("udc", "hotline"):
        sign_in(page, live_server, world["operator"] if console == "udc" else world["agent"])
        page.goto(f"/{console}/")
        inert.check(f"the {console} console", hostile(console), OFFICE_EN)
        page.goto(f"/{console}/receipt/{filed[console].tracking_number}/?lang=en")
        reference = [PAYLOADS[1]] if console == "udc" else []  # the paper form's number
        inert.check(f"the {console} receipt", hostile(console), text["name"], OFFICE_EN, *reference)
    sign_in(page, live_server, world["operator"])
    page.goto("/udc/?" + _query(q="Office"))  # the server's search, then the console's script searching as one types
    inert.check("the console's office search", OFFICE_EN)
    page.locator("#q").fill("autofocus onfocus")
    expect(page.locator("#office-results a")).to_have_count(1)
    inert.check("the console's live office search", OFFICE_EN)

    page.context.clear_cookies()
    read_in(page, live_server, "en")
    for grievance, notes in [
        (settled, [said[k] for k in ("question", "answer", "resolution", "appeal", "decision", "feedback")]),
        (rejected, [reject_reason]),
    ]:
        page.goto("/track/")
        page.locator("[name=tracking_number]").fill(grievance.tracking_number)
        page.locator("[name=secret]").fill(PHONE)
        page.locator("form.card button[type=submit]").click()
        expect(page.locator("section.result")).to_be_visible()
        shown = inert.check("the track page", OFFICE_EN, *notes)
        assert said["hearing note"] not in shown and forward_reason not in shown  # officials' notes stay theirs
    page.goto("/track/")
    page.locator("[name=tracking_number]").fill(PAYLOADS[3][:30])
    page.locator("[name=secret]").fill(PAYLOADS[2])
    page.locator("form.card button[type=submit]").click()
    inert.check("the track page refusing a number made of markup")
    assert page.locator("[name=tracking_number]").input_value() == PAYLOADS[3][:30]

    page.goto("/grievances/new/?" + _query(q="Office"))
    inert.check("the office search of the citizen's form", OFFICE_EN)
    page.goto("/grievances/new/?" + _query(q=PAYLOADS[3]))
    inert.check("the citizen's office search for markup")
    assert page.locator("#q").input_value() == PAYLOADS[3]

    sign_in(page, live_server, world["focal"])
    page.goto("/dashboard/")
    inert.check("the ministry's dashboard", OFFICE_EN)
    read_in(page, live_server, "bn")
    page.goto("/dashboard/")
    # A Bangla dashboard writes the digits of its row headers in Bangla, an office's name included.
    inert.check("the ministry's dashboard in Bangla", to_bangla_digits(OFFICE_BN))
    page.goto(f"/dashboard/?office={CODE}")
    inert.check("the office's own dashboard", OFFICE_BN)


def _query(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)
