"""Form definitions: what a valid one looks like, and turning submitted values into clean ones.

A definition is JSON: `fields` (key, label, label_en, type, unit, required, min, max, help,
choices; `aggregate` — how a number adds up over units: "sum" (the default, also for every version
defined before fields could say), "avg", "min" or "max", or a list of them, the first the one the
overview shows; and for the one-click zero report either `carry` — take yesterday's value — or
`zero` — the value a quiet day has), `rules` (expr, message, message_en), optional `figures`
(derived ratios and streaks for the overview) and `key_figures`. `validate_definition` refuses
anything malformed with messages naming the field or rule (and, for a rule, the character position);
`clean_values` coerces a submission to the field types and applies every check, returning
field-by-field errors so nothing half-valid is ever stored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from tongxin.core import versioning
from tongxin.reports import rules as rule_lang

FIELD_TYPES = ("int", "decimal", "bool", "choice", "date", "text")
AGGREGATES = ("sum", "avg", "min", "max")
MAX_NUMBER = Decimal(10) ** 12  # a count or amount beyond this is a typing slip, and beyond the roll-ups' digits
KEY_RE = re.compile(r"^[a-z_][a-z0-9_]{0,49}$")
MAX_TEXT = 2000
TRUE_WORDS = {"true", "1", "yes", "y", "是", "有", "✓", "on"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "无", "off"}


class DefinitionError(versioning.DefinitionError):
    """A malformed definition; `errors` is a list of messages, each naming what is wrong."""


def label(item: dict, key: str = "label") -> str:
    """The label in the user's language (falls back to Chinese)."""
    if translation.get_language() == "en" and item.get(f"{key}_en"):
        return item[f"{key}_en"]
    return item.get(key, "")


# The units of measure forms commonly use, in words for a reader of another language. A form's
# definition keeps the unit as written (Chinese); it is translated when shown, and a unit not
# listed here is shown as written.
UNITS_OF_MEASURE = {
    "人": pgettext_lazy("unit of measure", "人"), "人次": pgettext_lazy("unit of measure", "人次"),
    "名": pgettext_lazy("unit of measure", "名"), "户": pgettext_lazy("unit of measure", "户"),
    "天": pgettext_lazy("unit of measure", "天"), "日": pgettext_lazy("unit of measure", "日"),
    "小时": pgettext_lazy("unit of measure", "小时"), "次": pgettext_lazy("unit of measure", "次"),
    "件": pgettext_lazy("unit of measure", "件"), "个": pgettext_lazy("unit of measure", "个"),
    "张": pgettext_lazy("unit of measure", "张"), "床": pgettext_lazy("unit of measure", "床"),
    "瓶": pgettext_lazy("unit of measure", "瓶"), "箱": pgettext_lazy("unit of measure", "箱"),
    "只": pgettext_lazy("unit of measure", "只"), "台": pgettext_lazy("unit of measure", "台"),
    "套": pgettext_lazy("unit of measure", "套"), "份": pgettext_lazy("unit of measure", "份"),
    "处": pgettext_lazy("unit of measure", "处"), "家": pgettext_lazy("unit of measure", "家"),
    "项": pgettext_lazy("unit of measure", "项"), "辆": pgettext_lazy("unit of measure", "辆"),
    "元": pgettext_lazy("unit of measure", "元"), "万元": pgettext_lazy("unit of measure", "万元"),
    "千克": pgettext_lazy("unit of measure", "千克"), "公斤": pgettext_lazy("unit of measure", "公斤"),
    "吨": pgettext_lazy("unit of measure", "吨"), "升": pgettext_lazy("unit of measure", "升"),
}


def unit_label(item: dict) -> str:
    """A field's unit of measure in the user's language ("" when it has none); the definition stays as written."""
    unit = str(item.get("unit") or "")
    word = UNITS_OF_MEASURE.get(unit.strip())
    return str(word) if word is not None else unit


