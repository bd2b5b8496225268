"""Keeping the dashboard tallies exact, inside the transaction of the write that changes a grievance.

``grievances.services`` calls :func:`tally_hold` when it locks a grievance (where and how it is held
before the change), :func:`tally_event` when it records an event, and :func:`tally_overdue` after the
SLA sweep. Every change is counted in the rows of each owner it belongs to (the office itself, each
office above it, every office at once: see :mod:`dashboards.models`), found with one query up the tree,
in one upsert (``INSERT ... ON CONFLICT DO UPDATE SET c = c + excluded.c``, the same SQL on SQLite and
PostgreSQL) that adds to each row or creates it, so two transactions adding to the same row never lose a
count. Rows are written in key order, so two such transactions lock shared rows in the same order and
cannot deadlock. :func:`tallies_rebuild` recomputes the tallies from the grievances and their events with
a few ``INSERT ... SELECT`` statements, to back-fill or repair them.
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
from dashboards.models import COUNTERS, DIMENSIONS, EVERY_OFFICE, FORWARD_KEY, Family, ForwardTally, Grain, Tally
from grievances.models import EventKind, Grievance, GrievanceEvent
from grievances.sla import gro_timeframe_days
from grievances.workflow import OPEN_STATUSES
from offices.models import AdminUnit, Holiday, Office
from offices.workdays import add_working_days, working_days_between

# Weeks start on Sunday, the first working day of Bangladesh's week (Python's weekday() numbering).
WEEK_STARTS_ON = 6

TALLY_KEY = ("office", *DIMENSIONS)
FORWARD_COLUMNS = ("source_id", "target_id", *FORWARD_KEY[2:])
_AT = {name: i for i, name in enumerate(COUNTERS)}

# Upserts per statement: 28 columns x 500 rows stays far below SQLite's 32,766 parameters.
BATCH = 500

# Events that add one to a counter of the office holding the grievance.
_EVENT_COUNTERS = {
    EventKind.REJECTED: "rejected",
    EventKind.CLOSED: "closed",
    EventKind.APPEALED: "appealed",
    EventKind.APPEAL_DECIDED: "appeals_decided",
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


def stock(status: str, overdue: bool) -> tuple[int, int]:
    """(pending, overdue): what a grievance adds to the stock counters of the office holding it."""
    if status in OPEN_STATUSES:
        return 1, int(bool(overdue))
    return 0, 0


# The owners of an office's changes: (owner, subtree) for the office alone, each office above it (itself
# included) with its subtree, and every office at once.
Owners = list[tuple[int, bool]]
# ``{office: ([the office and every office above it], its district's AdminUnit id or None)}``
Ancestry = dict[int, tuple[list[int], int | None]]


class Deltas:
    """Changes at the offices where they happen, gathered per (office, counterpart, day, slice): the
    counterpart is a forwarding's other office, 0 otherwise. :meth:`write` adds each to the rows of every
    owner it belongs to, as one upsert per table."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int, date, Slice], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))

    def add(self, *, office_id: int, day: date, slice: Slice, counterpart: int = 0, **counts: int) -> None:
        values = self.rows[(office_id, counterpart, day, slice)]
        for name, n in counts.items():
            values[_AT[name]] += n

    def write(self, ancestry: Ancestry | None = None) -> None:
        """Add every gathered change to the tables (a move that nets to nothing writes nothing); ``ancestry``
        is :func:`office_ancestry` of the offices changed when the caller has it already."""
        changed = {key: values for key, values in self.rows.items() if any(values)}
        self.rows.clear()
        if not changed:
            return
        if ancestry is None:
            ancestry = office_ancestry(
                {office for office, _c, _d, _s in changed} | {c for _o, c, _d, _s in changed if c}
            )
        tally, forwards = _spread(changed, ancestry)
        _upsert(Tally, TALLY_KEY, COUNTERS, tally)
        _upsert(ForwardTally, FORWARD_COLUMNS, ("n",), forwards)


