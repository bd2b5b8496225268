"""Keeping the dashboard tallies exact, inside the transaction of the write that changes a grievance.

``grievances.services`` calls :func:`tally_hold` when it locks a grievance (where and how it is held
before the change), :func:`tally_event` when it records an event, and :func:`tally_overdue` after the
SLA sweep. Every change is counted at the office where it happens and, summed, in the subtree rows of
that office and of every office above it (found with one query up the tree), in a few upserts
(``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``, the same SQL on SQLite and PostgreSQL)
that add to a row or create it, so two transactions adding to the same row never lose a count. Rows
are written in key order, so two such transactions lock shared rows in the same order and cannot
deadlock. :func:`tallies_rebuild` recomputes both tallies from the grievances and their events with a
few ``INSERT ... SELECT`` statements, to back-fill or repair them.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice

from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone

from charters.models import CharterService
from dashboards.models import (
    FLOW_DIMENSIONS,
    STATE_DIMENSIONS,
    Family,
    FlowKind,
    FlowTally,
    Grain,
    SettledOrOpen,
    StateTally,
)
from grievances.models import EventKind, Grievance, GrievanceEvent
from grievances.sla import gro_timeframe_days
from grievances.workflow import OPEN_STATUSES
from offices.models import AdminUnit, Holiday, Office
from offices.workdays import add_working_days, working_days_between

# Weeks start on Sunday, the first working day of Bangladesh's week (Python's weekday() numbering).
WEEK_STARTS_ON = 6

STATE_KEY = ("office_id", *STATE_DIMENSIONS)
FLOW_KEY = ("office_id", *FLOW_DIMENSIONS)
STATE_VALUES = ("n",)
FLOW_VALUES = ("n", "days", "in_time")

# Upserts per statement: 17 columns x 500 rows stays far below SQLite's 32,766 parameters.
BATCH = 500

_EVENT_FLOWS = {
    EventKind.RESOLVED: FlowKind.RESOLVED,
    EventKind.REJECTED: FlowKind.REJECTED,
    EventKind.CLOSED: FlowKind.CLOSED,
    EventKind.APPEALED: FlowKind.APPEALED,
    EventKind.APPEAL_DECIDED: FlowKind.APPEAL_DECIDED,
    EventKind.FEEDBACK: FlowKind.FEEDBACK,
}


def period_start(grain: str, day: date) -> date:
    """The first day of the ``grain`` period that contains ``day``."""
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - timedelta(days=(day.weekday() - WEEK_STARTS_ON) % 7)
    if grain == Grain.MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def local_day(moment: datetime) -> date:
    """The Asia/Dhaka (settings.TIME_ZONE) date of ``moment``, whatever timezone a request activated."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


@dataclass(frozen=True)
class Slice:
    """What a grievance is, for the tallies: nothing here changes during its life."""

    type: str
    simulated: bool
    category: int
    programme: int
    g2p: bool
    channel: str

    def families(self) -> tuple[tuple[str, int, int, bool, str], ...]:
        """(family, category, programme, g2p, channel) of the row each family counts it in."""
        return (
            (Family.CORE, 0, 0, False, ""),
            (Family.CATEGORY, self.category, self.programme, self.g2p, ""),
            (Family.CHANNEL, 0, 0, False, self.channel),
        )


def _slice(*, type, simulated, category_id, programme_id, service_g2p, programme_g2p, channel) -> Slice:
    # A grievance is G2P when its service or the service's programme pays straight to the beneficiary.
    return Slice(
        type=type,
        simulated=bool(simulated),
        category=category_id or 0,
        programme=programme_id or 0,
        g2p=bool(service_g2p) or bool(programme_g2p),
        channel=channel,
    )


def slice_of(grievance: Grievance) -> Slice:
    """The grievance's slice; one small query when it names a charter service."""
    programme_id = service_g2p = programme_g2p = None
    if grievance.service_id:
        programme_id, service_g2p, programme_g2p = (
            CharterService.objects.filter(pk=grievance.service_id)
            .values_list("programme_id", "g2p", "programme__g2p")
            .get()
        )
    return _slice(
        type=grievance.type,
        simulated=grievance.simulated,
        category_id=grievance.category_id,
        programme_id=programme_id,
        service_g2p=service_g2p,
        programme_g2p=programme_g2p,
        channel=grievance.channel,
    )


