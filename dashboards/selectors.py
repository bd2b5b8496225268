"""Dashboard figures and trends, read from the tallies only and scoped to the user.

Every figure comes from :mod:`dashboards.models`' tallies in a fixed number of grouped queries, whatever
the number of grievances; no query here reads the grievance table. A scope reads the rows of the owners
it is made of (every office at once, one office's subtree, or each of the offices the user watches or
handles) and, for the drill-down, of its rows' offices, never the rows of every office below.

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

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from charters.models import SOCIAL_PROTECTION, Programme, ServiceCategory
from dashboards.models import COUNTERS, EVERY_OFFICE, Family, ForwardTally, Grain, Tally
from dashboards.tally import DISTRICT_PARAMS, district_joins, district_of, period_start
from grievances.models import Channel, GrievanceType
from grs import errors
from grs.api import DATE_OUT_OF_RANGE, EARLIEST_DATE, LATEST_DATE
from grs.i18n import localized_name
from offices.models import AdminUnit, Office
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

    def add(self, values) -> None:
        """Add a tally row's counters (:data:`dashboards.models.COUNTERS`, in that order; none for no row)."""
        if not values:
            return
        for name, value in zip(COUNTERS, values, strict=True):
            value = int(value or 0)
            if name.startswith("rated_"):
                self.ratings[int(name[-1]) - 1] += value
            else:
                setattr(self, name, getattr(self, name) + value)

    def merge(self, other: "Figures") -> None:
        for name in _ADDED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ratings = [mine + theirs for mine, theirs in zip(self.ratings, other.ratings, strict=True)]

    def take_back(self, forwardings: int) -> None:
        """Forwardings between two owners of a scope, each counted by one of them as it crossed its border,
        are neither received nor forwarded by the scope they both belong to."""
        self.received -= forwardings
        self.forwarded -= forwardings

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


_ADDED = tuple(name for name in COUNTERS if not name.startswith("rated_"))


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
# Raw SQL because each figure set is one grouped query over the tally; the forwardings within a scope of
# several owners need the office tree (and, for districts, the geography) joined in. Only column and table
# names of our own models are interpolated; every value is a parameter.


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


T_TALLY, T_FORWARD = _q(Tally._meta.db_table), _q(ForwardTally._meta.db_table)
T_OFFICE = _q(Office._meta.db_table)
_SUMS = ", ".join(f"SUM(t.{_q(c)})" for c in COUNTERS)


def _within(alias: str, unit: Unit) -> tuple[str, list]:
    """``alias`` (an office) is in ``unit``: an index-served prefix match on the path for a subtree."""
    if not unit.subtree:
        return f"{alias}.id = %s", [unit.office.pk]
    if connection.vendor == "sqlite":
        # SQLite's LIKE cannot use the index; every path with the prefix sorts in this range, and only those.
        return f"({alias}.path >= %s AND {alias}.path < %s)", [unit.office.path, unit.office.path + "~"]
    return f"{alias}.path LIKE %s", [unit.office.path + "%"]


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def period_runs(date_from: date | None, date_to: date | None) -> list[tuple[str, date, date]]:
    """The inclusive range as runs of whole periods: (grain, first period start, last period start).

    Whole years and months where they fit, whole weeks and days at the edges: a range of any length reads
    at most a few dozen periods per owner and slice. An open end reaches as far as the tallies go.
    """
    first, last = date_from or date.min, date_to or date.max
    runs: list[tuple[str, date, date]] = []
    if first.day != 1:
        end = min(last, _month_end(first))
        runs.extend(_days_and_weeks(first, end))
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
        runs.extend(_days_and_weeks(max(first, last.replace(day=1)), last))
    return runs


def _days_and_weeks(first: date, last: date) -> list[tuple[str, date, date]]:
    """The days ``first`` .. ``last`` (inside one month) as runs: the whole weeks among them, days around."""
    week = period_start(Grain.WEEK, first)
    if week < first:
        week += timedelta(days=7)
    weeks = ((last - week).days + 1) // 7
    if weeks < 1:
        return [(Grain.DAY, first, last)]
    after = week + timedelta(days=7 * weeks)
    runs = [(Grain.DAY, first, week - timedelta(days=1))] if week > first else []
    runs.append((Grain.WEEK, week, after - timedelta(days=7)))
    if after <= last:
        runs.append((Grain.DAY, after, last))
    return runs


def _month_end(day: date) -> date:
    if day.month == 12:
        return date(day.year, 12, 31)
    return date(day.year, day.month + 1, 1) - timedelta(days=1)


# The owners whose rows a query reads: (office id or EVERY_OFFICE, subtree).
Reads = tuple[tuple[int, bool], ...]


def _top_offices() -> list[Office]:
    return list(Office.objects.filter(depth=1).order_by("path"))


def _whole(region: Region) -> Reads:
    """The owners that make up the scope: every office at once, or each unit."""
    if region.everything:
        return ((EVERY_OFFICE, True),)
    return tuple((unit.office.pk, unit.subtree) for unit in region.units)


