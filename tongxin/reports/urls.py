from tongxin.reports.views import admin, excel, filing, ledger, overview

app_name = "reports"
urlpatterns = [*filing.urlpatterns, *admin.urlpatterns, *overview.urlpatterns, *excel.urlpatterns, *ledger.urlpatterns]
