"""queries.donations: the scoped list and its filters, totals equal to the sum of the rows, and the
donor shown as the personal-data policy allows."""

from decimal import Decimal

import pytest

from tests.donations import factories as f
from tests.donations.gifts import association, cash, enterprise, give, goods
from tongxin.donations.models import DonationStatus
from tongxin.donations.queries import donations as queries
from tongxin.donations.services import donations as services

pytestmark = pytest.mark.django_db


def test_totals_equal_the_sum_of_the_received_rows(world):
    member, _second = association(world)
    a = f.appeal(world.leshan)
    give(world, [cash(28000), goods(1000, value="2500")], {**enterprise(member), "appeal_id": a.pk})
    give(world, [cash(500), goods(180, name="矿泉水", spec="550ml×24瓶", measure="箱", unit_value="30")])
    give(world, [cash(999)], received=False)  # a pledge counts nowhere
    d = give(world, [cash(100)])
    services.correct_donation(world.leshan_staff, d, reason="实为 120 元", lines=[cash(120)])
    rows = list(queries.donations_for(world.leshan_staff, status=DonationStatus.RECEIVED))
    t = queries.totals(queries.donations_for(world.leshan_staff))
    assert t.count == len(rows) == 3
    assert t.cash == sum(line.quantity for r in rows for line in r.lines.all() if line.item.is_cash) == Decimal("28620")
    assert [(g["item"], g["quantity"], g["value"]) for g in t.goods] == [
        ("口罩（KN95）", 1000, 2500), ("矿泉水（550ml×24瓶）", 180, 5400)]
    assert t.goods_value == 7900
    assert queries.totals(queries.donations_for(world.leshan_staff, appeal_id=a.pk)).cash == 28000


def test_the_list_filters_by_donor_kind_and_status(world):
    give(world, [cash(1)])
    give(world, [cash(2)], {"donor_kind": "anonymous", "channel": "cash"})
    give(world, [cash(3)], received=False)
    assert queries.donations_for(world.leshan_staff, donor_kind="anonymous").count() == 1
    assert queries.donations_for(world.leshan_staff, status=DonationStatus.PLEDGED).count() == 1


def test_a_stranger_county_sees_no_donation(world):
    give(world, [cash(1)])
    assert queries.donations_for(world.nanxian).count() == 0
    assert queries.donations_for(world.cili).count() == 1


def test_a_persons_name_and_phone_are_masked_for_the_province_but_not_for_the_organisation(world):
    d = give(world, [cash(1)])
    own = queries.donor_display(world.leshan_staff, d)
    assert own == {"name": "王秀英", "credit_code": "", "phone": "13907441234"}
    above = queries.donor_display(world.hunan, d)
    assert above["name"] == "王某某" and above["phone"] == "139****1234"


def test_an_enterprise_is_not_personal_data_and_anonymous_stays_anonymous(world):
    member, _second = association(world)
    d = give(world, [cash(1)], enterprise(member))
    assert queries.donor_display(world.hunan, d)["name"] == member.name
    anon = give(world, [cash(1)], {"donor_kind": "anonymous", "channel": "cash"})
    assert queries.donor_display(world.leshan_staff, anon)["name"] == "匿名"
