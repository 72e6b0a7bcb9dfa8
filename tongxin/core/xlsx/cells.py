"""Numbers as people type them into a spreadsheet cell.

`number_text` guarantees that a number written with full-width digits or separators
(１２０, １，２００, ３．５), with thousands commas or with spaces is read as the number it is,
and that a number written in words (五十, 一百二十) or with its unit (50张, 30人) is refused
with words saying what to write instead — never guessed. `as_count` applies the same reading
to a whole, non-negative count. Neither ever evaluates anything.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHINESE_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
WITH_UNIT = re.compile(r"[+-]?\d+(\.\d+)?\s*[^\d\s.,+-]{1,4}")
MAX_COUNT = 2_147_483_647  # PositiveIntegerField on every database


def number_text(raw: Any) -> Any:
    """A cell meant to hold a number: a string is width-folded and freed of spaces and thousands
    commas ("１，２００" → "1200"); a number in words or with a unit raises ValidationError; any
    other value (a number, a date, text that is no number) is returned as it is, for the column's
    own check to judge."""
    if not isinstance(raw, str):
        return raw
    text = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", raw))
    if PLAIN_NUMBER.fullmatch(text):
        return text
    if CHINESE_NUMERALS.search(text) and not re.search(r"\d", text):
        raise ValidationError(_("“%(value)s”是汉字，请用阿拉伯数字填写（如 50）") % {"value": raw.strip()})
    if WITH_UNIT.fullmatch(text):
        raise ValidationError(_("“%(value)s”请只填写数字，不要带单位") % {"value": raw.strip()})
    return raw


def as_count(raw: Any) -> int:
    """A whole number not below 0 (beds, residents, staff), read as `number_text` reads it."""
    value = number_text(raw)
    if isinstance(value, bool):
        raise ValidationError(_("应为整数"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
        if len(value.lstrip("+-0")) > len(str(MAX_COUNT)):
            raise ValidationError(_("数值过大"))
        value = int(value)
    if not isinstance(value, int):
        raise ValidationError(_("应为整数"))
    if value < 0:
        raise ValidationError(_("不能为负数"))
    if value > MAX_COUNT:
        raise ValidationError(_("数值过大"))
    return value
