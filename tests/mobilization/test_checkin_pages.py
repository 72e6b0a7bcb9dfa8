"""The pages of check-in: the person's own page and the scan page (public, masked), the post's code,
the roll, the anomalies to review, the organisation's board (its totals add up) and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mobilization import factories as f
from tongxin.mobilization.models import Attendance, Flag, Method, Shift
from tongxin.mobilization.queries import checkin as queries
from tongxin.mobilization.services import checkin

MOBILE = "13907441234"


def running_shift(post, needed=2) -> Shift:
    """A shift at `post` that started an hour ago and runs three more."""
    starts = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    return Shift.objects.create(post=post, day=timezone.localtime(starts).date(), starts_at=starts,
                                ends_at=starts + dt.timedelta(hours=4), needed=needed)


@pytest.fixture
def checkpoint(world):
    post = f.post(world.leshan)
    shift = running_shift(post)
    li = f.person(world.leshan, "李志愿", mobile=MOBILE)
    zhao = f.person(world.leshan, "赵志愿")
    for p in (li, zhao):
        f.assignment(shift, p)
    return post, shift, li, zhao


def board_of(client, shift):
    return client.get(reverse("mobilization:board"), {"day": shift.day.isoformat()})


# --- the person's page and the scan -------------------------------------------------------------

def test_a_volunteer_checks_in_on_the_phone_and_the_board_shows_one_of_two(world, client_for, checkpoint):
    post, shift, li, _zhao = checkpoint
    staff = client_for(world.leshan_staff)
    page = staff.get(reverse("mobilization:post-code", args=[post.pk]))
    assert page.status_code == 200
    code = checkin.daily_code(post, timezone.localdate())
    body = page.content.decode()
    assert code in body and "<svg" in body
    phone = Client()
    me = reverse("mobilization:me", args=[li.checkin_key])
    assert phone.get(me).status_code == 200
    url = reverse("mobilization:scan", args=[post.pk, code])
    assert "个人签到链接" in phone.get(url).content.decode()  # opening the link remembers nobody
    assert phone.post(me, {"action": "remember"}).status_code == 302
    assert 'id="remember-me"' not in phone.get(me).content.decode()
    confirm = phone.get(url)
    assert confirm.status_code == 200 and "确认签到" in confirm.content.decode()
    done = phone.post(url, {"action": "in"})
    assert done.status_code == 302 and done["Location"] == reverse("mobilization:me", args=[li.checkin_key])
    assert Attendance.objects.get(assignment__person=li).check_in_method == Method.CODE
    board = board_of(staff, shift).content.decode()
    assert "1/2 已到岗" in board and "2/2 已排" in board and "李志愿" in board
    assert "确认签退" in phone.get(url).content.decode()
    # not them: forget, and the phone is a stranger again
    assert "不是您？" in phone.get(url).content.decode()
    forgot = phone.post(url, {"action": "forget"})
    assert forgot.status_code == 200 and "个人签到链接" in forgot.content.decode()
    assert phone.post(url, {"action": "out"}).status_code == 400


def test_the_scan_page_tells_an_unknown_visitor_to_open_their_link_first(checkpoint):
    post, _shift, _li, _zhao = checkpoint
    url = reverse("mobilization:scan", args=[post.pk, checkin.daily_code(post, timezone.localdate())])
    page = Client().get(url)
    assert page.status_code == 200 and "个人签到链接" in page.content.decode()
    assert Client().post(url, {"action": "in"}).status_code == 400
    assert not Attendance.objects.exists()
    assert Client().get(reverse("mobilization:scan", args=[999999, "ABCDEF"])).status_code == 404


def test_the_persons_page_shows_shifts_and_notices_masked_and_a_wrong_key_is_404(world, client_for, checkpoint):
    post, _shift, li, _zhao = checkpoint
    from tongxin.core.notify import notify_contacts

    notify_contacts([(f"mobilization.person:{li.pk}", li.mobile)], key=checkin.AUTO_CLOSED_KEY,
                    params={"post": post.name, "day": "2021-07-30", "end": "12:00"})
    for client in (Client(), client_for(world.leshan_staff)):  # even the staff see it masked here
        body = client.get(reverse("mobilization:me", args=[li.checkin_key])).content.decode()
        assert "李志愿" in body and post.name in body and post.place in body
        assert MOBILE not in body and "139****1234" in body
        assert "未签退，已在班次结束时自动签退" in body
    assert Client().get(reverse("mobilization:me", args=["not-a-key"])).status_code == 404


def test_typing_the_code_checks_in_and_out_and_a_bad_code_says_why(checkpoint):
    post, _shift, li, _zhao = checkpoint
    phone = Client()
    me = reverse("mobilization:me", args=[li.checkin_key])
    bad = phone.post(me, {"code": "ZZZZZZ", "action": "in"})
    assert bad.status_code == 400 and "该签到码不属于您今天的岗位" in bad.content.decode()
    early_out = phone.post(me, {"code": checkin.daily_code(post, timezone.localdate()), "action": "out"})
    assert early_out.status_code == 400 and "您还没有签到，不能签退" in early_out.content.decode()
    code = checkin.daily_code(post, timezone.localdate())
    assert phone.post(me, {"code": code, "action": "in"}).status_code == 302
    assert phone.session["mobilization_person"] == li.pk  # acting on their own page remembers them
    assert phone.post(me, {"code": code, "action": "out"}).status_code == 302
    assert Attendance.objects.get(assignment__person=li).checked_out_at is not None
    assert phone.post(me, {"code": "", "action": "in"}).status_code == 400


# --- the staff's pages --------------------------------------------------------------------------

def test_the_roll_page_checks_people_in_and_out(world, client_for, checkpoint):
    _post, shift, li, zhao = checkpoint
    staff = client_for(world.leshan_staff)
    url = reverse("mobilization:roll", args=[shift.pk])
    page = staff.get(url).content.decode()
    assert "李志愿" in page and MOBILE in page  # the organisation's own staff see the number
    assert staff.post(url, {"action": "in", "people": [li.pk, zhao.pk]}).status_code == 302
    assert Attendance.objects.filter(check_in_method=Method.ROLL).count() == 2
    assert staff.post(url, {"action": "out", "people": [li.pk]}).status_code == 302
    assert Attendance.objects.get(assignment__person=li).check_out_method == Method.ROLL
    assert staff.post(url, {"action": "in"}).status_code == 400


def test_a_stranger_countys_officer_gets_404_on_the_roll_and_code_and_no_board_rows(world, client_for, checkpoint):
    post, shift, _li, _zhao = checkpoint
    stranger = client_for(world.nanxian)
    assert stranger.get(reverse("mobilization:roll", args=[shift.pk])).status_code == 404
    assert stranger.post(reverse("mobilization:roll", args=[shift.pk]), {"action": "in"}).status_code == 404
    assert stranger.get(reverse("mobilization:post-code", args=[post.pk])).status_code == 404
    board = board_of(stranger, shift)
    assert board.status_code == 200 and post.name not in board.content.decode()
    assert api_get(world.nanxian, reverse("mobilization-attendance-list")).json()["count"] == 0
    higher = client_for(world.hunan).get(reverse("mobilization:roll", args=[shift.pk])).content.decode()
    assert MOBILE not in higher and "139****1234" in higher  # the province reads masked


def test_anomalies_are_listed_and_reviewed(world, client_for, checkpoint):
    post, shift, li, _zhao = checkpoint
    attendance = checkin.check_in(li, checkin.daily_code(post, timezone.localdate()))
    checkin.close_forgotten(shift.ends_at + dt.timedelta(minutes=1))
    staff = client_for(world.leshan_staff)
    page = staff.get(reverse("mobilization:anomalies")).content.decode()
    assert "李志愿" in page and "未签退" in page
    url = reverse("mobilization:attendance-review", args=[attendance.pk])
    assert staff.post(url, {"note": ""}).status_code == 400
    assert 'name="hours"' in page and "复核前不计服务时长" in page
    assert staff.post(url, {"note": "已电话核实"}).status_code == 400  # a forgotten check-out: hours needed
    assert staff.post(url, {"note": "已电话核实", "hours": "0.5"}).status_code == 302
    attendance.refresh_from_db()
    assert attendance.reviewed_at is not None and attendance.hours == Decimal("0.50")
    assert f'data-attendance="{attendance.pk}"' not in staff.get(reverse("mobilization:anomalies")).content.decode()
    assert client_for(world.nanxian).post(url, {"note": "x"}).status_code == 404


# --- the API ------------------------------------------------------------------------------------

def api_get(user, url, **params):
    from rest_framework.test import APIClient

    from tongxin.accounts.tokens import issue_token

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user)[1]}")
    return c.get(url, params)


def test_the_api_lists_attendances_masked_by_policy_takes_the_roll_and_reviews(world, api_for, checkpoint):
    _post, shift, li, _zhao = checkpoint
    staff = api_for(world.leshan_staff)
    roll = staff.post(reverse("mobilization-attendance-roll"), {"shift": shift.pk, "people": [li.pk]}, format="json")
    assert roll.status_code == 200 and roll.json()[0]["check_in_method"] == "roll"
    assert staff.get(reverse("mobilization-attendance-list")).json()["results"][0]["person_mobile"] == MOBILE
    masked = api_for(world.hunan).get(reverse("mobilization-attendance-list")).json()["results"][0]
    assert masked["person_mobile"] == "139****1234"
    attendance = Attendance.objects.get()
    refused = staff.post(reverse("mobilization-attendance-review", args=[attendance.pk]), {"note": "看过"},
                         format="json")
    assert refused.status_code == 400 and "attendance" in refused.json()
    assert api_for(world.nanxian).post(reverse("mobilization-attendance-roll"), {"shift": shift.pk, "people": [li.pk]},
                                       format="json").status_code == 404
    assert staff.get(reverse("mobilization-attendance-list"), {"to_review": "true"}).json()["count"] == 0


def test_the_attendance_api_is_in_the_schema(world, api_for):
    schema = api_for(world.leshan_staff).get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/mobilization/attendances/roll/" in schema["paths"]
    assert "/api/mobilization/attendances/{id}/review/" in schema["paths"]


# --- the board adds up --------------------------------------------------------------------------

plan = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4), st.integers(0, 4), st.integers(0, 4),
                          st.integers(0, 4)), min_size=0, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plan)
def test_the_boards_totals_are_the_sums_of_its_rows(world, plan):
    """(post, needed, assigned, checked in, checked out) per shift: the totals equal the rows' sums,
    and each row counts what was written."""
    with transaction.atomic():
        posts = [f.post(world.leshan, f"卡点{i}") for i in range(3)]
        expected = []
        for i, (p, needed, assigned, came, left) in enumerate(plan):
            shift = f.shift(posts[p], "2021-07-30", 6 + i * 2, 2, needed=needed)
            came, left = min(came, assigned), min(left, came, assigned)
            for k in range(assigned):
                a = f.assignment(shift, f.person(world.leshan, f"志愿{i}-{k}"))
                if k < came:
                    Attendance.objects.create(assignment=a, checked_in_at=shift.starts_at, check_in_method=Method.CODE,
                                              checked_out_at=shift.ends_at if k < left else None,
                                              check_out_method=Method.CODE if k < left else "",
                                              flags=[Flag.OVER_12_HOURS] if k == 0 else [])
            expected.append((needed, assigned, came, came - left))
        day = dt.date(2021, 7, 30)
        rows = queries.board(world.leshan_staff, list(queries.board_shifts(world.leshan_staff, day)))
        totals = queries.board_totals(world.leshan_staff, day)
        assert {k: v for k, v in totals.items() if k != "to_review"} == queries.sum_rows(rows)
        assert sorted((r.needed, r.filled, r.checked_in, r.present) for r in rows) == sorted(expected)
        assert totals["to_review"] == sum(1 for e in expected if e[2])
        assert totals["unfilled"] == sum(max(0, n - a) for n, a, _c, _p in expected)
        transaction.set_rollback(True)


def test_a_scan_of_a_wrong_code_shows_nothing_of_the_post_and_saves_nothing(checkpoint):
    post, shift, li, _zhao = checkpoint
    phone = Client()
    phone.post(reverse("mobilization:me", args=[li.checkin_key]), {"action": "remember"})
    # The day before the shift's own: "yesterday" by the clock would be the shift's day in the hour
    # after midnight, when a shift that began before it rightly keeps its code.
    yesterday = checkin.daily_code(post, shift.day - dt.timedelta(days=1))
    for wrong in ("ZZZZZZ", yesterday, "x"):
        url = reverse("mobilization:scan", args=[post.pk, wrong])
        for page in (phone.get(url), phone.post(url, {"action": "in"})):
            assert page.status_code == 404 and post.name not in page.content.decode()
    assert not Attendance.objects.exists()


def test_an_overnight_shift_keeps_the_scan_page_of_the_day_it_began(world):
    post = f.post(world.leshan)
    starts = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=30)
    began = timezone.localtime(starts).date()
    url = reverse("mobilization:scan", args=[post.pk, checkin.daily_code(post, began)])
    assert Client().get(url).status_code == 404  # no shift of that day still running
    Shift.objects.create(post=post, day=began, starts_at=starts, ends_at=timezone.now() + dt.timedelta(hours=1),
                         needed=1)
    assert Client().get(url).status_code == 200


def test_the_api_review_confirms_the_hours_of_a_forgotten_check_out(world, api_for, checkpoint):
    post, shift, li, _zhao = checkpoint
    attendance = checkin.check_in(li, checkin.daily_code(post, timezone.localdate()))
    checkin.close_forgotten(shift.ends_at + dt.timedelta(minutes=1))
    staff = api_for(world.leshan_staff)
    url = reverse("mobilization-attendance-review", args=[attendance.pk])
    refused = staff.post(url, {"note": "电话核实"}, format="json")
    assert refused.status_code == 400 and "hours" in refused.json()
    done = staff.post(url, {"note": "电话核实", "hours": "1.30"}, format="json")
    assert done.status_code == 200 and done.json()["hours"] == "1.25"
