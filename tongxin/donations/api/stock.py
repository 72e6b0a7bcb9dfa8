"""API of the stock part: stock rows (read), adjustments (ask; approve / reject by a second person)
and allocation decisions (read, decide). Every write goes through services.stock /
services.allocations; errors come back field by field; an object outside scope is a 404."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.command.models import Directive
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.donations.models import Adjustment, Allocation, Appeal, Basis, Item, Stock
from tongxin.donations.models.appeals import TEXT_MAX
from tongxin.donations.models.stock import AdjustmentReason
from tongxin.donations.services import allocations as allocation_services
from tongxin.donations.services import stock as services
from tongxin.units import scope
from tongxin.units.models import Unit


class DonationsStockSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    specification = serializers.CharField(source="item.specification", read_only=True)
    measure = serializers.CharField(source="item.measure", read_only=True)

    class Meta:
        model = Stock
        fields = ["id", "unit", "unit_name", "appeal", "item", "item_name", "specification", "measure", "received",
                  "received_value", "allocated", "handed_over", "adjusted", "quantity", "updated_at"]
        read_only_fields = fields


class DonationsStockViewSet(ScopedReadOnlyModelViewSet):
    """库存: per organisation, appeal and item (quantity = received − handed over + adjusted)."""

    queryset = Stock.objects.select_related("unit", "item")
    serializer_class = DonationsStockSerializer
    filterset_fields = ["unit", "appeal", "item"]


class DonationsAdjustmentSerializer(serializers.ModelSerializer):
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username",
                                                                                   read_only=True)
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username",
                                                                                 read_only=True, allow_null=True)

    class Meta:
        model = Adjustment
        fields = ["id", "unit", "appeal", "item", "quantity", "reason", "note", "status", "requested_by",
                  "requested_at", "decided_by", "decided_at", "decision_note"]
        read_only_fields = fields


class DonationsAdjustmentInSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**53)
    appeal = serializers.IntegerField(min_value=1, max_value=2**53, required=False, allow_null=True, default=None)
    item = serializers.IntegerField(min_value=1, max_value=2**53)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.ChoiceField(choices=AdjustmentReason.choices)
    note = serializers.CharField(max_length=TEXT_MAX)


class DonationsDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


def _appeal(user: Any, pk: int | None) -> Appeal | None:
    return None if pk is None else scope.get_visible(Appeal.objects.all(), user, scope.READ, pk=pk)


def _item(pk: int) -> Item:
    item = Item.objects.filter(pk=pk).first()
    if item is None:
        raise serializers.ValidationError({"item": [_("没有这个物资")]})
    return item


class DonationsAdjustmentViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """库存调整: asked by one person; approved or rejected by a second (never the requester)."""

    queryset = Adjustment.objects.select_related("unit", "item", "appeal", "requested_by", "decided_by")
    serializer_class = DonationsAdjustmentSerializer
    filterset_fields = ["unit", "status", "item"]

    @extend_schema(request=DonationsAdjustmentInSerializer,
                   responses={201: DonationsAdjustmentSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DonationsAdjustmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = scope.get_visible(Unit.objects.all(), request.user, scope.READ, pk=v["unit"])
        adjustment = services.request_adjustment(request.user, unit, appeal=_appeal(request.user, v["appeal"]),
                                                 item=_item(v["item"]), quantity=v["quantity"], reason=v["reason"],
                                                 note=v["note"])
        return Response(DonationsAdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, approve: bool) -> Response:
        adjustment = self.get_object()
        data = DonationsDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        adjustment = services.decide_adjustment(request.user, adjustment, approve=approve,
                                                note=data.validated_data["note"])
        return Response(DonationsAdjustmentSerializer(adjustment).data)

    @extend_schema(request=DonationsDecisionSerializer,
                   responses={200: DonationsAdjustmentSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve (stock moves; refused if it would go below zero)."""
        return self._decide(request, True)

    @extend_schema(request=DonationsDecisionSerializer,
                   responses={200: DonationsAdjustmentSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject (with a note)."""
        return self._decide(request, False)


class DonationsAllocationLineSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**53)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)


class DonationsAllocationSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = ["id", "unit", "appeal", "recipient", "basis", "basis_text", "directive", "decided_by",
                  "decided_at", "created_at", "lines"]
        read_only_fields = fields

    def get_lines(self, obj: Allocation) -> list[dict[str, Any]]:
        return [{"item": line.item_id, "quantity": str(line.quantity)} for line in obj.lines.all()]


class DonationsAllocationInSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**53)
    appeal = serializers.IntegerField(min_value=1, max_value=2**53, required=False, allow_null=True, default=None)
    recipient = serializers.IntegerField(min_value=1, max_value=2**53)
    basis = serializers.ChoiceField(choices=Basis.choices)
    basis_text = serializers.CharField(max_length=TEXT_MAX)
    directive = serializers.IntegerField(min_value=1, max_value=2**53, required=False, allow_null=True,
                                         default=None)
    decided_by = serializers.CharField(max_length=50)
    decided_at = serializers.DateTimeField()
    lines = DonationsAllocationLineSerializer(many=True)


class DonationsAllocationViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """分配决定: who decided, on what basis, for whom; never beyond stock, never outside scope."""

    queryset = Allocation.objects.select_related("unit", "recipient").prefetch_related("lines")
    serializer_class = DonationsAllocationSerializer
    filterset_fields = ["unit", "appeal", "recipient"]

    @extend_schema(request=DonationsAllocationInSerializer,
                   responses={201: DonationsAllocationSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DonationsAllocationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = scope.get_visible(Unit.objects.all(), request.user, scope.READ, pk=v["unit"])
        recipient = Unit.objects.filter(pk=v["recipient"]).first()
        if recipient is None:
            raise serializers.ValidationError({"recipient": [_("没有这个单位")]})
        directive = None
        if v["directive"] is not None:
            directive = Directive.objects.filter(pk=v["directive"]).first()
            if directive is None:
                raise serializers.ValidationError({"directive": [_("没有这个指令")]})
        allocation = allocation_services.decide(
            request.user, unit, appeal=_appeal(request.user, v["appeal"]), recipient=recipient, basis=v["basis"],
            basis_text=v["basis_text"], decided_by=v["decided_by"], decided_at=v["decided_at"], directive=directive,
            lines=[{"item": _item(line["item"]), "quantity": line["quantity"]} for line in v["lines"]])
        return Response(DonationsAllocationSerializer(allocation).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this part's viewsets to the router (basenames donations-*, schema names Donations*)."""
    router.register("donations/stock", DonationsStockViewSet, basename="donations-stock")
    router.register("donations/adjustments", DonationsAdjustmentViewSet, basename="donations-adjustment")
    router.register("donations/allocations", DonationsAllocationViewSet, basename="donations-allocation")
