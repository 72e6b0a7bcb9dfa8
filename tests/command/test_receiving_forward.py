"""A city or county bureau forwards (转发) a directive it received to its own subtree with its own
requirements, and the chain is seen from either end: province → 张家界市民政局 → 慈利县民政局 →
慈利县零阳镇敬老院."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.command.helpers import DAY, at, cili_home_staff, delivery, issue, zhangjiajie_officer
from tongxin.command.models import Delivery, Directive
from tongxin.command.queries.receiving import chain_up, flatten, forwards_tree
from tongxin.command.services import receiving
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db

DEADLINE = at(DAY, 18)
TITLE = "关于在全省民政系统开展拉网式隐患大排查行动的紧急通知"


@pytest.fixture
def notice(world):
    """The province's urgent notice to the city bureaus."""
    return issue(world, target_kinds=["bureau"], target_levels=["city"], now=at(DAY, 10), feedback_required=True,
                 title=TITLE)


@pytest.fixture
def zjj(world):
    return zhangjiajie_officer(world)


def city_forward(world, notice, zjj, **kw):
    return receiving.forward(zjj, delivery(notice, world.zhangjiajie), requirements="各区县局当日完成部署。",
                             sign_deadline=DEADLINE, target_kinds=["bureau"], now=at(DAY, 11), **kw)


def test_the_city_forwards_to_its_counties_at_once(world, notice, zjj):
    fwd = city_forward(world, notice, zjj)
    assert fwd.status == Directive.Status.ISSUED and fwd.issued_at == at(DAY, 11)
    assert (fwd.issuer, fwd.forwarded_from, fwd.root) == (world.zhangjiajie, notice, notice)
    assert fwd.title == "转发：关于在全省民政系统开展拉网式隐患大排查行动的紧急通知"
    assert fwd.body.startswith("各区县局当日完成部署。") and notice.body in fwd.body
    assert [d.unit for d in fwd.deliveries.all()] == [world.cili_bureau]
    assert all(d.root_id == notice.pk for d in fwd.deliveries.all())


def test_forwarding_signs_the_bureaus_own_copy_and_records_the_forward(world, notice, zjj):
    fwd = city_forward(world, notice, zjj)
    own = delivery(notice, world.zhangjiajie)
    assert (own.signed_by, own.signed_at, own.forwarded_as) == (zjj, at(DAY, 11), fwd)


def test_forwarding_keeps_the_urgency_and_the_feedback_request(world, notice, zjj):
    fwd = city_forward(world, notice, zjj)
    assert (fwd.urgency, fwd.feedback_required, fwd.feedback_deadline) == (
        notice.urgency, True, notice.feedback_deadline)


def test_a_chain_two_levels_deep_seen_from_both_ends(world, notice, zjj):
    city = city_forward(world, notice, zjj)
    county = receiving.forward(world.cili, delivery(city, world.cili_bureau), requirements="各敬老院立即自查。",
                               sign_deadline=DEADLINE, target_kinds=["elderly_care"], target_levels=["unit"],
                               now=at(DAY, 12))
    home = delivery(county, world.cili_home)
    staff = cili_home_staff(world)
    receiving.sign(staff, home, now=at(DAY, 13))
    assert county.root == notice and county.title.count("转发") == 1
    assert chain_up(county) == [city, notice]
    assert [(depth, d) for depth, d in flatten(forwards_tree(notice))] == [(0, city), (1, county)]
    assert flatten(forwards_tree(city)) == [(0, county)]
    assert Delivery.objects.filter(root=notice, signed_at__isnull=False).count() == 3  # city, county, home


def test_forwarding_outside_ones_subtree_is_refused(world, notice, zjj):
    with pytest.raises(ValidationError) as exc:
        city_forward(world, notice, zjj, region=Region.objects.get(code="430921"))  # 南县, 益阳's
    assert "本级辖区" in exc.value.message_dict["region"][0]
    assert not Directive.objects.filter(forwarded_from=notice).exists()
    assert delivery(notice, world.zhangjiajie).signed_at is None


def test_forwarding_into_a_county_of_ones_own(world, notice, zjj):
    fwd = city_forward(world, notice, zjj, region=Region.objects.get(code="430821"))
    assert fwd.region_id == "430821"


def test_a_stranger_county_cannot_forward_anothers_copy(world, notice):
    with pytest.raises(Http404):
        receiving.forward(world.cili, delivery(notice, world.yiyang), requirements="x", sign_deadline=DEADLINE,
                          now=at(DAY, 11))