@dataclass(frozen=True)
class _Filters:
    region: Region
    tab: str
    include_simulated: bool
    runs: list[tuple[str, date, date]]  # (grain, first period, last period), as period_runs has them

    def kinds(self) -> tuple[str, list]:
        """The tab and simulated conditions on a tally ``t``."""
        parts, params = [], []
        if self.tab != TAB_ALL:
            parts.append(" AND t.type = %s")
            params.append(self.tab)
        if not self.include_simulated:
            parts.append(" AND t.simulated = %s")
            params.append(False)
        return "".join(parts), params

    def slices(self) -> tuple[str, list]:
        """The period, tab and simulated conditions on a tally ``t``."""
        parts, params = [], []
        for grain, start, end in self.runs:
            parts.append("(t.grain = %s AND t.period >= %s AND t.period <= %s)")
            params.extend([grain, start, end])
        kinds, kind_params = self.kinds()
        return f"({' OR '.join(parts)}){kinds}", [*params, *kind_params]


# PostgreSQL planner settings for the dashboards' transactions (see _small_reads).
SMALL_READS_SQL = "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off"


def _small_reads(function):
    """On PostgreSQL, run ``function`` in a transaction whose plans never start parallel workers or compile
    with JIT: each tally query reads a few thousand rows, which both would only slow down."""

    @functools.wraps(function)
    def reading(*args, **kwargs):
        if connection.vendor != "postgresql":
            return function(*args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(SMALL_READS_SQL)
            return function(*args, **kwargs)

    return reading


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(p) if isinstance(p, date) else p for p in params])
        return cursor.fetchall()


def _tally_rows(filters: _Filters, family: str, reads: Reads, key: str, columns: int) -> list[tuple]:
    """(key..., counters...) of the ``reads`` owners' rows of ``family``, summed by ``key`` (``columns`` long).

    One arm per run of periods and kind of owner, so that each is one range of the tally's key."""
    kinds, kind_params = filters.kinds()
    arms, params = [], []
    for grain, start, end in filters.runs:
        for subtree in (True, False):
            ids = sorted({office for office, whole in reads if whole is subtree})
            if ids:
                arms.append(
                    f"SELECT * FROM {T_TALLY} t WHERE t.office IN ({', '.join(['%s'] * len(ids))}) "  # noqa: S608
                    f"AND t.subtree = %s AND t.family = %s AND t.grain = %s AND t.period >= %s AND t.period <= %s"
                    f"{kinds}"
                )
                params.extend([*ids, subtree, family, grain, start, end, *kind_params])
    if not arms:
        return []
    groups = ", ".join(str(i) for i in range(1, columns + 1))
    return _run(f"SELECT {key}, {_SUMS} FROM ({' UNION ALL '.join(arms)}) t GROUP BY {groups}", params)  # noqa: S608


def _unit_of(alias: str, region: Region) -> tuple[str, list]:
    """The index of the unit of ``region`` that office ``alias`` lies in; NULL outside the region."""
    parts, params = [], []
    for i, unit in enumerate(region.units):
        sql, unit_params = _within(alias, unit)
        parts.append(f"WHEN {sql} THEN {i}")
        params.extend(unit_params)
    return f"CASE {' '.join(parts)} END", params


def _inner_forwards(filters: _Filters, key: str, columns: int, *, same_district: bool = False) -> list[tuple]:
    """(key..., n): forwardings between two different units of a scope of several (key over the forwarding
    tally ``t``); with ``same_district`` only those within one district, keyed by the sender's district."""
    region = filters.region
    if region.everything or len(region.units) < 2:
        return []
    slices, params = filters.slices()
    source, source_params = _unit_of("s", region)
    target, target_params = _unit_of("d", region)
    joins, where, where_params = "", "", []
    if same_district:
        joins = district_joins("s") + " " + district_joins("d")
        key = district_of("s")
        where, where_params = f"AND {key} = {district_of('d')}", [*DISTRICT_PARAMS, *DISTRICT_PARAMS]
        key_params = DISTRICT_PARAMS
    else:
        key_params = []
    groups = ", ".join(str(i) for i in range(1, columns + 1))
    return _run(
        f"SELECT {key}, SUM(t.n) FROM {T_FORWARD} t JOIN {T_OFFICE} s ON s.id = t.source_id "  # noqa: S608
        f"JOIN {T_OFFICE} d ON d.id = t.target_id {joins} "
        f"WHERE {slices} AND ({source}) <> ({target}) {where} GROUP BY {groups}",
        [*key_params, *params, *source_params, *target_params, *where_params],
    )


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
    for name, day in (("from", date_from), ("to", date_to)):
        # Year 1 or 9999 has no week or year around it to count in: a 500, before this check.
        if day and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise DashboardInputError(DATE_OUT_OF_RANGE, field=name)
    if date_from and date_to and date_from > date_to:
        raise DashboardInputError(_("The end of the date range comes before its start."), field="to")


