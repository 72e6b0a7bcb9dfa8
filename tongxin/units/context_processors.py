"""Navigation for the UI shell: the modules a user can open, by their roles and scope."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongxin.units import scope
from tongxin.units.models import Role

# Which navigation item a page of the reports namespace belongs to.
REPORT_SECTIONS = {"overview": "overview", "remind": "overview", "batch-template": "overview",
                   "batch-upload": "overview", "export-regions": "overview", "export-units": "overview",
                   "table": "overview"}


def _active(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "reports":
        name = match.url_name or ""
        if name.startswith(("form", "assignment")):
            return "forms"
        return REPORT_SECTIONS.get(name, "today")
    return match.namespace or match.url_name or ""


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    s = scope.scope_of(user)
    items = [{"key": "home", "label": _("首页"), "url": reverse("home")}]
    if s.units.get(scope.FILE) or s.prefixes.get(scope.FILE):
        items.append({"key": "today", "label": _("今日报送"), "url": reverse("reports:today")})
    if s.read_prefixes:
        items.append({"key": "overview", "label": _("总览"), "url": reverse("reports:overview")})
    if s.read_prefixes or s.units.get(scope.READ):  # the separated administrators see no business data
        items.append({"key": "inspections", "label": _("隐患排查"), "url": reverse("inspections:list")})
        items.append({"key": "ledger", "label": _("问题台账"), "url": reverse("ledger:list")})
        items.append({"key": "command", "label": _("指挥调度"), "url": reverse("command:index")})
        items.append({"key": "mobilization", "label": _("志愿服务"), "url": reverse("mobilization:index")})
        items.append({"key": "donations", "label": _("捐赠管理"), "url": reverse("donations:index")})
    items.append({"key": "units", "label": _("单位"), "url": reverse("units:list")})
    if scope.has_role(user, *scope.BUREAU_OFFICERS) and s.read_prefixes:
        items.append({"key": "forms", "label": _("报表与任务"), "url": reverse("reports:forms")})
        items.append({"key": "portal", "label": _("公告管理"), "url": reverse("portal:notice-admin")})
    if scope.has_role(user, Role.SECURITY_ADMIN):
        items.append({"key": "users", "label": _("账号管理"), "url": reverse("users:list")})
    if user.has_perm("core.change_settings"):
        items.append({"key": "system", "label": _("系统设置"), "url": reverse("system:settings")})
    if user.has_perm("core.view_auditevent"):
        items.append({"key": "audit", "label": _("审计日志"), "url": reverse("audit:list")})
    items.append({"key": "api", "label": _("接口文档"), "url": reverse("api-docs")})
    return {"nav_items": items, "active_nav": _active(request)}
