"""The officials' pages: the inbox with its filters, the grievance page with its actions, and attachments."""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from grievances import tracking
from grievances.models import Grievance, IdentityAccess
from grievances.services import (
    grievance_accept,
    grievance_appeal,
    grievance_file,
    grievance_forward,
    grievance_resolve,
)
from offices.models import Office, Role
from tests.factories import AppointmentFactory, CharterServiceFactory, OfficeFactory, ServiceCategoryFactory

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"
INBOX = "/inbox/"
CHANGED = "This grievance changed while you were working on it"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(
        code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Department of Social Services"
    )
    district = OfficeFactory(code="DSS-KURIGRAM", parent=dss, layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    upazila = OfficeFactory(code="USSO-ULIPUR", parent=district, layer=Office.Layer.UPAZILA, name_en="USSO Ulipur")
    mofood = OfficeFactory(code="MOFOOD", name_en="Ministry of Food")

    def officer(role, office):
        return AppointmentFactory(role=role, office=office).user

    return {
        "mosw": mosw,
        "dss": dss,
        "district": district,
        "upazila": upazila,
        "mofood": mofood,
        "gro": officer(Role.GRO, dss),
        "appeal": officer(Role.APPEAL_OFFICER, dss),
        "gro_district": officer(Role.GRO, district),
        "gro_food": officer(Role.GRO, mofood),
        "focal": officer(Role.FOCAL_POINT, mosw),
        "focal_food": officer(Role.FOCAL_POINT, mofood),
    }


@pytest.fixture
def as_user(client):
    """A signed-in official reading English."""

    def sign_in(user):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(user)
        return client

    return sign_in


def file(office, *, subject="Old age allowance not paid", anonymous=False, **kwargs):
    identity = {} if anonymous else {"complainant_name": "Amena Begum", "complainant_phone": PHONE}
    return grievance_file(
        type="anonymous" if anonymous else "citizen",
        office=office,
        subject=subject,
        description="No payment since March.",
        **{**identity, **kwargs},
    ).grievance


def listed(response) -> list[str]:
    """The tracking numbers the inbox page links to, in the order shown."""
    assert response.status_code == 200, response.content[:500]
    return re.findall(r'<a href="/inbox/(\d{10})/">', response.content.decode())


def of(*grievances) -> list[str]:
    return [g.tracking_number for g in grievances]


def detail_url(grievance) -> str:
    return f"/inbox/{grievance.tracking_number}/"


def act(client, grievance, action, *, version=None, **fields):
    """POST one action form as the page would send it."""
    grievance.refresh_from_db()
    data = {f"{action}-version": grievance.version if version is None else version}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"{detail_url(grievance)}{action}/", data)


def make_overdue(grievance):
    Grievance.objects.filter(pk=grievance.pk).update(due_date=timezone.localdate() - timedelta(days=2), overdue=True)


# --- the inbox -----------------------------------------------------------------------------------


def test_the_inbox_lists_only_the_grievances_held_at_the_users_office_soonest_deadline_first(world, as_user):
    slow = file(world["dss"], subject="Slow")
    quick = file(world["dss"], subject="Quick", service=CharterServiceFactory(office=world["dss"], timeframe_days=3))
    file(world["mofood"], subject="Food ministry's")
    file(world["district"], subject="District's")
    settled = file(world["dss"], subject="Settled")
    grievance_accept(grievance_id=settled.pk, actor=world["gro"])
    grievance_resolve(grievance_id=settled.pk, actor=world["gro"], resolution="Paid")

    assert listed(as_user(world["gro"]).get(INBOX)) == of(quick, slow)


