"""Scope-matrix rows of stock, adjustments and allocation decisions. 南县福利院 holds stock of
南县黄桃 (a gift), its reporter asked for an adjustment (so only a second person — 南县's or the
province's officer — may decide it), and it allocated to 南县南洲镇敬老院."""

from __future__ import annotations

from tests.scope.matrix import OWN, OWN_HOME, SIGNED_IN, row

ITEM = "南县黄桃"
NOTE = "南县福利院冷库停电损毁"
BASIS = "南洲镇敬老院来函要黄桃"


def objects(world, objs) -> dict:
    from django.utils import timezone

    from tests.donations import factories
    from tongxin.donations.models import Basis
    from tongxin.donations.services import allocations, stock

    peach = factories.item(ITEM, "", "千克")
    factories.donation(world.nanxian_home, [(peach, 500, 6000)])
    adjustment = stock.request_adjustment(world.home_reporter, world.nanxian_home, appeal=None, item=peach,
                                          quantity="-5", reason="damaged", note=NOTE)
    allocation = allocations.decide(None, world.nanxian_home, appeal=None, recipient=world.nanxian_home_2,
                                    basis=Basis.REQUEST, basis_text=BASIS, decided_by="院长",
                                    decided_at=timezone.now(), lines=[{"item": peach, "quantity": "100"}])
    from tongxin.donations.models import Stock

    return {"s_item": peach, "s_stock": Stock.objects.get(item=peach), "s_adjustment": adjustment,
            "s_allocation": allocation}


def _adjust(o):
    return {"unit": o["home"].pk, "item": o["s_item"].pk, "quantity": "-1", "reason": "expired", "note": "过期"}


def _allocate(o):
    return {"unit": o["home"].pk, "recipient": o["home_2"].pk, "basis": "request", "basis_text": "来函",
            "decided_by": "院长", "decided_at": "2021-08-02T10:00:00+08:00",
            "lines": [{"item": o["s_item"].pk, "quantity": "10"}]}


ROWS = [
    row("donations:stock", ok=SIGNED_IN, hidden=ITEM, sees=OWN_HOME),
    row("donations:adjustments", ok=SIGNED_IN, hidden=NOTE, sees=OWN_HOME),
    row("donations:adjustment-create", ok=OWN_HOME, other=403),
    row("donations:adjustment-create", "post", body={}, ok=OWN_HOME, ok_status=400, other=403),
    row("donations:adjustment-decide", "post", args=["s_adjustment"], body={"approve": "1"}, ok=OWN,
        forbidden={"home_reporter"}),
    row("donations:allocations", ok=SIGNED_IN, hidden=BASIS, sees=OWN_HOME),
    row("donations:allocation-create", ok=OWN_HOME, other=403),
    row("donations:allocation-create", "post", body={}, ok=OWN_HOME, ok_status=400, other=403),
    row("donations:allocation-detail", args=["s_allocation"], ok=OWN_HOME),
    row("donations-stock-list", ok=SIGNED_IN, hidden=ITEM, sees=OWN_HOME),
    row("donations-stock-detail", args=["s_stock"], ok=OWN_HOME),
    row("donations-adjustment-list", ok=SIGNED_IN, hidden=NOTE, sees=OWN_HOME),
    row("donations-adjustment-detail", args=["s_adjustment"], ok=OWN_HOME),
    row("donations-adjustment-list", "post", body=_adjust, ok=OWN_HOME, ok_status=201),
    row("donations-adjustment-approve", "post", args=["s_adjustment"], body={}, ok=OWN, forbidden={"home_reporter"}),
    row("donations-adjustment-reject", "post", args=["s_adjustment"], body={"note": "不同意"}, ok=OWN,
        forbidden={"home_reporter"}),
    row("donations-allocation-list", ok=SIGNED_IN, hidden=BASIS, sees=OWN_HOME),
    row("donations-allocation-detail", args=["s_allocation"], ok=OWN_HOME),
    row("donations-allocation-list", "post", body=_allocate, ok=OWN_HOME, ok_status=201),
]
