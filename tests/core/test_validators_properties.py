"""Property tests for every validator, normaliser, mask and number parser that user text reaches.

For each: arbitrary text (full-width digits, '²', '1e999999999', 'NaN', NUL, lone surrogates, huge
strings, JSON nested past any limit) raises nothing but ValidationError (no 500); valid values
generated with real check digits are accepted; normalisers are idempotent; a mask never shows more
than the personal-data policy (an ID number 4+4 characters, only when it has 18 or more; a phone
number 3+4, only when it has 11 or more; shorter inputs show less)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from tongxin.core import safe_input
from tongxin.core.validators import (
    check_length,
    fold_width,
    mask_id_number,
    mask_phone,
    normalize_credit_code,
    normalize_id_number,
    normalize_phone,
    parse_id,
    typed_code,
)
from tongxin.core.xlsx.cells import as_count, number_text
from tongxin.core.xlsx.reading import _header_keys, normalize_header

BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NASTY = ["", " ", "\x00", "\ud800", "²", "²" * 18, "1" * 17 + "²", "①", "١٢٣", "１２３", "1e999999999",
         "-1e999999999", "1e-999999999", "NaN", "sNaN", "-Infinity", "9" * 5000, "0x1F", "+86 139 0744 1234",
         "4308211990010112３５", "43082119900101123x", "\u3000", "=1+1", "1,2", "١", "𝟙𝟚𝟛"]
texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                  st.text(alphabet="0123456789Xx１２３４５６７８９０²- ", max_size=25),
                  st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=10)))

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _only_validation_error(fn, value):
    try:
        return fn(value)
    except ValidationError as exc:
        assert exc.messages and all(m.strip() for m in exc.messages)
        return None


# --- identifiers -------------------------------------------------------------------------------------

@st.composite
def id_numbers(draw) -> str:
    region = draw(st.sampled_from(["430921", "432322", "430821", "110101", "440305"]))
    born = draw(st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)))
    first17 = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + _check_character(first17)


def _check_character(first17: str) -> str:
    """GB 11643-1999's check character, written out here independently of the code under test."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@st.composite
def credit_codes(draw) -> str:
    head = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    body = draw(st.text(alphabet=uscc._alphabet, min_size=9, max_size=9))
    return head + body + uscc.calc_check_digit(head + body)


mobiles = st.builds(lambda p, n: f"{p}{n:08d}", st.sampled_from(["139", "138", "186", "159", "177", "135"]),
                    st.integers(0, 99_999_999))


@BOUNDED
@given(texts)
def test_identifiers_refuse_any_text_with_words_only(value):
    for fn in (normalize_id_number, normalize_credit_code, normalize_phone):
        _only_validation_error(fn, value)


@BOUNDED
@given(st.text(min_size=10_000, max_size=10_000, alphabet="1２"))
def test_huge_identifiers_are_refused_with_words(value):
    for fn in (normalize_id_number, normalize_credit_code, normalize_phone):
        assert _only_validation_error(fn, value) is None


@BOUNDED
@given(id_numbers(), st.booleans(), st.booleans())
def test_a_real_id_number_is_accepted_typed_any_way(number, full_width, lower):
    typed = number.lower() if lower else number
    typed = typed.translate(FULL_WIDTH) if full_width else typed
    assert normalize_id_number(f" {typed} ") == number
    assert normalize_id_number(normalize_id_number(typed)) == number  # idempotent


@BOUNDED
@given(id_numbers(), st.integers(0, 17), st.sampled_from("²①１٣"))
def test_an_id_number_with_a_non_ascii_digit_is_refused(number, at, digit):
    if digit == "１" and at < 17:
        return  # a full-width digit is the same digit, folded
    bad = number[:at] + digit + number[at + 1:]
    if digit == "１":
        bad = number[:17] + "１"
        if number[17] == "1":
            return
    try:
        normalize_id_number(bad)
    except ValidationError:
        return
    raise AssertionError(f"{bad!r} was accepted")


@BOUNDED
@given(credit_codes(), st.booleans())
def test_a_real_credit_code_is_accepted(code, lower):
    typed = code.lower() if lower else code
    assert normalize_credit_code(typed) == code
    assert normalize_credit_code(normalize_credit_code(typed)) == code


@BOUNDED
@given(mobiles)
def test_a_real_mobile_is_accepted_and_idempotent(mobile):
    assert normalize_phone(mobile) == mobile
    assert normalize_phone(mobile.translate(FULL_WIDTH)) == mobile
    assert normalize_phone(normalize_phone(mobile)) == mobile


# --- masks -----------------------------------------------------------------------------------------