def _spread(rows: dict, ancestry: Ancestry) -> tuple[dict[tuple, list[int]], dict[tuple, list[int]]]:
    """Each change in the rows of every owner, family and grain it counts in; and each forwarding in the
    forwarding tally. A forwarding counts only for the owners whose border it crosses: an office's own rows
    always, a subtree's when the other office is outside it, every office's never; a district row's also when
    the two offices lie in different districts."""
    tally: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    forwards: dict[tuple, list[int]] = defaultdict(lambda: [0])
    for (office_id, counterpart, day, slice), values in rows.items():
        above, district = ancestry[office_id]
        owners: Owners = [(office_id, False), *((a, True) for a in above), (EVERY_OFFICE, True)]
        crossed = in_district = owners
        if counterpart:
            other_above, other_district = ancestry[counterpart]
            crossed = [
                (owner, subtree)
                for owner, subtree in owners
                if not subtree or (owner != EVERY_OFFICE and owner not in other_above)
            ]
            in_district = owners if other_district != district else crossed
            if values[_AT["forwarded"]]:
                for grain in Grain.values:
                    key = (office_id, counterpart, grain, period_start(grain, day), *_slice_key(slice))
                    forwards[key][0] += values[_AT["forwarded"]]
        families = slice.families()
        if district is not None:
            families = (*families, (Family.DISTRICT, district, 0, False, ""))
        for family, category, programme, g2p, channel in families:
            for owner, subtree in in_district if family == Family.DISTRICT else crossed:
                for grain in Grain.values:
                    target = tally[
                        (
                            owner,
                            subtree,
                            family,
                            grain,
                            period_start(grain, day),
                            slice.type,
                            slice.simulated,
                            category,
                            programme,
                            g2p,
                            channel,
                        )
                    ]
                    for i, value in enumerate(values):
                        target[i] += value
    return tally, forwards


def _slice_key(slice: Slice) -> tuple:
    return (slice.type, slice.simulated, slice.category, slice.programme, slice.g2p, slice.channel)


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


def district_joins(office: str) -> str:
    """The joins :func:`district_of` needs for the office aliased ``office``."""
    return (
        f"LEFT JOIN {_Q_AREA} {office}a ON {office}a.id = {office}.admin_unit_id "
        f"LEFT JOIN {_Q_AREA} {office}ap ON {office}ap.id = {office}a.parent_id"
    )


def district_of(office: str) -> str:
    """The district of the office aliased ``office`` (with :data:`DISTRICT_PARAMS`): its area when a district,
    the area's parent for an upazila, the parent's parent for a union; NULL above districts (ministries,
    directorates, divisions)."""
    return (
        f"CASE {office}a.level WHEN %s THEN {office}a.id WHEN %s THEN {office}a.parent_id "
        f"WHEN %s THEN {office}ap.parent_id END"
    )


