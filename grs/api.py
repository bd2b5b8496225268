"""Shared API pieces: bounded pagination, rate limits, the client's address and the dates a filter may name."""

import logging
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The address a request came from, trusting X-Forwarded-For only as far as GRS_PROXY_COUNT says.

    Each trusted proxy appends the address it saw, so the client is the one that many places from
    the right; anything to its left was written by the client and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.GRS_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote


class BoundedPagination(PageNumberPagination):
    """Page-number pagination whose page size the client may choose, up to a hard bound."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class AnonymousRateThrottle(SimpleRateThrottle):
    """Per-IP limit for people who are not signed in; ``scope`` names the rate in settings.

    Signed-in operators are not limited here: a Union Digital Centre files for a whole union from one
    address. ``RATELIMIT_ENABLE=false`` turns every limit off. When the cache that keeps the counters
    does not answer, the request goes through: a grievance must never be lost to a rate limit.
    """

    def allow_request(self, request, view) -> bool:
        if not settings.RATELIMIT_ENABLE or (request.user and request.user.is_authenticated):
            return True
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache's own errors (redis.RedisError, OSError ...) differ by backend
            logger.warning("rate limit %s not applied: the cache does not answer", self.scope, exc_info=True)
            return True

    def get_rate(self) -> str:
        # Read at use, not at import, so a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class FilingThrottle(AnonymousRateThrottle):
    scope = "filing"


class TrackingThrottle(AnonymousRateThrottle):
    scope = "tracking"


class SigninThrottle(AnonymousRateThrottle):
    scope = "signin"


class CitizenCodeThrottle(AnonymousRateThrottle):
    """One-time sign-in codes asked for from one address; each phone has its own limit besides (citizens)."""

    scope = "citizen_code"


# The dates a filter or a date range may name: any day a grievance could have been filed on, with room
# for the arithmetic around it (the next day, the week or the year before), which year 1 and year 9999 lack.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
DATE_OUT_OF_RANGE = gettext_lazy("Choose a date between the years 1900 and 2999.")
# Validators for a form or filter field (year 9999 has no next day, and year 1 no start in UTC: a 500).
DATE_BOUNDS = [
    MinValueValidator(EARLIEST_DATE, DATE_OUT_OF_RANGE),
    MaxValueValidator(LATEST_DATE, DATE_OUT_OF_RANGE),
]
