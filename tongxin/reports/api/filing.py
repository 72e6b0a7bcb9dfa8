"""Reports: filed, corrected and their history, with Idempotency-Key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import (
    BAD_INPUT,
    CONFLICT,
    FORBIDDEN,
    MAX_ID,
    NOT_FOUND,
    Choice,
    IdFilter,
    VisibleIdField,
    is_id,
)
from tongxin.core.replica import ReplicaReadsMixin
from tongxin.core.views_base import ScopedReadOnlyModelViewSet
from tongxin.ledger.api.entries import LedgerEntryDetailSerializer
from tongxin.ledger.models import MAX_DESCRIPTION, Category, Severity
from tongxin.regions.queries import in_subtree
from tongxin.reports import queries, services
from tongxin.reports.api.common import IDEMPOTENCY_HEADER, _idempotency_key
from tongxin.reports.models import REASON_MAX_LENGTH, Assignment, Report, Revision
from tongxin.units import scope
from tongxin.units.api import visible_units
from tongxin.units.models import Unit

if TYPE_CHECKING:
    from tongxin.accounts.models import User


class ReportFilter(django_filters.FilterSet):
    assignment = IdFilter(field_name="assignment_id", label=gettext_lazy("报送任务"))
    unit = IdFilter(field_name="unit_id", label=pgettext_lazy("organisation", "单位"))
    day = django_filters.DateFilter(label=gettext_lazy("报送日期"))
    region = django_filters.CharFilter(label=gettext_lazy("区划代码（含下级）"), method="filter_region")
    is_late = django_filters.BooleanFilter(label=gettext_lazy("迟报"))

    class Meta:
        model = Report
        fields = ["assignment", "unit", "day", "region", "is_late"]

    def filter_region(self, queryset: QuerySet[Report], name: str, value: str) -> QuerySet[Report]:
        # The one resolver: 400 for a malformed or unknown code, 404 for a region outside the caller's scope.
        region = scope.resolve_region(self.request.user if self.request else None, value.strip(), own_units=True)
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


class PairIdField(VisibleIdField):
    """The assignment or the unit of a filing: the two are looked up together, once, by the first of
    the fields to be read (`FilingSerializer.pair`); an id that is missing or out of sight is a 404
    with the field's message, as VisibleIdField answers."""

    def to_internal_value(self, data: Any) -> Any:
        if not is_id(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        found = cast("FilingSerializer", self.parent).pair()[str(self.field_name)]
        if found is None:
            raise NotFound(str(self.message))
        return found


def _id_in(data: Any, name: str) -> int | None:
    """The id the request gives for `name`, if it is one (PairIdField refuses anything else)."""
    value: Any = data.get(name) if isinstance(data, Mapping) else None
    if not is_id(value):
        return None
    return int(value) if 0 <= int(value) <= MAX_ID else None


class FilingSerializer(serializers.Serializer):
    assignment = PairIdField(queries.visible_assignments, gettext_lazy("找不到该报送任务，或您无权查看"),
                             queryset=Assignment.objects.all())
    unit = PairIdField(visible_units, gettext_lazy("找不到该单位，或您无权查看"), queryset=Unit.objects.all())
    day = serializers.DateField(help_text=gettext_lazy("报送日期（北京时间的日期）"))
    values = serializers.DictField(required=False, default=dict, help_text=gettext_lazy("字段代码 → 值"))
    zero = serializers.BooleanField(required=False, default=False,
                                    help_text=gettext_lazy("零报告：存量沿用上次报告，当日数字记 0；values 中的值优先"))

    def pair(self) -> dict[str, Any]:
        """The assignment and the unit the request names, each None when missing or out of sight: one
        scope check for the two (queries.filing_pair), which the service then files with."""
        if not hasattr(self, "_pair"):
            data = self.initial_data
            assignment, unit = queries.filing_pair(self.context["request"].user, _id_in(data, "assignment"),
                                                   _id_in(data, "unit"))
            self._pair = {"assignment": assignment, "unit": unit}
        return self._pair


class CorrectionSerializer(serializers.Serializer):
    values = serializers.DictField(help_text=gettext_lazy("更正后的完整数据：字段代码 → 值"))
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, allow_blank=True,
                                   help_text=gettext_lazy("更正原因（必填）"))
    expected_revision = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text=gettext_lazy("客户端所见的修订次数（revision_count）；报告已被他人更正时返回 409"))


