"""Mobilization API: the records part — service records (list, read, finalise, correct), activity
reports (list, read, file) and certificates (list, read, issue, PDF). Every write goes through
`services.records`; errors come back field by field. Certificates name the person in full, so they
are listed only to those who may file for the organisation (scope FILE)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tongxin.core.api import BAD_INPUT, FORBIDDEN, NOT_FOUND, JSONParser
from tongxin.core.views_base import FILE, ScopedReadOnlyModelViewSet
from tongxin.mobilization.models import ActivityReport, Certificate, Person, ServiceRecord
from tongxin.mobilization.models.people import TEXT_MAX
from tongxin.mobilization.services import records as services
from tongxin.units import scope
from tongxin.units.models import Unit


class ServiceRecordSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reviewed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username",
                                                                                  read_only=True, allow_null=True)

    class Meta:
        model = ServiceRecord
        fields = ["id", "person", "person_name", "unit", "unit_name", "activity", "day", "place", "content", "hours",
                  "person_in_charge", "attendance", "status", "status_display", "due_by",
                  "reviewed_by", "reviewed_at", "late_reason", "corrects", "correction_reason", "created_at"]
        read_only_fields = fields


class FinaliseSerializer(serializers.Serializer):
    late_reason = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="",
                                        help_text=gettext_lazy("超过活动后 10 个工作日的确认期限时必填"))


class CorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True, default=None)
    content = serializers.CharField(max_length=TEXT_MAX, required=False, allow_null=True, default=None)
    day = serializers.DateField(required=False, allow_null=True, default=None)


class ServiceRecordViewSet(ScopedReadOnlyModelViewSet):
    """服务记录 the caller sees. `status=draft` lists those still to confirm."""

    queryset = ServiceRecord.objects.select_related("person", "unit", "reviewed_by")
    serializer_class = ServiceRecordSerializer
    filterset_fields = ["status", "person", "unit", "day"]

    @extend_schema(request=FinaliseSerializer,
                   responses={200: ServiceRecordSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def finalise(self, request: Request, pk: str | None = None) -> Response:
        """Confirm a draft (after its 10-working-day window only with `late_reason`)."""
        record = self.get_object()
        data = FinaliseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.finalise(request.user, record, late_reason=data.validated_data["late_reason"])
        return Response(ServiceRecordSerializer(record, context=self.get_serializer_context()).data)

    @extend_schema(request=CorrectSerializer,
                   responses={201: ServiceRecordSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """Correct by a new record (returned); the old one turns superseded and stays."""
        record = self.get_object()
        data = CorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.correct(request.user, record, **data.validated_data)
        return Response(ServiceRecordSerializer(new, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class ActivityReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    people = serializers.IntegerField(read_only=True)
    attachments: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(many=True,
                                                                                             read_only=True)

    class Meta:
        model = ActivityReport
        fields = ["id", "unit", "unit_name", "day", "title", "place", "content", "social_workers", "volunteers",
                  "others", "people", "quantity", "measure", "person_in_charge", "attachments", "created_at"]
        read_only_fields = fields


class ActivityReportInSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**53)
    day = serializers.DateField()
    title = serializers.CharField(max_length=100)
    content = serializers.CharField(max_length=5000)
    place = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    social_workers = serializers.IntegerField(required=False, default=0)
    volunteers = serializers.IntegerField(required=False, default=0)
    others = serializers.IntegerField(required=False, default=0)
    quantity = serializers.IntegerField(required=False, allow_null=True, default=None)
    measure = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    person_in_charge = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  help_text=gettext_lazy("照片（multipart）"))


class ActivityReportViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """活动报告: an organisation's work outside posts (people by kind, what they did, photos)."""

    queryset = ActivityReport.objects.select_related("unit").prefetch_related("attachments")
    serializer_class = ActivityReportSerializer
    parser_classes = [JSONParser, parsers.MultiPartParser, parsers.FormParser]
    filterset_fields = ["unit", "day"]

    @extend_schema(request={"application/json": ActivityReportInSerializer,
                            "multipart/form-data": ActivityReportInSerializer},
                   responses={201: ActivityReportSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ActivityReportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit = scope.get_visible(Unit.objects.all(), request.user, scope.READ, pk=values.pop("unit"))
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        values.pop("files", None)
        report = services.file_activity_report(request.user, unit, files=files, **values)
        return Response(ActivityReportSerializer(report, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class CertificateSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "code", "person", "person_name", "unit", "unit_name", "period_from", "period_until", "hours",
                  "records", "issued_at", "revoked", "revoked_at", "revoke_reason"]
        read_only_fields = fields

    def get_revoked(self, cert: Certificate) -> bool:
        return cert.revoked_at is not None


class IssueSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, max_value=2**53)
    period_from = serializers.DateField()
    period_until = serializers.DateField()


class CertificateViewSet(mixins.CreateModelMixin, ScopedReadOnlyModelViewSet):
    """服务记录证明 of the organisations the caller files for."""

    scope_mode = FILE
    queryset = Certificate.objects.select_related("person", "unit").prefetch_related("records")
    serializer_class = CertificateSerializer
    filterset_fields = ["person", "unit"]

    @extend_schema(request=IssueSerializer,
                   responses={201: CertificateSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = scope.get_visible(Person.objects.all(), request.user, scope.READ, pk=data.validated_data["person"])
        cert = services.issue_certificate(request.user, person, period_from=data.validated_data["period_from"],
                                          period_until=data.validated_data["period_until"])
        return Response(CertificateSerializer(cert, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], filter_backends=[])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The certificate as a PDF."""
        cert = self.get_object()
        response = HttpResponse(services.certificate_pdf(cert),
                                content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
        return response


def register(router) -> None:
    """Add this part's viewsets to the project's API router."""
    router.register("mobilization/records", ServiceRecordViewSet, basename="mobilization-record")
    router.register("mobilization/activity-reports", ActivityReportViewSet, basename="mobilization-activity")
    router.register("mobilization/certificates", CertificateViewSet, basename="mobilization-certificate")
