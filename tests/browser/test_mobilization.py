"""In a real browser, on the demo as `tongxin demo` builds it today: `leshan` puts two volunteers on a
checkpoint shift from the shift's page, one of them opens their own link on a phone and checks in with
the post's code, and the organisation's board shows 1 of 2 checked in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, shot
from tongxin.demo import mobilization_story as ms
from tongxin.demo import story

pytestmark = pytest.mark.browser


def _shift_now():
    """A fresh shift at the checkpoint that is on now (made through the service, as the staff would),
    and two of 乐善's volunteers free and insured for it."""
    from tongxin.accounts.models import User
    from tongxin.mobilization.models import Assignment, AssignmentStatus, Person, Post
    from tongxin.mobilization.queries.posts import refusals
    from tongxin.mobilization.services import posts

    post = Post.objects.get(unit__name=story.LESHAN, name=ms.LIVE_POSTS[1][0])
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = max(now - dt.timedelta(minutes=5), midnight)
    shift = posts.add_shift(User.objects.get(username="leshan"), post, starts_at=starts,
                            ends_at=starts + dt.timedelta(hours=3), needed=2)
    busy = set(Assignment.objects.filter(status=AssignmentStatus.ACTIVE, starts_at__lt=shift.ends_at,
                                         ends_at__gt=shift.starts_at).values_list("person_id", flat=True))
    free = [p for p in Person.objects.filter(unit=post.unit, kind="volunteer").exclude(pk__in=busy).order_by("pk")
            if not refusals(shift, p, at=now)]
    assert len(free) >= 2
    return post, shift, free[:2]


def test_leshan_puts_two_volunteers_on_a_checkpoint_one_checks_in_on_a_phone(demo_today, page_for):
    from tongxin.mobilization.models import Attendance
    from tongxin.mobilization.services.checkin import daily_code

    post, shift, (first, second) = _shift_now()

    desk = page_for(DESKTOP)
    desk.login("leshan")
    desk.goto(f"{desk.base}/mobilization/shifts/{shift.pk}/")
    assert "0/2" in desk.locator("#filled").inner_text()
    for person in (first, second):
        desk.select_option("#id_person", str(person.pk))
        desk.get_by_role("button", name="安排并通知").click()
        desk.wait_for_load_state()
        assert f"已安排：{person.name}" in desk.locator(".alert").first.inner_text()
    assert "2/2" in desk.locator("#filled").inner_text()
    assert desk.locator("#assigned li", has_text=first.name).count() == 1
    shot(desk, "mobilization-shift-assigned-desktop")

    phone = page_for(PHONE)  # the volunteer's own link, no login
    phone.goto(f"{phone.base}/mobilization/me/{first.checkin_key}/")
    assert post.name in phone.locator("main").inner_text()
    shot(phone, "mobilization-me-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.fill("input[name=code]", daily_code(post, shift.day))
    phone.click("#check-in")
    phone.wait_for_load_state()
    assert f"已签到：{post.name}" in phone.locator(".alert").first.inner_text()
    shot(phone, "mobilization-me-checked-in-phone")
    attendance = Attendance.objects.get(assignment__shift=shift, assignment__person=first)
    assert attendance.checked_out_at is None
    assert not Attendance.objects.filter(assignment__shift=shift, assignment__person=second).exists()

    desk.goto(f"{desk.base}/mobilization/board/")
    row = desk.locator(f"[data-shift='{shift.pk}']")
    assert row.locator(".checked-in").inner_text().replace(" ", "") == "1/2已到岗"
    assert first.name in row.inner_text()
    shot(desk, "mobilization-board-desktop")