def _settled_or_open(status: str, overdue: bool) -> tuple[str, bool]:
    """A breakdown family's status: open (and whether overdue) or settled."""
    if status in OPEN_STATUSES:
        return SettledOrOpen.OPEN, bool(overdue)
    return SettledOrOpen.SETTLED, False


class Deltas:
    """Changes to both tallies at the offices where they happen (keys without ``subtree``), gathered per
    key; :meth:`write` adds each to its subtree rows up the tree too, as one upsert per table."""

    def __init__(self) -> None:
        self.state: dict[tuple, list[int]] = defaultdict(lambda: [0])
        self.flow: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])

    def __len__(self) -> int:
        return len(self.state) + len(self.flow)

    def add_state(self, *, office_id: int, day: date, slice: Slice, status: str, overdue: bool, n: int) -> None:
        for family, category, programme, g2p, channel in slice.families():
            row_status, row_overdue = (
                (status, bool(overdue)) if family == Family.CORE else _settled_or_open(status, overdue)
            )
            for grain in Grain.values:
                key = (
                    office_id,
                    family,
                    grain,
                    period_start(grain, day),
                    slice.type,
                    slice.simulated,
                    category,
                    programme,
                    g2p,
                    channel,
                    row_status,
                    row_overdue,
                )
                self.state[key][0] += n

    def add_flow(
        self,
        *,
        office_id: int,
        day: date,
        slice: Slice,
        kind: str,
        n: int = 1,
        counterpart: int = 0,
        rating: int = 0,
        days: int = 0,
        in_time: int = 0,
    ) -> None:
        for family, category, programme, g2p, channel in slice.families():
            for grain in Grain.values:
                key = (
                    office_id,
                    family,
                    grain,
                    period_start(grain, day),
                    slice.type,
                    slice.simulated,
                    category,
                    programme,
                    g2p,
                    channel,
                    kind,
                    counterpart,
                    rating,
                )
                values = self.flow[key]
                values[0] += n
                values[1] += days
                values[2] += in_time

    def write(self, ancestry: dict[int, tuple[list[int], int | None]] | None = None) -> None:
        """Add every gathered change to the tables (a move that nets to nothing writes nothing); ``ancestry``
        is :func:`office_ancestry` of the offices changed when the caller has it already."""
        offices = {key[0] for key, vals in self.state.items() if any(vals)}
        offices |= {key[0] for key, vals in self.flow.items() if any(vals)}
        if offices:
            ancestry = ancestry if ancestry is not None else office_ancestry(offices)
            _upsert(StateTally, STATE_KEY, STATE_VALUES, _spread(self.state, ancestry, state=True))
            _upsert(FlowTally, FLOW_KEY, FLOW_VALUES, _spread(self.flow, ancestry, state=False))
        self.state.clear()
        self.flow.clear()


def _spread(rows: dict[tuple, list[int]], ancestry: dict[int, tuple[list[int], int | None]], *, state: bool) -> dict:
    """Each office's change as its own row, its district's row, and both again in the subtree rows of the
    office and of every office above it."""
    spread: dict[tuple, list[int]] = defaultdict(lambda: [0] * (1 if state else 3))

    def add(office_id: int, key: tuple, vals: list[int]) -> None:
        above, _district = ancestry[office_id]
        for owner, subtree in ((office_id, False), *((a, True) for a in above)):
            target = spread[(owner, subtree, *key)]
            for i, value in enumerate(vals):
                target[i] += value

    for (office_id, *key), vals in rows.items():
        if not any(vals):
            continue
        add(office_id, tuple(key), vals)
        district = ancestry[office_id][1]
        if key[0] == Family.CORE and district is not None:
            # The district family: the core row with the office's district in ``category``.
            key[0], key[5] = Family.DISTRICT, district
            if state:
                key[9], key[10] = _settled_or_open(key[9], key[10])
            add(office_id, tuple(key), vals)
    return spread


def office_ancestry(office_ids: Iterable[int]) -> dict[int, tuple[list[int], int | None]]:
    """``{office: ([the office and every office above it], its district's AdminUnit id or None)}``, in one
    query that climbs the tree by primary key."""
    ids = sorted(set(office_ids))
    rows = _run_sql(
        f"WITH RECURSIVE up (origin, id, parent) AS ("  # noqa: S608 - our own names only
        f"SELECT id, id, parent_id FROM {_Q_OFFICE} WHERE id IN ({_ids_sql(ids)}) "
        f"UNION ALL SELECT up.origin, o.id, o.parent_id FROM up JOIN {_Q_OFFICE} o ON o.id = up.parent) "
        f"SELECT up.origin, up.id, {DISTRICT_SQL} FROM up JOIN {_Q_OFFICE} x ON x.id = up.origin {DISTRICT_JOINS}",
        [*ids, *DISTRICT_PARAMS],
    )
    found: dict[int, tuple[list[int], int | None]] = {}
    for origin, office_id, district in rows:
        found.setdefault(origin, ([], district))[0].append(office_id)
    return found


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


