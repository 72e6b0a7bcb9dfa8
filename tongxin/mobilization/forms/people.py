"""The forms of the people pages: a person's record (register and edit), the public
self-registration, the list's filter, the roster upload and the merge.

The forms only shape the input; every rule is the service's (services.people), whose refusals are
put back at their fields (`refuse`). On an edit by someone who sees the numbers masked, the mobile
and ID number start blank and a blank one is kept as it was: a masked number is never sent back.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tongxin.core.validators import parse_id
from tongxin.mobilization.models import Person, PersonKind, Skill
from tongxin.mobilization.models.people import NAME_MAX, TEXT_MAX
from tongxin.units.widgets import UnitPicker

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.Form):
    kind = forms.ChoiceField(label=_("人员类别"), choices=PersonKind.choices, initial=PersonKind.VOLUNTEER)
    name = forms.CharField(label=_("姓名"), max_length=NAME_MAX + 20, required=False)
    mobile = forms.CharField(label=_("手机号码"), max_length=30, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    id_number = forms.CharField(label=_("身份证号码"), max_length=30, required=False,
                                help_text=_("选填；用于核对年龄（有风险的岗位不安排未成年人）"),
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    skills = forms.MultipleChoiceField(label=_("技能"), choices=Skill.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    certificates = forms.CharField(label=_("资格证书"), max_length=TEXT_MAX + 20, required=False)
    availability = forms.CharField(label=_("可服务时间"), max_length=TEXT_MAX + 20, required=False)
    insurance_policy = forms.CharField(label=_("意外险保单号"), max_length=80, required=False)
    insurance_from = forms.DateField(label=_("保险起期"), required=False, widget=DATE)
    insurance_until = forms.DateField(label=_("保险止期"), required=False, widget=DATE)

    def __init__(self, *args: Any, person: Person | None = None, masked: bool = False, **kwargs: Any) -> None:
        self.person, self.masked = person, masked
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(person, f) for f in (
                "kind", "name", "mobile", "id_number", "skills", "certificates", "availability",
                "insurance_policy", "insurance_from", "insurance_until")}
            if masked:
                kwargs["initial"].update(mobile="", id_number="")
        super().__init__(*args, **kwargs)
        if person is not None and masked:
            keep = _("留空则保持原号码（您看到的是部分隐藏的号码）")
            self.fields["mobile"].help_text = keep
            self.fields["id_number"].help_text = keep

    def values(self) -> dict[str, Any]:
        """The fields for the service: on an edit, a blank mobile is kept as it was, and so is a
        blank ID number when the editor sees it masked."""
        data = dict(self.cleaned_data)
        if self.person is not None:
            if not data.get("mobile"):
                data.pop("mobile", None)
            if self.masked and not data.get("id_number"):
                data.pop("id_number", None)
        return data

    def refuse(self, exc: ValidationError) -> None:
        """Put the service's refusals at their fields (others at the top of the form)."""
        for key, messages in (exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}).items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class CreateForm(PersonForm):
    unit = forms.TypedChoiceField(label=_("所属组织"), coerce=int, choices=())

    field_order = ["unit"]

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [(u.pk, u.name) for u in units]


class JoinForm(PersonForm):
    region_code = forms.CharField(label=_("所在县（市、区）"), max_length=6, required=False,
                                  help_text=_("您所在地的社会组织会与您联系"))

    field_order = ["region_code"]


class AnyUnitChoiceField(forms.TypedChoiceField):
    """A unit <select> whose options are only the first ones: any id is accepted here (the search
    box of the picker offers the rest), and the view looks it up in the user's scope."""

    def valid_value(self, value: Any) -> bool:
        return parse_id(str(value)) is not None or super().valid_value(value)


class FilterForm(forms.Form):
    UNIT_OPTIONS = 200
    q = forms.CharField(label=_("姓名"), max_length=50, required=False)
    unit = AnyUnitChoiceField(label=_("所属组织"), coerce=int, required=False, empty_value=None, choices=(),
                              widget=UnitPicker(attrs={"class": "form-select form-select-sm"},
                                                purpose="registry"))
    kind = forms.ChoiceField(label=_("人员类别"), required=False, choices=[("", _("全部"))] + PersonKind.choices)
    skill = forms.ChoiceField(label=_("技能"), required=False, choices=[("", _("全部"))] + Skill.choices)
    insured = forms.ChoiceField(label=_("今日保险"), required=False,
                                choices=[("", _("全部")), ("yes", _("在保")), ("no", _("未在保"))])

    def __init__(self, *args: Any, units: Any = (), more: bool = False, **kwargs: Any) -> None:
        """`units`: the first UNIT_OPTIONS units (and the one chosen); `more`: there are others,
        found by the picker's search box (the form says so rather than dropping them silently)."""
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["unit"])
        field.choices = [("", _("全部"))] + [(u.pk, u.name) for u in units]
        if more:
            field.help_text = _("仅列出前 %(n)s 个组织，其余请在上方输入名称搜索") % {"n": self.UNIT_OPTIONS}


class ImportForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("导入到组织"), coerce=int, choices=())
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [(u.pk, u.name) for u in units]
