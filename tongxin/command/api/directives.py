"""Directives and their deliveries in the API, issuing side.

Guarantees: directives are read from `queries.visible_directives` (the issuing side and the units
they were delivered to; anything else is a 404 naming no model); deliveries through
`Delivery.objects.restrict`. Every write goes through `services.directives`: create and
partial_update only drafts; `submit`, `approve` (a leader's 签发, the one way a directive is
issued), `revise`, `withdraw`, `close`. Errors come back field by field (a refused step names
"status"; a region outside the issuer's subtree names "region").
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.models import User
from tongxin.command.forms.directives import issuing_bureaus
from tongxin.command.models import Delivery, Directive, Urgency
from tongxin.command.models.directives import MAX_BODY, MAX_FEEDBACK, MAX_TITLE
from tongxin.command.queries import directives as queries
from tongxin.command.services import directives as services
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice, IdFilter, VisibleIdField
from tongxin.core.views_base import ScopedGenericViewSet, ScopedReadOnlyModelViewSet
from tongxin.units import scope
from tongxin.units.attachments import AttachmentSerializer, attachment_ids_field, own_attachments
from tongxin.units.models import Kind, Unit

S = Directive.Status


class DirectiveSerializer(serializers.ModelSerializer):
    urgency = Choice("DirectiveUrgencyEnum", Urgency.choices, read_only=True)
    status = Choice("DirectiveStatusEnum", S.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    drafted_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username",
                                                                                  read_only=True)
    approved_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username",
                                                                                   read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text=gettext_lazy("您现在可以对该通知执行的操作（按状态和您的角色）"))

    class Meta:
        model = Directive
        fields = ["id", "title", "doc_number", "urgency", "status", "status_display", "issuer", "issuer_name",
                  "region", "target_kinds", "target_levels", "body", "sign_deadline", "feedback_required",
                  "feedback_deadline", "feedback_request", "response", "forwarded_from", "root", "replaces",
                  "version", "substantive", "drafted_by", "approved_by", "approved_at", "issued_at", "closed_at",
                  "withdrawn_at", "withdraw_reason", "created_at", "attachments", "allowed_transitions"]
        read_only_fields = fields

    def get_allowed_transitions(self, directive: Directive) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [t.name for t in services.WORKFLOW.allowed_for(request.user, directive)]


class DraftFieldsSerializer(serializers.Serializer):
    """The fields of a draft (all optional when a draft is changed)."""

    region = serializers.CharField(max_length=50,
                                   help_text=gettext_lazy("下发范围：区划代码、名称或拼音，须在发文单位辖区内"))
    title = serializers.CharField(max_length=MAX_TITLE)
    body = serializers.CharField(max_length=MAX_BODY)
    doc_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    urgency = Choice("DirectiveUrgencyEnum", Urgency.choices, required=False)
    target_kinds = serializers.ListField(child=Choice("UnitKindEnum", Kind.choices), required=False, max_length=20,
                                         help_text=gettext_lazy("接收单位类型；空为全部"))
    target_levels = serializers.ListField(child=Choice("DirectiveLevelEnum", list(queries.LEVELS.items())),
                                          required=False, max_length=4,
                                          help_text=gettext_lazy("接收层级：province、city、county（民政部门）、unit（其他单位）；空为全部"))
    sign_deadline = serializers.DateTimeField(help_text=gettext_lazy("签收时限"))
    feedback_required = serializers.BooleanField(required=False)
    feedback_deadline = serializers.DateTimeField(required=False, allow_null=True)
    feedback_request = serializers.CharField(max_length=MAX_FEEDBACK, required=False, allow_blank=True)
    attachment_ids = attachment_ids_field()

    def values(self, issuer: Unit) -> dict[str, Any]:
        """The validated fields as the services take them (region resolved, attachments checked)."""
        data = dict(self.validated_data)
        user = self.context["request"].user
        if "region" in data:
            data["region"] = scope.resolve_region_filter(user, data["region"], param="region")
        if "attachment_ids" in self.initial_data:
            data["attachments"] = own_attachments(user, issuer, data.pop("attachment_ids"))
        else:
            data.pop("attachment_ids", None)
        return data


class CreateDirectiveSerializer(DraftFieldsSerializer):
    issuer = VisibleIdField(issuing_bureaus, gettext_lazy("找不到该发文单位，或您不能以其名义拟稿"),
                            queryset=Unit.objects.all())


class UpdateDirectiveSerializer(DraftFieldsSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ReviseSerializer(UpdateDirectiveSerializer):
    substantive = serializers.BooleanField(help_text=gettext_lazy("实质性修改：各单位须重新签收"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["substantive"].required = True


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_REASON, help_text=gettext_lazy("撤回原因"))


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_REASON, required=False, allow_blank=True,
                                   help_text=gettext_lazy("退回原因"))


class DirectiveFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=S.choices)
    urgency = django_filters.ChoiceFilter(label=gettext_lazy("紧急程度"), choices=Urgency.choices)
    issuer = IdFilter(label=gettext_lazy("发文单位"))

    class Meta:
        model = Directive
        fields = ["status", "urgency", "issuer"]


class DirectiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Directives (通知指令) the caller issued or received; drafts are created and changed here and
    move on through submit, approve (a leader's 签发: it issues and delivers), revise, withdraw and close."""

    queryset = Directive.objects.select_related("issuer", "region", "drafted_by", "approved_by").prefetch_related(
        "attachments")
    serializer_class = DirectiveSerializer
    filterset_class = DirectiveFilter

    def get_queryset(self) -> QuerySet[Directive]:
        # The issuing side (restricted by issuer) and the receiving side (restricted by delivery).
        return queries.visible_directives(self.request.user).prefetch_related("attachments").order_by(
            "-created_at", "-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        by_action: dict[str, type[serializers.BaseSerializer]] = {
            "create": CreateDirectiveSerializer, "partial_update": UpdateDirectiveSerializer,
            "revise": ReviseSerializer, "withdraw": WithdrawSerializer}
        return by_action.get(self.action, DirectiveSerializer)

    def _answer(self, directive: Directive, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=directive.pk)
        return Response(DirectiveSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _input(self, cls: type[DraftFieldsSerializer], issuer: Unit | None = None) -> tuple[dict[str, Any], Unit]:
        data = cls(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        issuer = issuer or data.validated_data["issuer"]
        values = data.values(issuer)
        values.pop("issuer", None)
        return values, issuer

    @extend_schema(request=CreateDirectiveSerializer,
                   responses={201: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """拟稿: a draft of the issuing bureau for a region of its subtree."""
        values, issuer = self._input(CreateDirectiveSerializer)
        return self._answer(services.create_draft(request.user, issuer=issuer, **values), status.HTTP_201_CREATED)

    @extend_schema(request=UpdateDirectiveSerializer,
                   responses={200: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """修改: change a draft (only a draft; an issued directive is revised instead)."""
        directive = self.get_object()
        values, _issuer = self._input(UpdateDirectiveSerializer, directive.issuer)
        return self._answer(services.update_draft(request.user, directive, **values))

    @extend_schema(request=None, responses={200: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """提交签发: the draft waits for a leader's approval."""
        return self._answer(services.submit(request.user, self.get_object()))

    @extend_schema(request=None, responses={200: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """签发: a leader of the issuing bureau (or above) approves a submitted directive; it is issued
        and delivered to every receiving unit at once. A draft not yet submitted is refused."""
        return self._answer(services.approve(request.user, self.get_object()))

    @extend_schema(request=ReturnSerializer,
                   responses={200: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[], url_path="return", url_name="return")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        """退回修改: a leader sends a submitted draft back to its drafters, saying why."""
        directive = self.get_object()
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.send_back(request.user, directive, reason=data.validated_data.get("reason", "")))

    @extend_schema(request=ReviseSerializer,
                   responses={201: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        """修订: a new draft (version+1) replacing this issued directive once approved; `substantive`
        says whether units must sign again."""
        directive = self.get_object()
        data = ReviseSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.values(directive.issuer)
        substantive = values.pop("substantive")
        return self._answer(services.revise(request.user, directive, substantive=substantive, **values),
                            status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawSerializer,
                   responses={200: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """撤回, with a reason."""
        directive = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.withdraw(request.user, directive, reason=data.validated_data["reason"]))

    @extend_schema(request=None, responses={200: DirectiveSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """办结: no sign-off or feedback is taken after."""
        return self._answer(services.close(request.user, self.get_object()))


class DeliverySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    signed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username",
                                                                                 read_only=True, allow_null=True)
    fed_back_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username",
                                                                                   read_only=True, allow_null=True)
    signed_as = Choice("DeliverySignedAsEnum", Delivery.SignedAs.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Delivery
        fields = ["id", "directive", "root", "unit", "unit_name", "region_code", "delivered_at", "read_at",
                  "signed_at", "signed_by", "signed_as", "fed_back_at", "fed_back_by", "feedback", "reminders",
                  "last_reminded_at", "escalation"]
        read_only_fields = fields


class DeliveryFilter(django_filters.FilterSet):
    directive = IdFilter(label=gettext_lazy("通知指令"))
    root = IdFilter(label=gettext_lazy("原始通知"))
    signed = django_filters.BooleanFilter(label=gettext_lazy("已签收"), field_name="signed_at", lookup_expr="isnull",
                                          exclude=True)

    class Meta:
        model = Delivery
        fields = ["directive", "root", "signed"]


class DeliveryViewSet(ScopedReadOnlyModelViewSet):
    """Deliveries (送达) to the units in the caller's scope: delivered, signed and fed back."""

    queryset = Delivery.objects.select_related("unit", "signed_by", "fed_back_by")
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
