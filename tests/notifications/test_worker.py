"""A real Celery worker, in its own process, delivers an SMS that ``notify_sms`` queued.

It needs Redis and PostgreSQL: the worker must see the rows this test commits, so both processes
use the test database pytest-django created. On a laptop without them the test skips; under
GRS_REQUIRE_SERVICES=1 (CI) it fails instead.
"""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from grs.celery import app as celery_app
from notifications.models import Outbox
from notifications.services import notify_sms
from notifications.tasks import deliver
from tests.conftest import need_service

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30
LOCAL_REDIS = "redis://127.0.0.1:6379/14"


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def database_url(db: dict) -> str:
    """A DATABASE_URL for the database this test runs on (pytest-django's test database)."""
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def worker(sms_file, tmp_path, monkeypatch):
    redis_broker = settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    broker = settings.CELERY_BROKER_URL if redis_broker else LOCAL_REDIS
    need_service(redis_reachable(broker), f"Redis is not reachable at {broker}")
    need_service(
        connection.vendor == "postgresql",
        "the worker process shares the test database, which needs DATABASE_URL=postgres://...",
    )
    publisher = celery_app.connection_for_write(broker)
    if not redis_broker:
        # This process is configured for the embedded broker: publish to the worker's Redis instead.
        monkeypatch.setattr(
            deliver, "delay", lambda pk, **kwargs: deliver.apply_async((pk,), kwargs, connection=publisher)
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(sms_file.path),
        "GRS_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "grs", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "-n", f"notifications-test-{os.getpid()}@%h"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log_path = log_path
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        publisher.release()


def test_a_real_worker_delivers_a_queued_sms(worker, sms_file):
    with transaction.atomic():
        message = notify_sms(to="01712345678", body="GRS: your grievance is received. Tracking 1234 5678 90")

    deadline = time.monotonic() + WAIT_SECONDS
    while not Outbox.objects.filter(pk=message.pk, status=Outbox.Status.SENT).exists():
        if time.monotonic() > deadline or worker.poll() is not None:
            pytest.fail(f"the worker did not send the SMS in {WAIT_SECONDS} s:\n{worker.log_path.read_text()[-3000:]}")
        time.sleep(0.2)

    assert [(m["id"], m["to"], m["body"]) for m in sms_file.messages()] == [
        (message.pk, "+8801712345678", "GRS: your grievance is received. Tracking 1234 5678 90")
    ]
