from tongxin.inspections import campaign_views, views

app_name = "inspections"
urlpatterns = [*views.urlpatterns, *campaign_views.urlpatterns]