def test_the_inbox_marks_new_grievances_and_overdue_ones_in_words_not_only_colour(world, as_user):
    new = file(world["dss"], subject="Just arrived")
    late = file(world["dss"], subject="Long waiting")
    grievance_accept(grievance_id=late.pk, actor=world["gro"])
    make_overdue(late)

    page = as_user(world["gro"]).get(INBOX).content.decode()
    rows = {
        number: classes.split()
        for classes, number in re.findall(r'<tr class="([^"]*)">\s*<td[^>]*><a href="/inbox/(\d{10})/">', page)
    }
    assert rows[late.tracking_number] == ["row", "late"]
    assert rows[new.tracking_number] == ["row", "new"]
    late_row = page[page.index(f"/inbox/{late.tracking_number}/") :].split("</tr>")[0]
    new_row = page[page.index(f"/inbox/{new.tracking_number}/") :].split("</tr>")[0]
    assert "Overdue" in late_row and "New" not in late_row
    assert ">New<" in new_row and "Overdue" not in new_row
    assert "Amena" not in page


def test_the_inbox_filters_overdue_status_and_the_social_protection_category(world, as_user):
    land = CharterServiceFactory(office=world["dss"], category=ServiceCategoryFactory(slug="land", name_en="Land"))
    allowance = CharterServiceFactory(office=world["dss"], name_en="Old Age Allowance")
    pension = file(world["dss"], subject="Allowance stopped", service=allowance, channel="mobile")
    record = file(world["dss"], subject="Land record wrong", service=land)
    bribe = file(world["dss"], subject="Bribe asked", anonymous=True)
    make_overdue(record)
    grievance_accept(grievance_id=bribe.pk, actor=world["gro"])
    client = as_user(world["gro"])

    def shown(**params):
        return sorted(listed(client.get(INBOX, params)))

    assert shown() == sorted(of(pension, record, bribe))
    assert shown(overdue="true") == of(record)
    assert shown(status="in_progress") == of(bribe)
    assert shown(category="social-protection") == of(pension)
    assert shown(type="anonymous") == of(bribe)
    assert shown(channel="mobile") == of(pension)
    assert shown(service=land.pk) == of(record)
    assert shown(q="land RECORD") == of(record)
    assert shown(submitted_from=timezone.localdate().isoformat()) == sorted(of(pension, record, bribe))

    page = client.get(INBOX, {"category": "social-protection", "overdue": "true"}).content.decode()
    assert '<option value="social-protection" selected>Social Protection</option>' in page
    assert 'name="overdue" value="true" checked' in page
    assert "No grievance in your inbox matches these filters." in page
    # A filter it cannot read is said so and left out, not a server error.
    response = client.get(INBOX, {"submitted_from": "yesterday"})
    assert sorted(listed(response)) == sorted(of(pension, record, bribe))
    assert "Some filters were not understood" in response.content.decode()


def test_the_digests_links_open_the_inbox_filtered(world, as_user):
    on_time = file(world["dss"])
    late = file(world["dss"])
    make_overdue(late)
    appealed = file(world["dss"])
    grievance_accept(grievance_id=appealed.pk, actor=world["gro"])
    grievance_resolve(grievance_id=appealed.pk, actor=world["gro"], resolution="Paid")
    grievance_appeal(number=appealed.tracking_number, phone=PHONE, reason="Half only")

    assert listed(as_user(world["gro"]).get("/inbox/?overdue=true")) == of(late)
    assert sorted(listed(as_user(world["gro"]).get(INBOX))) == sorted(of(on_time, late, appealed))
    assert listed(as_user(world["appeal"]).get("/inbox/?status=appealed")) == of(appealed)


def _fill_inbox(world, rows):
    service = CharterServiceFactory(office=world["dss"])
    for i in range(rows):
        grievance = file(world["dss"], subject=f"Grievance {i}", service=service)
        if i % 3 == 0:
            make_overdue(grievance)


def test_the_inbox_page_costs_the_same_queries_for_3_or_40_rows_and_pages_them(
    world, as_user, django_assert_max_num_queries
):
    client = as_user(world["gro"])
    _fill_inbox(world, 3)
    with django_assert_max_num_queries(10) as few:
        assert len(listed(client.get(INBOX))) == 3
    _fill_inbox(world, 37)
    with django_assert_max_num_queries(len(few)):
        response = client.get(INBOX)
    assert len(listed(response)) == 25
    assert "Page 1 of 2" in response.content.decode()
    second = client.get(INBOX, {"page": 2})
    assert len(listed(second)) == 15
    assert not set(listed(second)) & set(listed(response))


