"""Reads for a citizen signed in with their phone: their live session, and the grievances filed with it."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from citizens.models import CitizenSession
from citizens.services import token_hash
from grievances.models import Grievance
from grievances.selectors import grievance_for_complainant


@dataclass(frozen=True)
class Citizen:
    """Who a citizen's request comes from: the phone their code proved. Never an official (accounts.User):
    nothing that checks an official's appointments or permissions can take it for one."""

    phone: str
    session_id: int
    is_authenticated = True
    is_anonymous = False

    def __str__(self) -> str:
        # What a log line or DRF's browsable API shows for "user": never the whole number.
        return f"{self.phone[:6]}{'*' * max(len(self.phone) - 8, 0)}{self.phone[-2:]}"


def _live_sessions() -> QuerySet[CitizenSession]:
    return CitizenSession.objects.filter(ended_at__isnull=True, expires_at__gt=timezone.now())


def citizen_for_token(token: str) -> Citizen | None:
    """The citizen whose live session holds ``token``; None for an unknown, expired or ended one."""
    if not token:
        return None
    session = _live_sessions().filter(token_hash=token_hash(token)).only("pk", "phone").first()
    return Citizen(phone=session.phone, session_id=session.pk) if session else None


def citizen_for_session(session_id) -> Citizen | None:
    """The citizen of a browser's session, by the session id kept in it; None once expired or ended."""
    if not isinstance(session_id, int):
        return None
    session = _live_sessions().filter(pk=session_id).only("pk", "phone").first()
    return Citizen(phone=session.phone, session_id=session.pk) if session else None


def grievances_of_citizen(citizen: Citizen) -> QuerySet[Grievance]:
    """Every grievance filed with the citizen's phone, whoever typed it in and through whichever channel
    (web, app, UDC, hotline, paper, SMS), newest first. Pilot (simulated) grievances are nobody's."""
    return (
        Grievance.objects.filter(complainant_phone=citizen.phone, simulated=False)
        .select_related("current_office")
        .order_by("-submitted_at", "-pk")
    )


def grievance_of_citizen(citizen: Citizen, number: str) -> Grievance:
    """One of the citizen's grievances with its timeline, as the tracking page shows it. A mistyped number
    raises ``InvalidTrackingNumber``; someone else's, a simulated one and a missing one are all Http404."""
    grievance = grievance_for_complainant(number, phone=citizen.phone)
    if grievance.simulated:
        raise Http404
    return grievance
