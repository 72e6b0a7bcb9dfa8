"""The assignment form: which form, issued by which bureau, to which region and unit kinds, how often."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.reports.admin_forms.widgets import small
from tongxin.reports.models import Assignment, Form
from tongxin.units.models import Category, Kind, Unit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WEEKDAYS = [
    (0, gettext_lazy("周一")),
    (1, gettext_lazy("周二")),
    (2, gettext_lazy("周三")),
    (3, gettext_lazy("周四")),
    (4, gettext_lazy("周五")),
    (5, gettext_lazy("周六")),
    (6, gettext_lazy("周日")),
]


def region_groups(issuers: list[Unit]) -> list[dict]:
    """Per issuer: the regions it may assign, i.e. its own, its children and its grandchildren (indented)."""
    groups = []
    for issuer in issuers:
        top = issuer.region
        regions = Region.objects.filter(in_subtree("code", top.prefix), level__lte=top.level + 2).order_by("code")
        indent = "\u00a0" * 4
        options = [
            (r.code, indent * (r.level - top.level) + _("%(name)s（%(code)s）") % {"name": r.name, "code": r.code})
            for r in regions
        ]
        groups.append({"issuer": issuer, "options": options})
    return groups


def unit_kind_choices() -> list[tuple[StrOrPromise, list[tuple[str, StrOrPromise]]]]:
    """Every kind that can file, grouped by category (institutions first)."""
    from tongxin.units.models import KIND_CATEGORY

    groups: list[tuple[StrOrPromise, list[tuple[str, StrOrPromise]]]] = []
    for category in (Category.INSTITUTION, Category.SOCIAL_ORG, Category.OUTSIDE):
        kinds: list[tuple[str, StrOrPromise]] = [(k.value, k.label) for k in Kind if KIND_CATEGORY[k] == category]
        groups.append((category.label, kinds))
    return groups


class AssignmentForm(forms.Form):
    form = forms.ModelChoiceField(
        label=gettext_lazy("报表"),
        queryset=Form.objects.order_by("name"),
        empty_label=gettext_lazy("请选择报表"),
        widget=small(forms.Select()),
    )
    name = forms.CharField(
        label=gettext_lazy("任务名称"),
        max_length=100,
        widget=small(forms.TextInput()),
        help_text=gettext_lazy("如：养老机构疫情防控日报（南县）"),
    )
    issuer = forms.ModelChoiceField(
        label=gettext_lazy("下达单位"), queryset=Unit.objects.none(), empty_label=None, widget=small(forms.Select())
    )
    region = forms.CharField(
        label=gettext_lazy("报送范围"), max_length=6, help_text=gettext_lazy("该区划及其下级区划内的单位须报送")
    )
    unit_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("报送单位类型"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("范围内这些类型的单位须报送；都不勾选则除民政部门外的所有单位都须报送"),
    )
    frequency = forms.ChoiceField(
        label=gettext_lazy("频次"),
        choices=Assignment.Frequency.choices,
        initial=Assignment.Frequency.DAILY,
        widget=small(forms.Select(attrs={"data-tx-frequency": ""})),
    )
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("每周报送日"),
        choices=[("", "—"), *WEEKDAYS],
        coerce=int,
        required=False,
        empty_value=None,
        widget=small(forms.Select()),
    )
    deadline = forms.TimeField(
        label=gettext_lazy("截止时间"),
        initial=dt.time(10, 0),
        help_text=gettext_lazy("当日北京时间"),
        widget=small(forms.TimeInput(attrs={"type": "time"}, format="%H:%M")),
    )
    start_date = forms.DateField(
        label=gettext_lazy("开始日期"), widget=small(forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    )
    end_date = forms.DateField(
        label=gettext_lazy("结束日期"), widget=small(forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    )

    def __init__(self, *args: Any, issuers: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issuers = issuers
        issuer_field = cast(forms.ModelChoiceField, self.fields["issuer"])
        issuer_field.queryset = Unit.objects.filter(pk__in=[u.pk for u in issuers]).order_by("region_id")
        cast(forms.MultipleChoiceField, self.fields["unit_kinds"]).choices = unit_kind_choices()
        self.fields["unit_kinds"].initial = [Kind.ELDERLY_CARE]
        self.fields["start_date"].initial = timezone.localdate()
        if issuers:
            self.fields["issuer"].initial = issuers[0].pk
            self.fields["region"].initial = issuers[0].region_id

    def clean_region(self) -> Region:
        region = Region.objects.filter(code=self.cleaned_data["region"].strip()).first()
        if region is None:
            raise forms.ValidationError(_("没有这个区划"))
        return region

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        issuer, region = data.get("issuer"), data.get("region")
        if issuer is not None and region is not None and not region.code.startswith(issuer.region.prefix):
            self.add_error("region", _("报送范围必须在下达单位（%(issuer)s）的辖区内") % {"issuer": issuer.name})
        if data.get("frequency") == Assignment.Frequency.WEEKLY and data.get("weekday") is None:
            self.add_error("weekday", _("每周报送须指定星期几"))
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and start > end:
            self.add_error("end_date", _("结束日期不能早于开始日期"))
        return data
