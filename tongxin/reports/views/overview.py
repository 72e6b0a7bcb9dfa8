"""总览 (overview): the page a province, city or county officer opens every morning.

For one assignment, region and day it shows completeness (in total and per child region, each a
drill-down link), the key figures — each under the aggregate its field declares, named beside it —
with the change since yesterday, the derived figures, 14-day trends, the missing units with a
reminder button (催报 itself: views/remind.py) and, for a county, every unit with its state,
linking to its report. Everything is read from the roll-ups through `reports.queries`; the only
other reads are the unit table (expected counts), the missing-units anti-join and a county's unit
list (one page, one query). A region outside the user's scope is a 404; a bad `day` or `assignment`
falls back to the default with a message saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import panels, replica
from tongxin.core.views_base import ScopedRegionView, as_scoped_view
from tongxin.regions.models import Region
from tongxin.reports import queries, services
from tongxin.reports.definition import aggregate_label
from tongxin.reports.models import Assignment
from tongxin.units import scope
from tongxin.units.pickers import region_trail

MISSING_LIMIT = 100
UNITS_PER_PAGE = 50
TREND_FIGURES = 3


def overview_url(assignment: Assignment | None, region_code: str, day: dt.date | None) -> str:
    params = {"assignment": assignment.pk if assignment else "", "region": region_code,
              "day": day.isoformat() if day else ""}
    return f"{reverse('reports:overview')}?{urlencode({k: v for k, v in params.items() if v})}"


def _parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _pick_assignment(request: HttpRequest, today: dt.date) -> Assignment | None:
    raw = request.GET.get("assignment", "").strip()
    if raw:
        found = queries.visible_assignments(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
        if found is not None:
            return found
        messages.warning(request, _("找不到报送任务“%(id)s”，或您无权查看；已显示默认任务。") % {"id": raw[:20]})
    return queries.default_assignment(request.user, today)


def _pick_region(request: HttpRequest, tops: list[Region]) -> Region:
    return scope.region_from_request(request, default=tops[0]) or tops[0]  # never blank: it has a default


def _pick_day(request: HttpRequest, assignment: Assignment | None, today: dt.date) -> dt.date:
    raw = request.GET.get("day", "").strip()
    day = today
    if raw:
        parsed = _parse_day(raw)
        if parsed is None:
            messages.warning(request, _("日期“%(day)s”无法识别，请按 2021-08-02 的格式填写；已显示默认日期。")
                             % {"day": raw[:20]})
        else:
            day = parsed
    if assignment is None:
        return day
    clamped = queries.clamp_day(assignment, day)
    if raw and clamped != day and _parse_day(raw) is not None:
        messages.info(request, _("%(day)s 不在报送期内（%(start)s 至 %(end)s）或当日无需报送，已显示 %(shown)s。") % {
            "day": day.isoformat(), "start": assignment.start_date.isoformat(),
            "end": assignment.end_date.isoformat(), "shown": clamped.isoformat()})
    return clamped


def _num(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(Decimal('0.01')).normalize():,f}"


def _change(change: Decimal | None) -> dict:
    if change is None:
        return {"text": "—", "dir": "none"}
    if change == 0:
        return {"text": _("持平"), "dir": "flat"}
    return {"text": ("▲" if change > 0 else "▼") + _num(abs(change)), "dir": "up" if change > 0 else "down"}


def _percent(value: float | Decimal | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def _trend_keys(definition: dict) -> list[str]:
    """Key figures worth a trend line: daily counts (not stock carried over) not already in a streak."""
    fields = {f.get("key"): f for f in definition.get("fields", [])}
    in_streak = {k for fig in definition.get("figures", []) if fig.get("kind") == "streak"
                 for k in fig.get("fields", [])}
    keys = definition.get("key_figures", [])
    daily = [k for k in keys if not fields.get(k, {}).get("carry") and k not in in_streak]
    return (daily + [k for k in keys if k not in daily])[:TREND_FIGURES]


def _completeness_rows(table: queries.CompletenessTable, link: Callable[[str], str]) -> list[dict[str, Any]]:
    """Child rows plus, when units sit directly in the region, a 本级 row, so the rows add up to the total."""
    def row(name: str, code: str, url: str | None, expected: int, on_time: int, late: int) -> dict[str, Any]:
        filed = on_time + late
        return {"name": name, "code": code, "url": url, "expected": expected, "on_time": on_time, "late": late,
                "missing": expected - filed, "rate": _percent(filed / expected if expected else None)}

    rows = [row(c.region.name, c.region.code, link(c.region.code), c.expected, c.on_time, c.late)
            for c in table.rows]
    rest = [getattr(table.total, f) - sum(getattr(c, f) for c in table.rows) for f in ("expected", "on_time", "late")]
    if any(rest) and table.total.region.level < Region.Level.COUNTY:
        rows.append(row(_("%(region)s本级") % {"region": table.total.region.name}, "", None, *rest))
    return rows


def _unit_level_redirect(request: HttpRequest) -> HttpResponse:
    try:
        return redirect(reverse("reports:today"))
    except NoReverseMatch:
        raise Http404(_("总览供民政部门使用；您所在单位请使用报送页面")) from None


@as_scoped_view(base=ScopedRegionView)
@replica.read_view
def overview(request: HttpRequest) -> HttpResponse:
    tops = scope.top_regions(request.user)
    if not tops:
        return _unit_level_redirect(request)
    today = services.local_today()
    region = _pick_region(request, tops)
    assignment = _pick_assignment(request, today)
    day = _pick_day(request, assignment, today)
    ctx = {
        "region": region, "day": day, "assignment": assignment, "today": today,
        "assignments": queries.visible_assignments(request.user).order_by("-start_date", "-pk")[:50],
        **region_trail(request.user, region, lambda code: overview_url(assignment, code, day)),
    }
    if assignment is not None:
        ctx.update(_figures_context(request, assignment, region, day))
    ctx.update(_panels(request, region, day, cast(list[dict[str, Any]], ctx.get("rows") or [])))
    return render(request, "reports/overview.html", ctx)


def _panels(request: HttpRequest, region: Region, day: dt.date, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The panels other apps registered (core.panels) for the day on screen (now, or the end of a past
    day): each above the figures, and one column each in the table of child regions, the cells set on
    each row as `panel_cells`."""
    now = timezone.now()
    end_of_day = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time())) - dt.timedelta(
        microseconds=1)
    shown = panels.collect(request, region.code, [r["code"] for r in rows if r.get("code")], min(now, end_of_day))
    columns = panels.columns(shown)
    for r in rows:
        r["panel_cells"] = [{"template": s.panel.cell_template, "value": s.cells.get(r.get("code") or "")}
                            for s in columns]
    return {"panels": shown, "panel_columns": columns}


