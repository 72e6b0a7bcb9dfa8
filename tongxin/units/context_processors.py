"""Navigation for the UI shell: the modules a user can open, by their roles."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [
        {"key": "home", "label": _("首页"), "url": reverse("home")},
        {"key": "units", "label": _("单位"), "url": reverse("units:list")},
    ]
    if user.has_perm("core.view_auditevent"):
        items.append({"key": "audit", "label": _("审计日志"), "url": reverse("audit:list")})
    items.append({"key": "api", "label": _("接口文档"), "url": reverse("api-docs")})
    match = getattr(request, "resolver_match", None)
    active = (match.namespace or match.url_name) if match else ""
    return {"nav_items": items, "active_nav": active}
