"""Completeness and roll-ups for a region inside the caller's scope.

Each parameter has a default: `region` the caller's top region (their bureau's), `day` (and
`day_from` / `day_to`) today, `assignment` the one active assignment the caller sees (running
today); when that is not one — none, or several — the answer is a 400 naming the candidates, and
so when the caller has no or several top regions.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, NOT_FOUND, Pagination
from tongxin.core.views_base import ScopedGenericViewSet
from tongxin.regions.models import Region
from tongxin.reports import queries, services
from tongxin.reports.models import Assignment, FieldRollup
from tongxin.units import scope
from tongxin.units.models import Unit

MAX_ROLLUP_DAYS = 366




class RegionQuerySerializer(serializers.Serializer):
    assignment = serializers.IntegerField(min_value=1, required=False,
                                          help_text=gettext_lazy("报送任务 id；不填则为唯一进行中的报送任务"))
    # Read by the one resolver (scope.resolve_region, through get_region): a code, a prefix, a name or a pinyin.
    region = serializers.CharField(max_length=50, required=False, help_text=gettext_lazy(
        "区划：代码（430921，或前缀 4309）、名称（南县、益阳市南县）或拼音（nanxian、nx）；不填则为您所在部门的辖区"))


class CompletenessQuerySerializer(RegionQuerySerializer):
    day = serializers.DateField(required=False, help_text=gettext_lazy("报送日期，如 2021-08-02；不填则为今天"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("day", services.local_today())
        return attrs


class RollupQuerySerializer(RegionQuerySerializer):
    day_from = serializers.DateField(required=False, help_text=gettext_lazy("起始日期（含）；不填则为今天"))
    day_to = serializers.DateField(required=False,
                                   help_text=gettext_lazy("结束日期（含），范围不超过 366 天；不填则同起始日期"))
    key = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list,
                                help_text=gettext_lazy("只看这些字段（可重复）；不填则返回全部数值字段"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("day_from", attrs.get("day_to") or services.local_today())
        attrs.setdefault("day_to", attrs["day_from"])
        if attrs["day_from"] > attrs["day_to"]:
            raise ValidationError({"day_to": [_("结束日期不能早于起始日期")]})
        if (attrs["day_to"] - attrs["day_from"]).days + 1 > MAX_ROLLUP_DAYS:
            raise ValidationError({"day_to": [_("日期范围不能超过 %(n)s 天") % {"n": MAX_ROLLUP_DAYS}]})
        return attrs


def _resolve(view: ScopedGenericViewSet, request: Request,
             serializer_class: type[serializers.Serializer]) -> tuple[dict[str, Any], Assignment, Region]:
    """Validated query parameters, the visible assignment and the region in scope (else 400 / 404),
    each defaulted as the module says."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    v = params.validated_data
    visible = view.restrict(Assignment.objects.select_related("form"))
    if "assignment" in v:
        assignment = visible.filter(pk=v["assignment"]).first()
        if assignment is None:
            raise NotFound(_("找不到该报送任务，或您无权查看"))
    else:
        assignment = _only_active(visible)
    return v, assignment, view.get_region(default=lambda: _top_region(request))


def _only_active(visible: Any) -> Assignment:
    today = services.local_today()
    active = list(visible.filter(is_active=True, start_date__lte=today, end_date__gte=today)
                  .order_by("-start_date", "pk")[:11])
    if len(active) == 1:
        return active[0]
    if not active:
        raise ValidationError({"assignment": [_("今天没有进行中的报送任务，请用 assignment 参数指定报送任务 id")]})
    listed = "、".join(f"{a.pk}（{a.name}）" for a in active[:10])
    raise ValidationError({"assignment": [_("今天有多个进行中的报送任务，请用 assignment 参数指定其中之一：%(list)s")
                                          % {"list": listed}]})


def _top_region(request: Request) -> Region:
    tops = scope.top_regions(request.user)
    if len(tops) == 1:
        return tops[0]
    if not tops:
        raise ValidationError({"region": [_("请用 region 参数指定区划代码（如 430921）")]})
    raise ValidationError({"region": [_("您负责多个辖区，请用 region 参数指定其中之一：%(list)s") % {
        "list": "、".join(f"{r.code}（{r.name}）" for r in tops)}]})


class CompletenessRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    expected = serializers.IntegerField(help_text=gettext_lazy("应报单位数"))
    on_time = serializers.IntegerField(help_text=gettext_lazy("按时报送"))
    late = serializers.IntegerField(help_text=gettext_lazy("迟报"))
    zero = serializers.IntegerField(help_text=gettext_lazy("其中零报告"))
    missing = serializers.IntegerField(help_text=gettext_lazy("未报"))
    rate = serializers.FloatField(help_text=gettext_lazy("报送率（已报 / 应报，0–1）"))


