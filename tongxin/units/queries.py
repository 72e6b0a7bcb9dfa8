"""Reads of units for lists, pages and exports; always through the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from tongxin.core.types import Actor
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Unit


def visible_units(user: Actor) -> QuerySet[Unit]:
    """Units the user may see, with what a list row shows already joined."""
    return scope.restrict(Unit.objects.select_related("region", "supervisor"), user)


PURPOSES = ("registry", "file")


def pickable_units(user: Actor, purpose: str = "registry") -> QuerySet[Unit]:
    """The units a unit picker may offer: `registry`, every unit the user sees in the registry;
    `file`, the active non-bureau units the user may file for (put a problem on the ledger, file a
    report). A picker's endpoint and its form field read the same set."""
    qs = Unit.objects.select_related("region")
    if purpose == "file":
        return scope.restrict(qs.filter(is_active=True).exclude(kind=Kind.BUREAU), user, mode=scope.FILE)
    return scope.restrict(qs, user, mode=scope.REGISTRY)


def unit_detail(user: Actor, pk: Any) -> Unit:
    return scope.get_visible(Unit.objects.select_related("region", "supervisor", "member_of"), user, pk=pk)


def memberships_of(user: Actor, unit: Unit) -> QuerySet[Membership]:
    return scope.restrict(Membership.objects.filter(unit=unit).select_related("user"), user)


def counts_by_kind(units: QuerySet[Unit]) -> list[dict[str, Any]]:
    """[{kind, label, n}] for the units given, in the order of the Kind choices."""
    counts = dict(units.order_by().values_list("kind").annotate(n=Count("id")))
    return [{"kind": k, "label": label, "n": counts[k]} for k, label in Kind.choices if k in counts]
