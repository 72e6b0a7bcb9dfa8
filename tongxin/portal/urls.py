"""The public site's pages, under /public/, and the staff's notice pages under /public/manage/."""

from tongxin.portal import staff_views, views

app_name = "portal"
urlpatterns: list = [*views.urlpatterns, *staff_views.urlpatterns]
