"""Repeated failed sign-ins lock the account for that machine, on the page and through the API."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    # The per-address throttle is a separate guard; these tests are about the lockout.
    settings.RATELIMIT_ENABLE = False


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_page_locks_after_repeated_failures_even_for_the_right_password(client):
    UserFactory(username="gro-x")
    client.cookies["django_language"] = "en"
    for _ in range(2):
        page = sign_in(client, "gro-x", "guess")
        assert page.status_code == 200
        assert "Please enter a correct username and password" in page.content.decode()

    third = sign_in(client, "gro-x", "guess")
    assert third.status_code == 429
    assert "Too many failed sign-ins. Wait 15 minutes" in third.content.decode()
    assert third["Retry-After"] == str(15 * 60)

    locked = sign_in(client, "gro-x", "pass-1234")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_speaks_bangla_by_default(client):
    UserFactory(username="gro-x")
    for _ in range(3):
        page = sign_in(client, "gro-x", "guess")
    assert page.status_code == 429
    assert 'lang="bn"' in page.content.decode()
    assert "Too many failed sign-ins" not in page.content.decode()


def test_a_lockout_binds_one_username_from_one_address_only(client):
    UserFactory(username="gro-x")
    UserFactory(username="gro-y")
    for _ in range(3):
        sign_in(client, "gro-x", "guess", address="10.0.0.1")

    # The same officer at their own desk, and a colleague at the guessing machine, still get in.
    assert sign_in(client, "gro-x", "pass-1234", address="10.0.0.2").status_code == 302
    client.post("/accounts/logout/")
    assert sign_in(client, "gro-y", "pass-1234", address="10.0.0.1").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(client):
    UserFactory(username="gro-x")
    for n in range(3):
        page = client.post(
            "/accounts/login/",
            {"username": "gro-x", "password": "guess"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert page.status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_the_one_locked(client, settings):
    settings.GRS_PROXY_COUNT = 1
    UserFactory(username="gro-x")
    for _ in range(3):
        sign_in_via_proxy = client.post(
            "/accounts/login/",
            {"username": "gro-x", "password": "guess"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    assert sign_in_via_proxy.status_code == 429
    # Another citizen-facing machine behind the same proxy is not locked out.
    other = client.post(
        "/accounts/login/",
        {"username": "gro-x", "password": "pass-1234"},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert other.status_code == 302


def test_the_lock_lifts_after_the_cool_off_and_success_clears_the_count(client):
    UserFactory(username="gro-x")
    for _ in range(3):
        sign_in(client, "gro-x", "guess")
    assert sign_in(client, "gro-x", "pass-1234").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, "gro-x", "pass-1234").status_code == 302
    client.post("/accounts/logout/")

    # A success wiped the slate: two new mistakes do not lock.
    for _ in range(2):
        assert sign_in(client, "gro-x", "guess").status_code == 200
    assert sign_in(client, "gro-x", "pass-1234").status_code == 302


def test_the_token_api_answers_429_with_a_message_once_locked():
    UserFactory(username="udc-x")
    api = APIClient(REMOTE_ADDR="10.0.0.7", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(2):
        wrong = api.post("/api/v1/auth/token/", {"username": "udc-x", "password": "guess"}, format="json")
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "invalid_credentials"

    locked = api.post("/api/v1/auth/token/", {"username": "udc-x", "password": "guess"}, format="json")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "Too many failed sign-ins" in locked.json()["detail"]

    right = api.post("/api/v1/auth/token/", {"username": "udc-x", "password": "pass-1234"}, format="json")
    assert right.status_code == 429
    assert "token" not in right.json()
