"""Shared test set-up.

Tests that need a real service (Redis, a Celery worker, Chromium) skip with a reason on a laptop
that lacks it; with GRS_REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails instead.
"""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("GRS_REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def need_service(available: bool, reason: str) -> None:
    """Skip (or, under GRS_REQUIRE_SERVICES=1, fail) when a real service is missing."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"GRS_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they switch; the product itself defaults to Bangla."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashes are slow by design; tests that make many users need not be."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # hashes made before the switch still verify
    ]


# A real OpenID Connect provider for the single sign-on tests (pages and browser alike).
from tests.oidc import provider, sso  # noqa: E402, F401
