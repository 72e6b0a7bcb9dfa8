"""Property tests for what an inspector types into a number item, and for a checklist named in the
API: a verdict or words, never a crash ('NaN' cannot be compared with a limit; '²' is no id)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError as DRFValidationError

from tongxin.inspections.api.checklists import ChecklistRef
from tongxin.inspections.definition import judge

ITEM = {"type": "number", "min": 2, "max": 5}
NASTY = ["NaN", "sNaN", "-NaN", "Infinity", "1e999999999", "-1e999999999", "²", "１２", "٣", "9" * 5000, "\x00"]


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.sampled_from(NASTY), st.text(max_size=20), st.decimals().map(str)))
@example("NaN")
def test_a_number_answer_is_judged_or_asked_again(value):
    result, problems = judge(ITEM, "", value, False)
    assert result in ("pass", "fail") or (result == "" and problems)


@pytest.mark.parametrize("text", ["²", "²²", "①", "1" * 40, "٣"])
def test_a_checklist_named_by_a_strange_number_is_refused_with_words(checklists, text):
    with pytest.raises(DRFValidationError, match="没有这张检查表"):
        ChecklistRef().to_internal_value(text)
