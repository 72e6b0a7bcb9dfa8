"""Reporting pages: the Excel batch (template download, upload) and the consolidated-table exports.

Every page takes its assignment, region and day from the query string; an assignment or a region
outside the user's scope is a 404. A bad file or a bad row re-renders the upload page with the
full error table (status 400), never a 500; a user who files for no unit gets 403.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit, exports
from tongxin.core.types import Actor
from tongxin.core.views_base import ScopedExportView, ScopedRegionView, as_scoped_view
from tongxin.core.xlsx import ImportResult
from tongxin.regions.models import Region
from tongxin.reports import excel, queries, services
from tongxin.reports.jobs import UNIT_TABLE
from tongxin.reports.models import Assignment
from tongxin.units import scope

MAX_ERRORS_SHOWN = 500
TEMPLATE = "reports/batch_upload.html"


class BatchUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("填好的 Excel 文件（.xlsx）"))


class BadRequest(Exception):
    """A query parameter the page cannot use; the message says which and why."""


def _day(request: HttpRequest, *, default_today: bool = False) -> dt.date:
    raw = (request.GET.get("day") or "").strip()
    if not raw and default_today:
        return services.local_today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(_("请选择报送日期（格式如 2021-08-02）")) from None


def _query(assignment: Assignment, day: dt.date, region_code: str | None = None) -> str:
    params = {"assignment": assignment.pk, "day": day.isoformat()}
    if region_code:
        params["region"] = region_code
    return urlencode(params)


def _require_filer(user: Actor) -> None:
    s = scope.scope_of(user)
    if not s.prefixes.get(scope.FILE) and not s.units.get(scope.FILE):
        raise PermissionDenied(_("您的角色不能报送报告"))


def _check_day(assignment: Assignment, day: dt.date) -> None:
    if not services.is_due(assignment, day):
        raise BadRequest(_("%(day)s 不在“%(name)s”的报送期内（%(start)s 至 %(end)s）") % {
            "day": day.isoformat(), "name": assignment.name, "start": assignment.start_date,
            "end": assignment.end_date})
    if day > services.local_today():
        raise BadRequest(_("不能提前报送未来日期的报告"))


@as_scoped_view(base=ScopedExportView)
def batch_template(request: HttpRequest) -> HttpResponseBase:
    _require_filer(request.user)
    assignment = excel.get_assignment(request.user, request.GET.get("assignment"))
    region = excel.get_region(request.user, request.GET.get("region"), assignment, mode=scope.FILE)
    try:
        day = _day(request)
        _check_day(assignment, day)
    except BadRequest as exc:
        return BatchUploadView().page(request, assignment=assignment, region=region, problem=str(exc), status=400)
    return excel.template_response(request.user, assignment, region, day)


class BatchUploadView(ScopedRegionView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            _require_filer(request.user)
        return super().dispatch(request, *args, **kwargs)

    def _context(self, request: HttpRequest) -> tuple[Assignment | None, Region | None, dt.date | None, str]:
        raw = request.GET.get("assignment")
        if not raw:
            return None, None, None, ""
        assignment = excel.get_assignment(request.user, raw)
        region = excel.get_region(request.user, request.GET.get("region"), assignment, mode=scope.FILE)
        try:
            day = _day(request)
            _check_day(assignment, day)
        except BadRequest as exc:
            return assignment, region, None, str(exc)
        return assignment, region, day, ""

    def get(self, request: HttpRequest) -> HttpResponse:
        assignment, region, day, problem = self._context(request)
        return self.page(request, assignment=assignment, region=region, day=day, problem=problem,
                         status=400 if problem else 200)

    def post(self, request: HttpRequest) -> HttpResponse:
        assignment, region, day, problem = self._context(request)
        if assignment is None or region is None or day is None or problem:  # all three come with no problem
            return self.page(request, assignment=assignment, region=region, problem=problem or _("请先选择报送任务"),
                             status=400)
        form = BatchUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, assignment=assignment, region=region, day=day, form=form, status=400)
        result = excel.import_batch(request.user, assignment, day, form.cleaned_data["file"])
        if not result.ok:
            return self.page(request, assignment=assignment, region=region, day=day, form=form, result=result,
                             status=400)
        done = _("批量报送完成：新报 %(filed)s 家（其中迟报 %(late)s 家），更正 %(corrected)s 家，"
                 "%(unchanged)s 家数据无变化") % {
            "filed": result.counts["filed"], "late": result.counts["late"], "corrected": result.counts["corrected"],
            "unchanged": result.counts["unchanged"]}
        if result.counts["skipped"]:
            done += _("；%(skipped)s 行留空，今日未报送") % {"skipped": result.counts["skipped"]}
        messages.success(request, done)
        query = _query(assignment, day, request.GET.get("region") or region.code)
        try:
            return redirect(f"{reverse('reports:overview')}?{query}")
        except NoReverseMatch:
            return redirect(f"{reverse('reports:batch-upload')}?{query}")

    def page(self, request: HttpRequest, *, assignment: Assignment | None = None, region: Region | None = None,
             day: dt.date | None = None, form: BatchUploadForm | None = None, result: ImportResult | None = None,
             problem: str = "", status: int = 200) -> HttpResponse:
        errors = result.errors if result else []
        choices = list(queries.visible_assignments(request.user).filter(is_active=True)
                       .order_by("-start_date", "name"))
        picked = assignment or (choices[0] if len(choices) == 1 else None)
        default_day = services.local_today()
        if picked is not None:  # a day the assignment asks for, rather than today long after the response
            default_day = min(max(default_day, picked.start_date), picked.end_date)
        return render(request, TEMPLATE, {
            "assignment": assignment, "picked": picked, "region": region, "day": day, "problem": problem,
            "form": form or BatchUploadForm(), "assignments": choices,
            "can_export": bool(region and scope.scope_of(request.user).covers_region(region.code)),
            "day_value": (day or default_day).isoformat(),
            "query": _query(assignment, day, region.code if region else None) if assignment and day else "",
            "errors": errors[:MAX_ERRORS_SHOWN], "error_count": len(errors),
            "hidden_errors": max(len(errors) - MAX_ERRORS_SHOWN, 0),
        }, status=status)


def _export(request: HttpRequest, fmt: str, kind: str) -> HttpResponseBase:
    if fmt not in ("xlsx", "csv"):
        raise Http404(_("找不到该页面"))
    assignment = excel.get_assignment(request.user, request.GET.get("assignment"))
    region = excel.get_region(request.user, request.GET.get("region"), assignment)
    try:
        day = _day(request, default_today=True)
    except BadRequest as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if kind == "units" and fmt == "xlsx":
        rows = excel.expected_count(request.user, assignment, region, day)
        if exports.is_large(rows):  # written by a background job: the page answers at once
            return _background_export(request, assignment, region, day, rows)
    if kind == "regions":
        table = excel.region_table(assignment, region, day)
    else:
        table = excel.unit_table(request.user, assignment, region, day)
    audit.record(audit.Action.EXPORT, actor=request.user, object_repr=table.filename,
                 changes={"assignment": assignment.pk, "region": region.code, "day": day.isoformat(),
                          "by": kind, "format": fmt})
    return excel.xlsx_response(table) if fmt == "xlsx" else excel.csv_response(table)


def _background_export(request: HttpRequest, assignment: Assignment, region: Region, day: dt.date,
                       rows: int) -> HttpResponse:
    """Start the consolidated table by unit as a background export and send the user to its progress page."""
    filename = _("汇总表-按单位-%(region)s-%(day)s") % {"region": region.name, "day": day.isoformat()}
    with transaction.atomic():
        export = exports.start(request.user, UNIT_TABLE, {
            "assignment": assignment.pk, "region": region.code, "day": day.isoformat()},
            title=_("%(form)s汇总表（按单位）　%(day)s　%(region)s") % {
                "form": assignment.form.name, "day": day.isoformat(), "region": region.full_name()},
            filename=f"{filename}.xlsx", rows=rows)
        audit.record(audit.Action.EXPORT, actor=request.user, object_repr=filename,
                     changes={"assignment": assignment.pk, "region": region.code, "day": day.isoformat(),
                              "by": "units", "format": "xlsx", "rows": rows, "background": export.token})
    return redirect("exports:progress", export.token)


def _shown(value: Any) -> Any:
    """A table cell as the page shows it: numbers with thousands separators, no trailing zeros."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,f}"
    return value


