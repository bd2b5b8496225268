import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grievances import tracking


def test_generated_numbers_are_ten_digits_and_valid():
    for _ in range(200):
        number = tracking.generate()
        assert len(number) == 10 and number.isdigit() and number[0] != "0"
        assert tracking.is_valid(number)


@given(st.integers(min_value=10**8, max_value=10**9 - 1))
def test_every_single_digit_error_is_caught(body):
    number = f"{body}{tracking.damm_digit(str(body))}"
    for position in range(10):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1 :]
                assert not tracking.is_valid(typo)


@given(st.integers(min_value=10**8, max_value=10**9 - 1))
def test_every_swap_of_adjacent_digits_is_caught(body):
    number = f"{body}{tracking.damm_digit(str(body))}"
    for position in range(9):
        a, b = number[position], number[position + 1]
        if a != b:
            swapped = number[:position] + b + a + number[position + 2 :]
            assert not tracking.is_valid(swapped)


def test_numbers_are_accepted_as_people_type_them():
    number = tracking.generate()
    shown = tracking.display(number)
    assert shown.count("-") == 2
    assert tracking.normalise(shown) == number
    assert tracking.normalise(f" {number[:4]} {number[4:]} ") == number
    bangla = number.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    assert tracking.normalise(bangla) == number


def test_a_typo_is_answered_with_check_the_number():
    number = tracking.generate()
    typo = number[:-1] + str((int(number[-1]) + random.randint(1, 9)) % 10)
    with pytest.raises(tracking.InvalidTrackingNumber, match="check"):
        tracking.normalise(typo)
    with pytest.raises(tracking.InvalidTrackingNumber):
        tracking.normalise("12345")
