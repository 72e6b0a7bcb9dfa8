"""Attendance (到岗记录) in the API.

- `GET /api/mobilization/attendances/` and `…/{id}/`: the attendances of the caller's scope, filtered
  by unit, post, shift, day and `to_review`; the person's mobile masked by the personal-data policy.
- `POST …/attendances/roll/`: the post's staff confirm the roll of a shift (`direction` in: check in
  the people ticked; out: check them out) — services.checkin.confirm_roll / roll_check_out.
- `POST …/attendances/{id}/review/`: mark a flagged attendance reviewed, with a note and the hours
  confirmed (`hours`, required for a forgotten check-out).
A person's own check-in with a post's code is their act on their own page, not an API call.
Refusals come back field by field, never a 500; outside the scope, 404.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice, IdFilter, VisibleIdField
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.mobilization.models import Attendance, Method, Shift
from tongxin.mobilization.services import checkin as services
from tongxin.units.personal import PersonalField


class AttendanceFilter(django_filters.FilterSet):
    unit = IdFilter(label=pgettext_lazy("organisation", "单位"), field_name="assignment__shift__post__unit_id")
    post = IdFilter(label=gettext_lazy("服务岗位"), field_name="assignment__shift__post_id")
    shift = IdFilter(label=pgettext_lazy("mobilization", "班次"), field_name="assignment__shift_id")
    day = django_filters.DateFilter(label=gettext_lazy("日期"), field_name="assignment__shift__day")
    to_review = django_filters.BooleanFilter(label=gettext_lazy("待复核（有异常且未复核）"), method="by_review")

    class Meta:
        model = Attendance
        fields = ["unit", "post", "shift", "day", "to_review"]

    def by_review(self, queryset, name, value):
        pending = queryset.exclude(flags=[]).filter(reviewed_at__isnull=True)
        return pending if value else queryset.exclude(pk__in=pending.values("pk"))


class AttendanceSerializer(serializers.ModelSerializer):
    shift = serializers.IntegerField(source="assignment.shift_id", read_only=True)
    post = serializers.IntegerField(source="assignment.shift.post_id", read_only=True)
    post_name = serializers.CharField(source="assignment.shift.post.name", read_only=True)
    unit = serializers.IntegerField(source="assignment.shift.post.unit_id", read_only=True)
    day = serializers.DateField(source="assignment.shift.day", read_only=True)
    person = serializers.IntegerField(source="assignment.person_id", read_only=True)
    person_name = serializers.CharField(source="assignment.person.name", read_only=True)
    person_mobile = PersonalField(source="assignment.person.mobile", unit_source="assignment.person.unit")
    check_in_method = Choice("MobilizationAttendanceMethodEnum", Method.choices, read_only=True)
    check_out_method = Choice("MobilizationAttendanceMethodEnum", Method.choices, read_only=True, allow_blank=True)
    flags = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=gettext_lazy(
        "异常：forgot_checkout 未签退、over_12_hours 超过 12 小时、overlap 时间重叠、outside_shift 在班次时间之外"))

    class Meta:
        model = Attendance
        fields = ["id", "assignment", "shift", "post", "post_name", "unit", "day", "person", "person_name",
                  "person_mobile", "checked_in_at", "check_in_method", "checked_out_at", "check_out_method",
                  "hours", "flags", "reviewed_at", "review_note"]
        read_only_fields = fields


class RollSerializer(serializers.Serializer):
    shift = VisibleIdField(lambda user: Shift.objects.restrict(user, "read"),
                           gettext_lazy("找不到该班次，或您无权查看"), queryset=Shift.objects.all())
    people = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500,
                                   help_text=gettext_lazy("班次上人员的编号"))
    direction = serializers.ChoiceField(choices=[("in", "in"), ("out", "out")], default="in",
                                        help_text=gettext_lazy("in：确认到岗；out：确认签退"))


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services.NOTE_MAX)
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                     help_text=gettext_lazy("核实的服务时长（小时）；未签退的到岗记录必填"))


class AttendanceViewSet(ScopedReadOnlyModelViewSet):
    """Attendances of the posts in the caller's scope; every write goes through services/checkin.py."""

    queryset = Attendance.objects.select_related("assignment__person__unit", "assignment__shift__post__unit")
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceFilter

    @extend_schema(request=RollSerializer, responses={200: AttendanceSerializer(many=True), 400: BAD_INPUT,
                                                      403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def roll(self, request: Request) -> Response:
        """The roll of a shift, confirmed by the post's staff: check the people in (or out) now."""
        data = RollSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        write = services.roll_check_out if v["direction"] == "out" else services.confirm_roll
        done = write(request.user, v["shift"], v["people"])
        rows = self.get_queryset().filter(pk__in=[a.pk for a in done])
        return Response(AttendanceSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=ReviewSerializer, responses={200: AttendanceSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                                                        404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Mark a flagged attendance reviewed and confirm its hours (required for a forgotten check-out,
        which credits 0 hours until then); the service record follows."""
        attendance = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reviewed = services.review(request.user, attendance, note=data.validated_data["note"],
                                   hours=data.validated_data.get("hours"))
        return Response(AttendanceSerializer(self.get_queryset().get(pk=reviewed.pk),
                                             context=self.get_serializer_context()).data)


def register(router) -> None:
    """Add this part's viewsets to the project's API router."""
    router.register("mobilization/attendances", AttendanceViewSet, basename="mobilization-attendance")
