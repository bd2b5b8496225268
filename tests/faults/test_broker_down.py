"""Redis (the broker) is down while a citizen files and a GRO acts: both succeed, their rows and messages
are stored, and the messages go out once Redis and a worker are back, handed over by beat's outbox sweep
(nothing was ever queued while Redis was down, so nothing else could send them)."""

import uuid

import pytest
import redis
from django.test import Client
from rest_framework.test import APIClient

from grievances.models import Grievance
from grievances.workflow import Status
from notifications.models import Outbox
from tests.faults.conftest import E164, all_delivered, filing_payload, signed_in, wait_for
from tests.worker import sms_lines

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_filing_and_a_gro_action_with_redis_down_lose_no_message(broker, workers, sms_path, offices, caplog):
    broker.stop()

    # A citizen files through the API (the mobile app, a UDC tablet) ...
    filed = APIClient().post(
        "/api/v1/grievances/",
        filing_payload(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert filed.status_code == 201
    by_api = Grievance.objects.get(tracking_number=filed.json()["tracking_number"])

    # ... another through the web form ...
    form = {
        "type": "citizen",
        "subject": "Widow allowance stopped",
        "description": "Nothing paid since January.",
        "complainant_name": "Rokeya Khatun",
        "complainant_phone": "01812345678",
        "complainant_country": "BD",
        "idempotency_key": str(uuid.uuid4()),
    }
    answer = Client().post("/grievances/new/?office=DSS-KURIGRAM", form)
    assert (answer.status_code, answer["Location"]) == (302, "/grievances/receipt/")
    by_form = Grievance.objects.get(subject="Widow allowance stopped")

    # ... and the GRO forwards the first one from its page.
    gro = signed_in(offices["gro"])
    forwarded = gro.post(
        f"/inbox/{by_api.tracking_number}/forward/",
        {
            "forward-version": by_api.version,
            "forward-to_office": "DSS-ULIPUR",
            "forward-reason": "Paid by the upazila.",
        },
    )
    assert forwarded.status_code == 302

    by_api.refresh_from_db()
    assert (by_api.status, by_api.current_office, by_api.version) == (Status.SUBMITTED, offices["upazila"], 2)
    assert [e.kind for e in by_api.events.all()] == ["submitted", "forwarded"]
    waiting = list(Outbox.objects.order_by("pk"))
    assert [(m.grievance_id, m.status, m.attempts) for m in waiting] == [
        (by_api.pk, Outbox.Status.PENDING, 0),
        (by_form.pk, Outbox.Status.PENDING, 0),
        (by_api.pk, Outbox.Status.PENDING, 0),
    ]
    assert "forwarded to DSS Ulipur" in waiting[2].body
    assert caplog.text.count("could not be queued, the sweep will send it later") == 3
    assert sms_lines(sms_path) == []

    broker.start()
    assert redis.Redis.from_url(broker.url).llen("celery") == 0  # no hint of these messages survived
    worker = workers(beat=True)
    wait_for(all_delivered, worker, "delivering the three messages")

    lines = sms_lines(sms_path)
    assert sorted((line["id"], line["to"], line["body"]) for line in lines) == [
        (m.pk, m.recipient, m.body) for m in waiting
    ]
    assert {m.recipient for m in waiting} == {E164, "+8801812345678"}
    assert list(Outbox.objects.order_by("pk").values_list("status", "attempts")) == [(Outbox.Status.SENT, 1)] * 3
