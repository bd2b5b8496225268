"""``simulate_pilot`` files simulated grievances from the remote unions and plays them forward through the real
services over past months; nothing is sent; ``purge_simulated`` leaves the database as it was."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min
from django.utils import timezone, translation

from accounts.models import User
from dashboards.models import COUNTERS, DIMENSIONS, FORWARD_KEY, ForwardTally, Tally
from dashboards.selectors import dashboard_figures
from dashboards.tally import tallies_rebuild
from grievances.models import Attachment, Channel, EventKind, Grievance, GrievanceEvent, GrievanceType
from notifications.models import Outbox
from offices.models import AdminUnit, Office
from pilot.models import PilotGrievance, PilotUnion, SimulatedOfficial
from pilot.services import pilot_unions_pick
from tests.pilot.conftest import people, table_counts

pytestmark = pytest.mark.django_db


def _tallies():
    rows = Tally.objects.exclude(**dict.fromkeys(COUNTERS, 0)).values_list("office", *DIMENSIONS, *COUNTERS)
    forwards = ForwardTally.objects.values_list(*FORWARD_KEY, "n")
    return sorted(tuple(map(str, row)) for row in rows), sorted(tuple(map(str, row)) for row in forwards)


def test_the_run_files_only_simulated_grievances_from_its_remote_unions(pilot):
    run = pilot.run
    days = (run.last_day - run.first_day).days + 1
    assert run.status == "finished"
    assert run.grievances == days * 3 == Grievance.objects.count()
    assert not Grievance.objects.filter(simulated=False).exists()
    unions = set(PilotUnion.objects.filter(run=run).values_list("union_id", flat=True))
    assert len(unions) == 2
    assert set(PilotGrievance.objects.values_list("union_id", flat=True)) == unions
    # The complainant's union is named in what they wrote.
    for pilot_grievance in PilotGrievance.objects.select_related("grievance", "union")[:20]:
        assert pilot_grievance.union.name_bn in pilot_grievance.grievance.description
    # Nothing but simulated grievances, bookkeeping and simulated officials was added: no office, no area.
    for table in (Office._meta.db_table, AdminUnit._meta.db_table):
        assert table_counts()[table] == pilot.before[table]
    added = table_counts()[User._meta.db_table] - pilot.before[User._meta.db_table]
    assert added == SimulatedOfficial.objects.count() > 0


def test_every_channel_and_type_is_used(pilot):
    channels = set(Grievance.objects.values_list("channel", flat=True))
    assert channels == set(Channel.values)
    assert set(Grievance.objects.values_list("type", flat=True)) == set(GrievanceType.values)
    assert not Grievance.objects.filter(type=GrievanceType.ANONYMOUS).exclude(complainant_name="").exists()


def test_time_really_passes_over_the_simulated_months(pilot):
    run = pilot.run
    span = GrievanceEvent.objects.aggregate(first=Min("at"), last=Max("at"))
    assert timezone.localdate(span["first"]) == run.first_day
    assert span["last"] <= timezone.now()
    assert span["last"] - span["first"] > timedelta(days=40)
    # Every timeline starts with its filing, and runs forward.
    for grievance in Grievance.objects.prefetch_related("events")[:60]:
        events = list(grievance.events.all())
        assert events[0].kind == EventKind.SUBMITTED
        assert events[0].at == grievance.submitted_at
        assert [e.at for e in events] == sorted(e.at for e in events)


def test_the_lives_go_through_the_real_workflow(pilot):
    kinds = dict(GrievanceEvent.objects.values_list("kind").annotate(n=Count("id")).order_by())
    for kind in (
        EventKind.ACCEPTED,
        EventKind.FORWARDED,
        EventKind.RESOLVED,
        EventKind.REJECTED,
        EventKind.OVERDUE,
        EventKind.APPEALED,
        EventKind.APPEAL_DECIDED,
        EventKind.FEEDBACK,
    ):
        assert kinds.get(kind, 0) > 0, kind
    # Filed at the wrong ministry and forwarded across to Social Services by the ministry's real GRO.
    across = GrievanceEvent.objects.filter(kind=EventKind.FORWARDED, data__from="MOFOOD").select_related("actor")
    assert across.exists()
    assert {event.actor.username for event in across} == {"gro-mofood"}
    # The demo's GROs act where they are appointed, simulated officials everywhere else.
    actors = set(
        GrievanceEvent.objects.filter(kind__in=[EventKind.ACCEPTED, EventKind.RESOLVED]).values_list(
            "actor_id", flat=True
        )
    )
    simulated = set(SimulatedOfficial.objects.values_list("user_id", flat=True))
    demo = set(
        User.objects.filter(username__in=["gro-mosw", "gro-dss", "gro-dss-kurigram", "gro-mofood"]).values_list(
            "pk", flat=True
        )
    )
    assert actors <= demo | simulated
    assert actors & demo and actors & simulated


def test_nothing_is_sent(pilot):
    assert Outbox.objects.exists()
    assert not Outbox.objects.exclude(status=Outbox.Status.SUPPRESSED).exists()
    assert not Outbox.objects.filter(simulated=False).exists()


def test_the_dashboard_counts_the_pilot_only_under_its_switch(pilot):
    cabinet = User.objects.get(username="cabinet")
    without = dashboard_figures(cabinet, office_code=None, tab="all", date_from=None, date_to=None)
    with_pilot = dashboard_figures(
        cabinet, office_code=None, tab="all", date_from=None, date_to=None, include_simulated=True
    )
    assert without.totals.received == 0
    assert with_pilot.totals.received == Grievance.objects.count()
    assert with_pilot.totals.resolved == GrievanceEvent.objects.filter(kind=EventKind.RESOLVED).count()


def test_a_progress_bar_and_a_summary_line_are_written(pilot):
    lines = pilot.stderr.splitlines()
    assert lines[-1].startswith("[" + "#" * 30 + "] 100% ")
    total = f"{pilot.run.grievances:,}"
    assert f"{total}/{total} grievances" in lines[-1]
    assert any(" left" in line and "%" in line for line in lines[:-1])
    assert f"{pilot.run.grievances:,} simulated grievances" in pilot.stdout
    assert "no message sent" in pilot.stdout
    officials = SimulatedOfficial.objects.count()
    assert f"Appointed {officials} simulated officials where offices on the pilot's way had no GRO" in pilot.stdout


def test_purge_leaves_every_table_as_before(pilot, django_capture_on_commit_callbacks):
    files = [pilot.media / name for name in Attachment.objects.values_list("file", flat=True)]
    simulated = list(SimulatedOfficial.objects.values_list("user_id", flat=True))
    assert simulated
    assert files and all(path.exists() for path in files)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_simulated", stdout=out)
    assert table_counts() == pilot.before
    # The same users and the same appointments, not only as many: the simulated officials are gone.
    assert people() == pilot.people
    assert not User.objects.filter(pk__in=simulated).exists()
    assert not any(path.exists() for path in files)
    assert "simulated grievances" in out.getvalue()
    assert f"Removed {len(simulated)} simulated officials with their appointments." in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--district", "Atlantis"], "There is no district called “Atlantis”"),
        (["--district", "Kurigram", "--months", "0"], "number of months must be between 1 and 24"),
        (["--district", "Kurigram", "--per-day", "0"], "grievances per day must be between 1 and"),
        (["--district", "Kurigram", "--unions-per-district", "0"], "unions per district must be between 1 and"),
    ],
)
def test_bad_input_is_refused_in_plain_words(pilot, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate_pilot", *arguments, stdout=io.StringIO(), stderr=io.StringIO())


def test_the_remote_unions_are_the_farthest_from_the_sadar_upazila(pilot):
    kurigram = AdminUnit.objects.get(level="district", name_en="Kurigram")
    sadar = AdminUnit.objects.get(parent=kurigram, name_en="Kurigram Sadar")
    sadar.latitude, sadar.longitude = 25.80, 89.64
    sadar.save()
    others = list(AdminUnit.objects.filter(parent__parent=kurigram, level="union").exclude(parent=sadar)[:3])
    # Three unions with a position: 10, 60 and 30 km or so south of the Sadar upazila.
    for union, lat in zip(others, (25.71, 25.26, 25.53), strict=True):
        union.latitude, union.longitude = lat, 89.64
        union.save()
    picked = pilot_unions_pick(districts=["kurigram"], per_district=2)
    assert [p.union for p in picked] == [others[1], others[2]]
    assert 59 < picked[0].distance_km < 61
    assert pilot_unions_pick(districts=[kurigram.name_bn], per_district=2) == picked


def test_the_tallies_kept_at_simulated_moments_are_those_a_rebuild_finds(pilot):
    kept = _tallies()
    assert kept
    tallies_rebuild()
    assert _tallies() == kept


@pytest.mark.django_db
def test_in_bangla_the_purges_summary_counts_in_bangla_digits():
    out = io.StringIO()
    with translation.override("bn"):
        call_command("purge_simulated", stdout=out)
    said = out.getvalue()
    assert re.search("[০-৯]", said) and not re.search("[0-9]", said), said