DISTRICT_PARAMS = [AdminUnit.Level.DISTRICT, AdminUnit.Level.UPAZILA, AdminUnit.Level.UNION]
# Office ``x``'s district, as most statements here ask for it.
DISTRICT_JOINS, DISTRICT_SQL = district_joins("x"), district_of("x")


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

    The stock moves from where the grievance was held (:func:`tally_hold`) to where it is now; the flow
    counts the event at the office where it happened. Events that change neither (a hearing, a question
    answered) cost no query.
    """
    after = _held(grievance)
    if event.kind == EventKind.SUBMITTED:
        before = None
    else:
        before = getattr(grievance, "_tally_held", None)
        if before is None:
            raise RuntimeError("tally_event needs tally_hold(grievance) when the grievance was locked")
    grievance._tally_held = after
    flow = event.kind in _EVENT_COUNTERS or event.kind in (
        EventKind.SUBMITTED,
        EventKind.FORWARDED,
        EventKind.RESOLVED,
        EventKind.FEEDBACK,
    )
    if before == after and not flow:
        return

    deltas = Deltas()
    dims = slice_of(grievance)
    filed_on = local_day(grievance.submitted_at)
    if before != after:
        if before is not None:
            pending, overdue = stock(before[1], before[2])
            deltas.add(office_id=before[0], day=filed_on, slice=dims, pending=-pending, overdue=-overdue)
        pending, overdue = stock(after[1], after[2])
        deltas.add(office_id=after[0], day=filed_on, slice=dims, pending=pending, overdue=overdue)

    day = local_day(event.at)
    here = grievance.current_office_id
    if event.kind == EventKind.SUBMITTED:
        deltas.add(office_id=here, day=filed_on, slice=dims, received=1)
    elif event.kind == EventKind.FORWARDED:
        source = before[0]
        deltas.add(office_id=source, day=day, slice=dims, counterpart=here, forwarded=1)
        deltas.add(office_id=here, day=day, slice=dims, counterpart=source, received=1)
    elif event.kind == EventKind.RESOLVED:
        days, in_time = _resolution_time(
            grievance.submitted_at, event.at, gro_timeframe_days(grievance.office, grievance.service)
        )
        deltas.add(office_id=here, day=day, slice=dims, resolved=1, resolution_days=days, resolved_in_time=in_time)
    elif event.kind == EventKind.FEEDBACK:
        deltas.add(office_id=here, day=day, slice=dims, **{f"rated_{int(event.data['rating'])}": 1})
    elif event.kind in _EVENT_COUNTERS:
        deltas.add(office_id=here, day=day, slice=dims, **{_EVENT_COUNTERS[event.kind]: 1})
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
    """The SLA sweep just marked these grievances overdue: count them overdue where they are held, and one
    ``marked_overdue`` each on the day of the sweep, with one grouped query, whatever their number."""
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
    ancestry: Ancestry = {}
    for row in groups:
        dims, n, office_id = _slice_from(row), row["grievances"], row["current_office_id"]
        ancestry[office_id] = ([int(pk) for pk in str(row["above"]).split(",")], row["district"])
        # Only open grievances are swept; an overdue mark on a settled one would count in no stock.
        _pending, overdue = stock(row["status"], True)
        deltas.add(office_id=office_id, day=row["filed_on"], slice=dims, overdue=n * overdue)
        deltas.add(office_id=office_id, day=day, slice=dims, marked_overdue=n)
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
    tally_rows: int
    forward_rows: int
    grievances: int


class _Sql:
    """The few expressions the rebuild's statements need that PostgreSQL and SQLite spell differently."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.tz = str(timezone.get_default_timezone())

    @property
    def collate(self) -> str:
        """Byte-order text comparison, for the rebuild's sorts of millions of rows (the tallies' text columns
        hold lowercase ASCII only, which sorts the same in every collation)."""
        return ' COLLATE "C"' if self.pg else ""

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
                f"CASE {grain} WHEN 'd' THEN {day} WHEN 'w' THEN {day} - EXTRACT(DOW FROM {day})::int "
                f"WHEN 'm' THEN date_trunc('month', {day})::date ELSE date_trunc('year', {day})::date END"
            )
        return (
            f"CASE {grain} WHEN 'd' THEN {day} WHEN 'w' THEN date({day}, '-' || strftime('%w', {day}) || ' days') "
            f"WHEN 'm' THEN date({day}, 'start of month') ELSE date({day}, 'start of year') END"
        )


def _tables() -> dict[str, str]:
    from charters.models import Programme

    return {
        "tally": _q(Tally._meta.db_table),
        "forward": _q(ForwardTally._meta.db_table),
        "grievance": _q(Grievance._meta.db_table),
        "event": _q(GrievanceEvent._meta.db_table),
        "feedback": _q(Grievance._meta.get_field("feedback").related_model._meta.db_table),
        "service": _q(CharterService._meta.db_table),
        "programme": _q(Programme._meta.db_table),
        "office": _Q_OFFICE,
    }


_OPEN_SQL = "(" + ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES)) + ")"
_SLICE = ("type", "simulated", "category", "programme", "g2p", "channel")
# Each office's own changes by day, before they are summed into the owners' rows: one row per statement
# that counts something, with the forwarding's other office in ``counterpart`` (0 for everything else).
_PART_COLUMNS = ("office", "counterpart", "family", "day", *_SLICE)


def _part_table(collate: str) -> str:
    text = f"{collate}, " if collate else ", "
    return (
        f"CREATE TEMPORARY TABLE tally_part (office bigint, counterpart bigint, family varchar(8){text}day date, "
        f"type varchar(10){text}simulated boolean, category bigint, programme bigint, g2p boolean, "
        f"channel varchar(10){text}" + ", ".join(f"{c} bigint DEFAULT 0" for c in COUNTERS) + ")"
    )


def _slice_columns(t: dict[str, str]) -> tuple[str, str, str, str]:
    """(joins, grievance ``g``'s whole slice, joins with one row per family, ``g``'s slice under family
    ``f.family``): three rows from a cross join, as :meth:`Slice.families` has them."""
    joins = f"LEFT JOIN {t['service']} s ON s.id = g.service_id LEFT JOIN {t['programme']} p ON p.id = s.programme_id"
    g2p = "(COALESCE(s.g2p, FALSE) OR COALESCE(p.g2p, FALSE))"
    whole = f"g.type, g.simulated, COALESCE(g.category_id, 0), COALESCE(s.programme_id, 0), {g2p}, g.channel"
    category = f"f.family = '{Family.CATEGORY}'"
    by_family = (
        "g.type, g.simulated, "
        f"CASE WHEN {category} THEN COALESCE(g.category_id, 0) ELSE 0 END, "
        f"CASE WHEN {category} THEN COALESCE(s.programme_id, 0) ELSE 0 END, "
        f"CASE WHEN {category} THEN {g2p} ELSE FALSE END, "
        f"CASE WHEN f.family = '{Family.CHANNEL}' THEN g.channel ELSE '' END"
    )
    families = (
        f"CROSS JOIN (SELECT '{Family.CORE}' AS family UNION ALL SELECT '{Family.CATEGORY}' "
        f"UNION ALL SELECT '{Family.CHANNEL}') f "
    )
    return joins, whole, families + joins, by_family


