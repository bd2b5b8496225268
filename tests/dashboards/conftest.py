"""A small office tree with officials and charter services, a controllable clock, and the dashboard's
figures counted live, straight from the grievances and their events, to hold the tallies against."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from charters.models import SOCIAL_PROTECTION
from dashboards.selectors import Figures
from grievances.models import EventKind, Feedback, Grievance, GrievanceEvent
from grievances.sla import gro_timeframe_days
from grievances.workflow import OPEN_STATUSES
from offices.models import AdminUnit, Office, Role
from offices.workdays import add_working_days, working_days_between
from tests.factories import (
    AdminUnitFactory,
    AppointmentFactory,
    CharterFactory,
    CharterServiceFactory,
    HolidayFactory,
    OfficeFactory,
    ProgrammeFactory,
    ServiceCategoryFactory,
    UserFactory,
)

Layer = Office.Layer
Level = AdminUnit.Level


class Clock:
    """``timezone.now()`` for the services, and the default time of new timeline events."""

    def __init__(self, start: datetime):
        self.now = start

    def set(self, day: date, at: time = time(12, 0)) -> datetime:
        self.now = timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock)
    # Field defaults hold the function itself, taken before the patch.
    for model in (GrievanceEvent, Feedback):
        monkeypatch.setattr(model._meta.get_field("at"), "_get_default", clock)
    return clock


@pytest.fixture
def tree(db):
    """MOSW > DSS > DSS-K (a district) > DSS-K-U (an upazila); MOFOOD > FOOD-R (another district).
    Every office has a GRO and an Appeal Officer; there are watchers at every level of scope."""
    division = AdminUnitFactory(level=Level.DIVISION, name_en="Rangpur")
    kurigram = AdminUnitFactory(level=Level.DISTRICT, parent=division, name_en="Kurigram", name_bn="কুড়িগ্রাম")
    rangpur = AdminUnitFactory(level=Level.DISTRICT, parent=division, name_en="Rangpur", name_bn="রংপুর")
    ulipur = AdminUnitFactory(level=Level.UPAZILA, parent=kurigram, name_en="Ulipur", name_bn="উলিপুর")
    mosw = OfficeFactory(code="MOSW")
    dss = OfficeFactory(code="DSS", parent=mosw, layer=Layer.DIRECTORATE)
    district = OfficeFactory(code="DSS-K", parent=dss, layer=Layer.DISTRICT, admin_unit=kurigram)
    upazila = OfficeFactory(code="DSS-K-U", parent=district, layer=Layer.UPAZILA, admin_unit=ulipur)
    mofood = OfficeFactory(code="MOFOOD")
    food = OfficeFactory(code="FOOD-R", parent=mofood, layer=Layer.DISTRICT, admin_unit=rangpur)
    offices = [mosw, dss, district, upazila, mofood, food]
    CharterFactory(office=dss, gro_timeframe_days=12)
    CharterFactory(office=district, gro_timeframe_days=8)
    HolidayFactory(date=date(2024, 1, 1))

    social = ServiceCategoryFactory()
    land = ServiceCategoryFactory(slug="land", name_en="Land", name_bn="ভূমি", order=5)
    old_age = ProgrammeFactory(code="OAA", g2p=True)
    vgf = ProgrammeFactory(code="VGF", g2p=False)
    services = [
        CharterServiceFactory(office=district, category=social, programme=old_age, timeframe_days=5),
        CharterServiceFactory(office=district, category=social, programme=vgf, g2p=True),
        CharterServiceFactory(office=dss, category=land, timeframe_days=20),
        CharterServiceFactory(office=food, category=social, programme=vgf),
    ]

    def appoint(**kwargs):
        # From long ago: the clock fixture travels back to 2023.
        return AppointmentFactory(start_date=date(2020, 1, 1), **kwargs)

    gro, appeal = {}, {}
    for office in offices:
        gro[office.pk] = appoint(role=Role.GRO, office=office).user
        appeal[office.pk] = appoint(role=Role.APPEAL_OFFICER, office=office).user
    users = {
        "cabinet": appoint(role=Role.CABINET_MONITOR, office=mosw).user,
        "mosw": appoint(role=Role.FOCAL_POINT, office=mosw).user,
        "dss": appoint(role=Role.FOCAL_POINT, office=dss).user,
        "gro-district": gro[district.pk],
        "nobody": UserFactory(),
    }
    both = appoint(role=Role.FOCAL_POINT, office=district).user  # a watcher who also handles MOFOOD
    appoint(role=Role.GRO, office=mofood, user=both)
    users["district+mofood"] = both
    employee = appoint(role=Role.EMPLOYEE, office=food, user__phone="").user
    return Tree(offices=offices, services=services, gro=gro, appeal=appeal, users=users, employee=employee)


@dataclass
class Tree:
    offices: list[Office]
    services: list
    gro: dict[int, object]
    appeal: dict[int, object]
    users: dict[str, object]
    employee: object

    def office(self, code: str) -> Office:
        return next(office for office in self.offices if office.code == code)


def region_of(tree: Tree, user_key: str, office_code: str | None) -> set[int]:
    """The offices a user's dashboard counts, worked out by hand for the tree's users."""
    everything = {o.pk for o in Office.objects.all()}

    def subtree(code):
        return {o.pk for o in Office.objects.subtree(Office.objects.get(code=code))}

    scope = {
        "cabinet": everything,
        "mosw": subtree("MOSW"),
        "dss": subtree("DSS"),
        "gro-district": {tree.office("DSS-K").pk},
        "district+mofood": subtree("DSS-K") | {tree.office("MOFOOD").pk},
    }[user_key]
    if office_code is None:
        return scope
    office = Office.objects.get(code=office_code)
    if user_key in ("gro-district",) or (user_key == "district+mofood" and office_code == "MOFOOD"):
        return {office.pk} & scope
    return subtree(office_code) & scope


# --- Live counts, from grievances and events only ---------------------------------------------------


def _day(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


@dataclass
class LiveEvent:
    kind: str
    day: date
    office: int  # the office holding the grievance when it happened
    other: int = 0  # a forwarding's other office
    rating: int = 0
    days: int = 0
    in_time: int = 0


@dataclass
class LiveGrievance:
    grievance: Grievance
    category: int
    programme: int
    g2p: bool
    district: int | None
    events: list[LiveEvent] = field(default_factory=list)


def live_grievances() -> list[LiveGrievance]:
    """Every grievance with its timeline replayed: where it was held at each event."""
    offices = {o.code: o for o in Office.objects.select_related("admin_unit__parent")}
    out = []
    for grievance in Grievance.objects.select_related("service__programme", "office", "service").order_by("pk"):
        service = grievance.service
        live = LiveGrievance(
            grievance=grievance,
            category=grievance.category_id or 0,
            programme=(service.programme_id if service else None) or 0,
            g2p=bool(service and (service.g2p or (service.programme and service.programme.g2p))),
            district=None,
        )
        holder = grievance.office_id
        live.events.append(LiveEvent("filed", _day(grievance.submitted_at), holder))
        for event in grievance.events.order_by("at", "pk"):
            day = _day(event.at)
            if event.kind == EventKind.FORWARDED:
                target = offices[event.data["to"]].pk
                live.events.append(LiveEvent("forwarded_out", day, holder, other=target))
                live.events.append(LiveEvent("forwarded_in", day, target, other=holder))
                holder = target
            elif event.kind == EventKind.RESOLVED:
                filed = _day(grievance.submitted_at)
                promised = add_working_days(filed, gro_timeframe_days(grievance.office, service))
                days = working_days_between(filed, day)
                live.events.append(LiveEvent("resolved", day, holder, days=days, in_time=int(day <= promised)))
            elif event.kind == EventKind.FEEDBACK:
                live.events.append(LiveEvent("feedback", day, holder, rating=event.data["rating"]))
            elif event.kind in (
                EventKind.REJECTED,
                EventKind.CLOSED,
                EventKind.APPEALED,
                EventKind.APPEAL_DECIDED,
                EventKind.OVERDUE,
            ):
                live.events.append(LiveEvent(event.kind, day, holder))
        assert holder == grievance.current_office_id
        out.append(live)
    return out


def district_of(office: Office) -> int | None:
    area = office.admin_unit
    if area is None:
        return None
    return {
        Level.DISTRICT: area.pk,
        Level.UPAZILA: area.parent_id,
        Level.UNION: area.parent.parent_id if area.parent else None,
    }.get(area.level)


_NAMES = {
    EventKind.REJECTED: "rejected",
    EventKind.CLOSED: "closed",
    EventKind.APPEALED: "appealed",
    EventKind.APPEAL_DECIDED: "appeals_decided",
    EventKind.OVERDUE: "marked_overdue",
}


def live_figures(
    grievances: list[LiveGrievance],
    offices: set[int],
    *,
    tab: str = "all",
    date_from: date | None = None,
    date_to: date | None = None,
    simulated: bool = False,
    where=lambda live: True,
    region: set[int] | None = None,
) -> Figures:
    """The figures for grievances and events at ``offices``; ``region`` (default ``offices``) is what a
    forwarding must leave or come from to count as forwarded or received."""
    region = offices if region is None else region
    figures = Figures()

    def in_range(day: date) -> bool:
        return (date_from is None or day >= date_from) and (date_to is None or day <= date_to)

    for live in grievances:
        grievance = live.grievance
        if (tab != "all" and grievance.type != tab) or (grievance.simulated and not simulated) or not where(live):
            continue
        held = grievance.current_office_id in offices and in_range(_day(grievance.submitted_at))
        if held and grievance.status in OPEN_STATUSES:
            figures.pending += 1
            figures.overdue += int(grievance.overdue)
        for event in live.events:
            if event.office not in offices or not in_range(event.day):
                continue
            if event.kind == "filed" or (event.kind == "forwarded_in" and event.other not in region):
                figures.received += 1
            elif event.kind == "forwarded_out" and event.other not in region:
                figures.forwarded += 1
            elif event.kind == "resolved":
                figures.resolved += 1
                figures.resolution_days += event.days
                figures.resolved_in_time += event.in_time
            elif event.kind == "feedback":
                figures.ratings[event.rating - 1] += 1
            elif event.kind in _NAMES:
                name = _NAMES[event.kind]
                setattr(figures, name, getattr(figures, name) + 1)
    return figures


def assert_dashboard_is_live(dashboard, grievances, region: set[int], *, tab, date_from, date_to, simulated):
    """Every figure of ``dashboard`` equals the live count of the same thing."""
    common = {"tab": tab, "date_from": date_from, "date_to": date_to, "simulated": simulated}
    assert dashboard.totals == live_figures(grievances, region, **common), "totals"
    all_offices = {o.pk: o for o in Office.objects.select_related("admin_unit__parent")}
    for row in dashboard.by_office:
        unit = {pk for pk, o in all_offices.items() if o.path.startswith(row.office.path)} if row.subtree else set()
        unit = (unit or {row.office.pk}) & region
        assert row.figures == live_figures(grievances, unit, **common), row.code
        held = live_figures(grievances, {row.office.pk} & region, **common)
        assert (row.held.pending, row.held.overdue) == (held.pending, held.overdue), row.code
    districts = {}
    for pk in region:
        district = district_of(all_offices[pk])
        if district is not None:
            districts.setdefault(district, set()).add(pk)
    shown = {row.area.pk: row.figures for row in dashboard.by_district}
    for district, offices in districts.items():
        assert shown.get(district, Figures()) == live_figures(grievances, offices, **common), district
    assert set(shown) <= set(districts)
    for row in dashboard.by_channel:
        expected = live_figures(grievances, region, where=lambda g, c=row.channel: g.grievance.channel == c, **common)
        assert row.figures == expected, row.channel
    assert dashboard.by_category[0].slug == SOCIAL_PROTECTION
    for row in dashboard.by_category:
        category = next((c.pk for c in _categories() if c.slug == row.slug), 0)
        expected = live_figures(grievances, region, where=lambda g, c=category: g.category == c, **common)
        assert row.figures == expected, row.slug
        for programme in row.programmes:
            pk = _programme_pk(programme.code)
            expected = live_figures(
                grievances, region, where=lambda g, c=category, p=pk: (g.category, g.programme) == (c, p), **common
            )
            assert programme.figures == expected, programme.code
    assert dashboard.g2p == live_figures(grievances, region, where=lambda g: g.g2p, **common), "g2p"


def _categories():
    from charters.models import ServiceCategory

    return list(ServiceCategory.objects.all())


def _programme_pk(code: str) -> int:
    from charters.models import Programme

    return Programme.objects.get(code=code).pk
