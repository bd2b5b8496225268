"""Reads of the personal-data access log and the audit trail, scoped to an auditor's appointments.

An Auditor appointed at an office sees what concerns that office's subtree: reads of grievances filed at
or held by its offices, and changes to its offices, their appointments and charters. An Auditor
appointed at Cabinet Division (office code ``CABINET``) sees everything, changes that belong to no
office included (users, ranks, holidays, categories). Everybody else sees nothing: the page answers 404.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry
from grievances.models import IdentityAccess
from offices.models import Appointment, Role, path_within

# Cabinet Division's code in the office tree (a published contract: see the design's demo data).
CABINET_OFFICE_CODE = "CABINET"


@dataclass(frozen=True)
class AuditScope:
    """What an auditor may read: ``everything``, or the subtrees under ``paths``."""

    everything: bool = False
    paths: tuple[str, ...] = ()

    @property
    def auditor(self) -> bool:
        return self.everything or bool(self.paths)

    def within(self, field: str) -> Q:
        """Rows whose office (``field`` names its path) lies in one of the scope's subtrees."""
        condition = Q(pk__in=[])
        for path in self.paths:
            condition |= path_within(path, connection.vendor, field)
        return condition


def audit_scope_of(user) -> AuditScope:
    """The user's auditing scope, from their current Auditor appointments (one query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return AuditScope()
    rows = (
        Appointment.objects.current()
        .filter(user=user, role=Role.AUDITOR)
        .values_list("office__code", "office__path")
        .order_by()
    )
    everything, paths = False, set()
    for code, path in rows:
        everything = everything or code == CABINET_OFFICE_CODE
        paths.add(path)
    if everything:
        return AuditScope(everything=True)
    # A path inside another watched subtree adds nothing but one more OR to every query.
    kept = tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
    return AuditScope(paths=kept)


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor narrowed the lists to; empty values do not narrow."""

    user: str = ""
    tracking_number: str = ""
    since: date | None = None
    until: date | None = None


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _common(rows: QuerySet, chosen: AuditFilter, *, user_field: str) -> QuerySet:
    if chosen.user:
        rows = rows.filter(
            Q(**{f"{user_field}__username__iexact": chosen.user})
            | Q(**{f"{user_field}__full_name__icontains": chosen.user})
        )
    if chosen.since is not None:
        rows = rows.filter(at__gte=_moment(chosen.since))
    if chosen.until is not None and chosen.until < date.max:
        rows = rows.filter(at__lt=_moment(chosen.until + timedelta(days=1)))
    return rows


def access_log_visible_to(user, chosen: AuditFilter = AuditFilter(), *, scope: AuditScope | None = None) -> QuerySet:
    """Reads of complainants' identities that ``user`` may audit, newest first, with the reader and the
    tracking number (never the grievance's content) in the same query."""
    scope = scope or audit_scope_of(user)
    rows = IdentityAccess.objects.select_related("user").annotate(tracking_number=F("grievance__tracking_number"))
    if not scope.auditor:
        return rows.none()
    if not scope.everything:
        rows = rows.filter(scope.within("grievance__office__path") | scope.within("grievance__current_office__path"))
    rows = _common(rows, chosen, user_field="user")
    if chosen.tracking_number:
        rows = rows.filter(grievance__tracking_number=chosen.tracking_number)
    return rows.order_by("-at", "-id")


def audit_entries_visible_to(user, chosen: AuditFilter = AuditFilter(), *, scope: AuditScope | None = None) -> QuerySet:
    """Changes to offices, appointments and charters that ``user`` may audit, newest first, with who made
    them and the office they belong to."""
    scope = scope or audit_scope_of(user)
    rows = AuditEntry.objects.select_related("actor", "office")
    if not scope.auditor:
        return rows.none()
    if not scope.everything:
        rows = rows.filter(scope.within("office__path"))
    return _common(rows, chosen, user_field="actor").order_by("-at", "-id")
