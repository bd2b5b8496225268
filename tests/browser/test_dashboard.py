"""A ministry's focal point reads the dashboard in a real browser: switches tabs, sees the trend chart drawn
beside its table, drills down, and downloads a table as CSV whose rows are the page's."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grievances.services import grievance_accept, grievance_file, grievance_resolve
from offices.models import Office, Role
from tests.factories import AppointmentFactory, CharterServiceFactory, OfficeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chart.js draws "received" in the brand green (static/js/dashboard.js).
RECEIVED_RGB = (0x00, 0x6A, 0x4E)


@pytest.fixture
def ministry():
    mosw = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare")
    dss = OfficeFactory(
        code="DSS", parent=mosw, layer=Office.Layer.DIRECTORATE, name_en="Department of Social Services"
    )
    kurigram = OfficeFactory(
        code="DSS-KURIGRAM",
        parent=dss,
        layer=Office.Layer.DISTRICT,
        name_en="District Social Services Office, Kurigram",
    )
    allowance = CharterServiceFactory(office=kurigram, name_en="Old age allowance")
    gro = AppointmentFactory(role=Role.GRO, office=kurigram).user
    AppointmentFactory(role=Role.FOCAL_POINT, office=mosw, user=UserFactory(username="mosw"))

    def file(office, type="citizen", **kwargs):
        identity = (
            {} if type == "anonymous" else {"complainant_name": "Amena Begum", "complainant_phone": "01712345678"}
        )
        return grievance_file(
            type=type, office=office, subject="Allowance", description="Not paid.", **identity, **kwargs
        )

    for _i in range(3):
        file(kurigram, service=allowance)
    file(dss)
    file(dss, type="anonymous")
    done = file(kurigram).grievance
    grievance_accept(grievance_id=done.pk, actor=gro)
    grievance_resolve(grievance_id=done.pk, actor=gro, resolution="Paid.")


def table_rows(page, key: str) -> list[list[str]]:
    """The page's table, header first, as the text of each cell ("—", no figure, as an empty cell)."""
    return page.locator(f'table[data-table="{key}"]').evaluate(
        """table => [...table.rows].map(row => [...row.cells].map(cell => {
            const text = cell.innerText.trim().replace(/\\s+/g, " ");
            return text === "—" ? "" : text;
        }))"""
    )


def test_a_focal_point_switches_tabs_sees_the_chart_and_downloads_a_table(page, ministry, tmp_path):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.get_by_label("Username").fill("mosw")
    page.get_by_label("Password").fill("pass-1234")
    page.get_by_role("button", name="Sign in").last.click()
    page.wait_for_url("**/")

    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Dashboard: Ministry of Social Welfare")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Type of grievance")
    expect(tabs.get_by_role("link", name="All")).to_have_attribute("aria-current", "page")
    totals = page.locator('table[data-table="totals"]')
    expect(totals.get_by_role("row", name="Received")).to_contain_text("6")

    tabs.get_by_role("link", name="Anonymous").click()
    page.wait_for_url("**/dashboard/?tab=anonymous")
    expect(tabs.get_by_role("link", name="Anonymous")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="All")).not_to_have_attribute("aria-current", "page")
    expect(totals.get_by_role("row", name="Received")).to_contain_text("1")

    tabs.get_by_role("link", name="Citizen").click()
    page.wait_for_url("**/dashboard/?tab=citizen")
    expect(totals.get_by_role("row", name="Received")).to_contain_text("5")

    # The chart is drawn: the received bars' green is on the canvas; its table is beside it.
    chart = page.locator('.chart[data-chart="received-resolved"]')
    expect(chart).to_have_class("chart drawn")
    chart.scroll_into_view_if_needed()
    green = page.locator("#chart-received-resolved").evaluate(
        """(canvas, rgb) => {
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let green = 0, painted = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i + 3] > 0) painted++;
                const opaque = data[i + 3] === 255;
                if (opaque && data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) green++;
            }
            return {green, painted};
        }""",
        list(RECEIVED_RGB),
    )
    assert green["painted"] > 1000 and green["green"] > 50, green
    trend = table_rows(page, "received-resolved")
    assert trend[0] == ["Month", "Received", "Resolved"]
    assert trend[-1][1:] == ["5", "1"]  # this month: filed and resolved today
    expect(page.locator('table[data-table="received-resolved"] caption')).to_have_text(
        "Received and resolved, by month"
    )

    # Drill down to the directorate, then download its offices' table.
    page.locator('table[data-table="offices"]').get_by_role("link", name="Department of Social Services").click()
    page.wait_for_url("**/dashboard/?office=DSS&tab=citizen")
    expect(page.get_by_role("link", name="Up to Ministry of Social Welfare")).to_be_visible()
    shown = table_rows(page, "offices")
    assert [row[1] for row in shown[1:]] == ["DSS", "DSS-KURIGRAM"]
    with page.expect_download() as download_info:
        page.locator("#table-offices").get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("grs-offices-DSS-citizen-start_")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    body = Path(saved).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == shown
