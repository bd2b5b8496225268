"""Following a grievance through the API with the phone or access code in the body (POST), so it never sits in
a URL; the query-string form stays for the clients written against it, and answers the same."""

import pytest

from grievances.services import grievance_file
from tests.privacy.conftest import PHONE, file_citizen

pytestmark = pytest.mark.django_db

NOT_FOUND = "No grievance has this tracking number with this phone number or access code. Please check both."


def track(client, number, **body):
    return client.post(f"/api/v1/track/{number}/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_post_answers_exactly_as_get(world, client):
    grievance = file_citizen(world)
    by_get = client.get(f"/api/v1/track/{grievance.tracking_number}/", {"phone": PHONE})
    by_post = track(client, grievance.tracking_number, phone="01719876543")  # as a person types it
    assert by_get.status_code == by_post.status_code == 200
    assert by_post.json() == by_get.json()
    assert by_post.json()["tracking_number"] == grievance.tracking_number


def test_post_with_the_access_code(world, client):
    filed = grievance_file(type="anonymous", office=world.district, subject="Bribe asked", description="At the union.")
    response = track(client, filed.grievance.tracking_number, code=filed.access_code.lower())
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"


def test_a_wrong_phone_answers_like_a_missing_grievance_and_no_proof_is_a_400(world, client):
    grievance = file_citizen(world)
    wrong = track(client, grievance.tracking_number, phone="+8801700000000")
    assert wrong.status_code == 404 and wrong.json()["detail"] == NOT_FOUND
    missing = track(client, grievance.tracking_number)
    assert missing.status_code == 400 and "phone" in missing.json()


def test_the_schema_documents_post_as_the_preferred_way(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    track_path = paths["/api/v1/track/{tracking_number}/"]
    assert "get" in track_path and "post" in track_path
    assert "preferred" in track_path["post"]["description"]
    assert "Prefer `POST`" in track_path["get"]["description"]
    body = track_path["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ComplainantProofInput")
    for action in ("data-export", "erase-identity"):
        assert "post" in paths[f"/api/v1/grievances/{{tracking_number}}/{action}/"]
