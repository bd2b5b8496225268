"""Text in a downloaded CSV or XLSX file never runs as a spreadsheet formula.

An administrator (or anyone who can name an office) could type ``=HYPERLINK("http://evil","x")`` as an
office's name: the dashboard's downloads, the pilot report's CSV (written by the same ``as_csv``) and the
monthly report's workbook would hand it to Excel, which runs it. Text that a spreadsheet would read as a
formula gets a leading apostrophe in CSV (OWASP's advice) and is a plain string cell with Excel's quote
prefix in XLSX; figures stay numbers, negative ones included.
"""

import csv
import io

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import reports
from dashboards.exports import COUNT, TEXT, Cell, Row, Table, as_csv, as_xlsx
from grievances.services import grievance_file
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil","x")'
FORMULAS = {
    "F-EQ": HYPERLINK,
    "F-PLUS": "+cmd|' /C calc'!A0",
    "F-MINUS": "-2+3+cmd|' /C calc'!A0",
    "F-AT": "@SUM(1+1)*cmd|' /C calc'!A0",
}
# Office names are stored trimmed, so these reach the files only from other text.
INVISIBLE_START = ["\t=1+1", "\r=1+1", "  =1+1", "\n-1+1"]
HARMLESS = {"F-TEXT": "Upazila Social Services Office, Ulipur", "F-BN": "উপজেলা সমাজসেবা কার্যালয় - উলিপুর"}


@pytest.fixture
def ministry():
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    for code, name in {**FORMULAS, **HARMLESS}.items():
        office = OfficeFactory(code=code, parent=mosw, layer=Office.Layer.DIRECTORATE, name_en=name, name_bn=name)
        grievance_file(type="citizen", office=office, subject="s", description="d", complainant_name="A", channel="web")
    AppointmentFactory(role=Role.FOCAL_POINT, office=mosw, user=UserFactory(username="mosw"))
    return mosw


def download(fmt: str):
    client = Client()
    client.force_login(UserFactory._meta.model.objects.get(username="mosw"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/dashboard/export/offices.{fmt}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_csv_download_puts_an_apostrophe_before_every_formula(ministry):
    rows = list(csv.reader(io.StringIO(download("csv").decode("utf-8-sig"), newline="")))
    by_code = {row[1]: row for row in rows[1:]}
    for code, name in FORMULAS.items():
        assert by_code[code][0] == "'" + name, code
        assert by_code[code][2] == "1"  # the figures beside it are untouched
    for code, name in HARMLESS.items():
        assert by_code[code][0] == name, code


def test_the_xlsx_download_keeps_every_formula_as_text(ministry):
    sheet = load_workbook(io.BytesIO(download("xlsx"))).active
    by_code = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    for code, name in FORMULAS.items():
        cell = by_code[code][0]
        assert cell.value == name, code  # shown as typed, as on the page
        assert cell.data_type == "s", f"{code} is a {cell.data_type!r} cell, not text"
        assert cell.quotePrefix, code  # Excel's leading apostrophe: editing the cell keeps it text
        assert by_code[code][2].value == 1 and by_code[code][2].data_type == "n"
    for code, name in HARMLESS.items():
        assert (by_code[code][0].value, by_code[code][0].data_type) == (name, "s")


def test_the_dashboard_page_shows_the_name_as_typed(ministry):
    client = Client()
    client.force_login(UserFactory._meta.model.objects.get(username="mosw"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/dashboard/").content.decode()
    assert "=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)" in page
    assert "'=HYPERLINK" not in page and "&#x27;=HYPERLINK" not in page


def test_numbers_stay_numbers_and_text_that_looks_like_one_is_text():
    """Every CSV export (the dashboard's, the pilot report's) goes through ``as_csv``; the XLSX through
    ``as_xlsx``: a figure of -3 stays a number, an office named "-3" stays a name."""
    table = Table(
        "offices",
        "By office",
        ["Office", "Change"],
        [
            Row([Cell("-3", TEXT), Cell(-3, COUNT)]),
            Row([Cell(HYPERLINK, TEXT), Cell(-12.5, COUNT)]),
            *[Row([Cell(text, TEXT), Cell(0, COUNT)]) for text in INVISIBLE_START],
        ],
    )
    rows = list(csv.reader(io.StringIO(as_csv(table).decode("utf-8-sig"), newline="")))
    assert rows[1:3] == [["'-3", "-3"], ["'" + HYPERLINK, "-12.5"]]
    assert [row[0] for row in rows[3:]] == ["'" + text for text in INVISIBLE_START]
    sheet = load_workbook(io.BytesIO(as_xlsx(table))).active
    (name, figure), (link, other), *rest = sheet.iter_rows(min_row=2)
    assert (name.value, name.data_type, figure.value, figure.data_type) == ("-3", "s", -3, "n")
    assert (link.value, link.data_type, other.value, other.data_type) == (HYPERLINK, "s", -12.5, "n")
    assert all(row[0].data_type == "s" and row[0].quotePrefix for row in rest)


def test_the_monthly_reports_workbook_keeps_office_names_as_text(ministry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    Office.objects.filter(pk=ministry.pk).update(name_en=HYPERLINK, name_bn=HYPERLINK)
    user = UserFactory._meta.model.objects.get(username="mosw")
    job = reports.report_request(actor=user, office_code="MOSW", month=timezone.localdate().replace(day=1))
    job = reports.report_generate(job_id=job.pk)
    assert job.error == ""
    with job.xlsx.open("rb") as f:
        book = load_workbook(io.BytesIO(f.read()))
    title = book["Summary"]["A1"]
    assert title.value.startswith(HYPERLINK) and title.data_type == "s" and title.quotePrefix
    names = {row[0].value: row[0] for row in book["Offices"].iter_rows(min_row=3)}
    for name in FORMULAS.values():
        assert names[name].data_type == "s" and names[name].quotePrefix, repr(name)
