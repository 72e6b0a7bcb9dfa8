"""The notification centre's pages: the signed-in user's own notifications, newest first, each
rendered in the reader's language (core.notify.render).

A user only ever sees and marks their own notifications: someone else's id is a 404. Marking
one read follows its link when that link stays on this site (unless asked to stay on the list).
`unread_count` is a context processor for the unread badge in the navbar.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from tongxin.core.models import Notification
from tongxin.core.notify import render as render_message
from tongxin.core.views_base import ScopedView, as_scoped_view

PAGE_SIZE = 25


def unread_count(request: HttpRequest) -> dict[str, Any]:
    """Context processor: {"unread_notifications": n} for a signed-in user, nothing otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count()}


class NotificationListView(ScopedView):
    model = Notification  # scoped to its recipient

    def get(self, request: HttpRequest) -> HttpResponse:
        return notification_list(request, self.get_queryset())


def notification_list(request: HttpRequest, mine: QuerySet[Notification]) -> HttpResponse:
    page = Paginator(mine.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for n in page.object_list:
        n.message = render_message(n)  # in the language this reader reads the page in
    return render(request, "core/notifications.html", {
        "page_obj": page, "paginator": page.paginator, "object_list": page.object_list,
        "unread": mine.filter(read_at__isnull=True).count(), "query_string": "",
    })


class MarkReadView(ScopedView):
    model = Notification  # scoped to its recipient: someone else's id is a 404
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return mark_read(request, self.get_object())


def mark_read(request: HttpRequest, notification: Notification) -> HttpResponse:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = "" if request.POST.get("stay") else notification.url  # "mark read" stays on the list
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@as_scoped_view(methods=("post",))
def mark_all_read(request: HttpRequest) -> HttpResponse:
    n = Notification.objects.restrict(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    if n:
        messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": n})
    return redirect("notifications:list")


urlpatterns = [
    path("", NotificationListView.as_view(), name="list"),
    path("<int:pk>/read/", MarkReadView.as_view(), name="read"),
    path("read-all/", mark_all_read, name="read-all"),
]
