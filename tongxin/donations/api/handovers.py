"""API of the handovers part: hand-overs (read, send, the recipient's confirmation, correction) and
their discrepancies (read, resolve). A hand-over is read by the sender's scope and where it
arrives (queries.handovers.visible); every write goes through services.handovers; errors come back
field by field; PUT, PATCH and DELETE do not exist (a hand-over is corrected, never edited)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.donations.api.stock import _appeal, _item
from tongxin.donations.models import Allocation, Discrepancy, Handover
from tongxin.donations.models.appeals import TEXT_MAX
from tongxin.donations.queries import handovers as queries
from tongxin.donations.services import handovers as services
from tongxin.units import scope
from tongxin.units.models import Unit


class DonationsHandoverLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    item = serializers.IntegerField(source="item_id", read_only=True)
    item_name = serializers.CharField(source="item.__str__", read_only=True)
    measure = serializers.CharField(source="item.measure", read_only=True)
    sent = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    received = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)


class DonationsHandoverSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    lines = DonationsHandoverLineSerializer(many=True, read_only=True)
    evidence: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    replaced_by = serializers.SerializerMethodField()

    class Meta:
        model = Handover
        fields = ["id", "unit", "unit_name", "appeal", "allocation", "recipient", "recipient_name", "status",
                  "sent_at", "carrier", "note", "received_at", "received_note", "evidence", "lines", "replaced_by"]
        read_only_fields = fields

    def get_replaced_by(self, obj: Handover) -> int | None:
        correction = getattr(obj, "correction", None)
        return correction.handover_after_id if correction is not None else None


class DonationsHandoverLineInSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**53)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)


class DonationsHandoverInSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**53)
    appeal = serializers.IntegerField(min_value=1, max_value=2**53, required=False, allow_null=True, default=None)
    allocation = serializers.IntegerField(min_value=1, max_value=2**53, required=False, allow_null=True,
                                          default=None)
    recipient = serializers.IntegerField(min_value=1, max_value=2**53)
    carrier = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    lines = DonationsHandoverLineInSerializer(many=True)


class DonationsHandoverConfirmSerializer(serializers.Serializer):
    counts = serializers.JSONField(help_text=gettext_lazy(
        "每一行的实收数量：以行 id 为键、数量为值的对象（multipart 时为 JSON 字符串）"))
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                   help_text=gettext_lazy("签收照片或回执（multipart）"))

    def validate_counts(self, value: Any) -> dict[str, Any]:
        if isinstance(value, str):  # multipart: a JSON string
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("实收数量须为以行 id 为键、数量为值的对象"))
        return {str(k): v for k, v in value.items()}


class DonationsHandoverCorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)
    lines = DonationsHandoverLineInSerializer(many=True)


class DonationsDiscrepancyResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=2000)


class DonationsDiscrepancySerializer(serializers.ModelSerializer):
    class Meta:
        model = Discrepancy
        fields = ["id", "handover", "status", "note", "opened_at", "resolution", "resolved_at"]
        read_only_fields = fields


class DonationsHandoverViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """交接: sent by the organisation, confirmed by the recipient's own staff with their count."""

    queryset = (Handover.objects.select_related("unit", "recipient", "correction")
                .prefetch_related("lines__item", "evidence"))
    serializer_class = DonationsHandoverSerializer
    parser_classes = [JSONParser, parsers.MultiPartParser, parsers.FormParser]
    filterset_fields = ["unit", "appeal", "recipient", "status"]

    def get_queryset(self) -> QuerySet[Handover]:
        return queries.visible(self.request.user, self.queryset.all())

    @extend_schema(request=DonationsHandoverInSerializer,
                   responses={201: DonationsHandoverSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DonationsHandoverInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = scope.get_visible(Unit.objects.all(), request.user, scope.READ, pk=v["unit"])
        recipient = Unit.objects.filter(pk=v["recipient"]).first()
        if recipient is None:
            raise serializers.ValidationError({"recipient": [_("没有这个单位")]})
        allocation = None
        if v["allocation"] is not None:
            allocation = scope.get_visible(Allocation.objects.all(), request.user, scope.READ, pk=v["allocation"])
        handover = services.send(request.user, unit, recipient=recipient, appeal=_appeal(request.user, v["appeal"]),
                                 allocation=allocation, carrier=v["carrier"], note=v["note"],
                                 lines=[{"item": _item(ln["item"]), "quantity": ln["quantity"]} for ln in v["lines"]])
        return Response(DonationsHandoverSerializer(handover).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"application/json": DonationsHandoverConfirmSerializer,
                            "multipart/form-data": DonationsHandoverConfirmSerializer},
                   responses={200: DonationsHandoverSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """签收: the recipient's own staff, with their count of every line and a photo (or a note)."""
        handover = self.get_object()
        if not services.may_confirm(request.user, handover):
            raise PermissionDenied(_("只有受援单位本单位的工作人员才能签收"))
        data = DonationsHandoverConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        files = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        handover = services.confirm(request.user, handover, counts=data.validated_data["counts"],
                                    note=data.validated_data["note"], files=files)
        return Response(DonationsHandoverSerializer(handover).data)

    @extend_schema(request=DonationsHandoverCorrectSerializer,
                   responses={201: DonationsHandoverSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """更正: a new hand-over replaces this one; the answer is the new one."""
        handover = self.get_object()
        data = DonationsHandoverCorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.correct_handover(
            request.user, handover, reason=data.validated_data["reason"],
            lines=[{"item": _item(ln["item"]), "quantity": ln["quantity"]} for ln in data.validated_data["lines"]])
        return Response(DonationsHandoverSerializer(correction.handover_after).data, status=status.HTTP_201_CREATED)


class DonationsDiscrepancyViewSet(ScopedReadOnlyModelViewSet):
    """交接差异: opened when the recipient's count differs; the sender resolves it."""

    queryset = Discrepancy.objects.select_related("handover")
    serializer_class = DonationsDiscrepancySerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Discrepancy]:
        return self.queryset.filter(handover__in=queries.visible(self.request.user).values("pk"))

    @extend_schema(request=DonationsDiscrepancyResolveSerializer,
                   responses={200: DonationsDiscrepancySerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """The sender's staff close the case with what was found; the hand-over settles."""
        case = self.get_object()
        data = DonationsDiscrepancyResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.resolve(request.user, case, resolution=data.validated_data["resolution"])
        return Response(DonationsDiscrepancySerializer(case).data)


def register(router) -> None:
    """Add this part's viewsets to the router (basenames donations-*, schema names Donations*)."""
    router.register("donations/handovers", DonationsHandoverViewSet, basename="donations-handover")
    router.register("donations/discrepancies", DonationsDiscrepancyViewSet, basename="donations-discrepancy")
