"""Before its first filing a run gives every office on the pilot's way a GRO and an Appeal Officer: simulated
officials, appointed through the appointment service only where nobody holds the role. They and the demo's own
officials are the ones who act on the simulated grievances, so the lives end as real ones do."""

from collections import defaultdict
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grievances.models import EventKind, Grievance, GrievanceEvent
from grievances.workflow import OPEN_STATUSES
from offices.models import PATH_STEP, Appointment, Office, Role
from offices.services import gro_minimum_rank
from pilot.models import SimulatedOfficial
from pilot.selectors import Direction, direction_of
from pilot.services import pilot_officials_ensure
from tests.factories import OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
HANDLING = (Role.GRO, Role.APPEAL_OFFICER)
# What a GRO does to a grievance, and what its Appeal Officer does.
GRO_EVENTS = (EventKind.ACCEPTED, EventKind.RESOLVED, EventKind.REJECTED, EventKind.CLOSED, EventKind.FORWARDED)


def _holding() -> dict[int, dict[str, set[int]]]:
    """office id → role → the users currently appointed to it (active ones)."""
    held: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for office_id, role, user_id in (
        Appointment.objects.current()
        .filter(role__in=HANDLING, user__is_active=True)
        .values_list("office_id", "role", "user_id")
    ):
        held[office_id][role].add(user_id)
    return held


def _events_where_they_happened():
    """(event, the office holding its grievance when it happened), following each grievance's forwardings."""
    offices = {office.code: office for office in Office.objects.all()}
    for grievance in Grievance.objects.select_related("office").prefetch_related("events"):
        holder = grievance.office
        for event in grievance.events.all():
            yield event, holder
            if event.kind == EventKind.FORWARDED:
                holder = offices[event.data["to"]]


def _reached() -> set[Office]:
    """Every office a grievance was filed at or forwarded to, and every office above those."""
    codes = set(Grievance.objects.values_list("office__code", flat=True))
    codes |= {e.data["to"] for e in GrievanceEvent.objects.filter(kind=EventKind.FORWARDED)}
    reached = set(Office.objects.filter(code__in=codes))
    prefixes = {o.path[:end] for o in reached for end in range(PATH_STEP, len(o.path), PATH_STEP)}
    return reached | set(Office.objects.filter(path__in=prefixes))


def test_every_office_the_grievances_reached_has_a_gro_and_an_appeal_officer(pilot):
    held = _holding()
    reached = _reached()
    assert {"MOSW", "DSS", "MOFOOD", "DSS-KURIGRAM", "DSS-SATKHIRA"} <= {o.code for o in reached}
    for office in reached:
        assert held[office.pk][Role.GRO], office.code
        assert held[office.pk][Role.APPEAL_OFFICER], office.code


def test_simulated_officials_are_appointed_only_where_nobody_held_the_role(pilot):
    usernames_before, before = pilot.people
    usernames_after, after = (
        set(User.objects.values_list("username", flat=True)),
        set(Appointment.objects.values_list("user__username", "office__code", "role", "start_date", "end_date")),
    )
    assert before <= after  # nobody's appointment was changed or ended
    made = after - before
    simulated = dict(SimulatedOfficial.objects.values_list("user__username", "run_id"))
    assert usernames_after - usernames_before == set(simulated)
    assert set(simulated.values()) == {pilot.run.pk}
    # One appointment each, from the first simulated day, in a role nobody held at that office.
    assert sorted(username for username, *_rest in made) == sorted(simulated)
    held_before = {(code, role) for _user, code, role, _start, _end in before}
    for username, code, role, start, end in made:
        assert role in HANDLING
        assert (code, role) not in held_before, (code, role)
        assert (start, end) == (pilot.run.first_day, None)
        word = "gro" if role == Role.GRO else "appeal"
        assert username == f"sim-{word}-{code.lower()}"
    # The demo's own officials keep their offices to themselves; their offices get only the missing role.
    mine = {(code, role) for _user, code, role, _start, _end in made}
    assert ("MOSW", Role.GRO) not in mine and ("MOSW", Role.APPEAL_OFFICER) not in mine
    assert ("DSS-KURIGRAM", Role.GRO) not in mine and ("DSS-KURIGRAM", Role.APPEAL_OFFICER) in mine
    assert ("MOFOOD", Role.GRO) not in mine and ("MOFOOD", Role.APPEAL_OFFICER) in mine
    # Nobody can sign in as a simulated official, and no message can reach one.
    for user in User.objects.filter(username__in=simulated):
        assert not user.has_usable_password()
        assert (user.email, user.phone, user.sso_subject) == ("", "", None)
        assert user.full_name


