"""The report-form builder: the rows a person types (meta, fields, rules) to and from a definition dict.

Saving an unchanged form gives back the very same dict (and `define_form` then makes no new version).
Keys of the stored definition the builder does not edit are carried over untouched.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.core import safe_input
from tongxin.reports.admin_forms.widgets import small
from tongxin.reports.definition import AGGREGATES, FALSE_WORDS, TRUE_WORDS, aggregates
from tongxin.reports.models import Form

TYPE_CHOICES = [
    ("int", gettext_lazy("整数")),
    ("decimal", gettext_lazy("小数")),
    ("bool", gettext_lazy("是/否")),
    ("choice", gettext_lazy("单选")),
    ("date", gettext_lazy("日期")),
    ("text", gettext_lazy("文本")),
]
ZERO_NONE, ZERO_CARRY, ZERO_FIXED = "none", "carry", "fixed"
ZERO_CHOICES = [
    (ZERO_NONE, gettext_lazy("不预填")),
    (ZERO_CARRY, gettext_lazy("沿用上次")),
    (ZERO_FIXED, gettext_lazy("固定值")),
]
MAX_NUMBER = Decimal("1e15")
# Keys of a field the builder edits; any other key of a stored field is carried over.
FIELD_KEYS = ("key", "label", "label_en", "type", "unit", "required", "min", "max", "help", "choices", "carry", "zero",
              "aggregate")
AGGREGATE_CHOICES = [
    ("sum", pgettext_lazy("aggregate", "合计")),
    ("avg", pgettext_lazy("aggregate", "平均")),
    ("min", pgettext_lazy("aggregate", "最小")),
    ("max", pgettext_lazy("aggregate", "最大")),
]
RULE_KEYS = ("expr", "message", "message_en")


class FormMetaForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("报表代码"),
        max_length=50,
        help_text=gettext_lazy("英文字母、数字、连字符，如 elderly-daily；保存后不能修改"),
        widget=small(forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false"})),
    )
    name = forms.CharField(label=gettext_lazy("报表名称"), max_length=100, widget=small(forms.TextInput()))
    name_en = forms.CharField(
        label=gettext_lazy("英文名称"), max_length=100, required=False, widget=small(forms.TextInput())
    )
    description = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=small(forms.Textarea(attrs={"rows": 2}))
    )

    def __init__(self, *args: Any, editing: Form | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = gettext_lazy("报表代码不能修改")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if self.editing is None and Form.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("代码“%(code)s”已被其他报表使用；如要修改该报表，请在其页面点“编辑”") % {"code": code}
            )
        return code


def _number(text: str) -> int | float:
    """A bound or fixed value typed as text, as the JSON number a definition stores; ValueError if it is not one."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(_("应为数字")) from None
    if not number.is_finite():
        raise ValueError(_("应为数字"))
    if not -MAX_NUMBER < number < MAX_NUMBER:  # abs() would overflow on 1e999999999
        raise ValueError(_("数值太大"))
    return int(number) if number == number.to_integral_value() else float(number)


def _number_text(value: Any) -> str:
    return "" if value is None else str(value)


