import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.core.audit import audited_models
from tongxin.core.models import AuditEvent


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("操作"), required=False,
                               choices=[("", _("全部"))] + list(AuditEvent.Action.choices))
    object_type = forms.ChoiceField(label=_("对象类型"), required=False, choices=())
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object_type = self.fields["object_type"]
        assert isinstance(object_type, forms.ChoiceField)
        object_type.choices = [("", _("全部")), *audited_models()]
        for field in self.fields.values():
            cls = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", cls)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for key in ("date_from", "date_to"):
            day = data.get(key)
            if day is not None and not (dt.date(2000, 1, 1) <= day <= dt.date(2999, 12, 31)):
                self.add_error(key, _("日期超出范围"))
                data.pop(key, None)
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return data
