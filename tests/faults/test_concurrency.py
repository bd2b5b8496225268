"""Many officers and complainants act on the same few grievances at the same moment, each from a thread of
their own with its own database connection, as the pages they read go stale under them. Afterwards every
grievance's timeline is a path the workflow table allows, its status is its last event's, its version
went up by one per event, every action that reported success is on the timeline exactly once (no lost
update), and the dashboard tallies kept along the way equal tallies rebuilt from scratch."""

import random
import threading
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from dashboards.models import EVERY_OFFICE, Family, Grain, Tally
from grievances import services, workflow
from grievances.models import EventKind, Grievance
from grievances.workflow import OPEN_STATUSES, TRANSITIONS, Action
from grs import errors
from notifications.tasks import deliver
from offices.models import Office, Role
from tests.dashboards.test_rebuild import forward_rows, tally_rows
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory
from tests.faults.conftest import PHONE, need_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 6
STEPS = 40
GRIEVANCES = 4

# The action each event kind records (``submitted`` starts every timeline).
ACTION_OF_EVENT = {
    EventKind.ACCEPTED: Action.ACCEPT,
    EventKind.FORWARDED: Action.FORWARD,
    EventKind.INFO_REQUESTED: Action.REQUEST_INFO,
    EventKind.INFO_PROVIDED: Action.PROVIDE_INFO,
    EventKind.HEARING: Action.RECORD_HEARING,
    EventKind.RESOLVED: Action.RESOLVE,
    EventKind.REJECTED: Action.REJECT,
    EventKind.CLOSED: Action.CLOSE_NO_ACTION,
    EventKind.APPEALED: Action.APPEAL,
    EventKind.APPEAL_DECIDED: Action.DECIDE_APPEAL,
    EventKind.FEEDBACK: Action.FEEDBACK,
}
EVENT_OF_ACTION = {action: kind for kind, action in ACTION_OF_EVENT.items()}
# Where an event keeps the words its actor wrote: officials-only notes, or the complainant's timeline.
INTERNAL_NOTE = {EventKind.FORWARDED, EventKind.HEARING}
# Mostly moves that keep a grievance open (forwarding it back and forth, accepting it again), so that the
# officers keep colliding on it; settling it, and what follows, now and then.
WEIGHTS = {
    Action.ACCEPT: 6,
    Action.FORWARD: 8,
    Action.REQUEST_INFO: 3,
    Action.PROVIDE_INFO: 3,
    Action.RECORD_HEARING: 3,
    Action.RESOLVE: 1,
    Action.REJECT: 1,
    Action.APPEAL: 2,
    Action.DECIDE_APPEAL: 2,
    Action.FEEDBACK: 1,
}


@pytest.fixture
def world(monkeypatch):
    need_postgres()
    monkeypatch.setattr(deliver, "delay", lambda *args, **kwargs: None)  # no worker here: the outbox keeps them
    district = OfficeFactory(code="DSS-KURIGRAM", layer=Office.Layer.DISTRICT)
    offices = [
        district,
        OfficeFactory(code="DSS-ULIPUR", parent=district, layer=Office.Layer.UPAZILA),
        OfficeFactory(code="DSS-CHILMARI", parent=district, layer=Office.Layer.UPAZILA),
    ]
    officers = [UserFactory() for _ in range(THREADS)]
    for officer in officers:
        for office in offices:
            for role in (Role.GRO, Role.APPEAL_OFFICER):
                AppointmentFactory(user=officer, office=office, role=role)
    grievances = [
        services.grievance_file(
            type="citizen",
            office=offices[n % len(offices)],
            subject=f"Allowance not paid ({n})",
            description="No payment since March.",
            complainant_name="Amena Begum",
            complainant_phone=PHONE,
        ).grievance
        for n in range(GRIEVANCES)
    ]
    return {"offices": offices, "officers": officers, "grievances": grievances}


def act(action: str, grievance: Grievance, *, actor: User, note: str, offices: list[Office], rng) -> Grievance:
    """Take ``action`` on ``grievance`` as read a moment ago (its version is the one the page showed)."""
    seen = {"grievance_id": grievance.pk, "actor": actor, "expected_version": grievance.version}
    complainant = {"number": grievance.tracking_number, "phone": PHONE}
    if action == Action.ACCEPT:
        return services.grievance_accept(**seen)
    if action == Action.FORWARD:
        elsewhere = [office for office in offices if office.pk != grievance.current_office_id]
        return services.grievance_forward(**seen, to_office=rng.choice(elsewhere), reason=note)
    if action == Action.REQUEST_INFO:
        return services.grievance_request_info(**seen, question=note)
    if action == Action.RECORD_HEARING:
        return services.grievance_record_hearing(**seen, when=timezone.now(), note=note)
    if action == Action.RESOLVE:
        return services.grievance_resolve(**seen, resolution=note)
    if action == Action.REJECT:
        return services.grievance_reject(**seen, reason=note)
    if action == Action.DECIDE_APPEAL:
        return services.grievance_decide_appeal(**seen, decision="remedied", text=note)
    if action == Action.PROVIDE_INFO:
        return services.grievance_provide_info(**complainant, answer=note)
    if action == Action.APPEAL:
        return services.grievance_appeal(**complainant, reason=note)
    return services.grievance_feedback(**complainant, rating=rng.randint(1, 5), comment=note)


