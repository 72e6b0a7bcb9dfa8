"""Seeds for mobilization: people, posts, shifts, assignments, attendance, records, certificates.

The actor is 乐善 (慈利县乐善社会工作服务中心)'s own social-work staff, `leshan`: the smallest scope that
may run its posts, its roster and its records. What a request acts on is built through the module's
services; past attendances (a check-in on 2021-07-30, as in the story) go through the check-in
service with its `at`. Shifts the API must still accept (assign, move, walk-up, roll) start a few
hours from now, since the API runs at the real time."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from tests.fuzz.seeds import Seed, seed
from tests.mobilization import factories as f
from tongxin.mobilization.models import ServiceRecord
from tongxin.mobilization.services import checkin
from tongxin.mobilization.services import people as people_services
from tongxin.mobilization.services import posts as post_services
from tongxin.mobilization.services import records as record_services

STAFF = "leshan"
STORY_DAY = dt.date(2021, 7, 30)
_mobiles = itertools.count(13907440001)


def _soon(hours: int) -> dt.datetime:
    """The top of the hour `hours` from now, Beijing time."""
    return timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours)


def _person(w, name: str = "王志远", **kw):
    return people_services.register(w.leshan_staff, w.leshan, kind=kw.pop("kind", "volunteer"), name=name,
                                    mobile=str(next(_mobiles)), **kw)


def _post(w, name: str = "零阳镇高速路口卡点", **kw):
    return post_services.create_post(w.leshan_staff, w.leshan, name=name, kind=kw.pop("kind", "checkpoint"),
                                     place=kw.pop("place", "慈利县零阳镇高速出口"), region_id="430821", **kw)


def _shift(w, post, starts_at: dt.datetime, hours: int = 4, needed: int = 2):
    return post_services.add_shift(w.leshan_staff, post, starts_at=starts_at,
                                   ends_at=starts_at + dt.timedelta(hours=hours), needed=needed)


def _assigned(w, start_in: int = 3, name: str = "王志远"):
    """A volunteer of 乐善 put on a checkpoint's shift that starts `start_in` hours from now."""
    shift = _shift(w, _post(w), _soon(start_in))
    return post_services.assign(w.leshan_staff, shift, _person(w, name))


def _served(w, day: dt.date = STORY_DAY, name: str = "李志愿", person=None, post_name: str = "零阳镇高速路口卡点"):
    """A volunteer who checked in at 08:05 and out at 12:00 on `day` with the post's code (a draft record)."""
    person = person or _person(w, name)
    post = _post(w, post_name)
    shift = f.shift(post, day, 8, 4)  # a past shift: add_shift and assign would refuse it at the real time
    f.assignment(shift, person)
    checkin.check_in(person, checkin.daily_code(post, day), at=f.at(day, 8, 5))
    attendance = checkin.check_out(person, checkin.daily_code(post, day), at=f.at(day, 12))
    return ServiceRecord.objects.get(attendance=attendance)


# --- people ------------------------------------------------------------------------------------------

@seed("POST /api/mobilization/people/")
def register_person(w):
    return Seed(STAFF, body={
        "unit": w.leshan.pk, "kind": "social_worker", "name": "陈静", "mobile": "13907441234",
        "id_number": "430821199208123066", "skills": ["social_work", "psychology"],
        "certificates": "助理社会工作师", "availability": "周末及晚间", "insurance_policy": "PICC-2021-0731",
        "insurance_from": "2021-07-01", "insurance_until": "2022-06-30"})


@seed("PUT /api/mobilization/people/{id}/")
def replace_person(w):
    person = _person(w, "王志远")
    return Seed(STAFF, path={"id": person.pk}, body={
        "kind": "volunteer", "name": "王志远", "mobile": "13907445678", "id_number": "430821199001011235",
        "skills": ["temperature", "order"], "certificates": "", "availability": "7 月 26 日起每天上午",
        "insurance_policy": "PICC-2021-0726", "insurance_from": "2021-07-26", "insurance_until": "2022-07-25"})


@seed("PATCH /api/mobilization/people/{id}/")
def change_person(w):
    person = _person(w, "王志远")
    return Seed(STAFF, path={"id": person.pk}, body={"skills": ["first_aid"], "availability": "工作日晚上"})


@seed("POST /api/mobilization/people/{id}/merge/")
def merge_walk_up(w):
    walk_up = people_services.walk_up(w.leshan_staff, w.leshan, name="王志远", mobile="13907449999")
    into = _person(w, "王志远", id_number="430821199001011235")
    return Seed(STAFF, path={"id": walk_up.pk}, body={"into": into.pk})


# --- posts, shifts and assignments -------------------------------------------------------------------

@seed("POST /api/mobilization/posts/")
def create_post(w):
    return Seed(STAFF, body={
        "unit": w.leshan.pk, "name": "零阳镇高速路口卡点", "kind": "checkpoint", "place": "慈利县零阳镇高速出口",
        "region_id": "430821", "risky": False, "required_skills": ["temperature"],
        "notes": "两人一组，查验健康码与行程卡"})


