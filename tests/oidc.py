"""A real OpenID Connect provider (npm `oidc-provider`, see tests/accounts/oidc_provider/) for tests.

Its fixtures are offered to every test through tests/conftest.py.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from tests.conftest import need_service

PROVIDER_DIR = Path(__file__).parent / "accounts" / "oidc_provider"
CLIENT_ID = "grs-test"
CLIENT_SECRET = "a-test-secret-that-is-long-enough-for-hs256-use"


@pytest.fixture(scope="module")
def provider(live_server):
    """Start the provider for this module's tests; its issuer URL is yielded."""
    node = shutil.which("node")
    need_service(node is not None, "Node.js is not installed (the test OIDC provider runs on it)")
    need_service(
        (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(),
        f"the test OIDC provider's packages are missing: run `npm ci --prefix {PROVIDER_DIR}`",
    )
    env = {
        **os.environ,
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": f"{live_server.url}/accounts/sso/callback/",
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [node, "provider.mjs"], cwd=PROVIDER_DIR, env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
        try:
            line = process.stdout.readline()
            if not line.startswith("ready "):
                log.seek(0)
                pytest.fail(f"the OIDC provider did not start: {line!r} {log.read().decode()[-2000:]}")
            yield line.split()[1]
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def sso(provider, settings):
    """GRS configured for the provider exactly as an operator would, from its discovery document."""
    discovery = requests.get(f"{provider}/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.sso.OfficialSignOnBackend"]
    # The provider and GRS speak plain http on localhost here; a script's cookie jar, unlike a
    # browser, will not send a Secure cookie over it.
    settings.SESSION_COOKIE_SECURE = False
    return provider
