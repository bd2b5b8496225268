"""Phone numbers in E.164, from anywhere in the world; Bangladeshi local numbers accepted."""

import phonenumbers
from django.utils.translation import gettext_lazy as _

from grs import errors

_BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


class InvalidPhone(errors.ValidationError):
    code = "phone_invalid"


def normalise_phone(text: str, *, field: str = "phone") -> str:
    """``+8801712345678`` for ``01712345678``, ``+880 1712-345678`` or ``০১৭১২৩৪৫৬৭৮``; any
    country's number written with its ``+`` code is kept in E.164. Raises :class:`InvalidPhone`."""
    raw = str(text).translate(_BANGLA_DIGITS).strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, "BD")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(_("Enter a phone number, e.g. 01712345678 or +971501234567."), field=field) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            _(
                "This phone number is not valid. Numbers outside Bangladesh need their country code, "
                "e.g. +971501234567."
            ),
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_of(e164: str) -> str:
    """The ISO country code a number belongs to (``BD`` for +880...), or '' when unknown."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""
    except phonenumbers.NumberParseException:
        return ""
