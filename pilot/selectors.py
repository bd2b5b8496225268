"""The pilot report: what a workshop asks of a simulation run's grievances, read from the grievances and their
timelines (a few thousand rows: a fixed handful of queries, whatever the run's size).

No complainant data is read: only channels, statuses, offices, dates, forwardings, appeals and ratings.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import mean, median

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.selectors import NoDashboard
from dashboards.tally import local_day
from grievances.models import AppealDecision, Channel, EventKind, GrievanceEvent
from grievances.workflow import OPEN_STATUSES
from grs import errors
from offices.models import PATH_STEP, Holiday, Office
from offices.selectors import scope_of
from offices.workdays import working_days_between
from pilot.models import PilotGrievance, PilotUnion, SimulationRun

Layer = Office.Layer
# From the union up: the levels a grievance can be settled at.
LEVELS = (Layer.UNION, Layer.UPAZILA, Layer.DISTRICT, Layer.DIVISIONAL, Layer.DIRECTORATE, Layer.MINISTRY)
# Grievances forwarded this many times or more share one row.
MANY_FORWARDS = 3


class PilotOutOfScope(errors.NotFound):
    """A run that does not exist, or whose offices lie outside the user's scope, answers the same."""

    code = "not_found"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or gettext_lazy("No pilot run with this number is in your dashboard."), **kwargs)


class Direction:
    DOWN = "down"
    UP = "up"
    ACROSS = "across"  # to another ministry's tree
    SIDEWAYS = "sideways"  # within the ministry, neither above nor below

    LABELS = {
        DOWN: gettext_lazy("Down, to an office below"),
        UP: gettext_lazy("Up, to an office above"),
        ACROSS: gettext_lazy("Across ministries"),
        SIDEWAYS: gettext_lazy("To another office of the same ministry"),
    }


def direction_of(source: Office, target: Office) -> str:
    if target.path.startswith(source.path):
        return Direction.DOWN
    if source.path.startswith(target.path):
        return Direction.UP
    if source.path[:PATH_STEP] != target.path[:PATH_STEP]:
        return Direction.ACROSS
    return Direction.SIDEWAYS


@dataclass
class PilotFigures:
    filed: int = 0
    by_channel: Counter = field(default_factory=Counter)
    never_forwarded: int = 0
    forwarded: int = 0  # grievances forwarded at least once
    forwarded_across: int = 0  # grievances forwarded at least once to another ministry
    forwards: Counter = field(default_factory=Counter)  # number of forwards (capped) → grievances
    directions: Counter = field(default_factory=Counter)  # direction → forwardings
    resolution_days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # level → days
    overdue: int = 0  # grievances marked overdue at least once
    overdue_open: int = 0  # still open and overdue now
    appealed: int = 0
    appeals_decided: int = 0
    appeal_decisions: Counter = field(default_factory=Counter)
    ratings: list[int] = field(default_factory=lambda: [0] * 5)
    by_union: Counter = field(default_factory=Counter)  # union id → filed

    @property
    def resolved(self) -> int:
        return sum(len(days) for days in self.resolution_days.values())

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    @property
    def satisfaction_mean(self) -> float | None:
        return round(sum((i + 1) * n for i, n in enumerate(self.ratings)) / self.rated, 2) if self.rated else None

    def share(self, part: int) -> float | None:
        return part / self.filed if self.filed else None


@dataclass
class PilotReport:
    runs: list[SimulationRun]
    run: SimulationRun | None  # None: every run together
    unions: list[PilotUnion]
    figures: PilotFigures


def _check_viewer(user):
    scope = scope_of(user)
    if not (scope.everything or scope.subtree_paths):
        raise NoDashboard(_("The pilot report is for the Cabinet Division's monitors and for focal points."))
    return scope