def _office_rows(region: Region, top: list[Office] | None) -> list[OfficeRow]:
    """The drill-down rows: every top-level office for everything, the office itself and each of its
    children for one subtree, else each unit of the scope. The rows partition the scope."""
    if region.everything:
        return [OfficeRow(office, True) for office in top or []]
    if len(region.units) == 1 and region.units[0].subtree:
        root = region.units[0].office
        children = Office.objects.filter(parent=root).order_by("path")
        return [OfficeRow(root, False), *(OfficeRow(child, True) for child in children)]
    return [OfficeRow(unit.office, unit.subtree) for unit in region.units]


def _filters(
    user, office_code, tab, date_from, date_to, include_simulated, runs=None
) -> tuple[_Filters, list[Office] | None]:
    """The filters, and the top-level offices when the scope is everything."""
    _check_inputs(tab, date_from, date_to)
    region = dashboard_region(user, office_code)
    top = _top_offices() if region.everything else None
    return _Filters(region, tab, include_simulated, runs or period_runs(date_from, date_to)), top


@_small_reads
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
    whole = _whole(filters.region)
    office_rows = _office_rows(filters.region, top)
    # One query: the scope's owners for the totals, each row's owner, and each row office's own rows for
    # what it holds itself.
    reads = {*whole, *((row.office.pk, row.subtree) for row in office_rows)}
    reads |= {(row.office.pk, False) for row in office_rows}
    found = {
        (int(office), bool(subtree)): values
        for office, subtree, *values in _tally_rows(
            filters, Family.CORE, tuple(sorted(reads)), "t.office, t.subtree", 2
        )
    }
    totals = Figures()
    for owner in whole:
        totals.add(found.get(owner, ()))
    for _all, n in _inner_forwards(filters, "1", 1):
        totals.take_back(int(n))
    for row in office_rows:
        row.figures.add(found.get((row.office.pk, row.subtree), ()))
        own = Figures()
        own.add(found.get((row.office.pk, False), ()))
        row.held = Figures(pending=own.pending, overdue=own.overdue)
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


def _breakdown(filters: _Filters, family: str, key: str, columns: int, inner_key: str, **inner) -> dict:
    """``{key: Figures}`` of the scope's rows of ``family`` by ``key``, the forwardings within a scope of
    several owners (keyed by ``inner_key`` over the forwarding tally) taken back."""
    found: dict = {}
    for row in _tally_rows(filters, family, _whole(filters.region), key, columns):
        found.setdefault(row[0] if columns == 1 else tuple(row[:columns]), Figures()).add(row[columns:])
    for *key_values, n in _inner_forwards(filters, inner_key, columns, **inner):
        found.setdefault(key_values[0] if columns == 1 else tuple(key_values), Figures()).take_back(int(n))
    return found


def _by_district(filters: _Filters) -> list[DistrictRow]:
    """Districts of the offices in the scope, by name; offices above districts are in no row."""
    found = _breakdown(filters, Family.DISTRICT, "t.category", 1, "", same_district=True)
    areas = AdminUnit.objects.filter(pk__in=sorted(found)).order_by("name_en") if found else []
    return [DistrictRow(area, found[area.pk]) for area in areas]


def _by_channel(filters: _Filters) -> list[ChannelRow]:
    """Every channel, in the order of :class:`Channel`."""
    found = _breakdown(filters, Family.CHANNEL, "t.channel", 1, "t.channel")
    return [ChannelRow(channel, str(label), found.get(channel, Figures())) for channel, label in Channel.choices]


def _by_category(filters: _Filters) -> dict:
    """``by_category`` (Social Protection first, each with its programmes, then the other categories in
    their order, then grievances with no category) and ``g2p`` (grievances about G2P services only)."""
    key = "t.category, t.programme, t.g2p"
    found = _breakdown(filters, Family.CATEGORY, key, 3, key)
    g2p = Figures()
    categories: dict[int, Figures] = {}
    programmes: dict[tuple[int, int], Figures] = {}
    for (category, programme, is_g2p), figures in found.items():
        targets = [categories.setdefault(category, Figures())]
        if programme:
            targets.append(programmes.setdefault((category, programme), Figures()))
        if is_g2p:
            targets.append(g2p)
        for target in targets:
            target.merge(figures)
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


@_small_reads
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
    ``w`` or ``m``), in one query over the week or month rows. Each point counts its whole week or month, the first
    and last included even when the range cuts them. Without a range: the twelve months (or weeks) to today.
    """
    if interval not in INTERVALS:
        raise DashboardInputError(_("Choose weekly or monthly trends."), field="interval")
    _check_inputs(tab, date_from, date_to)  # before the periods are counted out from the dates
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
    runs = [(interval, first, last)]
    filters, _top = _filters(user, office_code, tab, date_from, date_to, include_simulated, runs=runs)
    found = {point.start: point.figures for point in points}
    for start, figures in _breakdown(filters, Family.CORE, "t.period", 1, "t.period").items():
        if _as_date(start) in found:
            found[_as_date(start)].merge(figures)
    return Trends(region=filters.region, interval=interval, points=points)


def _as_date(value) -> date:
    # SQLite hands raw date columns back as text; PostgreSQL as dates.
    return value if isinstance(value, date) else date.fromisoformat(value)
