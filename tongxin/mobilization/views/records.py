"""Mobilization: the pages of the records part.

- 服务记录审核: the DRAFT records the user may confirm, due soonest first, overdue flagged; one by
  one or ticked together (all or nothing);
- a record with its correction history and the correction form (a reason is required);
- activity reports: list, the (phone-first) form with photos, one report;
- certificates: list, issue, one certificate, its PDF (the organisation's staff and the bureaus
  above that may file for it), revoke;
- the PUBLIC verification page (no login): only the masked name, hours, organisation and period.

Every write goes through `services.records`; refused input re-shows the page with the service's
words (400) and saves nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.validators import parse_id, typed_code
from tongxin.core.views_base import FILE, ScopedView, as_scoped_view, scoped
from tongxin.mobilization.forms.records import (
    ActivityReportForm,
    CertificateForm,
    CorrectForm,
    FinaliseForm,
    RevokeForm,
    VerifyForm,
)
from tongxin.mobilization.models import ActivityReport, Certificate, Person, RecordStatus, ServiceRecord
from tongxin.mobilization.queries import records as queries
from tongxin.mobilization.services import records as services
from tongxin.units import scope
from tongxin.units.models import Category, Unit

PAGE_SIZE = 30
MAX_BULK = 200


def _add_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _may_file(request: HttpRequest, unit: Unit) -> bool:
    return scope.scope_of(request.user).covers(unit, mode=scope.FILE)


# --- review ----------------------------------------------------------------------------------------

@as_scoped_view(methods=("get", "post"))
def record_review(request: HttpRequest) -> HttpResponse:
    """GET: the records to confirm. POST: confirm the ticked ones (`ids`), all or none."""
    error: list[str] = []
    status = 200
    if request.method == "POST":
        ids = [i for i in map(parse_id, request.POST.getlist("ids")) if i is not None][:MAX_BULK]
        reason = request.POST.get("late_reason", "")
        records = list(scoped(ServiceRecord.objects.filter(pk__in=ids), request.user, FILE))
        if not records:
            error = [_("请勾选要确认的记录")]
        else:
            try:
                with transaction.atomic():
                    for r in records:
                        services.finalise(request.user, r, late_reason=reason)
            except ValidationError as exc:
                error = [f"{r.person.name} {r.day}：{m}" for m in exc.messages]
            else:
                messages.success(request, _("已确认 %(n)s 条服务记录") % {"n": len(records)})
                return redirect("mobilization:records")
        status = 400
    page = Paginator(queries.to_review(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mobilization/servicerecord_review.html",
                  {"page_obj": page, "error": error, "today": timezone.localdate()}, status=status)


class RecordView(ScopedView):
    queryset = ServiceRecord.objects.select_related("person", "unit", "reviewed_by", "created_by", "attendance")


def _record_page(request: HttpRequest, record: ServiceRecord, *, correct_form: CorrectForm | None = None,
                 finalise_form: FinaliseForm | None = None, status: int = 200) -> HttpResponse:
    may_file = _may_file(request, record.unit) and record.status != RecordStatus.SUPERSEDED
    return render(request, "mobilization/servicerecord_detail.html", {
        "record": record, "history": queries.history(record), "may_file": may_file,
        "late": services.is_late(record), "totals": queries.totals_of(record.person),
        "correct_form": correct_form or CorrectForm(initial={"hours": record.hours, "content": record.content,
                                                             "day": record.day}),
        "finalise_form": finalise_form or FinaliseForm(),
    }, status=status)


class RecordDetailView(RecordView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _record_page(request, self.get_object())


class RecordFinaliseView(RecordView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_object()
        form = FinaliseForm(request.POST)
        if form.is_valid():
            try:
                services.finalise(request.user, record, late_reason=form.cleaned_data["late_reason"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("服务记录已确认"))
                if request.POST.get("next") == "list":
                    return redirect("mobilization:records")
                return redirect("mobilization:record-detail", pk=record.pk)
        return _record_page(request, record, finalise_form=form, status=400)


class RecordCorrectView(RecordView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_object()
        form = CorrectForm(request.POST)
        if form.is_valid():
            try:
                new = services.correct(request.user, record, **form.service_values())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已更正，原记录保留在更正记录中"))
                return redirect("mobilization:record-detail", pk=new.pk)
        return _record_page(request, record, correct_form=form, status=400)


# --- activity reports ------------------------------------------------------------------------------

def _report_units(request: HttpRequest) -> Any:
    """The social organisations the user may file for."""
    return scoped(Unit.objects.filter(category=Category.SOCIAL_ORG, is_active=True), request.user, FILE
                  ).order_by("name")


@as_scoped_view
def activity_list(request: HttpRequest) -> HttpResponse:
    qs = scoped(ActivityReport.objects.select_related("unit"), request.user, scope.READ)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mobilization/activityreport_list.html",
                  {"page_obj": page, "can_file": _report_units(request).exists()})


@as_scoped_view(methods=("get", "post"))
def activity_create(request: HttpRequest) -> HttpResponse:
    units = _report_units(request)
    if not units.exists():
        raise PermissionDenied(_("只有社会组织的工作人员可以填报活动报告"))
    if request.method == "GET":
        form = ActivityReportForm(units=units, initial={"day": timezone.localdate()})
        return render(request, "mobilization/activityreport_form.html", {"form": form})
    form = ActivityReportForm(request.POST, units=units)
    if form.is_valid():
        try:
            report = services.file_activity_report(request.user, form.cleaned_data["unit"],
                                                   files=request.FILES.getlist("files"), **form.service_values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("活动报告已提交"))
            return redirect("mobilization:activity-detail", pk=report.pk)
    return render(request, "mobilization/activityreport_form.html", {"form": form}, status=400)


class ActivityDetailView(ScopedView):
    queryset = ActivityReport.objects.select_related("unit", "created_by")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.get_object()
        return render(request, "mobilization/activityreport_detail.html",
                      {"report": report, "photos": report.attachments.all()})


# --- certificates ----------------------------------------------------------------------------------

def _people(request: HttpRequest) -> Any:
    return scoped(Person.objects.filter(unit__isnull=False, merged_into__isnull=True), request.user, FILE
                  ).select_related("unit").order_by("unit__name", "name")


@as_scoped_view
def certificate_list(request: HttpRequest) -> HttpResponse:
    qs = scoped(Certificate.objects.select_related("person", "unit"), request.user, FILE)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mobilization/certificate_list.html",
                  {"page_obj": page, "can_issue": _people(request).exists()})


@as_scoped_view(methods=("get", "post"))
def certificate_create(request: HttpRequest) -> HttpResponse:
    people = _people(request)
    if request.method == "GET":
        initial: dict[str, Any] = {}
        person = parse_id(request.GET.get("person", ""))
        if person is not None:
            initial["person"] = person
        form = CertificateForm(people=people, initial=initial)
        return render(request, "mobilization/certificate_form.html", {"form": form})
    form = CertificateForm(request.POST, people=people)
    if form.is_valid():
        d = form.cleaned_data
        try:
            cert = services.issue_certificate(request.user, d["person"], period_from=d["period_from"],
                                              period_until=d["period_until"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已出具服务记录证明"))
            return redirect("mobilization:certificate-detail", pk=cert.pk)
    return render(request, "mobilization/certificate_form.html", {"form": form}, status=400)


class CertificateView(ScopedView):
    """Certificates carry the full name: only those who may file for the organisation reach them."""

    scope_mode = FILE
    queryset = Certificate.objects.select_related("person", "unit", "issued_by")


def _certificate_page(request: HttpRequest, cert: Certificate, *, revoke_form: RevokeForm | None = None,
                      status: int = 200) -> HttpResponse:
    return render(request, "mobilization/certificate_detail.html", {
        "cert": cert, "code": services.grouped(cert.code), "records": cert.records.order_by("day", "id"),
        "verify_url": request.build_absolute_uri(services.verify_url(cert)),
        "revoke_form": revoke_form or RevokeForm()}, status=status)


class CertificateDetailView(CertificateView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _certificate_page(request, self.get_object())


class CertificatePdfView(CertificateView):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        cert = self.get_object()
        pdf = services.certificate_pdf(cert)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
        return response


class CertificateRevokeView(CertificateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        cert = self.get_object()
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                services.revoke(request.user, cert, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("证明已作废"))
                return redirect("mobilization:certificate-detail", pk=cert.pk)
        return _certificate_page(request, cert, revoke_form=form, status=400)


# --- the public verification page ------------------------------------------------------------------

def _verify_page(request: HttpRequest, code: str = "") -> HttpResponse:
    form = VerifyForm(initial={"code": code}) if code else VerifyForm()
    context: dict[str, Any] = {"form": form, "asked": bool(code)}
    if code:
        cert = queries.verify(code)
        if cert is not None:
            context.update({
                "cert": cert, "name": queries.mask_name(cert.person.name), "code": services.grouped(cert.code),
                "organisation": cert.unit.name})
    return render(request, "mobilization/certificate_verify.html", context)


def _verify(request: HttpRequest) -> HttpResponse:
    """The form; `?code=` (what the form sends) goes to the code's own address."""
    raw = typed_code(request.GET.get("code", ""))
    if raw:
        return redirect("mobilization:verify-code", code=raw)
    return _verify_page(request)


