"""The redress flow and its messages end to end, with real Celery workers on a Redis of the test's own.

Each test starts a private redis-server on a free loopback port (so it can stop it, and no other test's
queue mixes with its own) and workers that share pytest-django's PostgreSQL test database. On a laptop
without PostgreSQL or redis-server the tests skip; under GRS_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

import time

import pytest
from django.db import transaction

from grievances.models import Grievance
from grievances.selectors import grievances_in_inbox
from grievances.services import (
    grievance_accept,
    grievance_appeal,
    grievance_decide_appeal,
    grievance_feedback,
    grievance_file,
    grievance_forward,
    grievance_resolve,
)
from grievances.workflow import Status
from notifications import backends
from notifications.models import Outbox
from notifications.services import notify_sms, outbox_sweep
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory
from tests.worker import kill_worker, private_broker, sms_lines, stop_worker, worker_log, worker_starter

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = "01712345678"
E164 = "+8801712345678"
WAIT_SECONDS = 40
LEASE_SECONDS = 3
SLOW_SEND_SECONDS = 0.4
DONE = (Outbox.Status.SENT, Outbox.Status.FAILED, Outbox.Status.SUPPRESSED)


def slow_sms_file(message: Outbox) -> None:
    """The ``file`` backend behind a gateway that takes a while to answer, so a worker can die mid-send."""
    time.sleep(SLOW_SEND_SECONDS)
    backends.sms_file(message)


@pytest.fixture
def sms_path(tmp_path):
    return tmp_path / "sms.jsonl"


@pytest.fixture
def broker(tmp_path, monkeypatch):
    yield from private_broker(tmp_path, monkeypatch)


@pytest.fixture
def workers(broker, sms_path, tmp_path):
    """Starts workers on the private Redis (extra settings as keyword arguments); stops them all afterwards."""
    yield from worker_starter(
        broker, sms_path, tmp_path, name="redress", NOTIFY_SENDING_TIMEOUT_SECONDS=str(LEASE_SECONDS)
    )


def wait_until_delivered(worker, *, sweep: bool = False) -> None:
    """Wait until no message is left pending or being sent; with ``sweep``, run the outbox sweep each
    second as beat would."""
    deadline = time.monotonic() + WAIT_SECONDS
    swept = 0.0
    while Outbox.objects.exclude(status__in=DONE).exists():
        if time.monotonic() > deadline or worker.poll() is not None:
            rows = list(Outbox.objects.values_list("pk", "status", "attempts", "last_error"))
            pytest.fail(f"messages still undelivered after {WAIT_SECONDS} s: {rows}\n{worker_log(worker)}")
        if sweep and time.monotonic() - swept > 1:
            outbox_sweep()
            swept = time.monotonic()
        time.sleep(0.1)


@pytest.fixture
def offices():
    """A district office with an upazila office below it; a GRO at each, an Appeal Officer at the upazila."""
    district = OfficeFactory(code="DSS-KURIGRAM", layer=Office.Layer.DISTRICT, name_en="DSS Kurigram")
    upazila = OfficeFactory(code="DSS-ULIPUR", parent=district, layer=Office.Layer.UPAZILA, name_en="DSS Ulipur")
    return {
        "district": district,
        "upazila": upazila,
        "gro": AppointmentFactory(role=Role.GRO, office=district).user,
        "gro_upazila": AppointmentFactory(role=Role.GRO, office=upazila).user,
        "appeal": AppointmentFactory(role=Role.APPEAL_OFFICER, office=upazila, user__email="ao@ulipur.gov.bd").user,
    }


def file_grievance(office) -> Grievance:
    return grievance_file(
        type="citizen",
        office=office,
        subject="Old age allowance not paid",
        description="No payment since March.",
        complainant_name="Amena Begum",
        complainant_phone=PHONE,
    ).grievance


def test_file_forward_resolve_appeal_with_a_real_worker(offices, workers, sms_path, tmp_path):
    worker = workers()
    grievance = file_grievance(offices["district"])
    assert list(grievances_in_inbox(offices["gro"])) == [grievance]

    grievance_accept(grievance_id=grievance.pk, actor=offices["gro"])
    grievance_forward(
        grievance_id=grievance.pk, actor=offices["gro"], to_office=offices["upazila"], reason="Paid by the upazila."
    )
    assert list(grievances_in_inbox(offices["gro"])) == []
    assert list(grievances_in_inbox(offices["gro_upazila"])) == [grievance]
    grievance_accept(grievance_id=grievance.pk, actor=offices["gro_upazila"])
    grievance_resolve(grievance_id=grievance.pk, actor=offices["gro_upazila"], resolution="Arrears paid on 5 May.")
    grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Only two months were paid.")
    grievance_decide_appeal(
        grievance_id=grievance.pk, actor=offices["appeal"], decision="remedied", text="The rest is paid."
    )
    grievance_feedback(number=grievance.tracking_number, phone=PHONE, rating=4, comment="Paid in full now.")
    wait_until_delivered(worker)

    grievance.refresh_from_db()
    assert (grievance.status, grievance.feedback.rating) == (Status.CLOSED, 4)
    sms = list(Outbox.objects.filter(channel=Outbox.Channel.SMS).order_by("pk"))
    kinds = ["is received at DSS Kurigram", "was forwarded to DSS Ulipur", "is resolved", "is decided (Remedied"]
    assert len(sms) == len(kinds)
    for message, kind in zip(sms, kinds, strict=True):
        assert kind in message.body
    assert [(row.status, row.attempts, row.recipient) for row in sms] == [(Outbox.Status.SENT, 1, E164)] * len(kinds)
    lines = sms_lines(sms_path)
    assert sorted((line["id"], line["to"], line["body"]) for line in lines) == [(m.pk, E164, m.body) for m in sms]

    # The Appeal Officer hears of the appeal by e-mail, once.
    [mail] = Outbox.objects.filter(channel=Outbox.Channel.EMAIL)
    assert (mail.recipient, mail.status, mail.attempts) == ("ao@ulipur.gov.bd", Outbox.Status.SENT, 1)
    [mail_file] = (tmp_path / "mail").glob("*.log")
    assert "ao@ulipur.gov.bd" in mail_file.read_text()


def test_a_worker_killed_while_delivering_loses_and_duplicates_nothing(workers, sms_path):
    """A worker is SIGKILLed while the gateway is taking a message (before it has accepted it). That row
    stays "sending" until its lease runs out; the sweep then hands it back and a new worker sends it. Every
    message arrives, each exactly once.

    The kill lands inside the gateway call on purpose. A worker that dies after the gateway accepted a
    message but before recording it as sent makes the sweep send it again (the outbox then notes it "may or
    may not have gone out"): that narrow window is at-least-once by design, and the gateway is given the
    outbox id to drop such a repeat.
    """
    slow = {"SMS_BACKEND": f"{__name__}.slow_sms_file"}
    worker = workers(**slow)
    with transaction.atomic():
        messages = [notify_sms(to=PHONE, body=f"GRS: message {number}") for number in range(20)]
    ids = [message.pk for message in messages]

    # Kill the worker while it is inside a send, after it has delivered a few.
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if time.monotonic() > deadline or worker.poll() is not None:
            pytest.fail(f"the worker did not start sending:\n{worker_log(worker)}")
        sent = Outbox.objects.filter(status=Outbox.Status.SENT).count()
        sending = list(Outbox.objects.filter(status=Outbox.Status.SENDING).values_list("pk", flat=True))
        if sent >= 3 and sending:
            kill_worker(worker)
            break
        time.sleep(0.02)
    [interrupted] = sending
    assert interrupted not in {line["id"] for line in sms_lines(sms_path)}
    assert Outbox.objects.get(pk=interrupted).status == Outbox.Status.SENDING

    worker = workers(**slow)
    wait_until_delivered(worker, sweep=True)

    delivered = [line["id"] for line in sms_lines(sms_path)]
    assert sorted(delivered) == sorted(ids)  # all of them, none twice
    rows = dict(Outbox.objects.values_list("pk", "status"))
    assert set(rows.values()) == {Outbox.Status.SENT}
    assert Outbox.objects.get(pk=interrupted).attempts == 2
    assert set(Outbox.objects.exclude(pk=interrupted).values_list("attempts", flat=True)) == {1}


def test_with_redis_down_filing_and_actions_succeed_and_messages_follow(offices, broker, workers, sms_path):
    worker = workers()
    before = file_grievance(offices["district"])
    wait_until_delivered(worker)  # the worker and this process really use the private Redis
    assert [line["id"] for line in sms_lines(sms_path)] == [before.outbox_messages.get().pk]

    stop_worker(worker)
    broker.stop()
    started = time.monotonic()
    grievance = file_grievance(offices["district"])
    grievance_accept(grievance_id=grievance.pk, actor=offices["gro"])
    grievance_forward(
        grievance_id=grievance.pk, actor=offices["gro"], to_office=offices["upazila"], reason="Paid by the upazila."
    )
    grievance_accept(grievance_id=grievance.pk, actor=offices["gro_upazila"])
    grievance_resolve(grievance_id=grievance.pk, actor=offices["gro_upazila"], resolution="Arrears paid on 5 May.")
    assert time.monotonic() - started < 20  # the outage slows the officers down a little, no more

    grievance.refresh_from_db()
    assert (grievance.status, grievance.current_office) == (Status.RESOLVED, offices["upazila"])
    waiting = list(grievance.outbox_messages.order_by("pk"))
    assert [row.status for row in waiting] == [Outbox.Status.PENDING] * 3
    assert len(sms_lines(sms_path)) == 1

    broker.start()
    worker = workers()
    wait_until_delivered(worker, sweep=True)

    lines = sms_lines(sms_path)
    assert sorted(line["id"] for line in lines) == sorted([before.outbox_messages.get().pk, *(m.pk for m in waiting)])
    assert [(m.status, m.attempts) for m in grievance.outbox_messages.order_by("pk")] == [(Outbox.Status.SENT, 1)] * 3
    bodies = {line["id"]: line["body"] for line in lines}
    assert [bodies[m.pk] for m in waiting] == [m.body for m in waiting]
