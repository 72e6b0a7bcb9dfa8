from tongxin.inspections import views

app_name = "inspections"
urlpatterns = views.urlpatterns
