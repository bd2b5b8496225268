"""The tallies against live counts: random grievances through the real services, then random scopes,
tabs and date ranges, every figure of the dashboard equal to the same count made from the grievances."""

from datetime import date, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.selectors import dashboard_figures, dashboard_trends
from grievances import services
from grievances.models import Grievance
from grs.errors import DomainError
from tests.dashboards.conftest import assert_dashboard_is_live, live_figures, live_grievances, region_of

pytestmark = pytest.mark.django_db

START = date(2023, 11, 20)  # the steps cross a month end, a year end and the 1 January holiday
TIMES = [time(0, 30), time(12, 0), time(23, 45)]  # just after and before midnight in Dhaka

OFFICES = ["MOSW", "DSS", "DSS-K", "DSS-K-U", "MOFOOD", "FOOD-R"]
ACTIONS = [
    "accept",
    "forward",
    "resolve",
    "resolve",
    "reject",
    "close",
    "feedback",
    "appeal",
    "decide",
    "info",
    "sweep",
]

file_step = st.tuples(
    st.just("file"),
    st.sampled_from(OFFICES),
    st.sampled_from(["citizen", "official", "anonymous"]),
    st.sampled_from(["web", "mobile", "sms"]),
    st.integers(-1, 3),  # a service of the office, if it has one
    st.booleans(),  # simulated
)
action_step = st.tuples(st.sampled_from(ACTIONS), st.integers(0, 6), st.sampled_from(OFFICES), st.integers(1, 5))
steps = st.lists(
    st.tuples(st.integers(0, 9), st.sampled_from(TIMES), st.one_of(file_step, action_step)), min_size=8, max_size=36
)
views = st.lists(
    st.tuples(
        st.sampled_from(
            [
                ("cabinet", None),
                ("cabinet", "DSS"),
                ("mosw", None),
                ("mosw", "DSS-K"),
                ("dss", None),
                ("gro-district", None),
                ("district+mofood", None),
                ("district+mofood", "MOFOOD"),
            ]
        ),
        st.sampled_from(["all", "citizen", "official", "anonymous"]),
        st.one_of(st.none(), st.integers(0, 120)),
        st.one_of(st.none(), st.integers(0, 120)),
        st.booleans(),
    ),
    min_size=3,
    max_size=6,
)


def play(tree, clock, script) -> None:
    """Run the script through the services; steps the workflow refuses are simply skipped."""
    day = START
    filed: list[tuple[Grievance, str, str]] = []  # grievance, phone, access code
    latest = None
    for advance, at, step in script:
        day += timedelta(days=advance)
        if clock.set(day, at) < (latest or clock.now):
            clock.now = latest  # the clock never runs back: events happen in the order the script has them
        latest = clock.now
        if step[0] == "file":
            _name, code, kind, channel, service_index, simulated = step
            office = tree.office(code)
            services_here = [s for s in tree.services if s.office_id == office.pk]
            service = (
                services_here[service_index % len(services_here)] if services_here and service_index >= 0 else None
            )
            extra = {"complainant_name": "Amena Begum", "complainant_phone": "+8801712345678"}
            result = services.grievance_file(
                type=kind,
                office=office,
                service=service,
                channel=channel,
                subject="Allowance not paid",
                description="Nothing since March.",
                simulated=simulated,
                actor=tree.employee if kind == "official" else None,
                **(extra if kind == "citizen" else {}),
            )
            filed.append((result.grievance, result.grievance.complainant_phone, result.access_code))
            continue
        action, index, target, rating = step
        if action == "sweep":
            services.grievance_sla_sweep(now=clock.now)
            continue
        if not filed:
            continue
        grievance, phone, code = filed[index % len(filed)]
        grievance.refresh_from_db()
        holder = grievance.current_office_id
        gro = tree.gro[holder]
        try:
            with transaction.atomic():
                if action == "accept":
                    services.grievance_accept(grievance_id=grievance.pk, actor=gro)
                elif action == "forward":
                    services.grievance_forward(
                        grievance_id=grievance.pk, actor=gro, to_office=tree.office(target), reason="Theirs"
                    )
                elif action == "resolve":
                    # Taking it up first, as GROs do: random single steps would rarely reach a resolution.
                    if grievance.status == "submitted":
                        services.grievance_accept(grievance_id=grievance.pk, actor=gro)
                    services.grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid")
                elif action == "reject":
                    services.grievance_reject(grievance_id=grievance.pk, actor=gro, reason="Not ours")
                elif action == "close":
                    services.grievance_close_no_action(
                        grievance_id=grievance.pk, actor=gro, reason="Vague", severity="low"
                    )
                elif action == "info":
                    services.grievance_request_info(grievance_id=grievance.pk, actor=gro, question="Which month?")
                elif action == "feedback":
                    if grievance.status == "in_progress":
                        services.grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid")
                    services.grievance_feedback(number=grievance.tracking_number, rating=rating, phone=phone, code=code)
                elif action == "appeal":
                    services.grievance_appeal(number=grievance.tracking_number, reason="Unfair", phone=phone, code=code)
                elif action == "decide":
                    if grievance.status in ("resolved", "rejected"):
                        services.grievance_appeal(
                            number=grievance.tracking_number, reason="Unfair", phone=phone, code=code
                        )
                    services.grievance_decide_appeal(
                        grievance_id=grievance.pk, actor=tree.appeal[holder], decision="upheld", text="Stands"
                    )
        except DomainError:
            pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=steps, checks=views)
