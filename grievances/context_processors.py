"""What every page's header needs: the officials' inbox (with its count of grievances waiting),
dashboard and report links, from one query."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from grievances.selectors import HeaderLinks, header_links


def inbox(request: HttpRequest) -> dict:
    """``official_nav``: the :class:`HeaderLinks` of a signed-in user. Lazy, so a page that never shows
    the header (the admin, a JSON answer) costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"official_nav": HeaderLinks()}
    return {"official_nav": SimpleLazyObject(lambda: header_links(user))}
