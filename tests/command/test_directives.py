"""Directives, issuing side: a bureau drafts, a leader approves (签发) and it is delivered to the
units chosen by region, kinds and levels; revisions, withdrawal and closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tests.command.helpers import draft, issue, soon
from tests.command.helpers import leader as make_leader
from tests.world import person
from tongxin.command.models import Delivery, Directive
from tongxin.command.queries import directives as queries
from tongxin.command.services import directives as services
from tongxin.core.models import AuditEvent, Notification
from tongxin.regions.models import Region
from tongxin.units.models import Role
from tongxin.units.services import grant_role

pytestmark = pytest.mark.django_db
S = Directive.Status


def test_an_officer_drafts_a_directive_for_the_bureaus_subtree(world):
    d = draft(world, world.hunan)
    assert d.status == S.DRAFT and d.drafted_by == world.hunan and d.version == 1
    assert not d.deliveries.exists()
    assert AuditEvent.objects.filter(object_type="command.directive", object_id=str(d.pk), action="create").exists()


def test_a_region_outside_the_issuers_subtree_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        draft(world, world.nanxian, issuer=world.nanxian_bureau, region="430800")
    assert "辖区" in exc.value.message_dict["region"][0]
    assert not Directive.objects.exists()


def test_a_sign_deadline_in_the_past_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        draft(world, sign_deadline=timezone.now() - dt.timedelta(minutes=1))
    assert "晚于当前时间" in exc.value.message_dict["sign_deadline"][0]
    assert not Directive.objects.exists()


def test_feedback_required_without_a_deadline_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        draft(world, feedback_required=True)
    assert "反馈时限" in exc.value.message_dict["feedback_deadline"][0]
    assert not Directive.objects.exists()


def test_title_and_body_over_their_limits_are_refused(world):
    with pytest.raises(ValidationError) as exc:
        draft(world, title="通" * 201, body="文" * 20001)
    assert set(exc.value.message_dict) >= {"title", "body"}
    assert not Directive.objects.exists()


def test_an_officer_of_another_county_cannot_see_or_draft_for_it(world):
    with pytest.raises(Http404):
        draft(world, world.cili, issuer=world.nanxian_bureau, region="430921")
    d = draft(world, world.nanxian, issuer=world.nanxian_bureau, region="430921")
    assert not queries.visible_directives(world.cili).filter(pk=d.pk).exists()
    with pytest.raises(Http404):
        services.submit(world.cili, d)


def test_a_home_reporter_may_not_draft(world):
    with pytest.raises(Http404):
        draft(world, world.home_reporter, issuer=world.nanxian_bureau, region="430921")


def test_issuing_an_unapproved_draft_is_refused(world):
    leader = make_leader(world)
    d = draft(world, leader)
    with pytest.raises(ValidationError) as exc:
        services.approve(leader, d)
    assert "未经签发" in exc.value.messages[0]
    d.refresh_from_db()
    assert d.status == S.DRAFT and not Delivery.objects.exists()


def test_an_officer_who_is_no_leader_cannot_approve(world):
    d = draft(world, world.hunan)
    services.submit(world.hunan, d)
    with pytest.raises(PermissionDenied) as exc:
        services.approve(world.hunan, d)
    assert "领导" in str(exc.value)
    d.refresh_from_db()
    assert d.status == S.PENDING and not Delivery.objects.exists()
    assert "approve" not in [t.name for t in services.WORKFLOW.allowed_for(world.hunan, d)]


def test_a_county_leader_cannot_approve_the_provinces_directive(world):
    county_leader = world.nanxian
    grant_role(None, county_leader, world.nanxian_bureau, Role.LEADER)
    d = draft(world, world.hunan)
    services.submit(world.hunan, d)
    with pytest.raises(Http404):
        services.approve(county_leader, d)


def test_a_leaders_approval_issues_and_delivers_to_every_unit_of_the_subtree(world):
    d = issue(world)
    assert d.status == S.ISSUED and d.root_id == d.pk and d.approved_by == world.hunan
    units = set(Delivery.objects.filter(directive=d).values_list("unit_id", flat=True))
    assert world.province.pk not in units  # never the issuer itself
    assert {world.yiyang.pk, world.nanxian_bureau.pk, world.nanxian_home.pk, world.cili_home.pk} <= units
    delivery = Delivery.objects.get(directive=d, unit=world.nanxian_home)
    assert delivery.root_id == d.pk and delivery.region_code == "430921" and delivery.delivered_at == d.issued_at
    assert delivery.signed_at is None


def test_the_units_people_are_told_and_the_issuer_is_not(world):
    d = issue(world)
    told = set(Notification.objects.filter(key="command.directive.delivered").values_list("recipient_id", flat=True))
    assert world.home_reporter.pk in told and world.nanxian.pk in told and world.cili.pk in told
    assert world.hunan.pk not in told
    note = Notification.objects.filter(recipient=world.home_reporter).get()
    assert d.title in note.title and str(d.pk) in note.url


def test_recipients_by_levels(world):
    d = draft(world, target_levels=["city"])
    assert set(queries.recipients(d)) == {world.yiyang, world.zhangjiajie}
    d.target_levels = ["county"]
    assert set(queries.recipients(d)) == {world.nanxian_bureau, world.cili_bureau}
    d.target_levels = ["unit"]
    assert set(queries.recipients(d)) == {world.nanxian_home, world.nanxian_home_2, world.cili_home, world.leshan}
    d.target_levels = ["province"]
    assert list(queries.recipients(d)) == []  # the province bureau is the issuer


def test_recipients_by_kinds_and_region(world):
    d = draft(world, target_kinds=["elderly_care"], region="430800")
    assert set(queries.recipients(d)) == {world.cili_home}
    d.target_kinds = ["social_work", "bureau"]
    assert set(queries.recipients(d)) == {world.zhangjiajie, world.cili_bureau, world.leshan}


def test_a_directive_reaching_no_unit_is_not_issued(world):
    leader = make_leader(world)
    d = draft(world, leader, target_levels=["province"])
    services.submit(leader, d)
    with pytest.raises(ValidationError) as exc:
        services.approve(leader, d)
    assert "接收单位" in exc.value.messages[0]
    d.refresh_from_db()
    assert d.status == S.PENDING


def test_a_draft_is_edited_and_a_pending_one_is_not(world):
    d = draft(world)
    services.update_draft(world.hunan, d, title="新标题", feedback_required=True, feedback_deadline=soon(48))
    d.refresh_from_db()
    assert d.title == "新标题" and d.feedback_required
    services.submit(world.hunan, d)
    with pytest.raises(ValidationError):
        services.update_draft(world.hunan, d, title="再改")
    d.refresh_from_db()
    assert d.title == "新标题"


def test_a_substantive_revision_must_be_signed_again(world):
    old = issue(world, target_levels=["unit"])
    Delivery.objects.filter(directive=old, unit=world.nanxian_home).update(
        signed_at=timezone.now(), signed_by=world.home_reporter, signed_as="staff")
    leader = world.hunan
    new = services.revise(leader, old, substantive=True, body="各市州民政局：排查范围扩大到全部社会福利机构。")
    assert new.status == S.DRAFT and new.version == 2 and new.replaces == old
    services.submit(leader, new)
    services.approve(leader, new)
    old.refresh_from_db()
    assert old.status == S.REPLACED
    fresh = Delivery.objects.get(directive=new, unit=world.nanxian_home)
    assert fresh.signed_at is None and fresh.root_id == old.pk
    assert ("正文", old.body, new.body) in queries.diff(old, new)


def test_a_revision_that_changes_no_substance_keeps_the_signatures(world):
    old = issue(world, target_levels=["unit"])
    signed_at = timezone.now()
    Delivery.objects.filter(directive=old, unit=world.nanxian_home).update(
        signed_at=signed_at, signed_by=world.home_reporter, signed_as="staff")
    new = services.revise(world.hunan, old, substantive=False, doc_number="湘民发〔2021〕13号")
    services.submit(world.hunan, new)
    services.approve(world.hunan, new)
    kept = Delivery.objects.get(directive=new, unit=world.nanxian_home)
    assert kept.signed_at == signed_at and kept.signed_by == world.home_reporter and kept.signed_as == "staff"
    assert Delivery.objects.get(directive=new, unit=world.cili_home).signed_at is None
    assert [label for label, _old, _new in queries.diff(old, new)] == ["文号"]


def test_a_leader_sends_a_submitted_draft_back_with_a_reason_and_an_officer_may_not(world):
    leader = make_leader(world)
    d = draft(world, world.hunan)
    services.submit(world.hunan, d)
    officer = person("hunan-officer-2", world.province, Role.OFFICER, "省厅业务员")
    with pytest.raises(PermissionDenied):  # the province's own officer, not a leader
        services.send_back(officer, d, reason="x")
    with pytest.raises(Http404):  # a county below does not even see the province's draft
        services.send_back(world.nanxian, d, reason="x")
    back = services.send_back(leader, d, reason="文号有误，请核对")
    assert back.status == S.DRAFT
    event = AuditEvent.objects.filter(object_id=str(d.pk)).order_by("-id").first()
    assert event.changes["reason"] == [None, "文号有误，请核对"]


def test_a_revision_withdrawn_before_it_went_out_is_no_version(world):
    old = issue(world, target_levels=["unit"])
    dropped = services.revise(world.hunan, old, substantive=True, body="第一稿")
    services.submit(world.hunan, dropped)
    services.withdraw(world.hunan, dropped, reason="改稿")  # taken back before approval
    current = services.revise(world.hunan, old, substantive=True, body="第二稿")
    services.submit(world.hunan, current)
    services.approve(world.hunan, current)
    assert [v.pk for v in queries.versions(old)] == [old.pk, current.pk]
    assert [v.pk for v in queries.versions(current)] == [old.pk, current.pk]


def test_withdrawing_needs_a_reason_and_keeps_the_deliveries(world):
    d = issue(world)
    with pytest.raises(ValidationError) as exc:
        services.withdraw(world.hunan, d, reason=" ")
    assert "reason" in exc.value.message_dict
    services.withdraw(world.hunan, d, reason="内容有误，另行下发")
    d.refresh_from_db()
    assert d.status == S.WITHDRAWN and d.withdrawn_at and d.deliveries.exists()
    assert Notification.objects.filter(key="command.directive.withdrawn", recipient=world.nanxian).exists()


def test_closing_ends_the_work(world):
    d = issue(world)
    services.close(world.hunan, d)
    d.refresh_from_db()
    assert d.status == S.CLOSED and d.closed_at
    with pytest.raises(ValidationError):
        services.close(world.hunan, d)
    with pytest.raises(ValidationError):
        services.revise(world.hunan, d, substantive=True, title="x")


def test_visible_directives_and_inbox(world):
    d = issue(world)
    own = draft(world, world.nanxian, issuer=world.nanxian_bureau, region="430921")
    assert set(queries.visible_directives(world.nanxian)) == {d, own}
    assert set(queries.visible_directives(world.home_reporter)) == {d}
    assert own not in queries.visible_directives(world.cili)
    assert [x.unit for x in queries.inbox(world.home_reporter)] == [world.nanxian_home]
    nanxian_units = {x.unit for x in queries.inbox(world.nanxian)}
    assert {world.nanxian_bureau, world.nanxian_home} <= nanxian_units and world.cili_home not in nanxian_units


def test_inbox_lists_unsigned_first(world):
    d = issue(world)
    Delivery.objects.filter(directive=d, unit=world.nanxian_bureau).update(signed_at=timezone.now())
    rows = list(queries.inbox(world.nanxian))
    assert rows[-1].unit == world.nanxian_bureau


def test_a_forward_skips_units_already_holding_the_chain(world):
    original = issue(world, target_levels=["city", "unit"], region="430000")
    grant_role(None, world.cili, world.zhangjiajie, Role.LEADER)
    forward = services.create_draft(world.cili, issuer=world.zhangjiajie, region=Region.objects.get(code="430800"),
                                    title="转发：" + original.title, body="请各县市区落实。", sign_deadline=soon(),
                                    forwarded_from=original)
    services.submit(world.cili, forward)
    services.approve(world.cili, forward)
    units = set(Delivery.objects.filter(directive=forward).values_list("unit_id", flat=True))
    assert units == {world.cili_bureau.pk}  # the homes already hold the province's own delivery
    assert Delivery.objects.get(directive=forward).root_id == original.pk


def test_a_county_leader_is_no_leader_for_the_province_even_where_they_read_it(world):
    grant_role(None, world.nanxian, world.nanxian_bureau, Role.LEADER)
    assert services.is_leader_for(world.nanxian, world.nanxian_bureau)
    assert not services.is_leader_for(world.nanxian, world.province)
    assert not services.is_leader_for(world.nanxian, world.yiyang)
    make_leader(world)
    assert services.is_leader_for(world.hunan, world.nanxian_bureau)  # a leader above may approve
