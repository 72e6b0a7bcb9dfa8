"""指挥调度: the one page the navigation opens for command and dispatch — what is in force over the
user's area and what waits for them (directives to sign, today's shifts, overdue action items),
with the way into each part. Every count is read through the parts' scoped queries."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone

from tongxin.command.queries import directives, duty, meetings, responses
from tongxin.command.queries.responses import in_force_q
from tongxin.core.views_base import ScopedTemplateView
from tongxin.units import scope


class HubView(ScopedTemplateView):
    template_name = "command/hub.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        s = scope.scope_of(user)
        ctx["in_force"] = list(responses.visible(user, now).filter(in_force_q(now))[:5])
        ctx["to_sign"] = directives.inbox(user, own_only=True).filter(signed_at=None).count()  # one's own units'
        ctx["my_shifts"] = len(duty.my_shifts(user, now=now))
        assignments = meetings.visible_assignments(user)
        ctx["overdue_items"] = meetings.filter_assignments(assignments, overdue=True).count()
        ctx["open_items"] = meetings.filter_assignments(assignments, status="open").count()
        ctx["bureau"] = bool(s.read_prefixes) and scope.has_role(user, *scope.BUREAU_OFFICERS)
        return ctx


urlpatterns = [path("", HubView.as_view(), name="index")]
