"""Rate limits count in the shared cache (Redis when CACHE_URL names it), so every web process counts
against the same limit; when that cache does not answer, a citizen's grievance still goes through."""

import logging

import pytest
import redis
from django.core.cache import caches
from rest_framework.test import APIClient

from grievances.models import Grievance
from tests.conftest import need_service
from tests.factories import OfficeFactory
from tests.worker import free_port

pytestmark = pytest.mark.django_db

REDIS_DB = 12  # the tests' own: flushed before and after


def filing(office) -> dict:
    return {
        "type": "citizen",
        "office": office.code,
        "subject": "ভাতা পাইনি",
        "description": "তিন মাস ধরে ভাতা বন্ধ।",
        "complainant_name": "আমেনা বেগম",
        "complainant_phone": "01712345678",
    }


def use_cache(settings, location: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "grs",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }  # Django's test signals rebuild the cache handler on this change, and again when it is undone


@pytest.fixture
def redis_cache(settings):
    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}", socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        need_service(False, "Redis is not running at 127.0.0.1:6379")
    client.flushdb()
    use_cache(settings, f"redis://127.0.0.1:6379/{REDIS_DB}")
    yield client
    client.flushdb()


def test_the_filing_limit_is_counted_in_redis_where_every_web_process_reads_it(redis_cache, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"filing": "2/hour"}}
    office = OfficeFactory()
    api = APIClient()

    assert [api.post("/api/v1/grievances/", filing(office), format="json").status_code for _ in range(2)] == [201, 201]
    # The count is in Redis, not in this process: another gunicorn worker, with its own connection, sees it.
    caches["default"].close()
    refused = api.post("/api/v1/grievances/", filing(office), format="json")

    assert refused.status_code == 429
    assert any(b"throttle_filing" in key for key in redis_cache.keys("*"))
    assert Grievance.objects.count() == 2


def test_with_the_cache_down_a_grievance_is_still_filed_and_the_lapse_is_logged(settings, caplog):
    use_cache(settings, f"redis://127.0.0.1:{free_port()}/0")
    office = OfficeFactory()

    with caplog.at_level(logging.WARNING, logger="grs.api"):
        answer = APIClient().post("/api/v1/grievances/", filing(office), format="json")

    assert answer.status_code == 201
    assert Grievance.objects.filter(tracking_number=answer.json()["tracking_number"]).exists()
    assert "rate limit filing not applied: the cache does not answer" in caplog.text


def test_with_the_cache_down_the_web_form_files_too(settings, client):
    use_cache(settings, f"redis://127.0.0.1:{free_port()}/0")
    office = OfficeFactory()
    values = {key: value for key, value in filing(office).items() if key != "office"}

    answer = client.post(f"/grievances/new/?office={office.code}", {**values, "complainant_country": "BD"})

    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Grievance.objects.filter(office=office).count() == 1
