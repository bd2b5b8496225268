"""Dashboard figures and trends, read from the tallies only and scoped to the user.

Every figure comes from :mod:`dashboards.models`' tallies in a fixed number of grouped queries, whatever
the number of grievances; no query here reads the grievance table. A scope reads the subtree rows of the
offices it is made of (and, for the drill-down, of their children), not the rows of every office below.

**Scope.** A Cabinet Division monitor sees every office; a focal point the subtree of each office they
watch; a GRO or Appeal Officer the office they handle (that office alone). ``office_code`` narrows the
scope to that office's subtree (to the office alone when the user only handles it); an office outside
the scope is answered like one that does not exist (404).

**Date range** (``date_from``/``date_to``, inclusive Asia/Dhaka dates, either may be left open):

* flows — received, resolved, rejected, closed, forwarded, appealed, appeals decided, marked overdue,
  working days to resolve, resolved in time, satisfaction — count what *happened* in the range (the
  event's date; a filing's date is the day it was submitted);
* stocks — pending, overdue — count the grievances *filed* in the range that are, today, still open
  (pending) and past their deadline (overdue) at an office in the scope.

**The tally rule**: a grievance counts as pending for the office holding it until that office forwards
or settles it. Within a scope, ``received`` counts what was filed in it or forwarded into it from outside,
``forwarded`` what it forwarded outside itself: a forwarding between two offices of the scope moves the
grievance without being received or forwarded twice.

**Working days to resolve** and **resolved in time** run on the citizen's clock: from the day it was
filed (never reset by forwarding) to its resolution, and "in time" means by the date the filing office's
charter promised.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from charters.models import SOCIAL_PROTECTION, Programme, ServiceCategory
from dashboards.models import Family, FlowKind, FlowTally, Grain, SettledOrOpen, StateTally
from dashboards.tally import period_start
from grievances.models import Channel, GrievanceType
from grievances.workflow import OPEN_STATUSES
from grs import errors
from grs.i18n import localized_name
from offices.models import PATH_STEP, AdminUnit, Office
from offices.selectors import scope_of

TAB_ALL = "all"
TABS = (TAB_ALL, *GrievanceType.values)
INTERVALS = (Grain.WEEK, Grain.MONTH)
# A trend longer than this many periods is refused: ten years of weeks.
MAX_TREND_PERIODS = 520


class DashboardInputError(errors.ValidationError):
    code = "invalid"


class OfficeOutOfScope(errors.NotFound):
    """An office outside the user's dashboard answers like one that does not exist."""

    code = "not_found"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or gettext_lazy("No office with this code is in your dashboard."), **kwargs)


class NoDashboard(errors.DomainError):
    code = "no_dashboard"
    http_status = 403


# --- Figures ---------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The same figures for any slice of a scope: the totals, an office row, a category, a channel ..."""

    received: int = 0
    resolved: int = 0
    rejected: int = 0
    closed: int = 0
    forwarded: int = 0
    appealed: int = 0
    appeals_decided: int = 0
    marked_overdue: int = 0
    pending: int = 0
    overdue: int = 0
    resolution_days: int = 0
    resolved_in_time: int = 0
    ratings: list[int] = field(default_factory=lambda: [0] * 5)

    @property
    def average_days_to_resolve(self) -> float | None:
        return round(self.resolution_days / self.resolved, 1) if self.resolved else None

    @property
    def resolved_in_time_share(self) -> float | None:
        return round(self.resolved_in_time / self.resolved, 4) if self.resolved else None

    @property
    def satisfaction_count(self) -> int:
        return sum(self.ratings)

    @property
    def satisfaction_mean(self) -> float | None:
        count = self.satisfaction_count
        return round(sum(r * n for r, n in enumerate(self.ratings, start=1)) / count, 2) if count else None

    def add_state(self, status: str, overdue: bool, n: int) -> None:
        # Breakdown families keep only "open" or "settled" (dashboards.models.SettledOrOpen).
        if status in OPEN_STATUSES or status == SettledOrOpen.OPEN:
            self.pending += n
            if overdue:
                self.overdue += n

    def add_flow(self, kind: str, rating: int, internal: bool, n: int, days: int, in_time: int) -> None:
        if kind == FlowKind.FILED or (kind == FlowKind.FORWARDED_IN and not internal):
            self.received += n
        elif kind == FlowKind.FORWARDED_OUT and not internal:
            self.forwarded += n
        elif kind == FlowKind.RESOLVED:
            self.resolved += n
            self.resolution_days += days
            self.resolved_in_time += in_time
        elif kind == FlowKind.FEEDBACK and 1 <= rating <= 5:
            self.ratings[rating - 1] += n
        elif kind in _SIMPLE_FLOWS:
            setattr(self, _SIMPLE_FLOWS[kind], getattr(self, _SIMPLE_FLOWS[kind]) + n)

    def as_dict(self) -> dict:
        """The figures as the API and the pages show them."""
        return {
            "received": self.received,
            "resolved": self.resolved,
            "rejected": self.rejected,
            "closed": self.closed,
            "forwarded": self.forwarded,
            "pending": self.pending,
            "overdue": self.overdue,
            "appealed": self.appealed,
            "appeals_decided": self.appeals_decided,
            "marked_overdue": self.marked_overdue,
            "average_days_to_resolve": self.average_days_to_resolve,
            "resolved_in_time": self.resolved_in_time,
            "resolved_in_time_share": self.resolved_in_time_share,
            "satisfaction": {
                "mean": self.satisfaction_mean,
                "count": self.satisfaction_count,
                "distribution": {str(r): n for r, n in enumerate(self.ratings, start=1)},
            },
        }


