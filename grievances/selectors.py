"""Reads of grievances, always scoped to who is asking."""

from django.contrib.auth.hashers import check_password
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from grievances import tracking
from grievances.models import Grievance, GrievanceEvent
from grievances.services import normalise_access_code
from grs.phones import InvalidPhone, normalise_phone


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
    if code and grievance.access_code_hash and check_password(normalise_access_code(code), grievance.access_code_hash):
        return grievance
    raise Http404


def grievances_filed_by(user) -> QuerySet[Grievance]:
    """What an operator or official filed, newest first, to hand receipts back."""
    return Grievance.objects.filter(filed_by=user).select_related("current_office").order_by("-submitted_at")