class FieldRowForm(forms.Form):
    """One field of a report form."""

    key = forms.CharField(
        label=gettext_lazy("代码"),
        max_length=50,
        widget=small(
            forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false", "placeholder": "residents_in_care"}),
            "font-monospace",
        ),
    )
    label = forms.CharField(label=gettext_lazy("名称"), max_length=100, widget=small(forms.TextInput()))
    label_en = forms.CharField(
        label=gettext_lazy("英文名"), max_length=100, required=False, widget=small(forms.TextInput())
    )
    type = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=TYPE_CHOICES,
        initial="int",
        widget=small(forms.Select(attrs={"data-tx-type": ""})),
    )
    unit = forms.CharField(
        label=pgettext_lazy("unit of measure", "单位"),
        max_length=20,
        required=False,
        widget=small(forms.TextInput(attrs={"placeholder": gettext_lazy("如：人")})),
    )
    required = forms.BooleanField(
        label=gettext_lazy("必填"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    min = forms.CharField(
        label=gettext_lazy("下限"),
        required=False,
        max_length=30,
        widget=small(forms.TextInput(attrs={"inputmode": "decimal"})),
    )
    max = forms.CharField(
        label=gettext_lazy("上限"),
        required=False,
        max_length=30,
        widget=small(forms.TextInput(attrs={"inputmode": "decimal"})),
    )
    help = forms.CharField(
        label=gettext_lazy("填写说明"), max_length=200, required=False, widget=small(forms.TextInput())
    )
    choices = forms.CharField(
        label=gettext_lazy("选项"),
        required=False,
        help_text=gettext_lazy("每行一个：值=标签，如 open=开放"),
        widget=small(forms.Textarea(attrs={"rows": 3, "data-tx-choices": ""})),
    )
    zero_mode = forms.ChoiceField(
        label=gettext_lazy("零报告取值"),
        choices=ZERO_CHOICES,
        initial=ZERO_NONE,
        required=False,
        widget=small(forms.Select(attrs={"data-tx-zero": ""})),
    )
    zero_value = forms.CharField(
        label=gettext_lazy("固定值"),
        max_length=200,
        required=False,
        widget=small(forms.TextInput(attrs={"data-tx-zero-value": ""})),
    )
    aggregate = forms.ChoiceField(
        label=gettext_lazy("汇总方式"),
        choices=AGGREGATE_CHOICES,
        initial="sum",
        required=False,
        help_text=gettext_lazy("汇总表和总览按此汇总各单位的数值"),
        widget=small(forms.Select()),
    )
    aggregate_also = forms.MultipleChoiceField(
        label=gettext_lazy("汇总表另列"),
        choices=AGGREGATE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    original = forms.CharField(required=False, widget=forms.HiddenInput())

    def clean_key(self) -> str:
        return self.cleaned_data["key"].strip()

    def _bound(self, name: str) -> int | float | None:
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        try:
            return _number(text)
        except ValueError as exc:
            self.add_error(name, str(exc))
            return None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["min_value"], data["max_value"] = self._bound("min"), self._bound("max")
        data["choice_list"] = []
        if data.get("type") == "choice":
            data["choice_list"] = self._choices(data.get("choices", ""))
        if data.get("zero_mode") == ZERO_FIXED and data.get("type"):
            data["zero"] = self._fixed(data["type"], data.get("zero_value", "").strip(), data["choice_list"])
        return data

    def _choices(self, text: str) -> list[dict]:
        out, seen = [], set()
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            value, _sep, label = line.partition("=")
            value, label = value.strip(), (label.strip() or value.strip())
            if not value:
                self.add_error("choices", _("“%(line)s”缺少值（等号左边）") % {"line": line})
                continue
            if value in seen:
                self.add_error("choices", _("选项值“%(value)s”重复") % {"value": value})
            seen.add(value)
            out.append({"value": value, "label": label})
        return out

    def _fixed(self, kind: str, text: str, choices: list[dict]) -> Any:
        """The fixed zero-report value typed as text, in the field's type; None (with an error) if it is not."""
        if kind == "text":
            return text
        value: int | float | bool | str | None = None
        problem = None
        if not text:
            problem = _("请填写零报告的固定值")
        elif kind in ("int", "decimal"):
            try:
                value = _number(text)
            except ValueError as exc:
                problem = str(exc)
            else:
                if kind == "int" and not isinstance(value, int):
                    problem = _("应为整数")
        elif kind == "bool":
            value = True if text.lower() in TRUE_WORDS else False if text.lower() in FALSE_WORDS else None
            if value is None:
                problem = _("应为“是”或“否”")
        elif kind == "date":
            try:
                value = dt.date.fromisoformat(text).isoformat()
            except ValueError:
                problem = _("应为日期，如 2021-07-26")
        elif text in {c["value"] for c in choices}:
            value = text
        else:
            problem = _("应为选项中的一个值")
        if problem:
            self.add_error("zero_value", problem)
            return None
        return value

    def definition_field(self) -> dict:
        """This row as a definition field, merged into the stored field it came from."""
        d = self.cleaned_data
        new: dict[str, Any] = {
            "key": d["key"],
            "label": d["label"].strip(),
            "type": d["type"],
            "required": bool(d.get("required")),
        }
        for name in ("label_en", "unit", "help"):
            if d.get(name, "").strip():
                new[name] = d[name].strip()
        if d["min_value"] is not None:
            new["min"] = d["min_value"]
        if d["max_value"] is not None:
            new["max"] = d["max_value"]
        if d["type"] == "choice":
            new["choices"] = d["choice_list"]
        if d["zero_mode"] == ZERO_CARRY:
            new["carry"] = True
        elif d["zero_mode"] == ZERO_FIXED:
            new["zero"] = d.get("zero")
        original = _load_original(d.get("original"))
        if d["type"] in ("int", "decimal"):
            primary = d.get("aggregate") or "sum"
            chosen = [primary, *(a for a in AGGREGATES if a in (d.get("aggregate_also") or []) and a != primary)]
            if "aggregate" in original and aggregates(original) == chosen:
                new["aggregate"] = original["aggregate"]  # as it was spelled: an unchanged row compares equal
            elif chosen != ["sum"]:
                new["aggregate"] = chosen[0] if len(chosen) == 1 else chosen
        return merge(original, new, FIELD_KEYS)


def _load_original(text: str | None) -> dict:
    try:
        data = safe_input.loads(text or "{}")
    except ValidationError:
        return {}
    return data if isinstance(data, dict) else {}


def merge(original: dict, new: dict, controlled: tuple[str, ...]) -> dict:
    """`new`, plus the keys of `original` the builder does not edit; an empty value the original
    spelled out (e.g. "label_en": "") is kept as it was, so an unchanged row compares equal."""
    out = {k: v for k, v in original.items() if k not in controlled}
    for k in controlled:
        if k in new:
            out[k] = new[k]
        elif k in original and original[k] in ("", None, False, []):
            out[k] = original[k]
    if "choices" in out and isinstance(original.get("choices"), list):
        extras = {str(c.get("value")): c for c in original["choices"] if isinstance(c, dict)}
        out["choices"] = [merge(extras.get(c["value"], {}), c, ("value", "label")) for c in out["choices"]]
    return out


def field_initial(field: dict) -> dict:
    """A stored definition field as the builder's row."""
    if field.get("carry"):
        zero_mode, zero_value = ZERO_CARRY, ""
    elif "zero" in field:
        zero_mode, zero = ZERO_FIXED, field["zero"]
        zero_value = (_("是") if zero else _("否")) if isinstance(zero, bool) else _number_text(zero)
    else:
        zero_mode, zero_value = ZERO_NONE, ""
    choices = "\n".join(
        f"{c.get('value', '')}={c.get('label', '')}" for c in field.get("choices") or [] if isinstance(c, dict)
    )
    declared = aggregates(field) if field.get("type") in ("int", "decimal") else ["sum"]
    return {
        "key": field.get("key", ""),
        "label": field.get("label", ""),
        "label_en": field.get("label_en", ""),
        "type": field.get("type", "int"),
        "unit": field.get("unit", ""),
        "required": bool(field.get("required")),
        "min": _number_text(field.get("min")),
        "max": _number_text(field.get("max")),
        "help": field.get("help", ""),
        "choices": choices,
        "zero_mode": zero_mode,
        "zero_value": zero_value,
        "aggregate": declared[0] if declared[0] in AGGREGATES else "sum",
        "aggregate_also": [a for a in declared[1:] if a in AGGREGATES],
        "original": json.dumps(field, ensure_ascii=False),
    }


class RuleRowForm(forms.Form):
    """One cross-field rule."""

    expr = forms.CharField(
        label=gettext_lazy("规则表达式"),
        max_length=500,
        strip=False,
        widget=small(
            forms.TextInput(
                attrs={
                    "spellcheck": "false",
                    "autocapitalize": "off",
                    "placeholder": "residents_vaccinated <= residents_in_care",
                }
            ),
            "font-monospace",
        ),
    )
    message = forms.CharField(label=gettext_lazy("提示信息"), max_length=200, widget=small(forms.TextInput()))
    message_en = forms.CharField(
        label=gettext_lazy("英文提示"), max_length=200, required=False, widget=small(forms.TextInput())
    )
    original = forms.CharField(required=False, widget=forms.HiddenInput())

    caret: dict[str, str] | None = None  # where the typed rule stops parsing, set by the builder page

    def definition_rule(self) -> dict:
        d = self.cleaned_data
        new = {"expr": d["expr"].strip(), "message": d["message"].strip()}
        if d.get("message_en", "").strip():
            new["message_en"] = d["message_en"].strip()
        return merge(_load_original(d.get("original")), new, RULE_KEYS)


def rule_initial(rule: dict) -> dict:
    return {
        "expr": rule.get("expr", ""),
        "message": rule.get("message", ""),
        "message_en": rule.get("message_en", ""),
        "original": json.dumps(rule, ensure_ascii=False),
    }


class _RowFormSet(forms.BaseFormSet):
    """Rows are numbered in page order by the browser; every row may be left empty (then skipped)."""

    def initial_form_count(self) -> int:
        return 0 if self.is_bound else super().initial_form_count()

    def filled(self) -> list[forms.Form]:
        return [f for f in self.forms if f.has_changed() and f.is_valid()]


FieldFormSet = forms.formset_factory(
    FieldRowForm, formset=_RowFormSet, extra=0, max_num=200, absolute_max=200, validate_max=True
)
RuleFormSet = forms.formset_factory(
    RuleRowForm, formset=_RowFormSet, extra=0, max_num=100, absolute_max=100, validate_max=True
)
