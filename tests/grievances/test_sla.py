"""The SLA sweep: newly overdue grievances marked in one UPDATE with one event each, one digest per office
to its GRO and Appeal Officer, the Appeal Officer told of new appeals, and the beat that runs it all."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from grievances import tracking
from grievances.models import EventKind, Grievance
from grievances.selectors import grievances_for_cabinet_cell
from grievances.services import (
    AppealTooEarly,
    grievance_accept,
    grievance_appeal,
    grievance_file,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
    grievance_sla_sweep,
)
from grievances.tasks import sla_sweep
from grs.celery import app as celery_app
from notifications.models import Outbox
from offices.models import Office, Role
from tests.factories import AppointmentFactory, CharterFactory, OfficeFactory

pytestmark = pytest.mark.django_db

PHONE = "+8801712345678"
AO_PHONE = "+8801812345678"


@pytest.fixture(autouse=True)
def _officials_read_english(settings):
    """Messages to officials are written in LANGUAGE_CODE (Bangla in production); these tests read English."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world():
    """DSS and a district office below it, each with a GRO and an Appeal Officer. DSS's officials read
    e-mail; the district's Appeal Officer has only a phone, so he gets SMS."""
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Social Services")
    district = OfficeFactory(
        code="DSS-KURIGRAM",
        parent=dss,
        layer=Office.Layer.DISTRICT,
        name_en="DSS Kurigram",
        name_bn="জেলা সমাজসেবা কার্যালয়, কুড়িগ্রাম",
    )
    CharterFactory(office=dss, gro_timeframe_days=30, appeal_timeframe_days=25)

    def officer(role, office, **user):
        return AppointmentFactory(role=role, office=office, **{f"user__{k}": v for k, v in user.items()}).user

    return {
        "mosw": mosw,
        "dss": dss,
        "district": district,
        "gro": officer(Role.GRO, dss, email="gro@dss.gov.bd"),
        "appeal": officer(Role.APPEAL_OFFICER, dss, email="appeal@dss.gov.bd"),
        "gro_district": officer(Role.GRO, district, email="gro@kurigram.gov.bd"),
        "appeal_district": officer(Role.APPEAL_OFFICER, district, email="", phone=AO_PHONE),
        "focal": officer(Role.FOCAL_POINT, dss, email="focal@dss.gov.bd"),
    }


def file(office, *, simulated=False):
    return grievance_file(
        type="citizen",
        office=office,
        subject="Old age allowance not paid",
        description="No payment since March.",
        complainant_name="Amena Begum",
        complainant_phone=PHONE,
        simulated=simulated,
    ).grievance


def due(grievances, *, days_ago=1, field="due_date"):
    """Move the office's (or the Appeal Officer's) due date into the past: test set-up, not a workflow step."""
    day = timezone.localdate() - timedelta(days=days_ago)
    Grievance.objects.filter(pk__in=[g.pk for g in grievances]).update(**{field: day})
    return day


def overdue_events(grievance):
    return list(grievance.events.filter(kind=EventKind.OVERDUE).order_by("id"))


def digests():
    """Messages to officials (the complainants' SMS are tied to one grievance; a digest to none)."""
    return Outbox.objects.filter(grievance__isnull=True).order_by("id")


def resolved(world, office_key="dss", gro_key="gro"):
    grievance = file(world[office_key])
    grievance_accept(grievance_id=grievance.pk, actor=world[gro_key])
    return grievance_resolve(grievance_id=grievance.pk, actor=world[gro_key], resolution="Paid in full")


