"""Tracking numbers: ten digits, read aloud over a phone, the last a Damm check digit.

The Damm check digit catches every single-digit error and every swap of two adjacent digits, so
a mistyped number is answered with "check the number" instead of someone else's grievance or a
bare "not found". Numbers are random, not sequential, so they cannot be walked.
"""

import secrets

from django.utils.translation import gettext_lazy as _

from grs import errors

# The Damm algorithm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
LENGTH = 10
_BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


class InvalidTrackingNumber(errors.ValidationError):
    code = "tracking_number_invalid"


def damm_digit(digits: str) -> int:
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return interim


def is_valid(number: str) -> bool:
    return len(number) == LENGTH and number.isdigit() and damm_digit(number) == 0


def generate() -> str:
    """A new random tracking number (uniqueness is the caller's: the column is unique)."""
    body = f"{secrets.randbelow(9 * 10 ** (LENGTH - 2)) + 10 ** (LENGTH - 2)}"
    return body + str(damm_digit(body))


def normalise(text: str) -> str:
    """The digits of a number as typed: spaces and dashes dropped, Bangla digits accepted.

    Raises :class:`InvalidTrackingNumber` with a message that asks the user to check it.
    """
    digits = "".join(ch for ch in str(text).translate(_BANGLA_DIGITS) if not ch.isspace() and ch != "-")
    if not is_valid(digits):
        raise InvalidTrackingNumber(
            _("This tracking number is not right. Please check it: it has 10 digits, e.g. 4821-3907-65."),
            field="tracking_number",
        )
    return digits


def display(number: str) -> str:
    """Grouped for reading aloud: 4821-3907-65."""
    return f"{number[:4]}-{number[4:8]}-{number[8:]}"
