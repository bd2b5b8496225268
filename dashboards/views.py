"""The dashboard pages: figures, breakdowns and trends for the user's scope, and every table as CSV or XLSX.

The scope, the figures and the refusals are the selectors'; this module reads the query, picks the tables
(:mod:`dashboards.exports`) and draws or writes them. A parameter the page cannot read is left out and
named on the page, never a server error.
"""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from dashboards import exports
from dashboards.models import Grain
from dashboards.selectors import (
    TAB_ALL,
    DashboardInputError,
    NoDashboard,
    OfficeOutOfScope,
    Region,
    dashboard_figures,
    dashboard_trends,
)
from grievances.models import GrievanceType
from offices.models import Office

TAB_LABELS = [
    (TAB_ALL, gettext_lazy("All")),
    (GrievanceType.CITIZEN, gettext_lazy("Citizen")),
    (GrievanceType.OFFICIAL, gettext_lazy("Official")),
    (GrievanceType.ANONYMOUS, gettext_lazy("Anonymous")),
]
INTERVALS = {"week": Grain.WEEK, "month": Grain.MONTH}
TRUE, FALSE = ("1", "true", "on", "yes"), ("", "0", "false", "off", "no")


class DashboardQuery(forms.Form):
    """The page's query string. ``from`` and ``to`` are Python keywords, so they are added in __init__."""

    office = forms.CharField(required=False, max_length=40)
    tab = forms.ChoiceField(
        required=False,
        choices=TAB_LABELS,
        error_messages={"invalid_choice": gettext_lazy("There is no tab “%(value)s”; the All tab is shown.")},
    )
    simulated = forms.CharField(required=False)
    interval = forms.ChoiceField(
        required=False,
        choices=[("week", "week"), ("month", "month")],
        error_messages={"invalid_choice": gettext_lazy("Trends are by week or by month; they are shown by month.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bad_date = gettext_lazy("Enter a date as year-month-day, e.g. 2025-01-31.")
        self.fields["from"] = forms.DateField(required=False, error_messages={"invalid": bad_date})
        self.fields["to"] = forms.DateField(required=False, error_messages={"invalid": bad_date})

    def clean_simulated(self) -> bool:
        value = (self.cleaned_data.get("simulated") or "").strip().lower()
        if value in TRUE:
            return True
        if value not in FALSE:
            raise forms.ValidationError(_("The pilot switch is on or off; it is left off."))
        return False

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", _("The end of the date range comes before its start; the end is left open."))
        return data


@dataclass(frozen=True)
class Query:
    """What the page shows, once the query string is read: unreadable parts are left out (``problems``)."""

    office: str | None
    tab: str
    date_from: date | None
    date_to: date | None
    simulated: bool
    interval: str  # "week" or "month"
    problems: list[str]

    @classmethod
    def read(cls, params: QueryDict) -> "Query":
        form = DashboardQuery(params)
        form.is_valid()
        data = form.cleaned_data
        problems = [
            f"{_field_label(name)}: {message}" for name, messages in form.errors.items() for message in messages
        ]
        return cls(
            office=(data.get("office") or "").strip() or None,
            tab=data.get("tab") or TAB_ALL,
            date_from=data.get("from"),
            date_to=data.get("to"),
            simulated=bool(data.get("simulated")),
            interval=data.get("interval") or "month",
            problems=problems,
        )

    def selector_args(self) -> dict:
        return {
            "office_code": self.office,
            "tab": self.tab,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "include_simulated": self.simulated,
        }

    def params(self, **changes) -> dict:
        """The query string of this view with ``changes``, leaving out what is at its default."""
        values = {
            "office": self.office or "",
            "tab": "" if self.tab == TAB_ALL else self.tab,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "simulated": "1" if self.simulated else "",
            "interval": "" if self.interval == "month" else self.interval,
        }
        values.update({k: v or "" for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}

    def url(self, name: str = "dashboards:dashboard", kwargs: dict | None = None, **changes) -> str:
        query = urlencode(self.params(**changes))
        return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


def _field_label(name: str) -> str:
    return {
        "office": _("Office"),
        "tab": _("Tab"),
        "from": _("From"),
        "to": _("To"),
        "simulated": _("Pilot / simulated grievances"),
        "interval": _("Trends by"),
    }.get(name, name)


def _refused(request: HttpRequest, message, status: int) -> HttpResponse:
    return render(request, "dashboards/refused.html", {"message": message, "status": status}, status=status)


def _tables(request: HttpRequest, query: Query, *, figures: bool = True, trends: bool = True):
    """The dashboard's figures and trends as tables; raises the selectors' refusals."""
    dashboard = dashboard_figures(request.user, **query.selector_args()) if figures else None
    trend_data, trend_problem = None, None
    if trends:
        try:
            trend_data = dashboard_trends(request.user, **query.selector_args(), interval=INTERVALS[query.interval])
        except DashboardInputError as error:
            trend_problem = str(error.message)

    def drill(office: Office) -> str | None:
        if dashboard is not None and dashboard.region.office is not None and office.pk == dashboard.region.office.pk:
            return None
        return query.url(office=office.code)

    tables = exports.dashboard_tables(dashboard, drill) if dashboard is not None else []
    trend_tables = exports.trend_tables(trend_data) if trend_data is not None else []
    return dashboard, trend_data, tables, trend_tables, trend_problem


def _scope_name(region: Region) -> str:
    if region.office is not None:
        return region.office.name
    if region.everything:
        return _("Every ministry and division")
    return _("The offices you watch and handle")


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Figures for the user's scope (narrowed by ``office``), with tabs, a date range, the pilot switch,
    breakdowns by office, category, channel and district, G2P, and the trends with their charts."""
    query = Query.read(request.GET)
    try:
        figures, trends, tables, trend_tables, trend_problem = _tables(request, query)
    except NoDashboard as error:
        return _refused(request, error.message, 403)
    except OfficeOutOfScope as error:
        return _refused(request, error.message, 404)
    except DashboardInputError as error:  # the form checks the same things first; kept as a net
        return _refused(request, error.message, 400)
    region = figures.region
    by_key = {table.key: table for table in tables}
    for table in [*tables, *trend_tables]:
        table.downloads = _export_links(query, table.key)
    up = None
    if region.parent is not None:
        up = (region.parent.name, query.url(office=region.parent.code))
    elif query.office:
        up = (_("Your whole dashboard"), query.url(office=None))
    context = {
        "query": query,
        "scope_name": _scope_name(region),
        "region": region,
        "up": up,
        "clear_url": query.url(**{"from": None, "to": None, "simulated": None}),
        "tabs": [(value, label, query.url(tab=value if value != TAB_ALL else None)) for value, label in TAB_LABELS],
        "intervals": [
            ("month", _("By month"), query.url(interval=None)),
            ("week", _("By week"), query.url(interval="week")),
        ],
        "totals": figures.totals,
        "tables": by_key,
        "trend_tables": trend_tables,
        "trend_problem": trend_problem,
        "chart_data": _chart_data(trends, trend_tables) if trends is not None else None,
        "today": timezone.localdate(),
    }
    return render(request, "dashboards/dashboard.html", context)


def _export_links(query: Query, key: str) -> list[tuple[str, str]]:
    return [(fmt.upper(), query.url("dashboards:export", kwargs={"table": key, "fmt": fmt})) for fmt in exports.FORMATS]


def _chart_data(trends, trend_tables) -> dict:
    """What dashboard.js draws: the labels and series of each trend, from the same rows as the tables."""
    labels = [row.cells[0].text for row in trend_tables[0].rows]
    points = [point.figures for point in trends.points]
    return {
        "labels": labels,
        "series": {
            "received": [f.received for f in points],
            "resolved": [f.resolved for f in points],
            "overdue": [f.marked_overdue for f in points],
            "satisfaction": [f.satisfaction_mean for f in points],
        },
        "names": {
            "received": _("Received"),
            "resolved": _("Resolved"),
            "overdue": _("Marked overdue"),
            "satisfaction": _("Satisfaction (mean of 5)"),
        },
    }


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@never_cache
@login_required
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One table of the dashboard, with the page's query, as CSV (UTF-8 with BOM) or XLSX."""
    if fmt not in exports.FORMATS or table not in (*exports.FIGURE_TABLES, *exports.TREND_TABLES):
        raise Http404
    query = Query.read(request.GET)
    if query.problems:
        # A file is kept and passed on: it must be exactly what was asked for, not a guess.
        return HttpResponse("\n".join(query.problems), status=400, content_type="text/plain; charset=utf-8")
    is_trend = table in exports.TREND_TABLES
    try:
        figures, trends, tables, trend_tables, trend_problem = _tables(
            request, query, figures=not is_trend, trends=is_trend
        )
    except NoDashboard as error:
        return _refused(request, error.message, 403)
    except OfficeOutOfScope as error:
        return _refused(request, error.message, 404)
    except DashboardInputError as error:
        return HttpResponse(str(error.message), status=400, content_type="text/plain; charset=utf-8")
    if trend_problem:
        return HttpResponse(trend_problem, status=400, content_type="text/plain; charset=utf-8")
    chosen = next(t for t in [*tables, *trend_tables] if t.key == table)
    region = (figures or trends).region
    body = exports.as_csv(chosen) if fmt == "csv" else exports.as_xlsx(chosen)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, _file_name(chosen, region, query, fmt))
    return response


def _file_name(table, region: Region, query: Query, fmt: str) -> str:
    """e.g. grs-offices-MOSW-citizen-2025-01-01_2025-03-31.csv: the table, the scope, the tab, the range."""
    if region.office is not None:
        scope = region.office.code
    elif region.everything:
        scope = "all"
    else:
        scope = "+".join(unit.office.code for unit in region.units)[:80]
    start = query.date_from.isoformat() if query.date_from else "start"
    end = (query.date_to or timezone.localdate()).isoformat()
    parts = ["grs", table.key, scope]
    if query.tab != TAB_ALL:
        parts.append(query.tab)
    if table.key in exports.TREND_TABLES:
        parts.append(query.interval)
    if query.simulated:
        parts.append("with-pilot")
    return "-".join(parts) + f"-{start}_{end}.{fmt}"
