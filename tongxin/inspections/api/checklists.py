"""Checklists: shared configuration, readable by every signed-in user, versioned by officers."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.models import User
from tongxin.core.api import BAD_INPUT, LatestVersionFields
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.inspections import services
from tongxin.inspections.models import ChecklistTemplate, ChecklistVersion


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}],
                      "description": "检查表的 id 或代码（如 five-strictest）"})
class ChecklistRef(serializers.RelatedField):
    """A checklist named by its id or its code; written back as the code."""

    default_error_messages = {"does_not_exist": gettext_lazy("没有这张检查表：{value}"),
                              "incorrect_type": gettext_lazy("请填写检查表的 id 或代码")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", ChecklistTemplate.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> ChecklistTemplate:
        if isinstance(data, bool) or not isinstance(data, (int, str)) or str(data).strip() == "":
            self.fail("incorrect_type")
        text = str(data).strip()
        lookup = {"pk": int(text)} if text.isascii() and text.isdigit() and len(text) <= 18 else {"code": text}
        queryset = self.get_queryset()
        if queryset is None:  # always given, by __init__ at the latest
            queryset = ChecklistTemplate.objects.all()
        found = queryset.filter(**lookup).first()
        if found is None:
            self.fail("does_not_exist", value=text)
        return found

    def to_representation(self, value: Any) -> str:  # a ChecklistTemplate
        return value.code


class ChecklistVersionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="template.code", read_only=True)
    name = serializers.CharField(source="template.name", read_only=True)
    definition = serializers.DictField(read_only=True)
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ChecklistVersion
        fields = ["id", "template", "code", "name", "number", "definition", "created_by", "created_at"]
        read_only_fields = fields


class ChecklistSerializer(LatestVersionFields, serializers.ModelSerializer):
    latest_version = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本号"))
    definition = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本的定义（分节与检查项）"))

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "name", "name_en", "description", "latest_version", "definition", "created_at"]
        read_only_fields = fields


class DefineChecklistSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    definition = serializers.JSONField(help_text=gettext_lazy("{\"sections\": [{\"title\": …, \"items\": […]}]}"))


class ChecklistViewSet(ScopedReadOnlyModelViewSet):
    """Checklists (检查表): shared configuration every signed-in user reads; officers define them."""

    queryset = ChecklistTemplate.objects.prefetch_related(
        Prefetch("versions", queryset=ChecklistVersion.objects.order_by("-number"), to_attr="ordered_versions"))
    serializer_class = ChecklistSerializer
    filter_backends: list = []

    @extend_schema(request=DefineChecklistSerializer,
                   responses={201: ChecklistVersionSerializer, 200: ChecklistVersionSerializer, 400: BAD_INPUT,
                              403: OpenApiResponse(description="Only administrators and officers define checklists")})
    def create(self, request: Request) -> Response:
        """Define a checklist: a new version when the definition changed (201), the latest as it is
        otherwise (200). Inspections keep the version they were answered on."""
        data = DefineChecklistSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        before = ChecklistVersion.objects.filter(template__code=data.validated_data["code"]).order_by("-number").first()
        version = services.define_checklist(request.user, **data.validated_data)
        created = before is None or version.pk != before.pk
        return Response(ChecklistVersionSerializer(version).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
