"""Bangla pages write dates, counts and figures in Bangla digits; English pages in ASCII digits; what people
type back (tracking numbers, phone numbers) and machine-readable attributes stay ASCII on both."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template import Context, Engine
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from grs.templatetags.bangla import bn_digits

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
    assert render(source, "en", d=date(2026, 11, 29)) == '<time datetime="2026-11-29">Nov. 29, 2026</time>'


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