_Q_OFFICE, _Q_AREA = _q(Office._meta.db_table), _q(AdminUnit._meta.db_table)
# The district of office ``x``: its area when a district, the area's parent for an upazila, the parent's
# parent for a union; NULL above districts (ministries, directorates, divisions).
DISTRICT_JOINS = f"LEFT JOIN {_Q_AREA} xa ON xa.id = x.admin_unit_id LEFT JOIN {_Q_AREA} xap ON xap.id = xa.parent_id"
DISTRICT_SQL = "CASE xa.level WHEN %s THEN xa.id WHEN %s THEN xa.parent_id WHEN %s THEN xap.parent_id END"
DISTRICT_PARAMS = [AdminUnit.Level.DISTRICT, AdminUnit.Level.UPAZILA, AdminUnit.Level.UNION]


def _ids_sql(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def _run_sql(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert(model, keys: tuple[str, ...], values: tuple[str, ...], rows: dict[tuple, list[int]]) -> None:
    # In key order: concurrent upserts then lock shared rows (a ministry's subtree rows) in the same order.
    changed = sorted((key, vals) for key, vals in rows.items() if any(vals))
    if not changed:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in (*keys, *values))
    conflict = ", ".join(quote(c) for c in keys)
    updates = ", ".join(f"{quote(v)} = {table}.{quote(v)} + excluded.{quote(v)}" for v in values)
    period = keys.index("period")
    row_sql = "(" + ", ".join(["%s"] * (len(keys) + len(values))) + ")"
    with connection.cursor() as cursor:
        for batch in _batches(changed, BATCH):
            params: list = []
            for key, vals in batch:
                key = list(key)
                key[period] = connection.ops.adapt_datefield_value(key[period])
                params.extend(key)
                params.extend(vals)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(batch))} "  # noqa: S608 - names are the models' own
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                params,
            )


# --- The hooks the grievance services call -------------------------------------------------------


def _held(grievance: Grievance) -> tuple[int, str, bool]:
    return (grievance.current_office_id, grievance.status, bool(grievance.overdue))


def tally_hold(grievance: Grievance) -> Grievance:
    """Remember where and how a grievance is held as a service locks it, before changing it."""
    grievance._tally_held = _held(grievance)
    return grievance


def tally_event(grievance: Grievance, event: GrievanceEvent) -> None:
    """Bring the tallies up to date with ``event``, just recorded on ``grievance`` (already saved).

    The state tally moves the grievance from where it was held (:func:`tally_hold`) to where it is
    now; the flow tally counts the event at the office where it happened. Events that change neither
    (a hearing, a question answered) cost no query.
    """
    after = _held(grievance)
    if event.kind == EventKind.SUBMITTED:
        before = None
    else:
        before = getattr(grievance, "_tally_held", None)
        if before is None:
            raise RuntimeError("tally_event needs tally_hold(grievance) when the grievance was locked")
    grievance._tally_held = after
    flow = event.kind in _EVENT_FLOWS or event.kind in (EventKind.SUBMITTED, EventKind.FORWARDED)
    if before == after and not flow:
        return

    deltas = Deltas()
    dims = slice_of(grievance)
    filed_on = local_day(grievance.submitted_at)
    if before != after:
        if before is not None:
            office_id, status, overdue = before
            deltas.add_state(office_id=office_id, day=filed_on, slice=dims, status=status, overdue=overdue, n=-1)
        office_id, status, overdue = after
        deltas.add_state(office_id=office_id, day=filed_on, slice=dims, status=status, overdue=overdue, n=1)

    day = local_day(event.at)
    here = grievance.current_office_id
    if event.kind == EventKind.SUBMITTED:
        deltas.add_flow(office_id=here, day=filed_on, slice=dims, kind=FlowKind.FILED)
    elif event.kind == EventKind.FORWARDED:
        source = before[0]
        deltas.add_flow(office_id=source, day=day, slice=dims, kind=FlowKind.FORWARDED_OUT, counterpart=here)
        deltas.add_flow(office_id=here, day=day, slice=dims, kind=FlowKind.FORWARDED_IN, counterpart=source)
    elif event.kind == EventKind.RESOLVED:
        days, in_time = _resolution_time(
            grievance.submitted_at, event.at, gro_timeframe_days(grievance.office, grievance.service)
        )
        deltas.add_flow(office_id=here, day=day, slice=dims, kind=FlowKind.RESOLVED, days=days, in_time=in_time)
    elif event.kind == EventKind.FEEDBACK:
        rating = int(event.data["rating"])
        deltas.add_flow(office_id=here, day=day, slice=dims, kind=FlowKind.FEEDBACK, rating=rating)
    elif event.kind in _EVENT_FLOWS:
        deltas.add_flow(office_id=here, day=day, slice=dims, kind=_EVENT_FLOWS[event.kind])
    deltas.write()


