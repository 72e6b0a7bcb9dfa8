"""Appeals: a joint appeal, its needs, publish and close, the disclosure clock, frozen figures, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.donations import factories as f
from tests.world import IN_SERVICE_FROM
from tongxin.core.models import AuditEvent
from tongxin.donations.models import AppealStatus, Clock, Disclosure
from tongxin.donations.queries import appeals as q
from tongxin.donations.services import appeals as svc
from tongxin.units import services as units
from tongxin.units.models import Kind

pytestmark = pytest.mark.django_db

VALUES = {"title": "抗击疫情倡议书", "text": "倡议全文", "starts_on": "2021-08-05", "beneficiary": "一线医护人员",
          "how_to_give": "物资送至协会办公室", "clock": Clock.RESPONSE}


def association(name: str, region: str = "430921"):
    return units.create_unit(None, name=name, kind=Kind.INDUSTRY_ASSOCIATION, region_id=region,
                             in_service_from=IN_SERVICE_FROM)


@pytest.fixture
def lead(world):
    return association("南县旅游协会")


def published(world, lead, **values):
    a = svc.create_appeal(world.nanxian, lead, {**VALUES, **values})
    return svc.publish_appeal(world.nanxian, a, at=f.at(values.get("starts_on", "2021-08-05"), 10))


def test_joint_appeal_lists_every_issuer_in_order(world, lead):
    hotel, ecommerce = association("南县旅游饭店协会"), association("南县电子商务协会")
    a = svc.create_appeal(world.nanxian, lead, VALUES, issuers=[ecommerce, hotel, lead],
                          needs=[{"name": "口罩", "specification": "KN95", "measure": "只", "quantity": "1000"}])
    assert [u.name for u in q.issuers_of(a)] == ["南县旅游协会", "南县电子商务协会", "南县旅游饭店协会"]
    assert a.status == AppealStatus.DRAFT
    assert [(str(n.item), n.quantity) for n in a.needs.all()] == [("口罩（KN95）", Decimal("1000"))]
    assert AuditEvent.objects.filter(object_type="donations.appeal", object_id=str(a.pk)).exists()


def test_a_bureau_cannot_be_a_co_issuer(world, lead):
    with pytest.raises(ValidationError) as e:
        svc.create_appeal(world.nanxian, lead, VALUES, issuers=[world.nanxian_bureau])
    assert "issuers" in e.value.message_dict


@pytest.mark.parametrize("quantity", ["-5", "0", "100000001", "abc", "1.234"])
def test_a_negative_or_absurd_need_is_refused_and_nothing_is_saved(world, lead, quantity):
    with pytest.raises(ValidationError) as e:
        svc.create_appeal(world.nanxian, lead, VALUES,
                          needs=[{"name": "矿泉水", "measure": "箱", "quantity": quantity}])
    assert "needs[0]" in e.value.message_dict
    assert not lead.appeals.exists()


def test_bad_fields_get_words_per_field(world, lead):
    with pytest.raises(ValidationError) as e:
        svc.create_appeal(world.nanxian, lead, {**VALUES, "title": "", "starts_on": "2021-13-01",
                                                 "clock": "weekly"})
    assert {"title", "starts_on", "clock"} <= set(e.value.message_dict)
    with pytest.raises(ValidationError) as e:
        svc.create_appeal(world.nanxian, lead, {**VALUES, "ends_on": "2021-08-01"})
    assert "ends_on" in e.value.message_dict


def test_publish_then_close_and_only_a_draft_is_edited(world, lead):
    a = svc.create_appeal(world.nanxian, lead, VALUES)
    a = svc.edit_appeal(world.nanxian, a, {"title": "联合倡议书"})
    assert a.title == "联合倡议书"
    assert [t.name for t in svc.APPEAL_FLOW.allowed_for(world.nanxian, a)] == ["edit", "publish"]
    a = svc.publish_appeal(world.nanxian, a)
    assert a.status == AppealStatus.PUBLISHED and a.published_at
    with pytest.raises(ValidationError):
        svc.edit_appeal(world.nanxian, a, {"title": "改"})
    a = svc.close_appeal(world.nanxian, a)
    assert a.status == AppealStatus.CLOSED
    with pytest.raises(ValidationError):
        svc.close_appeal(world.nanxian, a)


def test_cili_cannot_see_or_edit_nanxians_appeal(world, lead):
    a = svc.create_appeal(world.nanxian, lead, VALUES)
    with pytest.raises(Http404):
        svc.edit_appeal(world.cili, a, {"title": "改"})
    with pytest.raises(Http404):
        svc.create_appeal(world.cili, lead, VALUES)
    assert not q.visible_appeals(world.cili).filter(pk=a.pk).exists()
    assert q.visible_appeals(world.nanxian).filter(pk=a.pk).exists()


def test_a_home_reporter_may_not_issue_for_the_association(world, lead):
    with pytest.raises((PermissionDenied, Http404)):
        svc.create_appeal(world.home_reporter, lead, VALUES)


def test_response_clock_is_due_five_days_after_publication_and_then_overdue(world, lead):
    a = published(world, lead)
    state = q.clock(a, now=f.at("2021-08-10", 23, 59))
    assert state.due_on == dt.date(2021, 8, 10) and not state.overdue
    # one minute past Beijing midnight is a new local day (still 16:01 UTC of the 10th)
    assert q.clock(a, now=f.at("2021-08-11", 0, 1)).overdue


def test_a_disclosure_restarts_the_clock_counted_in_beijing_days(world, lead):
    a = published(world, lead)
    svc.publish_disclosure(world.nanxian, lead, a, at=f.at("2021-08-09", 0, 30))  # 16:30 UTC on the 8th
    state = q.clock(a, now=f.at("2021-08-12"))
    assert state.due_on == dt.date(2021, 8, 14) and not state.overdue and state.days_left == 2


def test_quarterly_clock_counts_calendar_months(world, lead):
    a = published(world, lead, clock=Clock.QUARTERLY, starts_on="2021-11-30")
    state = q.clock(a, now=f.at("2022-02-28"))
    assert state.due_on == dt.date(2022, 2, 28) and not state.overdue
    assert q.clock(a, now=f.at("2022-03-01")).overdue


def test_after_the_end_a_full_disclosure_is_due_within_three_months(world, lead):
    a = published(world, lead, ends_on="2021-08-31")
    svc.publish_disclosure(world.nanxian, lead, a, at=f.at("2021-08-30"))
    state = q.clock(a, now=f.at("2021-09-10"))
    assert state.final and state.due_on == dt.date(2021, 11, 30) and not state.overdue
    assert q.clock(a, now=f.at("2021-12-01")).overdue
    svc.publish_disclosure(world.nanxian, lead, a, is_final=True, at=f.at("2021-12-02"))
    done = q.clock(a, now=f.at("2022-06-01"))
    assert done.due_on is None and not done.overdue


def test_a_past_disclosure_keeps_its_figures_when_stock_changes(world, lead):
    a = published(world, lead)
    masks = f.item()
    f.donation(lead, [(f.cash(), 28000), (masks, 1000, 5000)], appeal=a)
    d = svc.publish_disclosure(world.nanxian, lead, a, at=f.at("2021-08-06"))
    before = Disclosure.objects.get(pk=d.pk).figures
    assert before["cash_total"] == "28000.00" and before["goods_value_total"] == "5000.00"
    f.handover(lead, world.nanxian_home, [(masks, 400)], appeal=a)
    f.donation(lead, [(f.cash(), 2000)], appeal=a)
    assert Disclosure.objects.get(pk=d.pk).figures == before
    later = svc.publish_disclosure(world.nanxian, lead, a, at=f.at("2021-08-08"))
    row = next(r for r in later.figures["items"] if not r["cash"])
    assert (row["received"], row["handed_over"], row["in_stock"]) == ("1000.00", "400.00", "600.00")
    assert later.figures["cash_total"] == "30000.00"


def test_a_draft_appeal_cannot_be_disclosed_nor_by_a_stranger(world, lead):
    draft = svc.create_appeal(world.nanxian, lead, VALUES)
    with pytest.raises(ValidationError):
        svc.publish_disclosure(world.nanxian, lead, draft)
    a = published(world, lead)
    with pytest.raises(Http404):
        svc.publish_disclosure(world.cili, lead, a)


def test_open_for_giving_lists_running_appeals_of_every_issuer(world, lead):
    partner = association("南县电子商务协会")
    a = svc.create_appeal(world.nanxian, lead, VALUES, issuers=[partner])
    assert not q.open_for_giving(partner, on=dt.date(2021, 8, 6)).exists()
    svc.publish_appeal(world.nanxian, a)
    assert list(q.open_for_giving(partner, on=dt.date(2021, 8, 6))) == [a]
    assert not q.open_for_giving(partner, on=dt.date(2021, 8, 4)).exists()


def test_the_clock_command_tells_the_staff_once_a_day(world, lead):
    from django.core.management import call_command

    from tests.world import person
    from tongxin.core.models import Notification
    from tongxin.units.models import Role

    staff = person("lvyou", lead, Role.SOCIAL_STAFF)
    published(world, lead)
    call_command("donations_clock", at="2021-08-08T09:00")
    assert not Notification.objects.filter(recipient=staff).exists()
    call_command("donations_clock", at="2021-08-09T09:00")  # due on the 10th: within a day
    call_command("donations_clock", at="2021-08-09T20:00")
    assert Notification.objects.filter(recipient=staff, key=svc.DUE_SOON).count() == 1
    call_command("donations_clock", at="2021-08-11T00:05")
    assert Notification.objects.filter(recipient=staff, key=svc.OVERDUE).count() == 1
