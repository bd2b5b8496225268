"""The time the grievance services write on what they change.

Always ``timezone.now()``, except inside :func:`simulated_time`, which the pilot simulator uses to play
simulated grievances' lives forward over past months: filings, decisions and timeline entries then carry
the simulated moment, so deadlines, overdue marks and the dashboards' days are those of that moment.
The simulated moment belongs to the running thread (a context variable), never to other requests.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_simulated: ContextVar[datetime | None] = ContextVar("grs_simulated_now", default=None)


def now() -> datetime:
    """The current moment: the simulated one inside :func:`simulated_time`, else ``timezone.now()``."""
    moment = _simulated.get()
    # timezone.now is looked up on each call, so a test that patches it sets this clock too.
    return moment if moment is not None else timezone.now()


def localdate() -> date:
    """Today in the active timezone, by :func:`now`."""
    return timezone.localdate(now())


@contextmanager
def simulated_time(moment: datetime) -> Iterator[datetime]:
    """Make :func:`now` answer ``moment`` (an aware datetime) until the block ends."""
    if timezone.is_naive(moment):
        raise ValueError("simulated_time needs an aware datetime")
    token = _simulated.set(moment)
    try:
        yield moment
    finally:
        _simulated.reset(token)
