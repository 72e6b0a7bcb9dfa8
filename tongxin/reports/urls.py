from tongxin.reports.views import admin, excel, filing, overview

app_name = "reports"
urlpatterns = [*filing.urlpatterns, *admin.urlpatterns, *overview.urlpatterns, *excel.urlpatterns]
