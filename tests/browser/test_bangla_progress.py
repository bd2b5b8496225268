"""What the page's scripts write in, in a real browser: the monthly report's progress bar and the dashboard's
charts count in Bangla digits on a Bangla page, and in ASCII digits on an English one."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from dashboards.models import ReportJob, ReportStatus
from grievances.services import grievance_file
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASCII_DIGIT = re.compile(r"[0-9]")
BANGLA_DIGIT = re.compile(r"[০-৯]")


@pytest.fixture
def ministry():
    """A ministry whose focal point watches it, with grievances filed at its district office."""
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    district = OfficeFactory(code="DSS-KURIGRAM", parent=mosw, layer=Office.Layer.DISTRICT)
    AppointmentFactory(role=Role.GRO, office=district)
    watcher = AppointmentFactory(role=Role.FOCAL_POINT, office=mosw, start_date=date(2020, 1, 1)).user
    for _i in range(3):
        grievance_file(
            type="citizen",
            office=district,
            subject="Allowance not paid",
            description="Not paid since March.",
            complainant_name="Amena Begum",
            complainant_phone="01712345678",
        )
    return mosw, watcher


def sign_in(page, live_server, user, language: str) -> None:
    """The browser carries ``user``'s session and reads ``language``."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )


def running_job(mosw, watcher) -> ReportJob:
    return ReportJob.objects.create(
        requested_by=watcher,
        office=mosw,
        month=timezone.localdate().replace(day=1),
        status=ReportStatus.RUNNING,
        progress=30,
        started_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("language", "at_start", "later", "done"),
    [("bn", "৩০%", "৬৫%", "১০০%"), ("en", "30%", "65%", "100%")],
)
def test_the_report_progress_bar_counts_in_the_pages_digits(
    page, live_server, ministry, language, at_start, later, done
):
    mosw, watcher = ministry
    job = running_job(mosw, watcher)
    sign_in(page, live_server, watcher, language)

    page.goto(f"/reports/{job.pk}/")
    percent = page.locator("#report-percent")
    expect(percent).to_have_text(at_start)

    # The worker moves on: the page's next poll shows it, written by report-progress.js.
    ReportJob.objects.filter(pk=job.pk).update(progress=65, updated_at=timezone.now())
    expect(percent).to_have_text(later)
    expect(page.locator("#report-progress")).to_have_text(later)  # the bar's fallback text
    expect(page.locator("#report-progress")).to_have_attribute("value", "65")

    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.DONE, progress=100, updated_at=timezone.now())
    expect(percent).to_have_text(done)
    expect(page.locator("#report-downloads")).to_be_visible()


def chart_text(page, key: str) -> dict[str, list[str]]:
    """What a trend chart writes: its axes' tick labels and the tooltip's title and value for the last point."""
    page.locator(f'.chart.drawn [id="chart-{key}"]').wait_for()
    return page.evaluate(
        """key => {
            const chart = Chart.getChart(document.getElementById("chart-" + key));
            const last = chart.data.labels.length - 1;
            const value = chart.getDatasetMeta(0).controller.getLabelAndValue(last).value;
            return {
                x: chart.scales.x.ticks.map(tick => String(chart.scales.x.getLabelForValue(tick.value))),
                y: chart.scales.y.ticks.map(tick => String(tick.label)),
                tooltip: [String(chart.data.labels[last]), String(value)],
            };
        }""",
        key,
    )


def test_the_dashboards_charts_count_in_bangla_digits_on_a_bangla_page(page, live_server, ministry):
    _mosw, watcher = ministry
    sign_in(page, live_server, watcher, "bn")

    page.goto("/dashboard/")
    shown = chart_text(page, "received-resolved")
    texts = shown["x"] + shown["y"] + shown["tooltip"]
    assert all(not ASCII_DIGIT.search(text) for text in texts), shown
    assert all(BANGLA_DIGIT.search(text) for text in shown["x"]), shown  # months name their year
    this_year = str(timezone.localdate().year).translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    assert this_year in shown["tooltip"][0] and shown["tooltip"][1] == "৩", shown  # this month's three grievances
    assert shown["y"][0] == "০", shown  # Chart.js's own zero, too


def test_the_dashboards_charts_keep_ascii_digits_on_an_english_page(page, live_server, ministry):
    _mosw, watcher = ministry
    sign_in(page, live_server, watcher, "en")

    page.goto("/dashboard/")
    shown = chart_text(page, "received-resolved")
    texts = shown["x"] + shown["y"] + shown["tooltip"]
    assert all(not BANGLA_DIGIT.search(text) for text in texts), shown
    assert shown["tooltip"] == [shown["tooltip"][0], "3"] and str(timezone.localdate().year) in shown["tooltip"][0]
