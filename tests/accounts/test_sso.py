"""Single sign-on against a real OpenID Connect provider (npm `oidc-provider`) started on localhost.

The provider signs RS256 ID tokens with a key it makes at start-up, so every sign-in here goes
through the real authorization-code flow: redirect with state, nonce and PKCE, the provider's own
sign-in and consent pages, the server-to-server code exchange, signature checks against its JWKS
and the userinfo call.
"""

import re
from urllib.parse import urljoin

import pytest
import requests
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from tests.factories import UserFactory

FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def sign_on(base_url: str, login: str, *, next_path: str = "") -> tuple[requests.Session, requests.Response]:
    """Do what an official's browser does: start, sign in at the provider, consent, come back."""
    browser = requests.Session()
    browser.cookies.set("django_language", "en")
    start = f"{base_url}/accounts/sso/start/" + (f"?next={next_path}" if next_path else "")
    page = browser.get(start, timeout=10)
    assert 'name="login"' in page.text, page.text[:500]
    page = browser.post(
        urljoin(page.url, FORM_ACTION.search(page.text).group(1)),
        data={"prompt": "login", "login": login, "password": "whatever the provider checks"},
        timeout=10,
    )
    if "Continue" in page.text and 'name="prompt" value="consent"' in page.text:
        page = browser.post(
            urljoin(page.url, FORM_ACTION.search(page.text).group(1)), data={"prompt": "consent"}, timeout=10
        )
    return browser, page


def signed_in_as(browser: requests.Session, base_url: str) -> str | None:
    home = browser.get(f"{base_url}/", timeout=10).text
    found = re.search(r'<span class="who">([^<]+)</span>', home)
    return found.group(1) if found else None


@pytest.mark.django_db(transaction=True)
def test_an_official_signs_on_and_is_matched_by_the_stable_id(sso, live_server):
    UserFactory(username="gro-kurigram", full_name="Rahima Khatun", sso_subject="nothi-100234", email="")
    before = User.objects.count()

    browser, landing = sign_on(live_server.url, "nothi-100234", next_path="/accounts/login/")

    assert landing.url == f"{live_server.url}/accounts/login/"
    assert signed_in_as(browser, live_server.url) == "Rahima Khatun"
    assert User.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_an_unknown_identity_is_refused_with_a_message_and_no_account_is_made(sso, live_server):
    # Same e-mail as the provider reports for this login: e-mail is not an identity here.
    UserFactory(username="someone", email="nothi-999999@nothi.example", sso_subject=None)
    before = User.objects.count()

    browser, landing = sign_on(live_server.url, "nothi-999999")

    assert landing.url == f"{live_server.url}/accounts/login/"
    assert "no GRS account carries your sign-on ID" in landing.text
    assert signed_in_as(browser, live_server.url) is None
    assert User.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_disabled_official_is_refused(sso, live_server):
    UserFactory(username="retired", sso_subject="nothi-5", is_active=False)

    browser, landing = sign_on(live_server.url, "nothi-5")

    assert "Your GRS account is disabled" in landing.text
    assert signed_in_as(browser, live_server.url) is None


@pytest.mark.django_db(transaction=True)
def test_a_replayed_callback_does_not_sign_anyone_in(sso, live_server):
    UserFactory(username="gro", full_name="Karim", sso_subject="nothi-7")
    _browser, landing = sign_on(live_server.url, "nothi-7")
    callback = next(r.url for r in landing.history if "/accounts/sso/callback/" in r.url)

    stranger = requests.Session()
    stranger.cookies.set("django_language", "en")
    replay = stranger.get(callback, timeout=10)

    assert "That sign-in link has expired or was already used" in replay.text
    assert signed_in_as(stranger, live_server.url) is None


@pytest.mark.django_db(transaction=True)
def test_cancelling_at_the_provider_comes_back_with_a_message(sso, live_server):
    browser = requests.Session()
    browser.cookies.set("django_language", "en")
    interaction = browser.get(f"{live_server.url}/accounts/sso/start/", timeout=10)
    uid = re.search(r"/interaction/([^/]+)", interaction.url).group(1)

    landing = browser.get(f"{sso}/interaction/{uid}/abort", timeout=10)

    assert landing.url == f"{live_server.url}/accounts/login/"
    assert "Signing in with Nothi was cancelled" in landing.text


@pytest.mark.django_db(transaction=True)
def test_a_wrong_client_secret_fails_cleanly(sso, live_server, settings):
    UserFactory(username="gro", sso_subject="nothi-8")
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"

    browser, landing = sign_on(live_server.url, "nothi-8")

    assert "Signing in with Nothi failed" in landing.text
    assert signed_in_as(browser, live_server.url) is None


@pytest.mark.django_db(transaction=True)
def test_the_sign_in_page_offers_the_provider_and_oidc_discover_prints_its_settings(sso, client, capsys):
    client.cookies["django_language"] = "en"
    assert "Sign in with Nothi" in client.get("/accounts/login/").content.decode()

    call_command("oidc_discover", sso)
    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    assert printed["OIDC_OP_TOKEN_ENDPOINT"] == f"{sso}/token"
    assert printed["OIDC_OP_JWKS_ENDPOINT"] == f"{sso}/jwks"


@pytest.mark.django_db
def test_without_a_client_id_there_is_no_sign_on(client):
    client.cookies["django_language"] = "en"
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404


def test_a_half_configured_sign_on_is_reported_at_start_up():
    from django.core.checks import run_checks

    with override_settings(OIDC_RP_CLIENT_ID="grs", OIDC_OP_TOKEN_ENDPOINT=""):
        errors = [e for e in run_checks() if e.id == "accounts.E001"]
    assert any("OIDC_OP_TOKEN_ENDPOINT" in e.msg for e in errors)


@pytest.mark.django_db(transaction=True)
def test_refused_sign_ons_do_not_lock_out_colleagues_signing_on_from_the_same_office(sso, live_server, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="gro", full_name="Karim", sso_subject="nothi-11")
    for _ in range(4):
        sign_on(live_server.url, "nothi-unknown")

    browser, _landing = sign_on(live_server.url, "nothi-11")

    assert signed_in_as(browser, live_server.url) == "Karim"


@pytest.mark.django_db(transaction=True)
def test_a_provider_that_does_not_answer_is_reported_and_the_password_remains(sso, live_server, settings):
    UserFactory(username="gro", sso_subject="nothi-12")
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens on the discard port

    browser, landing = sign_on(live_server.url, "nothi-12")

    assert "Nothi did not answer" in landing.text
    assert 'name="password"' in landing.text
    assert signed_in_as(browser, live_server.url) is None
