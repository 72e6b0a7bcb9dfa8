"""Pages of the overview part: cash and goods raised, allocated, handed over and in stock, by
region (one level down, with drill-down through the one region resolver), appeal and organisation,
read from the stock roll-up by `queries.overview` and scoped like it. No region: a word, not figures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext

from tongxin.core import replica
from tongxin.core.views_base import ScopedRegionView, as_scoped_view
from tongxin.donations.queries import overview as queries
from tongxin.units import scope
from tongxin.units.pickers import pick_value, region_trail

TEMPLATE = "donations/overview.html"


def overview_url(region_code: str) -> str:
    return f"{reverse('donations:overview')}?{urlencode({'region': region_code})}"


def _row(r: queries.Row, url: str = "") -> dict[str, Any]:
    return {"name": r.name, "url": url, "own": r.own_level, **r.money.as_dict()}


@as_scoped_view(base=ScopedRegionView)
@replica.read_view
def overview(request: HttpRequest) -> HttpResponse:
    """The overview page of the region on screen (`?region=`, default the user's outermost region)."""
    own_units = not scope.top_regions(request.user)
    region = scope.region_from_request(request, default=lambda: queries.default_region(request.user),
                                       own_units=own_units)
    if region is None:
        return render(request, TEMPLATE, {"region": None})
    o = queries.overview(request.user, region)
    rows = [_row(r, overview_url(r.code) if r.code else "") for r in o.regions]
    chart_data = {
        "labels": {"cash": gettext("现金（元）"), "goods_value": gettext("物资价值（元）")},
        "children_keys": ["cash", "goods_value"], "colors": {"cash": "#0b5cad", "goods_value": "#2e7d32"},
        "children": [{"name": r["name"], "url": r["url"], "cash": float(r["cash"]),
                      "goods_value": float(r["goods_value"])} for r in rows],
    }
    ctx: dict[str, Any] = {
        "region": region, "o": o, "rows": rows,
        "appeals": [_row(r) for r in o.appeals], "organisations": [_row(r) for r in o.organisations],
        "total": o.total.as_dict(), "own_units": own_units,
        "is_county": region.level >= region.Level.COUNTY, "region_value": pick_value(region),
        "chart_data": chart_data,
        **region_trail(request.user, region, overview_url, own_units=own_units),
    }
    return render(request, TEMPLATE, ctx)


urlpatterns: list = [path("overview/", overview, name="overview")]
