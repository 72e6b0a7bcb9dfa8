"""Property tests for the quantities and amounts a clerk types (donations, appeals' needs, stock):
any text is a number within the limits or a ValidationError with words, never a 500 —
'1e999999999', 'NaN', full-width digits, '²', huge strings."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tongxin.donations.queries.public import normalise
from tongxin.donations.services import appeals, donations, stock

NASTY = ["1e999999999", "-1e999999999", "1e-999999999", "NaN", "sNaN", "Infinity", "-0", "²", "１２", "٣",
         "9" * 5000, "\x00", "1,000.5", "0.001", " 12 ", "1_000"]
typed = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.decimals(), st.integers(), st.floats())
BOUND = Decimal("100000000")


@settings(max_examples=80, deadline=None)
@given(typed)
@example("1e999999999")
def test_a_donation_amount_is_a_bounded_cent_amount_or_words(raw):
    errors: dict[str, list[str]] = {}
    value = donations._decimal(raw, "quantity", errors, "数量")
    if value is None:
        assert raw in (None, "") or errors["quantity"]
    else:
        assert not errors and 0 <= value <= BOUND and value == value.quantize(Decimal("0.01"))


@settings(max_examples=80, deadline=None)
@given(typed)
@example("1e999999999")
@example("-1e999999999")
@example("NaN")
def test_an_appeal_need_and_a_stock_quantity_are_numbers_or_words(raw):
    for parse in (appeals._quantity, stock._quantity):
        try:
            q = parse(raw, "quantity")
        except ValidationError as exc:
            assert exc.messages
            if raw in ("1e999999999", "-1e999999999"):
                assert "数字" not in str(exc.messages)  # too large, and it says so
        else:
            assert q.is_finite() and abs(q) <= BOUND


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_a_receipt_lookup_normalises_idempotently(text):
    assert normalise(normalise(text)) == normalise(text)