def test_grievances_past_their_due_date_become_overdue_with_exactly_one_event_each(world):
    submitted, in_progress, awaiting, not_yet = (file(world["dss"]) for _i in range(4))
    grievance_accept(grievance_id=in_progress.pk, actor=world["gro"])
    grievance_accept(grievance_id=awaiting.pk, actor=world["gro"])
    grievance_request_info(grievance_id=awaiting.pk, actor=world["gro"], question="Which month?")
    day = due([submitted, in_progress, awaiting])

    result = grievance_sla_sweep()

    assert (result.overdue, result.offices) == (3, 1)
    for grievance, status in ((submitted, "submitted"), (in_progress, "in_progress"), (awaiting, "awaiting_info")):
        grievance.refresh_from_db()
        assert grievance.overdue and grievance.status == status
        [event] = overdue_events(grievance)
        assert event.status_after == status and event.actor is None
        assert event.data == {"deadline": day.isoformat(), "clock": "office"}
        assert event.public_note == (
            f"The office did not settle the grievance by its due date, {day:%d/%m/%Y}. You may appeal."
        )
    not_yet.refresh_from_db()
    assert not not_yet.overdue and overdue_events(not_yet) == []


def test_a_second_sweep_adds_nothing(world):
    grievances = [file(world["dss"]), file(world["district"])]
    due(grievances)
    first = grievance_sla_sweep()
    messages = Outbox.objects.count()

    second = grievance_sla_sweep()

    assert first.overdue == 2 and first.messages == 4
    assert (second.overdue, second.offices, second.messages) == (0, 0, 0)
    assert [len(overdue_events(g)) for g in grievances] == [1, 1]
    assert Outbox.objects.count() == messages


def test_grievances_due_today_and_settled_ones_are_left_alone(world):
    due_today = file(world["dss"])
    due([due_today], days_ago=0)
    settled = resolved(world)
    rejected = file(world["dss"])
    grievance_reject(grievance_id=rejected.pk, actor=world["gro"], reason="A court case is pending")
    due([settled, rejected], days_ago=10)

    assert grievance_sla_sweep().overdue == 0
    for grievance in (due_today, settled, rejected):
        grievance.refresh_from_db()
        assert not grievance.overdue and overdue_events(grievance) == []
    assert not digests().exists()


def test_overdue_means_before_the_day_in_dhaka_not_in_utc(world):
    grievance = file(world["dss"])
    day = due([grievance])
    dhaka = timezone.get_default_timezone()
    # The clock is in UTC, as timezone.now() gives it. 23:30 in Dhaka on the due date: not yet overdue.
    late_evening = datetime.combine(day, time(23, 30), dhaka).astimezone(UTC)
    assert grievance_sla_sweep(now=late_evening).overdue == 0
    # 00:10 in Dhaka the next day, while in UTC it is still the due date (18:10): overdue now.
    next_morning = datetime.combine(day + timedelta(days=1), time(0, 10), dhaka).astimezone(UTC)
    assert next_morning.date() == day
    assert grievance_sla_sweep(now=next_morning).overdue == 1
    assert overdue_events(grievance)[0].at == next_morning


def test_an_appeal_runs_on_the_appeal_officers_due_date_and_then_goes_to_the_cabinet_cell(world):
    grievance = grievance_appeal(number=resolved(world).tracking_number, phone=PHONE, reason="Half was paid")
    due([grievance], days_ago=40)  # the office's date is long gone; the Appeal Officer's is not
    cabinet = AppointmentFactory(role=Role.CABINET_MONITOR, office=OfficeFactory(code="CABINET")).user

    assert grievance_sla_sweep().overdue == 0
    assert list(grievances_for_cabinet_cell(cabinet)) == []

    day = due([grievance], field="appeal_due_date")
    assert grievance_sla_sweep().overdue == 1
    [event] = overdue_events(grievance)
    assert event.status_after == "appealed"
    assert event.data == {"deadline": day.isoformat(), "clock": "appeal"}
    assert event.public_note == (
        f"The Appeal Officer did not decide by {day:%d/%m/%Y}. "
        "The grievance goes to Cabinet Division's grievance management cell."
    )
    assert list(grievances_for_cabinet_cell(cabinet)) == [grievance]
    assert list(grievances_for_cabinet_cell(world["focal"])) == [grievance]  # a focal point of DSS's subtree
    assert list(grievances_for_cabinet_cell(world["gro_district"])) == []  # another office's GRO


