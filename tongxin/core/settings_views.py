"""The system settings page: the system administrator reads and changes them (core.system_settings)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from tongxin.core import system_settings
from tongxin.core.outbound import views as delivery_views
from tongxin.core.views_base import ScopedView


class SettingsView(ScopedView):
    template_name = "core/system_settings.html"

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not (request.user.is_authenticated and system_settings.may_change(request.user)):
            raise PermissionDenied(_("只有系统管理员可以修改系统设置"))
        return super().dispatch(request, *args, **kwargs)

    def page(self, request: HttpRequest, errors: dict[str, list[str]] | None = None,
             posted: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
        rows = [{"d": d, "value": (posted or {}).get(d.key, d.shown(value)), "is_default": is_default,
                 "default": d.shown(d.default), "errors": (errors or {}).get(d.key, [])}
                for d, value, is_default in system_settings.current()]
        return render(request, self.template_name, {"rows": rows, "title": _("系统设置")}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        key = request.POST.get("key", "")
        raw = request.POST.get("value", "")[:100]
        try:
            system_settings.change(request.user, key, raw)
        except ValidationError as exc:
            messages_ = [m for ms in exc.message_dict.values() for m in ms]
            return self.page(request, {key: messages_}, {key: raw}, status=400)
        messages.success(request, _("设置已保存"))
        return redirect("system:settings")


urlpatterns = [path("settings/", SettingsView.as_view(), name="settings"), *delivery_views.urlpatterns]
