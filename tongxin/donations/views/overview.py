"""Pages of the overview part: cash and goods raised, allocated, handed over and in stock, by
region, appeal and organisation (the stock part fills this in)."""

from django.urls import path

from tongxin.core.views_base import ScopedTemplateView


class OverviewView(ScopedTemplateView):
    template_name = "donations/overview.html"


urlpatterns: list = [path("overview/", OverviewView.as_view(), name="overview")]
