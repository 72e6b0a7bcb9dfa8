"""Responses (应急响应) in the API: list and read the responses the caller sees, declare one, change
its level, end it — every write through `command.services.responses`, errors field by field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from tongxin.accounts.models import User
from tongxin.command.models import Level, Response, ResponseEvent, ResponseKind
from tongxin.command.queries import responses as queries
from tongxin.command.services import responses as services
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.units import scope
from tongxin.units.models import Unit


class ResponseEventSerializer(serializers.ModelSerializer):
    action = Choice("ResponseActionEnum", ResponseEvent.Action.choices, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True,
                                      help_text=gettext_lazy("作出决定的单位"))
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ResponseEvent
        fields = ["action", "level_before", "level_after", "unit", "unit_name", "actor", "at", "note"]
        read_only_fields = fields


class ResponseSerializer(serializers.ModelSerializer):
    kind = Choice("ResponseKindEnum", ResponseKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    declared_by_name = serializers.CharField(source="declared_by.name", read_only=True)
    state = serializers.SerializerMethodField(
        help_text=gettext_lazy("in_force（响应中）、planned（未开始）或 ended（已结束）"))
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username",
                                                                                  read_only=True)

    class Meta:
        model = Response
        fields = ["id", "title", "kind", "kind_display", "level", "level_display", "region", "region_name",
                  "declared_by", "declared_by_name", "starts_at", "ends_at", "state", "created_by", "created_at"]
        read_only_fields = fields

    def get_state(self, response: Response) -> str:
        return queries.state_of(response, timezone.now())


class ResponseDetailSerializer(ResponseSerializer):
    events = ResponseEventSerializer(many=True, read_only=True,
                                     help_text=gettext_lazy("启动、调整级别、结束：谁、哪个单位、何时"))

    class Meta(ResponseSerializer.Meta):
        fields = [*ResponseSerializer.Meta.fields, "events"]
        read_only_fields = fields


class DeclareSerializer(serializers.Serializer):
    bureau = serializers.IntegerField(min_value=1, max_value=2**53, required=False,
                                      help_text=gettext_lazy("启动单位（您任职的民政部门）；只有一个时可不填"))
    region = serializers.CharField(max_length=50, help_text=gettext_lazy("响应范围：区划代码（430921）"))
    kind = Choice("ResponseKindEnum", ResponseKind.choices)
    level = serializers.ChoiceField(choices=Level.choices, help_text=gettext_lazy("1=Ⅰ级（最高）… 4=Ⅳ级"))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=services.MAX_TITLE, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=services.MAX_NOTE, required=False, allow_blank=True, default="")

    def validate_region(self, value: str) -> Any:
        try:
            return scope.parse_region_code(value.strip())
        except scope.RegionCodeError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        bureaus: list[Unit] = self.context["bureaus"]
        raw = attrs.get("bureau")
        if raw is None:
            if len(bureaus) != 1:
                raise serializers.ValidationError({"bureau": [_("请选择启动单位")]})
            attrs["bureau"] = bureaus[0]
        else:
            found = next((b for b in bureaus if b.pk == raw), None)
            if found is None:
                raise serializers.ValidationError({"bureau": [_("您不是该民政部门的业务人员或负责人")]})
            attrs["bureau"] = found
        return attrs


class LevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, help_text=gettext_lazy("1=Ⅰ级（最高）… 4=Ⅳ级"))
    note = serializers.CharField(max_length=services.MAX_NOTE, required=False, allow_blank=True, default="")


class EndSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services.MAX_NOTE, required=False, allow_blank=True, default="")


class ResponseViewSet(ScopedReadOnlyModelViewSet):
    """Responses (应急响应) the caller sees: declared in their scope, or in force over their area; those
    in force first. While one is in force over a unit, duty check-in and directive read tracking are on."""

    queryset = Response.objects.select_related("region", "declared_by", "created_by")

    def get_queryset(self) -> QuerySet[Response]:
        if self.action == "list":
            return queries.visible(self.request.user, timezone.now())
        return super().get_queryset().prefetch_related("events__unit", "events__actor")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        by_action: dict[str, type[serializers.BaseSerializer]] = {
            "list": ResponseSerializer, "create": DeclareSerializer, "level": LevelSerializer, "end": EndSerializer}
        return by_action.get(self.action, ResponseDetailSerializer)

    def _detail(self, response: Response, code: int = status.HTTP_200_OK) -> ApiResponse:
        response = super().get_queryset().prefetch_related("events__unit", "events__actor").get(pk=response.pk)
        return ApiResponse(ResponseDetailSerializer(response, context=self.get_serializer_context()).data,
                           status=code)

    @extend_schema(request=DeclareSerializer,
                   responses={201: ResponseDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> ApiResponse:
        """启动: a bureau's officer or leader declares a response for the bureau's region or one below it."""
        bureaus = services.officer_bureaus(request.user)
        if not bureaus:
            raise PermissionDenied(_("只有民政部门的业务人员或负责人可以启动应急响应"))
        data = DeclareSerializer(data=request.data, context={"bureaus": bureaus})
        data.is_valid(raise_exception=True)
        response = services.declare(request.user, **data.validated_data)
        return self._detail(response, status.HTTP_201_CREATED)

    @extend_schema(request=LevelSerializer,
                   responses={200: ResponseDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def level(self, request: Request, pk: str | None = None) -> ApiResponse:
        """Raise or lower the level. The declaring bureau does either; a bureau above may only raise it."""
        response = self.get_object()
        data = LevelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        response = services.change_level(request.user, response, level=int(data.validated_data["level"]),
                                         note=data.validated_data["note"])
        return self._detail(response)

    @extend_schema(request=EndSerializer,
                   responses={200: ResponseDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def end(self, request: Request, pk: str | None = None) -> ApiResponse:
        """结束: the declaring bureau ends its response now."""
        response = self.get_object()
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        response = services.end(request.user, response, note=data.validated_data["note"])
        return self._detail(response)
