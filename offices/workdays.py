"""Working days: Bangladesh's weekend (Friday and Saturday) and the Holiday table.

Both functions count in whole weeks and then correct for holidays, so a 30-day deadline costs a
handful of steps and at most a few small holiday queries, not a walk over every day.
"""

from collections.abc import Callable, Collection
from datetime import date, timedelta

from django.conf import settings

HolidayLookup = Callable[[date, date], Collection[date]]


def _weekend() -> frozenset[int]:
    return frozenset(settings.GRS_WEEKEND_DAYS)


def is_weekend(day: date) -> bool:
    return day.weekday() in _weekend()


def holidays_in(first: date, last: date) -> set[date]:
    """Holidays from the table with ``first <= date <= last``."""
    from offices.models import Holiday

    return set(Holiday.objects.filter(date__gte=first, date__lte=last).values_list("date", flat=True))


def _lookup(holidays: Collection[date] | None, first: date, last: date) -> HolidayLookup:
    """Holidays in a range. From the table, one query covers ``first``..``last`` (a generous
    guess of the span asked about); only a range beyond it asks the table again."""
    if holidays is not None:
        fixed = frozenset(holidays)
        return lambda a, b: {d for d in fixed if a <= d <= b}
    known = holidays_in(first, last)

    def lookup(a: date, b: date) -> set[date]:
        if first <= a and b <= last:
            return {d for d in known if a <= d <= b}
        return holidays_in(a, b)

    return lookup


def _weekdays_after(start: date, end: date) -> int:
    """How many non-weekend days lie in ``(start, end]`` (``end >= start``)."""
    span = (end - start).days
    full_weeks, rest = divmod(span, 7)
    count = full_weeks * (7 - len(_weekend()))
    for offset in range(1, rest + 1):
        if not is_weekend(start + timedelta(days=full_weeks * 7 + offset)):
            count += 1
    return count


def _add_weekdays(start: date, n: int) -> date:
    """The n-th non-weekend day after ``start`` (holidays not considered); ``start`` for n == 0."""
    per_week = 7 - len(_weekend())
    if n <= 0:
        return start
    # Jump whole weeks, leaving at least one day to step so we land on a weekday.
    weeks = (n - 1) // per_week
    day = start + timedelta(days=7 * weeks)
    left = n - weeks * per_week
    while left:
        day += timedelta(days=1)
        if not is_weekend(day):
            left -= 1
    return day


def add_working_days(start: date, n: int, *, holidays: Collection[date] | None = None) -> date:
    """The date ``n`` working days after ``start`` (``start`` itself is not counted).

    ``holidays`` may be given as a collection of dates; by default the Holiday table is read.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    end = _add_weekdays(start, n)
    # Room for a month of holidays beyond the weekday-only end, so one query nearly always does.
    lookup = _lookup(holidays, start + timedelta(days=1), end + timedelta(days=45))
    lost = sum(1 for d in lookup(start + timedelta(days=1), end) if not is_weekend(d))
    # Every holiday that fell on a weekday used up one step: take that many more, and repeat
    # for the holidays among those new steps.
    while lost:
        new_end = _add_weekdays(end, lost)
        lost = sum(1 for d in lookup(end + timedelta(days=1), new_end) if not is_weekend(d))
        end = new_end
    return end


def working_days_between(a: date, b: date, *, holidays: Collection[date] | None = None) -> int:
    """Working days in ``(a, b]``; negative when ``b`` is before ``a``."""
    if b < a:
        return -working_days_between(b, a, holidays=holidays)
    if a == b:
        return 0
    lookup = _lookup(holidays, a + timedelta(days=1), b)
    lost = sum(1 for d in lookup(a + timedelta(days=1), b) if not is_weekend(d))
    return _weekdays_after(a, b) - lost