def _verify_code(request: HttpRequest, code: str) -> HttpResponse:
    return _verify_page(request, code)


# Public (no login). They inherit the scoped base like every page, but look a certificate up by its
# code alone, on purpose, and show nothing the public may not see.
verify = login_not_required(as_scoped_view(_verify))
verify_code = login_not_required(as_scoped_view(_verify_code))


urlpatterns: list = [
    path("records/", record_review, name="records"),
    path("records/<int:pk>/", RecordDetailView.as_view(), name="record-detail"),
    path("records/<int:pk>/finalise/", RecordFinaliseView.as_view(), name="record-finalise"),
    path("records/<int:pk>/correct/", RecordCorrectView.as_view(), name="record-correct"),
    path("activities/", activity_list, name="activities"),
    path("activities/new/", activity_create, name="activity-create"),
    path("activities/<int:pk>/", ActivityDetailView.as_view(), name="activity-detail"),
    path("certificates/", certificate_list, name="certificates"),
    path("certificates/new/", certificate_create, name="certificate-create"),
    path("certificates/<int:pk>/", CertificateDetailView.as_view(), name="certificate-detail"),
    path("certificates/<int:pk>/pdf/", CertificatePdfView.as_view(), name="certificate-pdf"),
    path("certificates/<int:pk>/revoke/", CertificateRevokeView.as_view(), name="certificate-revoke"),
    path("verify/", verify, name="verify"),
    path("verify/<str:code>/", verify_code, name="verify-code"),
]
