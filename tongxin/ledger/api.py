"""REST API of the ledger (问题台账) and of evidence files (附件).

Guarantees: entries are read through `scope.restrict` (by their unit), attachments through the
units the caller sees, so anything outside the caller's scope is a 404 that names no model;
every write goes through ledger/services.py (open_entry, fix_on_spot, transition) or
core.uploads.store_attachment; evidence named in a write must be files the caller uploaded for
that entry's unit; each entry carries `overdue`, judged on today's Beijing date; errors come back
field by field (a refused transition names "status"; missing evidence names "attachment_ids").
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from tongxin.core.api import VisibleIdField, WordedNotFound
from tongxin.core.models import Attachment
from tongxin.core.uploads import open_attachment, store_attachment
from tongxin.inspections.models import Campaign
from tongxin.inspections.queries import visible_campaigns
from tongxin.ledger import queries, services
from tongxin.ledger.models import Category, LedgerEntry, Severity, Source, Status, Transition
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Unit

NOT_FOUND = OpenApiResponse(description="No such object, or it is outside your scope")
BAD_INPUT = OpenApiResponse(description="Bad input: messages per field; broken cross-field rules in non_field_errors")
FORBIDDEN = OpenApiResponse(description="Visible, but your role may not do this")
MAX_ATTACHMENTS = 20
TRANSITION_NAMES = [("start", gettext_lazy("开始整改")), ("submit_fix", gettext_lazy("提交验收")),
                    ("close", gettext_lazy("验收销号")), ("return", gettext_lazy("退回"))]


# --- shared by the inspection API ---------------------------------------------------------------

class Choice(serializers.ChoiceField):
    """A choice field whose values are one named component of the OpenAPI schema (LedgerStatusEnum …),
    so these choice sets never collide with another app's field of the same name (a unit's `kind`)."""

    def __init__(self, enum_name: str, choices, **kwargs):
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)


class ChoiceSchema(OpenApiSerializerFieldExtension):
    """drf-spectacular: a `Choice` is a $ref to its named enum (a blank value allowed beside it if asked)."""

    target_class = Choice
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = [v for v in field.choices if v not in ("", None)]
        component = ResolvedComponent(
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name,
            schema={"type": "string", "enum": values,
                    "description": build_choice_description_list([(v, field.choices[v]) for v in values])})
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref


def visible_units(user) -> QuerySet[Unit]:
    return scope.restrict(Unit.objects.select_related("region"), user)


def visible_attachments(user) -> QuerySet[Attachment]:
    """Attachments of the units the caller sees (an attachment has no foreign key to its unit)."""
    return Attachment.objects.filter(unit_id__in=scope.restrict(Unit.objects.all(), user).values("pk"))


def attachment_ids_field(**kwargs) -> serializers.ListField:
    kwargs.setdefault("help_text", gettext_lazy("您为该单位上传的附件 id（先 POST /api/attachments/）"))
    return serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                 max_length=MAX_ATTACHMENTS, **kwargs)


def own_attachments(user, unit: Unit, ids: Sequence[int]) -> list[Attachment]:
    """The attachments `ids`, each uploaded by `user` for `unit`; otherwise a 400 naming attachment_ids."""
    ids = list(dict.fromkeys(ids))
    found = {a.pk: a for a in Attachment.objects.filter(pk__in=ids, uploaded_by=user, unit_id=unit.pk)}
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


# --- attachments --------------------------------------------------------------------------------

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

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


class FileQuerySerializer(serializers.Serializer):
    thumbnail = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy("只取缩略图"))


class AttachmentViewSet(WordedNotFound, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evidence files: upload for a unit in your scope, read back only while its unit is in your scope."""

    queryset = Attachment.objects.none()  # for the schema; requests read visible_attachments
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []

    def get_queryset(self):
        return visible_attachments(self.request.user)

    @extend_schema(request={"multipart/form-data": UploadSerializer},
                   responses={201: AttachmentSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request):
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

    @extend_schema(responses={200: AttachmentSerializer, 404: NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        """The attachment's metadata."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(parameters=[FileQuerySerializer],
                   responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY,
                                                            description="The stored file or its JPEG thumbnail"),
                              404: NOT_FOUND})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, FileRenderer])
    def file(self, request, pk=None):
        """The stored bytes (EXIF already stripped), served inline with their checked content type."""
        attachment = self.get_object()
        query = FileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            return open_attachment(attachment, thumbnail=query.validated_data["thumbnail"])
        except Http404:
            raise NotFound(_("该附件没有缩略图")) from None


# --- ledger entries -----------------------------------------------------------------------------

class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def _known_region(code: str) -> None:
    if not (code.isdigit() and len(code) == 6 and Region.objects.filter(code=code).exists()):
        raise forms.ValidationError(_("没有这个区划代码"))


class LedgerFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(label=gettext_lazy("区划代码（含下级）"), validators=[_known_region],
                                       method="keep")
    unit = IdFilter(label=gettext_lazy("单位"), method="keep")
    status = django_filters.ChoiceFilter(label=gettext_lazy("整改状态（unclosed：所有未销号的）"), method="keep",
                                         choices=[*Status.choices, (queries.UNCLOSED, gettext_lazy("未销号"))])
    severity = django_filters.ChoiceFilter(label=gettext_lazy("严重程度"), choices=Severity.choices, method="keep")
    category = django_filters.ChoiceFilter(label=gettext_lazy("类别"), choices=Category.choices, method="keep")
    campaign = IdFilter(label=gettext_lazy("专项行动"), method="keep")
    overdue = django_filters.BooleanFilter(label=gettext_lazy("只看逾期（true）"), method="keep")
    q = django_filters.CharFilter(label=gettext_lazy("关键词（编号、问题描述、单位名称）"), method="keep")

    class Meta:
        model = LedgerEntry
        fields = ["region", "unit", "status", "severity", "category", "campaign", "overdue", "q"]

    def keep(self, queryset, name, value):
        return queryset  # every filter is applied at once by queries.filter_entries, as on the web

    def filter_queryset(self, queryset):
        d = self.form.cleaned_data
        return queries.filter_entries(
            queryset, region=d.get("region") or "", unit=d.get("unit"), status=d.get("status") or "",
            severity=d.get("severity") or "", category=d.get("category") or "", campaign=d.get("campaign"),
            overdue=bool(d.get("overdue")), keyword=d.get("q") or "")


class LedgerEntrySerializer(serializers.ModelSerializer):
    source = Choice("LedgerSourceEnum", Source.choices, read_only=True)
    category = Choice("LedgerCategoryEnum", Category.choices, read_only=True)
    severity = Choice("SeverityEnum", Severity.choices, read_only=True)
    status = Choice("LedgerStatusEnum", Status.choices, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField(help_text=gettext_lazy("已过整改时限且未销号（按北京时间的日期）"))
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    fixed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "number", "unit", "unit_name", "region_code", "source", "category", "severity",
                  "description", "required_measure", "responsible_person", "responsible_phone", "found_on",
                  "deadline", "status", "status_display", "overdue", "campaign", "inspection", "fixed_on_spot",
                  "created_by", "fixed_by", "closed_by", "created_at", "closed_at", "attachments"]
        read_only_fields = fields

    def get_overdue(self, entry: LedgerEntry) -> bool:
        if "today" not in self.context:
            self.context["today"] = timezone.localdate()
        return services.is_overdue(entry, self.context["today"])


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    from_status = Choice("LedgerStatusEnum", Status.choices, read_only=True, allow_blank=True)
    to_status = Choice("LedgerStatusEnum", Status.choices, read_only=True)

    class Meta:
        model = Transition
        fields = ["name", "from_status", "to_status", "actor", "at", "comment", "attachments"]
        read_only_fields = fields


class LedgerEntryDetailSerializer(LedgerEntrySerializer):
    transitions = TransitionSerializer(many=True, read_only=True,
                                       help_text=gettext_lazy("每一步：谁、何时、意见、证据"))
    allowed_transitions = serializers.SerializerMethodField(help_text=gettext_lazy("当前状态下可执行的操作"))

    class Meta(LedgerEntrySerializer.Meta):
        fields = [*LedgerEntrySerializer.Meta.fields, "transitions", "allowed_transitions"]
        read_only_fields = fields

    def get_allowed_transitions(self, entry: LedgerEntry) -> list[str]:
        return [t.name for t in services.WORKFLOW.allowed(entry.status)]


class EntryInputSerializer(serializers.Serializer):
    """What 挂账 and 立查立改 share."""

    unit = VisibleIdField(visible_units, gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all())
    source = Choice("LedgerSourceEnum", Source.choices)
    category = Choice("LedgerCategoryEnum", Category.choices)
    severity = Choice("SeverityEnum", Severity.choices)
    description = serializers.CharField(max_length=2000)
    required_measure = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    responsible_person = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    responsible_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    found_on = serializers.DateField(required=False, help_text=gettext_lazy("发现日期；默认今天（北京时间）"))
    campaign = VisibleIdField(visible_campaigns, gettext_lazy("找不到该专项行动，或您无权查看"),
                              queryset=Campaign.objects.all(), required=False, allow_null=True, default=None)
    attachment_ids = attachment_ids_field()

    def validate_found_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("发现日期不能晚于今天"))
        return value

    def validate(self, attrs):
        campaign, unit = attrs.get("campaign"), attrs["unit"]
        if campaign is not None and not unit.region_id.startswith(campaign.region.prefix):
            raise serializers.ValidationError({"campaign": [_("该单位不在专项行动范围内")]})
        return attrs


class OpenEntrySerializer(EntryInputSerializer):
    deadline = serializers.DateField(help_text=gettext_lazy("整改时限（当天有效）"))


class FixOnSpotSerializer(EntryInputSerializer):
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class TransitionInputSerializer(serializers.Serializer):
    name = Choice("TransitionNameEnum", TRANSITION_NAMES)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="",
                                    help_text=gettext_lazy("意见；退回时必填"))
    attachment_ids = attachment_ids_field()


class LedgerEntryViewSet(WordedNotFound, scope.ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The ledger (问题台账) of the units in the caller's scope, with its filters; every move goes
    through ledger/services.py."""

    queryset = LedgerEntry.objects.select_related("unit", "created_by", "fixed_by", "closed_by").prefetch_related(
        "attachments")
    filterset_class = LedgerFilter

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            return qs
        return qs.prefetch_related(Prefetch("transitions", queryset=Transition.objects.select_related(
            "actor").prefetch_related("attachments").order_by("at", "id")))

    def get_serializer_class(self):
        return {"list": LedgerEntrySerializer, "create": OpenEntrySerializer, "transition": TransitionInputSerializer,
                "fix_on_spot": FixOnSpotSerializer}.get(self.action, LedgerEntryDetailSerializer)

    def _detail(self, entry: LedgerEntry, code: int = status.HTTP_200_OK) -> Response:
        """The entry as it now stands, read back through the scope like any other read."""
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(LedgerEntryDetailSerializer(entry, context=self.get_serializer_context()).data, status=code)

    def _entry_values(self, serializer_class) -> tuple[dict, list[Attachment]]:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        attachments = own_attachments(self.request.user, values["unit"], values.pop("attachment_ids"))
        if values.get("found_on") is None:
            values.pop("found_on", None)
        return values, attachments

    @extend_schema(request=OpenEntrySerializer,
                   responses={201: LedgerEntryDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request):
        """挂账: put a problem on the ledger; it gets a readable number such as 430921-2021-0007."""
        values, attachments = self._entry_values(OpenEntrySerializer)
        entry = services.open_entry(request.user, attachments=attachments, **values)
        return self._detail(entry, status.HTTP_201_CREATED)

    @extend_schema(request=FixOnSpotSerializer,
                   responses={201: LedgerEntryDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=False, methods=["post"], url_path="fix-on-spot", filter_backends=[], pagination_class=None)
    def fix_on_spot(self, request):
        """立查立改: a problem found and put right on the spot, recorded with its evidence and closed at once."""
        values, attachments = self._entry_values(FixOnSpotSerializer)
        with attachments_named_by_id():
            entry = services.fix_on_spot(request.user, attachments=attachments, **values)
        return self._detail(entry, status.HTTP_201_CREATED)

    @extend_schema(request=TransitionInputSerializer,
                   responses={200: LedgerEntryDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        """Move the entry: start (整改中), submit_fix (待验收, needs evidence), close (已销号) or return (退回,
        needs a reason). Closing and returning are for an officer above the unit who did not submit the fix."""
        entry = self.get_object()
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        attachments = own_attachments(request.user, entry.unit, v["attachment_ids"])
        with attachments_named_by_id():
            entry = services.transition(request.user, entry, v["name"], comment=v["comment"], attachments=attachments)
        return self._detail(entry)


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("ledger", LedgerEntryViewSet, basename="ledger-entry")
    router.register("attachments", AttachmentViewSet, basename="attachment")