_SIMPLE_FLOWS = {
    FlowKind.REJECTED: "rejected",
    FlowKind.CLOSED: "closed",
    FlowKind.APPEALED: "appealed",
    FlowKind.APPEAL_DECIDED: "appeals_decided",
    FlowKind.OVERDUE: "marked_overdue",
}


# --- Scope -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """An office and, when ``subtree``, everything below it."""

    office: Office
    subtree: bool


@dataclass(frozen=True)
class Region:
    """The offices a dashboard counts: ``everything``, or the disjoint ``units``. ``office`` is the office
    the dashboard is about (None for several at once, or everything); ``parent`` the office one level up
    that is still in the user's scope, for a way back up the drill-down."""

    everything: bool = False
    units: tuple[Unit, ...] = ()
    office: Office | None = None
    parent: Office | None = None


def dashboard_region(user, office_code: str | None = None) -> Region:
    """The offices ``user`` may see on a dashboard, narrowed to ``office_code``'s subtree if given.

    Raises :class:`NoDashboard` (403) for users whose appointments give no dashboard, and
    :class:`OfficeOutOfScope` (404) for an office that does not exist or lies outside the scope.
    """
    scope = scope_of(user)
    if not (scope.everything or scope.subtree_paths or scope.handling):
        raise NoDashboard(_("Your appointments give you no dashboard."))
    watched = tuple(Office.objects.filter(path__in=scope.subtree_paths).order_by("path"))
    if office_code is not None:
        code = office_code.strip().upper()
        office = Office.objects.filter(code=code).first()
        if office is None:
            raise OfficeOutOfScope()
        if scope.everything or any(office.path.startswith(w.path) for w in watched):
            parent = office.parent if office.parent_id else None
            if parent is not None and not (scope.everything or any(parent.path.startswith(w.path) for w in watched)):
                parent = None
            return Region(units=(Unit(office, subtree=True),), office=office, parent=parent)
        if office.pk in scope.handling:
            return Region(units=(Unit(office, subtree=False),), office=office)
        raise OfficeOutOfScope()
    if scope.everything:
        return Region(everything=True)
    handled = [
        office
        for office in Office.objects.filter(pk__in=sorted(scope.handling)).order_by("path")
        if not any(office.path.startswith(w.path) for w in watched)
    ]
    units = tuple(Unit(office, subtree=True) for office in watched) + tuple(
        Unit(office, subtree=False) for office in handled
    )
    units = tuple(sorted(units, key=lambda unit: unit.office.path))
    return Region(units=units, office=units[0].office if len(units) == 1 else None)


# --- SQL over the tallies --------------------------------------------------------------------------
# Raw SQL because each figure set is one grouped query over a tally joined to the office tree (and, for
# districts, to the geography), with CASE expressions that put each office in the row it counts for.
# Only column and table names of our own models are interpolated; every value is a parameter.


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


T_STATE, T_FLOW = _q(StateTally._meta.db_table), _q(FlowTally._meta.db_table)
T_OFFICE, T_AREA = _q(Office._meta.db_table), _q(AdminUnit._meta.db_table)