def validate_definition(definition: Any) -> dict:
    """A clean copy of `definition`, or DefinitionError listing every problem."""
    errors: list[str] = []
    if not isinstance(definition, dict) or not isinstance(definition.get("fields"), list):
        raise DefinitionError([_("定义必须包含字段列表 fields")])
    try:
        json.dumps(definition, allow_nan=False)
    except (TypeError, ValueError):
        raise DefinitionError([_("定义中含有无法保存的值（如 NaN、Infinity）")]) from None
    if not isinstance(definition.get("rules", []) or [], list):
        raise DefinitionError([_("规则 rules 必须是列表")])
    fields = definition["fields"]
    if not fields:
        errors.append(_("报表至少需要一个字段"))
    seen: set[str] = set()
    types: dict[str, str] = {}
    for i, f in enumerate(fields, start=1):
        where = _("第 %(n)s 个字段") % {"n": i}
        if not isinstance(f, dict):
            errors.append(_("%(where)s 格式不正确") % {"where": where})
            continue
        key = f.get("key", "")
        if not isinstance(key, str) or not KEY_RE.match(key):
            errors.append(_("%(where)s 的代码“%(key)s”无效：只能用小写字母、数字和下划线，且以字母开头")
                          % {"where": where, "key": key})
            continue
        where = f"{where}（{key}）"
        if key in seen:
            errors.append(_("%(where)s 的代码重复") % {"where": where})
        seen.add(key)
        if not str(f.get("label", "")).strip():
            errors.append(_("%(where)s 缺少中文名称") % {"where": where})
        if f.get("type") not in FIELD_TYPES:
            errors.append(_("%(where)s 的类型无效，可选：%(types)s")
                          % {"where": where, "types": "、".join(FIELD_TYPES)})
            continue
        types[key] = f["type"]
        for bound in ("min", "max"):
            if bound in f and f[bound] is not None:
                if f["type"] not in ("int", "decimal"):
                    errors.append(_("%(where)s 不是数值，不能设置上下限") % {"where": where})
                elif not _is_number(f[bound]):
                    errors.append(_("%(where)s 的上下限必须是数字") % {"where": where})
        if _is_number(f.get("min")) and _is_number(f.get("max")) and Decimal(str(f["min"])) > Decimal(str(f["max"])):
            errors.append(_("%(where)s 的下限大于上限") % {"where": where})
        errors.extend(_check_aggregate(f, where))
        if f["type"] == "choice":
            choices = f.get("choices")
            if not isinstance(choices, list) or not choices or not all(
                isinstance(c, dict) and str(c.get("value", "")).strip() for c in choices
            ):
                errors.append(_("%(where)s 是单选，须列出选项（value 与 label）") % {"where": where})
    for i, r in enumerate(definition.get("rules", []) or [], start=1):
        where = _("第 %(n)s 条规则") % {"n": i}
        if not isinstance(r, dict) or not isinstance(r.get("expr"), str) or not r["expr"].strip():
            errors.append(_("%(where)s 缺少表达式") % {"where": where})
            continue
        if not str(r.get("message", "")).strip():
            errors.append(_("%(where)s 缺少提示信息") % {"where": where})
        try:
            parsed = rule_lang.parse(r["expr"])
        except rule_lang.RuleSyntaxError as exc:
            errors.append(f"{where}：{exc}")
            continue
        unknown = rule_lang.check_keys(parsed, seen)
        if unknown:
            errors.append(_("%(where)s 引用了不存在的字段：%(keys)s") % {"where": where, "keys": "、".join(unknown)})
            continue
        for problem in rule_lang.static_type_check(parsed, types):
            errors.append(f"{where}：{problem}")
    errors.extend(_check_figures(definition, types))
    if errors:
        raise DefinitionError(errors)
    return definition


def aggregates(field: dict) -> list[str]:
    """How a field adds up over units, the primary first: its `aggregate` as a list; ["sum"] when
    it declares none (every version defined before fields could say). Only for numeric fields."""
    declared = field.get("aggregate")
    if declared is None or declared == []:
        return ["sum"]
    return [declared] if isinstance(declared, str) else list(declared)


def aggregate_label(aggregate: str) -> str:
    """合计 / 平均 / 最小 / 最大, in the user's language."""
    return {"sum": pgettext("aggregate", "合计"), "avg": pgettext("aggregate", "平均"),
            "min": pgettext("aggregate", "最小"), "max": pgettext("aggregate", "最大")}[aggregate]


def _check_aggregate(f: dict, where: str) -> list[str]:
    """`aggregate`: one of AGGREGATES or a non-empty list of distinct ones, on int and decimal fields only."""
    declared = f.get("aggregate")
    if declared is None:
        return []
    if f["type"] not in ("int", "decimal"):
        return [_("%(where)s 不是数值，不能设置汇总方式") % {"where": where}]
    items = [declared] if isinstance(declared, str) else declared
    if (not isinstance(items, list) or not items or len(set(map(str, items))) != len(items)
            or any(a not in AGGREGATES for a in items)):
        return [_("%(where)s 的汇总方式无效，可选：%(choices)s（或其中几项的列表，不重复）")
                % {"where": where, "choices": "、".join(AGGREGATES)}]
    return []


