"""A form exported as JSON, imported back: the upload or pasted text and the outline it must have."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import safe_input

MAX_JSON_BYTES = 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("JSON 文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json", "class": "form-control"}),
    )
    text = forms.CharField(
        label=gettext_lazy("或粘贴 JSON"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "form-control font-monospace small", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload, text = data.get("file"), data.get("text", "")
        if upload:
            if upload.size > MAX_JSON_BYTES:
                raise forms.ValidationError(_("文件太大：最多 1 MB"))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("文件不是 UTF-8 编码的 JSON 文本")) from None
        elif len(text.encode("utf-8")) > MAX_JSON_BYTES:
            raise forms.ValidationError(_("内容太长：最多 1 MB"))
        if not text.strip():
            raise forms.ValidationError(_("请选择 JSON 文件，或粘贴 JSON 内容"))
        try:
            data["payload"] = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("JSON 格式错误：第 %(line)s 行第 %(col)s 列（%(msg)s）")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ) from None
        except RecursionError:
            raise forms.ValidationError(_("JSON 嵌套太深")) from None
        except ValueError as exc:  # NaN, Infinity: not numbers a form can hold
            raise forms.ValidationError(_("JSON 中不能使用 %(name)s") % {"name": exc.args[0]}) from None
        try:  # too deep, or text no database stores (a NUL, a lone surrogate)
            safe_input.check_json(data["payload"])
        except ValidationError as exc:
            raise forms.ValidationError([m for ms in exc.message_dict.values() for m in ms]) from None
        problem = shape_problem(data["payload"])
        if problem:
            raise forms.ValidationError(problem)
        return data


def _reject_constant(name: str) -> None:
    raise ValueError(name)


def shape_problem(payload: Any) -> str | None:
    """What is wrong with the outline of an exported form (the definition itself is judged by the service)."""
    if not isinstance(payload, dict):
        return _("JSON 的最外层应是一个对象（{…}），包含 code、name 和 definition")
    definition = payload.get("definition")
    if not isinstance(definition, dict):
        return _("JSON 中缺少报表定义 definition（一个包含 fields 和 rules 的对象）")
    if not isinstance(definition.get("fields"), list) or not all(isinstance(f, dict) for f in definition["fields"]):
        return _("definition.fields 应是字段对象的列表")
    rule_list = definition.get("rules", [])
    if rule_list is not None and (
        not isinstance(rule_list, list)
        or not all(
            isinstance(r, dict) and isinstance(r.get("expr", ""), str) and isinstance(r.get("message", ""), str)
            for r in rule_list
        )
    ):
        return _("definition.rules 应是规则对象的列表，每条规则的 expr 和 message 都是文本")
    return None
