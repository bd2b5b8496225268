"""Working days: Bangladesh's Friday–Saturday weekend plus the Holiday table."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offices.workdays import add_working_days, working_days_between
from tests.factories import HolidayFactory

THU, FRI, SAT, SUN = date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 8)
VICTORY_DAY = date(2026, 12, 16)  # a Wednesday


def is_working_day(day: date, holidays) -> bool:
    return day.weekday() not in {4, 5} and day not in holidays


def oracle_add(start: date, n: int, holidays) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            n -= 1
    return day


def oracle_between(a: date, b: date, holidays) -> int:
    sign = 1 if b >= a else -1
    low, high = min(a, b), max(a, b)
    return sign * sum(is_working_day(low + timedelta(days=k), holidays) for k in range(1, (high - low).days + 1))


def test_the_weekend_is_friday_and_saturday():
    assert [THU.strftime("%A"), FRI.strftime("%A"), SAT.strftime("%A")] == ["Thursday", "Friday", "Saturday"]
    assert add_working_days(THU, 1, holidays=()) == SUN
    assert add_working_days(FRI, 1, holidays=()) == SUN
    assert add_working_days(SAT, 1, holidays=()) == SUN
    assert add_working_days(SUN, 4, holidays=()) == THU + timedelta(days=7)
    assert add_working_days(SUN, 5, holidays=()) == SUN + timedelta(days=7)
    assert add_working_days(THU, 10, holidays=()) == THU + timedelta(days=14)


def test_between_counts_days_after_the_first_up_to_and_including_the_last():
    assert working_days_between(THU, SUN, holidays=()) == 1
    assert working_days_between(THU, SAT, holidays=()) == 0
    assert working_days_between(FRI, SAT, holidays=()) == 0
    assert working_days_between(SUN, SUN + timedelta(days=7), holidays=()) == 5
    assert working_days_between(SUN, THU + timedelta(days=7), holidays=()) == 4
    assert working_days_between(THU + timedelta(days=7), SUN, holidays=()) == -4
    assert working_days_between(SUN, THU, holidays=()) == -1


def test_zero_days_is_the_start_itself_even_on_a_weekend():
    assert add_working_days(FRI, 0, holidays=()) == FRI
    assert add_working_days(THU, 0, holidays=[THU]) == THU
    assert working_days_between(FRI, FRI, holidays=()) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(THU, -1, holidays=())


def test_a_weekday_holiday_pushes_the_date_and_a_friday_one_does_not():
    wednesday = THU - timedelta(days=1)
    assert add_working_days(wednesday, 1, holidays=[THU]) == SUN
    assert add_working_days(wednesday, 2, holidays=[THU]) == SUN + timedelta(days=1)
    assert add_working_days(wednesday, 2, holidays=[FRI]) == SUN
    assert add_working_days(wednesday, 2, holidays=[THU, SUN]) == SUN + timedelta(days=2)
    assert working_days_between(wednesday, SUN, holidays=[THU]) == 1
    assert working_days_between(wednesday, SUN, holidays=[FRI, SAT]) == 2


def test_holidays_before_the_start_or_after_the_end_do_not_count():
    assert add_working_days(SUN, 1, holidays=[SUN, SUN + timedelta(days=2)]) == SUN + timedelta(days=1)
    assert working_days_between(SUN, SUN + timedelta(days=1), holidays=[SUN, SUN + timedelta(days=2)]) == 1


def test_a_run_of_holidays_is_skipped_whole():
    eid = [date(2026, 3, 19) + timedelta(days=k) for k in range(7)]  # Thursday to Wednesday
    assert add_working_days(date(2026, 3, 18), 1, holidays=eid) == date(2026, 3, 26)
    assert working_days_between(date(2026, 3, 18), date(2026, 3, 26), holidays=eid) == 1


def test_month_and_year_boundaries_and_victory_day():
    assert add_working_days(date(2026, 12, 31), 1, holidays=()) == date(2027, 1, 3)  # Thu → Sun
    assert add_working_days(date(2026, 12, 31), 30, holidays=()) == date(2027, 2, 11)
    assert add_working_days(date(2026, 12, 15), 1, holidays=[VICTORY_DAY]) == date(2026, 12, 17)
    assert add_working_days(date(2026, 12, 1), 30, holidays=()) == date(2027, 1, 12)
    assert add_working_days(date(2026, 12, 1), 30, holidays=[VICTORY_DAY]) == date(2027, 1, 13)
    assert add_working_days(date(2028, 2, 28), 1, holidays=()) == date(2028, 2, 29)
    assert working_days_between(date(2026, 12, 1), date(2027, 1, 13), holidays=[VICTORY_DAY]) == 30
    assert working_days_between(date(2026, 1, 1), date(2026, 12, 31), holidays=()) == 260


@pytest.mark.django_db
def test_without_a_holiday_list_the_holiday_table_is_used():
    HolidayFactory(date=VICTORY_DAY, name_en="Victory Day", name_bn="বিজয় দিবস")
    HolidayFactory(date=date(2026, 12, 25), name_en="Christmas Day", name_bn="বড়দিন")  # a Friday
    assert add_working_days(date(2026, 12, 15), 1) == date(2026, 12, 17)
    assert add_working_days(date(2026, 12, 1), 30) == date(2027, 1, 13)
    assert working_days_between(date(2026, 12, 14), date(2026, 12, 17)) == 2
    assert add_working_days(date(2026, 12, 15), 1, holidays=()) == VICTORY_DAY


@pytest.mark.django_db
def test_the_holiday_table_costs_a_few_queries_for_a_thirty_day_deadline(django_assert_max_num_queries):
    for day in [date(2026, 12, 16), date(2026, 12, 17), date(2027, 1, 10), date(2027, 1, 11)]:
        HolidayFactory(date=day)
    with django_assert_max_num_queries(4):
        due = add_working_days(date(2026, 12, 1), 30)
    assert due == date(2027, 1, 18)


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
holiday_sets = st.frozensets(st.dates(min_value=date(2019, 12, 1), max_value=date(2031, 12, 31)), max_size=15)
# Holidays clustered near the start, so that they actually land inside the counted range.
near_holidays = st.tuples(days, st.frozensets(st.integers(0, 200), max_size=40))


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(0, 120), holidays=holiday_sets)
def test_add_working_days_matches_a_day_by_day_count(start, n, holidays):
    assert add_working_days(start, n, holidays=holidays) == oracle_add(start, n, holidays)


@settings(max_examples=300, deadline=None)
@given(dense=near_holidays, n=st.integers(0, 120))
def test_add_working_days_matches_a_day_by_day_count_with_dense_holidays(dense, n):
    start, offsets = dense
    holidays = {start + timedelta(days=k) for k in offsets}
    assert add_working_days(start, n, holidays=holidays) == oracle_add(start, n, holidays)


@settings(max_examples=300, deadline=None)
@given(a=days, b=days, holidays=holiday_sets)
def test_working_days_between_matches_a_day_by_day_count(a, b, holidays):
    if abs((b - a).days) > 400:
        b = a + timedelta(days=(b - a).days % 400)
    assert working_days_between(a, b, holidays=holidays) == oracle_between(a, b, holidays)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense=near_holidays, n=st.integers(0, 120))
def test_counting_the_days_to_a_deadline_gives_back_the_days_added(dense, n):
    start, offsets = dense
    holidays = {start + timedelta(days=k) for k in offsets}
    due = add_working_days(start, n, holidays=holidays)
    assert working_days_between(start, due, holidays=holidays) == n
    if n:
        assert is_working_day(due, holidays)
        assert working_days_between(start, due - timedelta(days=1), holidays=holidays) == n - 1
