"""Evidence files (附件): stored for a unit, served only to whoever sees that unit — every app's photos
and PDFs (ledger entries, inspections, later directives and hand-overs) go through here.

They live with the units because a file's scope is its unit's (`Attachment.unit_id`) and units
own scope; `core.uploads` checks and stores the bytes and knows no scope. Guarantees:
- a file, its thumbnail and its metadata are read through `visible_attachments` (the units the
  caller sees): outside it the answer is a 404 that names no model;
- an upload needs filing rights at its unit (its staff, or an officer of a bureau above it);
- evidence named in a write (`own_attachments`) must be files the caller uploaded for that unit.

Web: `files:file`, `files:thumb` (the include in tongxin/urls.py). API: `/api/attachments/`
(upload), `/api/attachments/{id}/` and `/api/attachments/{id}/file/` (route `attachment-file`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.filters import BaseFilterBackend
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, JSONRenderer, VisibleIdField
from tongxin.core.models import Attachment
from tongxin.core.types import Actor
from tongxin.core.uploads import open_attachment, store_attachment
from tongxin.core.views_base import ScopedExportView, ScopedRetrieveViewSet
from tongxin.units import scope
from tongxin.units.api import visible_units
from tongxin.units.models import Unit

MAX_ATTACHMENTS = 20


def visible_attachments(user: Actor) -> QuerySet[Attachment]:
    """Attachments of the units the caller sees (an attachment has no foreign key to its unit)."""
    return Attachment.objects.restrict(user)


def attachment_ids_field(**kwargs: Any) -> serializers.ListField:
    kwargs.setdefault("help_text", gettext_lazy("您为该单位上传的附件 id（先 POST /api/attachments/）"))
    return serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                 max_length=MAX_ATTACHMENTS, **kwargs)


def own_attachments(user: Actor, unit: Unit, ids: Sequence[int]) -> list[Attachment]:
    """The attachments `ids`, each uploaded by `user` for `unit`; otherwise a 400 naming attachment_ids."""
    ids = list(dict.fromkeys(ids))
    uploader = user.pk if user is not None else None  # an anonymous user's is None too: they uploaded nothing
    found = {a.pk: a for a in Attachment.objects.filter(pk__in=ids, uploaded_by_id=uploader, unit_id=unit.pk)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({"attachment_ids": [
            _("找不到附件 %(ids)s，或不是您为该单位上传的") % {"ids": "、".join(missing)}]})
    return [found[i] for i in ids]


@contextmanager
def attachments_named_by_id() -> Iterator[None]:
    """The services name evidence "attachments"; the API's field is "attachment_ids"."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict") and "attachments" in exc.error_dict:
            exc.error_dict["attachment_ids"] = exc.error_dict.pop("attachments")
        raise


class AttachmentSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("文件地址（需登录，且单位在您的范围内）"))
    thumbnail_url = serializers.SerializerMethodField(help_text=gettext_lazy("缩略图地址；PDF 没有缩略图"))

    class Meta:
        model = Attachment
        fields = ["id", "content_type", "size", "width", "height", "original_name", "unit", "uploaded_at", "url",
                  "thumbnail_url"]
        read_only_fields = fields

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_url(self, attachment: Attachment) -> str:
        return self._absolute(reverse("attachment-file", args=[attachment.pk]))

    def get_thumbnail_url(self, attachment: Attachment) -> str | None:
        if not attachment.thumbnail:
            return None
        return self._absolute(reverse("attachment-file", args=[attachment.pk]) + "?thumbnail=true")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=gettext_lazy("JPEG、PNG、WebP 照片或 PDF；按内容判断类型，照片的 GPS 等信息会被清除"))
    unit = VisibleIdField(visible_units, gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all(),
                          help_text=gettext_lazy("附件所属单位的 id"))


class FileRenderer(BaseRenderer):
    """Lets a client that asks for the file's own type (Accept: image/jpeg) reach the file view."""

    media_type = "*/*"
    format = "file"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


class FileQuerySerializer(serializers.Serializer):
    thumbnail = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy("只取缩略图"))


class AttachmentViewSet(ScopedRetrieveViewSet):
    """Evidence files: upload for a unit in your scope, read back only while its unit is in your scope."""

    queryset = Attachment.objects.all()  # restricted by the base class: by the scope of its unit
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list[type[BaseFilterBackend]] = []

    @extend_schema(request={"multipart/form-data": UploadSerializer},
                   responses={201: AttachmentSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """Upload one photo or PDF as evidence for a unit. Refused (400 naming "file") when it is not a
        JPEG/PNG/WebP image or a PDF by its content, or too big."""
        data = UploadSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        unit = data.validated_data["unit"]
        if not scope.scope_of(request.user).covers(unit, mode=scope.FILE):
            raise PermissionDenied(_("您的角色不能为该单位上传材料"))
        attachment = store_attachment(data.validated_data["file"], uploaded_by=request.user, unit_id=unit.pk)
        return Response(AttachmentSerializer(attachment, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def handle_exception(self, exc: Exception) -> Response:
        """Errors are JSON, also when `?format=file` picked the file renderer for the file action."""
        response = super().handle_exception(exc)
        if getattr(self, "action", None) == "file":
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return response

    @extend_schema(responses={200: AttachmentSerializer, 404: NOT_FOUND})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The attachment's metadata."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(parameters=[FileQuerySerializer],
                   responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY,
                                                            description="The stored file or its JPEG thumbnail"),
                              404: NOT_FOUND})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, FileRenderer])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        """The stored bytes (EXIF already stripped), served inline with their checked content type."""
        attachment = self.get_object()
        query = FileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            return open_attachment(attachment, thumbnail=query.validated_data["thumbnail"])
        except Http404:
            raise NotFound(_("该附件没有缩略图")) from None



# --- web ------------------------------------------------------------------------------------------

class AttachmentFileView(ScopedExportView):
    """An evidence file (or its thumbnail), seen by whoever sees its unit."""

    model = Attachment
    thumbnail = False

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        return open_attachment(self.get_object(), thumbnail=self.thumbnail)


app_name = "files"
urlpatterns = [
    path("<int:pk>/", AttachmentFileView.as_view(), name="file"),
    path("<int:pk>/thumb/", AttachmentFileView.as_view(thumbnail=True), name="thumb"),
]


def register(router: BaseRouter) -> None:
    """Add the evidence-file viewset to the project's API router."""
    router.register("attachments", AttachmentViewSet, basename="attachment")
