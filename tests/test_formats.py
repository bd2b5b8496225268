"""Dates are written day first in both languages, as Bangladesh writes them: "29 Nov 2026" and "29/11/2026"
in English, "২৯ নভেম্বর ২০২৬" in Bangla (grs.formats, through FORMAT_MODULE_PATH). Never the US 11/29/2026."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Engine
from django.utils import translation
from django.utils.dates import MONTHS

from offices.models import Role
from tests.factories import AppointmentFactory, OfficeFactory

ENGINE = Engine(libraries={"bangla": "grs.templatetags.bangla"})
DAY = date(2026, 11, 29)
MOMENT = datetime(2026, 11, 29, 8, 5, tzinfo=ZoneInfo("UTC"))  # 14:05 in Dhaka


def shown(value, fmt: str, language: str) -> str:
    """``value`` as a page writes it: through the date filter in ``fmt``, then in the reader's digits."""
    source = '{% load bangla %}{{ value|date:"' + fmt + '"|bn_digits }}'
    with translation.override(language):
        return ENGINE.from_string(source).render(Context({"value": value}))


def bangla_november() -> str:
    with translation.override("bn"):
        return str(MONTHS[11])


@pytest.mark.parametrize(
    ("fmt", "english", "bangla"),
    [
        ("SHORT_DATE_FORMAT", "29/11/2026", "২৯ {month} ২০২৬"),
        ("DATE_FORMAT", "29 Nov 2026", "২৯ {month}, ২০২৬"),
        ("YEAR_MONTH_FORMAT", "November 2026", "{month} ২০২৬"),
        ("MONTH_DAY_FORMAT", "29 November", "২৯ {month}"),
    ],
)
def test_dates_read_day_first_in_english_and_in_bangla_with_the_bangla_month(fmt, english, bangla):
    assert shown(DAY, fmt, "en") == english
    assert shown(DAY, fmt, "bn") == bangla.format(month=bangla_november())


@pytest.mark.parametrize(
    ("fmt", "english", "bangla"),
    [
        ("SHORT_DATETIME_FORMAT", "29/11/2026 14:05", "২৯ {month} ২০২৬, ১৪:০৫"),
        ("DATETIME_FORMAT", "29 Nov 2026, 14:05", "২৯ {month} ২০২৬, ১৪:০৫"),
    ],
)
def test_a_moment_reads_day_first_in_dhaka_time(fmt, english, bangla):
    # Django's Bangla locale has no date-and-time format: without ours it wrote the US "11/29/2026".
    assert shown(MOMENT, fmt, "en") == english
    assert shown(MOMENT, fmt, "bn") == bangla.format(month=bangla_november())


def test_a_short_date_never_puts_the_month_first():
    early = date(2026, 3, 4)  # 4 March: a month-first format would write 03/04/2026
    assert shown(early, "SHORT_DATE_FORMAT", "en") == "04/03/2026"
    assert shown(early, "SHORT_DATE_FORMAT", "en-us") == "04/03/2026"  # what the API's Accept-Language may pick


class DayForm(forms.Form):
    day = forms.DateField()


@pytest.mark.parametrize("language", ["en", "bn"])
def test_a_typed_date_is_read_day_first_and_iso_dates_still_work(language):
    def read(typed: str) -> date | None:
        form = DayForm({"day": typed})
        return form.cleaned_data["day"] if form.is_valid() else None

    with translation.override(language):
        assert read("05/11/2026") == date(2026, 11, 5)
        assert read("2026-11-05") == date(2026, 11, 5)  # what <input type="date"> sends
        assert read("11/29/2026") is None


@pytest.mark.django_db
def test_the_dashboards_weekly_trend_names_its_weeks_day_first(client):
    """The weekly trend's rows are named by their first and last days in SHORT_DATE_FORMAT."""
    ministry = OfficeFactory(code="MOSW")
    watcher = AppointmentFactory(role=Role.FOCAL_POINT, office=ministry, start_date=date(2020, 1, 1)).user
    client.force_login(watcher)
    query = "/dashboard/?interval=week&from=2026-03-01&to=2026-03-31"

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(query).content.decode()
    weeks = re.findall(r'<th scope="row">(\d\d/\d\d/\d{4}) to (\d\d/\d\d/\d{4})</th>', english)
    assert weeks and ("01/03/2026", "07/03/2026") in weeks, weeks
    assert ("03/01/2026", "03/07/2026") not in weeks

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    bangla = client.get(query).content.decode()
    with translation.override("bn"):
        march = str(MONTHS[3])
    assert re.search(rf"<th scope=\"row\">(1|১) {march} (2026|২০২৬) ", bangla)  # day first, the Bangla month