@transaction.atomic
def tallies_rebuild() -> RebuildResult:
    """Empty the tallies and recompute them from the grievances and their events, set-based: each office's
    changes by day into a temporary table, one ``INSERT ... SELECT`` per thing counted; then the owners'
    rows by day, the longer grains, and the forwarding tally, one statement each. Only the working days of
    resolutions are counted in Python, once per distinct pair of days.

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
            cursor.execute(f"TRUNCATE {t['tally']}, {t['forward']}")
    else:
        Tally.objects.all().delete()
        ForwardTally.objects.all().delete()

    def run(statement: str, params: list | None = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])

    if sql.pg:
        # Room to group and sort millions of rows in memory, for this transaction only; and the unique keys
        # built once at the end (a sort) rather than row by row (they lock the tables until it commits).
        run("SET LOCAL work_mem = '1GB'")
        run("SET LOCAL jit = off")  # compiling the plans costs more than it saves on statements this size
        restore_keys = _drop_keys([t["tally"], t["forward"]])
    _rebuild_owners(run, sql)
    run(_part_table(sql.collate))
    _rebuild_parts(run, sql, t)
    # The district family: each office's core rows again, under the office's district.
    part = ", ".join(_PART_COLUMNS)
    counters = ", ".join(COUNTERS)
    run(
        f"INSERT INTO tally_part ({part}, {counters}) SELECT p.office, p.counterpart, '{Family.DISTRICT}', "  # noqa: S608
        f"p.day, p.type, p.simulated, d.district, 0, FALSE, '', {', '.join(f'p.{c}' for c in COUNTERS)} "
        f"FROM tally_part p JOIN tally_district d ON d.office = p.office "
        f"WHERE p.family = '{Family.CORE}' AND d.district IS NOT NULL"
    )
    if sql.pg:
        run("ANALYZE tally_part")
    columns = ", ".join(_q(c) for c in (*TALLY_KEY, *COUNTERS))
    keys = len(TALLY_KEY)
    group = "GROUP BY " + ", ".join(str(i) for i in range(1, keys + 1))
    sums = ", ".join(f"SUM(r.{c})" for c in COUNTERS)
    # The owners' rows by day. A forwarding counts where it crosses the owner's border: the office's own rows,
    # a subtree without the other office, and a district row whose district the other office is not in.
    other_district = "COALESCE((SELECT od.district FROM tally_district od WHERE od.office = r.counterpart), 0)"
    other_inside = (
        "EXISTS (SELECT 1 FROM tally_owner oo WHERE oo.origin = r.counterpart AND oo.owner = ow.owner AND oo.subtree)"
    )
    # Each statement groups (by hash: no sort of its millions of input rows), then writes the rows of one
    # owner, family and period together (a sort of its output by what dashboards read by), so that a
    # dashboard reads few pages.
    in_order = "ORDER BY 1, 2, 3, 4, 5"
    run(
        f"INSERT INTO {t['tally']} ({columns}) SELECT * FROM (SELECT ow.owner, ow.subtree, r.family, 'd', r.day, "  # noqa: S608
        f"{', '.join(f'r.{c}' for c in _SLICE)}, {sums} FROM tally_part r JOIN tally_owner ow ON ow.origin = r.office "
        f"WHERE r.counterpart = 0 OR NOT ow.subtree "
        f"OR (r.family = '{Family.DISTRICT}' AND r.category <> {other_district}) "
        f"OR (ow.owner <> {EVERY_OFFICE} AND NOT {other_inside}) {group}) d {in_order}"
    )
    # The longer grains from the days.
    grains = f"(SELECT '{Grain.WEEK}' AS grain UNION ALL SELECT '{Grain.MONTH}' UNION ALL SELECT '{Grain.YEAR}') gr"
    c = sql.collate
    rest = f"r.type{c}, r.simulated, r.category, r.programme, r.g2p, r.channel{c}"
    run(
        f"INSERT INTO {t['tally']} ({columns}) SELECT * FROM (SELECT r.office, r.subtree, r.family{c}, "  # noqa: S608
        f"gr.grain{c}, {sql.period_start('gr.grain', 'r.period')}, {rest}, {sums} "
        f"FROM {t['tally']} r CROSS JOIN {grains} WHERE r.grain = '{Grain.DAY}' {group}) d {in_order}"
    )
    _rebuild_forwards(run, sql, t)
    for table in ("tally_part", "tally_owner", "tally_district"):
        run(f"DROP TABLE {table}")
    if sql.pg:
        for statement in restore_keys:
            run(statement)
        run(f"ANALYZE {t['tally']}")
        run(f"ANALYZE {t['forward']}")
    return RebuildResult(
        tally_rows=Tally.objects.count(),
        forward_rows=ForwardTally.objects.count(),
        grievances=Grievance.objects.count(),
    )


def _rebuild_owners(run, sql: _Sql) -> None:
    """``tally_owner``: each office's owners (itself alone, each office above with its subtree, every office);
    ``tally_district``: each office's district."""
    run("CREATE TEMPORARY TABLE tally_owner (origin bigint, owner bigint, subtree boolean)")
    run(
        f"INSERT INTO tally_owner WITH RECURSIVE up (origin, id, parent) AS ("  # noqa: S608 - our own names only
        f"SELECT id, id, parent_id FROM {_Q_OFFICE} "
        f"UNION ALL SELECT up.origin, o.id, o.parent_id FROM up JOIN {_Q_OFFICE} o ON o.id = up.parent) "
        f"SELECT origin, id, TRUE FROM up UNION ALL SELECT id, id, FALSE FROM {_Q_OFFICE} "
        f"UNION ALL SELECT id, {EVERY_OFFICE}, TRUE FROM {_Q_OFFICE}"
    )
    run("CREATE TEMPORARY TABLE tally_district (office bigint, district bigint)")
    run(
        f"INSERT INTO tally_district SELECT x.id, {DISTRICT_SQL} FROM {_Q_OFFICE} x {DISTRICT_JOINS}",  # noqa: S608
        DISTRICT_PARAMS,
    )
    if sql.pg:
        run("CREATE INDEX ON tally_owner (origin, owner)")
        run("CREATE INDEX ON tally_district (office)")
        run("ANALYZE tally_owner")
        run("ANALYZE tally_district")


