"""Stock arithmetic, its rebuild, and adjustments asked by one person and approved by a second."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404

from tests.donations import factories as f
from tests.world import person
from tongxin.donations.models import AdjustmentStatus, Stock
from tongxin.donations.services import stock
from tongxin.units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(world):
    """Another member of 乐善社工's staff: the second person who approves."""
    return person("leshan-2", world.leshan, Role.SOCIAL_STAFF, "乐善社工二")


def _row(item):
    return Stock.objects.get(item=item)


def test_stock_is_received_minus_handed_over_plus_adjusted(world, second):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 180, 5400)])
    f.handover(world.leshan, world.cili_home, [(water, 100)])
    adj = stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity="-20",
                                   reason="damaged", note="运输途中破损 20 箱")
    assert _row(water).quantity == 80  # nothing moves before approval
    stock.decide_adjustment(second, adj, approve=True)
    row = _row(water)
    assert (row.received, row.handed_over, row.adjusted, row.quantity) == (180, 100, -20, 60)
    assert row.received_value == 5400


def test_the_requester_cannot_approve_their_own_adjustment(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    adj = stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity="-2",
                                   reason="expired", note="过期")
    with pytest.raises(PermissionDenied) as refused:
        stock.decide_adjustment(world.leshan_staff, adj, approve=True)
    assert "申请人不能审核" in str(refused.value)
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.PENDING and _row(water).quantity == 10


def test_an_approval_that_would_go_negative_is_refused(world, second):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    adj = stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity="-8",
                                   reason="damaged", note="破损")
    f.handover(world.leshan, world.cili_home, [(water, 5)])  # now only 5 left
    with pytest.raises(ValidationError) as refused:
        stock.decide_adjustment(second, adj, approve=True)
    assert "库存不足" in str(refused.value)
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.PENDING and _row(water).quantity == 5


def test_a_decrease_beyond_stock_is_refused_at_the_request(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 3)])
    with pytest.raises(ValidationError) as refused:
        stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity="-4",
                                 reason="damaged", note="破损")
    assert "quantity" in refused.value.message_dict


@pytest.mark.parametrize(("quantity", "reason", "note", "field"), [
    ("0", "damaged", "x", "quantity"), ("abc", "damaged", "x", "quantity"), ("200000000", "recount", "x", "quantity"),
    ("5", "", "x", "reason"), ("5", "recount", "  ", "note"), ("NaN", "recount", "x", "quantity"),
])
def test_bad_adjustments_get_words(world, quantity, reason, note, field):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 3)])
    with pytest.raises(ValidationError) as refused:
        stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity=quantity,
                                 reason=reason, note=note)
    assert field in refused.value.message_dict


def test_a_rejection_moves_nothing_and_needs_words(world, second):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    adj = stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity="5",
                                   reason="recount", note="盘点多出 5 箱")
    with pytest.raises(ValidationError):
        stock.decide_adjustment(second, adj, approve=False)
    stock.decide_adjustment(second, adj, approve=False, note="未见盘点表")
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.REJECTED and _row(water).quantity == 10
    with pytest.raises(ValidationError):
        stock.decide_adjustment(second, adj, approve=True)


def test_a_stranger_county_gets_404_and_the_bureau_above_may_approve(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    adj = stock.request_adjustment(world.leshan_staff, world.leshan, appeal=None, item=water, quantity="-1",
                                   reason="damaged", note="破损")
    with pytest.raises(Http404):
        stock.decide_adjustment(world.nanxian, adj, approve=True)
    with pytest.raises(Http404):
        stock.request_adjustment(world.nanxian, world.leshan, appeal=None, item=water, quantity="-1",
                                 reason="damaged", note="破损")
    stock.decide_adjustment(world.cili, adj, approve=True)  # 慈利县民政局 is above 乐善
    assert _row(water).quantity == 9


def test_rebuild_equals_the_rows_kept_incrementally(world, second):
    water, mask = f.item("矿泉水", "550ml×24瓶", "箱"), f.item()
    a = f.appeal(world.leshan)
    f.donation(world.leshan, [(water, 180, 5400), (mask, 1000), (f.cash(), 28000)], appeal=a)
    f.handover(world.leshan, world.cili_home, [(water, 60), (mask, 1000)], appeal=a)
    adj = stock.request_adjustment(world.leshan_staff, world.leshan, appeal=a, item=water, quantity="-3",
                                   reason="damaged", note="破损")
    stock.decide_adjustment(second, adj, approve=True)
    kept = {(s.unit_id, s.appeal_id, s.item_id): (s.received, s.received_value, s.allocated, s.handed_over,
                                                  s.adjusted, s.quantity) for s in Stock.objects.all()}
    Stock.objects.update(quantity=Decimal(0), received=Decimal(0), handed_over=Decimal(0))
    call_command("donations_rebuild", verbosity=0)
    rebuilt = {(s.unit_id, s.appeal_id, s.item_id): (s.received, s.received_value, s.allocated, s.handed_over,
                                                     s.adjusted, s.quantity) for s in Stock.objects.all()}
    assert rebuilt == kept
    assert stock.rebuild() == 0  # nothing left to change
