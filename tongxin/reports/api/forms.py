"""Report forms (shared configuration) and assignments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, NOT_FOUND, LatestVersionFields, VisibleIdField
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.regions.models import Region
from tongxin.reports import services
from tongxin.reports.models import Assignment, Form, FormVersion
from tongxin.units.api import visible_units
from tongxin.units.models import Unit

if TYPE_CHECKING:
    from tongxin.accounts.models import User


class FormVersionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="form.code", read_only=True)
    name = serializers.CharField(source="form.name", read_only=True)
    definition = serializers.DictField(read_only=True)
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = FormVersion
        fields = ["id", "form", "code", "name", "number", "definition", "created_by", "created_at"]
        read_only_fields = fields


class FormSerializer(LatestVersionFields, serializers.ModelSerializer):
    latest_version = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本号；尚无版本时为 null"))
    definition = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本的定义（字段与规则）"))

    class Meta:
        model = Form
        fields = ["id", "code", "name", "name_en", "description", "latest_version", "definition", "created_at"]


class FormImportSerializer(serializers.Serializer):
    """The JSON a form is exported as; importing it adds a version when the definition changed."""

    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    definition = serializers.JSONField()


class FormViewSet(ScopedReadOnlyModelViewSet):
    """Report forms (报表). Every signed-in user may read them; administrators and officers import."""

    queryset = Form.objects.prefetch_related(
        Prefetch("versions", queryset=FormVersion.objects.order_by("-number"), to_attr="ordered_versions"))
    serializer_class = FormSerializer
    filter_backends: list = []

    @extend_schema(request=FormImportSerializer,
                   responses={201: FormVersionSerializer, 200: FormVersionSerializer, 400: BAD_INPUT,
                              403: OpenApiResponse(description="Only administrators and officers define forms")})
    def create(self, request: Request) -> Response:
        """Import a form as JSON (the export format): a new version when the definition changed (201),
        the latest version as it is otherwise (200). Reports keep the version they were filed against."""
        data = FormImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        before = FormVersion.objects.filter(form__code=data.validated_data["code"]).order_by("-number").first()
        version = services.import_form(request.user, dict(data.validated_data))
        created = before is None or version.pk != before.pk
        return Response(FormVersionSerializer(version).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: FormVersionSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """Every version of the form, newest first."""
        form = self.get_object()
        page = self.paginate_queryset(form.versions.select_related("form", "created_by").order_by("-number"))
        return self.get_paginated_response(FormVersionSerializer(page, many=True).data)


# --- assignments -------------------------------------------------------------------------------

class AssignmentSerializer(serializers.ModelSerializer):
    form = serializers.PrimaryKeyRelatedField(queryset=Form.objects.all())
    form_code = serializers.CharField(source="form.code", read_only=True)
    issuer = VisibleIdField(visible_units, gettext_lazy("找不到该下达单位，或您无权查看"), queryset=Unit.objects.all())
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit_kinds = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list)

    class Meta:
        model = Assignment
        fields = ["id", "name", "form", "form_code", "issuer", "issuer_name", "region", "region_name", "unit_kinds",
                  "frequency", "weekday", "deadline", "start_date", "end_date", "is_active", "created_at"]
        read_only_fields = ["is_active", "created_at"]

    def create(self, validated_data: dict[str, Any]) -> Assignment:
        return services.create_assignment(self.context["request"].user, **validated_data)


class AssignmentViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """Assignments (报送任务) issued by bureaus in the caller's scope, or covering a unit the caller files for."""

    # Restricted by the base class: issued in the caller's scope, or aimed at the caller's area.
    queryset = Assignment.objects.select_related("form", "issuer", "region").order_by("-start_date", "name", "pk")
    serializer_class = AssignmentSerializer
    filter_backends: list = []

    @extend_schema(responses={201: AssignmentSerializer, 400: BAD_INPUT, 404: NOT_FOUND,
                              403: OpenApiResponse(description="Only bureau officers issue assignments")})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Issue an assignment: the units of a region subtree file a form, daily or weekly, by a local deadline."""
        return super().create(request, *args, **kwargs)
