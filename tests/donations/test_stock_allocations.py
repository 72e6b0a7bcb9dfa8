"""Allocation decisions: who decided, on what basis, for whom; never beyond stock, never outside scope."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from tests.donations import factories as f
from tongxin.donations.models import Basis, Stock
from tongxin.donations.queries.stock import recipients_for
from tongxin.donations.services import allocations

pytestmark = pytest.mark.django_db


def _decide(world, lines, recipient=None, actor=None, **kw):
    return allocations.decide(actor or world.leshan_staff, world.leshan, appeal=kw.pop("appeal", None),
                              recipient=recipient or world.cili_home, basis=kw.pop("basis", Basis.REQUEST),
                              basis_text=kw.pop("basis_text", "零阳镇敬老院 8 月 1 日来函"), decided_by="协会秘书长",
                              decided_at=timezone.now(), lines=lines, **kw)


def test_an_allocation_records_the_decision_and_moves_allocated(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 180)])
    a = _decide(world, [{"item": water, "quantity": "100"}])
    assert (a.recipient, a.decided_by, a.basis) == (world.cili_home, "协会秘书长", Basis.REQUEST)
    row = Stock.objects.get(item=water)
    assert (row.allocated, row.quantity) == (100, 180)  # allocated is a decision: stock leaves on hand-over


def test_allocating_beyond_stock_less_what_is_already_allocated_is_refused(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 180)])
    _decide(world, [{"item": water, "quantity": "100"}])
    with pytest.raises(ValidationError) as refused:
        _decide(world, [{"item": water, "quantity": "81"}])
    assert "可分配数量不足" in str(refused.value)
    _decide(world, [{"item": water, "quantity": "80"}])
    assert Stock.objects.get(item=water).allocated == 180


def test_a_recipient_outside_scope_is_refused_with_words(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    with pytest.raises(ValidationError) as refused:
        _decide(world, [{"item": water, "quantity": "1"}], recipient=world.nanxian_home)
    assert "不在本单位的服务范围内" in refused.value.message_dict["recipient"][0]
    assert world.nanxian_home not in recipients_for(world.leshan)
    assert world.leshan not in recipients_for(world.leshan)
    assert world.nanxian_home in recipients_for(world.province)
    assert Stock.objects.get(item=water).allocated == 0


def test_bad_lines_and_a_missing_basis_get_words_and_nothing_is_saved(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    with pytest.raises(ValidationError) as refused:
        _decide(world, [{"item": water, "quantity": "-1"}, {"item": None, "quantity": "1"}], basis="x",
                basis_text=" ")
    assert {"lines", "basis", "basis_text"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError):
        _decide(world, [])
    assert Stock.objects.get(item=water).allocated == 0


def test_a_stranger_cannot_decide_for_the_organisation(world):
    water = f.item("矿泉水", "550ml×24瓶", "箱")
    f.donation(world.leshan, [(water, 10)])
    with pytest.raises(Http404):
        _decide(world, [{"item": water, "quantity": "1"}], actor=world.nanxian)
