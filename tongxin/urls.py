"""URL map: one include per app, the API under /api/, health at /healthz.

Every page needs a login (core.middleware.LoginRequiredMiddleware) except those marked
`login_not_required` here or in their view: login, health, the language switch. Static files are
served by WhiteNoise before any of this. The API answers for itself through DRF (token or session,
IsAuthenticated); its schema and docs are open. The error handlers (core.errors) answer JSON under
/api/ and a friendly page elsewhere.
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from tongxin.accounts.api_tokens import LogoutAPI, TokenListAPI, TokenRevokeAPI
from tongxin.accounts.views import PasswordChangeAPI, TokenView
from tongxin.command import api as command_api
from tongxin.core import export_views, notify_views, settings_views
from tongxin.core.views import healthz
from tongxin.donations import api as donations_api
from tongxin.inspections import api as inspections_api
from tongxin.ledger import api as ledger_api
from tongxin.mobilization import api as mobilization_api
from tongxin.portal import api as portal_api
from tongxin.reports import api as reports_api
from tongxin.units import api as units_api
from tongxin.units import attachments, pickers
from tongxin.units.home import HomeView

_home = HomeView.as_view()


def root(request):
    """Signed-in staff get their home page; an anonymous visitor lands on the public site."""
    if not request.user.is_authenticated:
        return redirect("portal:index")
    return _home(request)


router = DefaultRouter()
units_api.register(router)
reports_api.register(router)
inspections_api.register(router)
ledger_api.register(router)
command_api.register(router)
mobilization_api.register(router)
donations_api.register(router)
portal_api.register(router)
attachments.register(router)
pickers.register(router)

urlpatterns = [
    path("", login_not_required(root), name="home"),
    path("accounts/", include("tongxin.accounts.urls")),
    path("units/", include("tongxin.units.urls")),
    path("users/", include("tongxin.units.account_urls")),
    path("reports/", include("tongxin.reports.urls")),
    path("inspections/", include("tongxin.inspections.urls")),
    path("ledger/", include("tongxin.ledger.urls")),
    path("command/", include("tongxin.command.urls")),
    path("mobilization/", include("tongxin.mobilization.urls")),
    path("donations/", include("tongxin.donations.urls")),
    path("public/", include("tongxin.portal.urls")),
    path("files/", include("tongxin.units.attachments")),
    path("audit/", include("tongxin.core.urls")),
    path("notifications/", include((notify_views.urlpatterns, "notifications"))),
    path("exports/", include((export_views.urlpatterns, "exports"))),
    path("system/", include((settings_views.urlpatterns, "system"))),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("api/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/auth/password/", PasswordChangeAPI.as_view(), name="api-password"),
    path("api/auth/logout/", LogoutAPI.as_view(), name="api-logout"),
    path("api/auth/tokens/", TokenListAPI.as_view(), name="api-tokens"),
    path("api/auth/tokens/<int:pk>/", TokenRevokeAPI.as_view(), name="api-token-revoke"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its init script from ?script, and our template its CSS from a static
    # file: the API docs keep the site's Content-Security-Policy (no inline script or style).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("api/", include(router.urls)),
]

handler400 = "tongxin.core.errors.bad_request"
handler403 = "tongxin.core.errors.permission_denied"
handler404 = "tongxin.core.errors.not_found"
handler500 = "tongxin.core.errors.server_error"
