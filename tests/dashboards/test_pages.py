"""The dashboard page: each demo scope sees its own offices and figures, the tabs and the date range are
links and a form that work without JavaScript, and what cannot be shown is said on the page."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from grievances.services import grievance_file
from offices.models import Office, Role
from tests.dashboards.test_demo_scopes import PHONE, demo  # noqa: F401 - the module's seeded world
from tests.factories import AppointmentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


class _Tables(HTMLParser):
    """Each ``<table data-table=...>``: its header and rows as the text of their cells, links kept apart."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self.current = None
        self.cell = None
        self.row = None
        self.tabs: list[tuple[str, str, bool]] = []
        self.in_tab = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.current = self.tables.setdefault(attrs["data-table"], {"head": [], "rows": [], "links": []})
        elif self.current is not None and tag == "tr":
            self.row, self.link = [], None
        elif self.current is not None and tag in ("th", "td") and self.row is not None:
            self.cell = ""
        elif self.current is not None and tag == "a" and self.cell is not None:
            self.link = attrs.get("href")
        if tag == "a" and self.current is None:
            self.in_tab = (attrs.get("href"), attrs.get("aria-current") == "page")
            self.tab_text = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_tab is not None:
            self.tab_text += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if not self.current["head"]:
                self.current["head"] = self.row
            else:
                self.current["rows"].append(self.row)
                self.current["links"].append(self.link)
            self.row = None
        elif tag == "table":
            self.current = None
        elif tag == "a" and self.in_tab is not None:
            self.tabs.append((" ".join(self.tab_text.split()), *self.in_tab))
            self.in_tab = None