def test_the_province_above_sees_the_citys_copy_but_does_not_forward_for_it(world, notice):
    with pytest.raises(PermissionDenied, match="张家界市民政局"):
        receiving.forward(world.hunan, delivery(notice, world.zhangjiajie), requirements="x",
                          sign_deadline=DEADLINE, now=at(DAY, 11))


def test_a_home_does_not_forward(world):
    notice = issue(world, now=at(DAY, 10), feedback_required=True, title=TITLE)
    with pytest.raises((PermissionDenied, ValidationError)):
        receiving.forward(world.home_reporter, delivery(notice, world.nanxian_home), requirements="x",
                          sign_deadline=DEADLINE, now=at(DAY, 11))


def test_forwarding_twice_is_refused(world, notice, zjj):
    city_forward(world, notice, zjj)
    with pytest.raises(ValidationError, match="不能重复转发"):
        city_forward(world, notice, zjj)


def test_a_closed_directive_is_not_forwarded(world, notice, zjj):
    Directive.objects.filter(pk=notice.pk).update(status=Directive.Status.CLOSED)
    with pytest.raises(ValidationError, match="已办结"):
        city_forward(world, notice, zjj)


@pytest.mark.parametrize("field, kw", [
    ("requirements", {"requirements": ""}),
    ("requirements", {"requirements": "长" * 6000}),
    ("sign_deadline", {"sign_deadline": at(DAY, 9)}),
    ("feedback_deadline", {"feedback_deadline": at(DAY, 12) - dt.timedelta(days=1)}),
    ("target_kinds", {"target_kinds": ["spaceport"]}),
    ("target_levels", {"target_levels": ["province"]}),
    ("title", {"title": "题" * 300}),
])
def test_bad_forwards_are_refused_naming_the_field(world, notice, zjj, field, kw):
    values = {"requirements": "部署。", "sign_deadline": DEADLINE, **kw}
    with pytest.raises(ValidationError) as exc:
        receiving.forward(zjj, delivery(notice, world.zhangjiajie), now=at(DAY, 11), **values)
    assert field in exc.value.message_dict
    assert not Directive.objects.filter(forwarded_from=notice).exists()


def test_an_officers_forward_names_no_approver(world, notice, zjj):
    """It goes out at once on the strength of the leader's approval above; it never names a 签发人 falsely."""
    fwd = city_forward(world, notice, zjj)
    assert fwd.approved_by is None and fwd.approved_at is None and fwd.drafted_by == zjj


def test_withdrawing_a_directive_withdraws_the_forwards_made_of_it(world, notice, zjj):
    from tests.command.helpers import leader
    from tongxin.command.services import directives

    fwd = city_forward(world, notice, zjj)
    county = receiving.forward(world.cili, delivery(fwd, world.cili_bureau), requirements="各院当日排查。",
                               sign_deadline=DEADLINE, target_kinds=["elderly_care"], target_levels=["unit"],
                               now=at(DAY, 12))
    directives.withdraw(leader(world), notice, reason="重复下发", now=at(DAY, 13))
    for d in (fwd, county):
        d.refresh_from_db()
        assert d.status == Directive.Status.WITHDRAWN and d.withdrawn_at == at(DAY, 13)
        assert "重复下发" in d.withdraw_reason
    with pytest.raises(ValidationError):  # nobody below signs what the top took back
        receiving.sign(cili_home_staff(world), delivery(county, world.cili_home), now=at(DAY, 14))


def test_a_stranger_county_sees_the_way_up_but_not_other_cities_forwards(world):
    from tests.world import person
    from tongxin.command.queries.receiving import chain_context
    from tongxin.units.models import Role
    from tongxin.units.services import create_unit

    zhuzhou = create_unit(None, name="株洲市民政局", kind="bureau", region_id="430200")
    zz = person("zhuzhou", zhuzhou, Role.OFFICER, "株洲")
    create_unit(None, name="株洲市荷塘区民政局", kind="bureau", region_id="430202")
    notice = issue(world, target_kinds=["bureau"], target_levels=["city"], now=at(DAY, 10), feedback_required=True,
                   title=TITLE)
    zjj = zhangjiajie_officer(world)
    receiving.forward(zz, delivery(notice, zhuzhou), requirements="株洲各区县当日完成。", sign_deadline=DEADLINE,
                      target_kinds=["bureau"], now=at(DAY, 11))
    fwd = city_forward(world, notice, zjj)
    seen = chain_context(world.cili, fwd)
    assert [d.pk for d in seen["chain"]] == [notice.pk]
    assert all(d.issuer_id != zhuzhou.pk for _depth, d in seen["forwards"])
    assert all(d.issuer_id != zhuzhou.pk for _depth, d in chain_context(world.cili, notice)["forwards"])
