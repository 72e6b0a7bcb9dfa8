"""Forms of the posts pages: a post, a shift, assigning someone, cancelling, moving, a walk-up.
The choices come from the post's own unit; the services still decide and name the field."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from tongxin.mobilization.models import Person, PostKind, Shift, Skill
from tongxin.mobilization.models.people import NAME_MAX, TEXT_MAX
from tongxin.mobilization.services.posts import MAX_NEEDED, MAX_POST_NAME
from tongxin.units.models import Unit

LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _local() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxSelectMultiple):
            continue
        if isinstance(field.widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        field.widget.attrs.setdefault("class", css)


class PostForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("负责单位"), queryset=Unit.objects.none(), empty_label=None)
    name = forms.CharField(label=gettext_lazy("岗位名称"), max_length=MAX_POST_NAME)
    kind = forms.ChoiceField(label=gettext_lazy("岗位类型"), choices=PostKind.choices)
    place = forms.CharField(label=gettext_lazy("地点"), max_length=TEXT_MAX)
    region_id = forms.CharField(label=gettext_lazy("所在区划代码"), max_length=12,
                                help_text=gettext_lazy("6 位区划代码，如 430821（慈利县）"))
    risky = forms.BooleanField(label=gettext_lazy("有人身风险"), required=False,
                               help_text=gettext_lazy("上岗人员须有有效的意外伤害保险，且不得安排未成年人"))
    required_skills = forms.MultipleChoiceField(
        label=gettext_lazy("所需技能"), choices=Skill.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    leader = forms.ModelChoiceField(label=gettext_lazy("岗位负责人"), queryset=Person.objects.none(),
                                    required=False, empty_label=gettext_lazy("（暂不指定）"))
    notes = forms.CharField(label=gettext_lazy("说明"), max_length=TEXT_MAX, required=False)

    def __init__(self, *args: Any, units: Any, unit: Unit | None = None, editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Unit]", self.fields["unit"]).queryset = units
        if editing:
            del self.fields["unit"]
        people = Person.objects.filter(unit=unit, is_active=True, merged_into__isnull=True) if unit else \
            Person.objects.filter(unit__in=units, is_active=True, merged_into__isnull=True)
        cast("forms.ModelChoiceField[Person]", self.fields["leader"]).queryset = people.order_by("name")
        _style(self)

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d[k] for k in ("name", "kind", "place", "region_id", "risky", "required_skills", "leader",
                                  "notes")}


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(label=gettext_lazy("开始时间"), input_formats=LOCAL_INPUT, widget=_local())
    ends_at = forms.DateTimeField(label=gettext_lazy("结束时间"), input_formats=LOCAL_INPUT, widget=_local())
    needed = forms.IntegerField(label=gettext_lazy("需要人数"), min_value=1, max_value=MAX_NEEDED, initial=2)
    notes = forms.CharField(label=gettext_lazy("说明"), max_length=TEXT_MAX, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "shift")
        super().__init__(*args, **kwargs)
        _style(self)


class AssignForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("安排人员"), queryset=Person.objects.none(),
                                    error_messages={"invalid_choice": gettext_lazy("请从本单位的在册人员中选择")})

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Person]", self.fields["person"]).queryset = Person.objects.filter(unit=unit)
        _style(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=TEXT_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class MoveForm(ReasonForm):
    shift = forms.ModelChoiceField(label=gettext_lazy("调至班次"), queryset=Shift.objects.none(),
                                   error_messages={"invalid_choice": gettext_lazy("请选择本单位的另一个班次")})

    field_order = ["shift", "reason"]

    def __init__(self, *args: Any, unit: Unit, exclude: Shift | None = None, since: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Shift.objects.filter(post__unit=unit, is_cancelled=False).select_related("post")
        if since is not None:
            qs = qs.filter(ends_at__gt=since)
        if exclude is not None:
            qs = qs.exclude(pk=exclude.pk)
        cast("forms.ModelChoiceField[Shift]", self.fields["shift"]).queryset = qs.order_by("starts_at")[:200] \
            if not self.is_bound else qs
        _style(self)


class WalkUpForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=NAME_MAX)
    mobile = forms.CharField(label=gettext_lazy("手机号码"), max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "walkup")
        super().__init__(*args, **kwargs)
        _style(self)


