"""The issuer's board of a directive chain as JSON: GET /api/directives/{id}/board/?region=."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.command.queries import board as queries
from tongxin.core.api import BAD_INPUT, NOT_FOUND, WordedNotFound
from tongxin.core.views_base import ScopedMixin
from tongxin.units import scope


class CountsSerializer(serializers.Serializer):
    delivered = serializers.IntegerField(help_text=gettext_lazy("已送达"))
    signed = serializers.IntegerField(help_text=gettext_lazy("已签收"))
    unsigned = serializers.IntegerField(help_text=gettext_lazy("未签收"))
    signed_late = serializers.IntegerField(help_text=gettext_lazy("超过签收时限才签收"))
    fed_back = serializers.IntegerField(help_text=gettext_lazy("已反馈"))
    feedback_due = serializers.IntegerField(help_text=gettext_lazy("需反馈"))
    feedback_missing = serializers.IntegerField(help_text=gettext_lazy("需反馈而未反馈"))
    overdue_sign = serializers.IntegerField(help_text=gettext_lazy("逾期未签收"))
    overdue_feedback = serializers.IntegerField(help_text=gettext_lazy("逾期未反馈"))
    overdue = serializers.IntegerField(help_text=gettext_lazy("已逾期（未签收或未反馈，每个送达只计一次）"))
    sign_rate = serializers.FloatField(help_text=gettext_lazy("签收率（%）"))
    feedback_rate = serializers.FloatField(help_text=gettext_lazy("反馈率（%，占需反馈的）"))


class RowSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    own = serializers.BooleanField(help_text=gettext_lazy("本级：送达该区划自身（如市民政局）的"))
    parent_region = serializers.CharField(source="parent_code", help_text=gettext_lazy("上一级区划代码"))
    counts = CountsSerializer()


class BoardLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text=gettext_lazy("区划级别：2 市级，3 县级"))
    rows = RowSerializer(many=True)


class UnitRowSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(source="delivery_id")
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField()
    region = serializers.CharField(source="region_code")
    directive = serializers.IntegerField(source="directive_id")
    delivered_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by = serializers.CharField()
    signed_as = serializers.CharField()
    fed_back_at = serializers.DateTimeField(allow_null=True)
    feedback_required = serializers.BooleanField()
    signed_late = serializers.BooleanField()
    overdue_sign = serializers.BooleanField()
    overdue_feedback = serializers.BooleanField()
    overdue = serializers.BooleanField()


class BoardSerializer(serializers.Serializer):
    directive = serializers.IntegerField(source="root.pk", help_text=gettext_lazy("原始通知"))
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    now = serializers.DateTimeField(help_text=gettext_lazy("统计时间"))
    total = CountsSerializer()
    levels = BoardLevelSerializer(many=True)
    units = UnitRowSerializer(many=True)


class DirectiveBoardViewSet(WordedNotFound, ScopedMixin, viewsets.ViewSet):
    """The board of a directive's chain (its root's deliveries, forwards included), per level."""

    @extend_schema(
        operation_id="directive_board",
        parameters=[OpenApiParameter("region", str, description=gettext_lazy(
            "区划：代码（430821，或前缀 4308）、名称或拼音；默认为发文单位的区划（或其中您能看到的最高一级）"))],
        responses={200: BoardSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def list(self, request: Request, directive_pk: str | None = None) -> Response:
        """Counts per child region, level by level, and the units one by one: delivered, signed,
        not signed, fed back, feedback missing, overdue, with rates; only what the caller may read."""
        directive = queries.viewable(request.user, directive_pk)
        if directive is None:
            raise Http404(_("找不到该记录，或您无权查看"))

        def fallback() -> Any:
            return queries.default_region(request.user, directive)

        region = scope.region_from_request(request, default=fallback, own_units=True)
        if region is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        b = queries.board(directive.root or directive, request.user, region)
        data = BoardSerializer(b).data
        return Response(data)


def register(router: Any) -> None:
    router.register(r"directives/(?P<directive_pk>[0-9]+)/board", DirectiveBoardViewSet, basename="directive-board")
