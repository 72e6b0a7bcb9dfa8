"""Property tests for the values a report's form definition parses (int, decimal, date, choice,
text) and the numbers a form builder types: a value or a message naming the rule, never a crash."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.reports.admin_forms.builder import _number
from tongxin.reports.definition import MAX_NUMBER, clean_values

NASTY = ["1e999999999", "-1e999999999", "1e-999999999", "NaN", "sNaN", "-Infinity", "²", "１２", "٣",
         "9" * 5000, "\x00", "2021-02-30", "是", "否"]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.integers(), st.floats(), st.booleans(),
                   st.none(), st.decimals())
DEFINITION = {"fields": [
    {"key": "n", "label": "人数", "type": "int", "min": 0, "max": 1000},
    {"key": "d", "label": "金额", "type": "decimal", "min": -5},
    {"key": "day", "label": "日期", "type": "date"},
    {"key": "ok", "label": "是否", "type": "bool"},
    {"key": "c", "label": "类别", "type": "choice", "choices": [{"value": "a", "label": "甲"}]},
    {"key": "t", "label": "说明", "type": "text"},
], "rules": []}


@settings(max_examples=80, deadline=None)
@given(st.fixed_dictionaries({k: values for k in ("n", "d", "day", "ok", "c", "t")}))
def test_a_filed_value_is_typed_or_named_in_an_error(raw):
    cleaned, errors = clean_values(DEFINITION, raw)
    for key, value in cleaned.items():
        if key in errors or value is None:
            continue
        if key == "n":
            assert isinstance(value, int) and 0 <= value <= 1000
        if key == "d":
            assert Decimal(value).is_finite() and Decimal(value) < MAX_NUMBER
    assert all(messages and all(m for m in messages) for messages in errors.values())


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.sampled_from(NASTY), st.text(max_size=30)))
def test_a_builder_bound_is_a_json_number_or_value_error(text):
    try:
        number = _number(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(number, int | float) and abs(number) < 1e15