def _check_figures(definition: dict, types: dict[str, str]) -> list[str]:
    """`key_figures` and `figures` may only name numeric fields of this definition."""
    errors: list[str] = []
    numeric = {k for k, t in types.items() if t in ("int", "decimal", "bool")}
    key_figures = definition.get("key_figures", []) or []
    if not isinstance(key_figures, list) or any(k not in numeric for k in key_figures):
        errors.append(_("关键指标 key_figures 只能列出本表的数值字段"))
    figures = definition.get("figures", []) or []
    if not isinstance(figures, list):
        return [*errors, _("派生指标 figures 必须是列表")]
    for i, fig in enumerate(figures, start=1):
        where = _("第 %(n)s 个派生指标") % {"n": i}
        if not isinstance(fig, dict) or not isinstance(fig.get("key"), str) or not str(fig.get("label", "")).strip():
            errors.append(_("%(where)s 须有代码 key 和名称 label") % {"where": where})
            continue
        if fig.get("kind") == "ratio":
            parts = [fig.get("numerator"), fig.get("denominator")]
            if parts[0] not in numeric or (parts[1] not in numeric and parts[1] != "@count"):
                errors.append(_("%(where)s 的分子、分母必须是本表的数值字段") % {"where": where})
        elif fig.get("kind") == "streak":
            keys = fig.get("fields")
            if not isinstance(keys, list) or not keys or any(k not in numeric for k in keys):
                errors.append(_("%(where)s 的字段必须是本表的数值字段") % {"where": where})
        else:
            errors.append(_("%(where)s 的类型只能是 ratio 或 streak") % {"where": where})
    return errors


def _is_number(value: Any) -> bool:
    """A finite number (not a bool, not NaN or infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    return Decimal(str(value)).is_finite()


def _coerce(field: dict, raw: Any) -> Any:
    """The value of `raw` in the field's type; ValueError with a message naming the rule broken."""
    kind = field["type"]
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return None
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError(_("应为整数"))
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(_("应为整数")) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("应为整数"))
        if not -MAX_NUMBER < number < MAX_NUMBER:  # abs() would overflow on 1e999999999
            raise ValueError(_("数值过大"))
        return int(number)
    if kind == "decimal":
        if isinstance(raw, bool):
            raise ValueError(_("应为数字"))
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(_("应为数字")) from None
        if not number.is_finite():
            raise ValueError(_("应为数字"))
        if not -MAX_NUMBER < number < MAX_NUMBER:
            raise ValueError(_("数值过大"))
        return str(number)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("应为“是”或“否”"))
    if kind == "choice":
        values = [str(c["value"]) for c in field.get("choices", [])]
        labels = {str(c.get("label", "")): str(c["value"]) for c in field.get("choices", [])}
        text = str(raw)
        if text in values:
            return text
        if text in labels:
            return labels[text]
        raise ValueError(_("不是可选项之一：%(choices)s") % {"choices": "、".join(values)})
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise ValueError(_("应为日期，如 2021-07-26")) from None
    text = str(raw)
    if len(text) > MAX_TEXT:
        raise ValueError(_("不能超过 %(n)s 个字") % {"n": MAX_TEXT})
    return text


def _rule_value(field: dict, value: Any) -> Any:
    if value is None:
        return None
    if field["type"] == "decimal":
        return Decimal(value)
    if field["type"] == "date":
        return dt.date.fromisoformat(value)
    return value


def clean_values(definition: dict, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(values, errors): `values` holds every field (None when empty); `errors` maps field key or
    "__all__" (cross-field rules) to messages. Unknown keys are errors, never silently dropped."""
    errors: dict[str, list[str]] = {}
    fields = {f["key"]: f for f in definition["fields"]}
    for key in raw:
        if key not in fields:
            errors.setdefault(key, []).append(_("表单中没有这个字段"))
    values: dict[str, Any] = {}
    for key, f in fields.items():
        try:
            value = _coerce(f, raw.get(key))
        except ValueError as exc:
            errors.setdefault(key, []).append(f"{label(f)}：{exc}")
            continue
        if value is None and f.get("required"):
            errors.setdefault(key, []).append(_("%(label)s：必填") % {"label": label(f)})
        if value is not None and f["type"] in ("int", "decimal"):
            number = Decimal(str(value))
            if _is_number(f.get("min")) and number < Decimal(str(f["min"])):
                errors.setdefault(key, []).append(
                    _("%(label)s：不能小于 %(min)s") % {"label": label(f), "min": f["min"]})
            if _is_number(f.get("max")) and number > Decimal(str(f["max"])):
                errors.setdefault(key, []).append(
                    _("%(label)s：不能大于 %(max)s") % {"label": label(f), "max": f["max"]})
        values[key] = value
    if not errors:
        typed = {k: _rule_value(fields[k], v) for k, v in values.items()}
        for r in definition.get("rules", []) or []:
            try:
                holds = rule_lang.parse(r["expr"]).evaluate(typed)
            except rule_lang.RuleError as exc:
                errors.setdefault("__all__", []).append(str(exc))
                continue
            if not holds:
                errors.setdefault("__all__", []).append(label(r, "message"))
    return values, errors


def zero_values(definition: dict, previous: dict[str, Any] | None) -> dict[str, Any]:
    """A quiet day's values: `carry` fields from the previous report, `zero` fields at their quiet value."""
    out: dict[str, Any] = {}
    for f in definition["fields"]:
        if f.get("carry") and previous is not None:
            out[f["key"]] = previous.get(f["key"])
        elif "zero" in f:
            out[f["key"]] = f["zero"]
    return out
