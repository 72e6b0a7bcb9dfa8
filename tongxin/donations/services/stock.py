"""Stock: the one place the `Stock` roll-up moves, its rebuild, and adjustments.

`move()` is how every other part (donations, allocations, hand-overs, corrections) changes stock:
it locks the (unit, appeal, item) row, adds the deltas, and refuses — with words naming the item
and what is left — a change that would take the quantity below zero. It must be called inside the
caller's transaction, so a refused move rolls back the whole write. `rebuild()` recomputes every
row from the records (current RECEIVED donations, current hand-overs, allocation lines, approved
adjustments); a property test keeps the two equal.

Adjustments (damaged, expired, recounted goods) are asked for by one person and approved by a
second; only approval moves stock.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import publiccache
from tongxin.donations.models import Appeal, Item, Stock
from tongxin.units.models import Unit

ZERO = Decimal("0")
PUBLIC = "donations"  # the public cache namespace (core.publiccache) every donations write bumps


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def move(unit: Unit, appeal: Appeal | None, item: Item, *, received: Decimal = ZERO,
         received_value: Decimal = ZERO, allocated: Decimal = ZERO, handed_over: Decimal = ZERO,
         adjusted: Decimal = ZERO, field: str = "quantity") -> Stock:
    """Add the deltas to the (unit, appeal, item) stock row, locked; refuse (ValidationError on
    `field`) a change that leaves less than zero in stock. Call inside the writer's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock.move runs inside the writer's transaction")
    Stock.objects.get_or_create(unit=unit, appeal=appeal, item=item)
    row = Stock.objects.select_for_update().get(unit=unit, appeal=appeal, item=item)
    left = row.quantity + received - handed_over + adjusted
    if left < 0:
        raise ValidationError({field: [_("%(item)s库存不足：现有 %(have)s%(measure)s，本次需要 %(need)s%(measure)s")
                                       % {"item": item, "have": _number(row.quantity), "measure": item.measure,
                                          "need": _number(handed_over - adjusted - received)}]})
    row.received += received
    row.received_value += received_value
    row.allocated += allocated
    row.handed_over += handed_over
    row.adjusted += adjusted
    row.quantity = left
    row.save()
    publiccache.bump(PUBLIC)
    return row


def available(unit: Unit, appeal: Appeal | None, item: Item) -> Decimal:
    """What is in stock now (no lock: for forms and previews; `move` re-checks under the lock)."""
    row = Stock.objects.filter(unit=unit, appeal=appeal, item=item).first()
    return row.quantity if row is not None else ZERO


def rebuild() -> int:
    """Recompute every stock row from the records; returns the number of rows written.
    (Implemented by the stock part.)"""
    raise NotImplementedError


# --- adjustments (the stock part) ------------------------------------------------------------------
# request_adjustment(actor, unit, *, appeal, item, quantity, reason, note) -> Adjustment
# decide_adjustment(actor, adjustment, *, approve: bool, note="") -> Adjustment   (a second person)