def _resolution_time(
    submitted_at: datetime, resolved_at: datetime, timeframe: int, *, holidays=None
) -> tuple[int, int]:
    """Working days from filing to resolution, and 1 when resolved by the date promised at filing
    (the filing office's GRO timeframe, or its service's shorter one), else 0: the citizen's clock."""
    filed, resolved = local_day(submitted_at), local_day(resolved_at)
    promised = add_working_days(filed, timeframe, holidays=holidays)
    return working_days_between(filed, resolved, holidays=holidays), int(resolved <= promised)


def _ids_subquery(ids: list[int]) -> RawSQL:
    """``id IN (...)`` for any number of ids as one parameter: an array on PostgreSQL, JSON on SQLite."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def _sliced(queryset, *fields, **expressions):
    """``values()`` of ``fields`` and the columns every grouped statement needs to make a slice."""
    return queryset.values(
        *fields,
        "type",
        "simulated",
        "category_id",
        "channel",
        programme_id=F("service__programme_id"),
        service_g2p=F("service__g2p"),
        programme_g2p=F("service__programme__g2p"),
        **expressions,
    )


def _slice_from(row: dict, prefix: str = "") -> Slice:
    return _slice(
        type=row[f"{prefix}type"],
        simulated=row[f"{prefix}simulated"],
        category_id=row[f"{prefix}category_id"],
        programme_id=row["programme_id"],
        service_g2p=row["service_g2p"],
        programme_g2p=row["programme_g2p"],
        channel=row[f"{prefix}channel"],
    )


def tally_overdue(grievance_ids: list[int], *, at: datetime) -> None:
    """The SLA sweep just marked these grievances overdue: move them to the overdue state and count one
    ``overdue`` event each at the office holding them, with one grouped query, whatever their number."""
    if not grievance_ids:
        return
    tz = timezone.get_default_timezone()
    groups = (
        _sliced(
            Grievance.objects.filter(pk__in=_ids_subquery(sorted(grievance_ids))).annotate(
                filed_on=TruncDate("submitted_at", tzinfo=tz)
            ),
            "current_office_id",
            "status",
            "filed_on",
            # The holding office's ancestry in the same query, so the sweep's query count stays fixed.
            above=RawSQL(_ABOVE_SQL[connection.vendor], []),  # noqa: S611 - our own SQL, no values
            district=RawSQL(_DISTRICT_OF_HOLDER, DISTRICT_PARAMS),  # noqa: S611 - our own SQL
        )
        .annotate(grievances=Count("pk"))
        .order_by()
    )
    deltas = Deltas()
    day = local_day(at)
    ancestry: dict[int, tuple[list[int], int | None]] = {}
    for row in groups:
        dims, n, office_id = _slice_from(row), row["grievances"], row["current_office_id"]
        ancestry[office_id] = ([int(pk) for pk in str(row["above"]).split(",")], row["district"])
        common = {"office_id": office_id, "day": row["filed_on"], "slice": dims, "status": row["status"]}
        deltas.add_state(**common, overdue=False, n=-n)
        deltas.add_state(**common, overdue=True, n=n)
        deltas.add_flow(office_id=office_id, day=day, slice=dims, kind=FlowKind.OVERDUE, n=n)
    deltas.write(ancestry)


_HOLDER = f"x.id = {_q(Grievance._meta.db_table)}.current_office_id"
_DISTRICT_OF_HOLDER = f"(SELECT {DISTRICT_SQL} FROM {_Q_OFFICE} x {DISTRICT_JOINS} WHERE {_HOLDER})"  # noqa: S608
# The office holding a grievance and every office above it, as "id,id,...": those whose path begins its path.
_ABOVE_SQL = {
    vendor: (
        f"(SELECT {agg} FROM {_Q_OFFICE} x JOIN"  # noqa: S608 - our own names
        f" {_Q_OFFICE} a ON substr(x.path, 1, length(a.path)) = a.path "
        f"WHERE {_HOLDER})"
    )
    for vendor, agg in (("postgresql", "string_agg(a.id::text, ',')"), ("sqlite", "group_concat(a.id, ',')"))
}


# --- Rebuilding from the grievances ----------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    state_rows: int
    flow_rows: int
    grievances: int


class _Sql:
    """The few expressions the rebuild's statements need that PostgreSQL and SQLite spell differently."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.tz = str(timezone.get_default_timezone())

    def local_date(self, column: str) -> str:
        """The Asia/Dhaka date of a timestamp column (the same day :func:`local_day` gives)."""
        if self.pg:
            return f"(({column}) AT TIME ZONE '{self.tz}')::date"
        return f"django_datetime_cast_date({column}, '{self.tz}', 'UTC')"

    def json_text(self, column: str, key: str) -> str:
        return f"({column} ->> '{key}')" if self.pg else f"json_extract({column}, '$.{key}')"

    def period_start(self, grain: str, day: str) -> str:
        """The first day of the ``grain`` period holding ``day`` (weeks from Sunday, as :func:`period_start`)."""
        if self.pg:
            return (
                f"CASE {grain} WHEN 'w' THEN {day} - EXTRACT(DOW FROM {day})::int "
                f"WHEN 'm' THEN date_trunc('month', {day})::date ELSE date_trunc('year', {day})::date END"
            )
        return (
            f"CASE {grain} WHEN 'w' THEN date({day}, '-' || strftime('%w', {day}) || ' days') "
            f"WHEN 'm' THEN date({day}, 'start of month') ELSE date({day}, 'start of year') END"
        )


