"""The same offline submission arrives twice at the same moment: a UDC tablet whose link dropped sends its
queue again while the first sending is still in flight. Every copy carries the submission's
Idempotency-Key. Exactly one grievance is filed, one receipt SMS queued, and every answer names the same
tracking number (and, for an anonymous filing, the same access code); a copy with other contents under
the same key is refused with a conflict that says so.

The copies are held until each has checked that no grievance has the key yet, so they really race to
write it (tests/grievances/test_api.py sends copies in parallel without forcing the race)."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from grievances import services
from grievances.models import Grievance, IdempotencyRecord
from notifications.models import Outbox
from tests.faults.conftest import filing_payload, need_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres():
    need_postgres()


def send_together(payloads: list[dict], key: str, monkeypatch) -> list:
    """POST every payload at once, each from its own thread and database connection, all with ``key``;
    none writes until all have looked the key up and found nothing. Returns the answers in order."""
    ready = threading.Barrier(len(payloads), timeout=20)
    original = services._save_with_tracking_number

    def after_the_lookup(grievance):
        ready.wait()
        original(grievance)

    monkeypatch.setattr(services, "_save_with_tracking_number", after_the_lookup)
    answers: list = [None] * len(payloads)

    def send(index: int, payload: dict) -> None:
        try:
            answers[index] = APIClient().post(
                "/api/v1/grievances/", payload, format="json", HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE="en"
            )
        except Exception as exc:  # a 500 the client raised: reported below, not lost in the thread
            answers[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, payload)) for i, payload in enumerate(payloads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not ready.broken, "a copy found the key before all had looked: the race was not run"
    return answers


@pytest.mark.parametrize("kind", ["citizen", "anonymous"])
def test_four_copies_at_once_file_one_grievance_and_all_get_its_number(offices, monkeypatch, kind):
    payload = filing_payload() if kind == "citizen" else filing_payload(type="anonymous", complainant_phone="")

    answers = send_together([payload] * 4, str(uuid.uuid4()), monkeypatch)

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    grievance = Grievance.objects.get()
    assert {a.json()["tracking_number"] for a in answers} == {grievance.tracking_number}
    if kind == "anonymous":
        # Whoever gets an answer can follow the grievance: every copy carries the same access code.
        codes = {a.json()["access_code"] for a in answers}
        assert len(codes) == 1 and services.access_code_matches(codes.pop(), grievance.access_code_hash)
    else:
        assert Outbox.objects.filter(grievance=grievance).count() == 1  # one receipt SMS, not four
    assert IdempotencyRecord.objects.count() == 1
    assert [e.kind for e in grievance.events.all()] == ["submitted"]


def test_two_different_submissions_under_one_key_at_once_file_one_and_refuse_the_other(offices, monkeypatch):
    first, second = filing_payload(subject="Allowance not paid"), filing_payload(subject="Card not issued")

    answers = send_together([first, second], str(uuid.uuid4()), monkeypatch)

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sorted(a.status_code for a in answers) == [201, 409]
    winner = [a.status_code for a in answers].index(201)
    filed, refused = answers[winner], answers[1 - winner]
    assert refused.json() == {
        "detail": "This Idempotency-Key was already used for a different grievance. Use a new key for a new grievance.",
        "code": "idempotency_key_reused",
    }
    grievance = Grievance.objects.get()
    assert grievance.tracking_number == filed.json()["tracking_number"]
    assert grievance.subject == [first, second][winner]["subject"]
