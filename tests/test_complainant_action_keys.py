"""The citizens' app queues a reply, a rating or an appeal while offline and sends it again when the link
returns, each with its own Idempotency-Key. A copy resent after its answer was lost is recorded once and
answered like the first; the same key with anything else changed is refused; a stranger holding the key is
told what a wrong phone is told."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from grievances import services
from grievances.models import ActionKey, EventKind, Feedback, Grievance, GrievanceEvent
from grievances.privacy import grievance_identity_erase
from grievances.services import (
    grievance_accept,
    grievance_file,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
)
from notifications.models import Outbox
from offices.models import Office, Role
from pilot.services import pilot_purge
from tests.conftest import need_service
from tests.factories import AppointmentFactory, OfficeFactory

PHONE = "01712345678"
NOT_FOUND = "No grievance has this tracking number with this phone number or access code. Please check both."
REUSED = "This Idempotency-Key was already used for a different reply, rating or appeal. Use a new key for each one."


@pytest.fixture
def office(db):
    ministry = OfficeFactory(code="MOSW")
    return OfficeFactory(code="DSS-KURIGRAM", parent=ministry, layer=Office.Layer.DISTRICT)


@pytest.fixture
def gro(office):
    return AppointmentFactory(role=Role.GRO, office=office).user


def file(office, **changes) -> Grievance:
    return grievance_file(
        type="citizen",
        office=office,
        subject="Maternity allowance not paid",
        description="Enrolled in January, nothing paid.",
        complainant_name="Shahana Akter",
        complainant_phone=PHONE,
        **changes,
    ).grievance


@pytest.fixture
def asked(office, gro) -> Grievance:
    """A citizen's grievance whose office asked them a question."""
    grievance = file(office)
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_request_info(grievance_id=grievance.pk, actor=gro, question="Which union are you in?")
    return grievance


