"""The pilot report: its figures are what a direct count of the run's grievances and events gives, its page
shows them to the Cabinet Division and to focal points whose scope covers the pilot, and each CSV file holds
the page's rows. No complainant data appears in it."""

import csv
import io
import re
from collections import Counter
from html.parser import HTMLParser
from statistics import mean, median

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q

from grievances.models import Channel, EventKind, Feedback, Grievance, GrievanceEvent
from grievances.workflow import OPEN_STATUSES
from offices.models import PATH_STEP, Office, Role
from offices.workdays import working_days_between
from pilot.selectors import pilot_report, report_tables
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/pilot/"


def user(username):
    return get_user_model().objects.get(username=username)


def signed_in(client, account):
    """Sign in, reading English (the product's first language is Bangla, with Bangla digits)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(account)


def _day(moment):
    from dashboards.tally import local_day

    return local_day(moment)


def test_the_figures_are_a_direct_count_of_the_grievances_and_events(pilot):
    report = pilot_report(user("cabinet"), run_id=pilot.run.pk)
    f = report.figures
    grievances = Grievance.objects.filter(simulated=True)
    assert f.filed == grievances.count()
    assert dict(f.by_channel) == dict(grievances.values_list("channel").annotate(n=Count("id")).order_by())

    forwards = grievances.annotate(n=Count("events", filter=Q(events__kind=EventKind.FORWARDED)))
    assert f.never_forwarded == forwards.filter(n=0).count()
    assert f.forwarded == forwards.filter(n__gt=0).count()
    assert {n: f.forwards[n] for n in range(4)} == {
        0: forwards.filter(n=0).count(),
        1: forwards.filter(n=1).count(),
        2: forwards.filter(n=2).count(),
        3: forwards.filter(n__gte=3).count(),
    }
    ministry = {o.code: o.path[:PATH_STEP] for o in Office.objects.all()}
    across = {
        e.grievance_id
        for e in GrievanceEvent.objects.filter(grievance__simulated=True, kind=EventKind.FORWARDED)
        if ministry[e.data["from"]] != ministry[e.data["to"]]
    }
    assert f.forwarded_across == len(across) > 0
    assert sum(f.directions.values()) == GrievanceEvent.objects.filter(kind=EventKind.FORWARDED).count()

    # Time to resolve: a resolved grievance is never forwarded again, so its office now is the one that settled it.
    by_level = {}
    for event in GrievanceEvent.objects.filter(kind=EventKind.RESOLVED).select_related("grievance__current_office"):
        days = working_days_between(_day(event.grievance.submitted_at), _day(event.at))
        by_level.setdefault(event.grievance.current_office.layer, []).append(days)
    assert by_level
    assert {level: sorted(days) for level, days in f.resolution_days.items() if days} == {
        level: sorted(days) for level, days in by_level.items()
    }

    def with_event(kind):
        return grievances.filter(events__kind=kind).distinct().count()

    assert f.overdue == with_event(EventKind.OVERDUE) > 0
    assert f.overdue_open == grievances.filter(overdue=True, status__in=OPEN_STATUSES).count()
    assert f.appealed == with_event(EventKind.APPEALED) > 0
    assert f.appeals_decided == GrievanceEvent.objects.filter(kind=EventKind.APPEAL_DECIDED).count() > 0
    ratings = Counter(Feedback.objects.values_list("rating", flat=True))
    assert f.ratings == [ratings[n] for n in range(1, 6)]
    assert f.satisfaction_mean == round(Feedback.objects.aggregate(m=Avg("rating"))["m"], 2)


class _Tables(HTMLParser):
    """Each ``<table data-table=...>`` as its header and rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.current = self.tables.setdefault(attrs["data-table"], [])
        elif self.current is not None and tag == "tr":
            self.row = []
        elif self.row is not None and tag in ("th", "td"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def test_the_page_shows_the_report_to_the_cabinet_division(client, pilot, django_assert_max_num_queries):
    signed_in(client, user("cabinet"))
    with django_assert_max_num_queries(20):
        response = client.get(URL, {"run": pilot.run.pk})
    assert response.status_code == 200
    html = response.content.decode()
    tables = page_tables(html)
    assert set(tables) == {
        "channels",
        "routing",
        "forwards",
        "directions",
        "resolution",
        "overdue",
        "appeals",
        "satisfaction",
        "unions",
    }
    figures = pilot_report(user("cabinet"), run_id=pilot.run.pk).figures
    channels = {row[0]: int(row[1]) for row in tables["channels"][1:]}
    assert channels == {str(label): figures.by_channel[value] for value, label in Channel.choices}
    assert tables["routing"][2][:2] == [
        "Reached the right office first time (never forwarded)",
        str(figures.never_forwarded),
    ]
    tile = re.search(r"<dt>Right office first time</dt><dd>([^<]*)</dd>", html).group(1)
    assert tile == tables["routing"][2][2] == f"{figures.never_forwarded / figures.filed * 100:.1f}%"
    # No complainant's name or phone anywhere on the page.
    for name, phone in Grievance.objects.exclude(complainant_name="").values_list(
        "complainant_name", "complainant_phone"
    ):
        assert name not in html
        assert not phone or phone not in html


def test_the_query_count_does_not_grow_with_the_run(client, pilot, django_assert_max_num_queries):
    signed_in(client, user("cabinet"))
    with django_assert_max_num_queries(20) as small:
        client.get(URL)
    Grievance.objects.filter(pk__in=list(Grievance.objects.values_list("pk", flat=True)[:40])).delete()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL)


