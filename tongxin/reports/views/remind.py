"""催报 from the overview: a confirmation page, then the reminder.

The overview's button opens `reports:remind` by GET: a page (it works without JavaScript) naming
the assignment, region and day, the units that would be reminded, when any of them was last
reminded for that day, and which were reminded less than 30 minutes ago and so will not be
reminded again. Its button POSTs with `confirm=1`; a POST without it comes back to the page.
`services.remind_missing` decides and records; this module only asks and tells. A region outside
the user's scope is a 404; one they see but may not file for, a 403; a day after today or outside
the assignment's period is refused with a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.views_base import as_scoped_view
from tongxin.regions.models import Region
from tongxin.reports import queries, services
from tongxin.reports.models import Assignment
from tongxin.reports.views.overview import _parse_day, overview_url
from tongxin.units import scope

SHOWN_UNITS = 50  # the confirmation lists this many units by name, then "and n more"


def _minutes() -> int:
    return int(services.reminder_window().total_seconds() // 60)


def _hhmm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _target(request: HttpRequest, data: QueryDict) -> tuple[Assignment, Region, dt.date | None]:
    """The assignment and region the request names (404 when unseen) and its day (None when unreadable)."""
    raw_pk = data.get("assignment", "")
    assignment = (queries.visible_assignments(request.user).filter(pk=int(raw_pk)).first()
                  if raw_pk.isdigit() else None)
    region = scope.region_from_request(request, data=data)
    if assignment is None or region is None:
        raise Http404(_("找不到该记录，或您无权查看"))
    if not scope.scope_of(request.user).covers_region(region.code, mode=scope.FILE):
        raise PermissionDenied(_("只有民政部门的业务人员可以催报"))
    return assignment, region, _parse_day(data.get("day", ""))


def _refused(request: HttpRequest, assignment: Assignment, region: Region, day: dt.date | None) -> HttpResponse | None:
    """Back to the overview with the reason when `day` cannot be reminded for; None when it can."""
    if day is None:
        messages.error(request, _("催报日期无法识别，请按 2021-08-02 的格式填写"))
        return redirect(overview_url(assignment, region.code, None))
    try:
        services.check_remind_day(assignment, day)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(overview_url(assignment, region.code, day if day <= services.local_today() else None))
    return None


@as_scoped_view(methods=("get", "post"))
def remind(request: HttpRequest) -> HttpResponse:
    """GET: the confirmation page. POST with confirm=1: remind, then back to the overview."""
    data = request.POST if request.method == "POST" else request.GET
    assignment, region, day = _target(request, data)
    refusal = _refused(request, assignment, region, day)
    if refusal is not None:
        return refusal
    assert day is not None  # _refused answered otherwise
    if request.method == "POST" and data.get("confirm") != "1":
        query = urlencode({"assignment": assignment.pk, "region": region.code, "day": day.isoformat()})
        return redirect(f"{reverse('reports:remind')}?{query}")
    if request.method == "GET":
        return _confirmation(request, assignment, region, day)
    try:
        done = services.remind_missing(request.user, assignment=assignment, region=region, day=day)
    except ValidationError as exc:  # the day became "tomorrow" between the page and the click
        for message in exc.messages:
            messages.error(request, message)
        return redirect(overview_url(assignment, region.code, None))
    _tell(request, done, day)
    return redirect(overview_url(assignment, region.code, day))


def _tell(request: HttpRequest, done: services.Reminding, day: dt.date) -> None:
    if done.reminded:
        messages.success(request, _("已向 %(n)s 个未报单位发出催报。") % {"n": len(done.reminded)})
    if done.skipped and done.last_at is not None:
        if done.reminded:
            messages.info(request, _("另有 %(n)s 个单位已于 %(time)s 催报过，%(minutes)s 分钟内不重复发送。") % {
                "n": len(done.skipped), "time": _hhmm(done.last_at), "minutes": _minutes()})
        else:
            messages.warning(request, _("已于 %(time)s 催报过，%(minutes)s 分钟内不重复发送") % {
                "time": _hhmm(done.last_at), "minutes": _minutes()})
    if not done.reminded and not done.skipped:
        messages.info(request, _("%(day)s 没有未报单位，无需催报。") % {"day": day.isoformat()})


def _confirmation(request: HttpRequest, assignment: Assignment, region: Region, day: dt.date) -> HttpResponse:
    preview = queries.reminder_preview(assignment, region, day, timezone.now())
    due = preview.due
    ctx: dict[str, Any] = {
        "assignment": assignment, "region": region, "day": day, "preview": preview, "due": due,
        "shown": due[:SHOWN_UNITS], "more": max(len(due) - SHOWN_UNITS, 0),
        "last_at": preview.last_at, "recent_count": len(preview.recent), "again_at": preview.again_at,
        "minutes": _minutes(),
        "last_today": preview.last_at is not None and timezone.localdate(preview.last_at) == services.local_today(),
        "back_url": overview_url(assignment, region.code, day),
        "title": _("催报确认"),
    }
    return render(request, "reports/remind_confirm.html", ctx)


urlpatterns = [
    path("overview/remind/", remind, name="remind"),
]