def test_officials_without_a_handling_role_get_an_empty_inbox_that_says_why(world, as_user):
    file(world["dss"])
    response = as_user(world["focal"]).get(INBOX)
    assert response.status_code == 200
    assert listed(response) == []
    assert "you are not a Grievance Redress Officer or an Appeal Officer of any office" in response.content.decode()


def test_the_officials_pages_ask_visitors_to_sign_in(world, client):
    grievance = file(world["dss"])
    for url in (INBOX, detail_url(grievance)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_the_header_links_handlers_to_their_inbox_with_the_count_of_new_grievances(world, as_user):
    file(world["dss"])
    file(world["dss"])
    accepted = file(world["dss"])
    grievance_accept(grievance_id=accepted.pk, actor=world["gro"])

    page = as_user(world["gro"]).get("/").content.decode()
    assert re.search(r'<a href="/inbox/" class="inbox-link">Inbox <span class="badge">2 new</span></a>', page)
    assert 'href="/inbox/"' not in as_user(world["focal"]).get("/").content.decode()


# --- the grievance page --------------------------------------------------------------------------


def test_a_grievance_outside_the_users_scope_is_the_same_404_as_a_missing_one(world, as_user):
    grievance = file(world["dss"])
    food = file(world["mofood"])
    assert as_user(world["gro_food"]).get(detail_url(grievance)).status_code == 404
    assert as_user(world["focal_food"]).get(detail_url(grievance)).status_code == 404
    assert as_user(world["gro"]).get(detail_url(food)).status_code == 404
    missing = as_user(world["gro"]).get("/inbox/1234567890/")
    outside = as_user(world["gro"]).get(detail_url(food))
    assert missing.status_code == outside.status_code == 404
    assert missing.content == outside.content
    assert IdentityAccess.objects.count() == 0


def test_the_holding_gro_sees_the_complainant_and_the_view_is_logged(world, as_user):
    grievance = file(
        world["dss"],
        complainant_email="amena@example.com",
        complainant_address="Bazra, Ulipur",
        service=CharterServiceFactory(office=world["dss"], name_en="Old Age Allowance"),
    )
    page = as_user(world["gro"]).get(detail_url(grievance)).content.decode()
    for text in ("Amena Begum", PHONE, "amena@example.com", "Bazra, Ulipur", "Bangladesh"):
        assert text in page
    for text in ("Submitted", "Old Age Allowance", "Social Protection", "Department of Social Services", "Web"):
        assert text in page
    access = IdentityAccess.objects.get()
    assert (access.user, access.grievance, access.via) == (world["gro"], grievance, IdentityAccess.Via.WEB)
    as_user(world["gro"]).get(detail_url(grievance))
    assert IdentityAccess.objects.filter(user=world["gro"], grievance=grievance).count() == 2


def test_a_ministry_focal_point_sees_the_grievance_but_not_who_filed_it(world, as_user):
    grievance = file(world["district"])
    response = as_user(world["focal"]).get(detail_url(grievance))
    page = response.content.decode()
    assert response.status_code == 200 and "Old age allowance not paid" in page
    assert "Amena" not in page and PHONE not in page and "1712345678" not in page
    assert "Only the office holding this grievance sees who filed it." in page
    assert IdentityAccess.objects.count() == 0
    assert "What you can do now" not in page


def test_an_anonymous_grievance_says_no_identity_is_kept(world, as_user):
    grievance = file(world["dss"], anonymous=True)
    page = as_user(world["gro"]).get(detail_url(grievance)).content.decode()
    assert "Anonymous — no identity is kept." in page


def test_the_page_offers_the_actions_the_user_may_take_now_with_the_version_it_shows(world, as_user):
    grievance = file(world["dss"])
    page = as_user(world["gro"]).get(detail_url(grievance)).content.decode()
    offered = re.findall(rf'action="/inbox/{grievance.tracking_number}/([a-z-]+)/"', page)
    assert offered == ["accept", "forward", "reject"]
    assert 'name="accept-version" value="1"' in page
    assert 'name="csrfmiddlewaretoken"' in page

    grievance_accept(grievance_id=grievance.pk, actor=world["gro"])
    page = as_user(world["gro"]).get(detail_url(grievance)).content.decode()
    offered = re.findall(rf'action="/inbox/{grievance.tracking_number}/([a-z-]+)/"', page)
    assert offered == ["request-info", "record-hearing", "forward", "resolve", "reject"]
    assert 'name="resolve-version" value="2"' in page

    anonymous = file(world["dss"], anonymous=True)
    page = as_user(world["gro"]).get(detail_url(anonymous)).content.decode()
    assert "close-no-action" in re.findall(rf'action="/inbox/{anonymous.tracking_number}/([a-z-]+)/"', page)


def test_the_forward_form_lists_the_subordinate_offices_and_finds_any_other(world, as_user):
    grievance = file(world["dss"])
    client = as_user(world["gro"])
    page = client.get(detail_url(grievance)).content.decode()
    below = page[page.index('label="Offices below this one"') :].split("</optgroup>")[0]
    assert re.findall(r'<option value="([A-Z-]+)"', below) == ["DSS-KURIGRAM", "USSO-ULIPUR"]
    assert "MOFOOD" not in page

    page = client.get(detail_url(grievance), {"forward_q": "food"}).content.decode()
    found = page[page.index("Offices matching “food”") :].split("</optgroup>")[0]
    assert re.findall(r'<option value="([A-Z-]+)"', found) == ["MOFOOD"]
    assert page.index('value="MOFOOD"') < page.index('value="DSS-KURIGRAM"')


# --- the actions ---------------------------------------------------------------------------------


def test_accept_request_info_hearing_and_resolve_each_redirect_back_with_a_message(world, as_user):
    grievance = file(world["dss"])
    client = as_user(world["gro"])

    response = act(client, grievance, "accept")
    assert response.status_code == 302 and response["Location"] == detail_url(grievance)
    page = client.get(response["Location"]).content.decode()
    assert f"Grievance {grievance.tracking_number[:4]}-" in page and "is accepted." in page

    response = act(client, grievance, "request-info", question="Which month was the last payment?")
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == "awaiting_info"
    assert "Which month was the last payment?" in client.get(detail_url(grievance)).content.decode()

    Grievance.objects.filter(pk=grievance.pk).update(status="in_progress")
    response = act(client, grievance, "record-hearing", when="2030-05-04T10:30", note="Both sides came")
    assert response.status_code == 302
    page = client.get(detail_url(grievance)).content.decode()
    assert "Hearing on 04/05/2030 10:30." in page and "Both sides came" in page

    response = act(client, grievance, "resolve", resolution="The allowance for March to May was paid.")
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == "resolved"
    assert "is resolved." in client.get(detail_url(grievance)).content.decode()


def test_reject_and_close_without_action_record_their_reasons(world, as_user):
    client = as_user(world["gro"])
    rejected = file(world["dss"])
    assert act(client, rejected, "reject", reason="A court case, outside the GRS").status_code == 302
    rejected.refresh_from_db()
    assert rejected.status == "rejected"
    assert "A court case, outside the GRS" in client.get(detail_url(rejected)).content.decode()

    anonymous = file(world["dss"], anonymous=True)
    response = act(client, anonymous, "close-no-action", reason="No place or name given", severity="low")
    assert response.status_code == 302
    anonymous.refresh_from_db()
    assert (anonymous.status, anonymous.severity) == ("closed", "low")
    page = client.get(detail_url(anonymous)).content.decode()
    assert "No place or name given" in page and "Severity: Low" in page


def test_the_appeal_officer_decides_an_appeal(world, as_user):
    grievance = file(world["dss"])
    grievance_accept(grievance_id=grievance.pk, actor=world["gro"])
    grievance_resolve(grievance_id=grievance.pk, actor=world["gro"], resolution="Paid")
    grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Only half was paid")
    client = as_user(world["appeal"])
    page = client.get(detail_url(grievance)).content.decode()
    assert re.findall(rf'action="/inbox/{grievance.tracking_number}/([a-z-]+)/"', page) == [
        "record-hearing",
        "decide-appeal",
    ]
    assert "Amena Begum" in page  # the Appeal Officer of the holding office handles it

    response = act(client, grievance, "decide-appeal", decision="remedied", text="The rest is paid by 1 June.")
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == "appeal_resolved"
    assert "Remedied" in client.get(detail_url(grievance)).content.decode()


def test_forwarding_to_a_subordinate_office_moves_it_from_the_senders_inbox_to_the_receivers(world, as_user):
    grievance = file(world["dss"])
    client = as_user(world["gro"])
    response = act(client, grievance, "forward", to_office="DSS-KURIGRAM", reason="The district pays it")
    assert response.status_code == 302 and response["Location"] == INBOX
    page = client.get(INBOX).content.decode()
    assert "is forwarded to DSS Kurigram." in page
    assert grievance.tracking_number not in listed(client.get(INBOX))

    receiver = as_user(world["gro_district"])
    assert listed(receiver.get(INBOX)) == of(grievance)
    page = receiver.get(detail_url(grievance)).content.decode()
    assert "From Department of Social Services to DSS Kurigram" in page
    assert "The district pays it" in page  # the internal note travels with it


def test_a_misrouted_grievance_is_forwarded_to_an_office_found_by_search(world, as_user):
    grievance = file(world["dss"], subject="Rice card not given")
    client = as_user(world["gro"])
    response = act(client, grievance, "forward", to_office="MOFOOD", reason="Food ministry's programme")
    assert response.status_code == 302
    assert listed(as_user(world["gro_food"]).get(INBOX)) == of(grievance)


def test_a_stale_page_is_told_the_grievance_changed_and_keeps_what_was_typed(world, as_user):
    grievance = file(world["dss"])
    client = as_user(world["gro"])
    colleague = AppointmentFactory(role=Role.GRO, office=world["dss"]).user
    grievance_accept(grievance_id=grievance.pk, actor=colleague)  # while the page was open

    response = act(client, grievance, "reject", version=1, reason="Not a GRS matter, my typed words")
    assert response.status_code == 409
    page = response.content.decode()
    assert CHANGED in page and "Reload" in page
    assert "Not a GRS matter, my typed words" in page
    grievance.refresh_from_db()
    assert grievance.status == "in_progress"
    # The page now carries the current version: sending the kept text again goes through.
    assert f'name="reject-version" value="{grievance.version}"' in page
    assert act(client, grievance, "reject", reason="Not a GRS matter").status_code == 302


def test_a_page_left_open_while_a_colleague_forwarded_the_grievance_away_says_where_it_went(world, as_user):
    grievance = file(world["dss"])
    client = as_user(world["gro"])
    colleague = AppointmentFactory(role=Role.GRO, office=world["dss"]).user
    grievance_forward(
        grievance_id=grievance.pk, actor=colleague, to_office=world["mofood"], reason="Food ministry's programme"
    )

    response = act(client, grievance, "resolve", version=1, resolution="Paid in full")
    assert response.status_code == 302 and response["Location"] == INBOX
    inbox = client.get(INBOX).content.decode()
    number = tracking.display(grievance.tracking_number)
    assert f"Nothing was done: grievance {number} was forwarded to Ministry of Food on" in inbox
    grievance.refresh_from_db()
    assert (grievance.current_office, grievance.closed_at) == (world["mofood"], None)

    # Following an old link to it says the same, without the grievance itself.
    opened = client.get(detail_url(grievance))
    assert opened.status_code == 302 and opened["Location"] == INBOX
    assert f"Grievance {number} was forwarded to Ministry of Food on" in client.get(INBOX).content.decode()


def test_only_the_sending_office_learns_where_a_forwarded_grievance_went(world, as_user):
    grievance = file(world["dss"])
    grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=world["mofood"], reason="Misrouted")

    # The district below DSS never held it: out of scope is a plain 404.
    assert as_user(world["gro_district"]).get(detail_url(grievance)).status_code == 404
    # Once the food ministry forwards it on, DSS is no longer the sender of its last move.
    grievance_forward(
        grievance_id=grievance.pk, actor=world["gro_food"], to_office=world["upazila"], reason="Upazila office pays it"
    )
    assert as_user(world["gro"]).get(detail_url(grievance)).status_code == 404


