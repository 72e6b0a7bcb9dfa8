"""催办 on a directive's page or board: `{% chase_button directive %}` (the 催办 link, for the issuer's
side while units have not signed) and `{% chase_row delivery %}` (登记到台账 on a row whose feedback is
overdue). Both read the request's user and show nothing to anyone else."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries import chase as queries

register = template.Library()


@register.inclusion_tag("command/directive_remind_button.html", takes_context=True)
def chase_button(context: dict[str, Any], directive: Directive) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    show = (user is not None and user.is_authenticated and directive.status == Directive.Status.ISSUED
            and queries.may_chase(user, directive) and queries.unsigned(directive).exists())
    return {"show": show, "directive": directive, "next": request.get_full_path() if request else ""}


@register.inclusion_tag("command/delivery_actions.html", takes_context=True)
def chase_row(context: dict[str, Any], delivery: Delivery) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    overdue = (user is not None and user.is_authenticated and queries.feedback_overdue(delivery, timezone.now())
               and queries.may_chase(user, delivery.directive))
    raised = list(queries.raised_for(delivery).values_list("number", flat=True)) if overdue else []
    return {"delivery": delivery, "overdue": overdue, "raised": raised,
            "next": request.get_full_path() if request else "", "csrf_token": context.get("csrf_token")}
