"""Forms of the records part: review, correction, activity report, certificate, verification.
They only shape input; every rule lives in services.records, whose words the views show."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.mobilization.models import Person
from tongxin.mobilization.models.people import TEXT_MAX
from tongxin.units.models import Unit

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


class FinaliseForm(forms.Form):
    late_reason = forms.CharField(label=_("补录原因"), max_length=TEXT_MAX, required=False,
                                  widget=forms.TextInput(attrs=TEXT),
                                  help_text=_("超过活动后 10 个工作日的确认期限时必填"))


class CorrectForm(forms.Form):
    reason = forms.CharField(label=_("更正原因"), max_length=TEXT_MAX, widget=forms.TextInput(attrs=TEXT))
    hours = forms.DecimalField(label=_("服务时长（小时）"), max_digits=5, decimal_places=2, required=False,
                               widget=forms.NumberInput(attrs={**TEXT, "step": "0.01", "inputmode": "decimal"}))
    content = forms.CharField(label=_("服务内容"), max_length=TEXT_MAX, required=False,
                              widget=forms.TextInput(attrs=TEXT))
    day = forms.DateField(label=_("服务日期"), required=False, widget=DATE)

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"reason": d["reason"], "hours": d.get("hours"), "content": d.get("content") or None,
                "day": d.get("day")}


class ActivityReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("报告单位"), queryset=Unit.objects.none(),
                                  widget=forms.Select(attrs={"class": "form-select"}))
    day = forms.DateField(label=_("活动日期"), widget=DATE)
    title = forms.CharField(label=_("活动名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    place = forms.CharField(label=_("地点"), max_length=TEXT_MAX, required=False, widget=forms.TextInput(attrs=TEXT))
    content = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    social_workers = forms.IntegerField(label=_("社工人数"), initial=0, required=False,
                                        widget=forms.NumberInput(attrs={**TEXT, "inputmode": "numeric"}))
    volunteers = forms.IntegerField(label=_("志愿者人数"), initial=0, required=False,
                                    widget=forms.NumberInput(attrs={**TEXT, "inputmode": "numeric"}))
    others = forms.IntegerField(label=_("其他人员人数"), initial=0, required=False,
                                widget=forms.NumberInput(attrs={**TEXT, "inputmode": "numeric"}))
    quantity = forms.IntegerField(label=_("服务数量"), required=False,
                                  widget=forms.NumberInput(attrs={**TEXT, "inputmode": "numeric"}))
    measure = forms.CharField(label=_("数量单位"), max_length=20, required=False,
                              widget=forms.TextInput(attrs={**TEXT, "placeholder": _("如：份、人次、箱")}))
    person_in_charge = forms.CharField(label=_("负责人"), max_length=50, required=False,
                                       widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units
        first_two = list(units[:2])
        if len(first_two) == 1:
            self.fields["unit"].initial = first_two[0].pk
            self.fields["unit"].widget = forms.HiddenInput()

    def service_values(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d.pop("unit")
        for key in ("social_workers", "volunteers", "others"):
            d[key] = d.get(key) or 0
        return d


class CertificateForm(forms.Form):
    person = forms.ModelChoiceField(label=_("服务人员"), queryset=Person.objects.none(),
                                    widget=forms.Select(attrs={"class": "form-select"}))
    period_from = forms.DateField(label=_("服务起始日期"), widget=DATE)
    period_until = forms.DateField(label=_("服务截止日期"), widget=DATE)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = people


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=TEXT_MAX, widget=forms.TextInput(attrs=TEXT))


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=40,
                           widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off", "autocapitalize": "characters",
                                                         "placeholder": "XXXX-XXXX-XXXX"}))