def _within(alias: str, unit: Unit) -> tuple[str, list]:
    """``alias`` (an office) is in ``unit``: an index-served prefix match on the path for a subtree."""
    if not unit.subtree:
        return f"{alias}.id = %s", [unit.office.pk]
    if connection.vendor == "sqlite":
        # SQLite's LIKE cannot use the index; every path with the prefix sorts in this range, and only those.
        return f"({alias}.path >= %s AND {alias}.path < %s)", [unit.office.path, unit.office.path + "~"]
    return f"{alias}.path LIKE %s", [unit.office.path + "%"]


def _in_region(alias: str, region: Region) -> tuple[str, list]:
    if region.everything:
        return f"{alias}.id IS NOT NULL", []
    parts, params = [], []
    for unit in region.units:
        sql, unit_params = _within(alias, unit)
        parts.append(sql)
        params.extend(unit_params)
    return "(" + " OR ".join(parts) + ")", params


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def period_runs(date_from: date | None, date_to: date | None) -> list[tuple[str, date, date]]:
    """The inclusive range as runs of whole periods: (grain, first period start, last period start).

    Whole years and months where they fit, days at the edges: a range of any length reads at most a
    few dozen periods per office and dimension. An open end reaches as far as the tallies go.
    """
    first, last = date_from or date.min, date_to or date.max
    runs: list[tuple[str, date, date]] = []
    if first.day != 1:
        end = min(last, _month_end(first))
        runs.append((Grain.DAY, first, end))
        if end == last:
            return runs
        first = end + timedelta(days=1)
    first_month = _month_index(first)
    last_month = _month_index(last) - (0 if last == _month_end(last) else 1)  # the last whole month
    if last_month >= first_month:
        first_year, last_year = (first_month + 11) // 12, (last_month + 1) // 12 - 1
        if first_year <= last_year:
            if first_month < first_year * 12:
                runs.append((Grain.MONTH, _month_start(first_month), _month_start(first_year * 12 - 1)))
            runs.append((Grain.YEAR, date(first_year, 1, 1), date(last_year, 1, 1)))
            if (last_year + 1) * 12 <= last_month:
                runs.append((Grain.MONTH, _month_start((last_year + 1) * 12), _month_start(last_month)))
        else:
            runs.append((Grain.MONTH, _month_start(first_month), _month_start(last_month)))
    if last != _month_end(last):
        runs.append((Grain.DAY, max(first, last.replace(day=1)), last))
    return runs


def _periods(date_from: date | None, date_to: date | None) -> tuple[str, list]:
    """``t`` lies in the range (see :func:`period_runs`)."""
    parts, params = [], []
    for grain, start, end in period_runs(date_from, date_to):
        parts.append("(t.grain = %s AND t.period >= %s AND t.period <= %s)")
        params.extend([grain, start, end])
    return "(" + " OR ".join(parts) + ")", params


def _month_end(day: date) -> date:
    if day.month == 12:
        return date(day.year, 12, 31)
    return date(day.year, day.month + 1, 1) - timedelta(days=1)


# Which tally rows a query reads: (office id, subtree) pairs, each the office's subtree rows or its own.
Reads = tuple[tuple[int, bool], ...]


def _top_offices() -> list[Office]:
    return list(Office.objects.filter(depth=1).order_by("path"))


def _scope_reads(region: Region, top: list[Office] | None = None) -> Reads:
    """The rows that add up to the whole scope: each top office's subtree for everything, else each unit."""
    if region.everything:
        return tuple((office.pk, True) for office in (top if top is not None else _top_offices()))
    return tuple((unit.office.pk, unit.subtree) for unit in region.units)


def _reads_sql(reads: Reads) -> tuple[str, list]:
    parts, params = [], []
    for subtree in (True, False):
        ids = sorted({office_id for office_id, whole in reads if whole is subtree})
        if ids:
            parts.append(f"(t.subtree = %s AND t.office_id IN ({', '.join(['%s'] * len(ids))}))")
            params.extend([subtree, *ids])
    return ("(" + " OR ".join(parts) + ")", params) if parts else ("1 = 0", [])