def run_everyone_at_once(world) -> tuple[list[tuple], Counter, list[str]]:
    """Each thread, as one officer (who also speaks for the complainant), takes STEPS random actions on
    random grievances. Returns the successes (grievance id, action, note, actor id), the refusals by
    code, and anything unexpected."""
    successes: list[tuple] = []
    refusals: Counter = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS, timeout=30)
    ids = [grievance.pk for grievance in world["grievances"]]
    actions = list(WEIGHTS)

    def work(number: int, officer_id: int) -> None:
        rng = random.Random(number)  # seeded: each thread picks the same actions every run
        try:
            actor = User.objects.get(pk=officer_id)
            offices = list(Office.objects.filter(pk__in=[office.pk for office in world["offices"]]))
            start.wait()
            for step in range(STEPS):
                grievance = Grievance.objects.get(pk=rng.choice(ids))
                # One of the actions the page offers for the status it shows, if any.
                offered = [a for a in actions if grievance.status in TRANSITIONS[a].sources] or actions
                action = rng.choices(offered, [WEIGHTS[a] for a in offered])[0]
                note = f"t{number}-s{step}"
                try:
                    act(action, grievance, actor=actor, note=note, offices=offices, rng=rng)
                except errors.DomainError as refused:
                    with lock:
                        refusals[refused.code] += 1
                else:
                    with lock:
                        successes.append((grievance.pk, action, note, officer_id))
        except Exception as exc:  # reported by the test, not lost in the thread
            with lock:
                unexpected.append(f"thread {number}: {exc!r}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(number, officer.pk)) for number, officer in enumerate(world["officers"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    return successes, refusals, unexpected


def test_parallel_actions_on_the_same_grievances_keep_every_timeline_valid_and_every_tally_exact(world):
    successes, refusals, unexpected = run_everyone_at_once(world)

    assert unexpected == []
    # The run raced: officers acted on pages a colleague had just changed, and were told so.
    assert refusals["grievance_changed"] > 0
    assert len(successes) > GRIEVANCES * 3

    for grievance in Grievance.objects.all():
        events = list(grievance.events.order_by("at", "id"))
        assert [e.pk for e in events] == sorted(e.pk for e in events)  # time and insertion agree
        assert events[0].kind == EventKind.SUBMITTED and events[0].status_after == workflow.Status.SUBMITTED
        status = events[0].status_after
        for event in events[1:]:
            # Raises InvalidTransition if the move was not allowed from the status before it.
            assert workflow.check(status, ACTION_OF_EVENT[event.kind]) == event.status_after, event
            status = event.status_after
        assert grievance.status == status
        assert grievance.version == len(events)  # filed at version 1, one more per event

        # Every reported success is on the timeline once, with its own words; nothing else is.
        mine = [s for s in successes if s[0] == grievance.pk]
        noted = sorted((EVENT_OF_ACTION[action], note) for _pk, action, note, _actor in mine if action != Action.ACCEPT)
        written = sorted(
            (e.kind, e.internal_note if e.kind in INTERNAL_NOTE else e.public_note)
            for e in events
            if e.kind not in (EventKind.SUBMITTED, EventKind.ACCEPTED)
        )
        assert written == noted
        # Accepting a grievance already in progress succeeds without an event; each accepted event is
        # one officer's accept that succeeded.
        accepted = Counter(e.actor_id for e in events if e.kind == EventKind.ACCEPTED)
        accepts = Counter(actor for _pk, action, _note, actor in mine if action == Action.ACCEPT)
        assert all(accepts[actor] >= n for actor, n in accepted.items())

    # The tallies kept inside each of those transactions equal the tallies rebuilt from the grievances ...
    kept, kept_forwards = tally_rows(), forward_rows()
    call_command("rebuild_tallies", stdout=StringIO())
    assert tally_rows() == kept
    assert forward_rows() == kept_forwards
    # ... and the grievances themselves: open ones held at each office, and what happened to them all.
    core = Tally.objects.filter(family=Family.CORE, grain=Grain.YEAR)
    for office in world["offices"]:
        held_open = Grievance.objects.filter(current_office=office, status__in=OPEN_STATUSES).count()
        assert core.filter(office=office.pk, subtree=False).aggregate(n=Sum("pending"))["n"] == held_open
    everything = core.filter(office=EVERY_OFFICE).aggregate(
        received=Sum("received"), resolved=Sum("resolved"), rejected=Sum("rejected"), appealed=Sum("appealed")
    )
    happened = Counter(kind for kind in Grievance.objects.values_list("events__kind", flat=True))
    assert everything == {
        "received": GRIEVANCES,
        "resolved": happened[EventKind.RESOLVED],
        "rejected": happened[EventKind.REJECTED],
        "appealed": happened[EventKind.APPEALED],
    }
