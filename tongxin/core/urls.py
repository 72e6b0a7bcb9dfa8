from django.urls import path

from tongxin.core import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.AuditListView.as_view(), name="list"),
    path("export.csv", audit_views.AuditExportView.as_view(), name="export"),
]