@dataclass(frozen=True)
class _Filters:
    region: Region
    tab: str
    include_simulated: bool
    periods: tuple[str, list]
    reads: Reads

    def where(self, family: str, reads: Reads | None = None) -> tuple[str, list]:
        period_sql, period_params = self.periods
        reads_sql, reads_params = _reads_sql(self.reads if reads is None else reads)
        parts, params = ["t.family = %s", period_sql, reads_sql], [family, *period_params, *reads_params]
        if self.tab != TAB_ALL:
            parts.append("t.type = %s")
            params.append(self.tab)
        if not self.include_simulated:
            parts.append("t.simulated = %s")
            params.append(False)
        return " AND ".join(parts), params


KeySql = Callable[[str], tuple[str, list]]


@dataclass(frozen=True)
class _Grouping:
    """How a breakdown sorts tally rows into its rows. ``row_key`` is the SQL of a tally row's key, over the
    tally ``t`` and its office ``o`` (joined when ``by_office``); ``other_key(alias)``, when given, the key
    that a forwarding's other office (``c``) falls in, so that a forwarding within one row is not counted
    as received or forwarded by it; ``joins(alias)`` the joins that expression needs."""

    row_key: str
    columns: int = 1
    by_office: bool = False
    other_key: KeySql | None = None
    joins: Callable[[str], str] | None = None


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(p) if isinstance(p, date) else p for p in params])
        return cursor.fetchall()


def _office_join(group: _Grouping) -> str:
    return f"JOIN {T_OFFICE} o ON o.id = t.office_id" if group.by_office else ""


def _state_rows(filters: _Filters, family: str, group: _Grouping, reads: Reads | None = None) -> list[tuple]:
    """(key..., own, status, overdue, n): ``own`` is 1 for an office's own row, 0 for its subtree's."""
    where, where_params = filters.where(family, reads)
    groups = ", ".join(str(i) for i in range(1, group.columns + 4))
    sql = (
        f"SELECT {group.row_key}, CASE WHEN t.subtree THEN 0 ELSE 1 END, t.status, t.overdue, SUM(t.n) "  # noqa: S608 - our own names only
        f"FROM {T_STATE} t {_office_join(group)} WHERE {where} GROUP BY {groups}"
    )
    return _run(sql, where_params)


def _flow_rows(filters: _Filters, family: str, group: _Grouping, reads: Reads | None = None) -> list[tuple]:
    """(key..., kind, rating, inside_row, inside_scope, n, days, in_time): ``inside_scope`` is 1 for a
    forwarding to or from another office of the scope, ``inside_row`` for one within the same row."""
    scope_sql, scope_params = _in_region("c", filters.region)
    if group.other_key is not None:
        other_sql, other_params = group.other_key("c")
        inside_row = f"CASE WHEN {scope_sql} AND ({other_sql}) = ({group.row_key}) THEN 1 ELSE 0 END"
        row_params = [*scope_params, *other_params]
    else:
        inside_row, row_params = f"CASE WHEN {scope_sql} THEN 1 ELSE 0 END", list(scope_params)
    inside_scope = f"CASE WHEN {scope_sql} THEN 1 ELSE 0 END"
    joins = group.joins("c") if group.joins else ""
    where, where_params = filters.where(family, reads)
    groups = ", ".join(str(i) for i in range(1, group.columns + 5))
    sql = (
        f"SELECT {group.row_key}, t.kind, t.rating, {inside_row}, {inside_scope}, "  # noqa: S608 - our own names only
        f"SUM(t.n), SUM(t.days), SUM(t.in_time) FROM {T_FLOW} t {_office_join(group)} "
        f"LEFT JOIN {T_OFFICE} c ON c.id = t.counterpart {joins} WHERE {where} GROUP BY {groups}"
    )
    return _run(sql, [*row_params, *scope_params, *where_params])


def _key(row: tuple, columns: int):
    return row[0] if columns == 1 else tuple(row[:columns])


def _add_states(rows: list[tuple], columns: int, figures_for: Callable[[object, bool], list[Figures]]) -> None:
    """``figures_for(key, own)``: the figures a row counts in; ``own`` for an office's own row."""
    for row in rows:
        own, status, overdue, n = row[columns:]
        for figures in figures_for(_key(row, columns), bool(own)):
            figures.add_state(status, bool(overdue), int(n or 0))


