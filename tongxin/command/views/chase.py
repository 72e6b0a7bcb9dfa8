"""催办 pages, and overdue feedback onto the ledger.

`command:directive-remind` by GET is a confirmation page (it works without JavaScript) naming the
directive, the units that would be reminded and those reminded less than the gap ago (with the time
they may be reminded again); its button POSTs with `confirm=1`, and a POST without it comes back to
the page. `command:delivery-raise` (POST) puts one unit's overdue feedback on the ledger, `again=1`
for 另登记一条. `services.chase` decides and records; this module only asks and tells. A directive
out of sight is a 404; one seen but not issued by the user's side, a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from tongxin.command.models import Directive
from tongxin.command.queries import chase as queries
from tongxin.command.services import chase as services
from tongxin.core.views_base import as_scoped_view

SHOWN_UNITS = 50  # the confirmation lists this many units by name, then "and n more"


def _minutes() -> int:
    return int(services.reminder_gap().total_seconds() // 60)


def back_url(request: HttpRequest, directive: Directive) -> str:
    """Where to return: a safe `next`, else the directive's page, else its 催办 page."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return services.directive_url(directive.pk) or reverse("command:directive-remind", args=[directive.pk])


def _tell(request: HttpRequest, done: services.Reminding) -> None:
    messages.success(request, _("已向 %(n)s 个未签收单位发出催办。") % {"n": len(done.reminded)})
    if done.skipped and done.again_at is not None:
        told = _("另有 %(n)s 个单位在 %(minutes)s 分钟内已催办过，本次未重复发送（%(time)s 后可再次催办）。")
        messages.info(request, told % {
            "n": len(done.skipped), "minutes": _minutes(),
            "time": timezone.localtime(done.again_at).strftime("%H:%M")})


@as_scoped_view(methods=("get", "post"))
def directive_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page. POST with confirm=1: remind, then back."""
    directive = queries.visible_directive(request.user, pk)
    if not queries.may_chase(request.user, directive):
        raise PermissionDenied(_("只有发文单位（或其上级）的业务人员可以催办"))
    if request.method == "GET":
        return _confirmation(request, directive)
    if request.POST.get("confirm") != "1":
        return redirect(reverse("command:directive-remind", args=[directive.pk]))
    try:
        done = services.remind(request.user, directive)
    except ValidationError as exc:
        for message in exc.messages:
            messages.warning(request, message)
        return redirect(reverse("command:directive-remind", args=[directive.pk]))
    _tell(request, done)
    return redirect(back_url(request, directive))


def _confirmation(request: HttpRequest, directive: Directive) -> HttpResponse:
    now = timezone.now()
    preview = queries.reminder_preview(directive, now, services.reminder_gap())
    due = preview.due
    ctx: dict[str, Any] = {
        "directive": directive, "preview": preview, "due": due, "shown": due[:SHOWN_UNITS],
        "more": max(len(due) - SHOWN_UNITS, 0), "recent": preview.recent, "again_at": preview.again_at,
        "minutes": _minutes(), "in_force": directive.status == Directive.Status.ISSUED,
        "last_at": max((d.last_reminded_at for d in [*due, *(r for r, _a in preview.recent)]
                        if d.last_reminded_at is not None), default=None),
        "back_url": back_url(request, directive), "next": request.GET.get("next", ""),
        "title": _("催办确认"),
    }
    return render(request, "command/directive_remind_confirm.html", ctx)


@as_scoped_view(methods=("post",))
def delivery_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: put the unit's overdue feedback on the ledger; on to the new entry, or back with the reason."""
    delivery = queries.visible_delivery(request.user, pk)
    if not services.may_raise(request.user, delivery):
        raise PermissionDenied(_("只有发文单位（或其上级）的业务人员可以将逾期未反馈登记到台账"))
    try:
        entry = services.raise_overdue_feedback(request.user, delivery, again=request.POST.get("again") == "1")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back_url(request, delivery.directive))
    messages.success(request, _("已登记到台账：%(number)s") % {"number": entry.number})
    return redirect(reverse("ledger:detail", args=[entry.pk]))


urlpatterns = [
    path("directives/<int:pk>/remind/", directive_remind, name="directive-remind"),
    path("deliveries/<int:pk>/raise/", delivery_raise, name="delivery-raise"),
]
