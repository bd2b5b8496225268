"""Reads of grievances, always scoped to who is asking."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from charters.models import CharterService, ServiceCategory
from charters.selectors import services_public
from grievances import tracking
from grievances.models import Attachment, EventKind, Grievance, GrievanceEvent, deadline_expression
from grievances.permissions import OutOfScope
from grievances.services import access_code_matches
from grievances.workflow import OPEN_STATUSES, Status
from grs.phones import InvalidPhone, normalise_phone
from offices.models import AdminUnit, Appointment, Office, Role, path_within
from offices.selectors import HANDLING_ROLES, Scope, office_matches, offices_public, scope_of


def grievance_for_complainant(number: str, *, phone: str = "", code: str = "") -> Grievance:
    """The grievance a complainant follows with its tracking number and their phone or access code.

    A malformed number raises ``InvalidTrackingNumber`` ("check the number"); a wrong phone or code
    answers exactly like a number that does not exist, so neither can be probed.
    """
    digits = tracking.normalise(number)
    grievance = (
        Grievance.objects.select_related("current_office", "office")
        .prefetch_related(Prefetch("events", queryset=GrievanceEvent.objects.order_by("at", "id")))
        .filter(tracking_number=digits)
        .first()
    )
    if grievance is None:
        raise Http404
    if phone and grievance.complainant_phone:
        try:
            if normalise_phone(phone) == grievance.complainant_phone:
                return grievance
        except InvalidPhone:
            pass
    if access_code_matches(code, grievance.access_code_hash):
        return grievance
    raise Http404


def grievances_filed_by(user) -> QuerySet[Grievance]:
    """What an operator or official filed, newest first, to hand receipts back."""
    return Grievance.objects.filter(filed_by=user).select_related("current_office").order_by("-submitted_at")


def operator_appointment(user, role: str) -> Appointment | None:
    """The user's current appointment in ``role`` (UDC operator, hotline agent), with its office's area."""
    return (
        Appointment.objects.current()
        .filter(user=user, role=role)
        .select_related("office__admin_unit__parent")
        .order_by("start_date", "pk")
        .first()
    )


def offices_near(unit: AdminUnit | None) -> list[tuple[AdminUnit, list[Office]]]:
    """The offices a villager of ``unit`` deals with first, by area: a union's own, then its upazila's."""
    if unit is None:
        return []
    areas = [unit] + ([unit.parent] if unit.level == AdminUnit.Level.UNION and unit.parent else [])
    offices = list(offices_public().filter(admin_unit__in=areas))
    return [(area, [office for office in offices if office.admin_unit_id == area.pk]) for area in areas]


def grievances_filed_by_listed(user) -> QuerySet[Grievance]:
    """What an operator filed, as their console lists it: with ``deadline`` (the Appeal Officer's while an
    appeal is pending, else the office's) and ``late`` (marked overdue, or still open past the deadline)."""
    deadline = Case(
        When(status=Status.APPEALED, then=F("appeal_due_date")), default=F("due_date"), output_field=DateField()
    )
    late = Q(overdue=True) | Q(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
    return (
        grievances_filed_by(user)
        .annotate(deadline=deadline)
        .annotate(late=ExpressionWrapper(late, output_field=BooleanField()))
    )


def grievances_visible_to(user) -> QuerySet[Grievance]:
    """Every grievance the user may open: all of them for a Cabinet Division monitor, those held in a
    focal point's subtree, and those held at the offices where the user is GRO or Appeal Officer."""
    scope = scope_of(user)
    grievances = Grievance.objects.all()
    if scope.everything:
        return grievances
    vendor = connections[grievances.db].vendor
    condition = Q()
    for path in scope.subtree_paths:
        # A prefix match on the office table's indexed path, joined; paths are never copied onto
        # grievances, so moving an office rewrites offices, not millions of grievances.
        condition |= path_within(path, vendor, field="current_office__path")
    if scope.handling:
        condition |= Q(current_office_id__in=sorted(scope.handling))
    return grievances.filter(condition) if condition else grievances.none()


@dataclass(frozen=True)
class ForwardedAway:
    """Where a grievance went when it left the user's scope: they (or a colleague) sent it there."""

    number: str
    to_office: Office
    at: datetime


def grievance_forwarded_away(user, tracking_number: str) -> ForwardedAway | None:
    """If the grievance's last move was a forward *out of* an office in the user's scope, where it went.

    A page drawn before a colleague forwarded the grievance away then says so, instead of a bare 404.
    It names only the receiving office, which the sending office chose and already knows; for anyone
    else (and for a number that does not exist) this is ``None``, like any grievance out of scope.
    """
    try:
        digits = tracking.normalise(tracking_number)
    except tracking.InvalidTrackingNumber:
        return None
    last = (
        GrievanceEvent.objects.filter(grievance__tracking_number=digits, kind=EventKind.FORWARDED)
        .order_by("-at", "-id")
        .first()
    )
    if last is None:
        return None
    codes = [last.data.get("from"), last.data.get("to")]
    offices = {office.code: office for office in Office.objects.filter(code__in=codes)}
    sender, receiver = offices.get(codes[0]), offices.get(codes[1])
    if sender is None or receiver is None or not scope_of(user).covers(sender):
        return None
    return ForwardedAway(number=digits, to_office=receiver, at=last.at)


def grievances_in_inbox(user) -> QuerySet[Grievance]:
    """The grievances the user works on: every one held at an office where they are GRO, and the
    appeals to an office where they are Appeal Officer, soonest ``deadline`` first.

    ``deadline`` is the Appeal Officer's due date while an appeal is pending, else the office's.
    """
    scope = scope_of(user)
    condition = Q()
    if gro_at := scope.offices_where(Role.GRO):
        condition |= Q(current_office_id__in=gro_at)
    if appeals_at := scope.offices_where(Role.APPEAL_OFFICER):
        condition |= Q(current_office_id__in=appeals_at, appeal_due_date__isnull=False)
    grievances = Grievance.objects.filter(condition) if condition else Grievance.objects.none()
    return (
        grievances.select_related("current_office", "category")
        .annotate(deadline=deadline_expression())
        .order_by("deadline", "pk")
    )


def grievance_for(actor, tracking_number: str, *, timeline: bool = False) -> Grievance:
    """One grievance within the actor's scope; with ``timeline``, also every event (public and internal,
    with who acted) and its attachments. A number that does not exist, is mistyped or lies outside the
    scope all raise the same :class:`OutOfScope` (404)."""
    try:
        digits = tracking.normalise(tracking_number)
    except tracking.InvalidTrackingNumber:
        raise OutOfScope() from None
    grievances = grievances_visible_to(actor).select_related("current_office", "office", "category", "feedback")
    if timeline:
        grievances = grievances.prefetch_related(
            Prefetch("events", queryset=GrievanceEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
        )
    grievance = grievances.filter(tracking_number=digits).first()
    if grievance is None:
        raise OutOfScope()
    return grievance


def may_see_identity(user, grievance: Grievance) -> bool:
    """Only the GRO and the Appeal Officer of the office holding the grievance see who complained."""
    return bool(scope_of(user).roles_at(grievance.current_office) & HANDLING_ROLES)


def grievances_for_cabinet_cell(user) -> QuerySet[Grievance]:
    """Appeals the Appeal Officer did not decide by their due date: the escalation ladder's last rung,
    Cabinet Division's grievance management cell. Within the user's scope (a Cabinet Division monitor sees
    every ministry's), longest overdue first."""
    return (
        grievances_visible_to(user)
        .filter(status=Status.APPEALED, appeal_due_date__lt=timezone.localdate())
        .select_related("current_office")
        .order_by("appeal_due_date", "pk")
    )


# --- The officials' pages: inbox, grievance page, attachments -------------------------------------


def grievances_in_inbox_listed(user) -> QuerySet[Grievance]:
    """The inbox as its page lists it: with the service, ``is_new`` (submitted, not yet taken up) and ``late``
    (marked overdue, or still open past its ``deadline``: the sweep may not have run yet today)."""
    late = Q(overdue=True) | Q(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
    return (
        grievances_in_inbox(user)
        .select_related("service")
        .annotate(
            is_new=ExpressionWrapper(Q(status=Status.SUBMITTED), output_field=BooleanField()),
            late=ExpressionWrapper(late, output_field=BooleanField()),
        )
    )


def grievance_late(grievance: Grievance) -> bool:
    """The inbox's ``late`` for one grievance: marked overdue, or open past its deadline (the Appeal
    Officer's while an appeal is pending, else the office's)."""
    deadline = grievance.appeal_due_date if grievance.status == Status.APPEALED else grievance.due_date
    return grievance.overdue or (
        grievance.status in OPEN_STATUSES and deadline is not None and deadline < timezone.localdate()
    )


@dataclass(frozen=True)
class HeaderLinks:
    """What an official's page header links to: ``inbox_waiting`` is None for someone with no inbox."""

    inbox_waiting: int | None = None
    dashboard: bool = False
    reports: bool = False
    audit: bool = False


def header_links(user) -> HeaderLinks:
    """The inbox (with how many grievances wait untouched in it: submitted ones at the offices where the
    user is GRO, appeals at those where they are Appeal Officer), the dashboard, the monthly reports and
    the audit log, as far as the user's appointments give them. One query: every page's header asks it."""
    waiting = (
        Grievance.objects.filter(current_office_id=OuterRef("office_id"), status=OuterRef("waits"))
        .order_by()
        .values("current_office_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Appointment.objects.current()
        .filter(user=user, role__in=[Role.CABINET_MONITOR, Role.FOCAL_POINT, Role.AUDITOR, *HANDLING_ROLES])
        .annotate(
            waits=Case(
                When(role=Role.GRO, then=Value(Status.SUBMITTED)),
                When(role=Role.APPEAL_OFFICER, then=Value(Status.APPEALED)),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .annotate(n=Coalesce(Subquery(waiting), 0))
        .values_list("office_id", "role", "n")
    )
    # Two appointments in one role at one office are one inbox, counted once.
    counts, roles = {}, set()
    for office_id, role, n in rows:
        roles.add(role)
        if role in HANDLING_ROLES:
            counts[(office_id, role)] = n
    watches = bool(roles & {Role.CABINET_MONITOR, Role.FOCAL_POINT})
    return HeaderLinks(
        inbox_waiting=sum(counts.values()) if counts else None,
        dashboard=bool(roles - {Role.AUDITOR}),
        reports=watches,
        audit=Role.AUDITOR in roles,
    )


def inbox_filter_options(user, *, scope: Scope | None = None) -> tuple[list[ServiceCategory], list[CharterService]]:
    """What the inbox filters offer: every service category, and the services of the offices the user handles."""
    handling = sorted((scope or scope_of(user)).handling)
    categories = list(ServiceCategory.objects.order_by("order", "name_en"))
    services = list(services_public().filter(office_id__in=handling)) if handling else []
    return categories, services


# Offices below the holder's listed on the forward form; a search finds the rest.
FORWARD_BELOW_LIMIT = 200


@dataclass(frozen=True)
class ForwardTargets:
    """Where a grievance may be forwarded: the offices below its holder (tree order, the first
    :data:`FORWARD_BELOW_LIMIT`), and the active offices a search found, for a misrouted one."""

    below: list[Office]
    more_below: bool
    found: list[Office]
    more_found: bool


def forward_targets(grievance: Grievance, *, query: str = "") -> ForwardTargets:
    """The offices the grievance's holder may forward it to: its subordinate offices first, then any other
    active office matching ``query`` (a grievance sent to the wrong ministry goes anywhere)."""
    office = grievance.current_office
    below = list(Office.objects.active().descendants(office).order_by("path")[: FORWARD_BELOW_LIMIT + 1])
    found, more_found = office_matches(query) if query.strip() else ([], False)
    return ForwardTargets(
        below=below[:FORWARD_BELOW_LIMIT],
        more_below=len(below) > FORWARD_BELOW_LIMIT,
        found=[match for match in found if match.pk != office.pk],
        more_found=more_found,
    )


def offices_by_code(codes) -> dict[str, Office]:
    """Offices named on a timeline (forwarded from, to), by code; inactive ones too: history keeps them."""
    codes = sorted({code for code in codes if code})
    return {office.code: office for office in Office.objects.filter(code__in=codes)} if codes else {}


def attachment_for(actor, tracking_number: str, attachment_id: int) -> Attachment:
    """One attachment of a grievance in the actor's scope; anything else is the same :class:`OutOfScope` (404)."""
    grievance = grievance_for(actor, tracking_number)
    attachment = Attachment.objects.filter(grievance=grievance, pk=attachment_id).first()
    if attachment is None:
        raise OutOfScope()
    return attachment
