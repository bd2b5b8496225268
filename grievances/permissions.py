"""Who may do what to a grievance: one table, applied at the office that holds the grievance.

A user with no role there and no wider view of it is told the grievance does not exist (404), exactly
as for a tracking number that was never issued. A user who may see it but whose role may not take the
action (a focal point, a Cabinet Division monitor, a GRO asked to decide an appeal) is refused (403).
"""

from django.utils.translation import gettext_lazy as _

from grievances.models import Grievance
from grievances.workflow import TRANSITIONS, Action
from grs import errors
from offices.models import Role
from offices.selectors import Scope, scope_of

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.GRO: frozenset(
        {
            Action.ACCEPT,
            Action.REQUEST_INFO,
            Action.RECORD_HEARING,
            Action.FORWARD,
            Action.RESOLVE,
            Action.REJECT,
            Action.CLOSE_NO_ACTION,
        }
    ),
    Role.APPEAL_OFFICER: frozenset({Action.DECIDE_APPEAL, Action.RECORD_HEARING}),
}

# Actions that only the workflow's other party takes: the complainant, with their phone or access code.
COMPLAINANT_ACTIONS = frozenset({Action.PROVIDE_INFO, Action.FEEDBACK, Action.APPEAL})


class OutOfScope(errors.NotFound):
    """Missing and forbidden look the same, so tracking numbers cannot be probed."""

    code = "not_found"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("No grievance with this tracking number is in your care."), **kwargs)


class NotPermitted(errors.DomainError):
    code = "not_permitted"
    http_status = 403


def actions_of(scope: Scope, grievance: Grievance) -> frozenset[str]:
    """Every action the roles held at the grievance's current office allow, whatever its status."""
    allowed: frozenset[str] = frozenset()
    for role in scope.roles_at(grievance.current_office):
        allowed |= ROLE_ACTIONS.get(role, frozenset())
    return allowed


def actions_available(actor, grievance: Grievance, *, scope: Scope | None = None) -> list[str]:
    """The actions ``actor`` may take on ``grievance`` now: allowed to their role and by its status."""
    allowed = actions_of(scope or scope_of(actor), grievance)
    return [
        action
        for action in Action.values
        if action in allowed
        and grievance.status in TRANSITIONS[action].sources
        and (action != Action.CLOSE_NO_ACTION or grievance.is_anonymous)
    ]


def ensure_can_act(actor, grievance: Grievance, action: str) -> None:
    """Raise :class:`OutOfScope` (404) if ``actor`` may not even see ``grievance``, and
    :class:`NotPermitted` (403) if they may see it but their role may not take ``action``."""
    scope = scope_of(actor)
    if action in actions_of(scope, grievance):
        return
    if not scope.covers(grievance.current_office):
        raise OutOfScope()
    raise NotPermitted(
        _("Your role at this office does not allow the action “%(action)s”.") % {"action": Action(action).label}
    )
