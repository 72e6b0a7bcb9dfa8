"""Deliveries (送达) and the receiving side's actions on them: sign (签收), feedback (反馈), forward (转发).

Guarantees: a delivery is read among those the caller may open (their scope, plus the units they
are on duty for now): anything else is a 404 naming no model; every action goes through
`services.receiving`; acting for a unit one sees but does not belong to is a 403 in words; bad
input is a 400 naming the field. Evidence named in feedback must be files the caller uploaded
for the delivery's unit (POST /api/attachments/ first). Reading a delivery through the API records
nothing (read tracking is the unit opening the page, and only under a response).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.command.models import Delivery, Directive
from tongxin.command.models.directives import MAX_FEEDBACK, MAX_TITLE
from tongxin.command.queries import receiving as queries
from tongxin.command.queries.directives import LEVELS
from tongxin.command.services import receiving as services
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.units import scope
from tongxin.units.attachments import (
    AttachmentSerializer,
    attachment_ids_field,
    attachments_named_by_id,
    own_attachments,
)
from tongxin.units.models import Kind


class DeliverySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    title = serializers.CharField(source="directive.title", read_only=True)
    issuer = serializers.IntegerField(source="directive.issuer_id", read_only=True)
    issuer_name = serializers.CharField(source="directive.issuer.name", read_only=True)
    directive_status = serializers.CharField(source="directive.status", read_only=True)
    sign_deadline = serializers.DateTimeField(source="directive.sign_deadline", read_only=True)
    feedback_required = serializers.BooleanField(source="directive.feedback_required", read_only=True)
    feedback_deadline = serializers.DateTimeField(source="directive.feedback_deadline", read_only=True)
    signed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "directive", "root", "unit", "unit_name", "title", "issuer", "issuer_name", "directive_status",
                  "delivered_at", "read_at", "sign_deadline", "signed_at", "signed_by", "signed_by_name", "signed_as",
                  "feedback_required", "feedback_deadline", "fed_back_at", "fed_back_by", "feedback",
                  "forwarded_as"]
        read_only_fields = fields

    def get_signed_by_name(self, delivery: Delivery) -> str:
        user = delivery.signed_by
        return "" if user is None else (getattr(user, "full_name", "") or user.get_username())


class DeliveryDetailSerializer(DeliverySerializer):
    feedback_attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "feedback_attachments"]
        read_only_fields = fields


class SignResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    delivery = DeliveryDetailSerializer()


class FeedbackInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_FEEDBACK, help_text=gettext_lazy("反馈内容：做了什么、结果如何"))
    attachment_ids = attachment_ids_field()


class ForwardInputSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                   help_text=gettext_lazy("转发范围（区划代码、名称或拼音）；留空为本级全部辖区"))
    requirements = serializers.CharField(max_length=services.MAX_REQUIREMENTS,
                                         help_text=gettext_lazy("本级要求，放在原文之前"))
    sign_deadline = serializers.DateTimeField()
    target_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), required=False,
                                         default=list, max_length=len(Kind.choices))
    target_levels = serializers.ListField(child=serializers.ChoiceField(choices=list(LEVELS)), required=False,
                                          default=list, max_length=len(LEVELS))
    feedback_required = serializers.BooleanField(required=False, allow_null=True, default=None)
    feedback_deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=MAX_TITLE, required=False, allow_blank=True, default="")


class ForwardResultSerializer(serializers.ModelSerializer):
    deliveries = serializers.IntegerField(source="deliveries.count", read_only=True)

    class Meta:
        model = Directive
        fields = ["id", "title", "issuer", "region", "forwarded_from", "root", "status", "issued_at",
                  "sign_deadline", "feedback_required", "feedback_deadline", "deliveries"]
        read_only_fields = fields


class DeliveryViewSet(ScopedReadOnlyModelViewSet):
    """Deliveries the caller may open: of the units in their scope, and of the units they are on duty
    for now; with the receiving side's actions."""

    queryset = Delivery.objects.select_related("directive__issuer", "unit__region", "signed_by").order_by("-id")

    def get_queryset(self) -> QuerySet[Delivery]:
        openable = queries.openable_deliveries(self.request.user, timezone.now()).values("pk")
        qs = self.queryset.filter(pk__in=openable)  # scope, or on duty: see the docstring
        return qs if self.action == "list" else qs.prefetch_related("feedback_attachments")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        by_action: dict[str, type[serializers.BaseSerializer]] = {
            "list": DeliverySerializer, "feedback": FeedbackInputSerializer, "forward": ForwardInputSerializer}
        return by_action.get(self.action, DeliveryDetailSerializer)

    def _detail(self, delivery: Delivery) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=delivery.pk)
        return dict(DeliveryDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: SignResultSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                                            404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """签收 for the delivery's unit, as its staff or its duty officer of the day. Signing an
        already signed delivery changes nothing and says so in `message`."""
        delivery, message = services.sign(request.user, self.get_object())
        return Response({"message": message, "delivery": self._detail(delivery)})

    @extend_schema(request=FeedbackInputSerializer, responses={200: DeliveryDetailSerializer, 400: BAD_INPUT,
                                                               403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def feedback(self, request: Request, pk: str | None = None) -> Response:
        """反馈: the work done, with evidence; signs the delivery first if it is unsigned. Refused after
        the directive is closed or withdrawn, where no feedback is asked for, and a second time."""
        delivery = self.get_object()
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.require_for_unit(request.user, delivery)  # 404 / 403 in words before looking at any file
        attachments = own_attachments(request.user, delivery.unit, data.validated_data["attachment_ids"])
        with attachments_named_by_id():
            done = services.feed_back(request.user, delivery, text=data.validated_data["text"],
                                      attachments=attachments)
        return Response(self._detail(done))

    @extend_schema(request=ForwardInputSerializer, responses={201: ForwardResultSerializer, 400: BAD_INPUT,
                                                              403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def forward(self, request: Request, pk: str | None = None) -> Response:
        """转发: a city or county bureau passes the directive it received on to its own subtree, with its
        own requirements; it goes out at once and signs the bureau's own copy. Outside one's subtree: 400."""
        delivery = self.get_object()
        data = ForwardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        region = None
        if v["region"].strip():
            region = scope.resolve_region_filter(request.user, v["region"], param="region")
        fwd = services.forward(request.user, delivery, region=region, requirements=v["requirements"],
                               sign_deadline=v["sign_deadline"], target_kinds=v["target_kinds"],
                               target_levels=v["target_levels"], feedback_required=v["feedback_required"],
                               feedback_deadline=v["feedback_deadline"], title=v["title"] or None)
        return Response(ForwardResultSerializer(fwd).data, status=status.HTTP_201_CREATED)


def register(router: Any) -> None:
    router.register("deliveries", DeliveryViewSet, basename="delivery")