def _tables() -> dict[str, str]:
    from charters.models import Programme

    return {
        "state": _q(StateTally._meta.db_table),
        "flow": _q(FlowTally._meta.db_table),
        "grievance": _q(Grievance._meta.db_table),
        "event": _q(GrievanceEvent._meta.db_table),
        "feedback": _q(Grievance._meta.get_field("feedback").related_model._meta.db_table),
        "service": _q(CharterService._meta.db_table),
        "programme": _q(Programme._meta.db_table),
        "office": _Q_OFFICE,
    }


_OPEN_SQL = "(" + ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES)) + ")"
_STATE_COLUMNS = ", ".join(_q(c) for c in (*STATE_KEY, *STATE_VALUES))
_FLOW_COLUMNS = ", ".join(_q(c) for c in (*FLOW_KEY, *FLOW_VALUES))


def _family_columns(t: dict[str, str]) -> tuple[str, str]:
    """(joins, select list) of the family dimensions of grievance ``g`` under family ``f.family``: one row per
    family from a three-row cross join, as :meth:`Slice.families` has them."""
    joins = (
        f"CROSS JOIN (SELECT '{Family.CORE}' AS family UNION ALL SELECT '{Family.CATEGORY}' "
        f"UNION ALL SELECT '{Family.CHANNEL}') f "
        f"LEFT JOIN {t['service']} s ON s.id = g.service_id LEFT JOIN {t['programme']} p ON p.id = s.programme_id"
    )
    category = f"f.family = '{Family.CATEGORY}'"
    columns = (
        "g.type, g.simulated, "
        f"CASE WHEN {category} THEN COALESCE(g.category_id, 0) ELSE 0 END, "
        f"CASE WHEN {category} THEN COALESCE(s.programme_id, 0) ELSE 0 END, "
        f"CASE WHEN {category} THEN (COALESCE(s.g2p, FALSE) OR COALESCE(p.g2p, FALSE)) ELSE FALSE END, "
        f"CASE WHEN f.family = '{Family.CHANNEL}' THEN g.channel ELSE '' END"
    )
    return joins, columns