def _rebuild_parts(run, sql: _Sql, t: dict[str, str]) -> None:
    """Each office's changes by day, per family, into ``tally_part``: one statement per thing counted."""
    _joins, _whole, family_joins, family = _slice_columns(t)
    filed_on, at = sql.local_date("g.submitted_at"), sql.local_date("e.at")
    grouped = "GROUP BY " + ", ".join(str(i) for i in range(1, len(_PART_COLUMNS) + 1))

    def part(office: str, counterpart: str, day: str, counts: dict[str, str], source: str, where: str = "") -> None:
        run(
            f"INSERT INTO tally_part ({', '.join(_PART_COLUMNS)}, {', '.join(counts)}) "  # noqa: S608 - our own names
            f"SELECT {office}, {counterpart}, f.family, {day}, {family}, {', '.join(counts.values())} "
            f"FROM {source} {family_joins} {where} {grouped}"
        )

    grievances = f"{t['grievance']} g"
    events = f"{t['event']} e JOIN {t['grievance']} g ON g.id = e.grievance_id"
    # The stock: each open grievance where it is held now, by the day it was filed.
    open_overdue = "SUM(CASE WHEN g.overdue THEN 1 ELSE 0 END)"
    part(
        "g.current_office_id",
        "0",
        filed_on,
        {"pending": "COUNT(*)", "overdue": open_overdue},
        grievances,
        f"WHERE g.status IN {_OPEN_SQL}",
    )
    part("g.office_id", "0", filed_on, {"received": "COUNT(*)"}, grievances)
    # Settlements and appeals: the grievance can no longer move, so its holder then is its holder now.
    kinds = ", ".join(f"'{kind}'" for kind in _EVENT_COUNTERS)
    counts = {name: f"SUM(CASE WHEN e.kind = '{kind}' THEN 1 ELSE 0 END)" for kind, name in _EVENT_COUNTERS.items()}
    part("g.current_office_id", "0", at, counts, events, f"WHERE e.kind IN ({kinds})")
    ratings = {f"rated_{n}": f"SUM(CASE WHEN fb.rating = {n} THEN 1 ELSE 0 END)" for n in range(1, 6)}
    part(
        "g.current_office_id",
        "0",
        at,
        ratings,
        f"{events} JOIN {t['feedback']} fb ON fb.grievance_id = g.id",
        f"WHERE e.kind = '{EventKind.FEEDBACK}'",
    )
    # Forwardings: out at the sending office, in at the receiving one, each naming the other.
    forwarded = (
        f"{events} JOIN {t['office']} src ON src.code = {sql.json_text('e.data', 'from')} "
        f"JOIN {t['office']} dst ON dst.code = {sql.json_text('e.data', 'to')}"
    )
    is_forward = f"WHERE e.kind = '{EventKind.FORWARDED}'"
    part("src.id", "dst.id", at, {"forwarded": "COUNT(*)"}, forwarded, is_forward)
    part("dst.id", "src.id", at, {"received": "COUNT(*)"}, forwarded, is_forward)
    # Overdue marks: held by the office the last earlier forwarding sent the grievance to, else where filed.
    holder = (
        f"COALESCE((SELECT {sql.json_text('fw.data', 'to')} FROM {t['event']} fw "  # noqa: S608 - our own names
        f"WHERE fw.grievance_id = e.grievance_id AND fw.kind = '{EventKind.FORWARDED}' "
        f"AND (fw.at < e.at OR (fw.at = e.at AND fw.id < e.id)) ORDER BY fw.at DESC, fw.id DESC LIMIT 1), "
        f"home.code)"
    )
    part(
        "held.id",
        "0",
        at,
        {"marked_overdue": "COUNT(*)"},
        f"{events} JOIN {t['office']} home ON home.id = g.office_id JOIN {t['office']} held ON held.code = {holder}",
        f"WHERE e.kind = '{EventKind.OVERDUE}'",
    )
    _rebuild_resolutions(sql, t, part)