def _add_flows(rows: list[tuple], columns: int, figures_for: Callable[[object], list[tuple[Figures, bool]]]) -> None:
    """``figures_for(key)`` answers [(figures, whole_scope)]: whether a forwarding counts as internal
    when it stays in the row (False) or anywhere in the scope (True)."""
    for row in rows:
        kind, rating, inside_row, inside_scope, n, days, in_time = row[columns:]
        for figures, whole_scope in figures_for(_key(row, columns)):
            internal = bool(inside_scope if whole_scope else inside_row)
            figures.add_flow(kind, int(rating or 0), internal, int(n or 0), int(days or 0), int(in_time or 0))


# --- The dashboard ---------------------------------------------------------------------------------


@dataclass
class OfficeRow:
    """One row of the drill-down: ``office`` alone (``subtree`` False) or with everything below it.
    ``held`` counts what the office itself holds (the tally rule: pending and overdue only)."""

    office: Office
    subtree: bool
    figures: Figures = field(default_factory=Figures)
    held: Figures = field(default_factory=Figures)

    @property
    def code(self) -> str:
        return self.office.code

    @property
    def name(self) -> str:
        return localized_name(self.office)


@dataclass
class ProgrammeRow:
    """A programme of a category; ``code`` None for the category's grievances not tied to a programme."""

    code: str | None
    name: str
    g2p: bool
    figures: Figures = field(default_factory=Figures)


@dataclass
class CategoryRow:
    """A service category (``slug`` None for grievances not filed about a charter service), with its
    programmes."""

    slug: str | None
    name: str
    figures: Figures = field(default_factory=Figures)
    programmes: list[ProgrammeRow] = field(default_factory=list)


@dataclass
class ChannelRow:
    channel: str
    name: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class DistrictRow:
    area: AdminUnit
    figures: Figures = field(default_factory=Figures)

    @property
    def name(self) -> str:
        return localized_name(self.area)


@dataclass
class Dashboard:
    """Everything a dashboard shows for one scope, tab, date range and simulated switch."""

    region: Region
    tab: str
    date_from: date | None
    date_to: date | None
    include_simulated: bool
    totals: Figures
    by_office: list[OfficeRow]
    by_category: list[CategoryRow]
    by_channel: list[ChannelRow]
    by_district: list[DistrictRow]
    g2p: Figures


def _check_inputs(tab: str, date_from: date | None, date_to: date | None) -> None:
    if tab not in TABS:
        raise DashboardInputError(_("Choose one of the tabs: %(tabs)s.") % {"tabs": ", ".join(TABS)}, field="tab")
    if date_from and date_to and date_from > date_to:
        raise DashboardInputError(_("The end of the date range comes before its start."), field="to")


def _office_grouping(filters: _Filters, top: list[Office] | None) -> tuple[_Grouping, list[OfficeRow], Reads]:
    """The drill-down rows, how a forwarding's other office falls into them, and the rows they read: every
    top-level office for everything, the office itself and each of its children for one subtree, else each
    unit of the scope. The rows partition the scope, and each is keyed by its office's path."""
    region = filters.region
    if region.everything:
        rows = [OfficeRow(office, True) for office in top or []]
        other: KeySql = lambda a: (f"substr({a}.path, 1, %s)", [PATH_STEP])  # noqa: E731
    elif len(region.units) == 1 and region.units[0].subtree:
        root = region.units[0].office
        children = Office.objects.filter(parent=root).order_by("path")
        rows = [OfficeRow(root, False), *(OfficeRow(child, True) for child in children)]

        def other(a: str) -> tuple[str, list]:
            return f"CASE WHEN {a}.id = %s THEN {a}.path ELSE substr({a}.path, 1, %s) END", [
                root.pk,
                len(root.path) + PATH_STEP,
            ]

    else:
        rows = [OfficeRow(unit.office, unit.subtree) for unit in region.units]

        def other(a: str) -> tuple[str, list]:
            parts, params = [], []
            for unit in region.units:
                sql, unit_params = _within(a, unit)
                parts.append(f"WHEN {sql} THEN %s")
                params.extend([*unit_params, unit.office.path])
            return f"CASE {' '.join(parts)} END", params

    reads = tuple((row.office.pk, row.subtree) for row in rows)
    return _Grouping(row_key="o.path", by_office=True, other_key=other), rows, reads


def _district_joins(a: str) -> str:
    area = "a" if a == "o" else "ca"
    return (
        f"LEFT JOIN {T_AREA} {area} ON {area}.id = {a}.admin_unit_id "
        f"LEFT JOIN {T_AREA} {area}p ON {area}p.id = {area}.parent_id"
    )