def test_a_move_the_workflow_refuses_is_shown_with_a_reload_hint(world, as_user):
    grievance = file(world["dss"])
    response = act(as_user(world["gro"]), grievance, "resolve", resolution="Paid")
    assert response.status_code == 409
    page = response.content.decode()
    assert "cannot be given the action" in page and "reload it" in page
    assert "Paid" in page


def test_a_role_that_may_not_act_is_refused_with_a_message(world, as_user):
    grievance = file(world["district"])
    response = act(as_user(world["focal"]), grievance, "accept")
    assert response.status_code == 403
    assert "does not allow the action" in response.content.decode()
    grievance.refresh_from_db()
    assert grievance.status == "submitted"


def test_an_incomplete_form_is_refused_without_losing_anything(world, as_user):
    grievance = file(world["dss"])
    client = as_user(world["gro"])
    response = act(client, grievance, "forward", to_office="", reason="Half written reason")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was done" in page and "Half written reason" in page and "This field is required." in page
    grievance.refresh_from_db()
    assert grievance.current_office == world["dss"]


def test_actions_outside_scope_are_404_and_only_posts_are_taken(world, as_user):
    grievance = file(world["dss"])
    assert act(as_user(world["gro_food"]), grievance, "accept").status_code == 404
    assert act(as_user(world["gro"]), grievance, "feedback").status_code == 404
    assert as_user(world["gro"]).get(f"{detail_url(grievance)}accept/").status_code == 405
    grievance.refresh_from_db()
    assert grievance.status == "submitted"


