"""Credit codes, phones and ID numbers: a valid value is normalised, a bad one named."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from tongxin.core.validators import (
    mask_id_number,
    mask_phone,
    normalize_credit_code,
    normalize_id_number,
    normalize_phone,
)

GOOD_CODE = "12430921MB1A2B3C4" + uscc.calc_check_digit("12430921MB1A2B3C4")


def test_valid_credit_code_is_upper_cased():
    assert normalize_credit_code(GOOD_CODE.lower()) == GOOD_CODE


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1243092", "credit_code_length"),
        (GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1"), "credit_code_checksum"),
        ("12430921MB1A2B3CI" + "0", "credit_code_format"),
    ],
)
def test_bad_credit_codes_are_named(value, code):
    with pytest.raises(ValidationError) as exc:
        normalize_credit_code(value)
    assert exc.value.code == code


@pytest.mark.parametrize(("value", "expected"), [("13807371234", "13807371234"), ("0737-5221234", "07375221234"),
                                                 ("+86 138 0737 1234", "13807371234")])
def test_mainland_phones(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize("value", ["12345", "1380737123", "abc", "+1 202 555 0100", ""])
def test_bad_phones(value):
    with pytest.raises(ValidationError):
        normalize_phone(value)


def test_id_numbers_and_masks():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(ValidationError):
        normalize_id_number("110105194912310021")
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("430821199001011234") == "4308**********1234"


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), ("0042", 42), ("9" * 18, int("9" * 18)), ("9" * 19, None), ("", None), ("²", None), ("٣", None),
    ("１２", None), ("-1", None), (" 1", None), ("1.0", None), (None, None), (7, None),
])
def test_parse_id_takes_only_ascii_digits(raw, expected):
    from tongxin.core.validators import parse_id

    assert parse_id(raw) == expected
