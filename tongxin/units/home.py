"""首页: the signed-in user's units and what their scope holds."""

from tongxin.core.views_base import ScopedTemplateView
from tongxin.units import queries
from tongxin.units.models import Membership


class HomeView(ScopedTemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        units = queries.visible_units(user)
        ctx["memberships"] = Membership.objects.filter(user=user).select_related("unit__region")  # one's own
        ctx["kind_counts"] = queries.counts_by_kind(units)
        ctx["unit_total"] = sum(row["n"] for row in ctx["kind_counts"])
        return ctx
