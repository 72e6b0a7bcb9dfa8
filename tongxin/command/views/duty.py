"""Pages of duty rosters (值班表) and check-in (到岗签到).

- `duty-board`: today's board for the user's subtree — who is on duty where now and today, by
  region, filterable by region (the one resolver), paginated; phones through `{% personal %}`;
  while a response is in force, a shift of a unit below that started more than the set minutes
  ago without a check-in is marked 未到岗 for the level above (never counted or ranked).
- `duty-mine` / `duty-check-in`: the user's own shifts today with one big 签到 button; outside a
  response the page says check-in is off and offers nothing.
- `duty-roster`: a unit's week as a grid (a day per card on a phone), saved through
  `services.duty.set_roster`; `duty-rosters` picks the unit.
- `duty-import` / `duty-import-template`: the Excel upload through the shared pipeline
  (preview, then confirm; all or nothing).
Everything is looked up in the user's scope (404 outside it); refusals re-show the page with the
service's words (400/403), never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.command import excel_duty
from tongxin.command.forms.duty import DutyImportForm, WeekGrid
from tongxin.command.models import DutyShift
from tongxin.command.queries import duty as queries
from tongxin.command.services import duty as services
from tongxin.core.views_base import ScopedCreateView, ScopedExportView, ScopedUpdateView, ScopedView, as_scoped_view
from tongxin.core.xlsx import ImportResult, staging
from tongxin.regions.models import Region
from tongxin.units import scope
from tongxin.units.models import Unit
from tongxin.units.personal import may_see_personal

PAGE_SIZE = 30
SESSION_KEY = "duty_import_staged"


def _week(raw: str | None, today: dt.date) -> dt.date:
    """The first day of the 7 shown: the day `raw` names (YYYY-MM-DD; a rota may run Sunday to
    Saturday, as the story's does), else the Monday of `today`'s week."""
    try:
        day = dt.date.fromisoformat(str(raw or ""))
    except ValueError:
        return services.week_of(today)[0]
    return day if services.FIRST_DAY <= day <= services.LAST_DAY else services.week_of(today)[0]


# --- today's board -------------------------------------------------------------------------------

def grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of one page by region (the unit's), then by unit, in board order."""
    groups: list[dict[str, Any]] = []
    for r in rows:
        unit = r["shift"].unit
        if not groups or groups[-1]["region"].code != unit.region_id:
            groups.append({"region": unit.region, "units": []})
        units = groups[-1]["units"]
        if not units or units[-1]["unit"].pk != unit.pk:
            units.append({"unit": unit, "rows": []})
        units[-1]["rows"].append(r)
    return groups


@as_scoped_view
def board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    problem = ""
    region: Region | None = None
    try:
        region = queries_region(request)
    except scope.RegionCodeError as exc:
        problem = str(exc)
    page = Paginator(queries.board_shifts(request.user, now=now, region=region), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = queries.board_rows(request.user, list(page), now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "command/duty_board.html", {
        "groups": grouped(rows), "page_obj": page, "today": timezone.localdate(now), "now": now,
        "region": region, "region_value": request.GET.get("region", ""), "problem": problem,
        "query_string": query.urlencode(), "show_region": bool(scope.top_regions(request.user)),
        "missed_minutes": int(services.missed_after().total_seconds() // 60),
        "can_roster": queries.roster_units(request.user).exists(),
    }, status=400 if problem else 200)


def queries_region(request: HttpRequest) -> Region | None:
    """The board's region filter (a code, name or pinyin) in the user's sight, or None."""
    raw = (request.GET.get("region") or "").strip()
    return scope.resolve_region_filter(request.user, raw, own_units=True) if raw else None


# --- my shifts and the check-in ------------------------------------------------------------------

def _mine(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    now = timezone.now()
    tracking = queries.Tracking(now)
    shifts = []
    for s in queries.my_shifts(request.user, now=now):
        opens, closes = services.window(s)
        shifts.append({"shift": s, "checked_in": getattr(s, "check_in", None), "tracking": tracking(s.unit),
                       "open": opens <= now < closes, "opens": opens, "ended": now >= closes})
    return render(request, "command/duty_mine.html", {
        "shifts": shifts, "error": error, "now": now, "today": timezone.localdate(now),
        "any_tracking": any(s["tracking"] for s in shifts)}, status=status)


@as_scoped_view
def mine(request: HttpRequest) -> HttpResponse:
    return _mine(request)


class CheckInView(ScopedView):
    """POST: the signed-in person checks in for a shift of theirs (a shift outside their sight: 404)."""

    http_method_names = ["post"]
    queryset = DutyShift.objects.select_related("unit__region", "user")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        shift = self.get_object()
        try:
            result = services.check_in(request.user, shift)
        except PermissionDenied as exc:
            return _mine(request, error=str(exc), status=403)
        except ValidationError as exc:
            return _mine(request, error="；".join(exc.messages), status=400)
        if result.created:
            messages.success(request, _("已签到：%(unit)s %(time)s") % {
                "unit": shift.unit.name, "time": f"{timezone.localtime(result.check_in.at):%H:%M}"})
        else:
            messages.info(request, _("您已于 %(time)s 签到，无需重复签到") % {
                "time": f"{timezone.localtime(result.check_in.at):%H:%M}"})
        return redirect("command:duty-mine")


# --- a unit's week -------------------------------------------------------------------------------

@as_scoped_view
def rosters(request: HttpRequest) -> HttpResponse:
    """Pick the unit whose week to keep: the units the user may keep rosters for, searchable."""
    units = queries.roster_units(request.user).select_related("region").order_by("region_id", "name")
    q = (request.GET.get("q") or "").strip()[:50]
    if q:
        units = units.filter(name__icontains=q)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "command/duty_rosters.html", {"page_obj": page, "q": q,
                                                         "query_string": f"q={q}" if q else ""})


class RosterView(ScopedUpdateView):
    """A unit's week (`?week=` any day of it): the grid, and its save (the whole week at once)."""

    queryset = Unit.objects.select_related("region")
    write_mode = scope.FILE
    refusal = gettext_lazy("您的角色不能编排该单位的值班表")

    def _page(self, request: HttpRequest, unit: Unit, grid: WeekGrid, status: int = 200) -> HttpResponse:
        week = grid.week_start
        return render(request, "command/duty_roster.html", {
            "unit": unit, "grid": grid, "week": week, "week_end": week + dt.timedelta(days=6),
            "previous": week - dt.timedelta(days=7), "next": week + dt.timedelta(days=7),
            "people": grid.people}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = self.get_object()
        week = _week(request.GET.get("week"), timezone.localdate())
        people = services.people_of([unit]).get(unit.pk, [])
        return self._page(request, unit, WeekGrid(week, people, shifts=queries.week_shifts(unit, week),
                                                  masked=not may_see_personal(request.user, unit)))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        unit = self.get_object()
        week = _week(request.POST.get("week"), timezone.localdate())
        people = services.people_of([unit]).get(unit.pk, [])
        grid = WeekGrid(week, people, data=request.POST, kept=queries.week_shifts(unit, week),
                        masked=not may_see_personal(request.user, unit))
        rows = grid.rows()
        if rows is None:
            return self._page(request, unit, grid, status=400)
        try:
            saved = services.set_roster(request.user, unit=unit, week_start=week, rows=rows)
        except ValidationError as exc:
            grid.refuse(exc)
            return self._page(request, unit, grid, status=400)
        messages.success(request, _("已保存%(unit)s %(start)s 起一周的值班表：%(n)s 个班次") % {
            "unit": unit.name, "start": week.isoformat(), "n": len(saved)})
        return redirect(f"{reverse('command:duty-roster', args=[unit.pk])}?week={week.isoformat()}")


# --- Excel ---------------------------------------------------------------------------------------

class TemplateView(ScopedExportView):
    def get(self, request: HttpRequest) -> FileResponse:
        return excel_duty.template_response(_week(request.GET.get("week"), timezone.localdate()))


def _owner(request: HttpRequest) -> int:
    return cast(User, request.user).pk


class ImportView(ScopedCreateView):
    """Upload a week's rosters for units of the user's subtree: preview first, then confirm."""

    template_name = "command/duty_import.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not queries.roster_units(request.user).exists():
            raise PermissionDenied(_("您的角色不能导入值班表"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        week = _week(request.GET.get("week"), timezone.localdate())
        return self._page(request, DutyImportForm(initial={"week": week}), week)

    def post(self, request: HttpRequest) -> HttpResponse:
        if "confirm" in request.POST:
            return self._confirm(request)
        form = DutyImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, None, status=400)
        week, upload = form.cleaned_data["week"], form.cleaned_data["file"]
        result = excel_duty.import_rosters(request.user, upload, week_start=week, dry_run=True)
        if not result.ok:
            return self._page(request, form, week, result=result, status=400)
        self._discard(request)
        token = staging.stage(upload, owner=_owner(request))
        request.session[SESSION_KEY] = {"token": token, "filename": str(upload.name)[:200], "week": week.isoformat()}
        return self._page(request, DutyImportForm(initial={"week": week}), week, result=result, token=token)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        staged = request.session.get(SESSION_KEY) or {}
        token = staged.get("token", "")
        stored = staging.open_staged(token, owner=_owner(request)) if token == request.POST.get("token") else None
        week = _week(staged.get("week"), timezone.localdate())
        if stored is None:
            return self._page(request, DutyImportForm(initial={"week": week}), week, status=400,
                              problem=_("预览已失效（超时或已导入）：请重新上传文件"))
        with stored:
            result = excel_duty.import_rosters(request.user, stored, week_start=week,
                                               filename=staged.get("filename", ""))
        self._discard(request)
        if not result.ok:
            return self._page(request, DutyImportForm(initial={"week": week}), week, result=result, status=400)
        messages.success(request, _("导入完成：%(units)s 个单位 %(rows)s 个班次") % {
            "units": result.counts[excel_duty.UNITS], "rows": result.counts[excel_duty.SHIFTS]})
        return redirect("command:duty-board")

    def _discard(self, request: HttpRequest) -> None:
        staged = request.session.pop(SESSION_KEY, None) or {}
        if staged.get("token"):
            staging.discard(staged["token"], owner=_owner(request))

    def _page(self, request: HttpRequest, form: DutyImportForm, week: dt.date | None,
              result: ImportResult | None = None, status: int = 200, token: str = "",
              problem: str = "") -> HttpResponse:
        return render(request, self.template_name, {
            "form": form, "week": week, "problem": problem, "token": token,
            "errors": result.errors[:500] if result else [], "error_count": len(result.errors) if result else 0,
            "notices": result.notices[:200] if result else [],
            "preview": result.preview[:500] if result and result.ok else [],
            "headers": excel_duty.HEADERS, "counts": result.counts if result else {},
        }, status=status)


urlpatterns = [
    path("duty/", board, name="duty-board"),
    path("duty/mine/", mine, name="duty-mine"),
    path("duty/shifts/<int:pk>/check-in/", CheckInView.as_view(), name="duty-check-in"),
    path("duty/rosters/", rosters, name="duty-rosters"),
    path("duty/rosters/<int:pk>/", RosterView.as_view(), name="duty-roster"),
    path("duty/import/", ImportView.as_view(), name="duty-import"),
    path("duty/import/template.xlsx", TemplateView.as_view(), name="duty-import-template"),
]
