"""The issuer's board of a directive chain (通知督办看板): one table per level below the region,
with drill-down into each child region, rate bars, an ECharts chart of the child level, overdue
rows highlighted, the units one by one, and what changed between versions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.command.models import Directive
from tongxin.command.queries import board as queries
from tongxin.command.queries import directives as directive_queries
from tongxin.command.queries.board import Board, Row
from tongxin.core.views_base import ScopedRegionView, as_scoped_view
from tongxin.regions.models import Region
from tongxin.regions.queries import ancestors
from tongxin.units import scope

LEVEL_TITLES = {Region.Level.CITY: gettext_lazy("按市州"), Region.Level.COUNTY: gettext_lazy("按县市区")}


def board_directive(request: HttpRequest, pk: Any) -> Directive:
    directive = queries.viewable(request.user, pk)
    if directive is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    return directive


def board_region(request: HttpRequest, directive: Directive) -> Region:
    """The region asked for (?region=, through the one resolver: 400 malformed, 404 outside the
    user's scope), else where the board opens for the user."""
    region = scope.region_from_request(request, default=lambda: queries.default_region(request.user, directive),
                                       own_units=True)
    if region is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    return region


def row_name(row: Row) -> str:
    return _("%(region)s本级") % {"region": row.region.name} if row.own else row.region.name


def chart_data(b: Board) -> dict[str, Any]:
    """The child level's rates for the chart (json_script; no strings built into code)."""
    rows = b.levels[0].rows if b.levels else []
    return {
        "names": [row_name(r) for r in rows],
        "sign_rate": [r.counts.sign_rate for r in rows],
        "feedback_rate": [r.counts.feedback_rate for r in rows],
        "labels": {"sign": _("签收率"), "feedback": _("反馈率")},
        "feedback": b.total.feedback_due > 0,
    }


@as_scoped_view(base=ScopedRegionView)
def directive_board(request: HttpRequest, pk: Any) -> HttpResponse:
    directive = board_directive(request, pk)
    root = directive.root or directive
    region = board_region(request, directive)
    b = queries.board(root, request.user, region)
    url = reverse("command:directive-board", args=[directive.pk])

    def drill(code: str) -> str:
        return f"{url}?{urlencode({'region': code})}"

    parents = Region.objects.in_bulk({r.parent_code for lv in b.levels[1:] for r in lv.rows if not r.own})
    levels = []
    for i, level in enumerate(b.levels):
        if i and all(r.own for r in level.rows):
            continue  # nothing below the level above: its 本级 rows would only repeat it
        rows = [{"row": r, "name": row_name(r), "drill": None if r.own else drill(r.region.code),
                 "parent": parents[r.parent_code].name if i and not r.own and r.parent_code in parents else ""}
                for r in level.rows]
        levels.append({"level": level.level, "title": LEVEL_TITLES[Region.Level(level.level)], "rows": rows})
    crumbs = [r for r in ancestors(region) if scope.reaches_region(request.user, r)]
    shown = (*directive_queries.LIVE, Directive.Status.REPLACED)
    history = [v for v in directive_queries.versions(root) if v.status in shown]
    diffs = [{"old": a, "new": c, "changes": directive_queries.diff(a, c)}
             for a, c in zip(history, history[1:], strict=False)]
    current = next((v for v in reversed(history) if v.status in directive_queries.LIVE), root)
    return render(request, "command/directive_board.html", {
        "directive": directive, "root": current, "region": region, "board": b, "levels": levels,
        "units": b.units, "unit_limit": queries.UNIT_LIMIT, "total": b.total,
        "crumbs": [{"name": r.name, "url": drill(r.code)} for r in crumbs],
        "chart": chart_data(b), "versions": history, "diffs": diffs,
    })


urlpatterns = [
    path("directives/<int:pk>/board/", directive_board, name="directive-board"),
]
