"""REST API of inspections (隐患排查): checklists, campaigns and their progress, supervision teams,
inspections answered item by item, and the findings an inspector edits or merges before finishing.

Guarantees: checklists are shared configuration (readable by every signed-in user, defined by
officers); campaigns are read through `queries.visible_campaigns`, teams through the scope of
their bureau, inspections through the scope of their unit — anything else is a 404 that names no
model; progress is given only for a region inside both the campaign and the caller's scope; every
write goes through inspections/services.py; photos named in a write must be files the caller
uploaded for the inspected unit; errors come back field by field.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from tongxin.core.api import VisibleIdField, WordedNotFound
from tongxin.inspections import queries, services
from tongxin.inspections.models import Answer, Campaign, ChecklistTemplate, ChecklistVersion, Finding, Inspection, Team
from tongxin.ledger.api import (
    BAD_INPUT,
    FORBIDDEN,
    NOT_FOUND,
    AttachmentSerializer,
    Choice,
    IdFilter,
    LedgerEntrySerializer,
    attachment_ids_field,
    attachments_named_by_id,
    own_attachments,
    visible_units,
)
from tongxin.ledger.models import Category, Severity
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Membership, Unit


def _visible_teams(user) -> QuerySet[Team]:
    """Teams led by a bureau in the caller's scope, and teams the caller is a member of."""
    return Team.objects.filter(Q(pk__in=scope.restrict(Team.objects.all(), user).values("pk")) | Q(members=user)
                               ).select_related("bureau").distinct()


# --- checklists ---------------------------------------------------------------------------------

@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}],
                      "description": "检查表的 id 或代码（如 five-strictest）"})
class ChecklistRef(serializers.RelatedField):
    """A checklist named by its id or its code; written back as the code."""

    default_error_messages = {"does_not_exist": gettext_lazy("没有这张检查表：{value}"),
                              "incorrect_type": gettext_lazy("请填写检查表的 id 或代码")}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", ChecklistTemplate.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or str(data).strip() == "":
            self.fail("incorrect_type")
        text = str(data).strip()
        lookup = {"pk": int(text)} if text.isdigit() else {"code": text}
        found = self.get_queryset().filter(**lookup).first()
        if found is None:
            self.fail("does_not_exist", value=text)
        return found

    def to_representation(self, value):
        return value.code


class ChecklistVersionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="template.code", read_only=True)
    name = serializers.CharField(source="template.name", read_only=True)
    definition = serializers.DictField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ChecklistVersion
        fields = ["id", "template", "code", "name", "number", "definition", "created_by", "created_at"]
        read_only_fields = fields


class ChecklistSerializer(serializers.ModelSerializer):
    latest_version = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本号"))
    definition = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本的定义（分节与检查项）"))

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "name", "name_en", "description", "latest_version", "definition", "created_at"]
        read_only_fields = fields

    def _latest(self, template: ChecklistTemplate) -> ChecklistVersion | None:
        versions = getattr(template, "ordered_versions", None)
        if versions is None:
            return template.latest_version()
        return versions[0] if versions else None

    def get_latest_version(self, template: ChecklistTemplate) -> int | None:
        latest = self._latest(template)
        return latest.number if latest else None

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": {}})
    def get_definition(self, template: ChecklistTemplate) -> dict | None:
        latest = self._latest(template)
        return latest.definition if latest else None


class DefineChecklistSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    definition = serializers.JSONField(help_text=gettext_lazy("{\"sections\": [{\"title\": …, \"items\": […]}]}"))