@as_scoped_view(base=ScopedRegionView)
def consolidated_table(request: HttpRequest) -> HttpResponse:
    """The day's consolidated table by region on screen, the same `excel.region_table` the xlsx and
    CSV give (headers saying each column's aggregate), with links to download them."""
    assignment = excel.get_assignment(request.user, request.GET.get("assignment"))
    region = excel.get_region(request.user, request.GET.get("region"), assignment)
    try:
        day = _day(request, default_today=True)
    except BadRequest as exc:
        messages.warning(request, str(exc))
        day = services.local_today()
    table = excel.region_table(assignment, region, day)
    rows = [[_shown(v) for v in r] for r in table.rows]
    return render(request, "reports/consolidated_table.html", {
        "assignment": assignment, "region": region, "day": day, "title": table.title,
        "headers": table.headers, "rows": rows[:-1], "total": rows[-1] if rows else [],
        "query": _query(assignment, day, region.code),
        "overview_query": _query(assignment, day, region.code),
    })


@as_scoped_view(base=ScopedExportView)
def export_regions(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return _export(request, fmt, "regions")


@as_scoped_view(base=ScopedExportView)
def export_units(request: HttpRequest, fmt: str) -> HttpResponseBase:
    return _export(request, fmt, "units")


urlpatterns = [
    path("batch/", BatchUploadView.as_view(), name="batch-upload"),
    path("batch/template.xlsx", batch_template, name="batch-template"),
    path("table/", consolidated_table, name="table"),
    path("export/regions.<str:fmt>", export_regions, name="export-regions"),
    path("export/units.<str:fmt>", export_units, name="export-units"),
]
