"""The system administrator's page of outside deliveries that did not go out (failed or skipped):
when, which channel, to which account, which kind of message and why. It shows no title or body:
the administrators see no business data (DESIGN §4)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from tongxin.core import system_settings
from tongxin.core.models import DeliveryAttempt
from tongxin.core.notify import message_kind
from tongxin.core.views_base import ScopedView

SHOWN = 200  # the newest; older ones stay in the table for whoever queries it


class DeliveryAttemptsView(ScopedView):
    template_name = "core/delivery_attempts.html"

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not (request.user.is_authenticated and system_settings.may_change(request.user)):
            raise PermissionDenied(_("只有系统管理员可以查看外发记录"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        attempts = list(DeliveryAttempt.objects.exclude(status=DeliveryAttempt.Status.SENT)
                        .select_related("notification__recipient")[:SHOWN])
        for a in attempts:
            kind = message_kind(a.notification.key)
            a.kind_label = str(kind.label) if kind and kind.label else a.notification.key  # type: ignore[attr-defined]
        sent = DeliveryAttempt.objects.filter(status=DeliveryAttempt.Status.SENT).count()
        return render(request, self.template_name, {"attempts": attempts, "sent": sent, "shown": SHOWN,
                                                    "title": _("外发记录")})


urlpatterns = [path("deliveries/", DeliveryAttemptsView.as_view(), name="deliveries")]
