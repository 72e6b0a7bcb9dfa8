"""REST API of the reporting module: forms, assignments, reports (filed, corrected, history),
completeness and roll-ups.

Guarantees: every queryset passes through units/scope.py (reports by their unit, assignments
through `queries.visible_assignments`, completeness and roll-ups by the region asked for), so an
object or region outside the caller's scope is a 404; every write goes through services.py
(source "api"); filing and correcting honour the `Idempotency-Key` header — a retry with the same
key answers 200 with the first result and writes nothing; errors come back field by field.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from tongxin.core.api import Pagination, VisibleIdField, WordedNotFound
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.reports import queries, services
from tongxin.reports.models import Assignment, FieldRollup, Form, FormVersion, Report, Revision
from tongxin.units import scope
from tongxin.units.models import Unit

MAX_ROLLUP_DAYS = 366
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="A key the client makes up per submission (at most 100 characters). A retry with the same key "
                "answers 200 with the first result and files nothing twice.",
)
NOT_FOUND = OpenApiResponse(description="No such object, or it is outside your scope")
BAD_INPUT = OpenApiResponse(description="Bad input: messages per field; broken cross-field rules in non_field_errors")


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100:
        raise ValidationError({"idempotency_key": [_("Idempotency-Key 不能超过 100 个字符")]})
    return key or None


def _visible_units(user):
    return scope.restrict(Unit.objects.select_related("region"), user)


# --- forms -------------------------------------------------------------------------------------

class FormVersionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="form.code", read_only=True)
    name = serializers.CharField(source="form.name", read_only=True)
    definition = serializers.DictField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = FormVersion
        fields = ["id", "form", "code", "name", "number", "definition", "created_by", "created_at"]
        read_only_fields = fields


class FormSerializer(serializers.ModelSerializer):
    latest_version = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本号；尚无版本时为 null"))
    definition = serializers.SerializerMethodField(help_text=gettext_lazy("最新版本的定义（字段与规则）"))

    class Meta:
        model = Form
        fields = ["id", "code", "name", "name_en", "description", "latest_version", "definition", "created_at"]

    def _latest(self, form: Form) -> FormVersion | None:
        versions = getattr(form, "ordered_versions", None)
        if versions is None:
            return form.latest_version()
        return versions[0] if versions else None

    def get_latest_version(self, form: Form) -> int | None:
        latest = self._latest(form)
        return latest.number if latest else None

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": {}})
    def get_definition(self, form: Form) -> dict | None:
        latest = self._latest(form)
        return latest.definition if latest else None


class FormImportSerializer(serializers.Serializer):
    """The JSON a form is exported as; importing it adds a version when the definition changed."""

    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    definition = serializers.JSONField()


class FormViewSet(WordedNotFound, viewsets.ReadOnlyModelViewSet):
    """Report forms (报表). Every signed-in user may read them; administrators and officers import."""

    queryset = Form.objects.prefetch_related(
        Prefetch("versions", queryset=FormVersion.objects.order_by("-number"), to_attr="ordered_versions"))
    serializer_class = FormSerializer
    filter_backends: list = []

    @extend_schema(request=FormImportSerializer,
                   responses={201: FormVersionSerializer, 200: FormVersionSerializer, 400: BAD_INPUT,
                              403: OpenApiResponse(description="Only administrators and officers define forms")})
    def create(self, request):
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
    def versions(self, request, pk=None):
        """Every version of the form, newest first."""
        form = self.get_object()
        page = self.paginate_queryset(form.versions.select_related("form", "created_by").order_by("-number"))
        return self.get_paginated_response(FormVersionSerializer(page, many=True).data)


# --- assignments -------------------------------------------------------------------------------

class AssignmentSerializer(serializers.ModelSerializer):
    form = serializers.PrimaryKeyRelatedField(queryset=Form.objects.all())
    form_code = serializers.CharField(source="form.code", read_only=True)
    issuer = VisibleIdField(_visible_units, gettext_lazy("找不到该下达单位，或您无权查看"), queryset=Unit.objects.all())
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit_kinds = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list)

    class Meta:
        model = Assignment
        fields = ["id", "name", "form", "form_code", "issuer", "issuer_name", "region", "region_name", "unit_kinds",
                  "frequency", "weekday", "deadline", "start_date", "end_date", "is_active", "created_at"]
        read_only_fields = ["is_active", "created_at"]

    def create(self, validated_data):
        return services.create_assignment(self.context["request"].user, **validated_data)


class AssignmentViewSet(WordedNotFound, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Assignments (报送任务) issued by bureaus in the caller's scope, or covering a unit the caller files for."""

    queryset = Assignment.objects.none()  # for the schema; requests read visible_assignments
    serializer_class = AssignmentSerializer
    filter_backends: list = []

    def get_queryset(self):
        return queries.visible_assignments(self.request.user).order_by("-start_date", "name", "pk")

    @extend_schema(responses={201: AssignmentSerializer, 400: BAD_INPUT, 404: NOT_FOUND,
                              403: OpenApiResponse(description="Only bureau officers issue assignments")})
    def create(self, request, *args, **kwargs):
        """Issue an assignment: the units of a region subtree file a form, daily or weekly, by a local deadline."""
        return super().create(request, *args, **kwargs)


