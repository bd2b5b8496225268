"""Erasing a complainant's identity on request: only the GRO of the holding office, only once the grievance is
settled for good, confirmed and with a reason; every figure stays, the timeline is untouched, and the complainant
can no longer be found by phone or access code."""

import csv
import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from dashboards.exports import FIGURE_TABLES, TREND_TABLES
from grievances.models import Attachment, EventKind, Grievance, GrievanceEvent, IdempotencyRecord, IdentityAccess
from grievances.privacy import ERASED, ERASED_CODE_HASH, grievance_identity_erase
from grievances.services import (
    grievance_accept,
    grievance_appeal,
    grievance_close_no_action,
    grievance_decide_appeal,
    grievance_file,
    grievance_forward,
    grievance_provide_info,
    grievance_request_info,
    grievance_resolve,
)
from notifications.models import Outbox
from tests.privacy.conftest import EMAIL, FILE_NAME, NAME, PHONE, closed, file_citizen, leaked, resolved

pytestmark = pytest.mark.django_db

NOT_FOUND = "No grievance has this tracking number with this phone number or access code"
STILL_OPEN = "This grievance is still open."


def page_url(grievance) -> str:
    return f"/inbox/{grievance.tracking_number}/"


def erase(client, grievance, *, reason="The complainant asked for it on the phone.", confirm=True):
    data = {"erase-reason": reason}
    if confirm:
        data["erase-confirm"] = "on"
    return client.post(f"{page_url(grievance)}data/erase/", data)


def timeline(grievance) -> list[tuple]:
    return list(
        GrievanceEvent.objects.filter(grievance=grievance)
        .order_by("id")
        .values_list("id", "kind", "at", "actor_id", "status_after", "public_note", "internal_note", "data")
    )


