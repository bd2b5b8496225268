"""A monthly report in Bangla writes its figures, percentages, months and page numbers in Bangla digits with
Bangla month names; in English, in ASCII digits. The files other programs read (the dashboard's CSV, the
report's workbook) keep ASCII digits and numbers in both languages."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.dates import MONTHS

from dashboards import reports
from dashboards.models import ReportJob, ReportStatus
from grievances.services import grievance_accept, grievance_feedback, grievance_file, grievance_resolve
from tests.dashboards.test_reports import (  # noqa: F401 - fixtures
    PHONE,
    ask,
    login,
    media,
    pdf_text,
    sheets,
    this_month,
    world,
)

pytestmark = pytest.mark.django_db

BANGLA = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
ASCII_DIGIT = re.compile(r"[0-9]")
BANGLA_DIGIT = re.compile(r"[০-৯]")
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def bangla_month(number: int) -> str:
    """Django's Bangla name of the month (its spelling, e.g. of অক্টোবর, is the one pages show)."""
    with translation.override("bn"):
        return str(MONTHS[number])


@pytest.fixture
def rated(world):  # noqa: F811
    """One more grievance at the district office, resolved at once and rated 4: the month then has a
    percentage (resolved in time) and a mean (satisfaction) besides its counts."""
    grievance = grievance_file(
        type="citizen",
        office=world.office("DSS-K"),
        subject="Allowance not paid",
        description="Not paid.",
        complainant_name="Amena Khatun",
        complainant_phone=PHONE,
    ).grievance
    gro = world.gro[world.office("DSS-K").pk]
    grievance_accept(grievance_id=grievance.pk, actor=gro)
    grievance_resolve(grievance_id=grievance.pk, actor=gro, resolution="Paid.")
    grievance_feedback(number=grievance.tracking_number, rating=4, phone=PHONE)
    return world


def report_html(built, language: str) -> str:
    with translation.override(language):
        content = reports.report_content(user=built.users["mosw"], office=built.office("MOSW"), month=this_month())
        return reports.render_html(content, reports.report_tables(content))


def figures(html: str) -> list[str]:
    """The text of every figure cell of every table."""
    return re.findall(r"<td>([^<]*)</td>", html)


def row_labels(html: str) -> list[str]:
    return re.findall(r'<th scope="row"[^>]*>([^<]*)</th>', html)


def meta(html: str) -> str:
    return re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1)


def summary(html: str) -> dict[str, str]:
    table = html[html.index("<h2>") : html.index("</table>")]
    return dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', table))


def test_a_bangla_report_writes_every_figure_month_and_date_in_bangla_digits(rated):
    html = report_html(rated, "bn")

    cells = figures(html)
    assert cells and all(not ASCII_DIGIT.search(cell) for cell in cells), cells
    assert sum(bool(BANGLA_DIGIT.search(cell)) for cell in cells) > 50
    totals = summary(html)
    assert totals["প্রাপ্ত"] == "৬"  # received: the world's five and the rated one
    assert totals["সময়মতো নিষ্পত্তি (%)"] == "১০০.০"
    assert totals["সন্তুষ্টি (৫-এর মধ্যে গড়)"] == "৪.০"
    # The satisfaction table's ratings, and the trend's months, name the year in Bangla digits.
    labels = row_labels(html)
    assert all(not ASCII_DIGIT.search(label) for label in labels), labels
    assert {"১", "২", "৩", "৪", "৫"} <= set(labels)
    month = this_month()
    shown_month = f"{bangla_month(month.month)} {month.year}".translate(BANGLA)
    assert labels[-1] == shown_month
    # "Monthly grievance report: <month> · prepared <date, time>", and the page numbers' counter style.
    line = meta(html)
    assert shown_month in line and not ASCII_DIGIT.search(line), line
    assert f"<title>{rated.office('MOSW').name_bn} — {shown_month}</title>" in html
    assert "counter(page, bengali)" in html and "counter(pages, bengali)" in html


def test_an_english_report_writes_them_in_ascii_digits(rated):
    html = report_html(rated, "en")

    cells = figures(html)
    assert all(not BANGLA_DIGIT.search(cell) for cell in cells), cells
    totals = summary(html)
    assert (totals["Received"], totals["Resolved in time (%)"], totals["Satisfaction (mean of 5)"]) == (
        "6",
        "100.0",
        "4.0",
    )
    month = this_month()
    shown_month = f"{ENGLISH_MONTHS[month.month - 1]} {month.year}"
    assert row_labels(html)[-1] == shown_month
    line = meta(html)
    assert f"Monthly grievance report: {shown_month}" in line and not BANGLA_DIGIT.search(line)
    assert "counter(page, decimal)" in html