def test_every_csv_file_holds_the_rows_of_the_page(client, pilot):
    signed_in(client, user("cabinet"))
    html = client.get(URL, {"run": pilot.run.pk}).content.decode()
    tables = page_tables(html)
    for key, rows in tables.items():
        response = client.get(f"{URL}export/{key}.csv", {"run": pilot.run.pk})
        assert response.status_code == 200, key
        assert response["Content-Type"].startswith("text/csv")
        body = response.content.decode("utf-8-sig")
        in_file = list(csv.reader(io.StringIO(body)))
        on_page = [[cell.replace("—", "") for cell in row] for row in rows]
        assert in_file == on_page, key


def test_the_report_uses_the_same_tables_for_every_run_and_all_runs(pilot):
    cabinet = user("cabinet")
    one = [t.rows for t in report_tables(pilot_report(cabinet, run_id=pilot.run.pk))]
    every = [t.rows for t in report_tables(pilot_report(cabinet))]
    assert one == every  # a single run: both views agree


def test_a_focal_point_covering_every_office_of_the_pilot_sees_it(client, pilot):
    rows = Grievance.objects.values_list("office__path", "current_office__path")
    ministries = {path[:PATH_STEP] for pair in rows for path in pair}
    watcher = AppointmentFactory(role=Role.FOCAL_POINT, office=Office.objects.get(path=sorted(ministries)[0])).user
    for path in sorted(ministries)[1:]:
        AppointmentFactory(role=Role.FOCAL_POINT, office=Office.objects.get(path=path), user=watcher)
    signed_in(client, watcher)
    assert client.get(URL, {"run": pilot.run.pk}).status_code == 200


def test_a_focal_point_whose_scope_misses_pilot_offices_gets_404(client, pilot):
    signed_in(client, user("mosw"))  # MOSW's subtree; the pilot also reached MOFOOD
    response = client.get(URL, {"run": pilot.run.pk})
    assert response.status_code == 404
    assert client.get(f"{URL}export/channels.csv", {"run": pilot.run.pk}).status_code == 404


@pytest.mark.parametrize("username", ["hotline", "gro-dss-kurigram", "udc-kurigram"])
def test_users_without_a_dashboard_get_403(client, pilot, username):
    signed_in(client, user(username))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}export/channels.csv").status_code == 403


def test_a_run_that_does_not_exist_is_404(client, pilot):
    signed_in(client, user("cabinet"))
    assert client.get(URL, {"run": pilot.run.pk + 1}).status_code == 404
    assert client.get(URL, {"run": "x"}).status_code == 404
    assert client.get(f"{URL}export/nothing.csv").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, pilot):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_mean_and_median_days_are_those_of_the_resolved_grievances(pilot):
    report = pilot_report(user("cabinet"))
    table = next(t for t in report_tables(report) if t.key == "resolution")
    rows = {row.cells[0].value: row.cells for row in table.rows}
    for level, days in report.figures.resolution_days.items():
        cells = rows[str(Office.Layer(level).label)]
        assert (cells[1].value, cells[2].value, cells[3].value) == (len(days), round(mean(days), 1), median(days))