class RevisionSerializer(serializers.ModelSerializer):
    filed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True)
    values = serializers.DictField(read_only=True)

    class Meta:
        model = Revision
        fields = ["number", "values", "is_zero", "reason", "source", "filed_by", "filed_at"]
        read_only_fields = fields


class RaiseEntrySerializer(serializers.Serializer):
    category = Choice("LedgerCategoryEnum", Category.choices)
    severity = Choice("SeverityEnum", Severity.choices)
    deadline = serializers.DateField(help_text=gettext_lazy("整改时限（当天有效），不早于报告日期"))
    description = serializers.CharField(max_length=MAX_DESCRIPTION, required=False, allow_blank=True, default="",
                                        help_text=gettext_lazy("问题描述；默认报告中“发现的问题”的内容"))
    required_measure = serializers.CharField(max_length=MAX_DESCRIPTION, required=False, allow_blank=True, default="")
    again = serializers.BooleanField(required=False, default=False,
                                     help_text=gettext_lazy("已从该报告登记过问题时，确认另登记一条"))


class ReportViewSet(ReplicaReadsMixin, ScopedReadOnlyModelViewSet):
    """Reports (情况报送) of the units in the caller's scope; filing and correcting go through services.
    List and detail may read from the replica (core.replica); filing, correcting and raising never do."""

    queryset = Report.objects.select_related("unit", "form_version").order_by("-day", "unit__name", "pk")
    filterset_class = ReportFilter

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        by_action: dict[str | None, type[serializers.BaseSerializer[Any]]] = {
            "list": ReportSerializer, "create": FilingSerializer, "correct": CorrectionSerializer,
            "revisions": RevisionSerializer, "raise_entry": RaiseEntrySerializer}
        return by_action.get(self.action, ReportDetailSerializer)

    def _answer(self, filing: services.Filing) -> Response:
        # The report as the service left it (with its unit and form version): no second read of it.
        return Response(ReportDetailSerializer(filing.report).data,
                        status=status.HTTP_201_CREATED if filing.created else status.HTTP_200_OK)

    @extend_schema(request=FilingSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: ReportDetailSerializer, 200: REPLAY, 400: BAD_INPUT, 404: NOT_FOUND})
    def create(self, request: Request) -> Response:
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
                   responses={201: ReportDetailSerializer, 200: REPLAY, 400: BAD_INPUT, 404: NOT_FOUND,
                              409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """A new revision (who, when, why); every total then uses the corrected figures."""
        report = self.get_object()
        data = CorrectionSerializer(data=request.data)
        key = _idempotency_key(request)
        data.is_valid(raise_exception=True)
        filing = services.correct_report(request.user, report, values=data.validated_data["values"],
                                         reason=data.validated_data["reason"], source=Report.Source.API,
                                         idempotency_key=key,
                                         expected_revision=data.validated_data.get("expected_revision"))
        return self._answer(filing)

    @extend_schema(responses={200: RevisionSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"], filter_backends=[])
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        """The report's history, first filing first."""
        report = self.get_object()
        page = self.paginate_queryset(report.revisions.select_related("filed_by").order_by("number"))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    @extend_schema(request=RaiseEntrySerializer,
                   responses={201: LedgerEntryDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="raise-entry", filter_backends=[])
    def raise_entry(self, request: Request, pk: str | None = None) -> Response:
        """挂账 from this report: the problem it names under 发现的问题 goes onto the ledger, with the report as
        its source. For an officer of a bureau above the unit. Raising again from the same report needs
        `again: true` (otherwise 400 naming "again" and the entries already raised)."""
        report = self.get_object()
        data = RaiseEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        entry = services.raise_entry(
            request.user, report, category=v["category"], severity=v["severity"], deadline=v["deadline"],
            description=v["description"] or services.problems_in(report), required_measure=v["required_measure"],
            again=v["again"])
        body = LedgerEntryDetailSerializer(entry, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
