"""A real Celery worker, in its own process, delivers an SMS that ``notify_sms`` queued.

It needs Redis and PostgreSQL: the worker must see the rows this test commits, so both processes
use the test database pytest-django created. On a laptop without them the test skips; under
GRS_REQUIRE_SERVICES=1 (CI) it fails instead.
"""

import time

import pytest
from django.conf import settings
from django.db import transaction

from grs.celery import app as celery_app
from notifications.models import Outbox
from notifications.services import notify_sms
from notifications.tasks import deliver
from tests.worker import need_worker_services, start_worker, stop_worker, worker_log

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30
LOCAL_REDIS = "redis://127.0.0.1:6379/14"


@pytest.fixture
def worker(sms_file, tmp_path, monkeypatch):
    redis_broker = settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    broker = settings.CELERY_BROKER_URL if redis_broker else LOCAL_REDIS
    need_worker_services(broker)
    publisher = celery_app.connection_for_write(broker)
    if not redis_broker:
        # This process is configured for the embedded broker: publish to the worker's Redis instead.
        monkeypatch.setattr(
            deliver, "delay", lambda pk, **kwargs: deliver.apply_async((pk,), kwargs, connection=publisher)
        )
    env = {"SMS_BACKEND": "file", "SMS_FILE_PATH": str(sms_file.path), "GRS_VAR_DIR": str(tmp_path / "var")}
    process = start_worker(broker=broker, log_path=tmp_path / "worker.log", name="notifications-test", env=env)
    try:
        yield process
    finally:
        stop_worker(process)
        publisher.release()


def test_a_real_worker_delivers_a_queued_sms(worker, sms_file):
    with transaction.atomic():
        message = notify_sms(to="01712345678", body="GRS: your grievance is received. Tracking 1234 5678 90")

    deadline = time.monotonic() + WAIT_SECONDS
    while not Outbox.objects.filter(pk=message.pk, status=Outbox.Status.SENT).exists():
        if time.monotonic() > deadline or worker.poll() is not None:
            pytest.fail(f"the worker did not send the SMS in {WAIT_SECONDS} s:\n{worker_log(worker)}")
        time.sleep(0.2)

    assert [(m["id"], m["to"], m["body"]) for m in sms_file.messages()] == [
        (message.pk, "+8801712345678", "GRS: your grievance is received. Tracking 1234 5678 90")
    ]
