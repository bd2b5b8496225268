"""The redress workflow as data: which action moves a grievance from which statuses to which.

Services call :func:`check`; the "how redress works" page can draw :data:`TRANSITIONS`.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from grs import errors


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")
    APPEALED = "appealed", _("Appealed")
    APPEAL_RESOLVED = "appeal_resolved", _("Appeal decided")


class Action(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REQUEST_INFO = "request_info", _("Ask for information")
    PROVIDE_INFO = "provide_info", _("Answer the request for information")
    RECORD_HEARING = "record_hearing", _("Record a hearing")
    FORWARD = "forward", _("Forward")
    RESOLVE = "resolve", _("Resolve")
    REJECT = "reject", _("Reject")
    CLOSE_NO_ACTION = "close_no_action", _("Close: filed, no action")
    FEEDBACK = "feedback", _("Give feedback")
    APPEAL = "appeal", _("Appeal")
    DECIDE_APPEAL = "decide_appeal", _("Decide the appeal")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change


S = Status
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ACCEPT, frozenset({S.SUBMITTED}), S.IN_PROGRESS),
        Transition(Action.REQUEST_INFO, frozenset({S.IN_PROGRESS}), S.AWAITING_INFO),
        Transition(Action.PROVIDE_INFO, frozenset({S.AWAITING_INFO}), S.IN_PROGRESS),
        Transition(Action.RECORD_HEARING, frozenset({S.IN_PROGRESS, S.APPEALED}), None),
        Transition(Action.FORWARD, frozenset({S.SUBMITTED, S.IN_PROGRESS}), S.SUBMITTED),
        Transition(Action.RESOLVE, frozenset({S.IN_PROGRESS}), S.RESOLVED),
        Transition(Action.REJECT, frozenset({S.SUBMITTED, S.IN_PROGRESS}), S.REJECTED),
        Transition(Action.CLOSE_NO_ACTION, frozenset({S.SUBMITTED, S.IN_PROGRESS}), S.CLOSED),
        Transition(Action.FEEDBACK, frozenset({S.RESOLVED, S.APPEAL_RESOLVED}), S.CLOSED),
        # Overdue grievances may be appealed too: the service checks the due date for open ones.
        Transition(
            Action.APPEAL, frozenset({S.RESOLVED, S.REJECTED, S.SUBMITTED, S.IN_PROGRESS, S.AWAITING_INFO}), S.APPEALED
        ),
        Transition(Action.DECIDE_APPEAL, frozenset({S.APPEALED}), S.APPEAL_RESOLVED),
    )
}

OPEN_STATUSES = frozenset({S.SUBMITTED, S.IN_PROGRESS, S.AWAITING_INFO, S.APPEALED})


class InvalidTransition(errors.Conflict):
    code = "invalid_transition"


def check(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; raises :class:`InvalidTransition` if not allowed."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise InvalidTransition(
            _("A grievance that is “%(status)s” cannot be given the action “%(action)s”.")
            % {"status": Status(status).label, "action": Action(action).label}
        )
    return transition.target or status
