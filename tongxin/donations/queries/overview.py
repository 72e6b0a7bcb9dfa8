"""Reads of the overview part: money and goods raised, allocated, handed over and in stock, read
from the `Stock` roll-up only (never donations), restricted to what the user may see.

`overview(user, region)` gives, inside `region`: one money row per child (the cities of a province,
the counties of a city, the units of a county; rows at the region itself as its 本级), per appeal
(general donations without an appeal as one row) and per organisation, and goods per item and
specification (quantities are never added across items). Every total is the sum of its rows.
Money is cash (the cash item's quantities) plus the received value of goods (frozen at receipt).
Four queries: money by unit, money by appeal, goods by item, the names of the child regions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from tongxin.donations.models import ItemKind, Stock
from tongxin.regions.models import Region
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Unit

ZERO = Decimal("0")
MONEY = ("cash", "cash_allocated", "cash_handed_over", "cash_in_stock", "goods_value")
CASH = Q(item__kind=ItemKind.CASH)
GOODS = Q(item__kind=ItemKind.GOODS)
MONEY_SUMS: dict[str, Any] = {
    "cash": Sum("received", filter=CASH), "cash_allocated": Sum("allocated", filter=CASH),
    "cash_handed_over": Sum("handed_over", filter=CASH), "cash_in_stock": Sum("quantity", filter=CASH),
    "goods_value": Sum("received_value", filter=GOODS),
}


@dataclass
class Money:
    cash: Decimal = ZERO
    cash_allocated: Decimal = ZERO
    cash_handed_over: Decimal = ZERO
    cash_in_stock: Decimal = ZERO
    goods_value: Decimal = ZERO

    @property
    def raised(self) -> Decimal:
        return self.cash + self.goods_value

    def add(self, other: Money) -> None:
        for name in MONEY:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in MONEY}, "raised": self.raised}


def _money(values: dict[str, Any]) -> Money:
    return Money(**{name: Decimal(values[name] or 0) for name in MONEY})


@dataclass
class Row:
    """A child region (`code`, drill-down), a unit (`unit_id`), an appeal (`appeal_id`), or 本级."""

    name: str
    money: Money
    code: str = ""
    unit_id: int | None = None
    appeal_id: int | None = None
    own_level: bool = False


@dataclass
class GoodsRow:
    item_id: int
    name: str
    specification: str
    measure: str
    received: Decimal
    allocated: Decimal
    handed_over: Decimal
    in_stock: Decimal
    value: Decimal


@dataclass
class Overview:
    region: Region
    regions: list[Row] = field(default_factory=list)
    appeals: list[Row] = field(default_factory=list)
    organisations: list[Row] = field(default_factory=list)
    goods: list[GoodsRow] = field(default_factory=list)
    total: Money = field(default_factory=Money)
    goods_value: Decimal = ZERO  # the sum of the goods rows' values

    @property
    def empty(self) -> bool:
        return not (self.organisations or self.goods)


def visible_stock(user: Any, region: Region) -> QuerySet[Stock]:
    """The stock rows of the units inside `region` that `user` may see."""
    return Stock.objects.restrict(user, scope.READ).filter(in_subtree("unit__region_id", region.prefix))


def overview(user: Any, region: Region) -> Overview:
    """The donations overview of `region` as `user` sees it."""
    qs = visible_stock(user, region)
    is_county = region.level >= Region.Level.COUNTY
    width = {1: 4, 2: 6}.get(int(region.level), 6)
    by_unit: list[Any] = list(qs.values("unit_id", "unit__name", "unit__region_id").annotate(**MONEY_SUMS).order_by())
    o = Overview(region=region)
    for g in by_unit:
        o.organisations.append(Row(name=g["unit__name"], money=_money(g), unit_id=g["unit_id"]))
    o.organisations.sort(key=lambda r: (-r.money.raised, r.name))
    for r in o.organisations:
        o.total.add(r.money)
    if is_county:
        o.regions = list(o.organisations)
    else:
        children: dict[str, Money] = {}
        for g in by_unit:
            children.setdefault(str(g["unit__region_id"])[:width], Money()).add(_money(g))
        for code, name in Region.objects.filter(parent=region).order_by("code").values_list("code", "name"):
            o.regions.append(Row(name=name, code=code, money=children.pop(code[:width], Money())))
        if children:
            own = Money()
            for m in children.values():
                own.add(m)
            o.regions.append(Row(name=region.name, money=own, own_level=True))
    by_appeal: list[Any] = list(qs.values("appeal_id", "appeal__title").annotate(**MONEY_SUMS).order_by("appeal_id"))
    for g in by_appeal:
        o.appeals.append(Row(name=g["appeal__title"] or "", money=_money(g), appeal_id=g["appeal_id"]))
    o.appeals.sort(key=lambda r: (r.appeal_id is None, -r.money.raised, r.name))
    goods: Any = (qs.filter(GOODS).values("item_id", "item__name", "item__specification", "item__measure")
             .annotate(received=Sum("received"), allocated=Sum("allocated"), handed_over=Sum("handed_over"),
                       in_stock=Sum("quantity"), value=Sum("received_value"))
             .order_by("item__name", "item__specification", "item_id"))
    for g in goods:
        o.goods.append(GoodsRow(item_id=g["item_id"], name=g["item__name"], specification=g["item__specification"],
                                measure=g["item__measure"], received=Decimal(g["received"] or 0),
                                allocated=Decimal(g["allocated"] or 0), handed_over=Decimal(g["handed_over"] or 0),
                                in_stock=Decimal(g["in_stock"] or 0), value=Decimal(g["value"] or 0)))
        o.goods_value += o.goods[-1].value
    return o


def default_region(user: Any) -> Region | None:
    """Where the overview opens: the user's outermost bureau region, else the region of the first
    (non-bureau) unit they sit at; None for a user with neither (the administrators)."""
    tops = scope.top_regions(user)
    if tops:
        return tops[0]
    units = sorted(scope.scope_of(user).units.get(scope.READ, frozenset()))
    code = Unit.objects.filter(pk__in=units).order_by("pk").values_list("region_id", flat=True).first()
    return Region.objects.filter(code=code).first() if code else None
