"""URL map: one include per app, the API under /api/, health at /healthz.

Every page needs a login (core.middleware.LoginRequiredMiddleware) except those marked
`login_not_required` here or in their view: login, health, the language switch, static files in
DEBUG. The API answers for itself through DRF (token or session, IsAuthenticated); its schema and
docs are open.
"""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles.views import serve
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from tongxin.accounts.views import TokenView
from tongxin.core import notify_views
from tongxin.core.views import healthz
from tongxin.inspections import api as inspections_api
from tongxin.ledger import api as ledger_api
from tongxin.reports import api as reports_api
from tongxin.units import api as units_api
from tongxin.units import attachments, pickers
from tongxin.units.home import HomeView

router = DefaultRouter()
units_api.register(router)
reports_api.register(router)
inspections_api.register(router)
ledger_api.register(router)
attachments.register(router)
pickers.register(router)

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/", include("tongxin.accounts.urls")),
    path("units/", include("tongxin.units.urls")),
    path("reports/", include("tongxin.reports.urls")),
    path("inspections/", include("tongxin.inspections.urls")),
    path("ledger/", include("tongxin.ledger.urls")),
    path("files/", include("tongxin.units.attachments")),
    path("audit/", include("tongxin.core.urls")),
    path("notifications/", include((notify_views.urlpatterns, "notifications"))),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("api/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(router.urls)),
]

if settings.DEBUG:
    urlpatterns += static(settings.STATIC_URL, view=login_not_required(serve))

handler404 = "tongxin.core.views.not_found"