def pilot_report(user, *, run_id: int | None = None) -> PilotReport:
    """The report for run ``run_id`` (every run when None) for a Cabinet Division monitor, or a focal point
    whose subtrees hold every office the run's grievances were filed at or are held by.

    Raises :class:`~dashboards.selectors.NoDashboard` (403) for other users and :class:`PilotOutOfScope`
    (404) for a run that does not exist or reaches beyond the focal point's scope.
    """
    scope = _check_viewer(user)
    runs = list(SimulationRun.objects.order_by("-started_at", "-id"))
    run = None
    if run_id is not None:
        run = next((r for r in runs if r.pk == run_id), None)
        if run is None:
            raise PilotOutOfScope()
    chosen = PilotGrievance.objects.filter(run=run) if run is not None else PilotGrievance.objects.all()
    unions = list(
        PilotUnion.objects.filter(**({"run": run} if run else {}))
        .select_related("union", "district")
        .order_by("run_id", "district__name_en", "rank")
    )
    rows = list(
        chosen.values_list(
            "grievance_id",
            "union_id",
            "grievance__channel",
            "grievance__status",
            "grievance__overdue",
            "grievance__submitted_at",
            "grievance__office_id",
            "grievance__current_office_id",
        )
    )
    ids = chosen.values("grievance_id")
    events = list(
        GrievanceEvent.objects.filter(
            grievance_id__in=ids,
            kind__in=[
                EventKind.FORWARDED,
                EventKind.RESOLVED,
                EventKind.OVERDUE,
                EventKind.APPEALED,
                EventKind.APPEAL_DECIDED,
                EventKind.FEEDBACK,
            ],
        )
        .order_by("grievance_id", "at", "id")
        .values_list("grievance_id", "kind", "at", "data")
    )
    codes = {data.get(end) for _g, kind, _at, data in events if kind == EventKind.FORWARDED for end in ("from", "to")}
    office_ids = {row[6] for row in rows} | {row[7] for row in rows}
    offices = {
        office.pk: office
        for office in Office.objects.filter(Q(pk__in=sorted(office_ids)) | Q(code__in=sorted(c for c in codes if c)))
    }
    if not scope.everything:
        paths = scope.subtree_paths
        if any(not any(offices[pk].path.startswith(p) for p in paths) for pk in office_ids):
            raise PilotOutOfScope()
    figures = _figures(rows, events, offices)
    return PilotReport(runs=runs, run=run, unions=unions, figures=figures)


def _figures(rows: list[tuple], events: list[tuple], offices: dict[int, Office]) -> PilotFigures:
    by_code = {office.code: office for office in offices.values()}
    timeline: dict[int, list[tuple]] = defaultdict(list)
    for grievance_id, kind, at, data in events:
        timeline[grievance_id].append((kind, at, data))
    first = min((local_day(row[5]) for row in rows), default=None)
    holidays = (
        set(Holiday.objects.filter(date__gte=first).values_list("date", flat=True)) if first is not None else set()
    )
    f = PilotFigures(filed=len(rows))
    for grievance_id, union_id, channel, status, overdue, submitted_at, office_id, _current_id in rows:
        f.by_channel[channel] += 1
        f.by_union[union_id] += 1
        if overdue and status in OPEN_STATUSES:
            f.overdue_open += 1
        holder = offices[office_id]
        forwards = across = 0
        marked = appealed = False
        for kind, at, data in timeline.get(grievance_id, ()):
            if kind == EventKind.FORWARDED:
                target = by_code[data["to"]]
                way = direction_of(by_code.get(data.get("from"), holder), target)
                f.directions[way] += 1
                forwards += 1
                across += way == Direction.ACROSS
                holder = target
            elif kind == EventKind.RESOLVED:
                days = working_days_between(local_day(submitted_at), local_day(at), holidays=holidays)
                f.resolution_days[holder.layer].append(days)
            elif kind == EventKind.OVERDUE:
                marked = True
            elif kind == EventKind.APPEALED:
                appealed = True
            elif kind == EventKind.APPEAL_DECIDED:
                f.appeals_decided += 1
                f.appeal_decisions[data.get("decision", "")] += 1
            elif kind == EventKind.FEEDBACK:
                f.ratings[int(data["rating"]) - 1] += 1
        f.forwards[min(forwards, MANY_FORWARDS)] += 1
        f.never_forwarded += forwards == 0
        f.forwarded += forwards > 0
        f.forwarded_across += across > 0
        f.overdue += marked
        f.appealed += appealed
    return f


# --- The report's tables: the page draws them, the CSV files are written from the same rows -------------