class ChecklistViewSet(WordedNotFound, viewsets.ReadOnlyModelViewSet):
    """Checklists (检查表): shared configuration every signed-in user reads; officers define them."""

    queryset = ChecklistTemplate.objects.prefetch_related(
        Prefetch("versions", queryset=ChecklistVersion.objects.order_by("-number"), to_attr="ordered_versions"))
    serializer_class = ChecklistSerializer
    filter_backends: list = []

    @extend_schema(request=DefineChecklistSerializer,
                   responses={201: ChecklistVersionSerializer, 200: ChecklistVersionSerializer, 400: BAD_INPUT,
                              403: OpenApiResponse(description="Only administrators and officers define checklists")})
    def create(self, request):
        """Define a checklist: a new version when the definition changed (201), the latest as it is
        otherwise (200). Inspections keep the version they were answered on."""
        data = DefineChecklistSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        before = ChecklistVersion.objects.filter(template__code=data.validated_data["code"]).order_by("-number").first()
        version = services.define_checklist(request.user, **data.validated_data)
        created = before is None or version.pk != before.pk
        return Response(ChecklistVersionSerializer(version).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- campaigns ----------------------------------------------------------------------------------

class CampaignSerializer(serializers.ModelSerializer):
    issuer = VisibleIdField(visible_units, gettext_lazy("找不到该发起单位，或您无权查看"), queryset=Unit.objects.all())
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    templates = ChecklistRef(many=True, help_text=gettext_lazy("检查表的 id 或代码"))
    unit_kinds = serializers.ListField(child=serializers.CharField(max_length=30), required=False,
                                       help_text=gettext_lazy("检查哪些类型的单位；默认养老机构"))

    class Meta:
        model = Campaign
        fields = ["id", "name", "issuer", "issuer_name", "region", "region_name", "templates", "unit_kinds",
                  "start_date", "end_date", "self_inspection_deadline", "supervision_target", "description",
                  "created_at"]
        read_only_fields = ["created_at"]

    def create(self, validated_data):
        return services.create_campaign(self.context["request"].user, **validated_data)


class ProgressQuerySerializer(serializers.Serializer):
    region = serializers.RegexField(r"^\d{6}$", required=False, help_text=gettext_lazy(
        "区划代码，如 430921；默认为专项行动范围内您能看到的最高一级"),
        error_messages={"invalid": gettext_lazy("区划代码应为 6 位数字")})


class ProgressRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    units = serializers.IntegerField(help_text=gettext_lazy("应检查单位数"))
    self_done = serializers.IntegerField(help_text=gettext_lazy("已完成自查的单位数"))
    supervised = serializers.IntegerField(help_text=gettext_lazy("已督导检查的单位数"))
    target = serializers.IntegerField(help_text=gettext_lazy("督导目标（单位数）"))
    supervision_met = serializers.BooleanField(help_text=gettext_lazy("督导已达目标"))
    found = serializers.IntegerField(help_text=gettext_lazy("发现问题"))
    closed = serializers.IntegerField(help_text=gettext_lazy("已销号"))
    open = serializers.IntegerField(help_text=gettext_lazy("未销号"))
    overdue = serializers.IntegerField(help_text=gettext_lazy("逾期未销号"))


class ProgressSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    total = ProgressRowSerializer(help_text=gettext_lazy("本区划合计"))
    rows = ProgressRowSerializer(many=True, help_text=gettext_lazy("每个下级区划一行（无单位、无问题的不列）"))


def _progress_region(user, campaign: Campaign, code: str | None) -> Region:
    """The region asked for (or the highest the caller sees inside the campaign); 404 outside the scope."""
    s = scope.scope_of(user)
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError({"region": [_("没有这个区划代码")]})
        if not s.covers_region(region.code):
            raise NotFound(_("找不到该记录，或您无权查看"))
        if not region.code.startswith(campaign.region.prefix):
            raise ValidationError({"region": [_("该区划不在专项行动范围内")]})
        return region
    inside = sorted((p for p in s.read_prefixes if p.startswith(campaign.region.prefix)), key=lambda p: (len(p), p))
    candidates = [campaign.region.code, *(p.ljust(6, "0") for p in inside)]
    for candidate in candidates:
        if s.covers_region(candidate):
            region = Region.objects.filter(code=candidate).first()
            if region is not None:
                return region
    raise NotFound(_("找不到该记录，或您无权查看"))


class CampaignViewSet(WordedNotFound, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Campaigns (专项行动) issued by bureaus in the caller's scope or reaching into the caller's area."""

    queryset = Campaign.objects.none()  # for the schema; requests read visible_campaigns
    serializer_class = CampaignSerializer
    filter_backends: list = []

    def get_queryset(self):
        return queries.visible_campaigns(self.request.user).prefetch_related("templates").order_by(
            "-start_date", "name", "pk")

    @extend_schema(responses={201: CampaignSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request, *args, **kwargs):
        """Issue a campaign to the issuer's subtree: checklists, unit kinds, period, self-inspection
        deadline and supervision target (% of units)."""
        return super().create(request, *args, **kwargs)

    @extend_schema(parameters=[ProgressQuerySerializer],
                   responses={200: ProgressSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request, pk=None):
        """Progress by region: units, self-inspections done, supervised against the target, problems
        found / closed / open / overdue — for the region and each child region."""
        campaign = self.get_object()
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = _progress_region(request.user, campaign, query.validated_data.get("region"))
        total, rows = queries.progress(campaign, region)
        return Response(ProgressSerializer({"campaign": campaign.pk, "total": total, "rows": rows}).data)


# --- teams --------------------------------------------------------------------------------------

class TeamSerializer(serializers.ModelSerializer):
    bureau = VisibleIdField(visible_units, gettext_lazy("找不到该牵头单位，或您无权查看"), queryset=Unit.objects.all())
    bureau_name = serializers.CharField(source="bureau.name", read_only=True)
    campaign = VisibleIdField(queries.visible_campaigns, gettext_lazy("找不到该专项行动，或您无权查看"),
                              queryset=Campaign.objects.all(), required=False, allow_null=True)
    members = serializers.ManyRelatedField(
        child_relation=serializers.SlugRelatedField(
            slug_field="username", queryset=get_user_model().objects.all(),
            error_messages={"does_not_exist": gettext_lazy("找不到用户 {value}，或其不在您的辖区内")}),
        required=False, help_text=gettext_lazy("成员的用户名；创建人自动加入"))

    class Meta:
        model = Team
        fields = ["id", "name", "bureau", "bureau_name", "campaign", "members", "outside_members", "start_date",
                  "end_date", "created_at"]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            memberships = scope.restrict(Membership.objects.all(), request.user)
            fields["members"].child_relation.queryset = get_user_model().objects.filter(
                is_active=True, memberships__in=memberships).distinct()
        return fields

    def create(self, validated_data):
        return services.create_team(self.context["request"].user, **validated_data)


class TeamViewSet(WordedNotFound, scope.ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Supervision teams (督导组) led by bureaus in the caller's scope."""

    queryset = Team.objects.select_related("bureau").prefetch_related("members").order_by("-start_date", "pk")
    serializer_class = TeamSerializer
    filter_backends: list = []

    @extend_schema(responses={201: TeamSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request, *args, **kwargs):
        """Form a team led by a bureau; members may come from several bodies (outsiders by name)."""
        return super().create(request, *args, **kwargs)


# --- inspections --------------------------------------------------------------------------------

class InspectionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=gettext_lazy("专项行动"))
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
    inspector = serializers.SlugRelatedField(slug_field="username", read_only=True)

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

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "definition", "answers", "findings"]
        read_only_fields = fields


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
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
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
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                    help_text=gettext_lazy("检查意见"))


class FindingEditSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=2000, required=False)
    severity = Choice("SeverityEnum", Severity.choices, required=False)
    category = Choice("LedgerCategoryEnum", Category.choices, required=False)
    required_measure = serializers.CharField(max_length=2000, required=False, allow_blank=True)
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


class InspectionViewSet(WordedNotFound, scope.ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Inspections (检查) of the units in the caller's scope: self-inspections and supervisory ones."""

    queryset = Inspection.objects.select_related("unit", "version__template", "inspector").order_by("-day", "-id")
    filterset_class = InspectionFilter

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            return qs
        return qs.prefetch_related(
            Prefetch("answers", queryset=Answer.objects.prefetch_related("attachments").order_by("id")),
            Prefetch("findings", queryset=Finding.objects.prefetch_related("attachments").order_by("id")))

    def get_serializer_class(self):
        return {"list": InspectionSerializer, "create": StartInspectionSerializer, "answers": AnswerInputSerializer,
                "finish": FinishSerializer, "finding": FindingEditSerializer,
                "merge": MergeSerializer}.get(self.action, InspectionDetailSerializer)

    def _finding(self, inspection: Inspection, finding_id) -> Finding:
        finding = inspection.findings.filter(pk=int(finding_id)).first()
        if finding is None:
            raise NotFound(_("找不到该问题，或它不属于本次检查"))
        return finding

    @extend_schema(request=StartInspectionSerializer,
                   responses={201: InspectionDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request):
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
    def answers(self, request, pk=None):
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
    def finish(self, request, pk=None):
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
    def finding(self, request, pk=None, finding_id=None):
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
    def merge(self, request, pk=None):
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


def register(router) -> None:
    """Add this app's viewsets to the project's API router."""
    router.register("checklists", ChecklistViewSet, basename="checklist")
    router.register("campaigns", CampaignViewSet, basename="campaign")
    router.register("teams", TeamViewSet, basename="team")
    router.register("inspections", InspectionViewSet, basename="inspection")
