"""Keeping the dashboard tallies exact, inside the transaction of the write that changes a grievance.

``grievances.services`` calls :func:`tally_hold` when it locks a grievance (where and how it is held
before the change), :func:`tally_event` when it records an event, and :func:`tally_overdue` after the
SLA sweep. Every change is a few upserts (``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``,
the same SQL on SQLite and PostgreSQL) that add to a row or create it, so two transactions adding to the
same row never lose a count. :func:`tallies_rebuild` recomputes both tallies from the grievances and
their events, set-based, to back-fill or repair them.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate
from django.utils import timezone

from charters.models import CharterService
from dashboards.models import Family, FlowKind, FlowTally, Grain, StateTally
from grievances.models import EventKind, Grievance, GrievanceEvent
from grievances.sla import gro_timeframe_days
from offices.models import Holiday, Office
from offices.workdays import add_working_days, working_days_between

# Weeks start on Sunday, the first working day of Bangladesh's week (Python's weekday() numbering).
WEEK_STARTS_ON = 6

STATE_KEY = (
    "office_id",
    "family",
    "grain",
    "period",
    "type",
    "simulated",
    "category",
    "programme",
    "g2p",
    "channel",
    "status",
    "overdue",
)
FLOW_KEY = (*STATE_KEY[:10], "kind", "counterpart", "rating")
STATE_VALUES = ("n",)
FLOW_VALUES = ("n", "days", "in_time")

# Upserts per statement: 13 columns x 500 rows stays far below SQLite's 32,766 parameters.
BATCH = 500
# Keys a rebuild gathers in memory before adding them to the tables.
REBUILD_FLUSH = 50_000

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


class Deltas:
    """Changes to both tallies, gathered per key, then written as one upsert per table."""

    def __init__(self) -> None:
        self.state: dict[tuple, list[int]] = defaultdict(lambda: [0])
        self.flow: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])

    def __len__(self) -> int:
        return len(self.state) + len(self.flow)

    def add_state(self, *, office_id: int, day: date, slice: Slice, status: str, overdue: bool, n: int) -> None:
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
                    status,
                    bool(overdue),
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

    def write(self) -> None:
        """Add every gathered change to the tables (a move that nets to nothing writes nothing)."""
        _upsert(StateTally, STATE_KEY, STATE_VALUES, self.state)
        _upsert(FlowTally, FLOW_KEY, FLOW_VALUES, self.flow)
        self.state.clear()
        self.flow.clear()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert(model, keys: tuple[str, ...], values: tuple[str, ...], rows: dict[tuple, list[int]]) -> None:
    changed = [(key, vals) for key, vals in rows.items() if any(vals)]
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


def _sliced(queryset, *fields):
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
        )
        .annotate(grievances=Count("pk"))
        .order_by()
    )
    deltas = Deltas()
    day = local_day(at)
    for row in groups:
        dims, n, office_id = _slice_from(row), row["grievances"], row["current_office_id"]
        common = {"office_id": office_id, "day": row["filed_on"], "slice": dims, "status": row["status"]}
        deltas.add_state(**common, overdue=False, n=-n)
        deltas.add_state(**common, overdue=True, n=n)
        deltas.add_flow(office_id=office_id, day=day, slice=dims, kind=FlowKind.OVERDUE, n=n)
    deltas.write()


# --- Rebuilding from the grievances ----------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    state_rows: int
    flow_rows: int
    grievances: int


@transaction.atomic
def tallies_rebuild() -> RebuildResult:
    """Empty both tallies and recompute them from the grievances and their events: grouped queries,
    the only per-row work being the working days of each resolution (with the holidays read once).

    Runs in one transaction, so dashboards read the old figures until it commits. The holding office
    at an event is the grievance's current office for events after which it can no longer move
    (settlements, appeals, feedback), and is found from the forwarding history for ``overdue`` events.
    """
    StateTally.objects.all().delete()
    FlowTally.objects.all().delete()
    tz = timezone.get_default_timezone()
    deltas = Deltas()

    def flush_if_big() -> None:
        if len(deltas) >= REBUILD_FLUSH:
            deltas.write()

    # The state tally, and the filings: one grouped pass over the grievances.
    grievances = (
        _sliced(
            Grievance.objects.annotate(filed_on=TruncDate("submitted_at", tzinfo=tz)),
            "office_id",
            "current_office_id",
            "status",
            "overdue",
            "filed_on",
        )
        .annotate(grievances=Count("pk"))
        .order_by()
    )
    total = 0
    for row in grievances.iterator(chunk_size=5000):
        dims, n, day = _slice_from(row), row["grievances"], row["filed_on"]
        total += n
        deltas.add_state(
            office_id=row["current_office_id"],
            day=day,
            slice=dims,
            status=row["status"],
            overdue=row["overdue"],
            n=n,
        )
        deltas.add_flow(office_id=row["office_id"], day=day, slice=dims, kind=FlowKind.FILED, n=n)
        flush_if_big()

    def grouped_events(kinds, *extra, **named):
        events = GrievanceEvent.objects.filter(kind__in=kinds)
        return (
            events.values(
                "kind",
                "grievance__type",
                "grievance__simulated",
                "grievance__category_id",
                "grievance__channel",
                *extra,
                programme_id=F("grievance__service__programme_id"),
                service_g2p=F("grievance__service__g2p"),
                programme_g2p=F("grievance__service__programme__g2p"),
                day=TruncDate("at", tzinfo=tz),
                **named,
            )
            .annotate(events=Count("pk"))
            .order_by()
        )

    prefix = "grievance__"
    # Settlements, appeals and feedback: the grievance can no longer move, so its holder then is its holder now.
    settled = [kind for kind in _EVENT_FLOWS if kind not in (EventKind.RESOLVED, EventKind.FEEDBACK)]
    for row in grouped_events(settled, "grievance__current_office_id").iterator(chunk_size=5000):
        deltas.add_flow(
            office_id=row["grievance__current_office_id"],
            day=row["day"],
            slice=_slice_from(row, prefix),
            kind=_EVENT_FLOWS[row["kind"]],
            n=row["events"],
        )
        flush_if_big()
    feedback = grouped_events([EventKind.FEEDBACK], "grievance__current_office_id", "grievance__feedback__rating")
    for row in feedback.iterator(chunk_size=5000):
        deltas.add_flow(
            office_id=row["grievance__current_office_id"],
            day=row["day"],
            slice=_slice_from(row, prefix),
            kind=FlowKind.FEEDBACK,
            rating=row["grievance__feedback__rating"],
            n=row["events"],
        )
        flush_if_big()

    office_ids = dict(Office.objects.values_list("code", "pk"))
    forwards = grouped_events([EventKind.FORWARDED], source=KT("data__from"), target=KT("data__to"))
    for row in forwards.iterator(chunk_size=5000):
        source, target, dims = office_ids[row["source"]], office_ids[row["target"]], _slice_from(row, prefix)
        common = {"day": row["day"], "slice": dims, "n": row["events"]}
        deltas.add_flow(office_id=source, kind=FlowKind.FORWARDED_OUT, counterpart=target, **common)
        deltas.add_flow(office_id=target, kind=FlowKind.FORWARDED_IN, counterpart=source, **common)
        flush_if_big()

    # Overdue events: held by the office the last earlier forwarding sent the grievance to, else where filed.
    earlier_forward = (
        GrievanceEvent.objects.filter(grievance=OuterRef("grievance"), kind=EventKind.FORWARDED)
        .filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")))
        .order_by("-at", "-pk")
        .values(to=KT("data__to"))[:1]
    )
    overdue = grouped_events([EventKind.OVERDUE], "grievance__office__code", holder=Subquery(earlier_forward))
    for row in overdue.iterator(chunk_size=5000):
        deltas.add_flow(
            office_id=office_ids[row["holder"] or row["grievance__office__code"]],
            day=row["day"],
            slice=_slice_from(row, prefix),
            kind=FlowKind.OVERDUE,
            n=row["events"],
        )
        flush_if_big()

    # Resolutions, one by one for their working days: the holidays and each office's timeframe read once.
    holidays = set(Holiday.objects.values_list("date", flat=True))
    timeframes: dict[tuple[int, int | None], int] = {}
    services = {service.pk: service for service in CharterService.objects.all()}
    resolved = (
        GrievanceEvent.objects.filter(kind=EventKind.RESOLVED)
        .values(
            "at",
            "grievance__type",
            "grievance__simulated",
            "grievance__category_id",
            "grievance__channel",
            "grievance__submitted_at",
            "grievance__office_id",
            "grievance__service_id",
            "grievance__current_office_id",
            programme_id=F("grievance__service__programme_id"),
            service_g2p=F("grievance__service__g2p"),
            programme_g2p=F("grievance__service__programme__g2p"),
        )
        .order_by()
    )
    for row in resolved.iterator(chunk_size=5000):
        pair = (row["grievance__office_id"], row["grievance__service_id"])
        if pair not in timeframes:
            timeframes[pair] = gro_timeframe_days(Office(pk=pair[0]), services.get(pair[1]) if pair[1] else None)
        days, in_time = _resolution_time(row["grievance__submitted_at"], row["at"], timeframes[pair], holidays=holidays)
        deltas.add_flow(
            office_id=row["grievance__current_office_id"],
            day=local_day(row["at"]),
            slice=_slice_from(row, prefix),
            kind=FlowKind.RESOLVED,
            days=days,
            in_time=in_time,
        )
        flush_if_big()

    deltas.write()
    return RebuildResult(state_rows=StateTally.objects.count(), flow_rows=FlowTally.objects.count(), grievances=total)