def report_tables(report: PilotReport):
    """The report as :class:`dashboards.exports.Table` objects, in the page's order."""
    from dashboards.exports import COUNT, DAYS, MEAN, SHARE, TEXT, Cell, Row, Table

    f = report.figures

    def share(part: int, whole: int | None = None) -> Cell:
        whole = f.filed if whole is None else whole
        return Cell(part / whole if whole else None, SHARE)

    def row(label, *cells: Cell) -> Row:
        return Row([Cell(str(label), TEXT), *cells])

    channels = Table(
        "channels",
        _("Filed, by channel"),
        [_("Channel"), _("Filed"), _("Share")],
        [row(label, Cell(f.by_channel[value]), share(f.by_channel[value])) for value, label in Channel.choices],
    )
    routing = Table(
        "routing",
        _("Reaching the right office"),
        [_("Grievances"), _("Number"), _("Share")],
        [
            row(_("Filed"), Cell(f.filed), share(f.filed)),
            row(
                _("Reached the right office first time (never forwarded)"),
                Cell(f.never_forwarded),
                share(f.never_forwarded),
            ),
            row(_("Forwarded at least once"), Cell(f.forwarded), share(f.forwarded)),
            row(_("Forwarded across ministries"), Cell(f.forwarded_across), share(f.forwarded_across)),
        ],
    )
    forward_counts = Table(
        "forwards",
        _("How far grievances travelled"),
        [_("Times forwarded"), _("Grievances"), _("Share")],
        [
            row(
                str(n) if n < MANY_FORWARDS else _("%(n)d or more") % {"n": n},
                Cell(f.forwards[n]),
                share(f.forwards[n]),
            )
            for n in range(MANY_FORWARDS + 1)
        ],
    )
    total_forwards = sum(f.directions.values())
    directions = Table(
        "directions",
        _("Forwardings, by direction"),
        [_("Direction"), _("Forwardings"), _("Share")],
        [
            row(label, Cell(f.directions[way]), share(f.directions[way], total_forwards))
            for way, label in Direction.LABELS.items()
        ],
    )
    resolution = Table(
        "resolution",
        _("Time to resolve, by level of the resolving office (working days from filing)"),
        [_("Level"), _("Resolved"), _("Mean"), _("Median"), _("Longest")],
        [
            row(
                Layer(level).label,
                Cell(len(days)),
                Cell(round(mean(days), 1) if days else None, DAYS),
                Cell(median(days) if days else None, DAYS),
                Cell(max(days) if days else None, COUNT),
            )
            for level in LEVELS
            # Divisional offices and directorates are shown when they settled any.
            if (days := f.resolution_days.get(level, [])) or level not in (Layer.DIVISIONAL, Layer.DIRECTORATE)
        ],
    )
    overdue = Table(
        "overdue",
        _("Overdue"),
        [_("Grievances"), _("Number"), _("Share")],
        [
            row(_("Marked overdue at least once"), Cell(f.overdue), share(f.overdue)),
            row(_("Still open and overdue today"), Cell(f.overdue_open), share(f.overdue_open)),
        ],
    )
    appeals = Table(
        "appeals",
        _("Appeals"),
        [_("Appeals"), _("Number"), _("Share")],
        [
            row(_("Appealed"), Cell(f.appealed), share(f.appealed)),
            row(_("Decided"), Cell(f.appeals_decided), share(f.appeals_decided, f.appealed)),
            *(
                row(label, Cell(f.appeal_decisions[value]), share(f.appeal_decisions[value], f.appeals_decided))
                for value, label in AppealDecision.choices
            ),
        ],
    )
    satisfaction = Table(
        "satisfaction",
        _("Satisfaction (ratings from 1 to 5)"),
        [_("Rating"), _("Ratings"), _("Share")],
        [
            *(row(str(n), Cell(f.ratings[n - 1]), share(f.ratings[n - 1], f.rated)) for n in range(5, 0, -1)),
            row(_("All ratings"), Cell(f.rated), share(f.rated, f.rated)),
            row(_("Mean rating"), Cell(f.satisfaction_mean, MEAN), Cell(None, SHARE)),
        ],
    )
    names = {}
    for unit in report.unions:
        names.setdefault(unit.union_id, (unit.district.name, unit.union.name))
    unions = Table(
        "unions",
        _("Pilot unions"),
        [_("District"), _("Union"), _("Filed")],
        [
            Row([Cell(district, TEXT), Cell(union, TEXT), Cell(f.by_union.get(pk, 0))])
            for pk, (district, union) in names.items()
        ],
        row_headers=2,
    )
    return [channels, routing, forward_counts, directions, resolution, overdue, appeals, satisfaction, unions]