def test_overdue_at_the_office_then_appealed_is_overdue_again_past_the_appeal_officers_date(world):
    grievance = file(world["dss"])
    due([grievance])
    assert grievance_sla_sweep().overdue == 1
    appealed = grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Nothing happened")
    assert not appealed.overdue  # the Appeal Officer's clock has started
    assert grievance_sla_sweep().overdue == 0

    due([grievance], field="appeal_due_date")
    assert grievance_sla_sweep().overdue == 1
    assert [e.data["clock"] for e in overdue_events(grievance)] == ["office", "appeal"]


def test_the_sweep_makes_as_many_queries_for_60_overdue_grievances_as_for_3(world, django_assert_max_num_queries):
    def sweep_after_filing(at_dss, at_district):
        offices = [world["dss"]] * at_dss + [world["district"]] * at_district
        grievances = [file(office) for office in offices]
        due(grievances)
        with CaptureQueriesContext(connection) as queries:
            result = grievance_sla_sweep()
        assert result.overdue == at_dss + at_district and result.offices == 2
        return len(queries)

    few = sweep_after_filing(2, 1)
    many = sweep_after_filing(30, 30)
    assert few == many
    # UPDATE ... RETURNING, INSERT events, SELECT officials, INSERT one outbox row per official (4),
    # the dashboard tallies (one grouped read, one upsert per tally table), and the savepoint around it all.
    due([file(world["dss"]), file(world["district"])])
    with django_assert_max_num_queries(12):
        grievance_sla_sweep()


def test_each_office_sends_one_digest_to_its_gro_and_appeal_officer(world):
    at_dss = [file(world["dss"]) for _i in range(12)]
    at_district = file(world["district"])
    both = AppointmentFactory(role=Role.GRO, office=world["district"], user__email="both@kurigram.gov.bd").user
    AppointmentFactory(role=Role.APPEAL_OFFICER, office=world["district"], user=both)  # two roles, one digest
    today = timezone.localdate()
    AppointmentFactory(  # a GRO whose appointment ended yesterday
        role=Role.GRO,
        office=world["dss"],
        user__email="former@dss.gov.bd",
        start_date=today - timedelta(days=90),
        end_date=today - timedelta(days=1),
    )
    AppointmentFactory(role=Role.GRO, office=world["dss"], user__email="", user__phone="")  # nothing to write to
    due([*at_dss, at_district])

    result = grievance_sla_sweep()

    by_recipient = {m.recipient: m for m in digests()}
    assert sorted(by_recipient) == sorted(
        ["gro@dss.gov.bd", "appeal@dss.gov.bd", "gro@kurigram.gov.bd", AO_PHONE, "both@kurigram.gov.bd"]
    )
    assert result.messages == 5 and result.offices == 2
    dss_digest = by_recipient["gro@dss.gov.bd"]
    assert dss_digest.channel == Outbox.Channel.EMAIL and dss_digest.status == Outbox.Status.PENDING
    assert dss_digest.subject == "GRS: 12 grievances overdue at Social Services"
    listed = sorted(g.tracking_number for g in at_dss)
    assert dss_digest.body == (
        "GRS: 12 grievances at Social Services passed their due date without a decision. "
        f"Tracking numbers: {', '.join(tracking.display(n) for n in listed[:10])} and 2 more. "
        "See them in your GRS inbox: /inbox/?overdue=true"
    )
    assert by_recipient["appeal@dss.gov.bd"].body == dss_digest.body
    sms = by_recipient[AO_PHONE]
    assert sms.channel == Outbox.Channel.SMS
    assert sms.body == (
        "GRS: 1 grievance at DSS Kurigram passed its due date without a decision. "
        f"Tracking numbers: {tracking.display(at_district.tracking_number)}. "
        "See them in your GRS inbox: /inbox/?overdue=true"
    )


