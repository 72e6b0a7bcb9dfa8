"""Duty rosters (值班表) and check-ins (到岗签到) in the API.

- `GET /api/duty-shifts/`: the shifts of the caller's scope, filtered by unit, day and region;
  phones masked by the personal-data policy (`PersonalField`).
- `POST /api/duty-shifts/set-week/`: a unit's week, all at once (`services.duty.set_roster`).
- `POST /api/duty-shifts/{id}/check-in/`: the person of the shift checks in (403 for anyone else,
  400 outside the window or outside a response; a second tap answers 200 with `created: false`).
- `GET /api/duty-shifts/board/`: today's duty board, with `missed` for the level above.
Refusals come back field by field (`rows.<i>.<field>`), never a 500; outside the scope, 404.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.models import User
from tongxin.command.models import DutyRole, DutyShift
from tongxin.command.queries import duty as queries
from tongxin.command.services import duty as services
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice, IdFilter, VisibleIdField
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.regions.queries import in_subtree
from tongxin.units.filters import RegionFilterMixin
from tongxin.units.models import Unit
from tongxin.units.personal import PersonalField


class DutyShiftFilter(RegionFilterMixin, django_filters.FilterSet):
    region = django_filters.CharFilter(label=gettext_lazy("区划（代码、名称或拼音，含下级）"), method="by_region")
    unit = IdFilter(label=pgettext_lazy("organisation", "单位"), field_name="unit_id")
    day = django_filters.DateFilter(label=gettext_lazy("值班日期"), field_name="day")
    day_from = django_filters.DateFilter(label=gettext_lazy("起始日期"), field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(label=gettext_lazy("终止日期"), field_name="day", lookup_expr="lte")
    role = django_filters.ChoiceFilter(label=gettext_lazy("值班角色"), choices=DutyRole.choices)

    region_params = {"region": {"own_units": True}}

    class Meta:
        model = DutyShift
        fields = ["region", "unit", "day", "day_from", "day_to", "role"]

    def by_region(self, queryset: QuerySet[DutyShift], name: str, value: Any) -> QuerySet[DutyShift]:
        region = self.regions.get("region")
        return queryset.filter(in_subtree("unit__region_id", region.prefix)) if region else queryset


class DutyShiftSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region = serializers.CharField(source="unit.region_id", read_only=True)
    phone = PersonalField(unit_source="unit")
    role = Choice("DutyRoleEnum", DutyRole.choices, read_only=True)
    checked_in_at = serializers.SerializerMethodField()

    class Meta:
        model = DutyShift
        fields = ["id", "unit", "unit_name", "region", "day", "role", "name", "phone", "shift", "user",
                  "starts_at", "ends_at", "checked_in_at"]
        read_only_fields = fields

    def get_checked_in_at(self, shift: DutyShift) -> str | None:
        record = getattr(shift, "check_in", None)
        return record.at.isoformat() if record is not None else None


class BoardShiftSerializer(DutyShiftSerializer):
    on_duty_now = serializers.SerializerMethodField()
    missed = serializers.SerializerMethodField(help_text=gettext_lazy(
        "未到岗：应急响应期间班次开始超过设定时间仍未签到（仅上级可见）"))

    class Meta(DutyShiftSerializer.Meta):
        fields = [*DutyShiftSerializer.Meta.fields, "on_duty_now", "missed"]
        read_only_fields = fields

    def _flags(self, shift: DutyShift) -> dict[str, Any]:
        flags: dict[str, dict[str, Any]] = self.context["flags"]
        return flags.get(str(shift.pk), {})

    def get_on_duty_now(self, shift: DutyShift) -> bool:
        return bool(self._flags(shift).get("now"))

    def get_missed(self, shift: DutyShift) -> bool:
        return bool(self._flags(shift).get("missed"))


class RowInputSerializer(serializers.Serializer):
    day = serializers.DateField()
    role = Choice("DutyRoleEnum", DutyRole.choices)
    name = serializers.CharField(max_length=services.MAX_NAME)
    phone = serializers.CharField(max_length=30)
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    shift = serializers.CharField(max_length=services.MAX_SHIFT_LABEL, required=False, allow_blank=True, default="")
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True,
                                              default=None, help_text=gettext_lazy("本单位人员的账号编号（可空）"))


class SetWeekSerializer(serializers.Serializer):
    unit = VisibleIdField(lambda user: Unit.objects.restrict(user, "read"), gettext_lazy("找不到该单位，或您无权查看"),
                          queryset=Unit.objects.all())
    week_start = serializers.DateField(help_text=gettext_lazy("一周的第一天；替换这 7 天的值班表"))
    rows = serializers.ListField(child=RowInputSerializer(), max_length=services.MAX_ROWS)


class CheckInResultSerializer(serializers.Serializer):
    shift = serializers.IntegerField()
    at = serializers.DateTimeField()
    created = serializers.BooleanField(help_text=gettext_lazy("false：已签到过，本次未作改变"))


class DutyShiftViewSet(ScopedReadOnlyModelViewSet):
    """Duty shifts of the units in the caller's scope; every write goes through services/duty.py."""

    queryset = DutyShift.objects.select_related("unit__region", "user", "check_in")
    serializer_class = DutyShiftSerializer
    filterset_class = DutyShiftFilter

    @extend_schema(request=SetWeekSerializer, responses={200: DutyShiftSerializer(many=True), 400: BAD_INPUT,
                                                         403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=False, methods=["post"], url_path="set-week", filter_backends=[], pagination_class=None)
    def set_week(self, request: Request) -> Response:
        """Replace a unit's shifts of the 7 days from `week_start` by `rows`, all or nothing."""
        data = SetWeekSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        rows = [services.row_from(r) for r in v["rows"]]
        saved = services.set_roster(request.user, unit=v["unit"], week_start=v["week_start"], rows=rows)
        shifts = self.get_queryset().filter(pk__in=[s.pk for s in saved]).order_by("day", "role", "starts_at")
        return Response(DutyShiftSerializer(shifts, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: CheckInResultSerializer, 201: CheckInResultSerializer,
                                            400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="check-in", filter_backends=[])
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        """到岗签到: the person of the shift taps, during the shift (from 30 minutes before its start),
        while a response is in force over the unit. A second tap changes nothing (200, created false)."""
        result = services.check_in(request.user, self.get_object())
        body = {"shift": result.check_in.shift_id, "at": result.check_in.at, "created": result.created}
        return Response(CheckInResultSerializer(body).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(responses={200: inline_serializer("DutyBoardPage", {
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": BoardShiftSerializer(many=True)})})
    @action(detail=False, methods=["get"])
    def board(self, request: Request) -> Response:
        """Today's duty board: the shifts of today and those running now, by region and unit; `missed`
        (未到岗) for a viewer above the unit while a response is in force. Never a total per person."""
        now = timezone.now()
        qs = self.filter_queryset(self.get_queryset()).filter(queries.today_q(now)).order_by(
            "unit__region_id", "unit__name", "unit_id", "role", "starts_at", "id")
        page = self.paginate_queryset(qs)
        shifts = list(page if page is not None else qs)
        flags = {str(r["shift"].pk): r for r in queries.board_rows(request.user, shifts, now)}
        context = {**self.get_serializer_context(), "flags": flags}
        data = BoardShiftSerializer(shifts, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)
