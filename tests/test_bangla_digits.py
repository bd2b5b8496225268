"""Bangla pages write dates, counts and figures in Bangla digits; English pages in ASCII digits; what people
type back (tracking numbers, phone numbers) and machine-readable attributes stay ASCII on both."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Engine
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe

from grievances import tracking
from grievances.services import grievance_file
from grs.templatetags.bangla import bn_digits
from offices.models import Office, Role
from tests.factories import AppointmentFactory, OfficeFactory

ENGINE = Engine(libraries={"bangla": "grs.templatetags.bangla"}, builtins=["django.templatetags.i18n"])
DHAKA = ZoneInfo("Asia/Dhaka")


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return ENGINE.from_string("{% load bangla %}" + source).render(Context(context, autoescape=True))


def test_every_ascii_digit_becomes_its_bangla_digit_on_a_bangla_page():
    with translation.override("bn"):
        assert bn_digits("0123456789") == "০১২৩৪৫৬৭৮৯"
        assert bn_digits(42) == "৪২"
        assert bn_digits("12.5% of 1,200") == "১২.৫% of ১,২০০"


def test_english_pages_keep_ascii_digits():
    with translation.override("en"):
        assert bn_digits("0123456789") == "0123456789"
        assert bn_digits(42) == 42


def test_numbers_are_written_as_the_locale_writes_them_before_their_digits_change():
    with translation.override("bn"):
        assert bn_digits(Decimal("3.50")) == "৩.৫০"
        assert bn_digits(0) == "০"
        assert bn_digits(2.5) == "২.৫"


def test_nothing_to_show_stays_nothing():
    with translation.override("bn"):
        assert bn_digits(None) is None
        assert bn_digits("") == ""
        assert bn_digits("কোনো সংখ্যা নেই") == "কোনো সংখ্যা নেই"


def test_markup_stays_safe_and_text_stays_escaped():
    with translation.override("bn"):
        assert isinstance(bn_digits(mark_safe("<b>7</b>")), str)
    assert render("{{ value|bn_digits }}", "bn", value=mark_safe("<b>7</b>")) == "<b>৭</b>"
    assert render("{{ value|bn_digits }}", "bn", value="<b>7</b>") == "&lt;b&gt;৭&lt;/b&gt;"
    assert isinstance(render("{{ value|bn_digits }}", "bn", value=SafeString("1")), str)


def test_a_date_reads_in_bangla_month_and_digits_while_its_datetime_attribute_stays_ascii():
    source = '<time datetime="{{ d|date:\'Y-m-d\' }}">{{ d|date:"DATE_FORMAT"|bn_digits }}</time>'
    shown = render(source, "bn", d=date(2026, 11, 29))
    assert shown == '<time datetime="2026-11-29">২৯ নভেম্বর, ২০২৬</time>'
    assert render(source, "en", d=date(2026, 11, 29)) == '<time datetime="2026-11-29">29 Nov 2026</time>'


def test_a_moment_is_shown_in_dhaka_time_in_bangla_digits():
    moment = datetime(2026, 3, 5, 4, 7, tzinfo=ZoneInfo("UTC"))  # 10:07 in Dhaka
    shown = render('{{ at|date:"j F Y, H:i"|bn_digits }}', "bn", at=moment.astimezone(DHAKA))
    assert shown == "৫ মার্চ ২০২৬, ১০:০৭"


def test_a_whole_translated_sentence_with_a_count_can_be_given_bangla_digits():
    source = (
        "{% filter bn_digits %}{% blocktranslate count counter=n %}{{ counter }} grievance"
        "{% plural %}{{ counter }} grievances{% endblocktranslate %}{% endfilter %}"
    )
    bangla = render(source, "bn", n=1234)
    assert bangla == "১২৩৪টি অভিযোগ"
    assert render(source, "en", n=1234) == "1234 grievances"


# --- pages -----------------------------------------------------------------------------------------

BANGLA = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
ASCII_DIGIT = re.compile(r"[0-9]")
PHONE = "01712345678"


@pytest.fixture
def office_with_gro():
    office = OfficeFactory(
        code="USSO-ULIPUR",
        layer=Office.Layer.UPAZILA,
        name_en="Upazila Social Services Office, Ulipur",
        name_bn="উপজেলা সমাজসেবা কার্যালয়, উলিপুর",
    )
    return office, AppointmentFactory(role=Role.GRO, office=office).user


def _file(office, subject):
    return grievance_file(
        type="citizen",
        office=office,
        subject=subject,
        description="ভাতা বন্ধ।",
        complainant_name="আমেনা বেগম",
        complainant_phone=PHONE,
    ).grievance


def _time_text(page: str, iso: str) -> list[str]:
    return re.findall(rf'<time datetime="{iso}[^"]*">([^<]*)</time>', page)


@pytest.mark.django_db
def test_a_gro_reading_bangla_sees_dates_and_the_count_in_bangla_digits_and_tracking_numbers_as_typed(
    client, office_with_gro
):
    office, gro = office_with_gro
    filed = [_file(office, "বয়স্ক ভাতা বন্ধ"), _file(office, "বিধবা ভাতা পাইনি")]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    client.force_login(gro)

    page = client.get("/inbox/").content.decode()

    assert re.search(r'<h2 id="list-heading">(.*?)</h2>', page).group(1) == "২টি অভিযোগ"
    due = filed[0].due_date
    shown = _time_text(page, due.isoformat())  # the machine-readable attribute stays ASCII
    assert shown and all(not ASCII_DIGIT.search(text) for text in shown), shown
    # The list's short dates: the day, the month's Bangla name, the year, as in "২৯ নভেম্বর ২০২৬".
    with translation.override("bn"):
        month = formats.date_format(due, "F")
    assert f"{due.day} {month} {due.year}".translate(BANGLA) in shown
    for grievance in filed:
        assert f">{tracking.display(grievance.tracking_number)}</a>" in page
    assert re.search(r'class="inbox-link">[^<]*<span class="badge">([^<]*)</span>', page).group(1) == "২টি নতুন"


@pytest.mark.django_db
def test_the_same_inbox_in_english_keeps_ascii_digits(client, office_with_gro):
    office, gro = office_with_gro
    filed = _file(office, "Old age allowance stopped")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(gro)

    page = client.get("/inbox/").content.decode()

    assert '<h2 id="list-heading">1 grievance</h2>' in page
    # Day first, as Bangladesh writes dates in English too: 29/11/2026, never 11/29/2026.
    assert _time_text(page, filed.due_date.isoformat()) == [filed.due_date.strftime("%d/%m/%Y")]


@pytest.mark.django_db
def test_the_tracking_page_in_bangla_dates_in_bangla_digits_tracking_number_in_ascii(client, office_with_gro):
    office, _gro = office_with_gro
    grievance = _file(office, "বয়স্ক ভাতা বন্ধ")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    number = tracking.display(grievance.tracking_number)

    page = client.post("/track/", {"tracking_number": number.translate(BANGLA), "secret": PHONE}).content.decode()

    assert re.search(r'<h2 id="result-heading">[^<]*' + number + "[^<]*</h2>", page)
    due, filed_on = grievance.due_date, grievance.submitted_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    for day, texts in ((due, _time_text(page, due.isoformat())), (filed_on, _time_text(page, filed_on.isoformat()))):
        assert texts, day
        for text in texts:
            assert not ASCII_DIGIT.search(text), text
            assert str(day.day).translate(BANGLA) in text and str(day.year).translate(BANGLA) in text


@pytest.mark.django_db
def test_the_dashboards_trend_rows_name_their_periods_in_bangla_digits(client, office_with_gro):
    office, gro = office_with_gro
    _file(office, "বয়স্ক ভাতা বন্ধ")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    client.force_login(gro)

    page = client.get("/dashboard/").content.decode()

    row_headers = re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]*)<', page)
    periods = [text for text in row_headers if re.search("[০-৯]{4}", text)]  # "নভেম্বর ২০২৬", the weeks' dates
    assert periods, row_headers
    assert not [text for text in row_headers if ASCII_DIGIT.search(text)], row_headers


@pytest.mark.django_db
def test_the_dashboards_office_codes_stay_as_people_type_them(client):
    ministry = OfficeFactory(code="MOSW", name_en="Ministry of Social Welfare", name_bn="সমাজকল্যাণ মন্ত্রণালয়")
    child = OfficeFactory(code="UP-1207", parent=ministry, name_en="Ward 5 office", name_bn="ওয়ার্ড 5 কার্যালয়")
    focal = AppointmentFactory(role=Role.FOCAL_POINT, office=ministry).user
    _file(child, "বয়স্ক ভাতা বন্ধ")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    client.force_login(focal)

    page = client.get("/dashboard/").content.decode()

    assert '<th scope="row">UP-1207</th>' in page  # the code, to type into a search, as written
    assert "ওয়ার্ড ৫ কার্যালয়" in page  # a name is read: Bangla digits
