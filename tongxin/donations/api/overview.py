"""API of the overview part: GET /api/donations/overview/?region= — the page's figures as JSON
(queries.overview, read from the stock roll-up), scoped the same way. No personal data."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, NOT_FOUND, WordedNotFound
from tongxin.core.views_base import ScopedMixin
from tongxin.donations.queries import overview as queries
from tongxin.units import scope


def _amount(help_text: Any = "") -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, help_text=help_text or None)


@extend_schema_serializer(component_name="DonationsOverviewMoney")
class DonationsOverviewMoneySerializer(serializers.Serializer):
    cash = _amount(gettext_lazy("接收现金（元）"))
    cash_allocated = _amount(gettext_lazy("已分配现金（元）"))
    cash_handed_over = _amount(gettext_lazy("已交接现金（元）"))
    cash_in_stock = _amount(gettext_lazy("库存现金（元）"))
    goods_value = _amount(gettext_lazy("接收物资价值（元，接收时确定）"))
    raised = _amount(gettext_lazy("募集合计：现金加物资价值"))


@extend_schema_serializer(component_name="DonationsOverviewRow")
class DonationsOverviewRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    region = serializers.CharField(source="code")
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    appeal = serializers.IntegerField(source="appeal_id", allow_null=True)
    own = serializers.BooleanField(source="own_level")
    money = DonationsOverviewMoneySerializer()


@extend_schema_serializer(component_name="DonationsOverviewGoods")
class DonationsOverviewGoodsSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    name = serializers.CharField()
    specification = serializers.CharField()
    measure = serializers.CharField()
    received = _amount()
    allocated = _amount()
    handed_over = _amount()
    in_stock = _amount()
    value = _amount()


# many=False: the overview answers one object, though it is the list action
@extend_schema_serializer(component_name="DonationsOverview", many=False)
class DonationsOverviewSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    regions = DonationsOverviewRowSerializer(many=True)
    appeals = DonationsOverviewRowSerializer(many=True)
    organisations = DonationsOverviewRowSerializer(many=True)
    goods = DonationsOverviewGoodsSerializer(many=True)
    total = DonationsOverviewMoneySerializer(help_text=gettext_lazy("合计：各行之和"))
    goods_value = _amount(gettext_lazy("物资价值合计：各物资行之和"))


class DonationsOverviewViewSet(WordedNotFound, ScopedMixin, viewsets.ViewSet):
    """Cash and goods raised, allocated, handed over and in stock, by region, appeal and organisation."""

    @extend_schema(
        operation_id="donations_overview",
        parameters=[OpenApiParameter("region", str, description=gettext_lazy(
            "区划：代码、名称或拼音；默认为您能看到的最高一级区划"))],
        responses={200: DonationsOverviewSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def list(self, request: Request) -> Response:
        own_units = not scope.top_regions(request.user)
        region = scope.region_from_request(request, default=lambda: queries.default_region(request.user),
                                           own_units=own_units)
        if region is None:
            raise Http404(_("找不到该记录，或您无权查看"))
        return Response(DonationsOverviewSerializer(queries.overview(request.user, region)).data)


def register(router: Any) -> None:
    """Add this part's viewsets to the router (basenames donations-*, schema names Donations*)."""
    router.register(r"donations/overview", DonationsOverviewViewSet, basename="donations-overview")
