"""Campaigns (专项行动) and their progress by region."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, VisibleIdField
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.inspections import queries, services
from tongxin.inspections.api.checklists import ChecklistRef
from tongxin.inspections.models import Campaign
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.api import visible_units
from tongxin.units.models import Unit


class CampaignSerializer(serializers.ModelSerializer):
    issuer = VisibleIdField(visible_units, gettext_lazy("找不到该发起单位，或您无权查看"), queryset=Unit.objects.all())
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    templates = ChecklistRef(many=True, help_text=gettext_lazy("检查表的 id 或代码"))
    unit_kinds = serializers.ListField(child=serializers.CharField(max_length=30), required=False,
                                       help_text=gettext_lazy("检查哪些类型的单位；默认养老机构"))

    class Meta:
        model = Campaign
        fields = ["id", "name", "issuer", "issuer_name", "region", "region_name", "templates", "unit_kinds",
                  "start_date", "end_date", "self_inspection_deadline", "supervision_target", "description",
                  "created_at"]
        read_only_fields = ["created_at"]

    def create(self, validated_data: dict[str, Any]) -> Campaign:
        return services.create_campaign(self.context["request"].user, **validated_data)


class ProgressQuerySerializer(serializers.Serializer):
    # Read by the one resolver (scope.resolve_region, through get_region): a code, a prefix, a name or a pinyin.
    region = serializers.CharField(max_length=50, required=False, help_text=gettext_lazy(
        "区划：代码（430921，或前缀 4309）、名称（南县、益阳市南县）或拼音（nanxian、nx）；"
        "默认为专项行动范围内您能看到的最高一级"))


class ProgressRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    units = serializers.IntegerField(help_text=gettext_lazy("应检查单位数"))
    self_done = serializers.IntegerField(help_text=gettext_lazy("已完成自查的单位数"))
    supervised = serializers.IntegerField(help_text=gettext_lazy("已督导检查的单位数"))
    target = serializers.IntegerField(help_text=gettext_lazy("督导目标（单位数）"))
    supervision_met = serializers.BooleanField(help_text=gettext_lazy("督导已达目标"))
    found = serializers.IntegerField(help_text=gettext_lazy("发现问题"))
    closed = serializers.IntegerField(help_text=gettext_lazy("已销号"))
    open = serializers.IntegerField(help_text=gettext_lazy("未销号"))
    overdue = serializers.IntegerField(help_text=gettext_lazy("逾期未销号"))


class ProgressSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    total = ProgressRowSerializer(help_text=gettext_lazy("本区划合计"))
    rows = ProgressRowSerializer(many=True, help_text=gettext_lazy("每个下级区划一行（无单位、无问题的不列）"))


class CampaignViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """Campaigns (专项行动) issued by bureaus in the caller's scope or reaching into the caller's area."""

    # Restricted by the base class: issued in the caller's scope, or aimed at the caller's area.
    queryset = Campaign.objects.select_related("issuer", "region").prefetch_related("templates").order_by(
        "-start_date", "name", "pk")
    serializer_class = CampaignSerializer
    filter_backends: list = []

    @extend_schema(responses={201: CampaignSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Issue a campaign to the issuer's subtree: checklists, unit kinds, period, self-inspection
        deadline and supervision target (% of units)."""
        return super().create(request, *args, **kwargs)

    @extend_schema(parameters=[ProgressQuerySerializer],
                   responses={200: ProgressSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Progress by region: units, self-inspections done, supervised against the target, problems
        found / closed / open / overdue — for the region and each child region."""
        campaign = self.get_object()
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = self.get_region(within=campaign.region,
                                 default=lambda: scope.default_region_within(request.user, campaign.region))
        if region is None:
            raise NotFound(_("找不到该记录，或您无权查看"))
        total, rows = queries.progress(campaign, region)
        return Response(ProgressSerializer({"campaign": campaign.pk, "total": total, "rows": rows}).data)
