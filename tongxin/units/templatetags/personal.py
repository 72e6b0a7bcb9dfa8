"""`{% load personal %}{% personal entry.responsible_phone entry.unit %}`: personal data as the
signed-in user may see it (units.personal: in full for the person's own unit and the bureau that
directly supervises it, masked for everyone else). `kind="id_number"` for an ID number; `as name`
to keep the result, e.g. to link a full number only.
"""

from __future__ import annotations

from typing import Any

from django import template

from tongxin.units.models import Unit
from tongxin.units.personal import PersonalKind, shown

register = template.Library()


@register.simple_tag(takes_context=True)
def personal(context: template.Context, value: str | None, unit: Unit | None, kind: PersonalKind = "phone") -> str:
    request = context.get("request")
    user: Any = getattr(request, "user", None) or context.get("user")
    return shown(user, value, unit, kind)
