"""A unit typed by its number in the account forms: '²' or a full-width digit is no number (it was a
ValueError, a 500), so it is looked up as a name and refused with words."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tongxin.units.account_forms import resolve_unit


@pytest.mark.parametrize("text", ["²", "²²", "①", "٣", "9" * 40])
def test_a_strange_unit_number_is_refused_with_words(world, text):
    with pytest.raises(ValidationError) as caught:
        resolve_unit(world.secadmin, text)
    assert caught.value.message_dict["unit"]
