"""services.donations: recording, receiving, frozen valuation, corrections, and their bad input."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.donations import factories as f
from tests.donations.gifts import CODE_OTHER, association, cash, enterprise, give, goods
from tongxin.core.models import AuditEvent
from tongxin.donations.models import Correction, DonationStatus, Stock, Valuation
from tongxin.donations.services import donations as services
from tongxin.donations.services.catalogue import item_for

pytestmark = pytest.mark.django_db


def stock_of(item, appeal=None):
    row = Stock.objects.filter(item=item, appeal=appeal).first()
    return (row.received, row.quantity, row.received_value) if row else None


def test_an_enterprise_picked_from_the_members_gives_cash_and_masks_and_stock_moves(world):
    member, _second = association(world)
    d = services.record_donation(world.leshan_staff, world.leshan, enterprise(member),
                                 [cash(28000), goods(1000, value="2500")])
    assert d.status == DonationStatus.RECEIVED and d.donor_name == member.name
    assert d.donor_credit_code == member.credit_code and d.handled_by == world.leshan_staff
    assert d.receipt_number.endswith("-000001") and len(d.lookup_code) == 8
    mask = item_for("口罩", "KN95", "只")
    assert stock_of(mask) == (1000, 1000, 2500)
    assert AuditEvent.objects.filter(object_type="donations.donation", object_id=str(d.pk)).exists()


def test_an_enterprise_not_a_member_of_the_association_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        give(world, [cash(10)], {"donor_kind": "enterprise", "donor_enterprise_id": world.cili_home.pk,
                                 "channel": "bank"})
    assert "donor_enterprise_id" in refused.value.message_dict


def test_a_typed_enterprise_needs_a_valid_credit_code(world):
    with pytest.raises(ValidationError) as refused:
        give(world, [cash(10)], {"donor_kind": "enterprise", "donor_name": "某公司",
                                 "donor_credit_code": "91430200MA4L0ABCD1", "channel": "bank"})
    assert "校验位" in refused.value.message_dict["donor_credit_code"][0]
    d = give(world, [cash(10)], {"donor_kind": "enterprise", "donor_name": "某公司", "donor_credit_code": CODE_OTHER,
                                 "channel": "bank"})
    assert d.donor_credit_code == CODE_OTHER


def test_a_malformed_phone_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        give(world, [cash(10)], {"donor_kind": "person", "donor_name": "王秀英", "donor_phone": "1390744",
                                 "channel": "wechat"})
    assert "donor_phone" in refused.value.message_dict


def test_an_anonymous_gift_has_no_name_and_is_never_public(world):
    d = give(world, [cash(50)], {"donor_kind": "anonymous", "donor_name": "张三", "donor_phone": "13907441234",
                                 "name_public": True, "channel": "cash"})
    assert (d.donor_name, d.donor_phone, d.name_public) == ("", "", False)


def test_consent_is_kept_as_given(world):
    assert give(world, [cash(1)], {"donor_kind": "person", "donor_name": "甲", "channel": "cash"}).name_public is False
    assert give(world, [cash(1)], {"donor_kind": "person", "donor_name": "乙", "channel": "cash",
                                   "name_public": True}).name_public is True


@pytest.mark.parametrize("quantity, words", [("-5", "负数"), ("0", "大于 0"), ("100000001", "过大"), ("abc", "数字"),
                                             ("1.005", "两位小数")])
def test_a_negative_zero_or_absurd_quantity_is_refused_and_nothing_is_saved(world, quantity, words):
    with pytest.raises(ValidationError) as refused:
        give(world, [goods(quantity, value="1")])
    assert words in refused.value.message_dict["lines.0.quantity"][0]
    assert not Stock.objects.exists()


def test_a_value_that_is_not_quantity_times_unit_value_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        give(world, [goods(1000, unit_value="2.50", value="2600")])
    assert "不等于" in refused.value.message_dict["lines.0.value"][0]
    d = give(world, [goods(1000, unit_value="2.50")])
    assert d.lines.get().value == Decimal("2500.00")


def test_fair_value_needs_a_note_and_a_second_person_who_is_not_the_recorder(world):
    _member, second = association(world)
    line = goods(500, name="黄桃", spec="", measure="千克", valuation=Valuation.FAIR_VALUE, value="5000")
    with pytest.raises(ValidationError) as refused:
        give(world, [{**line, "valuation_approved_by": world.leshan_staff.pk}])
    errors = refused.value.message_dict
    assert "lines.0.valuation_note" in errors and "本人" in errors["lines.0.valuation_approved_by"][0]
    with pytest.raises(ValidationError) as refused:
        give(world, [{**line, "valuation_note": "按市场价", "valuation_approved_by": world.cili.pk}])
    assert "本单位" in refused.value.message_dict["lines.0.valuation_approved_by"][0]
    d = give(world, [{**line, "valuation_note": "按当日批发市场价 10 元/千克", "valuation_approved_by": second.pk}])
    assert d.lines.get().valuation_approved_by == second


def test_not_valued_goods_have_no_value_and_cash_needs_a_channel(world):
    with pytest.raises(ValidationError) as refused:
        give(world, [goods(10, valuation=Valuation.NOT_VALUED, value="5")])
    assert "lines.0.value" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        give(world, [cash(10)], {"donor_kind": "anonymous"})
    assert "channel" in refused.value.message_dict


def test_n95_and_kn95_are_two_stock_rows(world):
    give(world, [goods(10, spec="N95", value="50"), goods(20, spec="KN95", value="40")])
    assert stock_of(item_for("口罩", "N95", "只"))[1] == 10
    assert stock_of(item_for("口罩", "KN95", "只"))[1] == 20


def test_a_pledge_moves_no_stock_until_received_and_then_is_frozen(world):
    d = give(world, [goods(100, value="300")], received=False)
    assert d.status == DonationStatus.PLEDGED and not d.receipt_number and not Stock.objects.exists()
    d = services.edit_pledge(world.leshan_staff, d, {"donor_kind": "person", "donor_name": "王秀英"},
                             [goods(120, value="360")])
    d = services.receive_pledge(world.leshan_staff, d)
    assert d.status == DonationStatus.RECEIVED and d.receipt_number
    assert stock_of(item_for("口罩", "KN95", "只"))[:2] == (120, 120)
    with pytest.raises(ValidationError) as refused:
        services.edit_pledge(world.leshan_staff, d, {"donor_kind": "person", "donor_name": "王"}, [goods(1, value="1")])
    assert "已冻结" in refused.value.message_dict["status"][0]


def test_a_withdrawn_pledge_stays_on_record_and_cannot_be_received(world):
    d = give(world, [cash(100)], received=False)
    d = services.withdraw_pledge(world.leshan_staff, d, reason="捐赠人改为直接送达医院")
    assert d.status == DonationStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.receive_pledge(world.leshan_staff, d)


def test_a_later_price_of_the_same_item_never_moves_a_past_value(world):
    first = give(world, [goods(1000, unit_value="2.50")])
    give(world, [goods(1000, unit_value="4.00")])
    assert first.lines.get().value == Decimal("2500.00")
    assert stock_of(item_for("口罩", "KN95", "只"))[2] == Decimal("6500.00")


def test_a_correction_is_a_new_donation_with_the_difference_and_stock_moves_by_it(world):
    d = give(world, [goods(16000, spec="N95", value="80000"), cash(500)])
    c = services.correct_donation(world.leshan_staff, d, reason="实为 KN95，数量 1,600 只",
                                  lines=[goods(1600, spec="KN95", value="4000"), cash(500)])
    d.refresh_from_db()
    assert d.status == DonationStatus.SUPERSEDED and c.donation_after.status == DonationStatus.RECEIVED
    assert c.donation_after.receipt_number != d.receipt_number and c.donation_after.received_at == d.received_at
    assert {(x["item"], x["before"], x["after"]) for x in c.changes} == {
        ("口罩（N95）", "16000.00", None), ("口罩（KN95）", None, "1600.00")}
    assert stock_of(item_for("口罩", "N95", "只")) == (0, 0, 0)
    assert stock_of(item_for("口罩", "KN95", "只")) == (1600, 1600, 4000)
    assert Correction.objects.count() == 1
    with pytest.raises(ValidationError):
        services.correct_donation(world.leshan_staff, d, reason="再改", lines=[cash(1)])


def test_a_correction_needs_a_reason(world):
    d = give(world, [cash(500)])
    with pytest.raises(ValidationError) as refused:
        services.correct_donation(world.leshan_staff, d, reason=" ", lines=[cash(400)])
    assert "reason" in refused.value.message_dict


def test_a_correction_is_refused_when_the_goods_already_left(world):
    d = give(world, [goods(100, value="300")])
    mask = item_for("口罩", "KN95", "只")
    f.handover(world.leshan, world.cili_home, [(mask, 80)])
    with pytest.raises(ValidationError) as refused:
        services.correct_donation(world.leshan_staff, d, reason="实收 50 只", lines=[goods(50, value="150")])
    assert "交接出库" in refused.value.message_dict["lines"][0]
    d.refresh_from_db()
    assert d.status == DonationStatus.RECEIVED and not Correction.objects.exists()
    assert stock_of(mask)[1] == 20


def test_an_appeal_must_be_published_and_issued_by_the_unit(world):
    draft = f.appeal(world.leshan, status="draft")
    foreign = f.appeal(world.cili_bureau)
    for appeal in (draft, foreign):
        with pytest.raises(ValidationError) as refused:
            give(world, [cash(10)], {"donor_kind": "anonymous", "channel": "cash", "appeal_id": appeal.pk})
        assert "appeal_id" in refused.value.message_dict
    joint = f.appeal(world.cili_bureau, issuers=[world.leshan])
    d = give(world, [cash(10)], {"donor_kind": "anonymous", "channel": "cash", "appeal_id": joint.pk})
    assert Stock.objects.get(appeal=joint).quantity == 10 and d.appeal == joint


def test_a_stranger_county_and_the_auditor_cannot_record_but_the_county_above_can(world):
    with pytest.raises(Http404):
        services.record_donation(world.nanxian, world.leshan, {"donor_kind": "anonymous", "channel": "cash"},
                                 [cash(1)])
    with pytest.raises(Http404):  # the auditor sees no business data at all
        services.record_donation(world.auditor, world.leshan, {"donor_kind": "anonymous", "channel": "cash"},
                                 [cash(1)])
    # the county above the organisation files for it (cili is 慈利县民政局, above 乐善)
    assert services.record_donation(world.cili, world.leshan, {"donor_kind": "anonymous", "channel": "cash"},
                                    [cash(1)]).pk
