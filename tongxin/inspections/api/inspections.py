"""Inspections answered item by item, and the findings an inspector edits or merges before finishing."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.accounts.models import User
from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, Choice, IdFilter, VisibleIdField
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.inspections import queries, services
from tongxin.inspections.api.checklists import ChecklistRef
from tongxin.inspections.api.teams import _visible_teams
from tongxin.inspections.models import Answer, Campaign, Finding, Inspection, Team
from tongxin.ledger.api.entries import LedgerEntrySerializer
from tongxin.ledger.models import MAX_DESCRIPTION, Category, Severity
from tongxin.units.api import visible_units
from tongxin.units.attachments import (
    AttachmentSerializer,
    attachment_ids_field,
    attachments_named_by_id,
    own_attachments,
)
from tongxin.units.models import Unit


class InspectionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=pgettext_lazy("campaign", "专项行动"))
    unit = IdFilter(field_name="unit_id", label=gettext_lazy("被检查单位"))
    team = IdFilter(field_name="team_id", label=gettext_lazy("督导组"))
    kind = django_filters.ChoiceFilter(choices=Inspection.Kind.choices, label=gettext_lazy("类型"))
    status = django_filters.ChoiceFilter(choices=Inspection.Status.choices, label=gettext_lazy("状态"))
    day = django_filters.DateFilter(label=gettext_lazy("检查日期"))

    class Meta:
        model = Inspection
        fields = ["campaign", "unit", "team", "kind", "status", "day"]


class InspectionSerializer(serializers.ModelSerializer):
    kind = Choice("InspectionKindEnum", Inspection.Kind.choices, read_only=True)
    status = Choice("InspectionStatusEnum", Inspection.Status.choices, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    checklist = serializers.CharField(source="version.template.code", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    inspector: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "kind", "unit", "unit_name", "campaign", "team", "checklist", "version", "inspector", "day",
                  "status", "summary", "started_at", "finished_at"]
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    result = Choice("AnswerResultEnum", Answer.Result.choices, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Answer
        fields = ["item_key", "result", "value", "note", "attachments", "answered_at"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    severity = Choice("SeverityEnum", Severity.choices, read_only=True)
    category = Choice("LedgerCategoryEnum", Category.choices, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "item_keys", "description", "severity", "category", "required_measure", "deadline",
                  "fixed_on_spot", "dropped", "merged_into", "entry", "attachments"]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    definition = serializers.DictField(source="version.definition", read_only=True,
                                       help_text=gettext_lazy("所用检查表版本的定义"))
    answers = AnswerSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True,
                                 help_text=gettext_lazy("不符合项形成的问题；完成检查时未删除、未合并的进入台账"))
    allowed_transitions = serializers.SerializerMethodField(
        help_text=gettext_lazy("您现在可以对本次检查执行的操作：answer 填写、review 核对问题、finish 完成"))

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "definition", "answers", "findings", "allowed_transitions"]
        read_only_fields = fields

    def get_allowed_transitions(self, inspection: Inspection) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [t.name for t in services.WORKFLOW.allowed_for(request.user, inspection)]


class StartInspectionSerializer(serializers.Serializer):
    unit = VisibleIdField(visible_units, gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all())
    checklist = ChecklistRef(help_text=gettext_lazy("检查表的 id 或代码；使用其最新版本"))
    kind = Choice("InspectionKindEnum", Inspection.Kind.choices)
    day = serializers.DateField(required=False, help_text=gettext_lazy("检查日期；默认今天（北京时间）"))
    campaign = VisibleIdField(queries.visible_campaigns, gettext_lazy("找不到该专项行动，或您无权查看"),
                              queryset=Campaign.objects.all(), required=False, allow_null=True, default=None)
    team = VisibleIdField(_visible_teams, gettext_lazy("找不到该督导组，或您无权查看"), queryset=Team.objects.all(),
                          required=False, allow_null=True, default=None)


class AnswerInputSerializer(serializers.Serializer):
    item_key = serializers.CharField(max_length=50)
    result = Choice("AnswerResultEnum", Answer.Result.choices, required=False, allow_blank=True, default="",
                                     help_text=gettext_lazy("是否项必填；数值项按上下限判断，照片项按是否有照片"))
    value = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=services.MAX_NOTE, required=False, allow_blank=True, default="")
    attachment_ids = attachment_ids_field()


class AnswerResultSerializer(AnswerSerializer):
    finding = serializers.SerializerMethodField(help_text=gettext_lazy("该项不符合时形成的问题 id"))

    class Meta(AnswerSerializer.Meta):
        fields = [*AnswerSerializer.Meta.fields, "finding"]
        read_only_fields = fields

    def get_finding(self, answer: Answer) -> int | None:
        for finding in answer.inspection.findings.filter(merged_into__isnull=True).order_by("id"):
            if answer.item_key in finding.item_keys:
                return finding.pk
        return None


class FinishSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=services.MAX_SUMMARY, required=False, allow_blank=True, default="",
                                    help_text=gettext_lazy("检查意见"))


class FindingEditSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=MAX_DESCRIPTION, required=False)
    severity = Choice("SeverityEnum", Severity.choices, required=False)
    category = Choice("LedgerCategoryEnum", Category.choices, required=False)
    required_measure = serializers.CharField(max_length=MAX_DESCRIPTION, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True,
                                     help_text=gettext_lazy("整改时限；空则按严重程度"))
    dropped = serializers.BooleanField(required=False, help_text=gettext_lazy("删除（重复或不成立的问题）"))
    fixed_on_spot = serializers.BooleanField(required=False, help_text=gettext_lazy("立查立改：须有整改后的照片"))
    attachment_ids = attachment_ids_field(help_text=gettext_lazy("整改证据：您为该单位上传的附件 id"))


class MergeSerializer(serializers.Serializer):
    keep = serializers.IntegerField(min_value=1, help_text=gettext_lazy("保留的问题 id"))
    others = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=100,
                                   help_text=gettext_lazy("并入它的问题 id"))


FINDING_ID = OpenApiParameter("finding_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="问题（finding）id")


class InspectionViewSet(ScopedReadOnlyModelViewSet):
    """Inspections (检查) of the units in the caller's scope: self-inspections and supervisory ones."""

    queryset = Inspection.objects.select_related("unit", "version__template", "inspector").order_by("-day", "-id")
    filterset_class = InspectionFilter

    def get_queryset(self) -> QuerySet[Inspection]:
        qs = super().get_queryset()
        if self.action == "list":
            return qs
        return qs.prefetch_related(
            Prefetch("answers", queryset=Answer.objects.prefetch_related("attachments").order_by("id")),
            Prefetch("findings", queryset=Finding.objects.prefetch_related("attachments").order_by("id")))

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        by_action: dict[str, type[serializers.BaseSerializer]] = {
            "list": InspectionSerializer, "create": StartInspectionSerializer, "answers": AnswerInputSerializer,
            "finish": FinishSerializer, "finding": FindingEditSerializer, "merge": MergeSerializer}
        return by_action.get(self.action, InspectionDetailSerializer)

    def _finding(self, inspection: Inspection, finding_id: str) -> Finding:
        finding = inspection.findings.filter(pk=int(finding_id)).first()
        if finding is None:
            raise NotFound(_("找不到该问题，或它不属于本次检查"))
        return finding

    @extend_schema(request=StartInspectionSerializer,
                   responses={201: InspectionDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
        """Start an inspection of a unit: a self-inspection by its own staff, or a supervisory one by a
        member of a team whose area covers it."""
        data = StartInspectionSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        version = v["checklist"].latest_version()
        if version is None:
            raise ValidationError({"checklist": [_("该检查表还没有版本")]})
        inspection = services.start_inspection(request.user, unit=v["unit"], version=version, kind=v["kind"],
                                               day=v.get("day"), campaign=v["campaign"], team=v["team"])
        inspection = self.get_queryset().get(pk=inspection.pk)
        return Response(InspectionDetailSerializer(inspection, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerInputSerializer,
                   responses={200: AnswerResultSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """Answer one item (again, to change it). A failing item becomes a finding at once; a photo
        may be required when it fails (the error then names the item's key)."""
        inspection = self.get_object()
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        attachments = own_attachments(request.user, inspection.unit, v["attachment_ids"])
        row = services.answer(request.user, inspection, item_key=v["item_key"], result=v["result"],
                              value=v["value"], note=v["note"], attachments=attachments)
        return Response(AnswerResultSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(request=FinishSerializer,
                   responses={200: LedgerEntrySerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def finish(self, request: Request, pk: str | None = None) -> Response:
        """Finish the inspection (every item answered): its remaining findings go onto the ledger, those
        fixed on the spot closed at once. Answers the ledger entries made."""
        inspection = self.get_object()
        data = FinishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with attachments_named_by_id():
            entries = services.finish_inspection(request.user, inspection, summary=data.validated_data["summary"])
        return Response(LedgerEntrySerializer(entries, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=FindingEditSerializer, parameters=[FINDING_ID],
                   responses={200: FindingSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["patch"], url_path=r"findings/(?P<finding_id>[0-9]+)", url_name="finding",
            filter_backends=[])
    def finding(self, request: Request, pk: str | None = None, finding_id: str = "") -> Response:
        """Edit a finding before finishing: wording, severity, category, measure, deadline; drop it; or
        mark it fixed on the spot with evidence."""
        inspection = self.get_object()
        finding = self._finding(inspection, finding_id)
        data = FindingEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        attachments = own_attachments(request.user, inspection.unit, values.pop("attachment_ids", []))
        if values.get("fixed_on_spot") and not attachments and not finding.attachments.exists():
            raise ValidationError({"attachment_ids": [_("立查立改须上传整改后的照片或材料")]})
        finding = services.edit_finding(request.user, finding, attachments=attachments, **values)
        finding = Finding.objects.prefetch_related("attachments").get(pk=finding.pk)
        return Response(FindingSerializer(finding, context=self.get_serializer_context()).data)

    @extend_schema(request=MergeSerializer,
                   responses={200: FindingSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="findings/merge", url_name="finding-merge", filter_backends=[])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Fold duplicate findings into one (`keep`): their items join it, their descriptions are appended."""
        inspection = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        open_findings = inspection.findings.filter(merged_into__isnull=True)
        keep = open_findings.filter(pk=v["keep"]).first()
        if keep is None:
            raise ValidationError({"keep": [_("本次检查中没有这个问题，或它已被合并")]})
        ids = list(dict.fromkeys(v["others"]))
        others = list(open_findings.filter(pk__in=ids).exclude(pk=keep.pk))
        if len(others) != len(ids):
            raise ValidationError({"others": [_("只能合并本次检查中其他未合并的问题")]})
        keep = services.merge_findings(request.user, keep, sorted(others, key=lambda f: ids.index(f.pk)))
        keep = Finding.objects.prefetch_related("attachments").get(pk=keep.pk)
        return Response(FindingSerializer(keep, context=self.get_serializer_context()).data)
