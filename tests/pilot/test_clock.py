"""The services take their time from ``grievances.clock``: the real time, or the simulated moment inside
``simulated_time``; and the progress bar the simulator writes."""

import io
from datetime import datetime

import pytest
from django.utils import timezone

from grievances import clock
from grievances.models import EventKind
from grievances.services import grievance_accept, grievance_file, grievance_resolve
from offices.models import Role
from offices.workdays import add_working_days
from pilot.progress import ProgressBar
from tests.factories import AppointmentFactory, OfficeFactory


@pytest.mark.django_db
def test_the_services_write_the_simulated_moment_and_the_real_one_outside_it():
    office = OfficeFactory()
    gro = AppointmentFactory(role=Role.GRO, office=office).user
    filed_at = timezone.make_aware(datetime(2026, 3, 2, 10, 0))
    with clock.simulated_time(filed_at):
        grievance = grievance_file(
            type="anonymous", office=office, subject="Allowance", description="Not paid.", simulated=True
        ).grievance
        assert clock.now() == filed_at
    assert (grievance.submitted_at, grievance.received_at) == (filed_at, filed_at)
    assert grievance.due_date == add_working_days(filed_at.date(), 30)
    resolved_at = timezone.make_aware(datetime(2026, 3, 9, 15, 30))
    with clock.simulated_time(resolved_at):
        grievance_accept(grievance_id=grievance.pk, actor=gro)
        grievance = grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid.")
    assert grievance.closed_at == resolved_at
    assert [e.at for e in grievance.events.all()] == [filed_at, resolved_at, resolved_at]
    assert grievance.events.last().kind == EventKind.RESOLVED
    before = timezone.now()
    assert before <= clock.now() <= timezone.now()


def test_a_simulated_moment_must_say_its_timezone():
    with pytest.raises(ValueError), clock.simulated_time(datetime(2026, 3, 2, 10, 0)):
        pass


def test_the_progress_bar_shows_share_counts_and_time_left():
    out = io.StringIO()
    ticks = iter([0.0, 60.0, 60.0, 120.0, 120.0])
    bar = ProgressBar(out.write, noun="grievances", width=10, tty=False, monotonic=lambda: next(ticks))
    bar(5_000, 10_000)
    bar(10_000, 10_000)
    assert out.getvalue().splitlines() == [
        "[#####-----]  50% 5,000/10,000 grievances, 1m00s left",
        "[##########] 100% 10,000/10,000 grievances, 2m00s",
    ]


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    out = io.StringIO()
    now = [0.0]
    bar = ProgressBar(out.write, noun="grievances", width=4, tty=True, monotonic=lambda: now[0])
    for done in range(1, 5):
        now[0] += 1
        bar(done, 4)
    text = out.getvalue()
    assert text.count("\r") == 4
    assert text.endswith("\r[####] 100% 4/4 grievances, 4s\n")
