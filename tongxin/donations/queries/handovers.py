"""Reads of the handovers part: which hand-overs a user sees, and which wait for their signature.

A hand-over belongs to the sending organisation's scope, and is also seen where it arrives: by the
recipient's own staff and by the bureaus above the recipient (a county officer sees what was
delivered to the hospitals of the county)."""

from __future__ import annotations

from django.db.models import QuerySet

from tongxin.accounts.actors import user_of
from tongxin.core.types import Actor
from tongxin.donations.models import Handover, HandoverStatus
from tongxin.units import scope
from tongxin.units.models import Membership, Unit


def visible(user: Actor, handovers: QuerySet[Handover] | None = None) -> QuerySet[Handover]:
    """Every hand-over (of `handovers`, default all) `user` reads: sent from, or delivered into,
    the user's scope."""
    mine = scope.scope_q(Handover, user, scope.READ)
    into = scope.scope_of(user).q("recipient", mode=scope.READ)
    return (Handover.objects.all() if handovers is None else handovers).filter(mine | into)


def own_units(user: Actor) -> QuerySet[Unit]:
    """The units whose own staff `user` is (only they sign for what arrives)."""
    u = user_of(user)
    if u is None:
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=Membership.objects.filter(user=u, role__in=scope.BUSINESS_ROLES)
                               .values("unit_id"))


def to_confirm(user: Actor) -> QuerySet[Handover]:
    """Hand-overs on their way to the user's own units, waiting for the user's count."""
    return Handover.objects.filter(recipient__in=own_units(user).values("pk"), status=HandoverStatus.SENT)
