"""Checklist definitions: sections of items, each a yes/no check, a number, a text or a photo.

An item may fail: a check answered "不符合", a number outside its min/max, a photo item with no
photo. A failing item has a severity (一般 / 较大 / 重大), a category and optionally a score and a
default rectification measure; `photo_on_fail` makes a photo compulsory when it fails.
`validate_definition` refuses anything malformed with messages naming the section and item.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from tongxin.core import versioning
from tongxin.ledger.models import Category, Severity

ITEM_TYPES = ("check", "number", "text", "photo")
KEY_RE = re.compile(r"^[a-z_][a-z0-9_]{0,49}$")


class DefinitionError(versioning.DefinitionError):
    """A malformed definition; `errors` is a list of messages, each naming what is wrong."""


def text(item: dict, key: str = "text") -> str:
    if translation.get_language() == "en" and item.get(f"{key}_en"):
        return item[f"{key}_en"]
    return item.get(key, "")


def validate_definition(definition: Any) -> dict:
    """A clean definition, or DefinitionError listing every problem."""
    if not isinstance(definition, dict) or not isinstance(definition.get("sections"), list):
        raise DefinitionError([_("检查表须包含分节列表 sections")])
    try:
        json.dumps(definition, allow_nan=False)
    except (TypeError, ValueError):
        raise DefinitionError([_("定义中含有无法保存的值（如 NaN、Infinity）")]) from None
    errors: list[str] = []
    seen: set[str] = set()
    count = 0
    for s_no, section in enumerate(definition["sections"], start=1):
        if not isinstance(section, dict) or not str(section.get("title", "")).strip():
            errors.append(_("第 %(n)s 节缺少标题") % {"n": s_no})
            continue
        items = section.get("items")
        if not isinstance(items, list) or not items:
            errors.append(_("第 %(n)s 节（%(t)s）没有检查项") % {"n": s_no, "t": section["title"]})
            continue
        for i_no, item in enumerate(items, start=1):
            count += 1
            where = _("第 %(s)s 节第 %(i)s 项") % {"s": s_no, "i": i_no}
            if not isinstance(item, dict):
                errors.append(_("%(where)s 格式不正确") % {"where": where})
                continue
            key = item.get("key")
            if not isinstance(key, str) or not KEY_RE.match(key):
                errors.append(_("%(where)s 的代码无效") % {"where": where})
            elif key in seen:
                errors.append(_("%(where)s 的代码 %(key)s 重复") % {"where": where, "key": key})
            else:
                seen.add(key)
            if not str(item.get("text", "")).strip():
                errors.append(_("%(where)s 缺少检查内容") % {"where": where})
            if item.get("type") not in ITEM_TYPES:
                errors.append(_("%(where)s 的类型无效，可选：%(types)s")
                              % {"where": where, "types": "、".join(ITEM_TYPES)})
            if item.get("severity", Severity.GENERAL) not in Severity.values:
                errors.append(_("%(where)s 的严重程度无效") % {"where": where})
            if item.get("category", Category.OTHER) not in Category.values:
                errors.append(_("%(where)s 的类别无效") % {"where": where})
            for bound in ("min", "max"):
                if item.get(bound) is not None and (item.get("type") != "number" or not _number(item[bound])):
                    errors.append(_("%(where)s 的上下限只能用于数值项，且必须是数字") % {"where": where})
            if "score" in item and not (isinstance(item["score"], int) and 0 <= item["score"] <= 100):
                errors.append(_("%(where)s 的分值应为 0–100 的整数") % {"where": where})
    if not count and not errors:
        errors.append(_("检查表至少需要一个检查项"))
    if errors:
        raise DefinitionError(errors)
    return definition


def _number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    return Decimal(str(value)).is_finite()


def judge(item: dict, result: str, value: str, has_photo: bool) -> tuple[str, list[str]]:
    """(result, problems): the item's verdict from what the inspector entered, and what is missing.

    A number item's pass/fail follows its min/max; a photo item without a photo fails; a failed
    item with `photo_on_fail` needs a photo.
    """
    problems: list[str] = []
    kind = item["type"]
    if result == "na":
        return "na", problems
    if kind == "number":
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return "", [_("请填写数字")]
        if not number.is_finite():  # NaN cannot be compared with a limit
            return "", [_("请填写数字")]
        low, high = item.get("min"), item.get("max")
        failed = (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high)))
        result = "fail" if failed else "pass"
    elif kind == "photo":
        result = "pass" if has_photo else "fail"
    elif kind == "text":
        result = result if result in ("pass", "fail") else "pass"
    elif result not in ("pass", "fail"):
        return "", [_("请选择“符合”或“不符合”")]
    if result == "fail" and item.get("photo_on_fail") and not has_photo:
        problems.append(_("不符合时须拍照留证"))
    return result, problems
