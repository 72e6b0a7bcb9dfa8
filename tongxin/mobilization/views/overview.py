"""Mobilization: the bureaus' overview by region and day (/mobilization/overview/).

For the region on screen (`?region=`, through the one resolver; default the user's outermost
bureau region, or an organisation's own region for its staff) and a day or a range of days
(`?day=` and `?until=`, default today), the figures of every child — cities, counties, or the units
of a county — with their total, and charts of people and hours per day. Everything is read from
the daily roll-up by `queries.overview`; nothing scans shifts or attendance. An organisation's staff
see only their own unit's rows (the roll-up's scope). A bad day falls back with a message.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import replica
from tongxin.core.views_base import ScopedRegionView, as_scoped_view
from tongxin.mobilization.queries import overview as queries
from tongxin.units import scope
from tongxin.units.pickers import pick_value, region_trail

TREND_DAYS = 14  # a single day's charts show the fortnight up to it


def overview_url(region_code: str, since: dt.date, until: dt.date | None = None) -> str:
    params = {"region": region_code, "day": since.isoformat()}
    if until is not None and until != since:
        params["until"] = until.isoformat()
    return f"{reverse('mobilization:overview')}?{urlencode(params)}"


def _warn(request: HttpRequest, errors: dict[str, str]) -> None:
    for name in ("day", "until"):
        if name in errors:
            messages.warning(request, _("日期“%(day)s”无法识别，请按 2021-08-02 的格式填写；已显示默认日期。")
                             % {"day": errors[name]})
    if "range" in errors:
        messages.info(request, _("一次最多查看 %(n)s 天，已截取前 %(n)s 天。") % {"n": errors["range"]})


def _hours(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1")))


@as_scoped_view(base=ScopedRegionView)
@replica.read_view
def overview(request: HttpRequest) -> HttpResponse:
    """The overview page; a user with no region of their own (an administrator) gets a word, not figures."""
    own_units = not scope.top_regions(request.user)
    region = scope.region_from_request(request, default=lambda: queries.default_region(request.user),
                                       own_units=own_units)
    if region is None:
        return render(request, "mobilization/deployment_overview.html", {"region": None})
    today = timezone.localdate()
    since, until, errors = queries.parse_range(request.GET.get("day", ""), request.GET.get("until", ""), today)
    _warn(request, errors)
    is_range = until != since
    o = queries.overview(request.user, region, since, until,
                         series_since=None if is_range else since - dt.timedelta(days=TREND_DAYS - 1))
    rows = [{"name": _("%(region)s本级") % {"region": r.name} if r.own_level else r.name,
             "url": overview_url(r.code, since, until) if r.code else "", **r.figures.as_dict()} for r in o.rows]
    step = dt.timedelta(days=1)
    chart_data = {
        "labels": {"people": _("到岗人次") if is_range else _("到岗人数")},
        "children_keys": ["people"], "colors": {"people": "#0b5cad"},
        "children": [{"name": r["name"], "url": r["url"], "people": r["people"]} for r in rows],
        "days": [d["day"].strftime("%m-%d") for d in o.series],
        "trends": [{"id": "people", "title": _("每日到岗人数"), "unit": _("人"), "percent": False,
                    "values": [d["people"] for d in o.series]},
                   {"id": "hours", "title": _("每日服务时长"), "unit": _("小时"), "percent": False,
                    "values": [_hours(d["hours"]) for d in o.series]}],
    }
    ctx: dict[str, Any] = {
        "region": region, "since": since, "until": until, "is_range": is_range, "today": today,
        "is_county": region.level >= region.Level.COUNTY, "region_value": pick_value(region),
        "rows": rows, "total": o.total.as_dict(), "organisations_distinct": o.organisations_distinct,
        "chart_data": chart_data, "own_units": own_units,
        **region_trail(request.user, region, lambda code: overview_url(code, since, until), own_units=own_units),
        "presets": [
            {"label": _("今日"), "url": overview_url(region.code, today), "on": not is_range and since == today},
            {"label": _("近 7 天"), "url": overview_url(region.code, today - dt.timedelta(days=6), today),
             "on": is_range and until == today and o.days == 7},
            {"label": _("近 30 天"), "url": overview_url(region.code, today - dt.timedelta(days=29), today),
             "on": is_range and until == today and o.days == 30},
        ],
        "prev_url": "" if is_range else overview_url(region.code, since - step),
        "next_url": "" if is_range else overview_url(region.code, since + step),
    }
    return render(request, "mobilization/deployment_overview.html", ctx)


def deployment_panel(request: Any, region_code: str, child_codes: Any, at: dt.datetime) -> dict[str, Any] | None:
    """The reports overview's 志愿服务 panel (core.panels): people deployed and posts unfilled in the
    region on the day on screen, linking here; None when nothing ran that day. One query."""
    day = timezone.localtime(at).date()
    total = queries.today_figures(request.user, region_code, [], day)[region_code]
    if not (total.people or total.posts or total.activity_reports):
        return None
    return {"day": day, "total": total, "url": overview_url(region_code, day)}


urlpatterns: list = [path("overview/", overview, name="overview")]