def _figures_context(request: HttpRequest, assignment: Assignment, region: Region, day: dt.date) -> dict[str, Any]:
    version = assignment.form.latest_version()
    definition = version.definition if version else {}
    def link(code: str) -> str:
        return overview_url(assignment, code, day)

    table = queries.completeness(assignment, region, day)
    rows = _completeness_rows(table, link)
    total = table.total
    days = queries.trend_days(assignment, day)
    trend_keys = _trend_keys(definition)
    keys = list(dict.fromkeys([*definition.get("key_figures", []), *queries.derived_keys(definition), *trend_keys]))
    series = queries.figures(assignment, region, sorted({*days, day - dt.timedelta(days=1)}), keys)
    key_figs = queries.key_figures(definition, series, day)
    derived = queries.derived_figures(assignment, region, day, definition, series)
    is_due = services.is_due(assignment, day)
    filing = queries.filing_trend(assignment, region, days)
    step = dt.timedelta(days=7 if assignment.frequency == Assignment.Frequency.WEEKLY else 1)

    missing_qs = queries.missing_units(assignment, region, day)
    missing = list(missing_qs[:MISSING_LIMIT + 1])
    missing_total = len(missing) if len(missing) <= MISSING_LIMIT else missing_qs.count()
    labels = {k.key: k for k in key_figs}
    chart_data = {
        "labels": {"on_time": _("按时"), "late": _("迟报"), "missing": _("未报"), "rate": _("报送率")},
        "children": [{"name": r["name"], "url": r["url"], "on_time": r["on_time"], "late": r["late"],
                      "missing": max(r["missing"], 0)} for r in rows],
        "days": [d.strftime("%m-%d") for d in days],
        "trends": [{"id": "rate", "title": _("报送率"), "unit": "%", "percent": True,
                    "values": [None if f.rate is None else round(f.rate * 100, 1) for f in filing]}]
        + [{"id": key, "title": labels[key].label if key in labels else key,
            "unit": labels[key].unit if key in labels else "", "percent": False,
            "values": [_float(queries.aggregate_of(series.get(key, {}).get(d), labels[key].aggregate
                                                   if key in labels else "sum")) for d in days]}
           for key in trend_keys],
    }
    return {
        "total": {"expected": total.expected, "on_time": total.on_time, "late": total.late,
                  "missing": total.missing, "filed": total.filed, "zero": total.zero,
                  "rate": _percent(total.rate if total.expected else None)},
        "is_due": is_due,
        "filed_yesterday": filing[-2].filed if len(filing) > 1 else None,
        "rows": rows,
        "key_figures": [{"key": k.key, "label": k.label, "unit": k.unit, "value": _num(k.value),
                         "raw": k.value, "raw_change": k.change, "change": _change(k.change),
                         "aggregate": k.aggregate, "aggregate_label": aggregate_label(k.aggregate),
                         "aggregate_suffix": _("（%(aggregate)s）") % {"aggregate": aggregate_label(k.aggregate)},
                         "others": [{"label": aggregate_label(a), "value": _num(v)} for a, v in k.others],
                         "count": k.count, "previous_count": k.previous_count} for k in key_figs],
        "derived": [{"key": d.key, "label": d.label, "kind": d.kind, "raw": d.value,
                     "value": _percent(d.value) if d.kind == "ratio" else d.value,
                     "detail": f"{_num(d.numerator)} / {_num(d.denominator)}" if d.kind == "ratio" else ""}
                    for d in derived],
        "chart_data": chart_data,
        **_unit_list(request, assignment, region, day),
        "missing": missing[:MISSING_LIMIT], "missing_total": missing_total,
        "missing_truncated": missing_total > MISSING_LIMIT,
        "can_remind": bool(missing) and scope.scope_of(request.user).covers_region(region.code, mode=scope.FILE),
        "can_file_region": scope.scope_of(request.user).covers_region(region.code, mode=scope.FILE),
        "prev_url": overview_url(assignment, region.code, day - step) if day - step >= assignment.start_date else "",
        "next_url": overview_url(assignment, region.code, day + step) if day + step <= assignment.end_date else "",
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _unit_list(request: HttpRequest, assignment: Assignment, region: Region, day: dt.date) -> dict[str, Any]:
    """A county's every unit with its state (a page of UNITS_PER_PAGE, filtered by `state`), each
    linking to its report, or — missing — to the unit with its contact. Higher levels see regions."""
    if region.level < Region.Level.COUNTY:
        return {"unit_list": None}
    units: Any = queries.unit_states(request.user, assignment, region, day)  # annotated: state, report_id, filed_at
    counts = units.aggregate(**{name: Count("pk", filter=Q(state=i)) for i, name in enumerate(queries.UNIT_STATES)})
    state = request.GET.get("state", "")
    if state in queries.UNIT_STATES:
        units = units.filter(state=queries.UNIT_STATES.index(state))
    else:
        state = ""
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(zip(queries.UNIT_STATES, (_("未报"), _("迟报"), _("零报告"), _("按时")), strict=True))
    base = {"assignment": assignment.pk, "region": region.code, "day": day.isoformat()}
    return {
        "unit_list": [{"unit": u, "state": queries.UNIT_STATES[u.state],
                       "state_label": labels[queries.UNIT_STATES[u.state]],
                       "url": reverse("reports:detail", args=[u.report_id]) if u.report_id else "",
                       "filed_at": timezone.localtime(u.filed_at) if u.filed_at else None}
                      for u in cast(list[Any], page)],
        "unit_page": page, "unit_state": state, "unit_total": sum(counts.values()),
        "unit_query": urlencode({**base, **({"state": state} if state else {})}),
        "unit_tabs": [{"state": "", "label": _("全部"), "count": sum(counts.values()),
                       "url": f"?{urlencode(base)}#units"}]
        + [{"state": name, "label": labels[name], "count": counts[name],
            "url": f"?{urlencode({**base, 'state': name})}#units"} for name in queries.UNIT_STATES],
    }


urlpatterns = [
    path("overview/", overview, name="overview"),
]