def _district_key(a: str) -> tuple[str, list]:
    """The district of office ``a``: its area when a district, the area's parent for an upazila, the
    parent's parent for a union; NULL above districts (ministries, directorates, divisions)."""
    area = "a" if a == "o" else "ca"
    return (
        f"CASE {area}.level WHEN %s THEN {area}.id WHEN %s THEN {area}.parent_id WHEN %s THEN {area}p.parent_id END",
        [AdminUnit.Level.DISTRICT, AdminUnit.Level.UPAZILA, AdminUnit.Level.UNION],
    )


def _columns(*names: str) -> _Grouping:
    return _Grouping(row_key=", ".join(f"t.{n}" for n in names), columns=len(names))


def _filters(
    user, office_code, tab, date_from, date_to, include_simulated, periods=None
) -> tuple[_Filters, list[Office] | None]:
    """The filters, and the top-level offices when the scope is everything (read once, for every query)."""
    _check_inputs(tab, date_from, date_to)
    region = dashboard_region(user, office_code)
    top = _top_offices() if region.everything else None
    reads = _scope_reads(region, top)
    return _Filters(region, tab, include_simulated, periods or _periods(date_from, date_to), reads), top


def dashboard_figures(
    user,
    office_code: str | None = None,
    tab: str = TAB_ALL,
    date_from: date | None = None,
    date_to: date | None = None,
    include_simulated: bool = False,
) -> Dashboard:
    """The dashboard of ``user``: totals and every breakdown, in a fixed number of queries over the tallies.

    ``tab`` is ``all`` or a grievance type; simulated (pilot) grievances count only with
    ``include_simulated``. The module's docstring says what the date range means for each figure.
    """
    filters, top = _filters(user, office_code, tab, date_from, date_to, include_simulated)
    totals = Figures()
    by_office, office_rows, reads = _office_grouping(filters, top)
    rows = {row.office.path: row for row in office_rows}

    def office_states(key, own: bool) -> list[Figures]:
        row = rows[key]
        if row.subtree:
            # A subtree row counts from the subtree's rows; the office's own rows say only what it holds.
            return [row.held] if own else [totals, row.figures]
        return [totals, row.figures, row.held]

    # The state also reads each subtree row's office's own rows, for what that office holds.
    held = tuple((office_id, False) for office_id, subtree in reads if subtree)
    _add_states(_state_rows(filters, Family.CORE, by_office, reads + held), 1, office_states)

    def office_flows(key) -> list[tuple[Figures, bool]]:
        return [(totals, True), (rows[key].figures, False)]

    _add_flows(_flow_rows(filters, Family.CORE, by_office, reads), 1, office_flows)

    return Dashboard(
        region=filters.region,
        tab=tab,
        date_from=date_from,
        date_to=date_to,
        include_simulated=include_simulated,
        totals=totals,
        by_office=office_rows,
        by_district=_by_district(filters),
        by_channel=_by_channel(filters),
        **_by_category(filters),
    )


def _by_district(filters: _Filters) -> list[DistrictRow]:
    """Districts of the offices in the scope, by name; offices above districts are in no row."""
    group = _Grouping(row_key="t.category", other_key=_district_key, joins=_district_joins)
    found: dict[int, Figures] = {}

    def states(key, own: bool) -> list[Figures]:
        return [found.setdefault(key, Figures())]

    def flows(key) -> list[tuple[Figures, bool]]:
        return [(found.setdefault(key, Figures()), False)]

    _add_states(_state_rows(filters, Family.DISTRICT, group), 1, states)
    _add_flows(_flow_rows(filters, Family.DISTRICT, group), 1, flows)
    areas = AdminUnit.objects.filter(pk__in=sorted(found)).order_by("name_en") if found else []
    return [DistrictRow(area, found[area.pk]) for area in areas]


def _by_channel(filters: _Filters) -> list[ChannelRow]:
    """Every channel, in the order of :class:`Channel`."""
    found = {channel: ChannelRow(channel, str(label)) for channel, label in Channel.choices}
    group = _columns("channel")

    def states(key, own: bool) -> list[Figures]:
        return [found[key].figures] if key in found else []

    def flows(key) -> list[tuple[Figures, bool]]:
        return [(found[key].figures, True)] if key in found else []

    _add_states(_state_rows(filters, Family.CHANNEL, group), 1, states)
    _add_flows(_flow_rows(filters, Family.CHANNEL, group), 1, flows)
    return list(found.values())


