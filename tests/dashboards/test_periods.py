"""A date range is read as whole years, months, weeks and days that cover each of its days exactly once."""

import random
from datetime import date, timedelta

from dashboards.models import Grain
from dashboards.selectors import period_runs
from dashboards.tally import period_start


def _days_of(grain: str, start: date) -> list[date]:
    if grain == Grain.DAY:
        end = start + timedelta(days=1)
    elif grain == Grain.WEEK:
        end = start + timedelta(days=7)
    elif grain == Grain.MONTH:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        end = date(start.year + 1, 1, 1)
    return [start + timedelta(days=i) for i in range((end - start).days)]


def covered(date_from: date, date_to: date) -> list[date]:
    days = []
    for grain, first, last in period_runs(date_from, date_to):
        period = first
        while period <= last:
            assert period_start(grain, period) == period, (grain, period)
            days.extend(_days_of(grain, period))
            period = days[-1] + timedelta(days=1)
    return sorted(days)


def test_random_ranges_are_covered_day_for_day():
    rng = random.Random(1971)
    for _ in range(3000):
        date_from = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1200))
        date_to = date_from + timedelta(days=rng.choice([0, 1, 5, 6, 7, 8, 13, 27, 31, 45, 100, 400, 800]))
        assert covered(date_from, date_to) == [
            date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)
        ], (date_from, date_to)


def test_a_ten_month_range_reads_whole_weeks_at_its_edges_not_a_month_of_days():
    # 28 January to 28 November 2026: four days, nine months, and November's four weeks (from Sunday the 1st).
    assert period_runs(date(2026, 1, 28), date(2026, 11, 28)) == [
        (Grain.DAY, date(2026, 1, 28), date(2026, 1, 31)),
        (Grain.MONTH, date(2026, 2, 1), date(2026, 10, 1)),
        (Grain.WEEK, date(2026, 11, 1), date(2026, 11, 22)),
    ]
    # Open ends read whole years and months only.
    assert period_runs(None, None) == [(Grain.YEAR, date(1, 1, 1), date(9999, 1, 1))]
