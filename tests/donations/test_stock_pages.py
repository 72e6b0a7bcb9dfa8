"""The stock pages: the table's totals equal the sum of its rows; an adjustment asked on one page is
decided by a second person on the next; an allocation beyond stock gets words, not a 500."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.donations import factories as f
from tests.world import person
from tongxin.donations.models import Adjustment, AdjustmentStatus, Allocation, Stock
from tongxin.units.models import Role

pytestmark = pytest.mark.django_db


def _cells(html, row_attr):
    return [Decimal(c.replace(",", "")) for c in re.findall(r'<td class="text-end[^"]*">([\d.,-]+)</td>', row_attr)]


def test_the_totals_row_is_the_sum_of_the_rows(world, client_for):
    water, mask = f.item("矿泉水", "550ml×24瓶", "箱"), f.item()
    f.donation(world.leshan, [(water, 180), (mask, 1000)])
    f.donation(world.leshan, [(water, 20)], appeal=f.appeal(world.leshan))
    f.handover(world.leshan, world.cili_home, [(water, 50)])
    page = client_for(world.leshan_staff).get(reverse("donations:stock")).content.decode()
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    foot = page.split("<tfoot")[1].split("</tfoot>")[0]
    boxes = [r for r in body.split("<tr>") if "<td>箱</td>" in r]
    total = [r for r in foot.split("<tr") if 'data-total="箱"' in r][0]
    sums = [sum(col) for col in zip(*[_cells(page, r) for r in boxes], strict=True)]
    assert _cells(page, total) == sums == [200, 0, 50, 0, 150]


def test_an_adjustment_is_asked_then_approved_by_a_second_person(world, client_for):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 180)])
    row = Stock.objects.get(item=water)
    asker = client_for(world.leshan_staff)
    bad = asker.post(reverse("donations:adjustment-create"), {"stock": row.pk, "quantity": "-999", "reason": "damaged",
                                                            "note": "破损"})
    assert bad.status_code == 400 and "库存不足" in bad.content.decode()
    ok = asker.post(reverse("donations:adjustment-create"), {"stock": row.pk, "quantity": "-20", "reason": "damaged",
                                                           "note": "运输破损"})
    assert ok.status_code == 302
    adj = Adjustment.objects.get()
    own = asker.post(reverse("donations:adjustment-decide", args=[adj.pk]), {"approve": "1"})
    assert own.status_code == 403
    second = client_for(person("leshan-2", world.leshan, Role.SOCIAL_STAFF))
    assert "批准" in second.get(reverse("donations:adjustments")).content.decode()
    assert second.post(reverse("donations:adjustment-decide", args=[adj.pk]), {"approve": "1"}).status_code == 302
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.APPROVED and Stock.objects.get(item=water).quantity == 160


def test_an_allocation_beyond_stock_gets_words_on_the_page(world, client_for):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 180)])
    row = Stock.objects.get(item=water)
    c = client_for(world.leshan_staff)
    assert c.get(reverse("donations:allocation-create")).status_code == 200
    data = {"recipient": world.cili_home.pk, "basis": "request", "basis_text": "来函", "decided_by": "秘书长",
            "decided_at": "2021-08-02T10:00", "stock_1": row.pk, "quantity_1": "181"}
    refused = c.post(reverse("donations:allocation-create"), data)
    assert refused.status_code == 400 and "可分配数量不足" in refused.content.decode()
    data["quantity_1"] = "100"
    done = c.post(reverse("donations:allocation-create"), data)
    assert done.status_code == 302
    a = Allocation.objects.get()
    assert "秘书长" in c.get(reverse("donations:allocation-detail", args=[a.pk])).content.decode()
    assert c.get(reverse("donations:allocations")).status_code == 200