def _by_category(filters: _Filters) -> dict:
    """``by_category`` (Social Protection first, each with its programmes, then the other categories in
    their order, then grievances with no category) and ``g2p`` (grievances about G2P services only)."""
    group = _columns("category", "programme", "g2p")
    g2p = Figures()
    categories: dict[int, Figures] = {}
    programmes: dict[tuple[int, int], Figures] = {}

    def targets(key) -> list[Figures]:
        category, programme, is_g2p = key
        found = [categories.setdefault(category, Figures())]
        if programme:
            found.append(programmes.setdefault((category, programme), Figures()))
        if is_g2p:
            found.append(g2p)
        return found

    _add_states(_state_rows(filters, Family.CATEGORY, group), 3, lambda key, own: targets(key))
    _add_flows(
        _flow_rows(filters, Family.CATEGORY, group), 3, lambda key: [(figures, True) for figures in targets(key)]
    )
    known = sorted(ServiceCategory.objects.all(), key=lambda c: (c.slug != SOCIAL_PROTECTION, c.order, c.name_en))
    names = {p.pk: p for p in Programme.objects.filter(pk__in=sorted({p for _c, p in programmes}))}
    rows = []
    for category in known:
        row = CategoryRow(category.slug, localized_name(category), categories.get(category.pk, Figures()))
        for (category_id, programme_id), figures in sorted(programmes.items()):
            if category_id == category.pk and programme_id in names:
                programme = names[programme_id]
                row.programmes.append(ProgrammeRow(programme.code, localized_name(programme), programme.g2p, figures))
        row.programmes.sort(key=lambda p: p.name)
        rows.append(row)
    rows.append(CategoryRow(None, _("No category"), categories.get(0, Figures())))
    return {"by_category": rows, "g2p": g2p}


# --- Trends ----------------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    """One week or month: what was received, resolved and marked overdue in it, and how it was rated."""

    start: date
    end: date
    figures: Figures = field(default_factory=Figures)


@dataclass
class Trends:
    region: Region
    interval: str
    points: list[TrendPoint]


def _next_period(grain: str, start: date) -> date:
    if grain == Grain.WEEK:
        return start + timedelta(days=7)
    return _month_end(start) + timedelta(days=1)


def dashboard_trends(
    user,
    office_code: str | None = None,
    tab: str = TAB_ALL,
    date_from: date | None = None,
    date_to: date | None = None,
    include_simulated: bool = False,
    interval: str = Grain.MONTH,
) -> Trends:
    """Received vs resolved, grievances marked overdue and satisfaction per week or month (``interval``
    ``w`` or ``m``), in one query over the flow tally. Each point counts its whole week or month, the first
    and last included even when the range cuts them. Without a range: the twelve months (or weeks) to today.
    """
    if interval not in INTERVALS:
        raise DashboardInputError(_("Choose weekly or monthly trends."), field="interval")
    last = period_start(interval, date_to or timezone.localdate())
    if date_from is not None:
        first = period_start(interval, date_from)
    elif interval == Grain.WEEK:
        first = last - timedelta(weeks=11)
    else:
        first = date(last.year - 1, last.month, 1) + timedelta(days=31)
        first = first.replace(day=1)
    points = []
    start = first
    while start <= last:
        points.append(TrendPoint(start, _next_period(interval, start) - timedelta(days=1)))
        start = _next_period(interval, start)
        if len(points) > MAX_TREND_PERIODS:
            raise DashboardInputError(_("The date range is too long for this interval; choose a shorter one."))
    periods = ("(t.grain = %s AND t.period >= %s AND t.period <= %s)", [interval, first, last])
    filters, _top = _filters(user, office_code, tab, date_from, date_to, include_simulated, periods=periods)
    found = {point.start: point.figures for point in points}
    period = _Grouping(row_key="t.period")
    rows = _flow_rows(filters, Family.CORE, period)
    _add_flows(rows, 1, lambda key: [(found[_as_date(key)], True)] if _as_date(key) in found else [])
    return Trends(region=filters.region, interval=interval, points=points)


def _as_date(value) -> date:
    # SQLite hands raw date columns back as text; PostgreSQL as dates.
    return value if isinstance(value, date) else date.fromisoformat(value)
