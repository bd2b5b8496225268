"""Every table of the dashboard downloads as CSV and XLSX with the page's rows, Bangla-safe, named by scope
and range, and without a trace of any complainant."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from dashboards.exports import FIGURE_TABLES, TREND_TABLES
from grievances.services import grievance_accept, grievance_feedback, grievance_file, grievance_resolve
from offices.models import Office
from tests.dashboards.test_demo_scopes import demo  # noqa: F401 - the module's seeded world
from tests.dashboards.test_pages import page_tables, signed_in

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
EVERY_TABLE = (*FIGURE_TABLES, *TREND_TABLES)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def page_rows(html: str, key: str) -> list[list[str]]:
    """The page's table as a file would have it: header first; "—" (no figure) is an empty cell."""
    table = page_tables(html).tables[key]
    rows = table["rows"]
    if len(rows) == 1 and len(rows[0]) == 1:  # "Nothing to show"
        rows = []
    return [table["head"], *[["" if cell == "—" else cell for cell in row] for row in rows]]


def as_text(value) -> str:
    return "" if value is None else str(value)


def as_shown(value, page_cell: str) -> str:
    """An XLSX cell as the page shows it: numbers are numbers there, shares fractions."""
    if isinstance(value, int | float) and page_cell.endswith("%"):
        return f"{value * 100:.1f}%"
    return f"{value:g}" if isinstance(value, float) else as_text(value)