@transaction.atomic
def tallies_rebuild() -> RebuildResult:
    """Empty both tallies and recompute them from the grievances and their events, set-based: each office's
    rows by day, then the longer grains, the district family and the subtree rows, each one ``INSERT ...
    SELECT``. Only the working days of resolutions are counted in Python, once per distinct pair of days.

    Runs in one transaction. On PostgreSQL it drops the tallies' keys and adds them back at the end, which
    locks both tables: dashboards and every grievance write wait until it commits. The holding office
    at an event is the grievance's current office for events after which it can no longer move
    (settlements, appeals, feedback), and is found from the forwarding history for ``overdue`` events.
    """
    sql, t = _Sql(), _tables()
    if sql.pg:
        with connection.cursor() as cursor:
            # Checked as each row goes in, so that no check is still pending when the keys are dropped.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {t['state']}, {t['flow']}")
    else:
        StateTally.objects.all().delete()
        FlowTally.objects.all().delete()
    family_joins, family = _family_columns(t)
    filed_on = sql.local_date("g.submitted_at")
    grouped = "GROUP BY " + ", ".join(str(i) for i in range(1, len(STATE_KEY) + 1))
    flow_grouped = "GROUP BY " + ", ".join(str(i) for i in range(1, len(FLOW_KEY) + 1))
    core = f"f.family = '{Family.CORE}'"

    def run(statement: str, params: list | None = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])

    if sql.pg:
        # Room to group and sort millions of rows in memory, for this transaction only; and the unique keys
        # built once at the end (a sort) rather than row by row (they lock the tables until it commits).
        run("SET LOCAL work_mem = '256MB'")
        restore_keys = _drop_keys([t["state"], t["flow"]])
    # Every office with itself and each office above it: a small table the subtree rows are joined through.
    run("CREATE TEMPORARY TABLE tally_ancestry (origin bigint, id bigint)")
    run(
        f"INSERT INTO tally_ancestry WITH RECURSIVE up (origin, id, parent) AS ("  # noqa: S608 - our own names only
        f"SELECT id, id, parent_id FROM {_Q_OFFICE} "
        f"UNION ALL SELECT up.origin, o.id, o.parent_id FROM up JOIN {_Q_OFFICE} o ON o.id = up.parent) "
        f"SELECT origin, id FROM up"
    )
    if sql.pg:
        run("ANALYZE tally_ancestry")

    # Each office's rows, by day. The state: where each grievance is held now, by its filing day.
    run(
        f"INSERT INTO {t['state']} ({_STATE_COLUMNS}) "  # noqa: S608 - our own names only
        f"SELECT g.current_office_id, FALSE, f.family, 'd', {filed_on}, {family}, "
        f"CASE WHEN {core} THEN g.status WHEN g.status IN {_OPEN_SQL} THEN '{SettledOrOpen.OPEN}' "
        f"ELSE '{SettledOrOpen.SETTLED}' END, "
        f"CASE WHEN {core} THEN g.overdue ELSE (g.overdue AND g.status IN {_OPEN_SQL}) END, COUNT(*) "
        f"FROM {t['grievance']} g {family_joins} {grouped}"
    )

    def flows(office: str, day: str, kind: str, counterpart: str, rating: str, source: str, where: str = "") -> None:
        run(
            f"INSERT INTO {t['flow']} ({_FLOW_COLUMNS}) "  # noqa: S608 - our own names only
            f"SELECT {office}, FALSE, f.family, 'd', {day}, {family}, {kind}, {counterpart}, {rating}, "
            f"COUNT(*), 0, 0 FROM {source} {family_joins} {where} {flow_grouped}"
        )

    grievances = f"{t['grievance']} g"
    events = f"{t['event']} e JOIN {t['grievance']} g ON g.id = e.grievance_id"
    at = sql.local_date("e.at")
    flows("g.office_id", filed_on, f"'{FlowKind.FILED}'", "0", "0", grievances)
    # Settlements and appeals: the grievance can no longer move, so its holder then is its holder now.
    settled = [EventKind.REJECTED, EventKind.CLOSED, EventKind.APPEALED, EventKind.APPEAL_DECIDED]
    kinds = ", ".join(f"'{kind}'" for kind in settled)
    flows("g.current_office_id", at, "e.kind", "0", "0", events, f"WHERE e.kind IN ({kinds})")
    flows(
        "g.current_office_id",
        at,
        f"'{FlowKind.FEEDBACK}'",
        "0",
        "COALESCE(fb.rating, 0)",
        f"{events} LEFT JOIN {t['feedback']} fb ON fb.grievance_id = g.id",
        f"WHERE e.kind = '{EventKind.FEEDBACK}'",
    )
    # Forwardings: out at the sending office, in at the receiving one, each naming the other.
    forwarded = (
        f"{events} JOIN {t['office']} src ON src.code = {sql.json_text('e.data', 'from')} "
        f"JOIN {t['office']} dst ON dst.code = {sql.json_text('e.data', 'to')} "
        f"CROSS JOIN (SELECT '{FlowKind.FORWARDED_OUT}' AS kind UNION ALL SELECT '{FlowKind.FORWARDED_IN}') way"
    )
    out = f"way.kind = '{FlowKind.FORWARDED_OUT}'"
    flows(
        f"CASE WHEN {out} THEN src.id ELSE dst.id END",
        at,
        "way.kind",
        f"CASE WHEN {out} THEN dst.id ELSE src.id END",
        "0",
        forwarded,
        f"WHERE e.kind = '{EventKind.FORWARDED}'",
    )
    # Overdue marks: held by the office the last earlier forwarding sent the grievance to, else where filed.
    holder = (
        f"COALESCE((SELECT {sql.json_text('fw.data', 'to')} FROM {t['event']} fw "  # noqa: S608 - our own names
        f"WHERE fw.grievance_id = e.grievance_id AND fw.kind = '{EventKind.FORWARDED}' "
        f"AND (fw.at < e.at OR (fw.at = e.at AND fw.id < e.id)) ORDER BY fw.at DESC, fw.id DESC LIMIT 1), "
        f"home.code)"
    )
    flows(
        "held.id",
        at,
        f"'{FlowKind.OVERDUE}'",
        "0",
        "0",
        f"{events} JOIN {t['office']} home ON home.id = g.office_id JOIN {t['office']} held ON held.code = {holder}",
        f"WHERE e.kind = '{EventKind.OVERDUE}'",
    )
    _rebuild_resolutions(sql, t, family_joins, family, flow_grouped)

    # The longer grains from the days; then the district family; then the subtree rows up the tree.
    grains = f"(SELECT '{Grain.WEEK}' AS grain UNION ALL SELECT '{Grain.MONTH}' UNION ALL SELECT '{Grain.YEAR}') gr"
    for table, keys, values in ((t["state"], STATE_KEY, STATE_VALUES), (t["flow"], FLOW_KEY, FLOW_VALUES)):
        columns = ", ".join(_q(c) for c in (*keys, *values))
        rest = ", ".join(f"r.{_q(c)}" for c in keys[5:])
        sums = ", ".join(f"SUM(r.{_q(v)})" for v in values)
        group = "GROUP BY " + ", ".join(str(i) for i in range(1, len(keys) + 1))
        run(
            f"INSERT INTO {table} ({columns}) SELECT r.office_id, FALSE, r.family, gr.grain, "  # noqa: S608
            f"{sql.period_start('gr.grain', 'r.period')}, {rest}, {sums} "
            f"FROM {table} r CROSS JOIN {grains} WHERE r.grain = 'd' {group}"
        )
        is_state = keys is STATE_KEY
        status = (
            f"CASE WHEN r.status IN {_OPEN_SQL} THEN '{SettledOrOpen.OPEN}' ELSE '{SettledOrOpen.SETTLED}' END, "
            f"(r.overdue AND r.status IN {_OPEN_SQL})"
            if is_state
            else "r.kind, r.counterpart, r.rating"
        )
        run(
            f"INSERT INTO {table} ({columns}) SELECT r.office_id, FALSE, '{Family.DISTRICT}', r.grain, r.period, "  # noqa: S608
            f"r.type, r.simulated, {DISTRICT_SQL}, 0, FALSE, '', {status}, {sums} "
            f"FROM {table} r JOIN {_Q_OFFICE} x ON x.id = r.office_id {DISTRICT_JOINS} "
            f"WHERE r.family = '{Family.CORE}' AND {DISTRICT_SQL} IS NOT NULL {group}",
            [*DISTRICT_PARAMS, *DISTRICT_PARAMS],
        )
        # Written in key order, so that a scope's rows sit together on few pages.
        run(
            f"INSERT INTO {table} ({columns}) SELECT up.id, TRUE, "  # noqa: S608 - our own names only
            f"{', '.join(f'r.{_q(c)}' for c in keys[2:])}, {sums} "
            f"FROM {table} r JOIN tally_ancestry up ON up.origin = r.office_id WHERE r.subtree = FALSE {group} "
            f"ORDER BY {', '.join(str(i) for i in range(1, len(keys) + 1))}"
        )
    run("DROP TABLE tally_ancestry")
    if sql.pg:
        for statement in restore_keys:
            run(statement)
        run(f"ANALYZE {t['state']}")
        run(f"ANALYZE {t['flow']}")
    return RebuildResult(
        state_rows=StateTally.objects.count(),
        flow_rows=FlowTally.objects.count(),
        grievances=Grievance.objects.count(),
    )


