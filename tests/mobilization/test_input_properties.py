"""Property tests for what is typed about a person and a period: a mobile is 11 ASCII digits or
words; a range of days is read, turned round or cut, never a crash."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.mobilization.queries.overview import MAX_DAYS, parse_range
from tongxin.mobilization.services.people import clean_mobile

NASTY = ["13907441234", "１３９０７４４１２３４", "+86 139 0744 1234", "0744-5221234", "²" * 11, "1e999999999",
         "\x00", "9" * 5000, "", "NaN"]
DAYS = ["", "2021-07-30", "0001-01-01", "9999-12-31", "2021-02-30", "２０２１-０７-３０", "²", "\x00", "9" * 5000]


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.sampled_from(NASTY), st.text(max_size=25), st.integers(), st.none()))
def test_a_mobile_is_eleven_ascii_digits_or_words(raw):
    try:
        mobile = clean_mobile(raw)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert len(mobile) == 11 and mobile.isascii() and mobile.isdigit()


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.sampled_from(DAYS), st.text(max_size=12), st.dates().map(str)),
       st.one_of(st.sampled_from(DAYS), st.text(max_size=12), st.dates().map(str)))
def test_a_range_of_days_is_read_turned_round_or_cut(day, until):
    since, end, errors = parse_range(day, until, dt.date(2021, 7, 30))
    assert since <= end and (end - since).days < MAX_DAYS
    assert all(len(v) <= 20 for v in errors.values())