def page_tables(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def rows_of(html: str, key: str) -> list[list[str]]:
    return page_tables(html).tables[key]["rows"]


def figure(html: str, name: str) -> str:
    """A total by its English label."""
    return dict(rows_of(html, "totals"))[name]


def signed_in(client, username: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_cabinet_sees_every_ministry_with_a_link_down_into_each(client):
    response = signed_in(client, "cabinet").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard: Every ministry and division" in html
    assert (figure(html, "Received"), figure(html, "Resolved"), figure(html, "Pending")) == ("17", "1", "16")
    offices = page_tables(html).tables["offices"]
    codes = [row[1] for row in offices["rows"]]
    assert sorted(codes) == sorted(Office.objects.filter(depth=1).values_list("code", flat=True))
    mosw = offices["rows"][codes.index("MOSW")]
    assert mosw[2] == "12" and offices["links"][codes.index("MOSW")] == "/dashboard/?office=MOSW"
    assert offices["rows"][codes.index("MOFOOD")][2] == "5"
    categories = rows_of(html, "categories")
    assert categories[0][0] == "Social Protection" and categories[0][2] == "4"
    kurigram = next(row for row in rows_of(html, "districts") if row[0] == "Kurigram")
    assert kurigram[1:3] == ["6", "1"]
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html


def test_the_ministry_sees_its_subtree_only_and_drills_down_and_back_up(client):
    signed_in(client, "mosw")
    html = client.get(URL).content.decode()
    assert "Dashboard: Ministry of Social Welfare" in html or "Dashboard: " in html
    offices = page_tables(html).tables["offices"]
    codes = [row[1] for row in offices["rows"]]
    assert codes[0] == "MOSW" and "MOFOOD" not in codes and "CABINET" not in codes
    assert offices["rows"][0][0].endswith("(this office alone)") and offices["links"][0] is None
    assert offices["rows"][0][-2] == "2"  # the tally rule: what the ministry's own desk holds
    dss = offices["rows"][codes.index("DSS")]
    assert (dss[2], dss[6], dss[-2]) == ("10", "9", "2")  # received, pending, held by DSS itself
    assert figure(html, "Received") == "12"

    html = client.get(offices["links"][codes.index("DSS")]).content.decode()
    assert 'href="/dashboard/?office=MOSW" rel="up"' in html
    dss_rows = {row[1]: row for row in rows_of(html, "offices")}
    assert dss_rows["DSS-KURIGRAM"][2] == "6" and dss_rows["DSS"][5] == "1"  # forwarded out of DSS's own desk
    html = client.get(URL, {"office": "DSS-KURIGRAM"}).content.decode()
    assert 'href="/dashboard/?office=DSS" rel="up"' in html
    upazilas = rows_of(html, "offices")[1:]
    assert upazilas and all(Office.objects.get(code=row[1]).layer == "upazila" for row in upazilas)

    assert client.get(URL, {"office": "MOFOOD"}).status_code == 404
    refused = client.get(URL, {"office": "NO-SUCH"})
    assert refused.status_code == 404
    assert "No office with this code is in your dashboard." in refused.content.decode()


def test_the_district_gro_sees_the_district_office_alone(client):
    signed_in(client, "gro-dss-kurigram")
    html = client.get(URL).content.decode()
    offices = page_tables(html).tables["offices"]
    assert [row[1] for row in offices["rows"]] == ["DSS-KURIGRAM"]
    assert offices["links"] == [None]  # nothing below to drill into: a GRO sees the office alone
    assert (figure(html, "Received"), figure(html, "Resolved"), figure(html, "Pending")) == ("5", "1", "4")
    assert figure(html, "Resolved in time") == "100.0%"
    assert client.get(URL, {"office": "MOSW"}).status_code == 404
    assert client.get(URL, {"office": "DSS"}).status_code == 404


def test_tabs_are_links_that_keep_the_other_choices_and_mark_the_current_one(client):
    signed_in(client, "cabinet")
    html = client.get(URL, {"tab": "anonymous", "office": "DSS", "from": "2000-01-01"}).content.decode()
    tabs = {text: (href, current) for text, href, current in page_tables(html).tabs}
    assert tabs["Anonymous"] == ("/dashboard/?office=DSS&tab=anonymous&from=2000-01-01", True)
    assert tabs["Citizen"] == ("/dashboard/?office=DSS&tab=citizen&from=2000-01-01", False)
    assert tabs["Official"] == ("/dashboard/?office=DSS&tab=official&from=2000-01-01", False)
    assert tabs["All"] == ("/dashboard/?office=DSS&from=2000-01-01", False)
    assert figure(html, "Received") == "0"  # the only anonymous grievance is a pilot one
    citizen = client.get(URL, {"tab": "citizen"}).content.decode()
    assert figure(citizen, "Received") == "17"
    assert 'aria-current="page">Citizen</a>' in citizen
    assert figure(client.get(URL, {"tab": "official"}).content.decode(), "Received") == "0"


def test_the_pilot_switch_is_off_by_default_and_shows_simulated_grievances_when_on(client):
    signed_in(client, "cabinet")
    html = client.get(URL).content.decode()
    assert '<input type="checkbox" id="d-simulated" name="simulated" value="1">' in html
    assert "Pilot / simulated grievances are left out." in html
    html = client.get(URL, {"simulated": "1"}).content.decode()
    assert 'name="simulated" value="1" checked>' in html
    assert "Pilot / simulated grievances are included." in html
    assert figure(html, "Received") == "18"
    # Cabinet, who sees every office the pilot touches, is offered the pilot report; the switch's own
    # page stays the same for a ministry, which the report would refuse.
    assert 'href="/dashboard/pilot/">Pilot report</a>' in html
    assert "Pilot report" not in client.get(URL).content.decode()
    signed_in(client, "mosw")
    assert "Pilot report" not in client.get(URL, {"simulated": "1"}).content.decode()
    signed_in(client, "cabinet")
    assert figure(client.get(URL, {"simulated": "1", "tab": "anonymous"}).content.decode(), "Received") == "1"


def test_bad_parameters_are_named_on_the_page_and_left_out(client):
    signed_in(client, "cabinet")
    response = client.get(URL, {"from": "2024-13-01", "tab": "citizens", "simulated": "perhaps"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some of your choices were not understood and are left out" in html
    assert "From: Enter a date as year-month-day, e.g. 2025-01-31." in html
    assert "Tab: There is no tab “citizens”; the All tab is shown." in html
    assert "Pilot / simulated grievances: The pilot switch is on or off; it is left off." in html
    assert figure(html, "Received") == "17"  # all dates, all types, no pilot grievances
    html = client.get(URL, {"from": "2024-05-02", "to": "2024-05-01"}).content.decode()
    assert "The end of the date range comes before its start; the end is left open." in html
    assert "From 2 May 2024 to today." in html
    html = client.get(URL, {"to": "2000-01-01"}).content.decode()
    assert figure(html, "Received") == "0"


def test_a_range_too_long_for_weekly_trends_is_said_in_the_trends_section(client):
    signed_in(client, "cabinet")
    response = client.get(URL, {"from": "1990-01-01", "interval": "week"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The date range is too long for this interval; choose a shorter one." in html
    assert figure(html, "Received") == "17"


def test_users_with_no_dashboard_are_told_why(client):
    citizen = UserFactory()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(citizen)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Your appointments give you no dashboard." in response.content.decode()
    operator = AppointmentFactory(role=Role.UDC_OPERATOR, office=Office.objects.get(code="DSS-KURIGRAM")).user
    client.force_login(operator)
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302  # to the sign-in page


def test_the_page_is_bangla_first(client):
    client.force_login(get_user_model().objects.get(username="mosw"))
    html = client.get(URL).content.decode()
    assert '<html lang="bn">' in html
    assert "ড্যাশবোর্ড" in html and "মোট" in html


def _count_queries(client, django_assert_max_num_queries, params) -> int:
    with django_assert_max_num_queries(40) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("username", ["cabinet", "mosw", "gro-dss-kurigram"])
def test_the_page_takes_the_same_queries_for_more_grievances(client, django_assert_max_num_queries, username):
    signed_in(client, username)
    params = {"tab": "citizen", "from": "2020-01-01", "interval": "week"}
    before = _count_queries(client, django_assert_max_num_queries, params)
    offices = Office.objects.filter(code__in=["DSS-KURIGRAM", "DSS-SATKHIRA", "MOFOOD", "MOSW"])
    for office in offices:
        for _i in range(3):
            grievance_file(
                type="citizen",
                office=office,
                subject="Allowance",
                description="Not paid.",
                complainant_name="Rahim",
                complainant_phone=PHONE,
            )
    assert _count_queries(client, django_assert_max_num_queries, params) == before
