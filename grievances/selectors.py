"""Reads of grievances, always scoped to who is asking."""

from django.db import connections
from django.db.models import BooleanField, Case, DateField, ExpressionWrapper, F, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from grievances import tracking
from grievances.models import Attachment, Grievance, GrievanceEvent
from grievances.permissions import OutOfScope
from grievances.services import access_code_matches
from grievances.workflow import OPEN_STATUSES, Status
from grs.phones import InvalidPhone, normalise_phone
from offices.models import AdminUnit, Appointment, Office, Role, path_within
from offices.selectors import HANDLING_ROLES, offices_public, scope_of


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
        .annotate(
            deadline=Case(
                When(status=Status.APPEALED, then=F("appeal_due_date")),
                default=F("due_date"),
                output_field=DateField(),
            )
        )
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
