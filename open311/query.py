"""GET requests' arguments, checked as the specification defines them.

``service_request_id`` (comma-separated) overrides every other argument. Otherwise ``start_date`` and
``end_date`` (W3C date-times) choose a window of at most 90 days, the most recent 90 days by default;
``service_code`` and ``status`` (``open``, ``closed``) are comma-separated too. An argument sent empty
counts as not sent.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from grievances import tracking
from grs import errors
from grs.api import DATE_OUT_OF_RANGE, EARLIEST_DATE, LATEST_DATE
from open311.selectors import MAX_REQUESTS, RequestQuery

WINDOW = timedelta(days=90)
STATUSES = {"open": True, "closed": False}


class QueryInvalid(errors.ValidationError):
    code = "query_invalid"


def _listed(params, name: str) -> list[str]:
    return [item.strip() for item in params.get(name, "").split(",") if item.strip()]


def parse_moment(text: str, *, field: str, end_of_day: bool = False) -> datetime:
    """A W3C date-time (``2010-01-01T00:00:00Z``, ``…+06:00``); a bare date is the start of that day (the end
    of it for ``end_date``), and a time without an offset is Bangladesh time."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise QueryInvalid(
            _("%(field)s must be a W3C date-time, e.g. 2010-01-01T00:00:00Z.") % {"field": field}
        ) from None
    if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
        raise QueryInvalid(DATE_OUT_OF_RANGE, field=field)
    if len(text) <= len("2010-01-01") and end_of_day:
        moment = datetime.combine(moment.date(), time.max)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def request_query(params, *, now: datetime | None = None) -> RequestQuery:
    """The filters ``params`` (the query string) ask for; raises :class:`QueryInvalid` for a bad one."""
    numbers = _listed(params, "service_request_id")
    if numbers:
        if len(numbers) > MAX_REQUESTS:
            raise QueryInvalid(
                _("Ask for at most %(count)s service requests at once.") % {"count": MAX_REQUESTS},
                field="service_request_id",
            )
        valid = []
        for number in numbers:
            try:
                valid.append(tracking.normalise(number))
            except tracking.InvalidTrackingNumber:
                continue  # a number that cannot exist matches nothing
        return RequestQuery(numbers=tuple(dict.fromkeys(valid)))

    codes = _listed(params, "service_code")
    if any(not code.isascii() or not code.isdigit() or len(code) > 18 for code in codes):
        raise QueryInvalid(_("service_code must be one or more service codes, separated by commas."))
    statuses = _listed(params, "status")
    if any(status not in STATUSES for status in statuses):
        raise QueryInvalid(_("status must be open, closed or both, separated by commas."))
    wanted = {STATUSES[status] for status in statuses}

    start_text, end_text = params.get("start_date", "").strip(), params.get("end_date", "").strip()
    start = parse_moment(start_text, field="start_date") if start_text else None
    end = parse_moment(end_text, field="end_date", end_of_day=True) if end_text else None
    if start and end:
        if end < start:
            raise QueryInvalid(_("end_date must not come before start_date."))
        if end - start > WINDOW:
            raise QueryInvalid(_("start_date and end_date may not span more than 90 days."))
    elif start:
        end = start + WINDOW
    elif end:
        start = end - WINDOW
    else:
        end = now or timezone.now()
        start = end - WINDOW
    return RequestQuery(
        service_ids=tuple(int(code) for code in codes),
        open=wanted.pop() if len(wanted) == 1 else None,
        start=start,
        end=end,
    )