def _rebuild_forwards(run, sql: _Sql, t: dict[str, str]) -> None:
    """The forwarding tally, every grain, straight from the forwarding events."""
    joins, whole, _family_joins, _family = _slice_columns(t)
    at = sql.local_date("e.at")
    grains = (
        f"(SELECT '{Grain.DAY}' AS grain UNION ALL SELECT '{Grain.WEEK}' UNION ALL SELECT '{Grain.MONTH}' "
        f"UNION ALL SELECT '{Grain.YEAR}') gr"
    )
    run(
        f"INSERT INTO {t['forward']} ({', '.join(_q(c) for c in (*FORWARD_COLUMNS, 'n'))}) "  # noqa: S608
        f"SELECT src.id, dst.id, gr.grain, {sql.period_start('gr.grain', at)}, {whole}, COUNT(*) "
        f"FROM {t['event']} e JOIN {t['grievance']} g ON g.id = e.grievance_id "
        f"JOIN {t['office']} src ON src.code = {sql.json_text('e.data', 'from')} "
        f"JOIN {t['office']} dst ON dst.code = {sql.json_text('e.data', 'to')} {joins} CROSS JOIN {grains} "
        f"WHERE e.kind = '{EventKind.FORWARDED}' GROUP BY {', '.join(str(i) for i in range(1, len(FORWARD_KEY) + 1))}"
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


def _rebuild_resolutions(sql: _Sql, t: dict[str, str], part) -> None:
    """The resolutions with their working days and in-time counts: the timeframe of each (office, service)
    and the working days of each distinct (filed, resolved, timeframe) are counted in Python, put in two
    temporary tables, and joined in."""
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
            part(
                "g.current_office_id",
                "0",
                at,
                {"resolved": "COUNT(*)", "resolution_days": "SUM(w.days)", "resolved_in_time": "SUM(w.in_time)"},
                f"{events} JOIN tally_timeframe tf ON tf.office_id = g.office_id "
                f"AND tf.service_id = COALESCE(g.service_id, 0) "
                f"JOIN tally_workdays w ON w.filed = {filed_on} AND w.resolved = {at} AND w.timeframe = tf.days",
                f"WHERE {resolved}",
            )
        finally:
            cursor.execute("DROP TABLE tally_timeframe")
            cursor.execute("DROP TABLE tally_workdays")


def _as_date(value) -> date:
    # SQLite hands computed dates back as text; PostgreSQL as dates.
    return value if isinstance(value, date) else date.fromisoformat(value)
