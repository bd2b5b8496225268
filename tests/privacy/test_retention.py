"""Retention: a daily task erases the identity of grievances settled longer ago than GRS_RETENTION_DAYS, through
the same erasure as a complainant's request, a batch at a time; running it again changes nothing."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings

from grievances import clock, tasks
from grievances.models import EventKind, GrievanceEvent
from grievances.privacy import ERASED, grievance_retention_sweep
from grievances.services import grievance_appeal, grievance_reject
from tests.privacy.conftest import NAME, closed, file_citizen, resolved

pytestmark = pytest.mark.django_db

HOUR = 1 / 24


@pytest.fixture
def retention(settings):
    settings.GRS_RETENTION_DAYS = 365
    settings.GRS_APPEAL_WINDOW_DAYS = 30
    return settings


def names(*grievances) -> list[str]:
    for grievance in grievances:
        grievance.refresh_from_db()
    return [grievance.complainant_name for grievance in grievances]


def test_a_grievance_settled_just_outside_the_period_is_erased_and_one_just_inside_is_kept(
    world, retention, django_capture_on_commit_callbacks
):
    outside = closed(world, days_ago=365 + HOUR)
    inside = closed(world, days_ago=365 - HOUR)
    [attachment] = outside.attachments.all()
    stored = attachment.file.name
    storage = attachment.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retention_sweep() == 1

    assert names(outside, inside) == [ERASED, NAME]
    assert not storage.exists(stored)
    event = outside.events.get(kind=EventKind.IDENTITY_ERASED)
    assert event.actor is None and event.data["by"] == "retention"
    assert "৩৬৫" in event.internal_note  # written in the first language, Bangla, with its digits
    assert not inside.events.filter(kind=EventKind.IDENTITY_ERASED).exists()


def test_every_settled_status_is_covered_and_open_ones_never(world, retention):
    with clock.simulated_time(clock.now() - timedelta(days=400)):
        rejected = file_citizen(world)
        grievance_reject(grievance_id=rejected.pk, actor=world.gro, reason="Not this office's service.")
    appealed = resolved(world, days_ago=400)
    grievance_appeal(number=appealed.tracking_number, reason="Not paid in full.", phone=appealed.complainant_phone)
    old_open = file_citizen(world)  # open, whatever its age
    resolved_long_ago = resolved(world, days_ago=400)

    assert grievance_retention_sweep() == 2

    assert names(rejected, resolved_long_ago) == [ERASED, ERASED]
    assert names(appealed, old_open) == [NAME, NAME]


def test_a_short_retention_never_cuts_the_appeal_window(world, settings):
    settings.GRS_RETENTION_DAYS = 10
    settings.GRS_APPEAL_WINDOW_DAYS = 30
    decided = resolved(world, days_ago=20)  # past the retention, but it may still be appealed
    rated = closed(world, days_ago=20)  # closed: nothing can reopen it

    assert grievance_retention_sweep() == 1
    assert names(decided, rated) == [NAME, ERASED]


def test_zero_keeps_every_identity(world, settings):
    settings.GRS_RETENTION_DAYS = 0
    grievance = closed(world, days_ago=5000)
    assert tasks.retention_sweep() == 0
    assert names(grievance) == [NAME]


def test_it_works_in_batches_and_a_second_run_changes_nothing(world, retention):
    old = [closed(world, days_ago=400 + n, attachments=False) for n in range(5)]

    assert grievance_retention_sweep(batch=2) == 5
    assert names(*old) == [ERASED] * 5
    events = GrievanceEvent.objects.count()

    assert grievance_retention_sweep(batch=2) == 0
    assert GrievanceEvent.objects.count() == events


def test_beat_runs_the_task_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["grievances.retention_sweep"]
    assert entry["task"] == "grievances.retention_sweep" == tasks.retention_sweep.name
    assert entry["schedule"] == 24 * 3600
    assert django_settings.GRS_RETENTION_DAYS == 1826  # five years unless the environment says otherwise
