"""API of the donations part: donations (list, read, record, receive a pledge, withdraw it, correct,
the receipt PDF) and corrections of donations (list, read). Every write goes through
`services.donations`; errors come back field by field. A donation is never updated or deleted
through the API: PUT, PATCH and DELETE answer 405 with words saying a correction is the way. The
donor's name and phone are shown as `queries.donations.donor_display` allows."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, VisibleIdField
from tongxin.core.views_base import ScopedGenericViewSet, ScopedReadOnlyModelViewSet
from tongxin.donations.models import Channel, Correction, Donation, DonationLine, DonationStatus
from tongxin.donations.queries import donations as queries
from tongxin.donations.services import donations as services
from tongxin.donations.services import receipts
from tongxin.units import scope
from tongxin.units.models import Unit


class DonationsLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.__str__", read_only=True)
    measure = serializers.CharField(source="item.measure", read_only=True)

    class Meta:
        model = DonationLine
        fields = ["id", "item", "item_name", "measure", "quantity", "expiry_date", "lot", "valuation", "unit_value",
                  "value", "valuation_note", "valuation_approved_by"]
        read_only_fields = fields


class DonationsDonationSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    donor = serializers.SerializerMethodField()
    lines = DonationsLineSerializer(many=True, read_only=True)
    # Blank for goods and pledges: declared so the schema allows "" (a read-only model field drops allow_blank).
    channel = serializers.ChoiceField(Channel.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Donation
        fields = ["id", "unit", "unit_name", "appeal", "donor_kind", "donor", "name_public", "status",
                  "status_display", "pledged_at", "received_at", "channel", "reference", "receipt_number",
                  "lookup_code", "note", "lines", "created_at"]
        read_only_fields = fields

    @extend_schema(responses={200: {"type": "object", "properties": {
        "name": {"type": "string"}, "credit_code": {"type": "string"}, "phone": {"type": "string"}}}})
    def get_donor(self, obj: Donation) -> dict[str, str]:
        request = self.context.get("request")
        return queries.donor_display(getattr(request, "user", None), obj)


class DonationsLineInputSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    cash = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy("现金：数量即金额（元）"))
    name = serializers.CharField(required=False, allow_blank=True, default="")
    specification = serializers.CharField(required=False, allow_blank=True, default="")
    measure = serializers.CharField(required=False, allow_blank=True, default="")
    quantity = serializers.CharField()
    expiry_date = serializers.CharField(required=False, allow_blank=True, default="")
    lot = serializers.CharField(required=False, allow_blank=True, default="")
    valuation = serializers.CharField(required=False, allow_blank=True, default="")
    unit_value = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    valuation_note = serializers.CharField(required=False, allow_blank=True, default="")
    valuation_approved_by = serializers.IntegerField(required=False, allow_null=True, default=None)


def _units(user: Any) -> Any:
    return Unit.objects.restrict(user, scope.READ)


class DonationsDonationInputSerializer(serializers.Serializer):
    unit = VisibleIdField(_units, gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all())
    received = serializers.BooleanField(required=False, default=True, help_text=gettext_lazy("false：仅登记认捐"))
    appeal_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    donor_kind = serializers.CharField()
    donor_name = serializers.CharField(required=False, allow_blank=True, default="")
    donor_enterprise_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    donor_credit_code = serializers.CharField(required=False, allow_blank=True, default="")
    donor_phone = serializers.CharField(required=False, allow_blank=True, default="")
    name_public = serializers.BooleanField(required=False, default=False)
    channel = serializers.CharField(required=False, allow_blank=True, default="")
    reference = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lines = DonationsLineInputSerializer(many=True)


class DonationsCorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    lines = DonationsLineInputSerializer(many=True)


class DonationsWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DonationsCorrectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Correction
        fields = ["id", "unit", "appeal", "donation", "donation_after", "reason", "changes", "created_at"]
        read_only_fields = fields


class DonationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Donations the caller sees. `status`, `appeal`, `donor_kind` and `unit` filter the list."""

    queryset = Donation.objects.select_related("unit", "appeal").prefetch_related("lines__item")
    serializer_class = DonationsDonationSerializer
    filterset_fields = ["status", "appeal", "donor_kind", "unit"]

    def _out(self, donation: Donation, code: int = status.HTTP_200_OK) -> Response:
        donation = Donation.objects.prefetch_related("lines__item").select_related("unit").get(pk=donation.pk)
        return Response(DonationsDonationSerializer(donation, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(request=DonationsDonationInputSerializer,
                   responses={201: DonationsDonationSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """Record a donation (received at once, or a pledge with `received: false`)."""
        data = DonationsDonationInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit, received, lines = values.pop("unit"), values.pop("received"), values.pop("lines")
        donation = services.record_donation(request.user, unit, values, [dict(x) for x in lines], received=received)
        return self._out(donation, status.HTTP_201_CREATED)

    def http_method_not_allowed(  # type: ignore[override]  # as DRF's own stub does: Django's View takes HttpRequest
            self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """PUT, PATCH and DELETE of a donation are not operations (the schema lists none): they answer 405
        saying how it is put right: a received donation by a correction (POST …/correct/), a pledge by a
        withdrawal and a new record. Out of scope it is the same 405."""
        if request.method in ("PUT", "PATCH", "DELETE") and "pk" in kwargs:
            if queries.donations_for(request.user).filter(pk=kwargs["pk"], status=DonationStatus.PLEDGED).exists():
                raise exceptions.MethodNotAllowed(request.method, detail=_(
                    "认捐不能通过接口修改或删除：如登记有误，请撤回（POST …/withdraw/）后重新登记"))
            raise exceptions.MethodNotAllowed(request.method, detail=services.FROZEN)
        return super().http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: DonationsDonationSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                                            404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        """A pledge arrives: received now, receipt issued, stock moved."""
        return self._out(services.receive_pledge(request.user, self.get_object()))

    @extend_schema(request=DonationsWithdrawSerializer,
                   responses={200: DonationsDonationSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The donor withdraws a pledge."""
        donation = self.get_object()
        data = DonationsWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.withdraw_pledge(request.user, donation, reason=data.validated_data["reason"]))

    @extend_schema(request=DonationsCorrectSerializer,
                   responses={201: DonationsCorrectionSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """Correct a received donation by a new one; returns the correction with the difference."""
        donation = self.get_object()
        data = DonationsCorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.correct_donation(request.user, donation, reason=data.validated_data["reason"],
                                               lines=[dict(x) for x in data.validated_data["lines"]])
        return Response(DonationsCorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 400: BAD_INPUT, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], filter_backends=[])
    def receipt(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The receipt (捐赠票据) as a PDF; a pledge has none yet."""
        donation = self.get_object()
        if not donation.receipt_number:
            raise exceptions.ValidationError({"receipt": [_("尚未接收的认捐没有捐赠票据")]})
        response = HttpResponse(receipts.receipt_pdf(donation), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{donation.receipt_number}.pdf"'
        return response


class CorrectionViewSet(ScopedReadOnlyModelViewSet):
    """Corrections of donations the caller sees (更正说明), newest first."""

    queryset = Correction.objects.filter(donation__isnull=False).select_related("unit")
    serializer_class = DonationsCorrectionSerializer
    filterset_fields = ["appeal", "unit"]


def register(router) -> None:
    """Add this part's viewsets to the router (basenames donations-*, schema names Donations*)."""
    router.register("donations/donations", DonationViewSet, basename="donations-donation")
    router.register("donations/corrections", CorrectionViewSet, basename="donations-correction")
