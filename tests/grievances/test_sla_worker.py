"""A real Celery worker with its embedded beat runs the SLA sweep on schedule, and the digest it queues
reaches the GRO's mailbox once, however many sweeps run.

It needs Redis and PostgreSQL: the worker must see the rows this test commits, so both processes use the
test database pytest-django created. On a laptop without them the test skips; under GRS_REQUIRE_SERVICES=1
(CI) it fails instead.
"""

import time
from datetime import timedelta
from email import message_from_string

import pytest
import redis
from django.utils import timezone

from grievances import tracking
from grievances.models import EventKind, Grievance
from grievances.services import grievance_file
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory
from tests.worker import need_worker_services, start_worker, stop_worker, worker_log

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 40
BROKER = "redis://127.0.0.1:6379/12"


@pytest.fixture
def worker_with_beat(tmp_path):
    need_worker_services(BROKER)
    mail_dir = tmp_path / "mail"
    env = {
        "GRS_SLA_SWEEP_SECONDS": "1",
        "NOTIFY_SWEEP_SECONDS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(tmp_path / "sms.jsonl"),
        "GRS_VAR_DIR": str(tmp_path / "var"),
    }
    process = start_worker(broker=BROKER, log_path=tmp_path / "worker.log", name="sla-test", env=env, beat=True)
    process.mail_dir = mail_dir
    try:
        yield process
    finally:
        stop_worker(process)
        redis.Redis.from_url(BROKER).flushdb()


def mails(directory) -> list:
    return [message_from_string(path.read_text()) for path in sorted(directory.glob("*.log"))]


def test_the_beat_sweeps_and_the_gro_gets_one_digest(worker_with_beat):
    office = OfficeFactory(code="DSS-KURIGRAM", layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    AppointmentFactory(role=Role.GRO, office=office, user__email="gro@kurigram.gov.bd")
    grievance = grievance_file(
        type="citizen", office=office, subject="Allowance not paid", description="Since March.", complainant_name="A"
    ).grievance
    Grievance.objects.filter(pk=grievance.pk).update(due_date=timezone.localdate() - timedelta(days=1))

    deadline = time.monotonic() + WAIT_SECONDS
    while not mails(worker_with_beat.mail_dir):
        if time.monotonic() > deadline or worker_with_beat.poll() is not None:
            pytest.fail(f"no digest was mailed in {WAIT_SECONDS} s:\n{worker_log(worker_with_beat)}")
        time.sleep(0.5)
    time.sleep(4)  # several more sweeps run meanwhile: they must find nothing new

    [mail] = mails(worker_with_beat.mail_dir)
    assert mail["To"] == "gro@kurigram.gov.bd"
    assert tracking.display(grievance.tracking_number) in mail.get_payload(decode=True).decode()
    grievance.refresh_from_db()
    assert grievance.overdue
    assert grievance.events.filter(kind=EventKind.OVERDUE).count() == 1
    assert "grievances.sla_sweep" in worker_with_beat.log_path.read_text()
