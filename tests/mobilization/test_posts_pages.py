"""The posts pages: list, create and edit a post, its week of shifts, add a shift, a shift's page
(assign with who cannot be put on it and why, cancel, move, walk-up, cancel the shift)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.mobilization import factories
from tongxin.core.models import Notification
from tongxin.mobilization.models import Assignment, AssignmentStatus, Post, Shift
from tongxin.mobilization.services import posts


@pytest.fixture
def staff(world, client_for):
    return client_for(world.leshan_staff)


def soon(hours=2):
    return timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours)


def make(world, risky=False, needed=2):
    post = posts.create_post(world.leshan_staff, world.leshan, name="零阳镇高速路口卡点", kind="checkpoint",
                             place="慈利县零阳镇高速出口", region_id="430821", risky=risky)
    start = soon()
    shift = posts.add_shift(world.leshan_staff, post, starts_at=start, ends_at=start + dt.timedelta(hours=4),
                            needed=needed)
    return post, shift


def test_create_post_page(world, staff):
    r = staff.get(reverse("mobilization:post-create"))
    assert r.status_code == 200 and "慈利县乐善社会工作服务中心" in r.content.decode()
    r = staff.post(reverse("mobilization:post-create"), {
        "unit": world.leshan.pk, "name": "县医院门口", "kind": "hospital", "place": "慈利县人民医院",
        "region_id": "430821", "risky": "on", "required_skills": ["medical"]})
    post = Post.objects.get(name="县医院门口")
    assert r.status_code == 302 and post.risky and post.required_skills == ["medical"]
    r = staff.post(reverse("mobilization:post-create"), {
        "unit": world.leshan.pk, "name": "县医院门口", "kind": "hospital", "place": "x", "region_id": "999999"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "同名岗位" in body and "没有这个区划代码" in body


def test_post_list_detail_and_edit(world, staff):
    post, shift = make(world)
    assert "零阳镇高速路口卡点" in staff.get(reverse("mobilization:posts")).content.decode()
    body = staff.get(reverse("mobilization:post-detail", args=[post.pk])).content.decode()
    assert f'data-shift="{shift.pk}"' in body and 'data-filled="0/2"' in body and "添加班次" in body
    r = staff.post(reverse("mobilization:post-edit", args=[post.pk]), {
        "name": "零阳镇卡点", "kind": "checkpoint", "place": "高速出口", "region_id": "430821"})
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.name == "零阳镇卡点"


def test_add_shift_page(world, staff):
    post, _ = make(world)
    start = soon(30)
    r = staff.post(reverse("mobilization:shift-create", args=[post.pk]), {
        "shift-starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "shift-ends_at": f"{start + dt.timedelta(hours=3):%Y-%m-%dT%H:%M}", "shift-needed": "3"})
    assert r.status_code == 302 and Shift.objects.filter(needed=3).exists()
    r = staff.post(reverse("mobilization:shift-create", args=[post.pk]), {
        "shift-starts_at": f"{start:%Y-%m-%dT%H:%M}", "shift-ends_at": f"{start:%Y-%m-%dT%H:%M}", "shift-needed": "3"})
    assert r.status_code == 400 and "结束时间应晚于开始时间" in r.content.decode()


def test_shift_page_shows_who_cannot_and_why_and_assigns(world, staff):
    post, shift = make(world, risky=True)
    ok = factories.person(world.leshan, "钱有保", insured_until=dt.date(2099, 1, 1))
    no = factories.person(world.leshan, "王无保")
    body = staff.get(reverse("mobilization:shift-detail", args=[shift.pk])).content.decode()
    assert f'<option value="{ok.pk}">' in body and f'<option value="{no.pk}">' not in body
    assert "王无保 没有在" in body and "意外伤害保险" in body
    r = staff.post(reverse("mobilization:shift-assign", args=[shift.pk]), {"person": no.pk})
    assert r.status_code == 400 and "王无保 没有在" in r.content.decode()
    r = staff.post(reverse("mobilization:shift-assign", args=[shift.pk]), {"person": ok.pk})
    assert r.status_code == 302
    body = staff.get(reverse("mobilization:shift-detail", args=[shift.pk])).content.decode()
    assert "钱有保" in body and ok.mobile in body  # the unit's own staff see the full mobile
    assert Notification.objects.filter(key=posts.ASSIGNED, contact_key=f"mobilization.person:{ok.pk}").exists()


def test_masked_for_the_province(world, client_for):
    post, shift = make(world)
    p = factories.person(world.leshan, "李志愿", mobile="13807371111")
    posts.assign(world.leshan_staff, shift, p)
    body = client_for(world.hunan).get(reverse("mobilization:shift-detail", args=[shift.pk])).content.decode()
    assert "李志愿" in body and "13807371111" not in body and "138****1111" in body
    assert "安排并通知" not in body


def test_cancel_move_walk_up_and_cancel_shift_pages(world, staff):
    post, shift = make(world)
    later = posts.add_shift(world.leshan_staff, post, starts_at=soon(30), ends_at=soon(34), needed=1)
    p = factories.person(world.leshan, "甲")
    a = posts.assign(world.leshan_staff, shift, p)
    r = staff.post(reverse("mobilization:assignment-move", args=[a.pk]), {"shift": later.pk, "reason": ""})
    assert r.status_code == 400
    r = staff.post(reverse("mobilization:assignment-move", args=[a.pk]), {"shift": later.pk, "reason": "补位"})
    assert r.status_code == 302
    new = Assignment.objects.get(shift=later, person=p)
    r = staff.post(reverse("mobilization:assignment-cancel", args=[new.pk]), {"reason": "生病"})
    assert r.status_code == 302
    new.refresh_from_db()
    assert new.status == AssignmentStatus.CANCELLED
    r = staff.post(reverse("mobilization:shift-walk-up", args=[shift.pk]),
                   {"walkup-name": "路人", "walkup-mobile": "12"})
    assert r.status_code == 400 and "手机号码" in r.content.decode()
    r = staff.post(reverse("mobilization:shift-walk-up", args=[shift.pk]),
                   {"walkup-name": "路人", "walkup-mobile": "13807372222"})
    assert r.status_code == 302 and Assignment.objects.filter(shift=shift, person__is_walk_up=True).exists()
    r = staff.post(reverse("mobilization:shift-cancel", args=[shift.pk]), {"reason": "暴雨"})
    assert r.status_code == 302
    shift.refresh_from_db()
    assert shift.is_cancelled
    assert not Assignment.objects.filter(shift=shift, status="active").exists()


def test_phone_width_classes(world, staff):
    """No fixed-width tables: the lists stack on a phone (tx-stack) and forms are col-12 first."""
    post, shift = make(world)
    assert "tx-stack" in staff.get(reverse("mobilization:posts")).content.decode()
    assert "col-12" in staff.get(reverse("mobilization:post-create")).content.decode()


def test_non_ascii_digits_in_ids_are_no_500(world, staff, api_for):
    assert staff.get(reverse("mobilization:post-create"), {"unit": "²"}).status_code == 200
    assert staff.get(reverse("mobilization:posts"), {"unit": "²"}).status_code == 200
    api = api_for(world.leshan_staff).get(reverse("mobilization-post-list"), {"unit": "²"})
    assert api.status_code == 400 and "unit" in api.json()