def figures(client, world) -> dict:
    """Every figure a ministry and the Cabinet Division see: the dashboard API, its trends, and each table's CSV."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.cabinet)
    seen = {}
    for query in ("", "?office=MOSW", "?office=DSS-KURIGRAM&tab=citizen"):
        seen[f"api{query}"] = client.get(f"/api/v1/dashboard/{query}").json()
        seen[f"trends{query}"] = client.get(f"/api/v1/dashboard/trends/{query}").json()
    for table in (*FIGURE_TABLES, *TREND_TABLES):
        response = client.get(f"/dashboard/export/{table}.csv?office=MOSW")
        assert response.status_code == 200, table
        seen[table] = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return seen


def test_the_gro_erases_the_identity_of_a_closed_grievance_and_every_figure_stays(
    world, client, signed_in, django_capture_on_commit_callbacks
):
    grievance = closed(world, days_ago=2)
    other = resolved(world, attachments=False, complainant_name="Someone Else", complainant_phone="")
    [attachment] = grievance.attachments.all()
    stored = attachment.file.path
    before = figures(client, world)
    events_before = timeline(grievance)
    assert before["api?office=MOSW"]["totals"]["resolved"] == 2  # the figures are not empty

    gro = signed_in(world.gro)
    with django_capture_on_commit_callbacks(execute=True):
        response = erase(gro, grievance)

    assert response.status_code == 302 and response.url == page_url(grievance)
    grievance.refresh_from_db()
    assert (grievance.complainant_name, grievance.complainant_address) == (ERASED, ERASED)
    assert (grievance.complainant_phone, grievance.complainant_email, grievance.complainant_country) == ("", "", "")
    assert grievance.access_code_hash == ERASED_CODE_HASH
    # What the statistics count is untouched.
    assert (grievance.status, grievance.office, grievance.current_office, grievance.service) == (
        "closed",
        world.district,
        world.district,
        world.service,
    )
    assert grievance.feedback.rating == 4
    # The file is gone from storage; its row keeps type and size, not the name it was sent under.
    attachment.refresh_from_db()
    assert not attachment.file and attachment.original_name == ""
    assert (attachment.content_type, attachment.size) != ("", 0)
    assert not os.path.exists(stored)
    # The timeline gained one entry and every earlier one is exactly as it was.
    events_after = timeline(grievance)
    assert events_after[: len(events_before)] == events_before
    [erased] = events_after[len(events_before) :]
    assert erased[1] == EventKind.IDENTITY_ERASED and erased[3] == world.gro.pk
    assert erased[6] == "The complainant asked for it on the phone."
    # The other grievance keeps its complainant.
    other.refresh_from_db()
    assert other.complainant_name == "Someone Else"

    assert figures(client, world) == before
    call_command("rebuild_tallies", stdout=io.StringIO())
    assert figures(client, world) == before

    page = signed_in(world.gro).get(page_url(grievance)).content.decode()
    assert "identity was erased." in page
    assert "file erased" in page
    assert leaked(page) == []


def test_erasure_is_refused_on_an_open_grievance_with_a_clear_message(world, signed_in):
    grievance = file_citizen(world)
    gro = signed_in(world.gro)

    page = gro.get(page_url(grievance)).content.decode()
    assert STILL_OPEN in page and "data/erase/" not in page  # no form is offered, the reason is given
    response = erase(gro, grievance)

    assert response.status_code == 409
    assert STILL_OPEN in response.content.decode()
    grievance.refresh_from_db()
    assert (grievance.complainant_name, grievance.complainant_phone) == (NAME, PHONE)
    assert not grievance.events.filter(kind=EventKind.IDENTITY_ERASED).exists()


def test_a_decision_that_may_still_be_appealed_keeps_the_identity_until_the_window_ends(world, signed_in, settings):
    settings.GRS_APPEAL_WINDOW_DAYS = 30
    recent = resolved(world, days_ago=29)
    old = resolved(world, days_ago=31)
    gro = signed_in(world.gro)

    refused = erase(gro, recent)
    assert refused.status_code == 409
    assert "may still appeal this decision until" in refused.content.decode()
    assert erase(gro, old).status_code == 302
    recent.refresh_from_db(), old.refresh_from_db()
    assert recent.complainant_name == NAME and old.complainant_name == ERASED


def test_an_appeal_reopens_it_and_a_decided_appeal_settles_it(world, signed_in):
    grievance = resolved(world, days_ago=40)
    grievance_appeal(number=grievance.tracking_number, reason="Only half was paid.", phone=PHONE)
    gro = signed_in(world.gro)
    assert erase(gro, grievance).status_code == 409

    grievance_decide_appeal(grievance_id=grievance.pk, actor=world.appeal, decision="remedied", text="Pay the rest.")
    assert erase(gro, grievance).status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [("appeal", 403), ("focal", 403), ("cabinet", 403), ("gro_dss", 404), ("gro_food", 404)],
)
def test_only_the_gro_of_the_office_holding_it_may_erase(world, signed_in, who, status):
    grievance = closed(world)
    response = erase(signed_in(getattr(world, who)), grievance)
    assert response.status_code == status
    grievance.refresh_from_db()
    assert grievance.complainant_name == NAME


def test_an_erasure_needs_a_reason_and_a_confirmation(world, signed_in):
    grievance = closed(world)
    gro = signed_in(world.gro)

    unconfirmed = erase(gro, grievance, confirm=False)
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    without_reason = erase(gro, grievance, reason="  ")
    assert without_reason.status_code == 400
    grievance.refresh_from_db()
    assert grievance.complainant_name == NAME
    assert gro.get(f"{page_url(grievance)}data/erase/").status_code == 405


def test_after_erasure_neither_the_phone_nor_the_access_code_finds_the_grievance(world, client):
    citizen = closed(world)
    filed = grievance_file(
        type="anonymous", office=world.district, subject="Bribe asked", description="At the union office."
    )
    anonymous, code = filed.grievance, filed.access_code
    grievance_close_no_action(grievance_id=anonymous.pk, actor=world.gro, reason="No lead.", severity="low")

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def found(number, secret) -> list[int]:
        proof = {"phone": secret} if secret.startswith("+") else {"code": secret}
        web = client.post("/track/", {"tracking_number": number, "secret": secret})
        by_get = client.get(f"/api/v1/track/{number}/", proof)
        by_post = client.post(f"/api/v1/track/{number}/", proof, content_type="application/json")
        web_status = 404 if NOT_FOUND in web.content.decode() else web.status_code
        return [web_status, by_get.status_code, by_post.status_code]

    assert found(citizen.tracking_number, PHONE) == [200, 200, 200]
    assert found(anonymous.tracking_number, code) == [200, 200, 200]

    grievance_identity_erase(grievance_id=citizen.pk, actor=world.gro, reason="Asked for it.")
    grievance_identity_erase(grievance_id=anonymous.pk, actor=world.gro, reason="Asked for it.")

    assert found(citizen.tracking_number, PHONE) == [404, 404, 404]
    assert found(anonymous.tracking_number, code) == [404, 404, 404]
    anonymous.refresh_from_db()
    assert anonymous.complainant_name == "" and anonymous.access_code_hash == ERASED_CODE_HASH


def test_erasing_twice_changes_nothing(world):
    grievance = closed(world)
    grievance_identity_erase(grievance_id=grievance.pk, actor=world.gro, reason="Asked for it.")
    version = Grievance.objects.get(pk=grievance.pk).version
    events = timeline(grievance)

    again = grievance_identity_erase(grievance_id=grievance.pk, actor=world.gro, reason="Asked again.")

    assert again.version == version and timeline(grievance) == events


def test_the_messages_sent_to_the_complainant_and_the_retry_key_lose_the_phone(world):
    grievance = closed(world, idempotency_key="c7c0f1d2-privacy")
    to_complainant = Outbox.objects.filter(grievance=grievance, recipient=PHONE)
    assert to_complainant.exists()
    assert IdempotencyRecord.objects.filter(grievance=grievance).exists()

    grievance_identity_erase(grievance_id=grievance.pk, actor=world.gro, reason="Asked for it.")

    assert not Outbox.objects.filter(recipient=PHONE).exists()
    assert Outbox.objects.filter(grievance=grievance, recipient=ERASED).exists()
    assert not IdempotencyRecord.objects.filter(grievance=grievance).exists()


def test_an_erased_attachment_is_not_found_instead_of_failing(world, signed_in):
    grievance = closed(world)
    [attachment] = grievance.attachments.all()
    url = f"{page_url(grievance)}attachments/{attachment.pk}/"
    gro = signed_in(world.gro)
    assert gro.get(url).status_code == 200

    grievance_identity_erase(grievance_id=grievance.pk, actor=world.gro, reason="Asked for it.")

    assert gro.get(url).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).values_list("size", flat=True).get() > 0


def test_the_timeline_never_stores_the_complainants_identity(world):
    """Erasure leaves the timeline as it is, so no event may hold the name, phone, e-mail or address."""
    grievance = file_citizen(world, channel="web")
    grievance_forward(grievance_id=grievance.pk, actor=world.gro, to_office=world.dss, reason="Their budget.")
    grievance_accept(grievance_id=grievance.pk, actor=world.gro_dss)
    grievance_request_info(grievance_id=grievance.pk, actor=world.gro_dss, question="Which month was missed?")
    grievance_provide_info(number=grievance.tracking_number, answer="March and April.", phone=PHONE)
    grievance_resolve(grievance_id=grievance.pk, actor=world.gro_dss, resolution="Paid.")
    grievance_appeal(number=grievance.tracking_number, reason="Only March was paid.", phone=PHONE)
    assert grievance.events.count() >= 6

    for event in GrievanceEvent.objects.filter(grievance=grievance):
        stored = " ".join([event.public_note, event.internal_note, str(event.data)])
        assert leaked(stored) == [], event.kind
    assert FILE_NAME not in str(list(GrievanceEvent.objects.values_list("data", flat=True)))
    grievance.refresh_from_db()
    assert grievance.complainant_email == EMAIL


def test_the_api_erases_with_a_confirmation_and_refuses_an_open_grievance(world, client):
    open_one = file_citizen(world)
    settled = closed(world)
    client.force_login(world.gro)

    def post(grievance, **body):
        return client.post(
            f"/api/v1/grievances/{grievance.tracking_number}/erase-identity/", body, content_type="application/json"
        )

    assert post(settled, reason="Asked.", confirm=False).status_code == 400
    refused = post(open_one, reason="Asked.", confirm=True)
    assert refused.status_code == 409 and refused.json()["code"] == "not_settled"
    done = post(settled, reason="Asked.", confirm=True)
    erased_at = timezone.now()
    assert done.status_code == 200 and done.json()["status"] == "closed"
    settled.refresh_from_db()
    assert settled.complainant_name == ERASED
    detail = client.get(f"/api/v1/grievances/{settled.tracking_number}/").json()
    assert EventKind.IDENTITY_ERASED in [event["kind"] for event in detail["events"]]
    assert "complainant_name" not in detail and leaked(str(detail)) == []
    # Nothing was shown, so no view of the identity is logged.
    assert not IdentityAccess.objects.filter(grievance=settled, at__gte=erased_at).exists()