def _drop_keys(tables: list[str]) -> list[str]:
    """PostgreSQL: drop the tables' unique and foreign keys, and answer the statements that add them back
    (each checked once over the whole table, instead of row by row as millions of rows go in)."""
    restore = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f') ORDER BY contype DESC",
            [[table.strip('"') for table in tables]],
        )
        for table, name, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_q(name)}")
            restore.append(f"ALTER TABLE {table} ADD CONSTRAINT {_q(name)} {definition}")
    return restore


def _rebuild_resolutions(sql: _Sql, t: dict[str, str], family_joins: str, family: str, grouped: str) -> None:
    """The ``resolved`` flows with their working days and in-time counts: the timeframe of each (office,
    service) and the working days of each distinct (filed, resolved, timeframe) are counted in Python, put
    in two temporary tables, and joined in."""
    filed_on, at = sql.local_date("g.submitted_at"), sql.local_date("e.at")
    events = f"{t['event']} e JOIN {t['grievance']} g ON g.id = e.grievance_id"
    resolved = f"e.kind = '{EventKind.RESOLVED}'"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT g.office_id, g.service_id FROM {events} WHERE {resolved}")  # noqa: S608
        pairs = cursor.fetchall()
        services = {service.pk: service for service in CharterService.objects.all()}
        timeframes = [
            (office_id, service_id or 0, gro_timeframe_days(Office(pk=office_id), services.get(service_id)))
            for office_id, service_id in pairs
        ]
        cursor.execute("CREATE TEMPORARY TABLE tally_timeframe (office_id bigint, service_id bigint, days int)")
        cursor.execute(
            "CREATE TEMPORARY TABLE tally_workdays (filed date, resolved date, timeframe int, days int, in_time int)"
        )
        try:
            for batch in _batches(timeframes, BATCH):
                cursor.execute(
                    f"INSERT INTO tally_timeframe VALUES {', '.join(['(%s, %s, %s)'] * len(batch))}",  # noqa: S608
                    [value for row in batch for value in row],
                )
            cursor.execute(
                f"SELECT DISTINCT {filed_on}, {at}, tf.days FROM {events} "  # noqa: S608
                f"JOIN tally_timeframe tf ON tf.office_id = g.office_id AND tf.service_id = COALESCE(g.service_id, 0) "
                f"WHERE {resolved}"
            )
            holidays = set(Holiday.objects.values_list("date", flat=True))
            rows = []
            for filed, resolved_on, timeframe in cursor.fetchall():
                filed, resolved_on = _as_date(filed), _as_date(resolved_on)
                promised = add_working_days(filed, timeframe, holidays=holidays)
                days = working_days_between(filed, resolved_on, holidays=holidays)
                rows.append((filed, resolved_on, timeframe, days, int(resolved_on <= promised)))
            for batch in _batches(rows, BATCH):
                cursor.execute(
                    f"INSERT INTO tally_workdays VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(batch))}",  # noqa: S608
                    [
                        connection.ops.adapt_datefield_value(v) if isinstance(v, date) else v
                        for row in batch
                        for v in row
                    ],
                )
            cursor.execute(
                f"INSERT INTO {t['flow']} ({_FLOW_COLUMNS}) "  # noqa: S608 - our own names only
                f"SELECT g.current_office_id, FALSE, f.family, 'd', {at}, {family}, '{FlowKind.RESOLVED}', 0, 0, "
                f"COUNT(*), SUM(w.days), SUM(w.in_time) FROM {events} "
                f"JOIN tally_timeframe tf ON tf.office_id = g.office_id AND tf.service_id = COALESCE(g.service_id, 0) "
                f"JOIN tally_workdays w ON w.filed = {filed_on} AND w.resolved = {at} AND w.timeframe = tf.days "
                f"{family_joins} WHERE {resolved} {grouped}"
            )
        finally:
            cursor.execute("DROP TABLE tally_timeframe")
            cursor.execute("DROP TABLE tally_workdays")


def _as_date(value) -> date:
    # SQLite hands computed dates back as text; PostgreSQL as dates.
    return value if isinstance(value, date) else date.fromisoformat(value)