@extend_schema_serializer(many=False)
class CompletenessSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    day = serializers.DateField()
    total = CompletenessRowSerializer(help_text=gettext_lazy("本区划合计（等于各下级区划之和加直属单位）"))
    rows = CompletenessRowSerializer(many=True, help_text=gettext_lazy("每个下级区划一行"))


class MissingUnitSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "region", "region_name", "contact_person", "phone"]
        read_only_fields = fields


class CompletenessViewSet(ScopedGenericViewSet):
    """Completeness and timeliness (报送情况) for one assignment, region and day."""

    pagination_class = None
    filter_backends: list = []
    serializer_class = CompletenessSerializer
    queryset = Unit.objects.none()  # for the browsable API; requests read the region asked for

    @extend_schema(parameters=[CompletenessQuerySerializer],
                   responses={200: CompletenessSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def list(self, request: Request) -> Response:
        """Expected, on time, late, zero and missing for the region and each child region."""
        v, assignment, region = _resolve(self, request, CompletenessQuerySerializer)
        table = queries.completeness(assignment, region, v["day"])
        return Response(CompletenessSerializer(
            {"assignment": assignment.pk, "day": v["day"], "total": table.total, "rows": table.rows}).data)

    @extend_schema(parameters=[CompletenessQuerySerializer],
                   responses={200: MissingUnitSerializer(many=True), 400: BAD_INPUT, 404: NOT_FOUND})
    @action(detail=False, methods=["get"], pagination_class=Pagination, serializer_class=MissingUnitSerializer)
    def missing(self, request: Request) -> Response:
        """The units of the region that have not filed for the day, with contact person and phone."""
        v, assignment, region = _resolve(self, request, CompletenessQuerySerializer)
        page = self.paginate_queryset(queries.missing_units(assignment, region, v["day"]))
        return self.get_paginated_response(MissingUnitSerializer(page, many=True).data)


class RollupSerializer(serializers.ModelSerializer):
    total = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=False,
                                     help_text=gettext_lazy("最新修订值之和（是/否 计为 1/0）"))
    count = serializers.IntegerField(help_text=gettext_lazy("填写了该字段的报告数"))
    lowest = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=False, allow_null=True,
                                      help_text=gettext_lazy("最小值（无报告时为空）"))
    highest = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=False, allow_null=True,
                                       help_text=gettext_lazy("最大值（无报告时为空）"))
    average = serializers.SerializerMethodField(help_text=gettext_lazy("平均值（合计 / 报告数，保留一位小数）"))
    aggregates = serializers.SerializerMethodField(
        help_text=gettext_lazy("表单为该字段声明的汇总方式及其值，汇总表即显示这些，如 {\"min\": 3, \"avg\": 21.5}"))

    class Meta:
        model = FieldRollup
        fields = ["day", "key", "total", "count", "lowest", "highest", "average", "aggregates"]
        read_only_fields = fields

    def _cell(self, row: FieldRollup) -> queries.Cell:
        return (row.total, row.count, row.lowest, row.highest)

    def get_average(self, row: FieldRollup) -> float | None:
        value = queries.aggregate_of(self._cell(row), "avg")
        return None if value is None else float(value)

    def get_aggregates(self, row: FieldRollup) -> dict[str, float | None]:
        field = self.context.get("fields", {}).get(row.key, {"type": "int"})
        out: dict[str, float | None] = {}
        for name in queries.field_aggregates(field):
            value = queries.aggregate_of(self._cell(row), name)
            out[name] = None if value is None else float(value)
        return out


class RollupViewSet(ScopedGenericViewSet):
    """Per region, day and numeric field: sum, count, lowest, highest and average over the latest
    revisions (kept incrementally), and the values of the aggregates the form declares."""

    pagination_class = Pagination
    filter_backends: list = []
    serializer_class = RollupSerializer
    queryset = FieldRollup.objects.none()  # for the schema; requests read the region asked for

    @extend_schema(parameters=[RollupQuerySerializer],
                   responses={200: RollupSerializer(many=True), 400: BAD_INPUT, 404: NOT_FOUND})
    def list(self, request: Request) -> Response:
        v, assignment, region = _resolve(self, request, RollupQuerySerializer)
        rows = FieldRollup.objects.filter(assignment=assignment, region_code=region.code,
                                          day__gte=v["day_from"], day__lte=v["day_to"])
        if v["key"]:
            rows = rows.filter(key__in=v["key"])
        page = self.paginate_queryset(rows.order_by("day", "key"))
        version = assignment.form.latest_version()
        fields = {f["key"]: f for f in (version.fields if version else [])}
        return self.get_paginated_response(RollupSerializer(page, many=True, context={"fields": fields}).data)
