"""The staff's notice form. Its fields only carry the text: the rules (required fields, lengths, a
date, an http(s) original link) are the service's (`services._clean`), whose words the page shows
field by field, so a page and the API can never disagree about what a notice may be."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tongxin.portal.models import NoticeKind
from tongxin.units.models import Unit


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    # The bound is only a safety net (the service says "不能超过 n 个字" first): 4 × the service's.
    return forms.CharField(label=label, required=False, max_length=max_length * 4,
                           widget=kwargs.pop("widget", forms.TextInput(attrs={"class": "form-control"})), **kwargs)


class NoticeForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("发布单位"), queryset=Unit.objects.none(), empty_label=None,
                                  widget=forms.Select(attrs={"class": "form-select"}))
    kind = forms.ChoiceField(label=_("栏目"), choices=NoticeKind.choices, required=False,
                             widget=forms.Select(attrs={"class": "form-select"}))
    title = _text(_("标题"), 150)
    source = _text(_("来源"), 100)
    author = _text(_("作者"), 50)
    day = _text(_("发布日期"), 10, widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
                help_text=_("如 2021-08-05"))
    body = _text(_("正文"), 20000, widget=forms.Textarea(attrs={"class": "form-control", "rows": 12}))
    original_url = _text(_("原文链接"), 200, help_text=_("可选：以 http:// 或 https:// 开头"))

    def __init__(self, *args: Any, units: QuerySet[Unit] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is None:  # editing: the publishing bureau stays
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """What the service takes (everything but the unit)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "unit"}
