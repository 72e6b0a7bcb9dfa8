"""Reads of the stock part: stock per organisation by appeal and item (from the `Stock` roll-up
only, never a scan of donations or hand-overs), what an organisation may still allocate, the
recipients it may allocate and hand over to, the directives it received, pending adjustments and
allocations. Everything that reaches a user passes through `restrict` (units.scope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from tongxin.command.models import Delivery, Directive
from tongxin.command.queries.directives import LIVE
from tongxin.core.types import Actor
from tongxin.donations.models import Adjustment, AdjustmentStatus, Allocation, Appeal, Item, Stock
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Unit

ZERO = Decimal("0")
COLUMNS = ("received", "allocated", "handed_over", "adjusted", "quantity")


@dataclass
class StockTable:
    """Stock rows and their totals (each total is the sum of its column, by construction)."""

    rows: list[Stock]
    totals: dict[str, Decimal] = field(default_factory=dict)


def stock_rows(user: Actor, *, unit: Unit | None = None, appeal: Appeal | None = None,
               include_cash: bool = True) -> QuerySet[Stock]:
    """The stock rows the user may read, by organisation, appeal and item."""
    qs = Stock.objects.restrict(user, scope.READ).select_related("unit", "appeal", "item")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if appeal is not None:
        qs = qs.filter(appeal=appeal)
    if not include_cash:
        qs = qs.exclude(item__kind="cash")
    return qs.order_by("unit__name", "appeal_id", "item__kind", "item__name", "item__specification", "id")


def table(rows: list[Stock]) -> StockTable:
    """The rows with the sum of every column (only meaningful for rows of one measure; the page
    shows totals per measure)."""
    return StockTable(rows, {c: sum((getattr(r, c) for r in rows), ZERO) for c in (*COLUMNS, "received_value")})


def totals_by_measure(rows: list[Stock]) -> list[tuple[str, dict[str, Decimal]]]:
    """(measure, column totals) for each unit of measure among the rows: kg and cases are never added up."""
    out: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        t = out.setdefault(r.item.measure, {c: ZERO for c in (*COLUMNS, "received_value")})
        for c in t:
            t[c] += getattr(r, c)
    return sorted(out.items())


def unallocated(unit: Unit, appeal: Appeal | None, item: Item) -> Decimal:
    """What may still be allocated: in stock, less what is allocated and not yet handed over."""
    row = Stock.objects.filter(unit=unit, appeal=appeal, item=item).first()
    if row is None:
        return ZERO
    return row.quantity - max(ZERO, row.allocated - row.handed_over)


def recipients_for(unit: Unit) -> QuerySet[Unit]:
    """The units `unit` may allocate and hand over to: active units of the registry within its own
    region's subtree (a county organisation: its county; a province-wide one: all of Hunan), never
    itself."""
    return (Unit.objects.filter(in_subtree("region_id", unit.region.prefix), is_active=True)
            .exclude(pk=unit.pk).select_related("region").order_by("region_id", "kind", "name"))


def recipients_for_stocks(stocks: QuerySet[Stock], limit: int = 20) -> QuerySet[Unit]:
    """Who the organisations holding `stocks` may give to (the union of `recipients_for` of the
    first `limit` of them, by name): the recipient choices of the allocation and hand-over forms."""
    recipients = Unit.objects.none()
    for u in Unit.objects.filter(pk__in=stocks.values("unit_id")).select_related("region")[:limit]:
        recipients |= recipients_for(u)
    return recipients.distinct().order_by("name")


def received_directives(unit: Unit) -> QuerySet[Directive]:
    """The live directives delivered to `unit` (an allocation may be decided on one)."""
    delivered = Delivery.objects.filter(unit=unit, directive__status__in=LIVE).values("directive_id")
    return Directive.objects.filter(pk__in=delivered).order_by("-issued_at", "-id")


def pending_adjustments(user: Actor, *, unit: Unit | None = None) -> QuerySet[Adjustment]:
    """Adjustments waiting for a second person's decision, that the user may read."""
    qs = adjustments(user, unit=unit).filter(status=AdjustmentStatus.PENDING)
    return qs


def adjustments(user: Actor, *, unit: Unit | None = None) -> QuerySet[Adjustment]:
    qs = Adjustment.objects.restrict(user, scope.READ).select_related("unit", "appeal", "item", "requested_by",
                                                                       "decided_by")
    return qs.filter(unit=unit) if unit is not None else qs


def allocations(user: Actor, *, unit: Unit | None = None, appeal: Appeal | None = None) -> QuerySet[Allocation]:
    """Allocation decisions the user may read: of the deciding organisation's scope."""
    qs = (Allocation.objects.restrict(user, scope.READ)
          .select_related("unit", "appeal", "recipient", "directive").prefetch_related("lines__item"))
    if unit is not None:
        qs = qs.filter(unit=unit)
    if appeal is not None:
        qs = qs.filter(appeal=appeal)
    return qs


def stock_units(user: Actor, mode: str = scope.FILE) -> QuerySet[Unit]:
    """Organisations holding stock the user may act on (FILE) or read."""
    return Unit.objects.filter(scope.scope_of(user).q(mode=mode)).filter(
        Q(pk__in=Stock.objects.values("unit_id"))).order_by("name")
