"""What every page's header needs: the officials' inbox link and its count of grievances waiting."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from grievances.selectors import inbox_waiting


@dataclass(frozen=True)
class InboxLink:
    waiting: int


def inbox(request: HttpRequest) -> dict:
    """``inbox_nav``: an :class:`InboxLink` for a GRO or Appeal Officer, else false. Lazy, so a page that
    never shows the header (the admin, a JSON answer) costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def link() -> InboxLink | None:
        waiting = inbox_waiting(user)
        return None if waiting is None else InboxLink(waiting=waiting)

    return {"inbox_nav": SimpleLazyObject(link)}
