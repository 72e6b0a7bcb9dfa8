"""Reads of units for lists, pages and exports; always through the user's scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from tongxin.accounts.models import User
from tongxin.core.types import Actor
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Unit
from tongxin.units.personal import supervising_bureaus


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


# --- whom a notice about a unit reaches ---------------------------------------------------------

def members_by_unit(units: Iterable[Unit], roles: Iterable[str] = scope.BUSINESS_ROLES) -> dict[int, list[User]]:
    """{unit id: its active accounts holding one of `roles` there (default: any business role)}, in one
    query, each account once, in account order. A unit with nobody is absent."""
    ids = [u.pk for u in units]
    out: dict[int, list[User]] = {}
    rows = (Membership.objects.filter(unit_id__in=ids, unit__is_active=True, role__in=list(roles),
                                      user__is_active=True).select_related("user").order_by("unit_id", "user_id"))
    for m in rows:
        people = out.setdefault(m.unit_id, [])
        if m.user not in people:
            people.append(m.user)
    return out


def staff_by_unit(units: Iterable[Unit]) -> dict[int, list[User]]:
    """{unit id: its active staff in a business role (reporter, manager, social-organisation staff)}:
    the people a notice to a unit (催报, a ledger entry of theirs) reaches."""
    return members_by_unit(units, scope.UNIT_FILERS)


def staff_of(unit: Unit) -> list[User]:
    """The active staff of `unit` in a business role (see `staff_by_unit`)."""
    return staff_by_unit([unit]).get(unit.pk, [])


def supervising_officers(unit: Unit) -> list[User]:
    """The active officers and leaders of the bureau(s) that directly supervise `unit`
    (`personal.supervising_bureaus`: its supervisor, else the nearest bureau of its region or above)."""
    rows = (Membership.objects.filter(unit_id__in=supervising_bureaus(unit), unit__is_active=True,
                                      role__in=scope.BUREAU_OFFICERS, user__is_active=True)
            .select_related("user").order_by("user_id"))
    return list({m.user_id: m.user for m in rows}.values())