def test_the_bangla_pdf_a_reader_downloads_has_bangla_figures_and_page_numbers(world):  # noqa: F811
    with translation.override("bn"):
        job = ask(world.users["mosw"])
    assert job.status == ReportStatus.DONE
    with job.pdf.open("rb") as f:
        text = pdf_text(f.read())
    pages = re.findall(r"([০-৯]+)\s*/\s*([০-৯]+)", text)  # each page's footer: "১ / ৩" ... "৩ / ৩"
    total = str(len(pages)).translate(BANGLA)
    assert len(pages) > 1 and pages[0] == ("১", total) and pages[-1] == (total, total), pages
    assert "প্রাপ্ত" in text and "৫" in text
    month = this_month()
    assert f"{month.year}".translate(BANGLA) in text
    assert not ASCII_DIGIT.search(text), text


def test_the_workbook_keeps_numbers_and_ascii_digits_in_bangla(world):  # noqa: F811
    with translation.override("bn"):
        job = ask(world.users["mosw"])
    trend = sheets(job)["Trend"]
    month = this_month()
    assert trend[-1][0] == f"{bangla_month(month.month)} {month.year}"
    assert trend[-1][1] == 5 and isinstance(trend[-1][1], int)


# --- Pages around the report ------------------------------------------------------------------------------


def test_the_report_pages_in_bangla_show_progress_and_months_in_bangla_digits(world, client):  # noqa: F811
    job = reports.report_request(actor=world.users["mosw"], office_code="MOSW", month=this_month())
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING, progress=30)
    client.force_login(world.users["mosw"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"

    page = client.get(f"/reports/{job.pk}/").content.decode()
    assert '<progress id="report-progress" max="100" value="30">৩০%</progress>' in page
    assert '<span id="report-percent">৩০%</span>' in page
    heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert f"{this_month().year}".translate(BANGLA) in heading and not ASCII_DIGIT.search(heading)

    index = client.get("/reports/").content.decode()
    options = re.findall(r'<option value="(\d{4}-\d{2})"[^>]*>([^<]*)</option>', index)
    assert len(options) == reports.MONTHS_OFFERED
    for value, label in options:  # the value is what the form reads back: ASCII; the label is read: Bangla
        year, month = value.split("-")
        assert label == f"{bangla_month(int(month))} {year}".translate(BANGLA)
    listed = re.search(r"<tbody>(.*?)</tbody>", index, re.S).group(1)
    assert "(৩০%)" in listed
    asked = re.findall(r"<td>([^<]*)</td>", listed)[-1]  # when it was asked for: day, Bangla month, year, time
    assert re.fullmatch(r"[০-৯]{1,2} \S+ [০-৯]{4}, [০-৯]{2}:[০-৯]{2}", asked), asked


def test_the_report_pages_in_english_keep_ascii_digits(world, client):  # noqa: F811
    job = reports.report_request(actor=world.users["mosw"], office_code="MOSW", month=this_month())
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING, progress=30)
    login(client, world.users["mosw"])

    page = client.get(f"/reports/{job.pk}/").content.decode()
    assert '<span id="report-percent">30%</span>' in page
    index = client.get("/reports/").content.decode()
    month = this_month()
    assert f'<option value="{month:%Y-%m}">{ENGLISH_MONTHS[month.month - 1]} {month.year}</option>' in index
    asked = re.findall(r"<td>([^<]*)</td>", re.search(r"<tbody>(.*?)</tbody>", index, re.S).group(1))[-1]
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", asked), asked  # e.g. 29 Nov 2026, 14:05


def test_the_dashboard_csv_keeps_ascii_digits_on_a_bangla_page(world, client):  # noqa: F811
    """A CSV file is read by programs: its figures stay in ASCII digits whatever the page's language."""
    client.force_login(world.users["mosw"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"

    response = client.get("/dashboard/export/totals.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = [row[1] for row in rows[1:]]
    assert "5" in values
    assert all(not BANGLA_DIGIT.search(value) for value in values), values
