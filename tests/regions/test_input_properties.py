"""Property tests for how a region is typed: a name is cleaned idempotently, and only ASCII digits
make a code ('²²' or '٤٣' is no prefix of GB/T 2260)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.regions.names import clean_name
from tongxin.regions.queries import code_of_prefix

NASTY = ["南县", "湖南省 / 益阳市", "²²", "٤٣", "４３０９", "430921", "43", "\x00", "A´·B", "ａ\u0301"]


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.sampled_from(NASTY), st.text(max_size=30)))
def test_a_region_name_is_cleaned_idempotently(text):
    once = clean_name(text)
    assert clean_name(once) == once


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.sampled_from(NASTY), st.text(alphabet="0123456789²٤４", max_size=8)))
def test_a_region_code_is_six_ascii_digits_or_none(text):
    code = code_of_prefix(text)
    assert code is None or (len(code) == 6 and code.isascii() and code.isdigit() and code.startswith(text))
