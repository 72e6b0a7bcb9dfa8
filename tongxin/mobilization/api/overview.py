"""Mobilization API: the bureaus' overview as JSON, GET /api/mobilization/overview/?region=&day=&until=.

The same figures as the page (queries.overview), read from the daily roll-up and scoped the same
way: a bureau its subtree, an organisation's staff only their own unit's rows. No personal data."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, NOT_FOUND, WordedNotFound
from tongxin.core.views_base import ScopedMixin
from tongxin.mobilization.queries import overview as queries
from tongxin.units import scope


@extend_schema_serializer(component_name="MobilizationOverviewFigures")
class FiguresSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text=gettext_lazy("到岗人数（多日为人次，按日累加）"))
    hours = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=gettext_lazy("服务时长（小时）"))
    organisations = serializers.IntegerField(help_text=gettext_lazy("参与组织数（有人到岗或报告参与的单位）"))
    posts = serializers.IntegerField(help_text=gettext_lazy("岗位数（多日按日累加）"))
    posts_unfilled = serializers.IntegerField(help_text=gettext_lazy("未排满岗位数"))
    activity_reports = serializers.IntegerField(help_text=gettext_lazy("活动报告数"))
    reported_people = serializers.IntegerField(help_text=gettext_lazy("活动报告参与人次"))


@extend_schema_serializer(component_name="MobilizationOverviewRow")
class RowSerializer(serializers.Serializer):
    name = serializers.CharField()
    region = serializers.CharField(source="code", help_text=gettext_lazy("下级区划代码（县级为空：按单位）"))
    unit = serializers.IntegerField(source="unit_id", allow_null=True, help_text=gettext_lazy("单位（县级时）"))
    own = serializers.BooleanField(source="own_level", help_text=gettext_lazy("本级：登记在该区划自身的"))
    figures = FiguresSerializer()


@extend_schema_serializer(component_name="MobilizationOverviewDay")
class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    people = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)


# many=False: the overview answers one object, though it is the list action
@extend_schema_serializer(component_name="MobilizationOverview", many=False)
class OverviewSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    since = serializers.DateField()
    until = serializers.DateField()
    rows = RowSerializer(many=True)
    total = FiguresSerializer(help_text=gettext_lazy("合计：各行之和"))
    organisations_distinct = serializers.IntegerField(help_text=gettext_lazy("不同的参与组织数"))
    series = DaySerializer(many=True, help_text=gettext_lazy("每日到岗人数与服务时长"))


class DeploymentOverviewViewSet(WordedNotFound, ScopedMixin, viewsets.ViewSet):
    """People deployed, hours, organisations taking part and posts unfilled, per child region."""

    @extend_schema(
        operation_id="mobilization_overview",
        parameters=[
            OpenApiParameter("region", str, description=gettext_lazy(
                "区划：代码（430821，或前缀 4308）、名称或拼音；默认为您能看到的最高一级区划")),
            OpenApiParameter("day", str, description=gettext_lazy("日期（YYYY-MM-DD），默认今日")),
            OpenApiParameter("until", str, description=gettext_lazy(
                "截止日期（YYYY-MM-DD），不填则只看一天；最多 93 天")),
        ],
        responses={200: OverviewSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def list(self, request: Request) -> Response:
        own_units = not scope.top_regions(request.user)
        region = scope.region_from_request(request, default=lambda: queries.default_region(request.user),
                                           own_units=own_units)
        if region is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        since, until, errors = queries.parse_range(request.query_params.get("day", ""),
                                                   request.query_params.get("until", ""), timezone.localdate())
        bad: dict[str, Any] = {name: [_("日期“%(day)s”无法识别，请按 2021-08-02 的格式填写") % {"day": errors[name]}]
               for name in ("day", "until") if name in errors}
        if "range" in errors:
            bad["until"] = [_("一次最多查看 %(n)s 天") % {"n": errors["range"]}]
        if bad:
            raise ValidationError(bad)
        return Response(OverviewSerializer(queries.overview(request.user, region, since, until)).data)


def register(router: Any) -> None:
    """Add this part's viewsets to the project's API router."""
    router.register(r"mobilization/overview", DeploymentOverviewViewSet, basename="mobilization-overview")