# --- attachments ---------------------------------------------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 120, 80)).save(out, format="PNG")
    return out.getvalue()


def test_attachments_download_only_in_scope_as_attachments_that_are_never_sniffed(world, as_user):
    upload = SimpleUploadedFile('pass"book ম.exe', _png(), content_type="application/octet-stream")
    grievance = file(world["dss"], attachments=[upload])
    attachment = grievance.attachments.get()
    url = f"{detail_url(grievance)}attachments/{attachment.pk}/"
    page = as_user(world["gro"]).get(detail_url(grievance)).content.decode()
    assert f'href="{url}"' in page

    response = as_user(world["gro"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # The type its content was checked to be names the extension; quotes and spaces never reach the header.
    assert disposition == "attachment; filename*=utf-8''pass_book_%E0%A6%AE.png"
    body = b"".join(response.streaming_content)
    with attachment.file.open("rb") as stored:
        assert body == stored.read()

    assert as_user(world["gro_food"]).get(url).status_code == 404
    assert as_user(world["gro"]).get(f"{detail_url(grievance)}attachments/{attachment.pk + 1}/").status_code == 404
    other = file(world["mofood"])
    assert as_user(world["gro_food"]).get(f"{detail_url(other)}attachments/{attachment.pk}/").status_code == 404


def test_stored_files_are_not_served_by_their_storage_path(world, as_user):
    grievance = file(world["dss"], attachments=[SimpleUploadedFile("p.png", _png())])
    name = grievance.attachments.get().file.name
    assert as_user(world["gro"]).get(f"/media/{name}").status_code == 404
    assert as_user(world["gro"]).get(f"{settings.MEDIA_URL}{name}").status_code == 404


def test_in_bangla_the_forwarded_away_notice_dates_the_forwarding_in_bangla_digits(world, as_user, settings):
    grievance = file(world["dss"])
    client = as_user(world["gro"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    grievance_forward(grievance_id=grievance.pk, actor=world["gro"], to_office=world["mofood"], reason="Misrouted")

    inbox = client.get(detail_url(grievance), follow=True).content.decode()
    notice = re.search(r"অভিযোগ [0-9-]+ [^<]*", inbox)
    assert notice, inbox
    number = tracking.display(grievance.tracking_number)
    when = notice.group(0).removeprefix(f"অভিযোগ {number}").split("তারিখে")[0]  # "... on <when>" in Bangla
    assert re.search("[০-৯]{2}", when) and not re.search("[0-9]", when), notice.group(0)
