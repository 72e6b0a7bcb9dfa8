"""Forms of the meeting pages: a meeting, attendance, a decision, the action-item board's filters.

The choices come from the user's scope (bureaus the user may convene for, units under the
convener), so a form never offers what the service would refuse for being out of sight; the
services still decide.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.command.models.meetings import (
    MAX_DECISION,
    MAX_NAMES,
    MAX_TEXT,
    MAX_TITLE,
    AssignmentStatus,
    Attendance,
    Meeting,
    Mode,
)
from tongxin.core.types import Actor
from tongxin.units import scope
from tongxin.units.models import Kind, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def conveners(user: Actor) -> QuerySet[Unit]:
    """The bureaus the user may convene a meeting for."""
    return scope.restrict(Unit.objects.filter(kind=Kind.BUREAU, is_active=True), user, mode=scope.FILE).select_related(
        "region").order_by("region_id")


def units_below(convener: Unit, *, bureaus_only: bool | None = None) -> QuerySet[Unit]:
    """Active units in the convener's subtree (without the convener), by region: by default the
    bureaus below a province or a city, every unit of a county."""
    from tongxin.regions.models import Region
    from tongxin.regions.queries import in_subtree

    if bureaus_only is None:
        bureaus_only = convener.region.level < Region.Level.COUNTY
    qs = Unit.objects.filter(in_subtree("region_id", convener.region.prefix), is_active=True).exclude(pk=convener.pk)
    if bureaus_only:
        qs = qs.filter(kind=Kind.BUREAU)
    return qs.select_related("region").order_by("region_id", "name")


def _style(form: forms.Form) -> None:
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)
        widget.attrs.setdefault("id", f"id_{name}")


class MeetingForm(forms.Form):
    convener = forms.ModelChoiceField(label=_("召集单位"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("会议名称"), max_length=MAX_TITLE)
    starts_at = forms.DateTimeField(label=_("会议时间"), widget=DATETIME)
    mode = forms.ChoiceField(label=_("会议形式"), choices=Mode.choices)
    place = forms.CharField(label=_("地点或会议链接"), max_length=200, required=False)
    agenda = forms.CharField(label=_("议程"), max_length=MAX_TEXT, required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))
    minutes = forms.CharField(label=_("会议纪要"), max_length=MAX_TEXT, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    units = forms.ModelMultipleChoiceField(label=_("召集单位范围"), queryset=Unit.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("省、市召集下级民政部门，县召集本县各单位；可在修改会议时补充"))

    def __init__(self, *args: Any, user: Actor, meeting: Meeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        mine = conveners(user)
        cast("forms.ModelChoiceField[Unit]", self.fields["convener"]).queryset = mine
        if meeting is not None:
            del self.fields["convener"]
            convener: Unit | None = meeting.convener
            have = meeting.attendances.values_list("unit_id", flat=True)
            self.fields["units"].label = _("补充召集")
            self.fields["units"].help_text = ""
            below = units_below(meeting.convener).exclude(pk__in=have)
        else:
            raw = self.data.get("convener") if self.is_bound else None
            convener = mine.filter(pk=raw).first() if raw and str(raw).isdigit() else mine.first()
            below = units_below(convener) if convener else Unit.objects.none()
        cast("forms.ModelMultipleChoiceField[Unit]", self.fields["units"]).queryset = below
        _style(self)


class AttendanceForm(forms.Form):
    unit = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("出席情况"), choices=Attendance.Status.choices)
    attendees = forms.CharField(label=_("参会人员"), max_length=MAX_NAMES, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DecisionForm(forms.Form):
    description = forms.CharField(label=_("决定事项"), max_length=MAX_DECISION,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    units = forms.ModelMultipleChoiceField(label=_("承办单位"), queryset=Unit.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    start = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    target_date = forms.DateField(label=_("完成时限"), widget=DATE)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        summoned = meeting.attendances.values_list("unit_id", flat=True)
        owners = Unit.objects.filter(pk__in=list(summoned) + [meeting.convener_id]).select_related(
            "region").order_by("region_id", "name")
        cast("forms.ModelMultipleChoiceField[Unit]", self.fields["units"]).queryset = owners
        self.fields["start"].initial = timezone.localdate(meeting.starts_at)
        _style(self)


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("办理状态"), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)
    region = forms.CharField(label=_("区划"), required=False, max_length=50)
    meeting = forms.TypedChoiceField(label=_("调度会"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, user: Actor, meetings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        self.show_region = bool(scope.top_regions(user))
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("全部")), ("open", _("未办结"))] + list(AssignmentStatus.choices)
        cast(forms.ChoiceField, self.fields["meeting"]).choices = [("", _("全部")), *meetings]

    def clean_region(self) -> str:
        raw = (self.cleaned_data.get("region") or "").strip()
        if not raw:
            return ""
        try:
            return scope.resolve_region_filter(self.user, raw, own_units=True).code
        except scope.RegionCodeError as exc:
            raise forms.ValidationError(str(exc)) from None

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        d = self.cleaned_data
        return {"status": d.get("status") or "", "overdue": bool(d.get("overdue")), "region": d.get("region") or "",
                "meeting": d.get("meeting")}