def _shown(masked: str) -> int:
    return sum(ch != "*" for ch in masked)


@BOUNDED
@given(st.one_of(id_numbers(), st.text(alphabet="0123456789X", max_size=30), st.sampled_from(NASTY)))
@example("430821199001011234")
@example("430821900101123")  # an old 15-digit number
def test_an_id_mask_shows_four_and_four_only_of_a_full_number(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    if len(value) >= 18:
        assert masked == value[:4] + "*" * (len(value) - 8) + value[-4:]
    else:
        assert _shown(masked) < 8 and _shown(masked) <= 2 * (len(value) // 5)


@BOUNDED
@given(st.one_of(mobiles, st.text(alphabet="0123456789- ", max_size=20), st.sampled_from(NASTY)))
@example("13812345678")
@example("0737-5221234")
@example("5221234")
def test_a_phone_mask_shows_three_and_four_only_of_a_full_number(value):
    masked = mask_phone(value)
    digits = "".join(ch for ch in value if ch not in "- ")
    if len(digits) >= 11:
        assert masked == digits[:3] + "****" + digits[-4:]
    else:
        assert len(masked) == len(digits) and _shown(masked) <= len(digits) // 4 < 3


def test_the_masks_of_the_design():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("430821199001011234") == "4308**********1234"
    assert mask_phone("13812345") == "******45"  # a short number shows less, never 3+4 of 8


# --- small parsers ------------------------------------------------------------------------------------

@BOUNDED
@given(st.one_of(texts, st.integers(), st.none(), st.floats()))
def test_parse_id_and_typed_code_never_raise(value):
    pk = parse_id(value)
    assert pk is None or (isinstance(pk, int) and 0 <= pk < 10**18)
    code = typed_code(value)
    assert typed_code(code) == code and len(code) <= 40


@BOUNDED
@given(texts, st.integers(0, 50))
def test_check_length_refuses_with_words(value, limit):
    try:
        check_length("note", value, limit)
    except ValidationError as exc:
        assert len(value) > limit and "note" in exc.message_dict
    else:
        assert len(value) <= limit


@BOUNDED
@given(texts)
def test_fold_width_is_idempotent_and_only_folds_width(value):
    folded = fold_width(value)
    assert fold_width(folded) == folded and len(folded) == len(value)
    assert "²" not in value or "²" in folded


# --- safe input -------------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(texts, children, max_size=3)),
    max_leaves=12)


@BOUNDED
@given(texts)
def test_safe_input_judges_any_text(value):
    problem = safe_input.text_problem(value)
    assert problem is None or problem.strip()
    assert safe_input.text_problem(safe_input.printable(value)) is None


@BOUNDED
@given(st.one_of(texts, st.binary(max_size=40),
                 st.integers(1, 5000).map(lambda n: "[" * n + "]" * n),
                 st.integers(1, 5000).map(lambda n: '{"a":' * n + "1" + "}" * n)))
def test_loads_raises_nothing_but_validation_error(text):
    _only_validation_error(safe_input.loads, text)


@BOUNDED
@given(json_values)
def test_check_json_accepts_what_can_be_stored_and_names_the_rest(data):
    try:
        safe_input.check_json(data)
    except ValidationError as exc:
        assert exc.message_dict
    else:
        assert "\x00" not in repr(data)


def test_deep_json_is_refused_with_words():
    deep: list = []
    for _ in range(200):
        deep = [deep]
    assert _only_validation_error(safe_input.check_json, deep) is None
    assert _only_validation_error(safe_input.loads, "[" * 100_000 + "]" * 100_000) is None


# --- spreadsheet cells and headers -------------------------------------------------------------------

@BOUNDED
@given(st.one_of(texts, st.integers(), st.floats(), st.none(), st.booleans()))
def test_cell_numbers_raise_nothing_but_validation_error(value):
    out = _only_validation_error(number_text, value)
    if isinstance(out, str) and out != value:
        assert number_text(out) == out  # idempotent
    count = _only_validation_error(as_count, value)
    assert count is None or 0 <= count <= 2_147_483_647


@BOUNDED
@given(st.integers(0, 2_147_483_647), st.booleans())
def test_a_count_is_read_however_it_is_written(n, full_width):
    text = f"{n:,}"
    if full_width:
        text = text.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    assert as_count(text) == n
    assert as_count(Decimal(n).__float__()) == n if n < 2**53 else True


@BOUNDED
@given(st.one_of(texts, st.integers(), st.none()))
def test_header_normalising_is_idempotent(value):
    once = normalize_header(value)
    assert normalize_header(once) == once
    keys = _header_keys(value)
    assert keys[0] == once and all(normalize_header(k) == k for k in keys)