def test_a_second_call_appoints_nobody_and_a_new_office_gets_both_roles(pilot):
    today = timezone.localdate()
    assert pilot_officials_ensure(offices=sorted(_reached(), key=lambda o: o.path), start=today) == []
    ministry = OfficeFactory(code="MOTEST", layer=Office.Layer.MINISTRY)
    taken = UserFactory(username="sim-gro-motest2")  # a real user who happens to have the name it would get
    other = OfficeFactory(code="MOTEST2", layer=Office.Layer.MINISTRY)
    made = pilot_officials_ensure(offices=[ministry, other], start=today)
    assert [(a.office.code, a.role, a.user.username) for a in made] == [
        ("MOTEST", Role.GRO, "sim-gro-motest"),
        ("MOTEST", Role.APPEAL_OFFICER, "sim-appeal-motest"),
        ("MOTEST2", Role.GRO, "sim-gro-motest2-2"),
        ("MOTEST2", Role.APPEAL_OFFICER, "sim-appeal-motest2"),
    ]
    assert not Appointment.objects.filter(user=taken).exists()
    assert set(SimulatedOfficial.objects.filter(run=None).values_list("user_id", flat=True)) == {
        a.user_id for a in made
    }
    # A ministry's GRO holds the rank the guideline asks for (seed_demo's rule: Joint Secretary or above).
    minimum = gro_minimum_rank(ministry)
    assert minimum is not None
    gro = next(a for a in made if a.role == Role.GRO)
    assert gro.rank.meets(minimum)


def test_the_officials_who_act_are_those_of_the_office_holding_the_grievance(pilot):
    held = _holding()
    simulated = set(SimulatedOfficial.objects.values_list("user_id", flat=True))
    acted = defaultdict(set)  # kind → who acted
    for event, holder in _events_where_they_happened():
        if event.kind in GRO_EVENTS:
            assert event.actor_id in held[holder.pk][Role.GRO], (event.kind, holder.code)
        elif event.kind == EventKind.APPEAL_DECIDED:
            assert event.actor_id in held[holder.pk][Role.APPEAL_OFFICER], holder.code
        else:
            continue
        acted[event.kind].add(event.actor_id)
    demo_gro = User.objects.get(username="gro-dss-kurigram").pk
    assert demo_gro in acted[EventKind.RESOLVED]
    assert acted[EventKind.RESOLVED] & simulated
    assert acted[EventKind.APPEAL_DECIDED] and acted[EventKind.APPEAL_DECIDED] <= simulated


def test_the_lives_end_as_real_ones_do(pilot):
    """Most grievances filed in the first half of the run are settled, in time or late; some go overdue, some are
    appealed and decided; grievances are forwarded down, up and across; complainants rate."""
    run = pilot.run
    middle = run.first_day + timedelta(days=(run.last_day - run.first_day).days // 2)
    old = Grievance.objects.filter(submitted_at__lt=timezone.make_aware(datetime.combine(middle, time())))
    settled = old.exclude(status__in=OPEN_STATUSES).count()
    assert settled > old.count() / 2 > 0
    in_time = late = 0
    for grievance in Grievance.objects.filter(events__kind=EventKind.RESOLVED).prefetch_related("events"):
        kinds = [event.kind for event in grievance.events.all()]
        # Overdue before its resolution: settled after a deadline had passed.
        if EventKind.OVERDUE in kinds[: kinds.index(EventKind.RESOLVED)]:
            late += 1
        else:
            in_time += 1
    assert in_time > late > 0
    assert GrievanceEvent.objects.filter(kind=EventKind.APPEAL_DECIDED).exists()
    assert GrievanceEvent.objects.filter(kind=EventKind.FEEDBACK).exists()
    offices = {office.code: office for office in Office.objects.all()}
    directions = {
        direction_of(offices[e.data["from"]], offices[e.data["to"]])
        for e in GrievanceEvent.objects.filter(kind=EventKind.FORWARDED)
    }
    assert {Direction.DOWN, Direction.UP, Direction.ACROSS} <= directions
