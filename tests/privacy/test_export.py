"""A copy of the complainant's data for them, given by the GRO of the holding office once the grievance is
settled: the grievance, who they said they are, its public timeline, their replies, feedback and attachments."""

import json
from datetime import timedelta

import pytest

from grievances import clock
from grievances.models import EventKind, IdentityAccess
from grievances.privacy import grievance_identity_erase
from grievances.services import (
    grievance_accept,
    grievance_feedback,
    grievance_provide_info,
    grievance_record_hearing,
    grievance_request_info,
    grievance_resolve,
)
from tests.privacy.conftest import ADDRESS, EMAIL, NAME, PHONE, file_citizen, leaked

pytestmark = pytest.mark.django_db

INTERNAL = "Union chairman held the list back."


def export(client, grievance):
    return client.post(f"/inbox/{grievance.tracking_number}/data/export/")


def settled_with_a_conversation(world):
    """A question answered, a hearing with an internal note, resolved and rated three days ago."""
    with clock.simulated_time(clock.now() - timedelta(days=3)):
        grievance = file_citizen(world)
        grievance_accept(grievance_id=grievance.pk, actor=world.gro)
        grievance_request_info(grievance_id=grievance.pk, actor=world.gro, question="Which month was missed?")
        grievance_provide_info(number=grievance.tracking_number, answer="March and April.", phone=PHONE)
        grievance_record_hearing(grievance_id=grievance.pk, actor=world.gro, when=clock.now(), note=INTERNAL)
        grievance_resolve(grievance_id=grievance.pk, actor=world.gro, resolution="The allowance was paid.")
        grievance_feedback(number=grievance.tracking_number, rating=5, comment="Paid at last.", phone=PHONE)
    return grievance


def test_the_gro_downloads_the_complainants_data_as_json(world, signed_in):
    grievance = settled_with_a_conversation(world)
    gro = signed_in(world.gro)

    response = export(gro, grievance)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="grievance-{grievance.tracking_number}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["complainant"] == {
        "name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "address": ADDRESS,
        "country": "BD",
        "erased": False,
    }
    assert data["grievance"]["subject"] == "Old age allowance not paid"
    assert data["grievance"]["status"] == "closed"
    assert data["grievance"]["filed_at"]["code"] == "DSS-KURIGRAM"
    assert data["grievance"]["service"]["name_en"] == "Old Age Allowance"
    kinds = [event["kind"] for event in data["timeline"]]
    assert kinds[:2] == ["submitted", "accepted"] and "feedback" in kinds
    notes = [event["note"] for event in data["timeline"]]
    assert "Which month was missed?" in notes and "The allowance was paid." in notes
    assert [reply["text"] for reply in data["replies"]] == ["March and April."]
    assert data["feedback"]["rating"] == 5 and data["feedback"]["comment"] == "Paid at last."
    [attachment] = data["attachments"]
    assert attachment["content_type"] == "image/png" and attachment["size"] > 0 and attachment["file_kept"]
    # Officials' internal notes and names are not the complainant's data.
    assert INTERNAL not in response.content.decode()
    assert world.gro.display_name not in response.content.decode()


def test_the_copy_is_recorded_on_the_timeline_and_as_a_view_of_the_identity(world, signed_in):
    grievance = settled_with_a_conversation(world)
    export(signed_in(world.gro), grievance)

    event = grievance.events.get(kind=EventKind.DATA_EXPORTED)
    assert event.actor == world.gro and event.status_after == "closed"
    assert leaked(" ".join([event.public_note, event.internal_note, str(event.data)])) == []
    assert IdentityAccess.objects.filter(grievance=grievance, user=world.gro).exists()


def test_no_copy_of_an_open_grievance_and_none_for_other_officials(world, signed_in):
    open_one = file_citizen(world)
    settled = settled_with_a_conversation(world)

    refused = export(signed_in(world.gro), open_one)
    assert refused.status_code == 409
    assert "This grievance is still open." in refused.content.decode()
    assert export(signed_in(world.appeal), settled).status_code == 403
    assert export(signed_in(world.focal), settled).status_code == 403
    assert export(signed_in(world.gro_food), settled).status_code == 404
    assert signed_in(world.gro).get(f"/inbox/{settled.tracking_number}/data/export/").status_code == 405
    assert not settled.events.filter(kind=EventKind.DATA_EXPORTED).exists()


def test_the_grievance_page_offers_the_gro_a_copy_once_settled(world, signed_in):
    settled = settled_with_a_conversation(world)
    page = signed_in(world.gro).get(f"/inbox/{settled.tracking_number}/").content.decode()
    assert f'action="/inbox/{settled.tracking_number}/data/export/"' in page
    assert f'action="/inbox/{settled.tracking_number}/data/erase/"' in page
    other = signed_in(world.focal).get(f"/inbox/{settled.tracking_number}/").content.decode()
    assert "data/export/" not in other and "data/erase/" not in other


def test_the_api_gives_the_same_copy(world, client):
    settled = settled_with_a_conversation(world)
    client.force_login(world.gro)

    response = client.post(f"/api/v1/grievances/{settled.tracking_number}/data-export/")

    assert response.status_code == 200
    body = response.json()
    assert body["complainant"]["phone"] == PHONE
    assert [reply["text"] for reply in body["replies"]] == ["March and April."]
    assert IdentityAccess.objects.filter(grievance=settled, via=IdentityAccess.Via.API).exists()
    refused = client.post(f"/api/v1/grievances/{file_citizen(world).tracking_number}/data-export/")
    assert refused.status_code == 409


def test_after_erasure_the_copy_holds_no_identity(world, signed_in):
    settled = settled_with_a_conversation(world)
    grievance_identity_erase(grievance_id=settled.pk, actor=world.gro, reason="Asked for it.")

    data = export(signed_in(world.gro), settled).json()

    assert data["complainant"]["erased"] is True
    assert leaked(json.dumps(data, ensure_ascii=False)) == []
    assert data["attachments"][0]["file_kept"] is False
