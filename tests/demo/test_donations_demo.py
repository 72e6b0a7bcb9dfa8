"""The donations demo's story data (donations_story.py): the story's numbers exactly.

The first tests check the data the builder turns into records (no database); the rest read the
built demo (tests/demo/conftest.py): the public figures, the hand-overs signed by the recipients'
own staff, the correction shown as a 更正说明, the consent of each donor, the live clock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tongxin.demo import donations_story as ds
from tongxin.demo import story


def test_the_32_member_enterprises_each_give_once_on_august_2():
    assert sorted(g.enterprise for g in ds.ZHUZHOU_GIFTS) == list(range(story.MEMBER_COUNT)) == list(range(32))
    assert ds.GIVING_DAY.isoformat() == "2021-08-02"


def test_zhuzhou_gives_exactly_28000_yuan_and_the_four_kinds_of_goods():
    assert sum(g.cash for g in ds.ZHUZHOU_GIFTS) == ds.ZHUZHOU_CASH == 28_000
    totals = {ds.PEACHES: sum(g.peaches for g in ds.ZHUZHOU_GIFTS), ds.WATER: sum(g.water for g in ds.ZHUZHOU_GIFTS),
              ds.NOODLES: sum(g.noodles for g in ds.ZHUZHOU_GIFTS), ds.MASKS: sum(g.masks for g in ds.ZHUZHOU_GIFTS)}
    assert totals == ds.ZHUZHOU_GOODS == {ds.PEACHES: 500, ds.WATER: 180, ds.NOODLES: 140, ds.MASKS: 1000}
    assert (ds.PEACHES.measure, ds.WATER.measure, ds.NOODLES.measure, ds.MASKS.measure) == ("千克", "箱", "箱", "只")


def test_some_enterprises_consent_to_publish_their_name_and_some_do_not():
    consents = {g.name_public for g in ds.ZHUZHOU_GIFTS}
    assert consents == {True, False}


def test_the_cross_border_association_gathers_exactly_2350900_yuan_of_masks_water_and_noodles():
    assert sum((g.value for g in ds.ECOMMERCE_GIFTS), Decimal(0)) == ds.ECOMMERCE_TOTAL == Decimal("2350900")
    assert {g.goods.name for g in ds.ECOMMERCE_GIFTS} == {"口罩", "矿泉水", "方便面"}
    for g in ds.ECOMMERCE_GIFTS:  # where a unit price is used, value = quantity × unit value
        if g.value == g.goods.unit_value * g.quantity:
            continue
        assert g.donor == "" and g.goods == ds.E_NOODLES  # the one invoice total without a unit price
    handed = {goods for _at, lines in ds.ECOMMERCE_HANDOVERS for goods in lines}
    assert handed == {g.goods for g in ds.ECOMMERCE_GIFTS}


def test_one_hand_over_correction_of_the_water_count():
    c = ds.CORRECTION
    assert c.goods in ds.ECOMMERCE_HANDOVERS[c.handover][1]
    assert (c.recorded, c.actual) == (1_200, 12_000)
    assert c.actual == sum(g.quantity for g in ds.ECOMMERCE_GIFTS if g.goods == c.goods)


def test_the_joint_appeal_names_both_tourism_associations_and_the_live_disclosure_is_due_today():
    assert ds.JOINT_APPEAL_ON.isoformat() == "2021-08-05"
    assert {"湖南省旅游协会", "湖南省旅游饭店协会"} <= set(ds.JOINT_ISSUERS)
    orgs = {o.name for o in story.ORGANISATIONS}
    assert set(ds.JOINT_ISSUERS) | {ds.RED_CROSS, ds.HOSPITAL} <= orgs
    assert ds.LIVE_DISCLOSURES[-1] + 5 == 0  # last disclosure 5 days ago on the 5-day clock: due today


def test_every_donations_login_is_in_the_demo():
    assert set(ds.LOGIN_NAMES) <= {login.username for login in story.LOGINS}


# --- the built demo ---------------------------------------------------------------------------------

@pytest.fixture
def built(demo_builds, db):
    return demo_builds


def _appeal(title):
    from tongxin.donations.models import Appeal

    return Appeal.objects.get(title=title)


def test_zhuzhou_appeal_shows_28000_yuan_and_the_goods_all_signed_for_by_the_hospital(built):
    from tongxin.donations.models import Handover, HandoverStatus
    from tongxin.donations.queries import public

    appeal = _appeal(ds.ZHUZHOU_APPEAL)
    d = public.for_appeal(appeal)
    assert d.cash_total == ds.ZHUZHOU_CASH == sum(row.cash for row in d.donations)
    goods = {(row.item, row.quantity) for row in d.goods_rows}
    assert goods == {(f"{g.name}（{g.specification}）" if g.specification else g.name, Decimal(q))
                     for g, q in ds.ZHUZHOU_GOODS.items()}
    assert d.donation_count == 32
    h = Handover.objects.get(appeal=appeal)
    assert h.status == HandoverStatus.RECEIVED and h.received_by.username == "lukou-hospital"
    assert h.recipient.name == ds.HOSPITAL
    assert all(s.quantity == 0 for s in d.stock)  # everything went to the hospital
    assert [ln.sent for ln in h.lines.all()] == [ln.received for ln in h.lines.all()]


def test_donors_without_consent_are_not_named(built):
    from tongxin.donations.queries import public

    d = public.for_appeal(_appeal(ds.ZHUZHOU_APPEAL))
    names = {name for name, _region in story.MEMBER_ENTERPRISES}
    hidden = {story.MEMBER_ENTERPRISES[g.enterprise][0] for g in ds.ZHUZHOU_GIFTS if not g.name_public}
    shown = {row.donor for row in d.donations}
    assert hidden and not hidden & shown
    assert len(shown & names) == sum(g.name_public for g in ds.ZHUZHOU_GIFTS)


def test_the_ecommerce_gifts_total_2350900_and_the_water_correction_is_public(built):
    from tongxin.donations.models import Handover, HandoverStatus
    from tongxin.donations.queries import public

    appeal = _appeal(ds.JOINT_APPEAL)
    d = public.for_appeal(appeal)
    assert d.goods_value_total == ds.ECOMMERCE_TOTAL
    assert [r.unit.name for r in appeal.issuer_rows.select_related("unit")] == list(ds.JOINT_ISSUERS)
    [correction] = d.corrections
    [change] = correction.changes
    assert (change["before"], change["after"]) == ("1200", "12000") and correction.reason == ds.CORRECTION.reason
    statuses = sorted(Handover.objects.filter(appeal=appeal).values_list("status", flat=True))
    assert statuses == sorted([HandoverStatus.RECEIVED, HandoverStatus.RECEIVED, HandoverStatus.SUPERSEDED])
    assert sum(row.quantity for row in d.goods_rows if "矿泉水" in row.item) == 12_000


def test_the_live_appeal_is_due_for_its_disclosure_on_the_build_day(built):
    from tests.demo.conftest import BUILD_DAY, BUILD_MOMENT
    from tongxin.donations.queries import appeals

    appeal = _appeal(ds.LIVE_APPEAL)
    state = appeals.clock(appeal, appeal.unit, BUILD_MOMENT)
    assert state.due_on == BUILD_DAY and not state.overdue and state.days_left == 0


def test_the_departments_notices_of_those_days_are_on_the_public_site(built, client):
    from django.urls import reverse

    page = client.get(reverse("portal:index")).content.decode()
    for n in ds.NOTICES:
        assert n.title in page
    assert ds.ZHUZHOU_APPEAL in page and ds.JOINT_APPEAL in page  # ended appeals stay listed
