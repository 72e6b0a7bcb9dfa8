"""The posts part's services: posts and shifts, assigning with every gate (each refusal names the
person and the reason), cancelling, moving, walk-ups, the person's notices and the reminder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings

from tests.mobilization import factories
from tests.mobilization.factories import at
from tongxin.core.models import AuditEvent, Notification
from tongxin.mobilization.models import Assignment, AssignmentStatus, DeploymentDay, Person, Shift
from tongxin.mobilization.services import posts

DAY = dt.date(2021, 7, 30)
BEFORE = at("2021-07-29", 12)  # when the assigning is done


@pytest.fixture
def leshan(world):
    return world.leshan


def make_post(world, name="零阳镇高速路口卡点", **kw):
    return posts.create_post(world.leshan_staff, world.leshan, name=name, kind="checkpoint",
                             place="慈利县零阳镇高速出口", region_id="430821", **kw)


def make_shift(world, post, start=8, hours=4, needed=2, day=DAY):
    return posts.add_shift(world.leshan_staff, post, starts_at=at(day, start),
                           ends_at=at(day, start) + dt.timedelta(hours=hours), needed=needed)


def refused(fn, *args, **kw) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        fn(*args, **kw)
    return exc.value.message_dict


def test_create_post_and_shift_audited_and_rolled_up(world):
    post = make_post(world, risky=True, required_skills=["temperature"])
    assert post.code_secret and post.required_skills == ["temperature"]
    shift = make_shift(world, post)
    assert shift.day == DAY
    assert AuditEvent.objects.filter(object_type="mobilization.shift", object_id=str(shift.pk)).exists()
    row = DeploymentDay.objects.get(unit=world.leshan, day=DAY)
    assert (row.shifts, row.shifts_unfilled, row.posts_unfilled) == (1, 1, 1)


def test_post_bad_input_field_by_field(world):
    make_post(world)
    errors = refused(posts.create_post, world.leshan_staff, world.leshan, name="零阳镇高速路口卡点", kind="x",
                     place="", region_id="999999", required_skills=["flying"])
    assert set(errors) == {"name", "kind", "place", "region", "required_skills"}
    assert "同名" in errors["name"][0]


def test_post_of_another_unit_refused(world):
    with pytest.raises((PermissionDenied, Http404)):
        posts.create_post(world.leshan_staff, world.nanxian_home, name="x", kind="checkpoint", place="p",
                          region_id="430921")


def test_update_post(world):
    post = make_post(world)
    post = posts.update_post(world.leshan_staff, post, risky=True, notes="夜班")
    assert post.risky and post.notes == "夜班"
    assert "name" in refused(posts.update_post, world.leshan_staff, post, name="")


@pytest.mark.parametrize(("start", "end", "needed", "field", "words"), [
    (8, 8, 2, "ends_at", "晚于"),
    (8, 6, 2, "ends_at", "晚于"),
    (8, 8 + 25, 2, "ends_at", "24 小时"),
    (8, 12, 0, "needed", "至少为 1"),
])
def test_shift_bad_input(world, start, end, needed, field, words):
    post = make_post(world)
    errors = refused(posts.add_shift, world.leshan_staff, post, starts_at=at(DAY, start),
                     ends_at=at(DAY, 0) + dt.timedelta(hours=end), needed=needed)
    assert words in errors[field][0]
    assert not Shift.objects.exists()


def test_shift_day_is_local_day_of_start(world):
    post = make_post(world)
    shift = posts.add_shift(world.leshan_staff, post, starts_at=at(DAY, 22), ends_at=at(DAY, 22)
                            + dt.timedelta(hours=8), needed=1)
    assert shift.day == DAY  # 22:00 Beijing is 14:00 UTC, same day; and a night shift keeps its start's day
    early = posts.add_shift(world.leshan_staff, post, starts_at=at(DAY, 1), ends_at=at(DAY, 5), needed=1)
    assert early.day == DAY  # 01:00 Beijing is the UTC day before


@override_settings(TONGXIN_PUBLIC_URL="https://tongxin.example")
def test_assign_notifies_with_the_persons_link(world):
    post = make_post(world)
    shift = make_shift(world, post)
    p = factories.person(world.leshan, "李志愿")
    a = posts.assign(world.leshan_staff, shift, p, at=BEFORE)
    assert a.status == AssignmentStatus.ACTIVE and (a.starts_at, a.ends_at) == (shift.starts_at, shift.ends_at)
    n = Notification.objects.get(key=posts.ASSIGNED)
    assert n.contact_key == f"mobilization.person:{p.pk}" and n.contact_phone == p.mobile
    assert n.url == f"https://tongxin.example/mobilization/me/{p.checkin_key}/"  # an SMS needs the host
    assert "零阳镇高速路口卡点" in n.title and "2021-07-30 08:00–12:00" in n.title
    assert "慈利县零阳镇高速出口" in n.body and n.url in n.body
    assert DeploymentDay.objects.get(unit=world.leshan, day=DAY).shifts_unfilled == 1


def test_double_booking_names_the_other_post_and_time(world):
    a_post, b_post = make_post(world), make_post(world, "县人民医院门口")
    p = factories.person(world.leshan, "李志愿")
    posts.assign(world.leshan_staff, make_shift(world, a_post, 8, 4), p, at=BEFORE)
    other = make_shift(world, b_post, 10, 4)
    errors = refused(posts.assign, world.leshan_staff, other, p, at=BEFORE)
    assert errors["person"] == ["李志愿 已安排在 零阳镇高速路口卡点（2021-07-30 08:00–12:00），与该班次时间重叠"]
    # back to back is no overlap ([starts, ends) intervals)
    posts.assign(world.leshan_staff, make_shift(world, b_post, 12, 4), p, at=BEFORE)
    assert Assignment.objects.filter(person=p, status="active").count() == 2


def test_risky_post_needs_insurance_on_the_day(world):
    post = make_post(world, risky=True)
    shift = make_shift(world, post)
    lapsed = factories.person(world.leshan, "王过期", insured_until=DAY - dt.timedelta(days=1))
    errors = refused(posts.assign, world.leshan_staff, shift, lapsed, at=BEFORE)
    assert errors["person"] == ["王过期 没有在 2021-07-30 有效的意外伤害保险，不能安排到有人身风险的岗位"]
    later = factories.person(world.leshan, "赵未起", insured_until=DAY + dt.timedelta(days=30))
    later.insurance_from = DAY + dt.timedelta(days=1)
    later.save()
    assert "意外伤害保险" in refused(posts.assign, world.leshan_staff, shift, later, at=BEFORE)["person"][0]
    ok = factories.person(world.leshan, "钱有保", insured_until=DAY)  # the last day counts
    assert posts.assign(world.leshan_staff, shift, ok, at=BEFORE)
    # a post without risk asks for none
    plain = make_shift(world, make_post(world, "超市测温"), 14)
    assert posts.assign(world.leshan_staff, plain, lapsed, at=BEFORE)


def test_required_skill(world):
    post = make_post(world, required_skills=["medical", "first_aid"])
    shift = make_shift(world, post)
    p = factories.person(world.leshan, "孙护士", skills=["medical"])
    assert refused(posts.assign, world.leshan_staff, shift, p, at=BEFORE)["person"] == [
        "孙护士 缺少该岗位所需的技能：急救"]
    q = factories.person(world.leshan, "周医生", skills=["medical", "first_aid"])
    assert posts.assign(world.leshan_staff, shift, q, at=BEFORE)


def test_minor_or_unknown_age_at_risky_post(world):
    post = make_post(world, risky=True)
    shift = make_shift(world, post)
    insured = DAY + dt.timedelta(days=100)
    minor = factories.person(world.leshan, "小吴", birth_date=dt.date(2003, 7, 31), insured_until=insured)
    assert refused(posts.assign, world.leshan_staff, shift, minor, at=BEFORE)["person"] == [
        "小吴 未满 18 周岁，不能安排到有人身风险的岗位"]
    unknown = factories.person(world.leshan, "郑某", birth_date=None, insured_until=insured)
    assert "年龄不明" in refused(posts.assign, world.leshan_staff, shift, unknown, at=BEFORE)["person"][0]
    eighteen = factories.person(world.leshan, "冯成年", birth_date=dt.date(2003, 7, 30), insured_until=insured)
    assert posts.assign(world.leshan_staff, shift, eighteen, at=BEFORE)
    # a minor may help where there is no risk
    assert posts.assign(world.leshan_staff, make_shift(world, make_post(world, "社区"), 14), minor, at=BEFORE)


def test_shift_over_full_cancelled_and_other_unit(world):
    post = make_post(world)
    shift = make_shift(world, post, needed=1)
    p, q = factories.person(world.leshan, "甲"), factories.person(world.leshan, "乙")
    assert "已结束" in refused(posts.assign, world.leshan_staff, shift, p, at=at(DAY, 12))["person"][0]
    posts.assign(world.leshan_staff, shift, p, at=BEFORE)
    assert refused(posts.assign, world.leshan_staff, shift, q, at=BEFORE)["person"] == ["该班次已满（需要 1 人）"]
    stranger = factories.person(world.nanxian_home, "南县某")
    shift2 = make_shift(world, post, 14)
    assert refused(posts.assign, world.leshan_staff, shift2, stranger, at=BEFORE)["person"] == [
        "南县某 不是慈利县乐善社会工作服务中心的在册人员"]
    gone = factories.person(world.leshan, "丙", is_active=False)
    assert "在册" in refused(posts.assign, world.leshan_staff, shift2, gone, at=BEFORE)["person"][0]
    merged = factories.person(world.leshan, "丁", is_walk_up=True, merged_into=q)
    assert "已合并" in refused(posts.assign, world.leshan_staff, shift2, merged, at=BEFORE)["person"][0]
    posts.cancel_shift(world.leshan_staff, shift2, reason="暴雨停岗", at=BEFORE)
    assert "已取消" in refused(posts.assign, world.leshan_staff, shift2, q, at=BEFORE)["person"][0]


def test_all_reasons_at_once(world):
    post = make_post(world, risky=True, required_skills=["driving"])
    shift = make_shift(world, post)
    p = factories.person(world.leshan, "甲", birth_date=None)
    assert len(refused(posts.assign, world.leshan_staff, shift, p, at=BEFORE)["person"]) == 3


def test_assign_by_stranger_refused(world):
    shift = make_shift(world, make_post(world))
    p = factories.person(world.leshan, "甲")
    with pytest.raises(Http404):
        posts.assign(world.nanxian, shift, p, at=BEFORE)
    assert not Assignment.objects.exists()


def test_cancel_needs_reason_and_notifies(world):
    shift = make_shift(world, make_post(world))
    p = factories.person(world.leshan, "甲")
    a = posts.assign(world.leshan_staff, shift, p, at=BEFORE)
    assert "reason" in refused(posts.cancel, world.leshan_staff, a, reason=" ")
    a = posts.cancel(world.leshan_staff, a, reason="身体不适", at=BEFORE)
    assert (a.status, a.reason, a.ended_by) == (AssignmentStatus.CANCELLED, "身体不适", world.leshan_staff)
    n = Notification.objects.get(key=posts.CANCELLED)
    assert n.contact_key == f"mobilization.person:{p.pk}" and "身体不适" in n.body
    assert "assignment" in refused(posts.cancel, world.leshan_staff, a, reason="again")
    # the place is free again
    assert posts.assign(world.leshan_staff, shift, p, at=BEFORE)


def test_a_shift_someone_checked_in_to_cannot_be_cancelled(world):
    shift = make_shift(world, make_post(world))
    p, q = factories.person(world.leshan, "甲"), factories.person(world.leshan, "乙")
    a = posts.assign(world.leshan_staff, shift, p, at=BEFORE)
    b = posts.assign(world.leshan_staff, shift, q, at=BEFORE)
    factories.attendance(a)
    assert refused(posts.cancel_shift, world.leshan_staff, shift, reason="暴雨停岗", at=BEFORE) == {
        "shift": ["甲 已到岗签到，不能取消该班次"]}
    shift.refresh_from_db()
    b.refresh_from_db()
    assert not shift.is_cancelled and b.status == AssignmentStatus.ACTIVE
    assert not Notification.objects.filter(key=posts.CANCELLED).exists()


def test_move_rechecks_gates_ignoring_the_old(world):
    post = make_post(world)
    s1, s2 = make_shift(world, post, 8, 4, needed=1), make_shift(world, post, 10, 4, needed=1)
    p = factories.person(world.leshan, "甲")
    a = posts.assign(world.leshan_staff, s1, p, at=BEFORE)
    new = posts.move(world.leshan_staff, a, s2, reason="补位", at=BEFORE)  # overlaps the old: fine
    a.refresh_from_db()
    assert (a.status, a.moved_to) == (AssignmentStatus.MOVED, new)
    assert new.shift == s2 and new.status == AssignmentStatus.ACTIVE
    n = Notification.objects.get(key=posts.MOVED)
    assert "补位" in n.body and "08:00–12:00" in n.body and "10:00–14:00" in n.title
    # moving onto a full shift, or onto the same one, is refused; nothing changes
    q = factories.person(world.leshan, "乙")
    b = posts.assign(world.leshan_staff, s1, q, at=BEFORE)
    assert "已满" in refused(posts.move, world.leshan_staff, b, s2, reason="x", at=BEFORE)["person"][0]
    assert "shift" in refused(posts.move, world.leshan_staff, b, s1, reason="x", at=BEFORE)
    assert "reason" in refused(posts.move, world.leshan_staff, b, s2, reason="", at=BEFORE)
    b.refresh_from_db()
    assert b.status == AssignmentStatus.ACTIVE


def test_refreshes_take_their_locks_in_sorted_order(world):
    from unittest import mock

    from tongxin.mobilization.services import rollup

    post = make_post(world)
    later, earlier = make_shift(world, post, day=DAY + dt.timedelta(days=1)), make_shift(world, post)
    a = posts.assign(world.leshan_staff, later, factories.person(world.leshan, "甲"), at=BEFORE)
    with mock.patch.object(rollup, "refresh") as refresh:
        posts.move(world.leshan_staff, a, earlier, reason="补位", at=BEFORE)  # old day after the new one
    assert [c.args for c in refresh.call_args_list] == [(world.leshan.pk, DAY), (world.leshan.pk, later.day)]
    with mock.patch.object(rollup, "refresh") as refresh:
        posts.update_post(world.leshan_staff, post, region_id="430802")
    assert [c.args for c in refresh.call_args_list] == [(world.leshan.pk, DAY), (world.leshan.pk, later.day)]
    rollup.refresh_many([(2, DAY), (1, later.day), (2, DAY), (1, DAY)])
    assert DeploymentDay.objects.filter(unit=world.leshan).count() == 2


def test_fill_walk_up(world):
    shift = make_shift(world, make_post(world))
    a = posts.fill_walk_up(world.leshan_staff, shift, name="路人甲", mobile="138 0737 1234", at=BEFORE)
    assert a.person.is_walk_up and a.person.mobile == "13807371234" and len(a.person.checkin_key) >= 40
    errors = refused(posts.fill_walk_up, world.leshan_staff, shift, name="", mobile="123", at=BEFORE)
    assert set(errors) == {"name", "mobile"}
    # a walk-up has no birth date nor insurance: not for a risky post, and nothing half-saved
    risky = make_shift(world, make_post(world, "危险", risky=True))
    before = Person.objects.count()
    assert "person" in refused(posts.fill_walk_up, world.leshan_staff, risky, name="路人乙", mobile="13807371235",
                               at=BEFORE)
    assert Person.objects.count() == before


def test_reminder_once(world):
    shift = make_shift(world, make_post(world), 8)
    p = factories.person(world.leshan, "甲")
    a = posts.assign(world.leshan_staff, shift, p, at=BEFORE)
    assert posts.send_reminders(now=at(DAY, 5)) == 0  # three hours ahead: too early
    assert posts.send_reminders(now=at(DAY, 6, 30)) == 1
    assert posts.send_reminders(now=at(DAY, 7)) == 0
    a.refresh_from_db()
    assert a.reminded_at == at(DAY, 6, 30)
    n = Notification.objects.get(key=posts.REMINDER)
    assert n.contact_key == f"mobilization.person:{p.pk}" and n.url in n.body


def test_reminder_skips_cancelled(world):
    shift = make_shift(world, make_post(world), 8)
    a = posts.assign(world.leshan_staff, shift, factories.person(world.leshan, "甲"), at=BEFORE)
    posts.cancel(world.leshan_staff, a, reason="不来了", at=BEFORE)
    assert posts.send_reminders(now=at(DAY, 7)) == 0


def test_remind_command(world):
    from io import StringIO

    from django.core.management import call_command

    shift = make_shift(world, make_post(world), 8)
    posts.assign(world.leshan_staff, shift, factories.person(world.leshan, "甲"), at=BEFORE)
    out = StringIO()
    call_command("mobilization_sweep", "--at", "2021-07-30T07:00", stdout=out)
    assert "sent: 1" in out.getvalue()
