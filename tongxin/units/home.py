"""首页: the signed-in user's units and what their scope holds (for the registry's keeper, the registry)."""

from typing import Any

from tongxin.core.views_base import ScopedTemplateView
from tongxin.units import queries, scope
from tongxin.units.models import Membership, Unit


class HomeView(ScopedTemplateView):
    template_name = "home.html"
    scope_mode = scope.REGISTRY

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        units = self.restrict(Unit.objects.all())
        ctx["memberships"] = Membership.objects.filter(user=user).select_related("unit__region")  # one's own
        ctx["kind_counts"] = queries.counts_by_kind(units)
        ctx["unit_total"] = sum(row["n"] for row in ctx["kind_counts"])
        return ctx
