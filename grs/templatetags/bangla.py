"""Numbers and dates in the reader's digits: Bangla digits (০১২৩৪৫৬৭৮৯) on Bangla pages, ASCII on English ones.

Only what people read gets Bangla digits: dates, counts, figures. What people type back — tracking
numbers, access codes, phone numbers — and machine-readable attributes (``<time datetime>``, URLs)
stay in ASCII digits, because SMS keypads and most forms expect those.

    {% load bangla %}
    {{ grievance.due_date|date:"DATE_FORMAT"|bn_digits }}
    {% filter bn_digits %}{% blocktranslate count counter=n %}...{% endblocktranslate %}{% endfilter %}
"""

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()

BANGLA_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def bangla_active() -> bool:
    return (get_language() or "").startswith("bn")


def to_bangla_digits(text: str) -> str:
    """``text`` with every ASCII digit written as the Bangla digit, whatever language is active."""
    return text.translate(BANGLA_DIGITS)


@register.filter(is_safe=True)
def bn_digits(value: object) -> object:
    """The value as text, in Bangla digits when Bangla is active; unchanged otherwise.

    A number is first written as the active locale writes it (decimal separator included). Safe
    markup stays safe: digits never make HTML.
    """
    if value is None or value == "" or not bangla_active():
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = formats.localize(value, use_l10n=True)
    return to_bangla_digits(str(value))