def test_tallied_figures_equal_live_counts(tree, clock, script, checks):
    with transaction.atomic():
        play(tree, clock, script)
        grievances = live_grievances()
        for (user_key, office_code), tab, start, length, simulated in checks:
            date_from = START + timedelta(days=start) if start is not None else None
            date_to = (date_from or START) + timedelta(days=length) if length is not None else None
            dashboard = dashboard_figures(
                tree.users[user_key],
                office_code=office_code,
                tab=tab,
                date_from=date_from,
                date_to=date_to,
                include_simulated=simulated,
            )
            region = region_of(tree, user_key, office_code)
            assert_dashboard_is_live(
                dashboard, grievances, region, tab=tab, date_from=date_from, date_to=date_to, simulated=simulated
            )
            for interval in ("w", "m"):
                trends = dashboard_trends(
                    tree.users[user_key],
                    office_code=office_code,
                    tab=tab,
                    date_from=date_from or START,
                    date_to=date_to or START + timedelta(days=200),
                    include_simulated=simulated,
                    interval=interval,
                )
                for point in trends.points:
                    expected = live_figures(
                        grievances, region, tab=tab, date_from=point.start, date_to=point.end, simulated=simulated
                    )
                    got = point.figures
                    assert (got.received, got.resolved, got.marked_overdue, got.ratings) == (
                        expected.received,
                        expected.resolved,
                        expected.marked_overdue,
                        expected.ratings,
                    ), (interval, point.start)
        # Single days where something happened: a tally that put a grievance on the wrong day (UTC rather
        # than Dhaka, say) shows here even when the random ranges above span both days.
        days = sorted({event.day for live in grievances for event in live.events})
        for day in days[:: max(1, len(days) // 6)]:
            dashboard = dashboard_figures(tree.users["cabinet"], date_from=day, date_to=day, include_simulated=True)
            region = region_of(tree, "cabinet", None)
            assert_dashboard_is_live(
                dashboard, grievances, region, tab="all", date_from=day, date_to=day, simulated=True
            )
        transaction.set_rollback(True)


def test_forwardings_between_the_offices_of_a_scope_of_several_are_neither_received_nor_forwarded(tree, clock):
    """A user watching DSS-K's subtree and handling MOFOOD: a grievance that travels between the two stays
    inside their scope, while each owner alone saw it cross its border."""
    at = time(12, 0)
    play(
        tree,
        clock,
        [
            (0, at, ("file", "DSS-K-U", "citizen", "web", 0, False)),
            (0, at, ("file", "MOFOOD", "anonymous", "sms", -1, False)),
            (1, at, ("forward", 0, "MOFOOD", 1)),  # DSS-K-U -> MOFOOD
            (1, at, ("forward", 1, "DSS-K", 1)),  # MOFOOD -> DSS-K
            (1, at, ("forward", 0, "FOOD-R", 1)),  # MOFOOD -> FOOD-R, out of the scope
        ],
    )
    grievances = live_grievances()
    dashboard = dashboard_figures(tree.users["district+mofood"])
    assert (dashboard.totals.received, dashboard.totals.forwarded) == (2, 1)
    assert {row.code: (row.figures.received, row.figures.forwarded) for row in dashboard.by_office} == {
        "DSS-K": (2, 1),  # filed at DSS-K-U, then one in from MOFOOD; one out to MOFOOD
        "MOFOOD": (2, 2),
    }
    for user_key, office_code in [("district+mofood", None), ("cabinet", None), ("mosw", None), ("cabinet", "DSS")]:
        for tab in ("all", "citizen"):
            dashboard = dashboard_figures(tree.users[user_key], office_code=office_code, tab=tab)
            region = region_of(tree, user_key, office_code)
            assert_dashboard_is_live(
                dashboard, grievances, region, tab=tab, date_from=None, date_to=None, simulated=False
            )
            trends = dashboard_trends(
                tree.users[user_key], office_code=office_code, tab=tab, date_from=START, date_to=START, interval="w"
            )
            expected = live_figures(
                grievances, region, tab=tab, date_from=trends.points[0].start, date_to=trends.points[0].end
            )
            assert trends.points[0].figures.received == expected.received