# --- reports -----------------------------------------------------------------------------------

class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ReportFilter(django_filters.FilterSet):
    assignment = IdFilter(field_name="assignment_id", label=gettext_lazy("报送任务"))
    unit = IdFilter(field_name="unit_id", label=gettext_lazy("单位"))
    day = django_filters.DateFilter(label=gettext_lazy("报送日期"))
    region = django_filters.CharFilter(label=gettext_lazy("区划代码（含下级）"), method="filter_region")
    is_late = django_filters.BooleanFilter(label=gettext_lazy("迟报"))

    class Meta:
        model = Report
        fields = ["assignment", "unit", "day", "region", "is_late"]

    def filter_region(self, queryset, name, value):
        value = value.strip()
        region = Region.objects.filter(code=value).first() if value.isdigit() and len(value) == 6 else None
        if region is None:
            return queryset.none()
        return queryset.filter(in_subtree("unit__region_id", region.prefix))


class ReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    region = serializers.CharField(source="unit.region_id", read_only=True)
    form_version = serializers.IntegerField(source="form_version.number", read_only=True)

    class Meta:
        model = Report
        fields = ["id", "assignment", "unit", "unit_name", "region", "day", "form_version", "is_zero", "is_late",
                  "revision_count", "first_filed_at", "updated_at"]
        read_only_fields = fields


class ReportDetailSerializer(ReportSerializer):
    values = serializers.DictField(read_only=True, help_text=gettext_lazy("最新修订的数据，键为报表字段代码"))

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "values"]
        read_only_fields = fields


REPLAY = OpenApiResponse(ReportDetailSerializer,
                         description="A retry with the same Idempotency-Key: the first result, nothing written")


class FilingSerializer(serializers.Serializer):
    assignment = VisibleIdField(queries.visible_assignments, gettext_lazy("找不到该报送任务，或您无权查看"),
                                queryset=Assignment.objects.all())
    unit = VisibleIdField(_visible_units, gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all())
    day = serializers.DateField(help_text=gettext_lazy("报送日期（北京时间的日期）"))
    values = serializers.DictField(required=False, default=dict, help_text=gettext_lazy("字段代码 → 值"))
    zero = serializers.BooleanField(required=False, default=False,
                                    help_text=gettext_lazy("零报告：存量沿用上次报告，当日数字记 0；values 中的值优先"))


class CorrectionSerializer(serializers.Serializer):
    values = serializers.DictField(help_text=gettext_lazy("更正后的完整数据：字段代码 → 值"))
    reason = serializers.CharField(max_length=200, allow_blank=True, help_text=gettext_lazy("更正原因（必填）"))


class RevisionSerializer(serializers.ModelSerializer):
    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    values = serializers.DictField(read_only=True)

    class Meta:
        model = Revision
        fields = ["number", "values", "is_zero", "reason", "source", "filed_by", "filed_at"]
        read_only_fields = fields


