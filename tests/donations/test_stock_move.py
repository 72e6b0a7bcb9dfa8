"""services.stock.move: the one way stock changes, and its refusal to go below zero."""

import pytest
from django.core.exceptions import ValidationError

from tests.donations import factories as f
from tongxin.donations.models import Stock

pytestmark = pytest.mark.django_db


def test_received_minus_handed_over_is_what_is_left(world):
    a = f.appeal(world.nanxian_home)
    mask = f.item()
    f.donation(world.nanxian_home, [(mask, 1000, 2500), (f.cash(), 28000)], appeal=a)
    f.handover(world.nanxian_home, world.nanxian_home_2, [(mask, 400)], appeal=a)
    row = Stock.objects.get(item=mask)
    assert (row.received, row.handed_over, row.quantity, row.received_value) == (1000, 400, 600, 2500)


def test_handing_over_more_than_is_in_stock_is_refused_and_changes_nothing(world):
    mask = f.item()
    f.donation(world.nanxian_home, [(mask, 10)])
    with pytest.raises(ValidationError) as refused:
        f.handover(world.nanxian_home, world.nanxian_home_2, [(mask, 11)])
    assert "库存不足" in str(refused.value)
    assert Stock.objects.get(item=mask).quantity == 10

