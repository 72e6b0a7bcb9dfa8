"""`{% receiving_panel directive %}`: the receiving side's panel on a directive's page — the copies
the user may sign for (their own units and those they are on duty for), and the chain."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries import receiving as queries
from tongxin.command.services import receiving as services

register = template.Library()


@register.inclusion_tag("command/delivery_panel.html", takes_context=True)
def receiving_panel(context: template.Context, directive: Directive) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    now = timezone.now()
    mine = []
    for d in (queries.openable_deliveries(user, now).filter(directive=directive)
              .select_related("unit__region", "signed_by", "forwarded_as").order_by("unit__region_id", "unit_id")[:50]):
        if services.may_act_for(user, d.unit, now) or services.may_forward(user, d):
            mine.append(d)
    return {"directive": directive, "mine": mine, "signed_as": dict(Delivery.SignedAs.choices),
            **queries.chain_context(user, directive)}
