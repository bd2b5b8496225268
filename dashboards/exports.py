"""The dashboard's tables, built once from the selectors' figures and then drawn by the page and written
to CSV or XLSX, so a downloaded file has exactly the rows and cells the page shows.

Nothing here reads a grievance: the figures come from the tallies, which hold no complainant data.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.models import Grain
from dashboards.selectors import Dashboard, Figures, Trends
from grs.csv_safety import append_as_text, csv_text
from offices.models import Office

FORMATS = ("csv", "xlsx")

# Kinds of cell, and how each is shown: the page and the files share these. A CODE is text people type
# back (an office's code): a Bangla page keeps its digits ASCII, where it writes a TEXT's in Bangla.
TEXT, CODE, COUNT, DAYS, SHARE, MEAN = "text", "code", "count", "days", "share", "mean"


@dataclass(frozen=True)
class Cell:
    value: object  # str, int, float or None (no figure: nothing to average)
    kind: str = COUNT

    @property
    def text(self) -> str:
        """The cell as the page and the CSV file show it; empty when there is no figure."""
        if self.value is None:
            return ""
        if self.kind == SHARE:
            return f"{self.value * 100:.1f}%"
        if self.kind in (DAYS, MEAN):
            return f"{self.value:g}"
        return str(self.value)

    @property
    def numeric(self) -> bool:
        return self.kind not in (TEXT, CODE)

    @property
    def typed_back(self) -> bool:
        return self.kind == CODE


@dataclass
class Row:
    cells: list[Cell]
    link: str | None = None  # where the row's first cell leads (the drill-down)
    sub: bool = False  # a programme under its category


@dataclass
class Table:
    key: str  # the export's name in the URL
    caption: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    row_headers: int = 1  # leading cells that name the row (<th scope="row">)
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (format, URL), set by the page

    def header_cells(self, row: Row) -> list[Cell]:
        return row.cells[: self.row_headers]

    def data_cells(self, row: Row) -> list[Cell]:
        return row.cells[self.row_headers :]


# --- The figures' columns, in breakdown tables ---------------------------------------------------------

BREAKDOWN: list[tuple[Promise, Callable[[Figures], object], str]] = [
    (gettext_lazy("Received"), lambda f: f.received, COUNT),
    (gettext_lazy("Resolved"), lambda f: f.resolved, COUNT),
    (gettext_lazy("Rejected"), lambda f: f.rejected, COUNT),
    (gettext_lazy("Forwarded out"), lambda f: f.forwarded, COUNT),
    (gettext_lazy("Pending"), lambda f: f.pending, COUNT),
    (gettext_lazy("Overdue"), lambda f: f.overdue, COUNT),
    (gettext_lazy("Appealed"), lambda f: f.appealed, COUNT),
    (gettext_lazy("Average working days to resolve"), lambda f: f.average_days_to_resolve, DAYS),
    (gettext_lazy("Resolved in time"), lambda f: f.resolved_in_time_share, SHARE),
    (gettext_lazy("Satisfaction (mean of 5)"), lambda f: f.satisfaction_mean, MEAN),
]

# The totals, one figure a row.
TOTALS: list[tuple[Promise, Callable[[Figures], object], str]] = [
    (gettext_lazy("Received"), lambda f: f.received, COUNT),
    (gettext_lazy("Resolved"), lambda f: f.resolved, COUNT),
    (gettext_lazy("Rejected"), lambda f: f.rejected, COUNT),
    (gettext_lazy("Closed without action (anonymous)"), lambda f: f.closed, COUNT),
    (gettext_lazy("Forwarded out"), lambda f: f.forwarded, COUNT),
    (gettext_lazy("Pending"), lambda f: f.pending, COUNT),
    (gettext_lazy("Overdue"), lambda f: f.overdue, COUNT),
    (gettext_lazy("Appealed"), lambda f: f.appealed, COUNT),
    (gettext_lazy("Appeals decided"), lambda f: f.appeals_decided, COUNT),
    (gettext_lazy("Marked overdue"), lambda f: f.marked_overdue, COUNT),
    (gettext_lazy("Average working days to resolve"), lambda f: f.average_days_to_resolve, DAYS),
    (gettext_lazy("Resolved in time"), lambda f: f.resolved_in_time_share, SHARE),
    (gettext_lazy("Ratings given"), lambda f: f.satisfaction_count, COUNT),
    (gettext_lazy("Satisfaction (mean of 5)"), lambda f: f.satisfaction_mean, MEAN),
]


def _breakdown_cells(figures: Figures) -> list[Cell]:
    return [Cell(get(figures), kind) for _label, get, kind in BREAKDOWN]


def _breakdown_columns() -> list[str]:
    return [str(label) for label, _get, _kind in BREAKDOWN]


def _figures_table(key: str, caption: str, figures: Figures) -> Table:
    rows = [Row([Cell(str(label), TEXT), Cell(get(figures), kind)]) for label, get, kind in TOTALS]
    return Table(key, caption, [_("Figure"), _("Value")], rows)


def dashboard_tables(dashboard: Dashboard, drill: Callable[[Office], str | None]) -> list[Table]:
    """Every table of the dashboard, in page order. ``drill(office)`` is the URL of an office's own
    dashboard, or None where there is nothing below to drill into."""
    totals = dashboard.totals
    tables = [_figures_table("totals", _("Totals"), totals)]

    count = totals.satisfaction_count
    satisfaction = Table(
        "satisfaction", _("How complainants rated the redress"), [_("Rating"), _("Ratings"), _("Share")]
    )
    for rating in range(5, 0, -1):
        n = totals.ratings[rating - 1]
        satisfaction.rows.append(
            Row(
                [
                    Cell(_("%(rating)s of 5") % {"rating": rating}, TEXT),
                    Cell(n),
                    Cell(round(n / count, 4) if count else None, SHARE),
                ]
            )
        )
    tables.append(satisfaction)

    offices = Table(
        "offices",
        _("By office"),
        [
            _("Office"),
            _("Code"),
            *_breakdown_columns(),
            _("Pending at the office itself"),
            _("Overdue at the office itself"),
        ],
        row_headers=2,
    )
    for row in dashboard.by_office:
        label = row.name if row.subtree else _("%(office)s (this office alone)") % {"office": row.name}
        offices.rows.append(
            Row(
                [
                    Cell(label, TEXT),
                    Cell(row.code, CODE),
                    *_breakdown_cells(row.figures),
                    Cell(row.held.pending),
                    Cell(row.held.overdue),
                ],
                link=drill(row.office) if row.subtree else None,
            )
        )
    tables.append(offices)

    categories = Table(
        "categories",
        _("By category and programme"),
        [_("Category"), _("Programme"), *_breakdown_columns()],
        row_headers=2,
    )
    for category in dashboard.by_category:
        categories.rows.append(Row([Cell(category.name, TEXT), Cell("", TEXT), *_breakdown_cells(category.figures)]))
        for programme in category.programmes:
            categories.rows.append(
                Row(
                    [Cell(category.name, TEXT), Cell(programme.name, TEXT), *_breakdown_cells(programme.figures)],
                    sub=True,
                )
            )
    tables.append(categories)

    channels = Table("channels", _("By channel"), [_("Channel"), *_breakdown_columns()])
    channels.rows = [Row([Cell(row.name, TEXT), *_breakdown_cells(row.figures)]) for row in dashboard.by_channel]
    tables.append(channels)

    districts = Table("districts", _("By district"), [_("District"), *_breakdown_columns()])
    districts.rows = [Row([Cell(row.name, TEXT), *_breakdown_cells(row.figures)]) for row in dashboard.by_district]
    tables.append(districts)

    tables.append(_figures_table("g2p", _("G2P grievances only"), dashboard.g2p))
    return tables


def period_label(interval: str, start: date, end: date) -> str:
    if interval == Grain.MONTH:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(end, "SHORT_DATE_FORMAT"),
    }


def trend_tables(trends: Trends) -> list[Table]:
    """Received vs resolved, marked overdue and satisfaction, one row per week or month, oldest first."""
    weekly = trends.interval == Grain.WEEK
    period = _("Week") if weekly else _("Month")
    flow = Table(
        "received-resolved",
        _("Received and resolved, by week") if weekly else _("Received and resolved, by month"),
        [period, _("Received"), _("Resolved")],
    )
    overdue = Table(
        "overdue",
        _("Marked overdue, by week") if weekly else _("Marked overdue, by month"),
        [period, _("Marked overdue")],
    )
    satisfaction = Table(
        "satisfaction-trend",
        _("Satisfaction, by week") if weekly else _("Satisfaction, by month"),
        [period, _("Ratings given"), _("Satisfaction (mean of 5)")],
    )
    for point in trends.points:
        label = Cell(period_label(trends.interval, point.start, point.end), TEXT)
        f = point.figures
        flow.rows.append(Row([label, Cell(f.received), Cell(f.resolved)]))
        overdue.rows.append(Row([label, Cell(f.marked_overdue)]))
        satisfaction.rows.append(Row([label, Cell(f.satisfaction_count), Cell(f.satisfaction_mean, MEAN)]))
    return [flow, overdue, satisfaction]


FIGURE_TABLES = ("totals", "satisfaction", "offices", "categories", "channels", "districts", "g2p")
TREND_TABLES = ("received-resolved", "overdue", "satisfaction-trend")


# --- Files -------------------------------------------------------------------------------------------


def as_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the Bangla as Bangla. Figures keep ASCII digits on
    a Bangla page too: a CSV file is read by programs, which expect them (the page shows Bangla digits).
    Text that a spreadsheet would run as a formula (an office named ``=HYPERLINK(…)``) starts with ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(str(label)) for label in table.columns])
    for row in table.rows:
        writer.writerow([cell.text if cell.numeric else csv_text(cell.text) for cell in row.cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_XLSX_FORMATS = {SHARE: "0.0%", DAYS: "0.0", MEAN: "0.00", COUNT: "0"}


def as_xlsx(table: Table) -> bytes:
    """One sheet: the header row, then the rows, numbers as numbers (shares as percentages) and text as text,
    never as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.key[:31]
    append_as_text(sheet, table.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        append_as_text(sheet, [cell.value if cell.value != "" else None for cell in row.cells])
        for written, cell in zip(sheet[sheet.max_row], row.cells, strict=True):
            if cell.numeric and cell.value is not None:
                written.number_format = _XLSX_FORMATS[cell.kind]
    sheet.freeze_panes = sheet.cell(row=2, column=table.row_headers + 1)
    for index, label in enumerate(table.columns, start=1):
        width = max([len(str(label)), *(len(row.cells[index - 1].text) for row in table.rows)])
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
