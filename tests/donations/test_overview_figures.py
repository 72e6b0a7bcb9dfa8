"""The donations overview: figures by region read from the stock roll-up, scoped, totals = sum of rows."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.donations import factories as f
from tongxin.donations.queries.overview import overview
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db


def _story(world):
    a = f.appeal(world.nanxian_home)
    mask = f.item()
    f.donation(world.nanxian_home, [(mask, 1000, 2500), (f.cash(), 28000)], appeal=a)
    f.donation(world.cili_home, [(f.cash(), 500)])
    f.handover(world.nanxian_home, world.nanxian_home_2, [(mask, 400), (f.cash(), 8000)], appeal=a)
    return a, mask


def test_county_officer_sees_their_homes_cash_goods_and_stock(world):
    _a, mask = _story(world)
    o = overview(world.nanxian, Region.objects.get(code="430921"))
    assert [r.name for r in o.regions] == ["南县福利院"]
    t = o.total
    assert (t.cash, t.cash_handed_over, t.cash_in_stock, t.goods_value, t.raised) == (28000, 8000, 20000, 2500, 30500)
    [g] = o.goods
    assert (g.name, g.specification, g.received, g.handed_over, g.in_stock, g.value) == ("口罩", "KN95", 1000, 400,
                                                                                          600, 2500)


def test_province_sees_each_city_and_drills_down(world):
    _story(world)
    o = overview(world.hunan, Region.objects.get(code="430000"))
    by_name = {r.name: r.money for r in o.regions}
    assert by_name["益阳市"].raised == 30500
    assert by_name["张家界市"].cash == 500
    assert o.total.cash == 28500
    assert {r.code for r in o.regions if r.code} == set(Region.objects.filter(parent__code="430000")
                                                        .values_list("code", flat=True))


def test_stranger_county_sees_none_of_nanxians_gifts(world):
    _story(world)
    o = overview(world.cili, Region.objects.get(code="430000"))
    assert o.total.cash == 500 and o.total.goods_value == 0 and o.goods == []
    assert all(r.name != "南县福利院" for r in o.organisations)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["nanxian_home", "nanxian_home_2", "cili_home"]), st.booleans(),
                          st.integers(1, 10_000), st.integers(0, 5_000), st.booleans()), min_size=1, max_size=6))
def test_every_total_is_the_sum_of_its_rows(world, gifts):
    appeal = f.appeal(world.nanxian_home)
    mask = f.item()
    for unit, is_cash, qty, value, under_appeal in gifts:
        line = (f.cash(), qty) if is_cash else (mask, qty, value)
        f.donation(getattr(world, unit), [line], appeal=appeal if under_appeal else None)
    o = overview(world.hunan, Region.objects.get(code="430000"))
    for rows in (o.regions, o.appeals, o.organisations):
        for name in ("cash", "cash_handed_over", "cash_in_stock", "goods_value", "raised"):
            assert sum((getattr(r.money, name) for r in rows), Decimal(0)) == getattr(o.total, name)
    assert sum((g.value for g in o.goods), Decimal(0)) == o.goods_value == o.total.goods_value