@seed("PATCH /api/mobilization/posts/{id}/")
def change_post(w):
    post = _post(w)
    return Seed(STAFF, path={"id": post.pk}, body={"place": "慈利县零阳镇高速出口收费站", "risky": True,
                                                   "notes": "夜间加派一人"})


@seed("POST /api/mobilization/shifts/")
def add_shift(w):
    post = _post(w)
    start = _soon(3)
    return Seed(STAFF, body={"post": post.pk, "starts_at": start.isoformat(),
                             "ends_at": (start + dt.timedelta(hours=4)).isoformat(), "needed": 2,
                             "notes": "上午班"})


@seed("POST /api/mobilization/shifts/{id}/cancel/")
def cancel_shift(w):
    a = _assigned(w)
    return Seed(STAFF, path={"id": a.shift_id}, body={"reason": "暴雨红色预警，卡点暂停"})


@seed("POST /api/mobilization/shifts/{id}/walk-up/")
def walk_up(w):
    shift = _shift(w, _post(w), _soon(3))
    return Seed(STAFF, path={"id": shift.pk}, body={"name": "赵现场", "mobile": "13807372222"})


@seed("POST /api/mobilization/assignments/")
def assign(w):
    shift = _shift(w, _post(w), _soon(3))
    person = _person(w, "王志远")
    return Seed(STAFF, body={"shift": shift.pk, "person": person.pk})


@seed("POST /api/mobilization/assignments/{id}/cancel/")
def cancel_assignment(w):
    a = _assigned(w)
    return Seed(STAFF, path={"id": a.pk}, body={"reason": "家中有事，请假"})


@seed("POST /api/mobilization/assignments/{id}/move/")
def move_assignment(w):
    a = _assigned(w)
    later = _shift(w, a.shift.post, _soon(27))
    return Seed(STAFF, path={"id": a.pk}, body={"shift": later.pk, "reason": "调至次日上午班补位"})


# --- attendance --------------------------------------------------------------------------------------

@seed("POST /api/mobilization/attendances/roll/")
def take_roll(w):
    """A shift that opens for check-in now (it starts in 10 minutes): the staff tick who is there."""
    start = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(minutes=10)
    shift = _shift(w, _post(w), start)
    people = [_person(w, name) for name in ("王志远", "李志愿")]
    for p in people:
        post_services.assign(w.leshan_staff, shift, p)
    return Seed(STAFF, body={"shift": shift.pk, "people": [p.pk for p in people], "direction": "in"})


@seed("POST /api/mobilization/attendances/{id}/review/")
def review_attendance(w):
    """A volunteer checked in at 09:00 on 2021-07-30 and forgot to check out: closed at the shift's end."""
    person = _person(w, "李志愿")
    post = _post(w)
    f.assignment(f.shift(post, STORY_DAY, 8, 4), person)
    attendance = checkin.check_in(person, checkin.daily_code(post, STORY_DAY), at=f.at(STORY_DAY, 9))
    checkin.close_forgotten(f.at(STORY_DAY, 23))
    return Seed(STAFF, path={"id": attendance.pk}, body={"note": "电话核实，11:40 离岗", "hours": "2.50"})


# --- records, activity reports, certificates ----------------------------------------------------------

@seed("POST /api/mobilization/records/{id}/finalise/")
def finalise_record(w):
    record = _served(w)  # of 2021-07-30: long past its 10-working-day window, so a late entry
    return Seed(STAFF, path={"id": record.pk}, body={"late_reason": "汛期断网，纸质签到表今日补录"})


@seed("POST /api/mobilization/records/{id}/correct/")
def correct_record(w):
    record = record_services.finalise(w.leshan_staff, _served(w), at=f.at("2021-08-02"))
    return Seed(STAFF, path={"id": record.pk}, body={"reason": "签到表核对：11:30 提前离岗", "hours": "3.25",
                                                     "content": "卡点值守，体温检测"})


@seed("POST /api/mobilization/activity-reports/")
def file_activity_report(w):
    return Seed(STAFF, body={
        "unit": w.leshan.pk, "day": STORY_DAY.isoformat(), "title": "为防疫一线送餐",
        "content": "为零阳镇各卡点送餐 2,217 份", "place": "慈利县零阳镇", "social_workers": 3, "volunteers": 12,
        "others": 0, "quantity": 2217, "measure": "份", "person_in_charge": "陈静"})


@seed("POST /api/mobilization/certificates/")
def issue_certificate(w):
    person = _person(w, "王志远", id_number="430821199001011235")
    for i, day in enumerate((STORY_DAY, STORY_DAY + dt.timedelta(days=1))):
        record = _served(w, day, person=person, post_name=f"零阳镇卡点{i + 1}")
        record_services.finalise(w.leshan_staff, record, at=f.at("2021-08-02"))
    return Seed(STAFF, body={"person": person.pk, "period_from": "2021-07-30", "period_until": "2021-08-09"})