def send(grievance, action: str, key: str = "", **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return APIClient().post(
        f"/api/v1/track/{grievance.tracking_number}/{action}/",
        body,
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def kinds(grievance, kind: str) -> int:
    return GrievanceEvent.objects.filter(grievance=grievance, kind=kind).count()


@pytest.mark.django_db
def test_a_reply_sent_again_with_its_key_is_recorded_once_and_answered_alike(asked):
    key = str(uuid.uuid4())

    first = send(asked, "reply", key, phone=PHONE, answer="Dharanibari")
    again = send(asked, "reply", key, phone=PHONE, answer="Dharanibari")

    assert first.status_code == again.status_code == 200, again.content
    assert first.json()["status"] == again.json()["status"] == "in_progress"
    assert again.json()["events"] == first.json()["events"]
    assert kinds(asked, EventKind.INFO_PROVIDED) == 1


@pytest.mark.django_db
def test_the_same_key_with_another_answer_is_refused_and_nothing_is_recorded(asked):
    key = str(uuid.uuid4())
    assert send(asked, "reply", key, phone=PHONE, answer="Dharanibari").status_code == 200

    refused = send(asked, "reply", key, phone=PHONE, answer="Ulipur")

    assert refused.status_code == 409
    assert refused.json() == {"detail": REUSED, "code": "idempotency_key_reused"}
    notes = list(
        GrievanceEvent.objects.filter(grievance=asked, kind=EventKind.INFO_PROVIDED).values_list(
            "public_note", flat=True
        )
    )
    assert notes == ["Dharanibari"]


@pytest.mark.django_db
def test_a_key_used_for_a_reply_is_refused_for_a_rating(office, gro):
    grievance = file(office)
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_request_info(grievance_id=grievance.pk, actor=gro, question="Which union?")
    key = str(uuid.uuid4())
    assert send(grievance, "reply", key, phone=PHONE, answer="Dharanibari").status_code == 200
    grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid")

    refused = send(grievance, "feedback", key, phone=PHONE, rating=4)

    assert refused.status_code == 409 and refused.json()["code"] == "idempotency_key_reused"
    assert Grievance.objects.get(pk=grievance.pk).status == "resolved"
    assert not Feedback.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("answer", ["Dharanibari", "Something else"])
def test_the_key_with_a_wrong_phone_is_not_found_and_reveals_nothing(asked, answer):
    key = str(uuid.uuid4())
    assert send(asked, "reply", key, phone=PHONE, answer="Dharanibari").status_code == 200

    stranger = send(asked, "reply", key, phone="01812345678", answer=answer)

    assert stranger.status_code == 404
    assert stranger.json() == {"detail": NOT_FOUND, "code": "not_found"}
    assert "Dharanibari" not in stranger.content.decode()
    assert kinds(asked, EventKind.INFO_PROVIDED) == 1


@pytest.mark.django_db
def test_a_rating_sent_again_with_its_key_is_kept_once(office, gro):
    grievance = file(office)
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid in full")
    key = str(uuid.uuid4())

    answers = [send(grievance, "feedback", key, phone=PHONE, rating=4, comment="Quick") for _copy in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["status"] for a in answers] == ["closed", "closed"]
    assert list(Feedback.objects.values_list("grievance", "rating", "comment")) == [(grievance.pk, 4, "Quick")]
    assert kinds(grievance, EventKind.FEEDBACK) == 1


@pytest.mark.django_db
def test_an_appeal_sent_again_with_its_key_is_taken_once_and_the_appeal_officer_told_once(office, gro):
    AppointmentFactory(role=Role.APPEAL_OFFICER, office=office)
    grievance = file(office)
    grievance_reject(grievance_id=grievance.pk, actor=gro, reason="Out of remit")
    key = str(uuid.uuid4())

    first = send(grievance, "appeal", key, phone=PHONE, reason="It is in the charter")
    messages = Outbox.objects.count()
    again = send(grievance, "appeal", key, phone=PHONE, reason="It is in the charter")

    assert first.status_code == again.status_code == 200, again.content
    assert first.json()["status"] == again.json()["status"] == "appealed"
    assert kinds(grievance, EventKind.APPEALED) == 1
    assert Outbox.objects.count() == messages


@pytest.mark.django_db
def test_an_anonymous_complainant_resends_with_the_access_code(office, gro):
    filed = grievance_file(type="anonymous", office=office, subject="Bribe for enrolment", description="500 taka")
    grievance = filed.grievance
    grievance_reject(grievance_id=grievance.pk, actor=gro, reason="No details")
    key = str(uuid.uuid4())

    answers = [send(grievance, "appeal", key, code=filed.access_code, reason="Details attached") for _copy in range(2)]
    stranger = send(grievance, "appeal", key, code="AAAAA-BBBBB", reason="Details attached")

    assert [a.status_code for a in answers] == [200, 200]
    assert kinds(grievance, EventKind.APPEALED) == 1
    assert stranger.status_code == 404


@pytest.mark.django_db
def test_without_a_key_a_second_reply_is_still_a_conflict(asked):
    assert send(asked, "reply", phone=PHONE, answer="Dharanibari").status_code == 200

    again = send(asked, "reply", phone=PHONE, answer="Dharanibari")

    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert kinds(asked, EventKind.INFO_PROVIDED) == 1
    assert not ActionKey.objects.exists()


@pytest.mark.django_db
def test_a_new_key_for_an_action_already_taken_is_a_conflict(asked):
    assert send(asked, "reply", str(uuid.uuid4()), phone=PHONE, answer="Dharanibari").status_code == 200

    again = send(asked, "reply", str(uuid.uuid4()), phone=PHONE, answer="Dharanibari")

    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert kinds(asked, EventKind.INFO_PROVIDED) == 1


@pytest.mark.django_db
def test_erasing_the_identity_forgets_the_keys(office, gro):
    grievance = file(office)
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid in full")
    key = str(uuid.uuid4())
    assert send(grievance, "feedback", key, phone=PHONE, rating=5).status_code == 200
    assert ActionKey.objects.filter(grievance=grievance).exists()

    grievance_identity_erase(grievance_id=grievance.pk, actor=gro, reason="Asked for it.")

    assert not ActionKey.objects.exists()
    assert send(grievance, "feedback", key, phone=PHONE, rating=5).status_code == 404


@pytest.mark.django_db
def test_purging_the_pilot_removes_the_keys_of_simulated_grievances(office, gro):
    grievance = file(office, simulated=True)
    grievance_reject(grievance_id=grievance.pk, actor=gro, reason="Out of remit")
    assert send(grievance, "appeal", str(uuid.uuid4()), phone=PHONE, reason="Appeal").status_code == 200

    pilot_purge()

    assert not Grievance.objects.exists()
    assert not ActionKey.objects.exists()


@pytest.mark.django_db
def test_the_schema_documents_the_header_on_each_action(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for action in ("reply", "feedback", "appeal"):
        parameters = paths[f"/api/v1/track/{{tracking_number}}/{action}/"]["post"]["parameters"]
        assert {"name": "Idempotency-Key", "in": "header"}.items() <= next(
            p for p in parameters if p["name"] == "Idempotency-Key"
        ).items()


@pytest.mark.django_db(transaction=True)
def test_two_copies_at_the_same_moment_are_recorded_once_and_both_answered(office, gro, monkeypatch):
    need_service(connection.vendor == "postgresql", "two requests racing for a row lock need PostgreSQL")
    grievance = file(office)
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_request_info(grievance_id=grievance.pk, actor=gro, question="Which union are you in?")
    # Both copies have looked the key up and found nothing before either takes the grievance's lock.
    ready = threading.Barrier(2, timeout=20)
    original = services._lock_for_complainant

    def after_the_lookup(*args, **kwargs):
        ready.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_lock_for_complainant", after_the_lookup)
    key = str(uuid.uuid4())
    answers: list = [None, None]

    def copy(index: int) -> None:
        try:
            answers[index] = send(grievance, "reply", key, phone=PHONE, answer="Dharanibari")
        except Exception as exc:  # a 500 the client raised: reported below, not lost in the thread
            answers[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=copy, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not ready.broken, "a copy took the lock before the other had looked the key up: no race was run"
    assert [getattr(a, "status_code", a) for a in answers] == [200, 200], [getattr(a, "content", a) for a in answers]
    assert {a.json()["status"] for a in answers} == {"in_progress"}
    assert kinds(grievance, EventKind.INFO_PROVIDED) == 1
    assert ActionKey.objects.count() == 1
