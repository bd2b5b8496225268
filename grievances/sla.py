"""Deadlines from citizen charters, counted in working days, and the overdue mark."""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import NotSupportedError, connection, models
from django.utils import timezone

from charters.models import Charter, CharterService
from grievances.models import Grievance
from grievances.workflow import OPEN_STATUSES, Status
from offices.models import Office
from offices.workdays import add_working_days


def gro_timeframe_days(office: Office, service: CharterService | None = None) -> int:
    """The GRO's redress time the office's charter publishes; a service may promise a shorter one."""
    charter = Charter.objects.filter(office=office).only("gro_timeframe_days").first()
    days = charter.gro_timeframe_days if charter else settings.GRS_GRO_TIMEFRAME_DAYS
    if service is not None and service.office_id == office.pk and service.timeframe_days < days:
        days = service.timeframe_days
    return days


def appeal_timeframe_days(office: Office) -> int:
    """The Appeal Officer's time the office's charter publishes (default 20 working days)."""
    days = Charter.objects.filter(office=office).values_list("appeal_timeframe_days", flat=True).first()
    return days or settings.GRS_APPEAL_TIMEFRAME_DAYS


def deadline_for(office: Office, *, start: datetime, service: CharterService | None = None) -> date:
    """The date by which ``office`` must settle a grievance it received at ``start``."""
    return add_working_days(timezone.localdate(start), gro_timeframe_days(office, service))


# --- Overdue: the office's clock, or the Appeal Officer's while an appeal is pending ----------------


class Clock(models.TextChoices):
    """Whose deadline a grievance passed: recorded on its ``overdue`` event."""

    OFFICE = "office"
    APPEAL = "appeal"


@dataclass(frozen=True)
class OverdueRow:
    """A grievance the sweep has just marked overdue, as the ``UPDATE ... RETURNING`` gave it back."""

    id: int
    office_id: int
    status: str
    tracking_number: str
    deadline: date
    simulated: bool

    @property
    def clock(self) -> str:
        return Clock.APPEAL if self.status == Status.APPEALED else Clock.OFFICE


def mark_overdue(*, today: date) -> list[OverdueRow]:
    """Set ``overdue`` on every open grievance not yet marked whose deadline is before ``today``, in one
    ``UPDATE ... RETURNING``; the rows it changed. The caller owns the transaction.

    Raw SQL because Django's ``update()`` answers only a count. Selecting the ids first and updating them
    next leaves a window in which an officer settles or forwards one of them, or a second sweep picks the
    same rows and both record them. One UPDATE has no window: PostgreSQL re-checks the WHERE clause on
    every row it had to wait for, so a row is marked, and returned, exactly once; SQLite takes the write
    lock for the whole statement. SQLite has RETURNING since 3.35 (Django's
    ``can_return_columns_from_insert`` says the same).
    """
    if connection.vendor == "sqlite" and not connection.features.can_return_columns_from_insert:
        raise NotSupportedError("The overdue sweep needs SQLite 3.35 or later (UPDATE ... RETURNING).")
    with connection.cursor() as cursor:
        cursor.execute(*overdue_update(today))
        returned = cursor.fetchall()
    return [
        OverdueRow(
            id=pk,
            office_id=office_id,
            status=status,
            tracking_number=number,
            deadline=_as_date(appeal_due if status == Status.APPEALED else due),
            simulated=bool(simulated),
        )
        for pk, office_id, status, number, due, appeal_due, simulated in returned
    ]


def overdue_update(today: date) -> tuple[str, list]:
    """The ``UPDATE ... RETURNING`` statement of :func:`mark_overdue` and its parameters."""
    office_clock = sorted(OPEN_STATUSES - {Status.APPEALED})
    table = connection.ops.quote_name(Grievance._meta.db_table)
    placeholders = ", ".join(["%s"] * len(office_clock))
    # Two branches, one per clock, so each can use the (status, due_date) index on its own.
    sql = (
        f"UPDATE {table} SET overdue = %s "  # noqa: S608 - only the model's own table name is interpolated
        f"WHERE overdue = %s AND ((status IN ({placeholders}) AND due_date < %s) "
        "OR (status = %s AND appeal_due_date < %s)) "
        "RETURNING id, current_office_id, status, tracking_number, due_date, appeal_due_date, simulated"
    )
    return sql, [True, False, *office_clock, today, Status.APPEALED, today]


def _as_date(value: date | str) -> date:
    # SQLite hands raw RETURNING columns back as text; PostgreSQL as dates.
    return value if isinstance(value, date) else date.fromisoformat(value)
