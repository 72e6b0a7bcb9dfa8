"""The public site's pages, under /public/."""

from tongxin.portal import views

app_name = "portal"
urlpatterns: list = [*views.urlpatterns]