def test_simulated_grievances_are_marked_but_their_digest_is_never_sent(world):
    real, simulated = file(world["dss"]), file(world["dss"], simulated=True)
    due([real, simulated])

    assert grievance_sla_sweep().overdue == 2

    simulated.refresh_from_db()
    assert simulated.overdue and len(overdue_events(simulated)) == 1
    to_gro = digests().filter(recipient="gro@dss.gov.bd")
    assert [(m.status, m.simulated) for m in to_gro] == [
        (Outbox.Status.PENDING, False),
        (Outbox.Status.SUPPRESSED, True),
    ]
    real_digest, simulated_digest = to_gro
    assert tracking.display(real.tracking_number) in real_digest.body
    assert tracking.display(simulated.tracking_number) not in real_digest.body
    assert tracking.display(simulated.tracking_number) in simulated_digest.body


def test_the_appeal_officer_hears_of_a_new_appeal(world):
    grievance = resolved(world)
    appealed = grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Only half was paid")

    [message] = Outbox.objects.filter(grievance=grievance, recipient="appeal@dss.gov.bd")
    number = tracking.display(grievance.tracking_number)
    assert message.channel == Outbox.Channel.EMAIL and message.status == Outbox.Status.PENDING
    assert message.subject == f"GRS: grievance {number} was appealed"
    assert message.body == (
        f"GRS: the complainant appealed grievance {number} at Social Services. "
        f"Decide the appeal by {appealed.appeal_due_date:%d/%m/%Y}. Your appeals in GRS: /inbox/?status=appealed"
    )
    assert not Outbox.objects.filter(recipient__in=["gro@dss.gov.bd", "focal@dss.gov.bd"]).exists()


def test_an_appeal_officer_with_only_a_phone_gets_an_sms_in_the_officials_language(world):
    grievance = resolved(world, "district", "gro_district")
    # The complainant writes in Bangla; the official's message is in LANGUAGE_CODE (English in this test).
    with translation.override("bn"):
        grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="অর্ধেক টাকা পেয়েছি")

    [message] = Outbox.objects.filter(grievance=grievance, recipient=AO_PHONE)
    assert message.channel == Outbox.Channel.SMS
    assert " at DSS Kurigram. " in message.body


def test_a_refused_appeal_tells_the_appeal_officer_nothing(world):
    grievance = file(world["dss"])
    with pytest.raises(AppealTooEarly):
        grievance_appeal(number=grievance.tracking_number, phone=PHONE, reason="Nothing happens")
    assert not Outbox.objects.filter(recipient="appeal@dss.gov.bd").exists()


def test_the_beat_runs_the_sweep_at_the_configured_interval():
    entry = settings.CELERY_BEAT_SCHEDULE["grievances.sla_sweep"]
    assert entry["task"] == "grievances.sla_sweep" and entry["schedule"] == settings.GRS_SLA_SWEEP_SECONDS == 900
    assert celery_app.conf.beat_schedule["grievances.sla_sweep"]["task"] == "grievances.sla_sweep"
    celery_app.loader.import_default_modules()
    assert celery_app.tasks["grievances.sla_sweep"].name == sla_sweep.name

    env = {**os.environ, "GRS_SLA_SWEEP_SECONDS": "120", "DJANGO_SETTINGS_MODULE": "grs.settings"}
    code = "from grs.celery import app; print(app.conf.beat_schedule['grievances.sla_sweep']['schedule'])"
    configured = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(configured.stdout) == 120


def test_the_task_runs_the_service(world):
    grievance = file(world["dss"])
    due([grievance])

    assert sla_sweep(sent_by="an older beat") == 1

    grievance.refresh_from_db()
    assert grievance.overdue and len(overdue_events(grievance)) == 1
    assert sla_sweep() == 0