class ReportViewSet(WordedNotFound, scope.ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Reports (情况报送) of the units in the caller's scope; filing and correcting go through services."""

    queryset = Report.objects.select_related("unit", "form_version").order_by("-day", "unit__name", "pk")
    filterset_class = ReportFilter

    def get_serializer_class(self):
        return {"list": ReportSerializer, "create": FilingSerializer, "correct": CorrectionSerializer,
                "revisions": RevisionSerializer}.get(self.action, ReportDetailSerializer)

    def _answer(self, filing: services.Filing) -> Response:
        report = Report.objects.select_related("unit", "form_version").get(pk=filing.report.pk)
        return Response(ReportDetailSerializer(report).data,
                        status=status.HTTP_201_CREATED if filing.created else status.HTTP_200_OK)

    @extend_schema(request=FilingSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: ReportDetailSerializer, 200: REPLAY, 400: BAD_INPUT, 404: NOT_FOUND})
    def create(self, request):
        """File a report. After the deadline it is accepted and marked late; one report per unit and day
        (use `correct` to change it)."""
        data = FilingSerializer(data=request.data, context=self.get_serializer_context())
        key = _idempotency_key(request)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        filing = services.submit_report(request.user, assignment=v["assignment"], unit=v["unit"], day=v["day"],
                                        values=v["values"], zero=v["zero"], source=Report.Source.API,
                                        idempotency_key=key)
        return self._answer(filing)

    @extend_schema(request=CorrectionSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: ReportDetailSerializer, 200: REPLAY, 400: BAD_INPUT, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def correct(self, request, pk=None):
        """A new revision (who, when, why); every total then uses the corrected figures."""
        report = self.get_object()
        data = CorrectionSerializer(data=request.data)
        key = _idempotency_key(request)
        data.is_valid(raise_exception=True)
        filing = services.correct_report(request.user, report, values=data.validated_data["values"],
                                         reason=data.validated_data["reason"], source=Report.Source.API,
                                         idempotency_key=key)
        return self._answer(filing)

    @extend_schema(responses={200: RevisionSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"], filter_backends=[])
    def revisions(self, request, pk=None):
        """The report's history, first filing first."""
        report = self.get_object()
        page = self.paginate_queryset(report.revisions.select_related("filed_by").order_by("number"))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)


# --- completeness and roll-ups -----------------------------------------------------------------

class RegionQuerySerializer(serializers.Serializer):
    assignment = serializers.IntegerField(min_value=1, help_text=gettext_lazy("报送任务 id"))
    region = serializers.RegexField(r"^\d{6}$", help_text=gettext_lazy("区划代码，如 430921"),
                                    error_messages={"invalid": gettext_lazy("区划代码应为 6 位数字")})


class CompletenessQuerySerializer(RegionQuerySerializer):
    day = serializers.DateField(help_text=gettext_lazy("报送日期，如 2021-08-02"))


class RollupQuerySerializer(RegionQuerySerializer):
    day_from = serializers.DateField(help_text=gettext_lazy("起始日期（含）"))
    day_to = serializers.DateField(help_text=gettext_lazy("结束日期（含），范围不超过 366 天"))
    key = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list,
                                help_text=gettext_lazy("只看这些字段（可重复）；不填则返回全部数值字段"))

    def validate(self, attrs):
        if attrs["day_from"] > attrs["day_to"]:
            raise ValidationError({"day_to": [_("结束日期不能早于起始日期")]})
        if (attrs["day_to"] - attrs["day_from"]).days + 1 > MAX_ROLLUP_DAYS:
            raise ValidationError({"day_to": [_("日期范围不能超过 %(n)s 天") % {"n": MAX_ROLLUP_DAYS}]})
        return attrs


def _resolve(request, serializer_class) -> tuple[dict, Assignment, Region]:
    """Validated query parameters, the visible assignment and the region in scope (else 400 / 404)."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    v = params.validated_data
    assignment = queries.visible_assignments(request.user).filter(pk=v["assignment"]).first()
    if assignment is None:
        raise NotFound(_("找不到该报送任务，或您无权查看"))
    region = Region.objects.filter(code=v["region"]).first()
    if region is None:
        raise ValidationError({"region": [_("没有这个区划代码")]})
    if not scope.scope_of(request.user).covers_region(region.code):
        raise NotFound(_("找不到该记录，或您无权查看"))
    return v, assignment, region


class CompletenessRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    expected = serializers.IntegerField(help_text=gettext_lazy("应报单位数"))
    on_time = serializers.IntegerField(help_text=gettext_lazy("按时报送"))
    late = serializers.IntegerField(help_text=gettext_lazy("迟报"))
    zero = serializers.IntegerField(help_text=gettext_lazy("其中零报告"))
    missing = serializers.IntegerField(help_text=gettext_lazy("未报"))
    rate = serializers.FloatField(help_text=gettext_lazy("报送率（已报 / 应报，0–1）"))


@extend_schema_serializer(many=False)
class CompletenessSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    day = serializers.DateField()
    total = CompletenessRowSerializer(help_text=gettext_lazy("本区划合计（等于各下级区划之和加直属单位）"))
    rows = CompletenessRowSerializer(many=True, help_text=gettext_lazy("每个下级区划一行"))


class MissingUnitSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "region", "region_name", "contact_person", "phone"]
        read_only_fields = fields


class CompletenessViewSet(viewsets.GenericViewSet):
    """Completeness and timeliness (报送情况) for one assignment, region and day."""

    pagination_class = None
    filter_backends: list = []
    serializer_class = CompletenessSerializer
    queryset = Unit.objects.none()  # for the browsable API; requests read the region asked for

    @extend_schema(parameters=[CompletenessQuerySerializer],
                   responses={200: CompletenessSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def list(self, request):
        """Expected, on time, late, zero and missing for the region and each child region."""
        v, assignment, region = _resolve(request, CompletenessQuerySerializer)
        table = queries.completeness(assignment, region, v["day"])
        return Response(CompletenessSerializer(
            {"assignment": assignment.pk, "day": v["day"], "total": table.total, "rows": table.rows}).data)

    @extend_schema(parameters=[CompletenessQuerySerializer],
                   responses={200: MissingUnitSerializer(many=True), 400: BAD_INPUT, 404: NOT_FOUND})
    @action(detail=False, methods=["get"], pagination_class=Pagination, serializer_class=MissingUnitSerializer)
    def missing(self, request):
        """The units of the region that have not filed for the day, with contact person and phone."""
        v, assignment, region = _resolve(request, CompletenessQuerySerializer)
        page = self.paginate_queryset(queries.missing_units(assignment, region, v["day"]))
        return self.get_paginated_response(MissingUnitSerializer(page, many=True).data)


class RollupSerializer(serializers.ModelSerializer):
    total = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=False,
                                     help_text=gettext_lazy("最新修订值之和（是/否 计为 1/0）"))
    count = serializers.IntegerField(help_text=gettext_lazy("填写了该字段的报告数"))

    class Meta:
        model = FieldRollup
        fields = ["day", "key", "total", "count"]
        read_only_fields = fields


class RollupViewSet(viewsets.GenericViewSet):
    """Per region, day and numeric field: sum and count over the latest revisions (kept incrementally)."""

    pagination_class = Pagination
    filter_backends: list = []
    serializer_class = RollupSerializer
    queryset = FieldRollup.objects.none()  # for the schema; requests read the region asked for

    @extend_schema(parameters=[RollupQuerySerializer],
                   responses={200: RollupSerializer(many=True), 400: BAD_INPUT, 404: NOT_FOUND})
    def list(self, request):
        v, assignment, region = _resolve(request, RollupQuerySerializer)
        rows = FieldRollup.objects.filter(assignment=assignment, region_code=region.code,
                                          day__gte=v["day_from"], day__lte=v["day_to"])
        if v["key"]:
            rows = rows.filter(key__in=v["key"])
        page = self.paginate_queryset(rows.order_by("day", "key"))
        return self.get_paginated_response(RollupSerializer(page, many=True).data)


def register(router) -> None:
    """Add this module's viewsets to the project's API router."""
    router.register("report-forms", FormViewSet, basename="report-form")
    router.register("assignments", AssignmentViewSet, basename="report-assignment")
    router.register("reports", ReportViewSet, basename="report")
    router.register("completeness", CompletenessViewSet, basename="completeness")
    router.register("rollups", RollupViewSet, basename="rollup")

