"""Property tests for the duty roster's parsers: any cell or form value gives a value or words
(ValidationError), never a crash — '²', full-width digits, '1e999999999', NaN, huge numbers."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.command.excel_duty import _date, _time
from tongxin.command.forms.duty import _count

NASTY = ["²", "①", "１２", "٣", "1e999999999", "NaN", "9" * 5000, "\x00", "", "-3", "0", "21", "2021年8月2日",
         "２０２１-０８-０２", "٢٠٢١-٠٨-٠٢", "0000-01-01", "24:00", "08：30", "8点", "99:99"]
cells = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.floats(), st.integers(), st.none(),
                  st.datetimes(), st.times())


@settings(max_examples=80, deadline=None)
@given(cells)
def test_a_duty_cell_is_a_date_a_time_or_words(raw):
    for parse, kind in ((_date, dt.date), (_time, dt.time)):
        try:
            assert isinstance(parse(None, raw), kind)
        except ValidationError as exc:
            assert exc.messages


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.sampled_from(NASTY), st.text(max_size=12), st.integers().map(str)))
def test_a_typed_head_count_is_a_small_count_or_the_default(raw):
    n = _count(raw, 7)
    assert n == 7 or 1 <= n <= 20
    if not (raw.isascii() and raw.isdigit()):
        assert n == 7
