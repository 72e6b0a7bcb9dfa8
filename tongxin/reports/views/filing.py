"""Reporting pages: filing — what a unit's clerk does every morning from a phone.

- `reports:today` (今日报送): every unit the user files for, each report due today (or on the last
  day of a period that has ended) with its status and the last 7 days; a bureau officer, who may
  file for hundreds of units, gets a search box instead of the whole list.
- `reports:file`: the form generated from the form version in force, pre-filled with the carried
  figures of the previous report, with the one-click zero report.
- `reports:detail` / `reports:correct`: one report, its revisions, and a correction.

Guarantees: every page needs a login; units and reports are looked up through the user's scope
(outside it: 404, also for a bad date in the URL); every write goes through
`services.submit_report` / `services.correct_report`; bad input comes back as messages under
the fields, never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.errors import Conflict
from tongxin.core.types import Actor
from tongxin.core.views_base import ScopedUpdateView, ScopedView
from tongxin.reports import services
from tongxin.reports.definition import clean_values, label, unit_label
from tongxin.reports.forms import REASON, ZERO, CorrectionForm, ReportForm, display
from tongxin.reports.models import Assignment, Report
from tongxin.reports.queries import visible_assignments
from tongxin.reports.views.ledger import RaiseEntryForm, raise_context
from tongxin.units import scope
from tongxin.units.models import Kind, Unit

HISTORY_DAYS = 7
SEARCH_LIMIT = 20
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- reads ---------------------------------------------------------------------------------------

@dataclass
class DayStatus:
    """One day of one assignment for one unit: due or not, and the report if filed."""

    day: dt.date
    due: bool
    report: Report | None = None
    url: str = ""  # the report, or the form to file it

    @property
    def code(self) -> str:
        if not self.due:
            return "none"
        if self.report is None:
            return "missing"
        if self.report.is_zero:
            return "zero"
        return "late" if self.report.is_late else "filed"

    @property
    def label(self) -> str:
        return {"none": _("无需报送"), "missing": _("未报"), "zero": _("零报告"), "late": _("迟报"),
                "filed": _("已报")}[self.code]


@dataclass
class Task:
    assignment: Assignment
    unit: Unit
    status: DayStatus
    deadline: dt.datetime
    ended: bool
    history: list[DayStatus] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.status.report is None and timezone.now() > self.deadline


def file_url(assignment: Assignment, unit: Unit, day: dt.date) -> str:
    return f"{reverse('reports:file', args=[assignment.pk, day.isoformat()])}?unit={unit.pk}"


def parse_day(text: str) -> dt.date:
    """A YYYY-MM-DD date from the URL, or 404."""
    if not DATE_RE.fullmatch(text):
        raise Http404(_("日期格式不正确"))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404(_("日期格式不正确")) from None


def filing_units(user: Actor) -> QuerySet[Unit]:
    """Active units (not bureaus) the user may file for."""
    return scope.restrict(Unit.objects.filter(is_active=True).exclude(kind=Kind.BUREAU).select_related("region"),
                          user, mode=scope.FILE)


def unit_to_file_for(user: Actor, unit_id: str) -> Unit:
    """The unit named in ?unit=: 404 outside the scope, 403 where the user may only read it."""
    unit = scope.get_visible(Unit.objects.select_related("region"), user, pk=unit_id)
    if not scope.scope_of(user).covers(unit, mode=scope.FILE):
        raise PermissionDenied(_("您的角色不能为该单位报送"))
    return unit


def assignments_for(user: Actor, unit: Unit) -> list[Assignment]:
    """Active assignments the user sees that expect `unit`, newest period first (one query)."""
    candidates = visible_assignments(user).filter(is_active=True).order_by("-end_date", "name")
    return [a for a in candidates if services.expects(a, unit)]


def target_day(assignment: Assignment, today: dt.date) -> dt.date:
    """Today, or the last day of a period that has ended."""
    return min(today, assignment.end_date)


def tasks_for(user: Actor, unit: Unit, today: dt.date) -> list[Task]:
    """What `unit` owes today, each with the last HISTORY_DAYS days, in one read of reports."""
    plans = []
    for a in assignments_for(user, unit):
        day = target_day(a, today)
        if services.is_due(a, day):
            plans.append((a, day))
    if not plans:
        return []
    first = min(day for _a, day in plans) - dt.timedelta(days=HISTORY_DAYS - 1)
    last = max(day for _a, day in plans)
    reports = {(r.assignment_id, r.day): r for r in scope.restrict(
        Report.objects.filter(unit=unit, assignment__in=[a for a, _d in plans], day__range=(first, last)), user)}
    tasks = []
    for a, day in plans:
        history = []
        for offset in range(HISTORY_DAYS - 1, -1, -1):
            d = day - dt.timedelta(days=offset)
            status = DayStatus(d, services.is_due(a, d), reports.get((a.pk, d)))
            if status.report is not None:
                status.url = reverse("reports:detail", args=[status.report.pk])
            elif status.due:
                status.url = file_url(a, unit, d)
            history.append(status)
        tasks.append(Task(a, unit, history[-1], services.deadline_of(a, day), ended=day < today, history=history))
    tasks.sort(key=lambda t: t.ended)
    return tasks


def overview_url() -> str | None:
    try:
        return reverse("reports:overview")
    except NoReverseMatch:
        return None


def deadline_text(deadline: dt.datetime, today: dt.date) -> str:
    local = timezone.localtime(deadline)
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")


# --- 今日报送 ------------------------------------------------------------------------------------

class TodayView(ScopedView):
    template_name = "reports/filing_today.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        today = timezone.localdate()
        s = scope.scope_of(user)
        is_officer = bool(s.prefixes.get(scope.FILE))
        selected = None
        if request.GET.get("unit"):
            selected = unit_to_file_for(user, request.GET["unit"])
            units = [selected]
        else:
            units = list(filing_units(user).filter(pk__in=s.units.get(scope.FILE, ())).order_by("name"))
        cards = [{"unit": u, "tasks": tasks_for(user, u, today)} for u in units]
        q = request.GET.get("q", "").strip()[:50]
        results = None
        if is_officer and q:
            results = list(filing_units(user).filter(Q(name__icontains=q) | Q(region__name__icontains=q))
                           .order_by("region_id", "name")[:SEARCH_LIMIT])
        return render(request, self.template_name, {
            "today": today, "cards": cards, "selected": selected, "is_officer": is_officer, "q": q,
            "results": results, "search_limit": SEARCH_LIMIT, "overview_url": overview_url(),
            "covered_count": filing_units(user).count() if is_officer else 0,
        })


# --- the form ------------------------------------------------------------------------------------

def why_not_due(assignment: Assignment, day: dt.date, today: dt.date) -> str | None:
    """Why no report can be filed for `day`, in words; None when it can."""
    if not (assignment.start_date <= day <= assignment.end_date):
        return _("%(day)s 不在报送期内（%(start)s 至 %(end)s）") % {
            "day": day, "start": assignment.start_date, "end": assignment.end_date}
    if not services.is_due(assignment, day):
        return _("该任务每周报送一次，%(day)s 无需报送") % {"day": day}
    if day > today:
        return _("不能提前报送未来日期的报告")
    return None


def zero_summary(definition: dict) -> dict:
    """What the zero-report button fills in, for its one-line explanation."""
    carried = [label(f) for f in definition["fields"] if f.get("carry")]
    return {"carried": "、".join(carried[:2]), "carried_count": len(carried),
            "needs_previous": any(f.get("carry") and f.get("required") for f in definition["fields"])}


class FileView(ScopedView):
    template_name = "reports/filing_form.html"

    def setup_filing(self, request: HttpRequest, assignment_id: int, day: str) -> Assignment | None:
        user = request.user
        self.day = parse_day(day)
        unit_id = request.GET.get("unit")
        if unit_id:
            self.unit = unit_to_file_for(user, unit_id)
        else:
            own = list(filing_units(user).filter(pk__in=scope.scope_of(user).units.get(scope.FILE, ()))[:2])
            if len(own) != 1:
                return None
            self.unit = own[0]
        matches = [a for a in assignments_for(user, self.unit) if a.pk == assignment_id]
        if not matches:
            raise Http404(_("找不到该报送任务，或您无权查看"))
        self.assignment = matches[0]
        version = self.assignment.form.latest_version()
        assert version is not None, "define_form always creates version 1"
        self.version = version
        self.today = timezone.localdate()
        return self.assignment

    def existing(self, request: HttpRequest) -> Report | None:
        return scope.restrict(Report.objects.filter(assignment=self.assignment, unit=self.unit, day=self.day),
                              request.user).first()

    def already_filed(self, request: HttpRequest, report: Report) -> HttpResponse:
        messages.info(request, _("该单位当日已报送，无需重复报送；如需更正，请点“更正数据”并说明原因。"))
        return redirect("reports:detail", pk=report.pk)

    def blocked(self, request: HttpRequest, reason: str, status: int) -> HttpResponse:
        return render(request, "reports/filing_closed.html", {
            "assignment": self.assignment, "unit": self.unit, "day": self.day, "reason": reason}, status=status)

    def blank_form(self) -> ReportForm:
        """Empty, except the carried figures of the previous report."""
        previous = services.previous_values(self.assignment, self.unit, self.day) or {}
        carried = {f["key"]: previous.get(f["key"]) for f in self.version.fields if f.get("carry")}
        return ReportForm(self.version.definition, initial_values=carried)

    def render_form(self, request: HttpRequest, form: ReportForm, status: int = 200,
                    errors: list[str] | None = None) -> HttpResponse:
        deadline = services.deadline_of(self.assignment, self.day)
        previous = services.previous_values(self.assignment, self.unit, self.day)
        return render(request, self.template_name, {
            "assignment": self.assignment, "unit": self.unit, "day": self.day, "version": self.version,
            "form": form, "rows": form.rows(), "is_today": self.day == self.today,
            "top_errors": [*(errors or []), *(form.non_field_errors() if form.is_bound else [])],
            "error_fields": [form[k] for k in form.specs if form.is_bound and form[k].errors],
            "late": timezone.now() > deadline, "deadline": deadline_text(deadline, self.today),
            "zero": zero_summary(self.version.definition), "has_previous": previous is not None,
        }, status=status)

    def get(self, request: HttpRequest, assignment_id: int, day: str) -> HttpResponse:
        if self.setup_filing(request, assignment_id, day) is None:
            messages.info(request, _("请先选择要报送的单位"))
            return redirect("reports:today")
        report = self.existing(request)
        if report is not None:
            return self.already_filed(request, report)
        reason = why_not_due(self.assignment, self.day, self.today)
        if reason:
            return self.blocked(request, reason, status=200)
        return self.render_form(request, self.blank_form())

    def post(self, request: HttpRequest, assignment_id: int, day: str) -> HttpResponse:
        if self.setup_filing(request, assignment_id, day) is None:
            raise Http404(_("请先选择要报送的单位"))
        report = self.existing(request)
        if report is not None:
            return self.already_filed(request, report)
        reason = why_not_due(self.assignment, self.day, self.today)
        if reason:
            return self.blocked(request, reason, status=400)
        zero = ZERO in request.POST
        form = ReportForm(self.version.definition, None if zero else request.POST)
        values = form.raw_values() if not zero and form.is_valid() else {}
        try:
            filing = services.submit_report(request.user, assignment=self.assignment, unit=self.unit, day=self.day,
                                            values=values, zero=zero, source=Report.Source.WEB)
        except ValidationError as exc:
            report = self.existing(request)
            if report is not None:  # someone else filed it meanwhile
                return self.already_filed(request, report)
            if zero:  # the zero report's problems are about carried figures the clerk did not type
                problems = exc.message_dict.get("__all__") or exc.messages
                return self.render_form(request, self.blank_form(), status=400, errors=problems)
            form.add_service_errors(exc)
            return self.render_form(request, form, status=400)
        report = filing.report
        if report.is_late:
            messages.warning(request, _("已报送，但已过截止时间，本次报送标记为迟报。"))
        elif zero:
            messages.success(request, _("零报告已提交。"))
        else:
            messages.success(request, _("已报送，谢谢！"))
        return redirect("reports:detail", pk=report.pk)


# --- one report ------------------------------------------------------------------------------

REPORT_QUERYSET = Report.objects.select_related("unit__region", "assignment", "form_version__form")


def revision_rows(report: Report) -> list[dict]:
    """Each revision with the labels of the fields it changed from the one before."""
    fields = {f["key"]: f for f in report.form_version.fields}
    rows, before = [], None
    for rev in report.revisions.select_related("filed_by").order_by("number"):
        changed: list[dict[str, Any]] = [] if before is None else [
            {"label": label(fields[k]) if k in fields else k,
             "old": display(fields.get(k, {"type": "text"}), before.get(k)),
             "new": display(fields.get(k, {"type": "text"}), rev.values.get(k))}
            for k in dict.fromkeys([*before, *rev.values]) if before.get(k) != rev.values.get(k)]
        rows.append({"revision": rev, "changed": changed})
        before = rev.values
    return rows


def render_report(request: HttpRequest, report: Report, form: CorrectionForm | None = None, status: int = 200,
                  raise_form: RaiseEntryForm | None = None) -> HttpResponse:
    user = request.user
    can_correct = scope.scope_of(user).covers(report.unit, mode=scope.FILE)
    if form is None and can_correct:
        form = CorrectionForm(report.form_version.definition, initial_values=report.values)
    deadline = services.deadline_of(report.assignment, report.day)
    return render(request, "reports/report_detail.html", {
        "report": report, "can_correct": can_correct, "form": form,
        "rows": form.rows() if form is not None else [], "correcting": status != 200 and raise_form is None,
        "reason_field": form[REASON] if form is not None else None,
        "values": [{"label": label(f), "value": display(f, report.values.get(f["key"])), "unit": unit_label(f),
                    "type": f["type"]} for f in report.form_version.fields],
        "revisions": revision_rows(report), "deadline": deadline_text(deadline, report.day),
        **raise_context(user, report, raise_form),
    }, status=status)


class ReportDetailView(ScopedView):
    queryset = REPORT_QUERYSET

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_report(request, self.get_object())


class CorrectView(ScopedUpdateView):
    queryset = REPORT_QUERYSET
    write_mode = scope.FILE
    refusal = gettext_lazy("您的角色不能更正该单位的报告")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.get_object()
        definition = report.form_version.definition
        form = CorrectionForm(definition, request.POST)
        if not form.is_valid():
            return render_report(request, report, form, status=400)
        clean, problems = clean_values(definition, form.raw_values())
        if not problems and clean == report.values:
            form.add_error(None, _("数据与当前版本相同，无需更正"))
            return render_report(request, report, form, status=400)
        seen = request.POST.get("expected_revision", "")
        try:
            filing = services.correct_report(request.user, report, values=form.raw_values(), reason=form.reason,
                                             source=Report.Source.WEB,
                                             expected_revision=int(seen) if seen.isdigit() else None)
        except ValidationError as exc:
            form.add_service_errors(exc)
            return render_report(request, report, form, status=400)
        except Conflict as exc:  # corrected by someone else since this page was shown: show the latest
            form.add_error(None, str(exc))
            return render_report(request, self.get_object(), form, status=409)
        messages.success(request, _("已更正，当前为第 %(n)s 版。") % {"n": filing.revision.number})
        return redirect("reports:detail", pk=report.pk)


urlpatterns = [
    path("", TodayView.as_view(), name="today"),
    path("file/<int:assignment_id>/<str:day>/", FileView.as_view(), name="file"),
    path("report/<int:pk>/", ReportDetailView.as_view(), name="detail"),
    path("report/<int:pk>/correct/", CorrectView.as_view(), name="correct"),
]
