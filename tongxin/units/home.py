"""首页: the signed-in user's units and what their scope holds."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from tongxin.units import queries
from tongxin.units.models import Membership


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        units = queries.visible_units(user)
        ctx["memberships"] = Membership.objects.filter(user=user).select_related("unit__region")
        ctx["kind_counts"] = queries.counts_by_kind(units)
        ctx["unit_total"] = sum(row["n"] for row in ctx["kind_counts"])
        return ctx
