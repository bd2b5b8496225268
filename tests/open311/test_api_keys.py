"""API keys in the admin: issued with the key shown once, kept only as a hash, revoked, never deleted,
and every change in the audit trail without anything that would find the key."""

import hashlib
import re

import pytest

from audit.models import AuditEntry
from open311.models import ApiKey
from tests.open311.spec import post

pytestmark = pytest.mark.django_db


def issue(admin_client, name="Union app") -> str:
    response = admin_client.post(
        "/admin/open311/apikey/add/", {"name": name, "contact": "apps@example.org"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    return re.search(r'<code id="issued-key">([^<]+)</code>', response.content.decode()).group(1)


def test_an_administrator_issues_a_key_that_files_and_is_stored_only_as_a_hash(admin_client, client, world):
    raw = issue(admin_client)

    key = ApiKey.objects.get()
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(key.prefix) and len(raw) > 40
    assert raw not in str(ApiKey.objects.values().get())
    listing = admin_client.get("/admin/open311/apikey/").content.decode()
    assert key.prefix in listing and raw not in listing
    assert raw not in admin_client.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()

    filed = post(client, api_key=raw, service_code=str(world["allowance"].pk), description="Allowance not paid")
    assert filed.status_code == 201


def test_a_revoked_key_files_nothing_and_keys_are_never_deleted(admin_client, client, world):
    raw = issue(admin_client)
    key = ApiKey.objects.get()

    response = admin_client.post(
        "/admin/open311/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert not ApiKey.objects.get().active
    assert post(client, api_key=raw, service_code=str(world["allowance"].pk), description="x").status_code == 403
    assert admin_client.get(f"/admin/open311/apikey/{key.pk}/delete/").status_code == 403


def test_issuing_and_revoking_are_audited_without_the_key_or_its_hash(admin_client, admin_user):
    raw = issue(admin_client)
    key = ApiKey.objects.get()
    admin_client.post(
        f"/admin/open311/apikey/{key.pk}/change/",
        {"name": "Union app v2", "contact": "apps@example.org", "active": ""},
    )

    entries = list(AuditEntry.objects.filter(object_type="open311.apikey").order_by("at", "id"))
    assert [(entry.action, entry.actor) for entry in entries] == [
        (AuditEntry.Action.CREATED, admin_user),
        (AuditEntry.Action.CHANGED, admin_user),
    ]
    assert entries[1].changes == {"active": [True, False], "name": ["Union app", "Union app v2"]}
    for entry in entries:
        assert raw not in str(entry.changes) and key.key_hash not in str(entry.changes)
