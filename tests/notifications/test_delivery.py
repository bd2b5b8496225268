from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from grs.celery import app as celery_app
from grs.phones import InvalidPhone
from notifications.models import Outbox
from notifications.services import notify_email, notify_sms, outbox_deliver, outbox_sweep
from notifications.tasks import deliver

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a worker killed mid-send looks like from inside: nothing after it runs."""


def killed_mid_send(message):
    raise WorkerKilled


def test_the_file_backend_writes_one_json_line_per_message(sms_file, inline_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = notify_sms(to="01712345678", body="আপনার অভিযোগ গৃহীত হয়েছে। ট্র্যাকিং নম্বর 1234 5678 90")
        second = notify_sms(to="+971 50 123 4567", body="Your grievance is resolved.")

    assert [(m["id"], m["to"], m["body"]) for m in sms_file.messages()] == [
        (first.pk, "+8801712345678", "আপনার অভিযোগ গৃহীত হয়েছে। ট্র্যাকিং নম্বর 1234 5678 90"),
        (second.pk, "+971501234567", "Your grievance is resolved."),
    ]
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == Outbox.Status.SENT
        assert message.attempts == 1
        assert message.sent_at is not None


def test_delivering_the_same_message_twice_sends_it_once(sms_file):
    message = notify_sms(to="01712345678", body="Received.")

    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.SENT
    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.SENT
    deliver.apply(args=(message.pk,))

    assert len(sms_file.messages()) == 1


def test_a_task_from_a_newer_release_with_extra_arguments_still_delivers(sms_file):
    message = notify_sms(to="01712345678", body="Received.")

    deliver.apply(args=(message.pk,), kwargs={"priority_hint": "high"})

    assert [m["id"] for m in sms_file.messages()] == [message.pk]


def test_a_message_whose_transaction_rolls_back_is_never_sent(
    sms_file, inline_worker, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_sms(to="01712345678", body="Received.")
        raise RuntimeError("the grievance could not be saved")

    assert callbacks == []
    assert outbox_sweep() == 0
    assert not Outbox.objects.exists()
    assert sms_file.messages() == []


def test_a_broker_outage_delays_the_message_and_the_sweep_sends_it(
    sms_file, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_sms(to="01712345678", body="Received.")  # the request does not fail

    message.refresh_from_db()
    assert message.status == Outbox.Status.PENDING
    assert "could not be queued" in caplog.text
    assert outbox_sweep() == 0  # still down: nothing handed over, nothing lost
    assert sms_file.messages() == []

    monkeypatch.undo()
    sent = []
    monkeypatch.setattr(deliver, "delay", lambda pk: sent.append(outbox_deliver(outbox_id=pk)))
    assert outbox_sweep() == 1

    assert [m["id"] for m in sms_file.messages()] == [message.pk]
    assert [m.status for m in sent] == [Outbox.Status.SENT]


def test_a_message_left_sending_by_a_dead_worker_is_sent_by_the_sweep(sms_file, settings, inline_worker):
    message = notify_sms(to="01712345678", body="Received.")
    settings.SMS_BACKEND = "tests.notifications.test_delivery.killed_mid_send"
    with pytest.raises(WorkerKilled):
        outbox_deliver(outbox_id=message.pk)
    message.refresh_from_db()
    assert message.status == Outbox.Status.SENDING

    settings.SMS_BACKEND = "file"
    assert outbox_sweep() == 0  # the worker's claim still runs: it may just be slow
    assert sms_file.messages() == []

    Outbox.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox_sweep() == 1

    message.refresh_from_db()
    assert message.status == Outbox.Status.SENT
    assert message.attempts == 2
    assert [m["id"] for m in sms_file.messages()] == [message.pk]


def test_a_message_stuck_on_its_last_attempt_is_marked_failed(sms_file, settings, inline_worker):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    message = notify_sms(to="01712345678", body="Received.")
    settings.SMS_BACKEND = "tests.notifications.test_delivery.killed_mid_send"
    with pytest.raises(WorkerKilled):
        outbox_deliver(outbox_id=message.pk)
    Outbox.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    assert outbox_sweep() == 0

    message.refresh_from_db()
    assert message.status == Outbox.Status.FAILED
    assert "worker stopped while sending" in message.last_error


def test_simulated_messages_are_recorded_but_never_sent(sms_file, inline_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = notify_sms(to="01712345678", body="Pilot: received.", simulated=True)

    assert callbacks == []
    assert outbox_deliver(outbox_id=message.pk).status == Outbox.Status.SUPPRESSED
    assert outbox_sweep() == 0
    assert sms_file.messages() == []
    with pytest.raises(IntegrityError), transaction.atomic():
        Outbox.objects.filter(pk=message.pk).update(status=Outbox.Status.PENDING)


def test_e_mail_goes_through_django_mail(mailoutbox, inline_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_email(to="citizen@example.com", subject="Grievance received", body="Tracking 1234 5678 90")

    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [
        (["citizen@example.com"], "Grievance received", "Tracking 1234 5678 90")
    ]
    message.refresh_from_db()
    assert message.status == Outbox.Status.SENT


def test_a_bad_recipient_is_refused_and_nothing_is_queued():
    with pytest.raises(InvalidPhone):
        notify_sms(to="12", body="Received.")
    with pytest.raises(DjangoValidationError):
        notify_email(to="not an address", subject="Hello", body="Received.")
    assert not Outbox.objects.exists()


def test_the_beat_runs_the_sweep_by_its_stable_name(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications.sweep"]

    assert entry["task"] == "notifications.sweep"
    assert entry["schedule"] == settings.NOTIFY_SWEEP_SECONDS
    assert {"notifications.deliver", "notifications.sweep"} <= set(celery_app.tasks.keys())


def test_the_console_backend_logs_the_message_without_the_whole_number(settings, caplog):
    settings.SMS_BACKEND = "console"
    message = notify_sms(to="01712345678", body="Your grievance is resolved.")

    with caplog.at_level("INFO", logger="notifications.backends"):
        outbox_deliver(outbox_id=message.pk)

    assert f"SMS #{message.pk} to +88017******78: Your grievance is resolved." in caplog.text
    assert "1712345678" not in caplog.text
