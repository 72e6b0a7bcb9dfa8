"""Reads of the receiving side: which deliveries a user may open (their scope, plus the units they
are on duty for now), and a directive's chain seen from either end
(`chain_up`: 转发自 … up to the original; `forwards_tree`: the forwards below it, level by level)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from tongxin.command.models import Delivery, Directive, DutyShift
from tongxin.command.queries.directives import visible_directives
from tongxin.core.types import Actor


def on_duty_unit_ids(user: Actor, at: dt.datetime) -> set[int]:
    """The units `user` is on duty for at `at` (a duty officer of the day may sign for them)."""
    pk = getattr(user, "pk", None)
    if pk is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(DutyShift.objects.filter(user_id=pk, starts_at__lte=at, ends_at__gt=at)
               .values_list("unit_id", flat=True))


def openable_deliveries(user: Actor, at: dt.datetime) -> QuerySet[Delivery]:
    """Deliveries `user` may open: those in their scope (the unit's staff and the bureaus above),
    and those of the units they are on duty for at `at`."""
    duty = on_duty_unit_ids(user, at)
    q = Q(pk__in=Delivery.objects.restrict(user).values("pk"))
    if duty:
        q |= Q(unit_id__in=sorted(duty))
    return Delivery.objects.filter(q)


def chain_up(directive: Directive) -> list[Directive]:
    """The directives `directive` was forwarded from, nearest first, ending with the original."""
    out: list[Directive] = []
    seen = {directive.pk}
    current = directive
    while current.forwarded_from_id is not None and current.forwarded_from_id not in seen:
        parent = Directive.objects.select_related("issuer").get(pk=current.forwarded_from_id)
        out.append(parent)
        seen.add(parent.pk)
        current = parent
    return out


@dataclass
class ForwardNode:
    """One forward in a chain, with the forwards made of it."""

    directive: Directive
    children: list[ForwardNode] = field(default_factory=list)


def forwards_tree(directive: Directive) -> list[ForwardNode]:
    """The forwards made of `directive`, each with its own forwards below it (one query for the
    whole chain: every forward shares the original's `root`)."""
    root_id = directive.root_id or directive.pk
    rows = list(Directive.objects.filter(root_id=root_id, forwarded_from__isnull=False)
                .select_related("issuer", "issuer__region").order_by("issuer__region_id", "id"))
    nodes = {d.pk: ForwardNode(d) for d in rows}
    top: list[ForwardNode] = []
    for d in rows:
        node = nodes[d.pk]
        if d.forwarded_from_id == directive.pk:
            top.append(node)
        elif d.forwarded_from_id in nodes:
            nodes[d.forwarded_from_id].children.append(node)
    return top


def flatten(tree: list[ForwardNode], depth: int = 0) -> list[tuple[int, Directive]]:
    """The tree as (depth, directive) rows, parents before their children: for a page's list."""
    rows: list[tuple[int, Directive]] = []
    for node in tree:
        rows.append((depth, node.directive))
        rows.extend(flatten(node.children, depth + 1))
    return rows


def chain_context(user: Actor, directive: Directive) -> dict[str, object]:
    """What `command/directive_chain.html` shows for `user`: the chain up, the forwards below, and
    which of those directives the user may open (the way up is named but not linked where the user
    may not open it; forwards below the user may not open are left out)."""
    chain = chain_up(directive)
    forwards = flatten(forwards_tree(directive))
    ids = [d.pk for d in chain] + [d.pk for _depth, d in forwards]
    readable = set(visible_directives(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    # The way up is named whoever reads (where the directive came from); the forwards below only
    # where the user may read them (株洲's forward is no business of 慈利's).
    forwards = [(depth, d) for depth, d in forwards if d.pk in readable]
    return {"chain": chain, "forwards": forwards, "readable": readable}
