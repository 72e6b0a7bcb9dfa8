from tongxin.reports.views import admin, excel, filing, ledger, overview, remind

app_name = "reports"
urlpatterns = [*filing.urlpatterns, *admin.urlpatterns, *overview.urlpatterns, *remind.urlpatterns, *excel.urlpatterns,
               *ledger.urlpatterns]