QUERIES = [
    {},
    {"tab": "citizen", "from": "2020-01-01", "interval": "week", "office": "DSS"},
    {"simulated": "1", "to": "2099-12-31"},
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("username", ["cabinet", "mosw", "gro-dss-kurigram"])
def test_every_table_downloads_as_csv_with_the_rows_of_the_page(client, username, query):
    if username == "gro-dss-kurigram" and query.get("office") == "DSS":
        query = {**query, "office": "DSS-KURIGRAM"}
    signed_in(client, username)
    html = client.get(URL, query).content.decode()
    for key in EVERY_TABLE:
        links = page_tables(html).tables  # the page offers each table's download
        assert key in links, key
        response = client.get(f"/dashboard/export/{key}.csv", query)
        assert response.status_code == 200, (key, response.content)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert csv_rows(response) == page_rows(html, key), key


def test_the_page_links_each_download_with_its_own_query(client):
    signed_in(client, "mosw")
    html = client.get(URL, {"tab": "citizen", "from": "2024-01-01"}).content.decode()
    for key in EVERY_TABLE:
        for fmt in ("csv", "xlsx"):
            assert f'href="/dashboard/export/{key}.{fmt}?tab=citizen&amp;from=2024-01-01" download' in html, (key, fmt)


def test_every_table_downloads_as_xlsx_with_the_same_cells_numbers_as_numbers(client):
    signed_in(client, "cabinet")
    html = client.get(URL, {"simulated": "1"}).content.decode()
    for key in EVERY_TABLE:
        response = client.get(f"/dashboard/export/{key}.xlsx", {"simulated": "1"})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        rows = xlsx_rows(response)
        expected = page_rows(html, key)
        assert rows[0] == expected[0], key
        shown = [
            [as_shown(value, page_cell) for value, page_cell in zip(row, page_row, strict=True)]
            for row, page_row in zip(rows[1:], expected[1:], strict=True)
        ]
        assert shown == expected[1:], key
    totals = dict(xlsx_rows(client.get("/dashboard/export/totals.xlsx"))[1:])
    assert totals["Received"] == 17 and isinstance(totals["Received"], int)


def test_file_names_say_the_table_scope_tab_and_range(client):
    signed_in(client, "mosw")
    response = client.get(
        "/dashboard/export/offices.csv", {"office": "DSS", "tab": "citizen", "from": "2024-01-01", "to": "2024-03-31"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="grs-offices-DSS-citizen-2024-01-01_2024-03-31.csv"'
    response = client.get("/dashboard/export/received-resolved.xlsx", {"interval": "week", "to": "2024-03-31"})
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="grs-received-resolved-MOSW-week-start_2024-03-31.xlsx"'
    )
    signed_in(client, "cabinet")
    response = client.get("/dashboard/export/totals.csv", {"simulated": "1", "from": "2024-01-01", "to": "2024-01-31"})
    assert (
        response["Content-Disposition"] == 'attachment; filename="grs-totals-all-with-pilot-2024-01-01_2024-01-31.csv"'
    )


def test_bangla_headers_and_names_survive_the_csv(client):
    client.force_login(get_user_model().objects.get(username="mosw"))
    rows = csv_rows(client.get("/dashboard/export/offices.csv"))
    mosw = Office.objects.get(code="MOSW")
    assert rows[1][1] == "MOSW" and rows[1][0].startswith(mosw.name_bn)
    assert any("\u0980" <= ch <= "\u09ff" for ch in rows[0][0])  # the header is Bangla too


def test_no_export_carries_any_complainant_data(client):
    """A grievance with an unmistakable complainant, resolved and rated: none of it reaches a file."""
    gro = get_user_model().objects.get(username="gro-dss-kurigram")
    kurigram = Office.objects.get(code="DSS-KURIGRAM")
    filed = grievance_file(
        type="citizen",
        office=kurigram,
        subject="Zubaida Quxlrtn's allowance",
        description="Written by Zubaida Quxlrtn at 01799-887766.",
        complainant_name="Zubaida Quxlrtn",
        complainant_phone="+8801799887766",
        complainant_email="zubaida.quxlrtn@example.org",
        complainant_address="Village Xyzzyplugh, Ulipur",
    ).grievance
    grievance_accept(grievance_id=filed.pk, actor=gro)
    grievance_resolve(grievance_id=filed.pk, actor=gro, resolution="Paid to Zubaida Quxlrtn")
    grievance_feedback(
        number=filed.tracking_number, rating=5, comment="Thanks, Zubaida Quxlrtn", phone="+8801799887766"
    )
    traces = ["Quxlrtn", "Zubaida", "1799887766", "799-887766", "quxlrtn@", "Xyzzyplugh", filed.tracking_number]
    for username in ("cabinet", "mosw", "gro-dss-kurigram"):
        signed_in(client, username)
        html = client.get(URL).content.decode()
        assert not [t for t in traces if t in html], username
        for key in EVERY_TABLE:
            for fmt in ("csv", "xlsx"):
                response = client.get(f"/dashboard/export/{key}.{fmt}")
                assert response.status_code == 200
                if fmt == "csv":
                    text = "\n".join(",".join(row) for row in csv_rows(response))
                else:
                    text = "\n".join(",".join(as_text(v) for v in row) for row in xlsx_rows(response))
                assert not [t for t in traces if t in text], (username, key, fmt)
    # ... while the figures did count it.
    signed_in(client, "gro-dss-kurigram")
    satisfaction = csv_rows(client.get("/dashboard/export/satisfaction.csv"))
    assert satisfaction[1][:2] == ["5 of 5", "1"]


def test_exports_refuse_what_the_page_refuses(client):
    signed_in(client, "mosw")
    assert client.get("/dashboard/export/offices.csv", {"office": "MOFOOD"}).status_code == 404
    assert client.get("/dashboard/export/nothing.csv").status_code == 404
    assert client.get("/dashboard/export/offices.pdf").status_code == 404
    bad = client.get("/dashboard/export/offices.csv", {"from": "2024-13-01"})
    assert bad.status_code == 400 and "Enter a date as year-month-day" in bad.content.decode()
    too_long = client.get("/dashboard/export/overdue.csv", {"from": "1990-01-01", "interval": "week"})
    assert too_long.status_code == 400
    client.logout()
    assert client.get("/dashboard/export/offices.csv").status_code == 302
