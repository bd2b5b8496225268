"""Bangla: the day, the Bangla month's name, the year; a 24-hour clock in dates with a time.

Django's Bangla locale has no date-and-time formats of its own, so without these a Bangla page would
fall back to the US ``m/d/Y``. The examples are as a page shows them, its digits written by ``bn_digits``.
"""

DATE_FORMAT = "j F, Y"  # ২৯ নভেম্বর, ২০২৬
SHORT_DATE_FORMAT = "j F Y"  # ২৯ নভেম্বর ২০২৬: Django's abbreviations ("নভে.") are not how dates are written
DATETIME_FORMAT = "j F Y, H:i"  # ২৯ নভেম্বর ২০২৬, ১৪:০৫
SHORT_DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"  # নভেম্বর ২০২৬
MONTH_DAY_FORMAT = "j F"  # ২৯ নভেম্বর
